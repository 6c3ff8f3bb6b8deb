// Every path of the wake path (shared/runtime/wake.ts), on the in-memory Kubernetes and state
// stand-ins: select the targets, wake one (awake: activity only; asleep: activity, then the
// scale, then the wake recorded; paused; a 409 once and twice; a workload another target owns),
// one wake per target for a burst, and forward (sent to every forwardTo; a failed send, a failed
// wake). The end-to-end suites run the same against kube-apiserver and Azurite.
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../shared/config/index.js';
import { PAUSED } from '../../shared/engine/index.js';
import { createRuntime, createWaker, targetKey, wakeQueuesOf, workloadOf, type Runtime, type WakeQueue } from '../../shared/runtime/index.js';
import { createMemoryStore } from '../../shared/state/index.js';
import { recordingTelemetry, type RecordingTelemetry } from '../e2e/scaler.js';
import { createMemoryKube, type MemoryKube } from '../support/memory-kube.js';

const T0 = Date.parse('2026-11-27T10:00:00.000Z');

interface WakeBench {
  runtime: Runtime;
  kube: MemoryKube;
  telemetry: RecordingTelemetry;
  clock: { now: number };
  queue: WakeQueue;
  sent: { queue: string; text: string }[];
  keys: string[];
  waker: ReturnType<typeof createWaker>;
}

/** Targets on one wake queue, each on a Deployment at `replicas` (per name), each queue at `queueLength`. */
function wakeBench(names: string[], options: { replicas?: number; annotations?: Record<string, string>; forward?: boolean; sendFails?: boolean } = {}): WakeBench {
  const settings = {
    SCALER_LOCAL_DEVELOPMENT: 'true',
    AzureWebJobsStorage__accountName: 'scalerapp',
    SCALER_CLUSTERS: JSON.stringify({ test: { context: 'test' } }),
    SCALER_TARGETS: JSON.stringify(names.map((name) => ({
      name, namespace: 'shop', scaleTargetRef: { name },
      triggers: [{ type: 'azure-queue', metadata: { queueName: `${name}-work`, accountName: 'shopdata' } }],
      wake: { queueName: 'inbox', ...(options.forward ? { forwardTo: `${name}-work` } : {}) },
    }))),
  };
  expect(loadConfig(settings).errors).toEqual([]);
  const telemetry = recordingTelemetry();
  const clock = { now: T0 };
  const kube = createMemoryKube();
  const runtime: Runtime = { ...createRuntime(settings, { telemetry, store: createMemoryStore(), now: () => clock.now }), kube };
  // The queue sources read 12 messages each (no Azure Storage here).
  runtime.targets = runtime.targets.map((t) => ({ ...t, sources: [{ read: async () => 12 }] }));
  for (const t of runtime.targets) kube.create(workloadOf(t.target), options.replicas ?? 0, options.annotations);
  const sent: { queue: string; text: string }[] = [];
  const waker = createWaker(runtime, async (_t, queue, text) => {
    if (options.sendFails) throw new Error('QueueNotFound');
    sent.push({ queue, text });
  });
  return { runtime, kube, telemetry, clock, queue: wakeQueuesOf(runtime.config.targets)[0]!, sent, keys: runtime.targets.map((t) => targetKey(t.target)), waker };
}

