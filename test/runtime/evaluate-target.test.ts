// Every path of one evaluation (shared/runtime/evaluate-target.ts), on the in-memory Kubernetes
// and state stand-ins, whose contract suites also run against kube-apiserver and Azurite:
// observe, decide, the re-check before a scale-down, apply (and its 409), record (and its lost
// race, with and without a scale written: decide again, or merge), a failed save, a row that
// did not read, a workload another target owns, a writer other than the scaler.
import { describe, expect, test } from 'vitest';
import { loadConfig, type Target } from '../../shared/config/index.js';
import type { WorkloadRef } from '../../shared/kube/index.js';
import { evaluateTarget, type EvaluatedTarget, type TargetDeps } from '../../shared/runtime/evaluate-target.js';
import { createWorkloadOwners, targetKey, workloadOf, type ConfiguredTarget } from '../../shared/runtime/index.js';
import { StateError } from '../../shared/errors/index.js';
import { createMemoryStore, StateConflictError, type StateStore, type StoredRecord, type TargetRecord } from '../../shared/state/index.js';
import { recordingTelemetry, type RecordingTelemetry } from '../e2e/scaler.js';
import { createMemoryKube, type MemoryKube } from '../support/memory-kube.js';

const T0 = Date.parse('2026-11-27T10:00:00.000Z');
const iso = (s: number): string => new Date(T0 + s * 1000).toISOString();

/** Targets in the clusters given (cluster b may be an alias of a: the same API server). */
function targetsOf(clusters: string[], extra: Record<string, unknown> = {}): Target[] {
  const config = loadConfig({
    SCALER_LOCAL_DEVELOPMENT: 'true',
    SCALER_CLUSTERS: JSON.stringify(Object.fromEntries(clusters.map((c) => [c, { context: c }]))),
    SCALER_TARGETS: JSON.stringify(clusters.map((cluster) => ({
      name: `worker-${cluster}`, namespace: 'shop', cluster, scaleTargetRef: { name: 'worker' },
      triggers: [{ type: 'azure-queue', metadata: { queueName: 'orders', accountName: 'shopdata' } }],
      ...extra,
    }))),
  });
  expect(config.errors).toEqual([]);
  return config.targets;
}

interface Bench {
  kube: MemoryKube;
  store: StateStore & { raw: StateStore };
  telemetry: RecordingTelemetry;
  deps: TargetDeps;
  configured: ConfiguredTarget;
  ref: WorkloadRef;
  key: string;
  clock: { now: number };
  /** Sets the queue length the source reads. */
  queue: { length: number };
  evaluate(stored?: StoredRecord | 'load'): Promise<EvaluatedTarget>;
}

/** A target on a Deployment at `replicas`, its queue at `queueLength`, evaluated at T0 + `at` s. */
function bench(options: { replicas: number; queueLength: number; extra?: Record<string, unknown>; saveFails?: () => boolean } = { replicas: 2, queueLength: 0 }): Bench {
  const [target] = targetsOf(['a'], options.extra);
  const kube = createMemoryKube();
  const ref = workloadOf(target!);
  kube.create(ref, options.replicas);
  const raw = createMemoryStore();
  // The store the evaluation sees: the memory store, whose saves can be made to fail.
  const store = {
    raw,
    loadAll: () => raw.loadAll(),
    load: (k: string) => raw.load(k),
    maxLoad: raw.maxLoad,
    loadMany: (keys: string[]) => raw.loadMany(keys),
    delete: (k: string, etag: string) => raw.delete(k, etag),
    recordWakeActivity: (k: string, at: string, etag?: string) => raw.recordWakeActivity(k, at, etag),
    save: async (k: string, r: TargetRecord, etag: string | undefined) => {
      if (options.saveFails?.()) throw new StateError(`state of ${k}: HTTP 500 internal error`);
      return raw.save(k, r, etag);
    },
  };
  const telemetry = recordingTelemetry();
  const clock = { now: T0 };
  const queue = { length: options.queueLength };
  const configured: ConfiguredTarget = { target: target!, sources: [{ read: async () => queue.length }] };
  const deps: TargetDeps = { kube, store, telemetry, now: () => clock.now, owners: createWorkloadOwners([target!]), saveFailures: new Map(), eventsRefused: new Set() };
  const key = targetKey(target!);
  return {
    kube, store, telemetry, deps, configured, ref, key, clock, queue,
    evaluate: async (stored = 'load') => evaluateTarget(configured, stored === 'load' ? await raw.load(key) : stored, deps),
  };
}

