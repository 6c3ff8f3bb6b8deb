// Tick scale: the evaluation loop over 100, 1,000 and 5,000 targets (one queue and one
// Deployment each, over 10 namespaces) against the local services, with the scaler in a forked
// process of its own (bench/tick-worker.ts, bundled like the app that ships) so its CPU
// seconds and peak RSS are its own. Then SCALER_CONCURRENCY values, the fan-out (the same
// targets split into shards, one scaler process each, as queue-triggered instances would), and
// the same targets with messageAgeTarget (what reading the oldest message's age costs).
// Run after `npm run build`; bench/README.md explains the figures.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { clusterEntry, createWorkbench, depthOf, queueLengthOf, startLocalServices, type LocalServices, type Workbench } from './tick-fixtures.js';
import type { Latency, PortCalls, TickMeasure, WorkerReply, WorkerRequest } from './tick-worker.js';

export interface TickScaleOptions {
  sizes?: number[];
  /** SCALER_CONCURRENCY values tried at `sweepSize` targets. */
  concurrencies?: number[];
  sweepSize?: number;
  /** Sizes run again split over `shards` scaler processes (the fan-out). */
  fanOutSizes?: number[];
  shards?: number;
  namespaces?: number;
  /** Seconds from the first tick at which ticks run (the default schedule is every 15 s). */
  schedule?: number[];
  /** Write a CPU profile of every tick to this folder (<size>-c<concurrency>-t<seconds>.cpuprofile); runs the scaler unbundled so the profile names packages. */
  profileDir?: string;
  /** Run a full GC after each tick and report the heap still in use (a leak check; changes peak RSS). */
  liveHeap?: boolean;
  /** Node flags for the scaler process (e.g. --max-semi-space-size=4), as languageWorkers__node__arguments would set. */
  nodeFlags?: string[];
  /** Sizes run once per trigger variant (TRIGGER_VARIANTS): what messageAgeTarget costs a tick. */
  ageSizes?: number[];
  log?: (line: string) => void;
}

/**
 * How each target's trigger reads its queue: by length (`all`, the default), and with
 * messageAgeTarget by `all` (Get Queue Metadata + a peek of one) or `visibleonly` (its peek
 * gives the age). The age target is an hour, longer than any message here waits, so every
 * variant makes the same decisions and only the reading's cost differs.
 */
export const TRIGGER_VARIANTS = {
  length: {},
  'all + age': { messageAgeTarget: '3600' },
  'visibleonly + age': { messageAgeTarget: '3600', queueLengthStrategy: 'visibleonly' },
} satisfies Record<string, Record<string, string>>;
export type TriggerVariant = keyof typeof TRIGGER_VARIANTS;

/** Which targets a tick evaluates at the default settings (pollingInterval 30 s, schedule 15 s). */
export type TickKind = 'cold' | 'awake only' | 'all due';

export interface TickRecord {
  atSeconds: number;
  kind: TickKind;
  /** With shards: calls and CPU summed, wall time until the last shard finished, RSS the largest. */
  measure: TickMeasure;
  shardMeasures?: TickMeasure[];
  /** CPU milliseconds the local services spent during the tick (the other side of each call). */
  servicesCpuMs: Record<string, number>;
  loadAverage1m: number;
}

export interface TickRun {
  size: number;
  concurrency: number;
  shards: number;
  trigger: TriggerVariant;
  ticks: TickRecord[];
  /** The scaler process (the largest shard): peak RSS over its life, and CPU in total including start-up. */
  maxRssBytes: number;
  cpuMs: number;
  /** Building the runtime from the settings (parsing SCALER_TARGETS, clients), and RSS then. */
  runtimeSetupMs: number;
  readyRssBytes: number;
}

