// Bundles the function entry points into dist/app (package.json "main"): one ESM file per
// function plus shared chunks, with every dependency inside. A new instance then imports a few
// files instead of hundreds of modules (bench/README.md: cold start), and publishing needs no
// node_modules at all (.funcignore).
import { build } from 'esbuild';
import { readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import process from 'node:process';

const entryPoints = readdirSync('functions').filter((f) => f.endsWith('.ts')).map((f) => `functions/${f}`);
// BUNDLE_OUTDIR lets the tests bundle into a folder of their own.
const outdir = process.env.BUNDLE_OUTDIR ?? 'dist/app';
await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints,
  outdir,
  // Chunks in their own folder, so "main": "dist/app/*.js" loads only the functions.
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  // Provided by the Functions worker at run time.
  external: ['@azure/functions-core'],
  // Bundled CommonJS dependencies require() Node built-ins and read __dirname (applicationinsights
  // looks for its JSON config next to itself): give every ESM file the CommonJS names.
  banner: {
    js: [
      "import { createRequire as __bundleRequire } from 'node:module';",
      "import { fileURLToPath as __bundlePath } from 'node:url';",
      "import { dirname as __bundleDir } from 'node:path';",
      'const require = __bundleRequire(import.meta.url);',
      'const __filename = __bundlePath(import.meta.url);',
      'const __dirname = __bundleDir(__filename);',
    ].join(' '),
  },
  logLevel: 'warning',
});
