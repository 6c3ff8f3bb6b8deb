// The wake path's figures against the local services (kube-apiserver + etcd, Azurite, the
// managed identity endpoint), no assertions:
// 1. latency: Deployments at 0, each polled once by the loop (its state row written), then
//    each woken by one message on a shared signal queue, one at a time, the queue polled as the Functions host polls it (host.json); from the message to the
//    scale write completed (end to end), and from the function's invocation to it (handler);
// 2. forwarding: a burst on a forward-mode inbox drained by one instance in the host's
//    batches, messages forwarded per second.
// Run after `npm run build`: `node dist/bench/wake.js [--wakes 200] [--burst 2000]`, or through
// `npm run bench` (bench/run.ts). Writes bench/results/<date>-wake.json; bench/README.md
// describes the figures.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import type { Kube } from '../shared/kube/index.js';
import { createRuntime, createWaker, evaluateAll, pollOnce, pollQueue, queueTriggerSettings, wakeQueuesOf, type QueueTriggerSettings, type Runtime } from '../shared/runtime/index.js';
import type { Telemetry } from '../shared/telemetry/index.js';
import { adminKubeConfig } from '../local/kube-clients.js';
import { grantScaleRole } from '../local/kube-workloads.js';
import { machine, ROOT, writeResults } from './results-file.js';
import { clusterEntry, startLocalServices, type LocalServices } from './tick-fixtures.js';

export interface WakeBenchOptions {
  /** Wakes measured for latency (each a Deployment at 0 woken by one message). */
  wakes?: number;
  /** Messages in the forwarding burst. */
  burst?: number;
  /** Idle time before each latency message is sent: uniform in [0, this] ms (the poller backs off meanwhile). */
  maxIdleMs?: number;
  log?: (line: string) => void;
}

export interface Percentiles {
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

export interface WakeBenchResult {
  skipped?: string;
  date?: string;
  machine?: Record<string, unknown>;
  hostJson?: QueueTriggerSettings;
  latency?: {
    wakes: number;
    warmUp: number;
    maxIdleMs: number;
    /** sendMessage -> scale write completed, through the poller. */
    endToEndMs: Percentiles;
    /** The function invoked with the message -> scale write completed. */
    handlerMs: Percentiles;
    /** The Kubernetes write alone. */
    scaleWriteMs: Percentiles;
    kubeCalls: { reads: number; writes: number };
  };
  forwarding?: {
    messages: number;
    seconds: number;
    perSecond: number;
    polls: number;
    largestBatch: number;
    forwarded: number;
    kubeCalls: { reads: number; writes: number };
  };
  file?: string;
}

const SILENT: Telemetry = { decision: () => {}, scaledByOther: () => {}, failure: () => {}, warning: () => {}, flush: async () => {} };

export function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? NaN;
  const round = (x: number): number => Math.round(x * 10) / 10;
  return { p50: round(at(0.5)), p99: round(at(0.99)), max: round(sorted.at(-1) ?? NaN), mean: round(sorted.reduce((s, x) => s + x, 0) / sorted.length) };
}

/** The Kube port, timing and counting its calls. */
function timedKube(kube: Kube) {
  const timed = {
    reads: 0,
    writes: 0,
    /** Deployment name -> when its scale write completed (performance.now()). */
    wroteAt: new Map<string, number>(),
    writeMs: [] as number[],
    readScale: (ref: Parameters<Kube['readScale']>[0]) => {
      timed.reads++;
      return kube.readScale(ref);
    },
    async writeScale(ref: Parameters<Kube['writeScale']>[0], replicas: number, resourceVersion: string) {
      timed.writes++;
      const started = performance.now();
      const version = await kube.writeScale(ref, replicas, resourceVersion);
      const done = performance.now();
      timed.writeMs.push(done - started);
      timed.wroteAt.set(ref.name, done);
      return version;
    },
    recordEvent: (...args: Parameters<Kube['recordEvent']>) => kube.recordEvent(...args),
  };
  return timed;
}

function settingsFor(services: LocalServices, targets: unknown[], table: string): Record<string, string> {
  return {
    SCALER_LOCAL_DEVELOPMENT: 'true',
    AzureWebJobsStorage: services.azurite.connectionString,
    QUEUES: services.azurite.connectionString,
    SCALER_STATE_TABLE: table,
    SCALER_CLUSTERS: JSON.stringify({ bench: clusterEntry(services.controlPlane) }),
    SCALER_TARGETS: JSON.stringify(targets),
  };
}

