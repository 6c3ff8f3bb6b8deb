// The scaler under measurement, in a process of its own (forked by bench/tick.ts), so that its
// CPU seconds and peak RSS are its own. It builds the runtime from app settings exactly as the
// Functions host does, counts every call through the ports (and every HTTP request by service),
// and runs one tick of the evaluation loop per message from the parent; or, as a shard worker
// (the fan-out), takes shard messages off the shard queue one at a time until none is left.
import { subscribe } from 'node:diagnostics_channel';
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import type { ClientRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Kube } from '../shared/kube/index.js';
import {
  type TickResult, createEvaluationLoop, createRuntime, evaluateShard, pollOnce, shardQueueClients, targetKey, type FanOut, type Runtime,
} from '../shared/runtime/index.js';
import type { Source } from '../shared/sources/index.js';
import { canSaveBatch, type BatchSaving, type StateStore } from '../shared/state/index.js';
import type { Telemetry } from '../shared/telemetry/index.js';

/** Parent -> worker. */
export type WorkerRequest =
  | { type: 'init'; settings: Record<string, string>; ports: Record<string, number> }
  /** `profile`: write a CPU profile of this tick (V8 .cpuprofile) to that file. */
  | { type: 'tick'; now: number; profile?: string }
  /** As a shard worker: evaluate shard messages, one at a time, until the shard queue is empty. */
  | { type: 'drain'; now: number }
  | { type: 'exit' };

export interface Latency {
  count: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface PortCalls {
  queueReads: number;
  kubeReads: number;
  kubeWrites: number;
  stateLoadAlls: number;
  stateLoads: number;
  /** Rows saved one request each. */
  stateSaves: number;
  /** Transactions (saveBatch), and the rows they held. */
  stateBatches: number;
  stateBatchRows: number;
}

export interface TickMeasure {
  wallMs: number;
  cpuMs: number;
  evaluated: number;
  skipped: number;
  scaled: number;
  failed: number;
  /** The first few failure messages, to tell a slow tick from a broken one. */
  errors: string[];
  calls: PortCalls;
  /** HTTP requests by service (from diagnostics_channel): what the storage account bills. */
  http: Record<string, number>;
  latency: Record<'queueRead' | 'kubeRead' | 'kubeWrite' | 'stateLoadAll' | 'stateSave' | 'stateBatch', Latency>;
  rssBytes: number;
  heapUsedBytes: number;
  /** Heap still in use after a full GC that follows the tick (only with --expose-gc: a leak check). */
  liveHeapBytes?: number;
  /** Set when the tick fanned out (SCALER_SHARD_SIZE): what it sent. */
  fannedOut?: FanOut;
}

/** One shard message, as a shard worker evaluated it. */
export interface ShardMeasure {
  shard: number;
  part: number;
  wallMs: number;
  cpuMs: number;
  evaluated: number;
  /** Targets the row said this tick evaluated already (a duplicate avoided). */
  alreadyEvaluated: number;
  unknown: number;
  scaled: number;
  failed: number;
  errors: string[];
  calls: PortCalls;
  /** The keys evaluated, for the parent to count duplicates across workers. */
  keys: string[];
  rssBytes: number;
}

/** Worker -> parent. */
export type WorkerReply =
  | { type: 'ready'; setupMs: number; rssBytes: number; heapUsedBytes: number }
  | { type: 'tick'; measure: TickMeasure }
  | { type: 'drained'; shards: ShardMeasure[] }
  | { type: 'exit'; maxRssBytes: number; cpuMs: number }
  | { type: 'error'; message: string };

function summarize(samples: number[]): Latency {
  if (samples.length === 0) return { count: 0, meanMs: 0, p50Ms: 0, p99Ms: 0, maxMs: 0 };
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const round = (x: number): number => Math.round(x * 10) / 10;
  return { count: samples.length, meanMs: round(samples.reduce((s, x) => s + x, 0) / samples.length), p50Ms: round(at(0.5)), p99Ms: round(at(0.99)), maxMs: round(sorted.at(-1)!) };
}

/** Counters for one tick; reset before each. */
class Meter {
  calls: PortCalls = { queueReads: 0, kubeReads: 0, kubeWrites: 0, stateLoadAlls: 0, stateLoads: 0, stateSaves: 0, stateBatches: 0, stateBatchRows: 0 };
  http: Record<string, number> = {};
  samples: Record<keyof TickMeasure['latency'], number[]> = { queueRead: [], kubeRead: [], kubeWrite: [], stateLoadAll: [], stateSave: [], stateBatch: [] };

  async time<T>(kind: keyof TickMeasure['latency'], fn: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await fn();
    } finally {
      this.samples[kind].push(performance.now() - start);
    }
  }
}