describe('the wake path, step by step', () => {
  test('select: a signal naming one target wakes it and only it', async () => {
    const b = wakeBench(['a', 'b']);
    const handled = await b.waker.handle(b.queue, '{"target": "shop/b"}');
    expect(handled.outcomes).toEqual([{ target: b.keys[1], result: 'woken', replicas: 3 }]);
    expect(b.kube.writes.map((w) => w.ref.name)).toEqual(['b']);
  });

  test('an awake target: the message counts as activity, nothing is written to the cluster', async () => {
    const b = wakeBench(['a'], { replicas: 2 });
    const handled = await b.waker.handle(b.queue, '{}');
    expect(handled.outcomes).toEqual([{ target: b.keys[0], result: 'awake', replicas: 2 }]);
    expect(b.kube.writes).toEqual([]);
    expect((await b.runtime.store.load(b.keys[0]!))?.state.lastActiveTime).toBe(new Date(T0).toISOString());
  });

  test('an asleep target: the activity is recorded before the scale is written, then the wake is recorded and told', async () => {
    const b = wakeBench(['a']);
    let recordedBeforeWrite: string | null | undefined;
    b.kube.beforeWrite = () => void b.runtime.store.load(b.keys[0]!).then((r) => (recordedBeforeWrite = r?.state.lastActiveTime));
    const handled = await b.waker.handle(b.queue, '{}');
    expect(handled.outcomes).toEqual([{ target: b.keys[0], result: 'woken', replicas: 3 }]);
    expect(recordedBeforeWrite).toBe(new Date(T0).toISOString());
    expect(await b.runtime.store.load(b.keys[0]!)).toMatchObject({ lastReplicas: 3, workloadUid: 'uid-1', state: { scaledToZero: false } });
    expect(b.telemetry.decisions.map((d) => d.reason)).toEqual([expect.stringMatching(/^woken by a message on wake queue inbox: activated/)]);
    expect(b.kube.eventsOf(workloadOf(b.runtime.targets[0]!.target))).toEqual([expect.objectContaining({ reason: 'ScaleTargetActivated', message: expect.stringMatching(/^Scaled from 0 to 3: woken by a message on wake queue inbox/) })]);
  });

  test.each([
    { name: 'asleep, its row active 10 minutes ago', replicas: 0, rowActivity: -600_000, result: 'woken', activity: 0 },
    // Another instance recorded a later message while this one's clock lags: that one is kept.
    { name: 'asleep, its row holding a later wake', replicas: 0, rowActivity: 5_000, result: 'woken', activity: 5_000 },
    { name: 'awake, its row holding a later wake', replicas: 2, rowActivity: 5_000, result: 'awake', activity: 5_000 },
  ])('a target with a row, $name: the activity is one write that reads nothing first', async ({ replicas, rowActivity, result, activity }) => {
    const b = wakeBench(['a'], { replicas });
    const key = b.keys[0]!;
    const store = b.runtime.store;
    await store.save(key, { state: { lastActiveTime: new Date(T0 - 600_000).toISOString() }, lastWakeConfirmed: new Date(T0 + rowActivity).toISOString() }, undefined);
    const calls: string[] = [];
    const logged = { ...store, load: (k: string) => (calls.push('load'), store.load(k)), save: (...a: Parameters<typeof store.save>) => (calls.push('save'), store.save(...a)), recordWakeActivity: (k: string, at: string) => (calls.push('recordWakeActivity'), store.recordWakeActivity(k, at)) };
    let beforeWrite: { calls: string[]; lastActiveTime?: string | null | undefined } | undefined;
    b.kube.beforeWrite = () => void store.load(key).then((r) => (beforeWrite = { calls: [...calls].sort(), lastActiveTime: r?.state.lastActiveTime }));
    expect((await createWaker({ ...b.runtime, store: logged }).handle(b.queue, '{}')).outcomes).toMatchObject([{ result }]);
    // Before the scale write: this message's activity, in one write beside the reads.
    if (result === 'woken') expect(beforeWrite).toEqual({ calls: ['load', 'recordWakeActivity'], lastActiveTime: new Date(T0).toISOString() });
    // After: the later of the two.
    const after = await store.load(key);
    expect(after?.lastWakeConfirmed).toBe(new Date(T0 + activity).toISOString());
    expect(after?.state.lastActiveTime).toBe(new Date(T0 + activity).toISOString());
  });

  test.each([
    { name: 'current', change: undefined, result: 'woken', reads: 0, writes: 1, loads: 0 },
    { name: 'current, its row written since by another writer', change: 'row', result: 'woken', reads: 0, writes: 1, loads: 2 },
    { name: 'stale, scaled to 2 since', change: 'scaled', result: 'awake', reads: 1, writes: 0, loads: 0 },
    // Paused then: a decision not to write proves nothing, so the workload is read.
    { name: 'stale, paused then and not now', change: 'unpaused', result: 'woken', reads: 1, writes: 1, loads: 0 },
  ])('a workload the loop left at zero in this process, its kept reading $name: written against, read again when it does not hold', async ({ change, result, reads, writes, loads }) => {
    const b = wakeBench(['a']);
    const key = b.keys[0]!;
    const ref = workloadOf(b.runtime.targets[0]!.target);
    const reading = await b.kube.readScale(ref);
    const record = { state: { lastActiveTime: new Date(T0 - 600_000).toISOString() }, lastReplicas: 0 };
    const etag = await b.runtime.store.save(key, record, undefined);
    b.runtime.idleReadings!.keep(key, change === 'unpaused' ? { ...reading, annotations: { [PAUSED]: 'true' }, resourceVersion: '1' } : reading, T0 - 10_000, { etag, record });
    if (change === 'scaled') b.kube.scaleAs(ref, 2, 'kubectl');
    if (change === 'row') await b.runtime.store.save(key, { ...record, lastReplicas: 0 }, etag);
    b.kube.reads = 0;
    let loaded = 0;
    const store = b.runtime.store;
    const waker = createWaker({ ...b.runtime, store: { ...store, load: (k: string) => (loaded++, store.load(k)) } });
    expect((await waker.handle(b.queue, '{}')).outcomes).toMatchObject([{ result }]);
    expect({ reads: b.kube.reads, writes: b.kube.writes.length, loads: loaded }).toEqual({ reads, writes, loads });
    // The activity is in the row either way; woken or found awake, the reading is no longer kept.
    expect((await store.load(key))?.state.lastActiveTime).toBe(new Date(T0).toISOString());
    expect(b.runtime.idleReadings!.kept(key)).toBeUndefined();
  });

  test('a paused target is left alone: no write; the message counts as activity, as for an awake one', async () => {
    const b = wakeBench(['a'], { annotations: { [PAUSED]: 'true' } });
    const handled = await b.waker.handle(b.queue, '{}');
    expect(handled.outcomes).toEqual([{ target: b.keys[0], result: 'paused' }]);
    expect(b.kube.writes).toEqual([]);
    expect(await b.runtime.store.load(b.keys[0]!)).toMatchObject({ state: { lastActiveTime: new Date(T0).toISOString() }, lastReplicas: undefined });
    // Not confirmed awake: a message after its unpause is looked at at once.
    expect((await b.waker.handle(b.queue, '{}')).outcomes[0]!.result).toBe('paused');
  });

  test.each([
    { name: 'awake', replicas: 2, outcome: { result: 'awake', replicas: 2 } },
    // The message itself is the signal (force-activation): woken to max(minReplicaCount, 1).
    { name: 'asleep', replicas: 0, outcome: { result: 'woken', replicas: 1 } },
  ])('an $name target whose queue cannot be read: $outcome.result', async ({ replicas, outcome }) => {
    const b = wakeBench(['a'], { replicas });
    b.runtime.targets = b.runtime.targets.map((t) => ({ ...t, sources: [{ read: () => Promise.reject(new Error('QueueNotFound')) }] }));
    expect((await createWaker(b.runtime).handle(b.queue, '{}')).outcomes).toEqual([{ target: b.keys[0], ...outcome }]);
  });

  test('a 409 once: it looks again and wakes', async () => {
    const b = wakeBench(['a']);
    let raced = false;
    b.kube.beforeWrite = (ref) => {
      if (!raced) b.kube.scaleAs(ref, 0, 'another-wake');
      raced = true;
    };
    expect((await b.waker.handle(b.queue, '{}')).outcomes.map((o) => o.result)).toEqual(['woken']);
  });

  test('a 409 twice: the wake fails, and a signal fails its invocation (the host retries it)', async () => {
    const b = wakeBench(['a']);
    b.kube.beforeWrite = (ref) => b.kube.scaleAs(ref, 0, 'another-wake');
    await expect(b.waker.handle(b.queue, '{}')).rejects.toThrow(/wake queue inbox: .*conflict, the scale changed since it was read/);
    expect(b.telemetry.failed).toEqual([expect.stringMatching(/^wake /)]);
  });

  test('a burst: one wake in flight per target, then nothing at all for the confirmation window', async () => {
    const b = wakeBench(['a']);
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => b.waker.handle(b.queue, '{}')));
    expect(outcomes.every((h) => h.outcomes[0]!.result === 'woken')).toBe(true);
    expect([b.kube.reads, b.kube.writes.length]).toEqual([1, 1]);
    b.clock.now += 1_000;
    expect((await b.waker.handle(b.queue, '{}')).outcomes[0]!.result).toBe('recently-confirmed');
    expect(b.kube.reads).toBe(1);
  });

  test('forward: the message goes to every forwardTo, as it came', async () => {
    const b = wakeBench(['a', 'b'], { forward: true });
    const handled = await b.waker.handle(b.queue, '{"target": "shop/a", "id": 12345678901234567890}');
    expect(handled.forwarded.sort()).toEqual(['a-work', 'b-work']);
    // A JSON signal is not interpreted in forward mode: both targets are woken.
    expect(handled.outcomes.map((o) => o.result)).toEqual(['woken', 'woken']);
    expect(b.sent.map((s) => s.text)).toEqual(['{"target": "shop/a", "id": 12345678901234567890}', '{"target": "shop/a", "id": 12345678901234567890}']);
  });

  test('forward: a failed send fails the invocation, naming the wake queue', async () => {
    const b = wakeBench(['a'], { forward: true, sendFails: true });
    await expect(b.waker.handle(b.queue, 'order 1')).rejects.toThrow('wake queue inbox: QueueNotFound');
  });

  test('forward: a failed wake does not stop the forward; it is a warning', async () => {
    const b = wakeBench(['a'], { forward: true });
    b.kube.beforeWrite = (ref) => b.kube.scaleAs(ref, 0, 'another-wake');
    const handled = await b.waker.handle(b.queue, 'order 1');
    expect(handled.forwarded).toEqual(['a-work']);
    expect(handled.warnings).toEqual([expect.stringMatching(/^wake of .* failed, forwarding anyway: /)]);
  });
});
