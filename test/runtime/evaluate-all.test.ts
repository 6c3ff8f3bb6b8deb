import { describe, expect, test } from 'vitest';
import { loadConfig, parseTarget, type Target } from '../../shared/config/index.js';
import { createWorkloadOwners, evaluateAll, scheduleOf, targetKey, workloadOf, type TickDeps } from '../../shared/runtime/index.js';
import { createMemoryStore } from '../../shared/state/index.js';
import { recordingTelemetry } from '../e2e/scaler.js';
import { createMemoryKube } from '../support/memory-kube.js';

const target = (pollingInterval: number): Target => {
  const parsed = parseTarget({ scaleTargetRef: { name: 'w' }, pollingInterval, triggers: [{ type: 'azure-queue', metadata: { queueName: 'orders', accountName: 'acct' } }] });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.target;
};
const T = Date.parse('2026-11-27T10:00:00Z');
const at = (seconds: number): string => new Date(T + seconds * 1000).toISOString();

describe('scheduleOf: pollingInterval at zero, every tick above zero (the HPA sync)', () => {
  test.each([
    { name: 'never evaluated', record: undefined, now: 0, want: true },
    { name: 'no lastEvaluated yet', record: { state: {}, etag: 'x' }, now: 0, want: true },
    { name: 'above zero: every tick', record: { state: {}, etag: 'x', lastEvaluated: at(0), lastReplicas: 3 }, now: 1, want: true },
    { name: 'at zero, 15 s after: not yet (30 s)', record: { state: {}, etag: 'x', lastEvaluated: at(0), lastReplicas: 0 }, now: 15, want: false },
    { name: 'at zero, 30 s after: due', record: { state: {}, etag: 'x', lastEvaluated: at(0), lastReplicas: 0 }, now: 30, want: true },
    // Timers fire a little early; within a second counts.
    { name: 'at zero, 29.5 s after: due', record: { state: {}, etag: 'x', lastEvaluated: at(0), lastReplicas: 0 }, now: 29.5, want: true },
    { name: 'at zero, 28.9 s after: not yet', record: { state: {}, etag: 'x', lastEvaluated: at(0), lastReplicas: 0 }, now: 28.9, want: false },
  ])('$name', ({ record, now, want }) => {
    expect(scheduleOf(target(30), record, T + now * 1000).due).toBe(want);
  });
});

describe('evaluateAll with only: the targets `run` reloaded, due or not', () => {
  test('evaluates exactly the targets named, even when not due, and deletes no row', async () => {
    const config = loadConfig({
      SCALER_LOCAL_DEVELOPMENT: 'true',
      SCALER_CLUSTERS: JSON.stringify({ a: { context: 'a' } }),
      SCALER_TARGETS: JSON.stringify(['one', 'two'].map((name) => ({ namespace: 'shop', scaleTargetRef: { name }, triggers: [{ type: 'azure-queue', metadata: { queueName: 'orders', accountName: 'acct' } }] }))),
    });
    expect(config.errors).toEqual([]);
    const kube = createMemoryKube();
    const clock = { now: T - 2 * 86_400_000 };
    const store = createMemoryStore({ now: () => clock.now });
    // A row of a target no longer configured, written two days ago (by the store's clock): a full tick deletes it.
    await store.save('a/shop/gone', { state: {}, lastEvaluated: at(-2 * 86_400) }, undefined);
    clock.now = T;
    for (const t of config.targets) {
      kube.create(workloadOf(t), 0);
      // Evaluated a second ago, at zero: not due for pollingInterval (30 s).
      await store.save(targetKey(t), { state: {}, lastEvaluated: at(-1), lastReplicas: 0 }, undefined);
    }
    const deps: TickDeps = {
      kube, store, telemetry: recordingTelemetry(), now: () => T, owners: createWorkloadOwners(config.targets), saveFailures: new Map(), eventsRefused: new Set(),
      targets: config.targets.map((target) => ({ target, sources: [{ read: async () => 0 }] })), concurrency: 4, config,
    };
    const [one] = config.targets;

    const some = await evaluateAll(deps, { only: new Set([targetKey(one!)]) });
    expect(some.evaluated.map((e) => targetKey(e.target))).toEqual([targetKey(one!)]);
    expect(some.skipped).toBe(1);
    expect(some.deletedRows).toBeUndefined();
    expect(await store.load('a/shop/gone')).toBeDefined();

    const all = await evaluateAll(deps);
    expect(all.evaluated).toEqual([]);
    expect(all.deletedRows).toEqual(['a/shop/gone']);
  });
});