let meter = new Meter();

function countingKube(kube: Kube): Kube {
  return {
    readScale: (ref) => (meter.calls.kubeReads++, meter.time('kubeRead', () => kube.readScale(ref))),
    writeScale: (ref, replicas, version) => (meter.calls.kubeWrites++, meter.time('kubeWrite', () => kube.writeScale(ref, replicas, version))),
    recordEvent: (ref, uid, event) => kube.recordEvent(ref, uid, event),
  };
}

/** The store with its calls counted, keeping its batch ability (the tick batches its saves when the store can). */
function countingStore(store: StateStore): StateStore {
  const counted: StateStore = {
    loadAll: () => (meter.calls.stateLoadAlls++, meter.time('stateLoadAll', () => store.loadAll())),
    load: (key) => (meter.calls.stateLoads++, store.load(key)),
    maxLoad: store.maxLoad,
    // One request, however many rows it reads.
    loadMany: (keys) => (meter.calls.stateLoads++, store.loadMany(keys)),
    save: (key, record, etag) => (meter.calls.stateSaves++, meter.time('stateSave', () => store.save(key, record, etag))),
    delete: (key, etag) => store.delete(key, etag),
    recordWakeActivity: (key, at, etag) => (meter.calls.stateSaves++, store.recordWakeActivity(key, at, etag)),
  };
  if (!canSaveBatch(store)) return counted;
  const batching: StateStore & BatchSaving = {
    ...counted,
    maxBatch: store.maxBatch,
    saveBatch: (saves) => (meter.calls.stateBatches++, meter.calls.stateBatchRows += saves.length, meter.time('stateBatch', () => store.saveBatch(saves))),
  };
  return batching;
}

function countingSource(source: Source): Source {
  return { read: (signal) => (meter.calls.queueReads++, meter.time('queueRead', () => source.read(signal))) };
}

/** Counts HTTP requests by the port they go to: Azure SDKs use node:http, client-node undici. */
function countHttp(ports: Record<string, number>): void {
  const services = new Map(Object.entries(ports).map(([name, port]) => [String(port), name]));
  const count = (port: string): void => {
    const service = services.get(port) ?? 'other';
    meter.http[service] = (meter.http[service] ?? 0) + 1;
  };
  subscribe('http.client.request.start', (message) => {
    const host = String((message as { request: ClientRequest }).request.getHeader('host') ?? '');
    count(host.slice(host.lastIndexOf(':') + 1));
  });
  subscribe('undici:request:create', (message) => {
    const origin = String((message as { request: { origin: string | URL } }).request.origin);
    count(new URL(origin).port);
  });
}

/** Telemetry that goes nowhere: the scaler's when App Insights is not configured. */
const silentTelemetry: Telemetry = { decision: () => {}, scaledByOther: () => {}, failure: () => {}, warning: () => {}, flush: async () => {} };

/** The scaler's telemetry, with its failures kept to say why a tick or shard failed. */
const observedTelemetry = (inner: Telemetry): Telemetry & { failures: string[] } => {
  const failures: string[] = [];
  return {
    failures,
    decision: (e) => inner.decision(e),
    scaledByOther: (e) => inner.scaledByOther(e),
    failure: (e, context) => {
      failures.push(e instanceof Error ? e.message : String(e));
      inner.failure(e, context);
    },
    warning: (message, context) => inner.warning(message, context),
    flush: () => inner.flush(),
  };
};

function send(reply: WorkerReply): void {
  process.send!(reply);
}

let clock = 0;
let tick: (() => Promise<TickResult | undefined>) | undefined;
let drain: ((now: number) => Promise<ShardMeasure[]>) | undefined;
let telemetry: ReturnType<typeof observedTelemetry>;

/** Shard messages off the shard queue as the shard workers' app takes them (batchSize 1), until none is left. */
function shardWorker(runtime: Runtime): (now: number) => Promise<ShardMeasure[]> {
  const { queue, poison } = shardQueueClients(runtime.settings, runtime.credentialFor);
  const settings = { maxPollingIntervalMs: 1000, visibilityTimeoutMs: 5000, batchSize: 1, maxDequeueCount: 5, messageEncoding: 'none' as const };
  return async (now) => {
    clock = now;
    const measures: ShardMeasure[] = [];
    for (;;) {
      meter = new Meter();
      telemetry.failures.length = 0;
      const cpu = process.cpuUsage();
      const start = performance.now();
      const polled = await pollOnce(queue, poison, settings, async (body) => {
        const result = await evaluateShard(runtime, body.toString('utf8'));
        const used = process.cpuUsage(cpu);
        measures.push({
          shard: result.message.shard,
          part: result.message.part,
          wallMs: Math.round(performance.now() - start),
          cpuMs: Math.round((used.user + used.system) / 1000),
          evaluated: result.evaluated.length,
          alreadyEvaluated: result.alreadyEvaluated.length,
          unknown: result.unknown.length,
          scaled: result.evaluated.filter((e) => e.event?.applied).length,
          failed: result.evaluated.filter((e) => e.error).length,
          errors: [...new Set(result.evaluated.flatMap((e) => (e.error ? [e.error] : [])))].slice(0, 3),
          calls: meter.calls,
          keys: result.evaluated.map((e) => targetKey(e.target)),
          rssBytes: process.memoryUsage.rss(),
        });
      });
      if (polled.failed + polled.poisoned > 0) throw new Error(`a shard message failed: ${telemetry.failures[0] ?? 'see the scaler process'}`);
      if (polled.handled === 0) return measures;
    }
  };
}