const target = (namespace: string, name: string, workQueue: string, wake: Record<string, string>): Record<string, unknown> => ({
  namespace,
  name,
  cluster: 'bench',
  scaleTargetRef: { name },
  triggers: [{ type: 'azure-queue', metadata: { queueName: workQueue, connectionFromEnv: 'QUEUES', queueLength: '5' } }],
  wake,
});

/** A namespace with the scaler's Role and `count` Deployments at 0 replicas named w-0, w-1, ... */
async function createDeployments(services: LocalServices, namespace: string, count: number): Promise<string[]> {
  const admin = adminKubeConfig(services.controlPlane);
  await admin.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
  await grantScaleRole(admin, namespace);
  const apps = admin.makeApiClient(AppsV1Api);
  const limit = pLimit(16);
  const names = Array.from({ length: count }, (_, i) => `w-${i}`);
  await Promise.all(names.map((name) => limit(() => apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name },
      spec: { replicas: 0, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'worker', image: 'registry.k8s.io/pause:3.10' }] } } },
    },
  }))));
  return names;
}

async function createQueue(services: LocalServices, name: string): Promise<QueueClient> {
  const queue = QueueServiceClient.fromConnectionString(services.azurite.connectionString).getQueueClient(name);
  await queue.create();
  return queue;
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

async function measureLatency(services: LocalServices, hostQueues: QueueTriggerSettings, run: string, wakes: number, maxIdleMs: number, log: (line: string) => void): Promise<NonNullable<WakeBenchResult['latency']>> {
  const WARM_UP = 5;
  const namespace = `wake-${run}`;
  const names = await createDeployments(services, namespace, wakes + WARM_UP);
  const work = await createQueue(services, `work-${run}`);
  const signals = await createQueue(services, `signals-${run}`);
  const targets = names.map((name) => target(namespace, name, work.name, { queueName: signals.name }));
  const base = createRuntime(settingsFor(services, targets, `wakelat${run}`), { telemetry: SILENT });
  // One tick first, as a running app's loop has polled every target: each has its state row.
  const tick = await evaluateAll(base);
  if (tick.error !== undefined || tick.evaluated.length !== targets.length) throw new Error(`the tick before the wakes evaluated ${tick.evaluated.length} of ${targets.length} targets: ${tick.error ?? ''}`);
  const kube = timedKube(base.kube);
  const runtime: Runtime = { ...base, kube };
  const waker = createWaker(runtime);
  const [queue] = wakeQueuesOf(runtime.targets.map((t) => t.target));
  const invokedAt = new Map<string, number>();
  const stop = new AbortController();
  const poison = QueueServiceClient.fromConnectionString(services.azurite.connectionString).getQueueClient(`${signals.name}-poison`);
  const polling = pollQueue(signals, poison, hostQueues, async (body) => {
    const text = body.toString('utf8');
    invokedAt.set((JSON.parse(text) as { target: string }).target.split('/')[1]!, performance.now());
    await waker.handle(queue!, text);
  }, stop.signal);

  const sentAt = new Map<string, number>();
  let seed = 7;
  const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  try {
    for (const [i, name] of names.entries()) {
      await sleep(Math.floor(random() * maxIdleMs));
      sentAt.set(name, performance.now());
      await signals.sendMessage(JSON.stringify({ target: `${namespace}/${name}` }));
      await waitFor(() => kube.wroteAt.has(name), 30_000, `the wake of ${name}`);
      if (i === WARM_UP - 1) log(`  warm-up: ${WARM_UP} wakes done`);
    }
  } finally {
    stop.abort();
    await polling;
  }
  const measured = names.slice(WARM_UP);
  const since = (from: Map<string, number>) => measured.map((n) => kube.wroteAt.get(n)! - from.get(n)!);
  return {
    wakes: measured.length,
    warmUp: WARM_UP,
    maxIdleMs,
    endToEndMs: percentiles(since(sentAt)),
    handlerMs: percentiles(since(invokedAt)),
    scaleWriteMs: percentiles(kube.writeMs.slice(WARM_UP)),
    kubeCalls: { reads: kube.reads, writes: kube.writes },
  };
}

async function measureForwarding(services: LocalServices, hostQueues: QueueTriggerSettings, run: string, burst: number): Promise<NonNullable<WakeBenchResult['forwarding']>> {
  const namespace = `fwd-${run}`;
  const [name] = await createDeployments(services, namespace, 1);
  const work = await createQueue(services, `fwork-${run}`);
  const inbox = await createQueue(services, `inbox-${run}`);
  const base = createRuntime(settingsFor(services, [target(namespace, name!, work.name, { queueName: inbox.name, forwardTo: work.name })], `wakefwd${run}`), { telemetry: SILENT });
  const kube = timedKube(base.kube);
  const waker = createWaker({ ...base, kube });
  const [queue] = wakeQueuesOf(base.targets.map((t) => t.target));
  const limit = pLimit(64);
  await Promise.all(Array.from({ length: burst }, (_, i) => limit(() => inbox.sendMessage(`{"order": ${i}, "id": 1234567890123456789012}`))));

  const poison = QueueServiceClient.fromConnectionString(services.azurite.connectionString).getQueueClient(`${inbox.name}-poison`);
  let polls = 0;
  let largestBatch = 0;
  let handled = 0;
  const started = performance.now();
  for (;;) {
    let inBatch = 0;
    polls++;
    const r = await pollOnce(inbox, poison, hostQueues, async (body) => {
      largestBatch = Math.max(largestBatch, ++inBatch);
      await waker.handle(queue!, body.toString('utf8'));
    });
    handled += r.handled;
    if (r.handled + r.failed + r.poisoned === 0) break;
  }
  const seconds = (performance.now() - started) / 1000;
  const forwarded = (await work.getProperties()).approximateMessagesCount ?? 0;
  return {
    messages: handled,
    seconds: Math.round(seconds * 100) / 100,
    perSecond: Math.round(handled / seconds),
    polls,
    largestBatch,
    forwarded,
    kubeCalls: { reads: kube.reads, writes: kube.writes },
  };
}


export async function runWake(options: WakeBenchOptions = {}): Promise<WakeBenchResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const wakes = options.wakes ?? 200;
  const burst = options.burst ?? 2000;
  const maxIdleMs = options.maxIdleMs ?? 1000;
  const services = await startLocalServices();
  if ('missing' in services) {
    log(`wake: SKIPPED: kube-apiserver and etcd are not available: ${services.missing}`);
    return { skipped: services.missing };
  }
  const date = new Date().toISOString();
  const result: WakeBenchResult = { date, machine: machine() };
  try {
    const hostQueues = queueTriggerSettings(JSON.parse(readFileSync(join(ROOT, 'host.json'), 'utf8')));
    result.hostJson = hostQueues;
    const run = Math.random().toString(36).slice(2, 8);
    log(`wake latency: ${wakes} wakes (+5 warm-up), each a Deployment at 0 (polled once by the loop: its state row exists) woken by one signal; idle 0-${maxIdleMs} ms before each; `
      + `the queue polled as host.json says (maxPollingInterval ${hostQueues.maxPollingIntervalMs} ms)`);
    const latency = await measureLatency(services, hostQueues, run, wakes, maxIdleMs, log);
    result.latency = latency;
    const ms = (p: Percentiles): string => `p50 ${p.p50} ms, p99 ${p.p99} ms, max ${p.max} ms`;
    log(`  handler (invocation -> scale write completed): ${ms(latency.handlerMs)}`);
    log(`  end to end (sendMessage -> scale write completed, polling included): ${ms(latency.endToEndMs)}`);
    log(`  the scale write alone: ${ms(latency.scaleWriteMs)}; kube calls: ${latency.kubeCalls.reads} reads, ${latency.kubeCalls.writes} writes for ${latency.wakes + latency.warmUp} wakes`);

    log(`forwarding: a burst of ${burst} messages on a forward-mode inbox, one instance, batches of ${hostQueues.batchSize}`);
    const forwarding = await measureForwarding(services, hostQueues, run, burst);
    result.forwarding = forwarding;
    log(`  ${forwarding.messages} forwarded in ${forwarding.seconds} s: ${forwarding.perSecond} messages/s per instance `
      + `(${forwarding.polls} GetMessages, largest batch ${forwarding.largestBatch}, ${forwarding.forwarded} on the work queue, `
      + `kube: ${forwarding.kubeCalls.reads} read, ${forwarding.kubeCalls.writes} write)`);
  } finally {
    await services.stop();
  }
  result.file = writeResults(result, date, 'wake');
  log(`  results: ${result.file}`);
  return result;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { wakes: { type: 'string' }, burst: { type: 'string' }, 'max-idle-ms': { type: 'string' } } });
  const number = (text: string | undefined): number | undefined => (text === undefined ? undefined : Number(text));
  await runWake({ wakes: number(values.wakes), burst: number(values.burst), maxIdleMs: number(values['max-idle-ms']) });
}
