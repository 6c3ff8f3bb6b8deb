// Decision telemetry: the bytes App Insights ingests per target per day. The real evaluation
// loop (kube-apiserver, Azurite, the state table) runs on a simulated clock, a tick every 15 s,
// over steady targets (a queue that does not change: some above zero, most at zero) and one
// moving target (10 messages put on its queue every 10 minutes, cleared 5 minutes later), and sends
// its telemetry with the real applicationinsights SDK to the local ingestion endpoint
// (local/telemetry-sink.ts), which counts the bytes. The first hour is warm-up (activations,
// first decisions); the hours after it are measured and scaled to a day.
// Run after `npm run build`: `node dist/bench/telemetry.js [--hours 6] [--targets 10]`, or through
// `npm run bench` (bench/run.ts). Writes bench/results/<date>-telemetry.json; bench/README.md
// describes the figures.
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { QueueServiceClient } from '@azure/storage-queue';
import { createEvaluationLoop, createRuntime } from '../shared/runtime/index.js';
import { createAppInsightsTelemetry } from '../shared/telemetry/index.js';
import { startTelemetrySink, type ReceivedBytes, type TelemetryEnvelope } from '../local/telemetry-sink.js';
import { clusterEntry, createWorkbench, depthOf, queueLengthOf, startLocalServices } from './tick-fixtures.js';
import { loadAverage, machine, writeResults } from './results-file.js';

const TICK_MS = 15_000;
const HOUR_MS = 3_600_000;
const T0 = Date.parse('2026-12-01T00:00:00.000Z');
/** The moving target's queue gets 10 messages every this many ticks (10 minutes), cleared half-way. */
const MOVING_PERIOD_TICKS = 40;

export interface TelemetryBenchOptions {
  /** Hours measured after the warm-up hour. */
  hours?: number;
  /** Targets: bench/tick-fixtures.ts depthOf gives each its steady queue (3 of 10 above zero). */
  targets?: number;
  log?: (line: string) => void;
}

/** Bytes and items per target per day, for one kind of target. */
export interface PerTargetDay {
  targets: number;
  evaluationsPerDay: number;
  /** JSON bytes of the envelopes naming the target (customDimensions.target), as ingested. */
  bytes: number;
  events: number;
  metrics: number;
  /** Bytes per evaluation. */
  bytesPerEvaluation: number;
}

export interface TelemetryBenchResult {
  skipped?: string;
  date?: string;
  machine?: Record<string, unknown>;
  hours?: number;
  ticks?: number;
  wallSeconds?: number;
  awake?: PerTargetDay;
  atZero?: PerTargetDay;
  /** The target whose queue fills and empties every 10 minutes: not steady, for comparison. */
  moving?: PerTargetDay;
  /** A target awake 8 h a day (docs/cost.md): 1/3 of the awake figure + 2/3 of the zero one. */
  costModelTarget?: number;
  /**
   * All requests in the measured hours, per target per day: the bodies as sent, and the JSON
   * they hold. The exporter gzips only for Azure's ingestion hosts, so the two are equal here.
   */
  receivedPerTargetDay?: { wire: number; json: number };
  /** Envelopes naming no target (none expected). */
  otherEnvelopes?: number;
  loadAverage?: { before: number[]; after: number[] };
  file?: string;
}

const bytesOf = (e: TelemetryEnvelope): number => Buffer.byteLength(JSON.stringify(e));
const targetOf = (e: TelemetryEnvelope): string | undefined => e.data?.baseData?.properties?.target;
const isMetric = (e: TelemetryEnvelope): boolean => e.data?.baseType === 'MetricData';

function perTargetDay(envelopes: TelemetryEnvelope[], targets: string[], evaluations: number, hours: number): PerTargetDay {
  const mine = envelopes.filter((e) => targets.includes(targetOf(e) ?? ''));
  const day = (x: number): number => Math.round((x / Math.max(1, targets.length) / hours) * 24);
  const bytes = mine.reduce((sum, e) => sum + bytesOf(e), 0);
  const evaluationsPerDay = day(evaluations);
  return {
    targets: targets.length,
    evaluationsPerDay,
    bytes: day(bytes),
    events: day(mine.filter((e) => !isMetric(e)).length),
    metrics: day(mine.filter(isMetric).length),
    bytesPerEvaluation: Math.round((bytes / Math.max(1, evaluations)) * 10) / 10,
  };
}

