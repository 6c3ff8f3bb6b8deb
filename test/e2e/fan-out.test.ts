// Fan-out end to end: a tick with more due targets than SCALER_SHARD_SIZE sends one message per
// shard to the shard queue in Azurite; shard workers (each its own runtime, as each instance of
// the shard workers' app is) take one message at a time as the Functions host does (batchSize 1)
// and scale the Deployments on kube-apiserver, with the state in Azurite's Table service.
import { AppsV1Api } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { describe, expect, test } from 'vitest';
import { createRuntime, evaluateShard, parseShardMessage, pollOnce, shardQueueClients, targetKey, type ShardResult } from '../../shared/runtime/index.js';
import { useLocalServices } from '../support/vitest/local-services.js';
import { controlPlaneEnabled } from '../support/vitest/provided.js';
import { createQueue, queueTarget, recordingTelemetry, replicasOf, scalerSettings, startScaler, type RecordingTelemetry } from './scaler.js';

const TARGETS = 120;
const SHARD_SIZE = 50;

describe.runIf(controlPlaneEnabled)('fan-out end to end', () => {
  const services = useLocalServices();

  test(`a tick of ${TARGETS} targets fans out into shards; workers evaluate each target exactly once, a redelivered message nothing`, async () => {
    const w = await services.workloads({ replicas: 0 });
    const apps = services.admin.makeApiClient(AppsV1Api);
    const names = Array.from({ length: TARGETS }, (_, i) => `w${i}`);
    const limit = pLimit(16);
    await Promise.all(names.map((name) => limit(() => apps.createNamespacedDeployment({
      namespace: w.namespace,
      body: { metadata: { name }, spec: { replicas: 0, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'worker', image: 'registry.k8s.io/pause:3.10' }] } } } },
    }))));
    // Three queues: empty, 7 messages (2 replicas at queueLength 5) and 12 (3 replicas).
    const queues = await Promise.all([0, 7, 12].map((n) => createQueue(services.azurite, n)));
    const wanted = [0, 2, 3];
    const targets = names.map((name, i) => queueTarget(w.namespace, name, queues[i % 3]!.name));
    const options = {
      azurite: services.azurite,
      controlPlane: services.controlPlane,
      targets,
      // Every minute: a shard message lives 60 s, which a loaded machine's workers stay well within.
      settings: { SCALER_SHARD_SIZE: String(SHARD_SIZE), SCALER_SHARD_QUEUE: `shards-${Math.random().toString(36).slice(2, 8)}`, SCALER_SCHEDULE: '0 * * * * *' },
    };
    const timer = startScaler(options);

    const tick = await timer.tickAfter(0);
    expect(tick.fannedOut).toEqual({ targets: TARGETS, shards: 3, messages: 3, failed: 0 });
    expect(tick.evaluated).toEqual([]);
    expect(timer.telemetry.decisions).toEqual([]);

    // The shard queue as the shard function's connection opens it; each message lives one schedule period (60 s).
    const { queue, poison } = shardQueueClients(timer.runtime.settings, timer.runtime.credentialFor);
    const peeked = await queue.peekMessages({ numberOfMessages: 32 });
    expect(peeked.peekedMessageItems).toHaveLength(3);
    const texts = peeked.peekedMessageItems.map((m) => m.messageText);
    for (const m of peeked.peekedMessageItems) expect(m.expiresOn.getTime() - m.insertedOn.getTime()).toBe(60_000);
    const shards = texts.map(parseShardMessage);
    expect(shards.map((m) => m.shard).sort()).toEqual([0, 1, 2]);
    expect(shards.flatMap((m) => [...m.poll, ...m.sync]).sort()).toEqual(targets.map((_, i) => `test/${w.namespace}/w${i}`).sort());

    // Three workers, each its own runtime on the timer's clock, take one message at a time.
    const settings = { maxPollingIntervalMs: 1000, visibilityTimeoutMs: 5000, batchSize: 1, maxDequeueCount: 5, messageEncoding: 'none' as const };
    const workers = Array.from({ length: 3 }, () => {
      const telemetry = recordingTelemetry();
      const runtime = createRuntime(scalerSettings({ ...options, table: timer.runtime.settings.SCALER_STATE_TABLE }), { telemetry, now: () => timer.clock.now });
      return { runtime, telemetry, results: [] as ShardResult[] };
    });
    const work = async (worker: (typeof workers)[number]): Promise<number> =>
      (await pollOnce(queue, poison, settings, async (body) => void worker.results.push(await evaluateShard(worker.runtime, body.toString('utf8'))))).handled;
    expect(await Promise.all(workers.map(work))).toEqual([1, 1, 1]);

    const decisions = (ts: RecordingTelemetry[]): Map<string, number> => {
      const counts = new Map<string, number>();
      for (const d of ts.flatMap((t) => t.decisions)) counts.set(d.target, (counts.get(d.target) ?? 0) + 1);
      return counts;
    };
    const telemetries = workers.map((x) => x.telemetry);
    expect(decisions(telemetries).size).toBe(TARGETS);
    expect([...decisions(telemetries).values()].every((n) => n === 1)).toBe(true);
    expect(telemetries.flatMap((t) => t.failed)).toEqual([]);
    // Shards are disjoint: no two workers evaluated one target.
    const byWorker = workers.map((x) => new Set(x.results.flatMap((r) => r.evaluated.map((e) => targetKey(e.target)))));
    expect(byWorker.reduce((n, s) => n + s.size, 0)).toBe(TARGETS);
    for (const [i, name] of names.entries()) expect(await replicasOf(services.admin, w.namespace, name)).toBe(wanted[i % 3]);
    const rows = await timer.runtime.store.loadAll();
    expect(new Set([...rows.values()].map((r) => r.lastTick))).toEqual(new Set([shards[0]!.tick]));

    // One message delivered again (its first invocation failed after the saves): nothing is evaluated twice.
    await queue.sendMessage(texts[1]!);
    expect(await work(workers[0]!)).toBe(1);
    const again = workers[0]!.results.at(-1)!;
    expect(again.evaluated).toEqual([]);
    expect(again.alreadyEvaluated).toHaveLength(shards[1]!.poll.length + shards[1]!.sync.length);
    expect([...decisions(telemetries).values()].every((n) => n === 1)).toBe(true);

    // A message that is not a shard's: the invocation fails with what is wrong, and nothing is scaled.
    await queue.sendMessage(JSON.stringify({ kind: 'aks-queue-scaler/shard', tick: 'now', poll: names }));
    const failed: unknown[] = [];
    const bad = await pollOnce(queue, poison, settings, (body) => evaluateShard(workers[1]!.runtime, body.toString('utf8')).then(() => undefined, (e: unknown) => {
      failed.push(e);
      throw e;
    }));
    expect(bad).toMatchObject({ handled: 0, failed: 1 });
    expect(String(failed[0])).toContain('shard message: tick: must be an ISO-8601 time');
    expect(decisions(telemetries).size).toBe(TARGETS);
    for (const [i, name] of names.entries()) expect(await replicasOf(services.admin, w.namespace, name)).toBe(wanted[i % 3]);

    // A shard message past its time to live while it ran is gone when it is settled: handled, not a failure.
    await queue.clearMessages();
    await queue.sendMessage(texts[2]!);
    const gone = await pollOnce(queue, poison, settings, async (body) => {
      workers[2]!.results.push(await evaluateShard(workers[2]!.runtime, body.toString('utf8')));
      await queue.clearMessages();
    });
    expect(gone).toEqual({ handled: 1, failed: 0, poisoned: 0 });
    expect(workers[2]!.results.at(-1)!.evaluated).toEqual([]);
  });
});
