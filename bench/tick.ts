// Tick scale: the evaluation loop over 100, 1,000 and 5,000 targets (one queue and one
// Deployment each, over 10 namespaces) against the local services, with the scaler in a forked
// process of its own (bench/tick-worker.ts, bundled like the app that ships) so its CPU
// seconds and peak RSS are its own. Then SCALER_CONCURRENCY values, and the fan-out: the timer
// process sends the due targets to the shard queue in Azurite (SCALER_SHARD_SIZE), and several
// shard worker processes take the shard messages one at a time, as the shard workers' app would.
// Then the same targets with messageAgeTarget (what reading the oldest message's age costs).
// Run after `npm run build`; bench/README.md explains the figures.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { startTelemetrySink, type TelemetrySink } from '../local/telemetry-sink.js';
import { clusterEntry, createWorkbench, depthOf, queueLengthOf, startLocalServices, type LocalServices, type Workbench } from './tick-fixtures.js';
import type { Latency, PortCalls, ShardMeasure, TickMeasure, WorkerReply, WorkerRequest } from './tick-worker.js';

export interface TickScaleOptions {
  sizes?: number[];
  /** SCALER_CONCURRENCY values tried at `sweepSize` targets. */
  concurrencies?: number[];
  sweepSize?: number;
  /** Sizes run again with fan-out: a timer process and `shardWorkers` shard worker processes. */
  fanOutSizes?: number[];
  /** SCALER_SHARD_SIZE of the fan-out runs. */
  shardSize?: number;
  shardWorkers?: number;
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
  /**
   * App Insights configured, as in Azure, towards the local ingestion stand-in
   * (local/telemetry-sink.ts): the scaler then loads and runs the applicationinsights SDK, which
   * it does not without a connection string.
   */
  appInsights?: boolean;
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
  /** The loop's tick (with fan-out: the timer's, which sends the shards). */
  measure: TickMeasure;
  /** With fan-out: each shard message as a worker evaluated it, and the tick until the last shard was done. */
  fanOut?: { shards: ShardMeasure[]; drainMs: number; totalMs: number; duplicates: number; due: number };
  /** CPU milliseconds the local services spent during the tick (the other side of each call). */
  servicesCpuMs: Record<string, number>;
  loadAverage1m: number;
}

export interface TickRun {
  size: number;
  concurrency: number;
  trigger: TriggerVariant;
  /** Set for a fan-out run. */
  fanOut?: { shardSize: number; workers: number; workerMaxRssBytes: number[]; workerCpuMs: number[] };
  ticks: TickRecord[];
  /** The scaler process (with fan-out, the timer): peak RSS over its life, and CPU in total including start-up. */
  maxRssBytes: number;
  cpuMs: number;
  /** Building the runtime from the settings (parsing SCALER_TARGETS, clients), and RSS then. */
  runtimeSetupMs: number;
  readyRssBytes: number;
}

export interface TickSummary {
  size: number;
  concurrency: number;
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
  /**
   * The scaler's CPU per evaluation over the steady window: every tick from STEADY_FROM_S on,
   * awake-only ticks included (undefined when the schedule ends before it). KEDA's figures the
   * goals compare with were taken so, over 180 s windows of a running operator.
   */
  steadyCpuMsPerEvaluation?: number;
  /** The ticks and seconds of that window. */
  steadyWindow?: { ticks: number; seconds: number };
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
  fanOut: FanOutSummary[];
  /** The same targets with each trigger variant (TRIGGER_VARIANTS). */
  messageAge: TickSummary[];
}