export async function runTelemetry(options: TelemetryBenchOptions = {}): Promise<TelemetryBenchResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const hours = options.hours ?? 6;
  const size = options.targets ?? 10;
  const services = await startLocalServices();
  if ('missing' in services) {
    log(`telemetry: SKIPPED: kube-apiserver and etcd are not available: ${services.missing}`);
    return { skipped: services.missing };
  }
  const date = new Date().toISOString();
  const result: TelemetryBenchResult = { date, machine: machine(), hours };
  const before = loadAverage();
  // Statsbeat would report to Microsoft's own endpoint, which this machine cannot reach.
  process.env.APPLICATIONINSIGHTS_STATSBEAT_DISABLED = 'true';
  const sink = await startTelemetrySink(services.ca);
  try {
    const bench = await createWorkbench(services, 1, log);
    // Target `size` is the moving one (depthOf gives it an empty queue to start with).
    await bench.grow(size + 1);
    const movingQueue = QueueServiceClient.fromConnectionString(services.azurite.connectionString).getQueueClient(bench.refOf(size).queue);
    const targets = Array.from({ length: size + 1 }, (_, j) => {
      const { namespace, deployment, queue } = bench.refOf(j);
      return {
        namespace, cluster: 'test', scaleTargetRef: { name: deployment },
        triggers: [{ type: 'azure-queue', metadata: { queueName: queue, connectionFromEnv: 'QUEUES', queueLength: String(queueLengthOf(j)) } }],
      };
    });
    const keyOf = (j: number): string => `test/${targets[j]!.namespace}/${targets[j]!.scaleTargetRef.name}`;
    const all = Array.from({ length: size }, (_, j) => j);
    const awake = all.filter((j) => depthOf(j) > 0).map(keyOf);
    const atZero = all.filter((j) => depthOf(j) === 0).map(keyOf);
    let clock = T0;
    const runtime = createRuntime({
      SCALER_LOCAL_DEVELOPMENT: 'true',
      AzureWebJobsStorage: services.azurite.connectionString,
      QUEUES: services.azurite.connectionString,
      SCALER_STATE_TABLE: `telemetry${Math.random().toString(36).slice(2, 8)}`,
      SCALER_CLUSTERS: JSON.stringify({ test: clusterEntry(services.controlPlane) }),
      SCALER_TARGETS: JSON.stringify(targets),
    }, { telemetry: createAppInsightsTelemetry(sink.connectionString, undefined), now: () => clock });
    const loop = createEvaluationLoop(runtime);
    const warmUpTicks = HOUR_MS / TICK_MS;
    const ticks = warmUpTicks + (hours * HOUR_MS) / TICK_MS;
    log(`telemetry: ${size} steady targets (${awake.length} above zero, ${atZero.length} at zero) and a moving one, a tick every 15 s on a simulated clock: 1 h warm-up, then ${hours} h measured`);
    const started = performance.now();
    let mark = { envelopes: 0, received: { ...sink.received } };
    const evaluations = new Map<string, number>();
    for (let i = 0; i < ticks; i++) {
      clock = T0 + i * TICK_MS;
      if (i === warmUpTicks) mark = { envelopes: sink.envelopes.length, received: { ...sink.received } };
      if (i % MOVING_PERIOD_TICKS === 0) await Promise.all(Array.from({ length: 10 }, (_, m) => movingQueue.sendMessage(`work ${m}`)));
      if (i % MOVING_PERIOD_TICKS === MOVING_PERIOD_TICKS / 2) await movingQueue.clearMessages();
      const tick = await loop.tick();
      if (tick?.error) throw new Error(`tick at ${new Date(clock).toISOString()} failed: ${tick.error}`);
      const failed = tick?.evaluated.filter((e) => e.error !== undefined) ?? [];
      if (failed.length > 0) throw new Error(`tick at ${new Date(clock).toISOString()}: ${failed.length} evaluations failed: ${String(failed[0]!.error)}`);
      if (i >= warmUpTicks) for (const e of tick?.evaluated ?? []) if (e.event) evaluations.set(e.event.target, (evaluations.get(e.event.target) ?? 0) + 1);
      if (i % 240 === 239) log(`  ${(i + 1) / 240} h simulated in ${Math.round((performance.now() - started) / 1000)} s; ${sink.envelopes.length} envelopes, ${sink.received.json} bytes so far`);
    }
    await runtime.telemetry.flush();
    result.ticks = ticks;
    result.wallSeconds = Math.round((performance.now() - started) / 1000);
    const measured = sink.envelopes.slice(mark.envelopes);
    const count = (keys: string[]): number => keys.reduce((sum, k) => sum + (evaluations.get(k) ?? 0), 0);
    result.awake = perTargetDay(measured, awake, count(awake), hours);
    result.atZero = perTargetDay(measured, atZero, count(atZero), hours);
    result.moving = perTargetDay(measured, [keyOf(size)], count([keyOf(size)]), hours);
    result.costModelTarget = Math.round(result.awake.bytes / 3 + (result.atZero.bytes * 2) / 3);
    const delta = (k: keyof ReceivedBytes): number => Math.round(((sink.received[k] - mark.received[k]) / (size + 1) / hours) * 24);
    result.receivedPerTargetDay = { wire: delta('wire'), json: delta('json') };
    result.otherEnvelopes = measured.filter((e) => targetOf(e) === undefined).length;
    const kb = (x: number): string => `${(x / 1000).toLocaleString('en-US', { maximumFractionDigits: 1 })} KB`;
    const line = (what: string, p: PerTargetDay): string =>
      `  ${what} (${p.targets}): ${kb(p.bytes)} per target per day (${p.events} events + ${p.metrics} metric items for ${p.evaluationsPerDay} evaluations; ${p.bytesPerEvaluation} bytes per evaluation)`;
    log(line('steady above zero', result.awake));
    log(line('steady at zero', result.atZero));
    log(line('moving: its queue filled and emptied every 10 minutes', result.moving));
    log(`  a target awake 8 h a day (docs/cost.md): ${kb(result.costModelTarget)} per day`);
    log(`  every request, per target per day: ${kb(result.receivedPerTargetDay.json)} of JSON, ${kb(result.receivedPerTargetDay.wire)} as sent (gzip only towards Azure's hosts); ${result.otherEnvelopes} envelopes without a target`);
    log(`  ${ticks} ticks in ${result.wallSeconds} s`);
  } finally {
    await sink.stop();
    await services.stop();
  }
  result.loadAverage = { before, after: loadAverage() };
  result.file = writeResults(result, date, 'telemetry');
  log(`  results: ${result.file}`);
  return result;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { hours: { type: 'string' }, targets: { type: 'string' } } });
  const number = (text: string | undefined): number | undefined => (text === undefined ? undefined : Number(text));
  await runTelemetry({ hours: number(values.hours), targets: number(values.targets) });
}
