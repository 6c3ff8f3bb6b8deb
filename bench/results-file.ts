// What every benchmark's results file holds besides its figures (the machine and its load), and
// where it goes: bench/results/<time>[-<name>].json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository (the benchmarks run from dist/bench/). */
export const ROOT = resolve(import.meta.dirname, '..', '..');

/** The load average, rounded, as every figure is reported with it. */
export const loadAverage = (): number[] => loadavg().map((x) => Math.round(x * 100) / 100);

/** The machine's facts and load average, for a results file. */
export function machine(): Record<string, unknown> {
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage: loadAverage(),
  };
}

/** Writes `result` to bench/results/, named by `date` (an ISO time) and `name`; returns the file. */
export function writeResults(result: unknown, date: string, name?: string): string {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${date.slice(0, 19).replace(/:/g, '-')}${name ? `-${name}` : ''}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}
