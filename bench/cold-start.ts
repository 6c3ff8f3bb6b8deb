// Cold start: how long a fresh Node process takes to import the function entry points (what a
// new Functions instance pays before its first invocation), as shipped (the esbuild bundle in
// dist/app) and unbundled (tsc's dist/functions), and how much publishing uploads.
// Run after `npm run build`.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

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

/**
 * Bytes `func azure functionapp publish` uploads: with .funcignore, the bundle, host.json and
 * package.json; without the bundle it would be dist plus the production node_modules.
 */
function publishedBytes(root: string): { bundled: number; unbundled: number; productionPackages: number } {
  const listed = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: root }).toString().trim().split('\n').slice(1);
  // Nested packages are inside their parents' folders: count top-level folders only.
  const tops = listed.filter((p) => !listed.some((other) => other !== p && p.startsWith(`${other}/node_modules/`)));
  const manifests = sizeOf(join(root, 'host.json')) + sizeOf(join(root, 'package.json'));
  const dist = sizeOf(join(root, 'dist'), (p) => p.endsWith('.map') || /^dist[/\\](app|local|bench)[/\\]/.test(relative(root, p)));
  return {
    bundled: sizeOf(join(root, 'dist', 'app')) + manifests,
    unbundled: dist + tops.reduce((sum, p) => sum + sizeOf(p), 0) + manifests,
    productionPackages: listed.length,
  };
}

export interface ColdStartResult {
  importMsMedian: number;
  importMsRuns: number[];
  bundledImportMsMedian: number;
  bundledImportMsRuns: number[];
  publish: { bundled: number; unbundled: number; productionPackages: number };
}

export async function runColdStart(root: string): Promise<ColdStartResult> {
  const entries = (dir: string): string[] => ['evaluate', 'wake'].map((f) => join(root, 'dist', dir, `${f}.js`));
  // The bundle is what ships (package.json "main"); the tsc output is the unbundled baseline.
  const plain = Array.from({ length: RUNS }, () => importMs(entries('functions')));
  const bundled = Array.from({ length: RUNS }, () => importMs(entries('app')));
  const publish = publishedBytes(root);
  return {
    importMsMedian: Math.round(median(plain)),
    importMsRuns: plain.map(Math.round),
    bundledImportMsMedian: Math.round(median(bundled)),
    bundledImportMsRuns: bundled.map(Math.round),
    publish,
  };
}