/** A fan-out run, tick by tick. */
export interface FanOutSummary {
  size: number;
  shardSize: number;
  workers: number;
  ticks: {
    atSeconds: number;
    kind: TickKind;
    /** Due targets the timer sent, in how many shards and messages. */
    due: number;
    shards: number;
    messages: number;
    /** Targets evaluated by the workers (each once), evaluated twice, and skipped as evaluated already. */
    evaluated: number;
    duplicates: number;
    alreadyEvaluated: number;
    failed: number;
    /** The timer's tick (load, schedule, send), then until the last shard was done, from the tick's start. */
    timerMs: number;
    totalMs: number;
    timerCpuMs: number;
    /** Per shard message: CPU, wall, targets; state rows saved in how many transactions. */
    shardCpuMs: { max: number; mean: number };
    shardWallMs: { max: number; mean: number };
    shardTargets: { max: number; min: number };
    saves: { rows: number; transactions: number; singleRequests: number; perShardTransactions: number };
    /** Calls per evaluated target, all shards together. */
    perTarget: { queueReads: number; kubeReads: number; stateLoads: number };
    servicesCpuMs: Record<string, number>;
    loadAverage1m: number;
  }[];
  /** Peak RSS of each worker process over the run (each holds one shard at a time), and the timer's. */
  workerMaxRssMB: number[];
  timerMaxRssMB: number;
  workerCpuMs: number[];
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
 * The worker bundled as scripts/bundle.mjs bundles the app (its options, every dependency inside,
 * and split: what the app loads with import() only when a configuration needs it, such as the
 * App Insights SDK, is a chunk of its own), so its memory is the shipped app's: unbundled, the
 * same code takes ~35 MB more RSS.
 */
async function bundleWorker(root: string): Promise<string> {
  const { build } = await import('esbuild');
  // Read from the sources (scripts/ is not compiled into dist/).
  const { appBundleOptions } = await import(pathToFileURL(join(root, 'scripts', 'esbuild-options.mjs')).href) as typeof import('../scripts/esbuild-options.mjs');
  const outdir = join(root, 'dist', 'bench', 'tick-worker');
  await build({ ...appBundleOptions, entryPoints: { 'tick-worker': join(root, 'bench', 'tick-worker.ts') }, outdir, outExtension: { '.js': '.mjs' }, splitting: true, chunkNames: 'chunks/[name]-[hash]' });
  return join(outdir, 'tick-worker.mjs');
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

interface RunSpec {
  size: number;
  concurrency: number;
  schedule: number[];
  /** A timer process with SCALER_SHARD_SIZE, and this many shard worker processes. */
  fanOut?: { shardSize: number; workers: number };
  trigger?: TriggerVariant;
}

async function runScaler(services: LocalServices, bench: Workbench, worker: string, spec: RunSpec, options: TickScaleOptions, log: (line: string) => void, sink?: TelemetrySink): Promise<TickRun> {
  const { size, concurrency, schedule, fanOut, trigger = 'length' } = spec;
  await bench.reset(size);
  const settings: Record<string, string> = {
    SCALER_LOCAL_DEVELOPMENT: 'true',
    AzureWebJobsStorage: services.azurite.connectionString,
    QUEUES: services.azurite.connectionString,
    SCALER_STATE_TABLE: `tick${size}c${concurrency}${fanOut ? `s${fanOut.shardSize}` : ''}${Math.random().toString(36).slice(2, 8)}`,
    SCALER_CLUSTERS: JSON.stringify({ test: clusterEntry(services.controlPlane) }),
    // Too big for an environment variable at 5,000 targets: sent over IPC instead.
    SCALER_TARGETS: JSON.stringify(targetsOf(bench, size, trigger)),
    SCALER_CONCURRENCY: String(concurrency),
    ...(sink ? { APPLICATIONINSIGHTS_CONNECTION_STRING: sink.connectionString, APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true' } : {}),
    // A shard message lives one schedule period: every 10 minutes here, so that each shard of this
    // machine's slow ticks is taken and measured (every 15 s in Azure, where shards run in parallel).
    ...(fanOut ? { SCALER_SHARD_SIZE: String(fanOut.shardSize), SCALER_SHARD_QUEUE: `shards-${Math.random().toString(36).slice(2, 8)}`, SCALER_SCHEDULE: '0 */10 * * * *' } : {}),
  };
  const label = `${size} targets, concurrency ${concurrency}${sink ? ', App Insights' : ''}${fanOut ? `, shards of ${fanOut.shardSize}, ${fanOut.workers} workers` : ''}${trigger === 'length' ? '' : `, ${trigger}`}`;
  const execArgv = [...(options.nodeFlags ?? []), ...(options.liveHeap ? ['--expose-gc'] : [])];
  const scaler = new ScalerProcess(worker, execArgv);
  const workers = Array.from({ length: fanOut?.workers ?? 0 }, () => new ScalerProcess(worker, execArgv));
  try {
    const [ready] = await Promise.all([scaler, ...workers].map((s) => s.request({ type: 'init', settings, ports: services.ports }, 'ready')));
    const ticks: TickRecord[] = [];
    for (const atSeconds of schedule) {
      const now = T0 + atSeconds * 1000;
      const before = Object.fromEntries(Object.entries(services.pids).map(([name, pid]) => [name, cpuOf(pid)]));
      const profile = options.profileDir && join(options.profileDir, `${size}-c${concurrency}-t${atSeconds}.cpuprofile`);
      const started = performance.now();
      const { measure } = await scaler.request({ type: 'tick', now, ...(profile ? { profile } : {}) }, 'tick');
      let shardRecord: TickRecord['fanOut'];
      if (measure.fannedOut) {
        const drainStart = performance.now();
        const drained = await Promise.all(workers.map((w) => w.request({ type: 'drain', now }, 'drained')));
        const shards = drained.flatMap((d) => d.shards);
        const keys = shards.flatMap((m) => m.keys);
        // The keys only serve the count of duplicates: the results file keeps the figures.
        shardRecord = { shards: shards.map((m) => ({ ...m, keys: [] })), drainMs: Math.round(performance.now() - drainStart), totalMs: Math.round(performance.now() - started), duplicates: keys.length - new Set(keys).size, due: measure.fannedOut.targets };
      }
      const servicesCpuMs = Object.fromEntries(Object.entries(services.pids).map(([name, pid]) => [name, cpuOf(pid) - before[name]!]));
      ticks.push({ atSeconds, kind: tickKind(atSeconds), measure, ...(shardRecord ? { fanOut: shardRecord } : {}), servicesCpuMs, loadAverage1m: loadavg()[0]! });
      const live = measure.liveHeapBytes === undefined ? '' : `, live heap ${Math.round(measure.liveHeapBytes / 1048576)} MB`;
      if (shardRecord) {
        const s = shardRecord.shards;
        log(`  ${label}, t=${atSeconds}s (${tickKind(atSeconds)}): ${shardRecord.totalMs} ms to the last shard (timer ${measure.wallMs} ms: ${shardRecord.due} due in ${s.length} shard messages); `
          + `${s.reduce((n, m) => n + m.evaluated, 0)} evaluated, ${shardRecord.duplicates} twice, ${s.reduce((n, m) => n + m.failed, 0)} failed; `
          + `shard CPU max ${Math.max(...s.map((m) => m.cpuMs))} ms, RSS max ${Math.round(Math.max(...s.map((m) => m.rssBytes)) / 1048576)} MB; load ${loadavg()[0]!.toFixed(2)}`
          + `${s.some((m) => m.errors.length) ? `; ${s.flatMap((m) => m.errors)[0]}` : ''}`);
      } else {
        log(`  ${label}, t=${atSeconds}s (${tickKind(atSeconds)}): ${measure.wallMs} ms, ${measure.evaluated} evaluated, ${measure.scaled} scaled, ${measure.failed} failed, `
          + `scaler CPU ${measure.cpuMs} ms, RSS ${Math.round(measure.rssBytes / 1048576)} MB${live}${measure.errors.length ? `; ${measure.errors[0]}` : ''}`);
      }
    }
    const [exit, ...workerExits] = await Promise.all([scaler, ...workers].map((s) => s.request({ type: 'exit' }, 'exit')));
    return {
      size,
      concurrency,
      trigger,
      ...(fanOut ? { fanOut: { ...fanOut, workerMaxRssBytes: workerExits.map((e) => e.maxRssBytes), workerCpuMs: workerExits.map((e) => e.cpuMs) } } : {}),
      ticks,
      maxRssBytes: exit!.maxRssBytes,
      cpuMs: exit!.cpuMs,
      runtimeSetupMs: ready!.setupMs,
      readyRssBytes: ready!.rssBytes,
    };
  } finally {
    await Promise.all([scaler, ...workers].map((s) => s.stop()));
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

/**
 * The steady window starts after the cold tick and the first all-due tick: V8 is still compiling
 * the clients' code then (the first all-due tick costs 1.0-1.9 times the second).
 */
export const STEADY_FROM_S = 60;

export function summarize(run: TickRun): TickSummary {
  const cold = run.ticks.find((t) => t.kind === 'cold')!;
  const allDue = run.ticks.filter((t) => t.kind === 'all due');
  const awake = run.ticks.filter((t) => t.kind === 'awake only');
  // The last all-due tick is the steadiest (fewest changes left).
  const warm = allDue.at(-1) ?? cold;
  const warmAllDueMs = median(allDue.map((t) => t.measure.wallMs));
  const warmCpuMs = median(allDue.map((t) => t.measure.cpuMs));
  const steady = run.ticks.filter((t) => t.atSeconds >= STEADY_FROM_S);
  const steadyEvaluations = steady.reduce((sum, t) => sum + t.measure.evaluated, 0);
  return {
    size: run.size,
    concurrency: run.concurrency,
    trigger: run.trigger,
    coldMs: cold.measure.wallMs,
    warmAllDueMs,
    warmAwakeMs: median(awake.map((t) => t.measure.wallMs)),
    coldMsPerTarget: round2(cold.measure.wallMs / run.size),
    warmMsPerTarget: round2(warmAllDueMs / run.size),
    coldCpuMs: cold.measure.cpuMs,
    warmCpuMs,
    warmCpuMsPerTarget: round2(warmCpuMs / run.size),
    ...(steadyEvaluations > 0 ? {
      steadyCpuMsPerEvaluation: round2(steady.reduce((sum, t) => sum + t.measure.cpuMs, 0) / steadyEvaluations),
      steadyWindow: { ticks: steady.length, seconds: steady.at(-1)!.atSeconds - steady[0]!.atSeconds + 15 },
    } : {}),
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

const stats = (xs: number[]): { max: number; mean: number } => ({ max: Math.max(0, ...xs), mean: Math.round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)) });

export function summarizeFanOut(run: TickRun): FanOutSummary {
  const fanOut = run.fanOut!;
  return {
    size: run.size,
    shardSize: fanOut.shardSize,
    workers: fanOut.workers,
    ticks: run.ticks.map((t) => {
      const shards = t.fanOut?.shards ?? [];
      const sum = (f: (m: ShardMeasure) => number): number => shards.reduce((n, m) => n + f(m), 0);
      const evaluated = sum((m) => m.evaluated);
      const transactions = sum((m) => m.calls.stateBatches);
      return {
        atSeconds: t.atSeconds,
        kind: t.kind,
        due: t.fanOut?.due ?? t.measure.evaluated,
        shards: t.measure.fannedOut?.shards ?? 0,
        messages: t.measure.fannedOut?.messages ?? 0,
        evaluated: t.fanOut ? evaluated - t.fanOut.duplicates : t.measure.evaluated,
        duplicates: t.fanOut?.duplicates ?? 0,
        alreadyEvaluated: sum((m) => m.alreadyEvaluated),
        failed: sum((m) => m.failed) + t.measure.failed,
        timerMs: t.measure.wallMs,
        totalMs: t.fanOut?.totalMs ?? t.measure.wallMs,
        timerCpuMs: t.measure.cpuMs,
        shardCpuMs: stats(shards.map((m) => m.cpuMs)),
        shardWallMs: stats(shards.map((m) => m.wallMs)),
        shardTargets: { max: Math.max(0, ...shards.map((m) => m.evaluated)), min: shards.length ? Math.min(...shards.map((m) => m.evaluated)) : 0 },
        saves: { rows: sum((m) => m.calls.stateBatchRows + m.calls.stateSaves), transactions, singleRequests: sum((m) => m.calls.stateSaves), perShardTransactions: round2(transactions / Math.max(1, shards.length)) },
        perTarget: { queueReads: round2(sum((m) => m.calls.queueReads) / Math.max(1, evaluated)), kubeReads: round2(sum((m) => m.calls.kubeReads) / Math.max(1, evaluated)), stateLoads: round2(sum((m) => m.calls.stateLoads) / Math.max(1, evaluated)) },
        servicesCpuMs: t.servicesCpuMs,
        loadAverage1m: round2(t.loadAverage1m),
      };
    }),
    workerMaxRssMB: fanOut.workerMaxRssBytes.map(mb),
    timerMaxRssMB: mb(run.maxRssBytes),
    workerCpuMs: fanOut.workerCpuMs,
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
  const shardSize = options.shardSize ?? 800;
  const shardWorkers = options.shardWorkers ?? 3;
  const ageSizes = options.ageSizes ?? [1000];
  const namespaces = options.namespaces ?? 10;
  const schedule = options.schedule ?? [0, 15, 30, 45, 60];
  const log = options.log ?? ((line: string) => console.error(line));
  const largest = Math.max(...sizes, ...fanOutSizes, ...ageSizes, concurrencies.length > 0 ? sweepSize : 0);
  // A profile should name packages: profile the unbundled build.
  const bundled = options.profileDir === undefined;
  const empty = { namespaces, bundled, depths: depthMix(largest), runs: [], summaries: [], sweep: [], fanOut: [], messageAge: [] };
  const services = await startLocalServices();
  if ('missing' in services) return { ...empty, skipped: services.missing };
  let sink: TelemetrySink | undefined;
  try {
    if (options.appInsights) {
      sink = await startTelemetrySink(services.ca);
      // The forked scalers' exporter trusts the stand-in's certificate, as Node reads it at start.
      process.env.NODE_EXTRA_CA_CERTS = services.ca.certFile;
    }
    const worker = bundled ? await bundleWorker(root) : join(import.meta.dirname, 'tick-worker.js');
    log(`  local services up (kube-apiserver started in ${services.controlPlane.startupMs} ms); scaler ${bundled ? 'bundled (as shipped)' : 'unbundled (for profiles)'}`);
    // A run of N uses targets 0..N-1; the fixtures grow with the sizes, so each size runs with
    // its own messages in Azurite only (its queue reads slow down with every message it holds).
    const bench = await createWorkbench(services, namespaces, log);
    const run = async (spec: RunSpec): Promise<TickRun> => {
      await bench.grow(spec.size);
      return runScaler(services, bench, worker, spec, options, log, sink);
    };
    const runs: TickRun[] = [];
    const sweepRuns: TickRun[] = [];
    const fanOutRuns: TickRun[] = [];
    const ageRuns: TickRun[] = [];
    // In ascending size: the sweep, the fan-out and the trigger variants of a size run right after it.
    for (const size of [...new Set([...sizes, ...(concurrencies.length > 0 ? [sweepSize] : []), ...fanOutSizes, ...ageSizes])].sort((a, b) => a - b)) {
      if (sizes.includes(size)) runs.push(await run({ size, concurrency: 32, schedule }));
      if (size === sweepSize) for (const concurrency of concurrencies) sweepRuns.push(await run({ size, concurrency, schedule: schedule.slice(0, 3) }));
      if (fanOutSizes.includes(size)) fanOutRuns.push(await run({ size, concurrency: 32, schedule: schedule.slice(0, 3), fanOut: { shardSize, workers: shardWorkers } }));
      // One after the other on the same fixtures, so the three compare at one load.
      if (ageSizes.includes(size)) {
        for (const trigger of Object.keys(TRIGGER_VARIANTS) as TriggerVariant[]) ageRuns.push(await run({ size, concurrency: 32, schedule: schedule.slice(0, 3), trigger }));
      }
    }
    return {
      ...empty,
      setupSeconds: bench.setupSeconds,
      runs: [...runs, ...sweepRuns, ...fanOutRuns, ...ageRuns],
      summaries: runs.map(summarize),
      sweep: sweepRuns.map(summarize),
      fanOut: fanOutRuns.map(summarizeFanOut),
      messageAge: ageRuns.map(summarize),
    };
  } finally {
    await sink?.stop();
    await services.stop();
  }
}
