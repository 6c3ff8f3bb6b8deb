// infra/trigger-types.json is the trigger registry (shared/sources/registry.ts) as the
// deployment reads it: Bicep reads no TypeScript, so `npm run infra:trigger-types` writes it and
// this test keeps the two equal. infra/main.bicep grants every trigger type from it, and names
// no trigger type itself.
import { describe, expect, test } from 'vitest';
import { triggerGrants, triggerTypeNames } from '../../shared/sources/index.js';
import { blocks, readRepoFile, stripComments, triggerTypesFile } from './bicep-text.js';
import { ALLOWED_ROLES, BUILT_IN_ROLES } from './checks.js';

const file = triggerTypesFile();
const main = readRepoFile('infra/main.bicep');
/** The module that grants each kind of scope, in infra/main.bicep. */
const MODULE_OF_SCOPE: Record<string, string> = { 'storage-queue': 'app/queue-access.bicep' };

describe('infra/trigger-types.json', () => {
  test('is the registry (else: npm run infra:trigger-types)', () => {
    expect(file.triggerTypes, 'infra/trigger-types.json differs from shared/sources/registry.ts: run npm run infra:trigger-types').toEqual(triggerGrants());
    expect(Object.keys(file.triggerTypes)).toEqual(triggerTypeNames);
    expect(file.$comment).toMatch(/^Generated from shared\/sources\/registry\.ts by npm run infra:trigger-types/);
  });

  test('the comparison can fail', () => {
    const changed = structuredClone(file.triggerTypes);
    changed['azure-queue']!.read.id = '8a0f0c08-91a1-4084-bc3d-661d67233fed';
    expect(changed).not.toEqual(triggerGrants());
  });

  test.each(Object.entries(file.triggerTypes))('%s: its roles are allowed built-in roles, by their ids', (_, grants) => {
    for (const role of [grants.read, grants.send]) {
      expect(BUILT_IN_ROLES[role.id], role.id).toBe(role.name);
      expect(ALLOWED_ROLES).toContain(role.name);
    }
    expect(grants.read.name, 'the scaler only reads').toMatch(/Reader$/);
  });
});

describe('infra/main.bicep grants the trigger types from it', () => {
  const code = stripComments(main.text);
  test('loads it, and names no trigger type itself', () => {
    expect(code).toMatch(/^var triggerTypes = loadJsonContent\('\.\/trigger-types\.json'\)\.triggerTypes$/m);
    for (const type of triggerTypeNames) expect(code).not.toContain(`'${type}'`);
  });

  test.each(Object.entries(file.triggerTypes))('%s: each kind of scope has its module, reading the keys and roles from the file', (_, grants) => {
    const module = MODULE_OF_SCOPE[grants.scope];
    expect(module, `no module grants scope ${grants.scope}: add one to infra/main.bicep and MODULE_OF_SCOPE`).toBeDefined();
    // The queues a trigger reads: picked by scope, named by the type's metadata keys, granted its read role.
    expect(code).toContain(`triggerTypes[?tr.type].?scope == '${grants.scope}'`);
    expect(code).toMatch(/tr\.metadata\[triggerTypes\[tr\.type\]\.accountField\]/);
    expect(code).toMatch(/tr\.metadata\[triggerTypes\[tr\.type\]\.resourceField\]/);
    const modules = blocks(main).filter((b) => b.kind === 'module' && b.type === module);
    const reader = modules.find((b) => b.symbol === 'targetQueueReaders')!;
    expect(reader.body).toMatch(/roleId: q\.role\.id\b/);
    expect(code).toMatch(/role: triggerTypes\[tr\.type\]\.read$/m);
    // wake.forwardTo: in the first trigger's account, granted its send role.
    const sender = modules.find((b) => b.symbol === 'forwardQueueSenders')!;
    expect(sender.body).toMatch(/roleId: f\.role\.id\b/);
    expect(code).toMatch(/role: triggerTypes\[t\.triggers\[0\]\.type\]\.send$/m);
  });
});