export interface TickSummary {
  size: number;
  concurrency: number;
  shards: number;
  trigger: TriggerVariant;
  coldMs: number;
  /** Median over the warm ticks that evaluate every target. */
  warmAllDueMs: number;
  /** Median over the warm ticks that evaluate the targets above zero only. */
  warmAwakeMs: number;
  coldMsPerTarget: number;
  warmMsPerTarget: number;
  coldCpuMs: number;
  warmCpuMs: number;
  warmCpuMsPerTarget: number;
  maxRssMB: number;
  readyRssMB: number;
  runtimeSetupMs: number;
  /** Calls per evaluated target, cold and warm (the last all-due tick); stateLoadAlls is per tick. */
  callsPerTarget: { cold: Record<keyof PortCalls, number>; warm: Record<keyof PortCalls, number> };
  /** HTTP requests per tick by service, cold and warm. */
  httpPerTick: { cold: Record<string, number>; warm: Record<string, number> };
  /** CPU of the local services in the warm tick (they share this machine's cores with the scaler). */
  warmServicesCpuMs: Record<string, number>;
  /** One trigger's read in the warm tick, all its requests included. */
  warmQueueRead: Latency;
  scaledCold: number;
  scaledWarm: number;
  failed: number;
  loadAverage1m: number;
}

export interface TickScaleResult {
  skipped?: string;
  namespaces: number;
  bundled: boolean;
  setupSeconds?: Workbench['setupSeconds'];
  depths: { empty: number; small: number; deep: number; perHundred: string };
  runs: TickRun[];
  summaries: TickSummary[];
  sweep: TickSummary[];
  fanOut: TickSummary[];
  /** The same targets with each trigger variant (TRIGGER_VARIANTS). */
  messageAge: TickSummary[];
}

const T0 = Date.parse('2026-11-27T10:00:00.000Z');
const POLLING_INTERVAL_S = 30;

export function tickKind(atSeconds: number): TickKind {
  if (atSeconds === 0) return 'cold';
  return atSeconds % POLLING_INTERVAL_S === 0 ? 'all due' : 'awake only';
}

/** utime + stime of a process, in milliseconds (0 where /proc is missing). */
function cpuOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // Fields 14 and 15 of stat (utime, stime) are 11 and 12 after the command; clock ticks of 10 ms.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/**
 * The worker bundled with the options scripts/bundle.mjs bundles the app with (one ESM file, every
 * dependency inside), so its memory is the shipped app's: unbundled, the same code takes ~35 MB
 * more RSS.
 */
async function bundleWorker(root: string): Promise<string> {
  const { build } = await import('esbuild');
  // Read from the sources (scripts/ is not compiled into dist/).
  const { appBundleOptions } = await import(pathToFileURL(join(root, 'scripts', 'esbuild-options.mjs')).href) as typeof import('../scripts/esbuild-options.mjs');
  const outfile = join(root, 'dist', 'bench', 'tick-worker.bundle.mjs');
  await build({ ...appBundleOptions, entryPoints: [join(root, 'bench', 'tick-worker.ts')], outfile });
  return outfile;
}

/** The scaler in its own process, driven one message at a time. */
class ScalerProcess {
  private readonly child: ChildProcess;
  private pending: { resolve: (r: WorkerReply) => void; reject: (e: Error) => void } | undefined;
  private stderr = '';