/** A row as the scaler leaves it: last active `activeAgo` s before now, at `replicas` (the HPA's proposal 30 s ago too). */
const leftAt = (replicas: number, activeAgo: number, now: number): TargetRecord => ({
  state: { lastActiveTime: new Date(now - activeAgo * 1000).toISOString(), createdTime: iso(-86_400), recommendations: [{ replicas, timestamp: new Date(now - 30_000).toISOString() }] },
  lastEvaluated: new Date(now - 15_000).toISOString(),
  lastReplicas: replicas,
});

describe('evaluateTarget, path by path', () => {
  test('observe fails (the workload cannot be read): no decision, no write, an error', async () => {
    const b = bench();
    const result = await evaluateTarget({ ...b.configured, target: { ...b.configured.target, scaleTargetRef: { ...b.configured.target.scaleTargetRef, name: 'gone' } } }, undefined, b.deps);
    expect(result.event).toBeUndefined();
    expect(result.error).toMatch(/not found/);
    expect(b.kube.writes).toEqual([]);
    expect(b.telemetry.failed).toHaveLength(1);
  });

  test('nothing to change: no write; the record saved with what was read', async () => {
    const b = bench({ replicas: 2, queueLength: 10 });
    const result = await b.evaluate();
    expect(result.event).toMatchObject({ applied: false, finalReplicas: 2 });
    expect(b.kube.writes).toEqual([]);
    expect(await b.store.load(b.key)).toMatchObject({ lastReplicas: 2, lastEvaluated: iso(0), workloadUid: 'uid-1' });
  });

  test('scale up: one write, then the record of it', async () => {
    const b = bench({ replicas: 1, queueLength: 20 });
    const result = await b.evaluate();
    expect(result.event).toMatchObject({ applied: true, currentReplicas: 1, finalReplicas: 4 });
    expect(b.kube.writes.map((w) => w.replicas)).toEqual([4]);
    expect((await b.store.load(b.key))?.lastReplicas).toBe(4);
  });

  test('re-check before a scale-down: the row changed since it was loaded (a wake recorded activity), so it decides again and holds', async () => {
    const b = bench({ replicas: 3, queueLength: 0 });
    await b.store.save(b.key, leftAt(3, 600, T0), undefined);
    const loaded = (await b.store.load(b.key))!;
    // Between the tick's load and this evaluation's scale-down, a message woke the target.
    await b.store.save(b.key, { ...loaded, state: { ...loaded.state, lastActiveTime: iso(0) } }, loaded.etag);
    const result = await b.evaluate(loaded);
    expect(b.kube.writes).toEqual([]);
    expect(result.event).toMatchObject({ applied: false, code: 'ScalerCooldown', finalReplicas: 3 });
    expect(result.event!.explain.state.lastActiveTime).toBe(iso(0));
  });

  test('re-check before a scale-down: the row is as loaded, so the scale-down goes ahead', async () => {
    const b = bench({ replicas: 3, queueLength: 0 });
    await b.store.save(b.key, leftAt(3, 600, T0), undefined);
    const result = await b.evaluate();
    expect(result.event).toMatchObject({ applied: true, finalReplicas: 0 });
    expect(b.kube.writes.map((w) => w.replicas)).toEqual([0]);
  });

  test('apply meets a 409 once: it reads and decides again, then writes', async () => {
    const b = bench({ replicas: 1, queueLength: 20 });
    let raced = false;
    b.kube.beforeWrite = (ref) => {
      if (!raced) b.kube.scaleAs(ref, 2, 'kubectl');
      raced = true;
    };
    const result = await b.evaluate();
    expect(result.error).toBeUndefined();
    expect(result.event).toMatchObject({ applied: true, currentReplicas: 2, finalReplicas: 4 });
    expect(b.kube.writes.map((w) => w.replicas)).toEqual([4]);
  });

  test('apply meets a 409 twice: an error, the decision not applied, nothing written', async () => {
    const b = bench({ replicas: 1, queueLength: 20 });
    b.kube.beforeWrite = (ref) => b.kube.scaleAs(ref, b.kube.replicasOf(ref) + 1, 'kubectl');
    const result = await b.evaluate();
    expect(result.error).toMatch(/conflict, the scale changed since it was read/);
    expect(result.event).toMatchObject({ applied: false });
    expect(b.kube.writes).toEqual([]);
    expect(b.deps.saveFailures.size).toBe(0);
  });

  test('record loses the race and nothing was written: it decides again on the other writer\'s row', async () => {
    const b = bench({ replicas: 2, queueLength: 10 });
    await b.store.save(b.key, leftAt(2, 0, T0), undefined);
    const loaded = (await b.store.load(b.key))!;
    await b.store.save(b.key, { ...loaded, lastWakeConfirmed: iso(-1) }, loaded.etag);
    const result = await b.evaluate(loaded);
    expect(result.error).toBeUndefined();
    expect(b.kube.writes).toEqual([]);
    expect(b.telemetry.decisions).toHaveLength(1);
    expect((await b.store.load(b.key))?.lastWakeConfirmed).toBe(iso(-1));
  });

  test('record loses the race after a scale write: the change is merged into the other writer\'s row, once, with the count read back', async () => {
    const b = bench({ replicas: 1, queueLength: 20, extra: { advanced: { horizontalPodAutoscalerConfig: { behavior: {} } } } });
    await b.store.save(b.key, leftAt(1, 0, T0), undefined);
    const loaded = (await b.store.load(b.key))!;
    await b.store.save(b.key, { ...loaded, lastWakeConfirmed: iso(-1), state: { ...loaded.state, lastActiveTime: iso(-1) } }, loaded.etag);
    const result = await b.evaluate(loaded);
    expect(result.error).toBeUndefined();
    expect(b.kube.writes.map((w) => w.replicas)).toEqual([4]);
    const row = (await b.store.load(b.key))!;
    expect(row).toMatchObject({ lastReplicas: 4, lastWakeConfirmed: iso(-1), lastEvaluated: iso(0) });
    expect(row.state.scaleUpEvents).toEqual([{ change: 3, timestamp: iso(0), outdated: false }]);
  });

  test('a save that fails: an error, remembered; the next evaluation holds a scale-down and keeps the activity that was not saved', async () => {
    let failing = false;
    const b = bench({ replicas: 3, queueLength: 15, saveFails: () => failing });
    await b.store.raw.save(b.key, leftAt(3, 0, T0), undefined);
    b.clock.now = T0 + 200_000;
    failing = true;
    const failed = await b.evaluate();
    expect(failed.error).toMatch(/HTTP 500/);
    expect(b.deps.saveFailures.get(b.key)).toMatchObject({ lastActiveTime: iso(200) });
    // By the row, the cooldown (300 s from T0) is over; by the activity that was not saved, not.
    b.queue.length = 0;
    b.clock.now = T0 + 320_000;
    failing = false;
    const held = await b.evaluate();
    expect(held.event?.explain.observation.historyNotTrusted).toMatch(/the last save of its state failed \(state of .*HTTP 500/);
    expect(held.event?.explain.state.lastActiveTime).toBe(iso(200));
    expect(b.kube.replicasOf(b.ref)).toBeGreaterThan(0);
    // That save succeeded: forgotten, and the activity it held is in the row.
    expect(b.deps.saveFailures.size).toBe(0);
    expect((await b.store.load(b.key))?.state.lastActiveTime).toBe(iso(200));
  });

  test('a row that did not read: reported once, fresh state active as of now, no scale-down, the row replaced', async () => {
    const b = bench({ replicas: 3, queueLength: 0 });
    await b.store.raw.save(b.key, { state: { recommendations: 'x' } } as unknown as TargetRecord, undefined);
    const result = await b.evaluate();
    expect(b.telemetry.failed.filter((f) => f.includes('state row'))).toEqual([expect.stringMatching(/state\.recommendations/)]);
    expect(result.event).toMatchObject({ applied: false, finalReplicas: 3 });
    expect(result.event!.explain.state).toEqual({ lastActiveTime: iso(0) });
    expect((await b.store.load(b.key))?.invalid).toBeUndefined();
  });

  test('a workload another (earlier) target owns, reached through an alias of its cluster: this one holds, with an error naming the owner', async () => {
    const [first, second] = targetsOf(['a', 'b']);
    const kube = createMemoryKube({ alias: { b: 'a' } });
    kube.create(workloadOf(first!), 2);
    const store = createMemoryStore();
    const telemetry = recordingTelemetry();
    const deps: TargetDeps = { kube, store, telemetry, now: () => T0, owners: createWorkloadOwners([first!, second!]), saveFailures: new Map(), eventsRefused: new Set() };
    const source = { read: async () => 0 };
    expect((await evaluateTarget({ target: first!, sources: [source] }, undefined, deps)).error).toBeUndefined();
    const result = await evaluateTarget({ target: second!, sources: [source] }, undefined, deps);
    expect(result.error).toMatch(new RegExp(`is the workload \\(uid uid-1\\) that target ${targetKey(first!)} scales`));
    expect(result.event).toBeUndefined();
  });

  test('another writer changed the replicas: one event and one warning, decided from the new count', async () => {
    const b = bench({ replicas: 4, queueLength: 20 });
    await b.store.save(b.key, leftAt(4, 0, T0), undefined);
    b.kube.scaleAs(b.ref, 9, 'kubectl');
    const result = await b.evaluate();
    expect(b.telemetry.scaledByOthers).toEqual([expect.objectContaining({ expectedReplicas: 4, foundReplicas: 9, writer: expect.objectContaining({ manager: 'kubectl' }) })]);
    expect(result.warnings).toEqual([expect.stringMatching(/was scaled 4 -> 9 by kubectl through \/scale/)]);
    expect(result.event).toMatchObject({ currentReplicas: 9 });
    // Its own write next time is not another writer.
    await b.evaluate();
    expect(b.telemetry.scaledByOthers).toHaveLength(1);
  });

  test('a scale change is told on the workload as a Kubernetes Event (its code, and why); nothing is told when nothing changes', async () => {
    const b = bench({ replicas: 1, queueLength: 20 });
    await b.evaluate();
    expect(b.kube.eventsOf(b.ref)).toEqual([{ type: 'Normal', reason: 'DesiredWithinRange', message: expect.stringMatching(/^Scaled from 1 to 4: HPA wants 4/), from: 'aks-queue-scaler' }]);
    await b.evaluate();
    expect(b.kube.eventsOf(b.ref)).toHaveLength(1);
  });

  test('without the optional events Role: the scale is written, the refusal said once for the namespace, and not tried again', async () => {
    const b = bench({ replicas: 1, queueLength: 20 });
    b.kube.eventsForbidden.add('shop');
    expect((await b.evaluate()).error).toBeUndefined();
    b.queue.length = 40;
    b.clock.now += 15_000;
    expect((await b.evaluate()).error).toBeUndefined();
    expect(b.kube.writes.map((w) => w.replicas)).toEqual([4, 8]);
    expect(b.telemetry.failed.filter((f) => f.includes('record an event'))).toHaveLength(1);
    expect(b.deps.eventsRefused).toEqual(new Set(['a/shop']));
  });

  test('a lost race on every save, nothing written: an error after the budget, the decision made each time', async () => {
    const b = bench({ replicas: 2, queueLength: 10 });
    const conflicting: StateStore = { ...b.store, save: async () => { throw new StateConflictError('changed since it was read'); } };
    const result = await evaluateTarget(b.configured, undefined, { ...b.deps, store: conflicting });
    expect(result.error).toMatch(/changed since it was read/);
    expect(b.kube.writes).toEqual([]);
    expect(b.deps.saveFailures.has(b.key)).toBe(true);
  });
});
