#!/usr/bin/env node
// The `aks-queue-scaler` command's entry (package.json "bin"). It checks the Node version before
// anything else is loaded, then loads the commands (dispatch.ts). The commands' dependencies
// crash on an older Node as they load (undici, under the Azure SDKs and client-node), and ESM
// evaluates every static import before the importing module's body: so this file imports only
// Node's own modules, and the rest with import() once the check has passed.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** scripts/check-node.mjs of this package (found upwards from cli/ or dist/cli/), if it is there. */
function checkNodeScript(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  const script = join(dir, 'scripts', 'check-node.mjs');
  return existsSync(script) ? script : undefined;
}

const script = checkNodeScript();
if (script !== undefined) {
  const { requireSupportedNode } = await import(pathToFileURL(script).href) as typeof import('../scripts/check-node.mjs');
  requireSupportedNode();
}
await import('./dispatch.js');
