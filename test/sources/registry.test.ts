// The trigger registry (shared/sources/registry.ts): a trigger type is its folder plus one line
// there. Nothing else in the scaler's code names a type: the configuration, the runtime,
// telemetry, `import` and the deployment ask the registry.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { definitionOf, metricNameOf, triggerTypeNames } from '../../shared/sources/index.js';

const ROOT = join(import.meta.dirname, '..', '..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

/** Every file under `dir` (relative to the repository) whose name ends with one of `extensions`. */
function files(dir: string, extensions: string[]): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && extensions.some((x) => e.name.endsWith(x)))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

describe('the registry', () => {
  test('one line per type, each a folder of shared/sources', () => {
    const registry = read('shared/sources/registry.ts');
    for (const type of triggerTypeNames) {
      expect(registry.match(new RegExp(`^  '${type}': \\w+,$`, 'gm')), type).toHaveLength(1);
      expect(readdirSync(join(ROOT, 'shared/sources', type)), type).toContain('index.ts');
    }
  });

  test("the scaler's code names no trigger type outside the type's folder and the registry", () => {
    // The demo's own target and the tests may; the code that serves every type may not.
    const code = [...files('shared', ['.ts']), ...files('functions', ['.ts']), ...files('cli/import', ['.ts']), ...files('infra', ['.bicep'])];
    for (const type of triggerTypeNames) {
      const naming = code.filter((f) => !f.startsWith(`shared/sources/${type}/`) && f !== 'shared/sources/registry.ts' && new RegExp(`'${type}'`).test(read(f)));
      expect(naming, type).toEqual([]);
    }
  });

  test.each(triggerTypeNames)('%s: its metric is one docs/queries.kql asks for, and no other type sends it', (type) => {
    const name = definitionOf(type).metricName;
    expect(metricNameOf(type)).toBe(name);
    expect(read('docs/queries.kql')).toContain(`'${name}'`);
    expect(triggerTypeNames.filter((t) => metricNameOf(t) === name)).toEqual([type]);
  });
});

describe('boundaries', () => {
  /** The project files `file` imports, relative to the repository. */
  const importsOf = (file: string): string[] =>
    [...read(file).matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)].map((m) => normalize(join(dirname(file), m[1]!)).replace(/\.js$/, '.ts'));
  const part = (file: string): string | undefined => /^shared\/([\w-]+)\//.exec(file)?.[1];

  test('sources import no configuration, and the schema helpers nothing of the project', () => {
    for (const file of files('shared/sources', ['.ts'])) expect(importsOf(file).filter((i) => i.startsWith('shared/config/')), file).toEqual([]);
    for (const file of files('shared/schema', ['.ts'])) expect(importsOf(file).filter((i) => part(i) !== 'schema'), file).toEqual([]);
  });

  test('the configuration, the sources, the schema helpers and `import` reach other parts only through their index.ts', () => {
    const code = [...files('shared/config', ['.ts']), ...files('shared/sources', ['.ts']), ...files('shared/schema', ['.ts']), ...files('cli/import', ['.ts'])];
    for (const file of code) {
      const through = importsOf(file).filter((i) => part(i) !== undefined && part(i) !== part(file) && !i.endsWith('/index.ts'));
      expect(through, file).toEqual([]);
    }
  });
});
