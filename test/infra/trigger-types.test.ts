// infra/trigger-types.json is the trigger registry (shared/sources/registry.ts) as the
// deployment reads it: Bicep reads no TypeScript, so `npm run infra:trigger-types` writes it and
// this test keeps the two equal. infra/main.bicep grants every trigger type from it, over the
// lists `aks-queue-scaler deploy-parameters` writes (cli/deploy/parameters.ts), and names no
// trigger type itself.
import { describe, expect, test } from 'vitest';
import { triggerGrants, triggerTypeNames } from '../../shared/sources/index.js';
import { PARAMETERS_OF_SCOPE } from '../../cli/deploy/parameters.js';
import { blocks, readRepoFile, stripComments, triggerTypesFile } from './bicep-text.js';
import { ALLOWED_ROLES, BUILT_IN_ROLES } from './checks.js';

const file = triggerTypesFile();
const main = readRepoFile('infra/main.bicep');
/** The module that grants each kind of scope, in infra/main.bicep. */
const MODULE_OF_SCOPE: Record<string, string> = { 'storage-queue': 'app/queue-access.bicep', 'servicebus-entity': 'app/servicebus-access.bicep' };

/**
 * A read role whose name is not a Reader's, and why it is the least there is: reviewed here, one
 * by one (docs/configuration.md says the same to the operator).
 */
const READ_ROLES_BEYOND_READER: Record<string, string> = {
  'Azure Service Bus Data Owner': 'the runtime-properties read is a management operation (Manage claim); no narrower built-in role carries it',
};

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
    for (const role of [grants.read, grants.send].filter((r) => r !== undefined)) {
      expect(BUILT_IN_ROLES[role.id], role.id).toBe(role.name);
      expect(ALLOWED_ROLES).toContain(role.name);
    }
    if (!Object.hasOwn(READ_ROLES_BEYOND_READER, grants.read.name)) expect(grants.read.name, 'the scaler only reads').toMatch(/Reader$/);
  });
});

describe('infra/main.bicep grants the trigger types from it', () => {
  const code = stripComments(main.text);
  test('loads it, and names no trigger type itself', () => {
    expect(code).toMatch(/^var triggerTypes = loadJsonContent\('\.\/trigger-types\.json'\)\.triggerTypes$/m);
    for (const type of triggerTypeNames) expect(code).not.toContain(`'${type}'`);
  });

  test.each(Object.entries(file.triggerTypes))('%s: its kind of scope has a module, looping over the lists deploy-parameters writes, with the roles from the file', (_, grants) => {
    const module = MODULE_OF_SCOPE[grants.scope];
    expect(module, `no module grants scope ${grants.scope}: add one to infra/main.bicep and MODULE_OF_SCOPE`).toBeDefined();
    const parameters = PARAMETERS_OF_SCOPE[grants.scope];
    expect(parameters, `deploy-parameters writes no list for scope ${grants.scope}: add it to PARAMETERS_OF_SCOPE (cli/deploy/parameters.ts)`).toBeDefined();
    // The queues triggers read, granted the type's read role (scaler identity); the wake.forwardTo
    // queues, granted the first trigger type's send role (host identity).
    // A type without forward mode has no send role, and no list of queues to send to.
    expect(parameters!.send === undefined, 'a send list exactly when the type has a send role').toBe(grants.send === undefined);
    const lists = [[parameters!.read, 'read', 'scalerIdentity'], ...(parameters!.send ? [[parameters!.send, 'send', 'hostIdentity'] as const] : [])] as const;
    for (const [list, role, identity] of lists) {
      const loop = new RegExp(`^module (\\w+) '${module}' = \\[for (\\w+) in ${list}: \\{$`, 'm').exec(code);
      expect(loop, `no module '${module}' loops over ${list}`).not.toBeNull();
      const [, symbol, item] = loop as unknown as [string, string, string];
      const body = blocks(main).find((b) => b.symbol === symbol)!.body;
      expect(body).toMatch(new RegExp(`^\\s*roleId: triggerTypes\\[${item}\\.triggerType\\]\\.${role}\\.id\\b`, 'm'));
      expect(body).toMatch(new RegExp(`^\\s*access: '${role}'$`, 'm'));
      expect(body).toMatch(new RegExp(`^\\s*principalId: ${identity}\\.outputs\\.principalId$`, 'm'));
    }
  });
});
