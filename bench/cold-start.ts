// Cold start: how long a fresh Node process takes to import the built function entry points
// (what a new Functions instance pays before its first invocation), with and without a bundle,
// and how much `func azure functionapp publish` would upload.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { build } from 'esbuild';

const RUNS = 7;

/** Milliseconds to import `files` in a fresh process, measured inside it. */
function importMs(files: string[]): number {
  const script = `const t = performance.now(); for (const f of ${JSON.stringify(files)}) await import(f); process.stdout.write(String(performance.now() - t));`;
  // No settings: the wake function registers nothing; @azure/functions runs in test mode.
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'ignore'] });
  return Number(out.toString());
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function sizeOf(path: string, skip: (p: string) => boolean = () => false): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return skip(path) ? 0 : stat.size;
  return readdirSync(path).reduce((sum, entry) => sum + sizeOf(join(path, entry), skip), 0);
}

/** What publish uploads after `npm ci --omit=dev && npm run build`: dist (as .funcignore keeps it), host.json, package.json, production node_modules. */
function publishBytes(root: string): { dist: number; nodeModules: number; packages: number } {
  const dist = sizeOf(join(root, 'dist'), (p) => p.endsWith('.map') || /[/\\](test|bench)[/\\]/.test(relative(root, p)));
  const listed = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: root }).toString().trim().split('\n').slice(1);
  // Nested packages are inside their parents' folders: count top-level folders only.
  const tops = listed.filter((p) => !listed.some((other) => other !== p && p.startsWith(`${other}/node_modules/`)));
  return { dist, nodeModules: tops.reduce((sum, p) => sum + sizeOf(p), 0), packages: listed.length };
}

export interface ColdStartResult {
  importMsMedian: number;
  importMsRuns: number[];
  bundledImportMsMedian: number;
  bundledImportMsRuns: number[];
  bundleBytes: number;
  publish: { dist: number; nodeModules: number; packages: number; totalMB: number };
}

export async function runColdStart(root: string): Promise<ColdStartResult> {
  const entries = ['evaluate', 'wake'].map((f) => join(root, 'dist', 'functions', `${f}.js`));
  const plain = Array.from({ length: RUNS }, () => importMs(entries));

  const outdir = join(root, 'dist-bundle');
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  await build({
    entryPoints: ['evaluate', 'wake'].map((f) => join(root, 'functions', `${f}.ts`)),
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    // Provided by the Functions worker at run time.
    external: ['@azure/functions-core'],
    // Some dependencies still require() Node built-ins from ESM.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'error',
  });
  const bundled = Array.from({ length: RUNS }, () => importMs(['evaluate', 'wake'].map((f) => join(outdir, `${f}.js`))));
  const bundleBytes = sizeOf(outdir);
  await rm(outdir, { recursive: true, force: true });

  const publish = publishBytes(root);
  return {
    importMsMedian: Math.round(median(plain)),
    importMsRuns: plain.map(Math.round),
    bundledImportMsMedian: Math.round(median(bundled)),
    bundledImportMsRuns: bundled.map(Math.round),
    bundleBytes,
    publish: { ...publish, totalMB: Math.round(((publish.dist + publish.nodeModules) / 1e6) * 10) / 10 },
  };
}