  constructor(script: string, execArgv: string[]) {
    this.child = fork(script, [], { execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    this.child.stderr!.on('data', (chunk: Buffer) => void (this.stderr = (this.stderr + chunk.toString()).slice(-4000)));
    this.child.on('message', (reply: WorkerReply) => {
      const pending = this.pending;
      this.pending = undefined;
      if (reply.type === 'error') pending?.reject(new Error(`scaler process: ${reply.message}`));
      else pending?.resolve(reply);
    });
    this.child.on('exit', (code) => this.pending?.reject(new Error(`scaler process exited (${code}): ${this.stderr}`)));
  }

  request<T extends WorkerReply['type']>(message: WorkerRequest, type: T): Promise<Extract<WorkerReply, { type: T }>> {
    return new Promise((resolve, reject) => {
      this.pending = {
        resolve: (reply) => (reply.type === type ? resolve(reply as Extract<WorkerReply, { type: T }>) : reject(new Error(`expected ${type}, got ${reply.type}`))),
        reject,
      };
      this.child.send(message);
    });
  }

  /** Waits a little for the process to exit by itself, then kills it. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

function targetsOf(bench: Workbench, size: number, trigger: TriggerVariant): unknown[] {
  return Array.from({ length: size }, (_, j) => {
    const { namespace, deployment, queue } = bench.refOf(j);
    return {
      name: `t${j}`,
      namespace,
      cluster: 'test',
      scaleTargetRef: { name: deployment },
      triggers: [{ type: 'azure-queue', metadata: { queueName: queue, connectionFromEnv: 'QUEUES', queueLength: String(queueLengthOf(j)), ...TRIGGER_VARIANTS[trigger] } }],
    };
  });
}

const sumRecords = (records: Record<string, number>[]): Record<string, number> =>
  records.reduce<Record<string, number>>((sum, r) => {
    for (const [k, v] of Object.entries(r)) sum[k] = (sum[k] ?? 0) + v;
    return sum;
  }, {});

/** The shards' measures as one tick: counts and CPU summed, wall time the parent's, RSS the largest. */
function mergeShards(measures: TickMeasure[], wallMs: number): TickMeasure {
  if (measures.length === 1) return measures[0]!;
  const sum = (f: (m: TickMeasure) => number): number => measures.reduce((s, m) => s + f(m), 0);
  const slowest = (f: (m: TickMeasure) => Latency): Latency => measures.map(f).reduce((a, b) => (b.p99Ms > a.p99Ms ? b : a));
  return {
    wallMs,
    cpuMs: sum((m) => m.cpuMs),
    evaluated: sum((m) => m.evaluated),
    skipped: sum((m) => m.skipped),
    scaled: sum((m) => m.scaled),
    failed: sum((m) => m.failed),
    errors: measures.flatMap((m) => m.errors).slice(0, 3),
    calls: sumRecords(measures.map((m) => ({ ...m.calls }))) as unknown as PortCalls,
    http: sumRecords(measures.map((m) => m.http)),
    latency: {
      queueRead: slowest((m) => m.latency.queueRead),
      kubeRead: slowest((m) => m.latency.kubeRead),
      kubeWrite: slowest((m) => m.latency.kubeWrite),
      stateLoadAll: slowest((m) => m.latency.stateLoadAll),
      stateSave: slowest((m) => m.latency.stateSave),
      stateBatch: slowest((m) => m.latency.stateBatch),
    },
    rssBytes: Math.max(...measures.map((m) => m.rssBytes)),
    heapUsedBytes: Math.max(...measures.map((m) => m.heapUsedBytes)),
  };
}

interface RunSpec {
  size: number;
  concurrency: number;
  shards: number;
  schedule: number[];
  trigger?: TriggerVariant;
}

async function runScaler(services: LocalServices, bench: Workbench, worker: string, spec: RunSpec, options: TickScaleOptions, log: (line: string) => void): Promise<TickRun> {
  const { size, concurrency, shards, schedule, trigger = 'length' } = spec;
  await bench.reset(size);
  const settings: Record<string, string> = {
    SCALER_LOCAL_DEVELOPMENT: 'true',
    AzureWebJobsStorage: services.azurite.connectionString,
    QUEUES: services.azurite.connectionString,
    SCALER_STATE_TABLE: `tick${size}c${concurrency}s${shards}${Math.random().toString(36).slice(2, 8)}`,
    SCALER_CLUSTERS: JSON.stringify({ test: clusterEntry(services.controlPlane) }),
    // Too big for an environment variable at 5,000 targets: sent over IPC instead.
    SCALER_TARGETS: JSON.stringify(targetsOf(bench, size, trigger)),
    SCALER_CONCURRENCY: String(concurrency),
  };
  const label = `${size} targets, concurrency ${concurrency}${shards > 1 ? `, ${shards} shards` : ''}${trigger === 'length' ? '' : `, ${trigger}`}`;
  const scalers = Array.from({ length: shards }, () => new ScalerProcess(worker, [...(options.nodeFlags ?? []), ...(options.liveHeap ? ['--expose-gc'] : [])]));
  try {
    const ready = await Promise.all(scalers.map((s, index) => s.request({ type: 'init', settings, ports: services.ports, shard: { index, count: shards } }, 'ready')));
    const ticks: TickRecord[] = [];
    for (const atSeconds of schedule) {
      const before = Object.fromEntries(Object.entries(services.pids).map(([name, pid]) => [name, cpuOf(pid)]));
      const profile = options.profileDir && join(options.profileDir, `${size}-c${concurrency}-t${atSeconds}`);
      const started = performance.now();
      const replies = await Promise.all(scalers.map((s, i) =>
        s.request({ type: 'tick', now: T0 + atSeconds * 1000, ...(profile ? { profile: `${profile}${shards > 1 ? `-s${i}` : ''}.cpuprofile` } : {}) }, 'tick')));
      const wallMs = Math.round(performance.now() - started);
      const servicesCpuMs = Object.fromEntries(Object.entries(services.pids).map(([name, pid]) => [name, cpuOf(pid) - before[name]!]));
      const measure = mergeShards(replies.map((r) => r.measure), wallMs);
      ticks.push({ atSeconds, kind: tickKind(atSeconds), measure, ...(shards > 1 ? { shardMeasures: replies.map((r) => r.measure) } : {}), servicesCpuMs, loadAverage1m: loadavg()[0]! });
      const live = measure.liveHeapBytes === undefined ? '' : `, live heap ${Math.round(measure.liveHeapBytes / 1048576)} MB`;
      log(`  ${label}, t=${atSeconds}s (${tickKind(atSeconds)}): ${measure.wallMs} ms, ${measure.evaluated} evaluated, ${measure.scaled} scaled, ${measure.failed} failed, `
        + `scaler CPU ${measure.cpuMs} ms, RSS ${Math.round(measure.rssBytes / 1048576)} MB${live}${measure.errors.length ? `; ${measure.errors[0]}` : ''}`);
    }
    const exits = await Promise.all(scalers.map((s) => s.request({ type: 'exit' }, 'exit')));
    return {
      size,
      concurrency,
      shards,
      trigger,
      ticks,
      maxRssBytes: Math.max(...exits.map((e) => e.maxRssBytes)),
      cpuMs: exits.reduce((s, e) => s + e.cpuMs, 0),
      runtimeSetupMs: Math.max(...ready.map((r) => r.setupMs)),
      readyRssBytes: Math.max(...ready.map((r) => r.rssBytes)),
    };
  } finally {
    await Promise.all(scalers.map((s) => s.stop()));
  }
}

const median = (xs: number[]): number => (xs.length === 0 ? 0 : [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!);
const round2 = (x: number): number => Math.round(x * 100) / 100;
const mb = (bytes: number): number => Math.round(bytes / 1048576);

function perTarget(calls: PortCalls, evaluated: number): Record<keyof PortCalls, number> {
  const per = Object.fromEntries(Object.entries(calls).map(([k, v]) => [k, round2(v / Math.max(1, evaluated))])) as Record<keyof PortCalls, number>;
  // One query per tick (per shard), not per target.
  return { ...per, stateLoadAlls: calls.stateLoadAlls };
}

export function summarize(run: TickRun): TickSummary {
  const cold = run.ticks.find((t) => t.kind === 'cold')!;
  const allDue = run.ticks.filter((t) => t.kind === 'all due');
  const awake = run.ticks.filter((t) => t.kind === 'awake only');
  // The last all-due tick is the steadiest (fewest changes left).
  const warm = allDue.at(-1) ?? cold;
  const warmAllDueMs = median(allDue.map((t) => t.measure.wallMs));
  const warmCpuMs = median(allDue.map((t) => t.measure.cpuMs));
  return {
    size: run.size,
    concurrency: run.concurrency,
    shards: run.shards,
    trigger: run.trigger,
    coldMs: cold.measure.wallMs,
    warmAllDueMs,
    warmAwakeMs: median(awake.map((t) => t.measure.wallMs)),
    coldMsPerTarget: round2(cold.measure.wallMs / run.size),
    warmMsPerTarget: round2(warmAllDueMs / run.size),
    coldCpuMs: cold.measure.cpuMs,
    warmCpuMs,
    warmCpuMsPerTarget: round2(warmCpuMs / run.size),
    maxRssMB: mb(run.maxRssBytes),
    readyRssMB: mb(run.readyRssBytes),
    runtimeSetupMs: run.runtimeSetupMs,
    callsPerTarget: { cold: perTarget(cold.measure.calls, cold.measure.evaluated), warm: perTarget(warm.measure.calls, warm.measure.evaluated) },
    httpPerTick: { cold: cold.measure.http, warm: warm.measure.http },
    warmServicesCpuMs: warm.servicesCpuMs,
    warmQueueRead: warm.measure.latency.queueRead,
    scaledCold: cold.measure.scaled,
    scaledWarm: warm.measure.scaled,
    failed: run.ticks.reduce((sum, t) => sum + t.measure.failed, 0),
    loadAverage1m: round2(median(run.ticks.map((t) => t.loadAverage1m))),
  };
}

function depthMix(size: number): TickScaleResult['depths'] {
  const depths = Array.from({ length: size }, (_, j) => depthOf(j));
  const empty = depths.filter((d) => d === 0).length;
  const deep = depths.filter((d) => d >= 20).length;
  return { empty, small: size - empty - deep, deep, perHundred: 'per 100 targets: 3 deep (20 messages, queueLength 1: 20 replicas), 12 with 1-8 messages (queueLength 5), 85 empty' };
}

export async function runTickScale(root: string, options: TickScaleOptions = {}): Promise<TickScaleResult> {
  const sizes = options.sizes ?? [100, 1000, 5000];
  const concurrencies = options.concurrencies ?? [16, 32, 64, 128];
  const sweepSize = options.sweepSize ?? 1000;
  const fanOutSizes = options.fanOutSizes ?? [1000, 5000];
  const ageSizes = options.ageSizes ?? [1000];
  const shards = options.shards ?? 2;
  const namespaces = options.namespaces ?? 10;
  const schedule = options.schedule ?? [0, 15, 30, 45, 60];
  const log = options.log ?? ((line: string) => console.error(line));
  const largest = Math.max(...sizes, ...fanOutSizes, ...ageSizes, concurrencies.length > 0 ? sweepSize : 0);
  // A profile should name packages: profile the unbundled build.
  const bundled = options.profileDir === undefined;
  const empty = { namespaces, bundled, depths: depthMix(largest), runs: [], summaries: [], sweep: [], fanOut: [], messageAge: [] };
  const services = await startLocalServices();
  if ('missing' in services) return { ...empty, skipped: services.missing };
  try {
    const worker = bundled ? await bundleWorker(root) : join(import.meta.dirname, 'tick-worker.js');
    log(`  local services up (kube-apiserver started in ${services.controlPlane.startupMs} ms); scaler ${bundled ? 'bundled (as shipped)' : 'unbundled (for profiles)'}`);
    // A run of N uses targets 0..N-1; the fixtures grow with the sizes, so each size runs with
    // its own messages in Azurite only (its queue reads slow down with every message it holds).
    const bench = await createWorkbench(services, namespaces, log);
    const run = async (spec: RunSpec): Promise<TickRun> => {
      await bench.grow(spec.size);
      return runScaler(services, bench, worker, spec, options, log);
    };
    const runs: TickRun[] = [];
    const sweepRuns: TickRun[] = [];
    const fanOutRuns: TickRun[] = [];
    const ageRuns: TickRun[] = [];
    // In ascending size: the sweep, the fan-out and the trigger variants of a size run right after it.
    for (const size of [...new Set([...sizes, ...(concurrencies.length > 0 ? [sweepSize] : []), ...(shards > 1 ? fanOutSizes : []), ...ageSizes])].sort((a, b) => a - b)) {
      if (sizes.includes(size)) runs.push(await run({ size, concurrency: 32, shards: 1, schedule }));
      if (size === sweepSize) for (const concurrency of concurrencies) sweepRuns.push(await run({ size, concurrency, shards: 1, schedule: schedule.slice(0, 3) }));
      if (shards > 1 && fanOutSizes.includes(size)) fanOutRuns.push(await run({ size, concurrency: 32, shards, schedule: schedule.slice(0, 3) }));
      // One after the other on the same fixtures, so the three compare at one load.
      if (ageSizes.includes(size)) {
        for (const trigger of Object.keys(TRIGGER_VARIANTS) as TriggerVariant[]) ageRuns.push(await run({ size, concurrency: 32, shards: 1, schedule: schedule.slice(0, 3), trigger }));
      }
    }
    return {
      ...empty,
      setupSeconds: bench.setupSeconds,
      runs: [...runs, ...sweepRuns, ...fanOutRuns, ...ageRuns],
      summaries: runs.map(summarize),
      sweep: sweepRuns.map(summarize),
      fanOut: fanOutRuns.map(summarize),
      messageAge: ageRuns.map(summarize),
    };
  } finally {
    await services.stop();
  }
}
