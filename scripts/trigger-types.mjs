// npm run infra:trigger-types: writes infra/trigger-types.json from the trigger registry
// (shared/sources/registry.ts): per trigger type, the roles it needs and the metadata keys that
// name what they are granted on. infra/main.bicep loads it (Bicep reads no TypeScript);
// test/infra/trigger-types.test.ts fails while the file and the registry differ.
import { build } from 'esbuild';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import console from 'node:console';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

const OUT = 'infra/trigger-types.json';
const COMMENT = 'Generated from shared/sources/registry.ts by npm run infra:trigger-types: do not edit. infra/main.bicep grants each trigger type its roles from it.';

// The registry is TypeScript: bundled on the fly (its packages left to node_modules), into a
// folder inside the repository so that they resolve.
const dir = resolve('node_modules/.cache/aks-queue-scaler');
mkdirSync(dir, { recursive: true });
const file = join(dir, `trigger-types-${process.pid}.mjs`);
try {
  await build({ entryPoints: ['shared/sources/index.ts'], outfile: file, bundle: true, format: 'esm', platform: 'node', target: 'node22', packages: 'external', logLevel: 'warning' });
  const { triggerGrants } = await import(pathToFileURL(file).href);
  writeFileSync(OUT, `${JSON.stringify({ $comment: COMMENT, triggerTypes: triggerGrants() }, null, 2)}\n`);
  console.log(`wrote ${OUT}: ${Object.keys(triggerGrants()).join(', ')}`);
} finally {
  rmSync(file, { force: true });
}
