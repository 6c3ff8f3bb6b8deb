// Bundles the function entry points into dist/app (package.json "main"): one ESM file per
// function plus shared chunks, with every dependency inside. A new instance then imports a few
// files instead of hundreds of modules (bench/README.md: cold start), and publishing needs no
// node_modules at all (.funcignore).
import { build } from 'esbuild';
import { readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import process from 'node:process';
import { appBundleOptions } from './esbuild-options.mjs';

const entryPoints = readdirSync('functions').filter((f) => f.endsWith('.ts')).map((f) => `functions/${f}`);
// BUNDLE_OUTDIR lets the tests bundle into a folder of their own.
const outdir = process.env.BUNDLE_OUTDIR ?? 'dist/app';
await rm(outdir, { recursive: true, force: true });
await build({
  ...appBundleOptions,
  entryPoints,
  outdir,
  // Chunks in their own folder, so "main": "dist/app/*.js" loads only the functions.
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
});
