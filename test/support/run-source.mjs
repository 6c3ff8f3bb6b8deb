// Lets a child process run the TypeScript sources as they are, for tests that spawn the CLI the
// way a user runs it (test/support/cli-process.ts):
//
//   node --import ./test/support/run-source.mjs cli/main.ts run --once
//
// An import of './x.js' from a .ts file loads './x.ts' (the sources import what tsc will emit),
// and each .ts file is compiled by esbuild on load (Node's own type stripping refuses parameter
// properties, which shared/errors uses).
import { existsSync, readFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { fileURLToPath, URL } from 'node:url';
import { transformSync } from 'esbuild';

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (context.parentURL?.endsWith('.ts') && /^\.{1,2}\/.*\.js$/.test(specifier)) {
      const source = new URL(`${specifier.slice(0, -3)}.ts`, context.parentURL);
      if (existsSync(fileURLToPath(source))) return nextResolve(source.href, context);
    }
    return nextResolve(specifier, context);
  },
  load(url, context, nextLoad) {
    if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
    const file = fileURLToPath(url);
    const { code } = transformSync(readFileSync(file, 'utf8'), { loader: 'ts', format: 'esm', target: 'node22', sourcefile: file, sourcemap: 'inline' });
    return { format: 'module', source: code, shortCircuit: true };
  },
});