function init(settings: Record<string, string>, ports: Record<string, number>): void {
  const started = performance.now();
  countHttp(ports);
  // With a connection string (--app-insights) the runtime makes its App Insights telemetry, as in Azure.
  const appInsights = settings.APPLICATIONINSIGHTS_CONNECTION_STRING !== undefined;
  const runtime = createRuntime(settings, { ...(appInsights ? {} : { telemetry: silentTelemetry }), now: () => clock });
  telemetry = observedTelemetry(runtime.telemetry);
  // The runtime is a plain object: the loop runs on a copy whose ports count their calls.
  const measured: Runtime = {
    ...runtime,
    telemetry,
    kube: countingKube(runtime.kube),
    store: countingStore(runtime.store),
    targets: runtime.targets.map((t) => ({ ...t, sources: t.sources.map(countingSource) })),
  };
  const loop = createEvaluationLoop(measured);
  tick = () => loop.tick();
  drain = shardWorker(measured);
  send({ type: 'ready', setupMs: Math.round(performance.now() - started), rssBytes: process.memoryUsage.rss(), heapUsedBytes: process.memoryUsage().heapUsed });
}

let session: Session | undefined;

async function runTick(now: number, profile: string | undefined): Promise<TickMeasure> {
  clock = now;
  meter = new Meter();
  telemetry.failures.length = 0;
  if (profile) {
    if (!session) {
      session = new Session();
      session.connect();
      await session.post('Profiler.enable');
    }
    await session.post('Profiler.start');
  }
  const cpu = process.cpuUsage();
  const start = performance.now();
  const result = await tick!();
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  if (profile) await writeFile(profile, JSON.stringify((await session!.post('Profiler.stop')).profile));
  if (!result) throw new Error('tick skipped: the previous one is still running');
  if (result.error) throw new Error(`tick failed: ${result.error}`);
  const memory = process.memoryUsage();
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  return {
    wallMs: Math.round(wallMs),
    cpuMs: Math.round((used.user + used.system) / 1000),
    evaluated: result.evaluated.length,
    skipped: result.skipped,
    scaled: result.evaluated.filter((e) => e.event?.applied).length,
    failed: result.evaluated.filter((e) => e.error).length,
    errors: [...new Set(result.evaluated.flatMap((e) => (e.error ? [e.error] : [])))].slice(0, 3),
    calls: meter.calls,
    http: meter.http,
    latency: {
      queueRead: summarize(meter.samples.queueRead),
      kubeRead: summarize(meter.samples.kubeRead),
      kubeWrite: summarize(meter.samples.kubeWrite),
      stateLoadAll: summarize(meter.samples.stateLoadAll),
      stateSave: summarize(meter.samples.stateSave),
      stateBatch: summarize(meter.samples.stateBatch),
    },
    rssBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    ...(gc ? { liveHeapBytes: process.memoryUsage().heapUsed } : {}),
    ...(result.fannedOut ? { fannedOut: result.fannedOut } : {}),
  };
}

process.on('message', (request: WorkerRequest) => {
  const reply = async (): Promise<void> => {
    switch (request.type) {
      case 'init':
        return init(request.settings, request.ports);
      case 'tick':
        return send({ type: 'tick', measure: await runTick(request.now, request.profile) });
      case 'drain':
        return send({ type: 'drained', shards: await drain!(request.now) });
      case 'exit': {
        const usage = process.resourceUsage();
        // maxRSS is in kilobytes: the peak of this process's whole life.
        const reply: WorkerReply = { type: 'exit', maxRssBytes: usage.maxRSS * 1024, cpuMs: Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000) };
        // Kept-alive sockets would hold the process open: exit once the reply is out.
        process.send!(reply, () => process.exit(0));
        return;
      }
    }
  };
  reply().catch((e: unknown) => send({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) }));
});
