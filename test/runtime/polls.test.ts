// Which evaluations are KEDA's polls (evaluate-all.ts, scheduleOf): a poll is due pollingInterval
// after the last poll's tick start, at once for a new or changed target, and on the first tick of
// a process; a target at zero is evaluated on polls only, one above zero on every tick. On the
// in-memory Kubernetes and state stand-ins, with a clock the evaluations move.
import { describe, expect, test } from 'vitest';
import { loadConfig, type Target } from '../../shared/config/index.js';
import { createWorkloadOwners, evaluateAll, replay, scheduleOf, specFingerprint, targetKey, workloadOf, type TickDeps, type TickResult } from '../../shared/runtime/index.js';
import { createMemoryStore, type StoredRecord } from '../../shared/state/index.js';
import { recordingTelemetry, type RecordingTelemetry } from '../e2e/scaler.js';
import { createMemoryKube, type MemoryKube } from '../support/memory-kube.js';

const T0 = Date.parse('2026-11-27T10:00:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();

/** Targets `names` in cluster a, with `extra` fields. */
function targetsOf(names: string[], extra: Record<string, unknown> = {}): Target[] {
  const config = loadConfig({
    SCALER_LOCAL_DEVELOPMENT: 'true',
    SCALER_CLUSTERS: JSON.stringify({ a: { context: 'a' } }),
    SCALER_TARGETS: JSON.stringify(names.map((name) => ({
      namespace: 'shop', scaleTargetRef: { name }, triggers: [{ type: 'azure-queue', metadata: { queueName: 'orders', accountName: 'acct', queueLength: '5' } }], ...extra,
    }))),
  });
  expect(config.errors).toEqual([]);
  return config.targets;
}

interface Bench {
  kube: MemoryKube;
  store: ReturnType<typeof createMemoryStore>;
  telemetry: RecordingTelemetry;
  clock: { now: number };
  queue: { length: number };
  deps: TickDeps;
  /** Sets the clock to `at` (the tick's start) and runs one tick. */
  tickAt(at: number): Promise<TickResult>;
}

/**
 * Targets on Deployments at `replicas`, their queue at `queue.length`; each read of a queue moves
 * the clock by `readMs()`, so an evaluation runs later in its tick the later it starts.
 */
function bench(targets: Target[], options: { replicas: number; queueLength: number; readMs?: () => number; startedAt?: number; concurrency?: number }): Bench {
  const kube = createMemoryKube();
  for (const t of targets) kube.create(workloadOf(t), options.replicas);
  const clock = { now: T0 };
  const store = createMemoryStore({ now: () => clock.now });
  const telemetry = recordingTelemetry();
  const queue = { length: options.queueLength };
  const read = async (): Promise<number> => {
    clock.now += options.readMs?.() ?? 0;
    return queue.length;
  };
  const deps: TickDeps = {
    kube, store, telemetry, now: () => clock.now, owners: createWorkloadOwners(targets), saveFailures: new Map(), eventsRefused: new Set(),
    targets: targets.map((target) => ({ target, sources: [{ read }] })), concurrency: options.concurrency ?? 4, config: { errors: [] },
    ...(options.startedAt === undefined ? {} : { startedAt: options.startedAt }),
  };
  return {
    kube, store, telemetry, clock, queue, deps,
    async tickAt(at) {
      clock.now = at;
      return evaluateAll(deps);
    },
  };
}

/** The ticks (their start, in seconds from T0) at which each target was polled, from the poll each decision recorded. */
function pollsOf(telemetry: RecordingTelemetry, ticks: Map<object, number>): Map<string, number[]> {
  const polls = new Map<string, number[]>();
  for (const d of telemetry.decisions) {
    if (!d.explain.observation.poll) continue;
    polls.set(d.target, [...(polls.get(d.target) ?? []), ticks.get(d)!]);
  }
  return polls;
}

describe('polls are due pollingInterval after the last poll\'s tick start, wherever in its tick the evaluation ran', () => {
  test('a 15 s schedule and pollingInterval 30: every poll exactly 30 s after the last, at zero and above it, however late in the tick', async () => {
    // 100 targets, 4 at a time, each queue read moving the clock 0.1 to 1.9 s: the last
    // evaluations run past the next tick's start (the old comparison of a mid-tick lastEvaluated
    // with the next tick's start left 45 s between polls).
    const atZero = targetsOf(Array.from({ length: 50 }, (_, i) => `zero-${i}`), { pollingInterval: 30 });
    const above = targetsOf(Array.from({ length: 50 }, (_, i) => `above-${i}`), { pollingInterval: 30, minReplicaCount: 1 });
    let n = 0;
    const b = bench([...atZero, ...above], { replicas: 0, queueLength: 0, readMs: () => 100 + ((n++ * 7919) % 19) * 100 });
    for (const t of above) b.kube.scaleAs(workloadOf(t), 2, 'kubectl');
    const ticks = new Map<object, number>();
    let lastLatest = 0;
    for (let k = 0; k < 12; k++) {
      const start = T0 + k * 15_000;
      const seen = b.telemetry.decisions.length;
      const result = await b.tickAt(start);
      expect(result.error).toBeUndefined();
      for (const d of b.telemetry.decisions.slice(seen)) ticks.set(d, k * 15);
      lastLatest = Math.max(lastLatest, Date.parse(b.telemetry.decisions.at(-1)!.explain.now) - start);
    }
    expect(lastLatest).toBeGreaterThan(15_000);
    const polls = pollsOf(b.telemetry, ticks);
    expect(polls.size).toBe(100);
    for (const [target, at] of polls) expect({ target, at }).toEqual({ target, at: [0, 30, 60, 90, 120, 150] });
    // Above zero every tick is evaluated (the HPA's sync); at zero only the polls.
    const evaluated = (prefix: string) => b.telemetry.decisions.filter((d) => d.target.startsWith(`a/shop/${prefix}`)).length;
    expect({ above: evaluated('above-'), atZero: evaluated('zero-') }).toEqual({ above: 50 * 12, atZero: 50 * 6 });
    // The row records the tick's start as the poll, and the decision's own time as lastEvaluated.
    const row = (await b.store.load(targetKey(atZero.at(-1)!)))!;
    expect(row.lastPolled).toBe(iso(T0 + 150_000));
    expect(Date.parse(row.lastEvaluated!)).toBeGreaterThan(T0 + 150_000);
  });

  interface ScheduleRow {
    name: string;
    /** Times in seconds from the tick's start; specHash 'same': the target's own. */
    record?: { lastPolled?: number; lastEvaluated?: number; lastReplicas: number; specHash?: string };
    at: number;
    startedAt?: number;
    want: { due: boolean; poll: boolean };
  }
  test.each<ScheduleRow>([
    { name: 'never polled', record: undefined, at: 0, want: { due: true, poll: true } },
    { name: 'at zero, polled 15 s ago (pollingInterval 30)', record: { lastPolled: -15, lastReplicas: 0 }, at: 0, want: { due: false, poll: false } },
    { name: 'at zero, polled 30 s ago', record: { lastPolled: -30, lastReplicas: 0 }, at: 0, want: { due: true, poll: true } },
    { name: 'at zero, polled 29.5 s ago (a timer a little early)', record: { lastPolled: -29.5, lastReplicas: 0 }, at: 0, want: { due: true, poll: true } },
    { name: 'at zero, polled 28.9 s ago', record: { lastPolled: -28.9, lastReplicas: 0 }, at: 0, want: { due: false, poll: false } },
    { name: 'above zero, polled 15 s ago: evaluated, not a poll', record: { lastPolled: -15, lastReplicas: 3 }, at: 0, want: { due: true, poll: false } },
    { name: 'above zero, polled 30 s ago: a poll', record: { lastPolled: -30, lastReplicas: 3 }, at: 0, want: { due: true, poll: true } },
    { name: 'a row without lastPolled counts from lastEvaluated', record: { lastEvaluated: -15, lastReplicas: 0 }, at: 0, want: { due: false, poll: false } },
    { name: 'a poll time ahead of this clock (skew): due', record: { lastPolled: 60, lastReplicas: 0 }, at: 0, want: { due: true, poll: true } },
    { name: 'the spec changed since: due at once', record: { lastPolled: -1, lastReplicas: 0, specHash: '0123456789abcdef' }, at: 0, want: { due: true, poll: true } },
    { name: 'the same spec: not due', record: { lastPolled: -1, lastReplicas: 0, specHash: 'same' }, at: 0, want: { due: false, poll: false } },
    { name: 'polled before this process started: due', record: { lastPolled: -1, lastReplicas: 0 }, at: 0, startedAt: -0.5, want: { due: true, poll: true } },
    { name: 'polled since this process started: not due', record: { lastPolled: -1, lastReplicas: 0 }, at: 0, startedAt: -2, want: { due: false, poll: false } },
  ])('scheduleOf: $name', ({ record, at, startedAt, want }) => {
    const [target] = targetsOf(['w'], { pollingInterval: 30 });
    const stored: StoredRecord | undefined = record && {
      state: {}, etag: 'x', lastReplicas: record.lastReplicas,
      ...(record.lastPolled !== undefined ? { lastPolled: iso(T0 + record.lastPolled * 1000) } : {}),
      ...(record.lastEvaluated !== undefined ? { lastEvaluated: iso(T0 + record.lastEvaluated * 1000) } : {}),
      ...(record.specHash !== undefined ? { specHash: record.specHash === 'same' ? specFingerprint(target!) : record.specHash } : {}),
    };
    expect(scheduleOf(target!, stored, T0 + at * 1000, startedAt === undefined ? undefined : T0 + startedAt * 1000)).toEqual(want);
    expect(scheduleOf(target!, stored, T0 + at * 1000, startedAt === undefined ? undefined : T0 + startedAt * 1000).due).toBe(want.due);
  });
});

describe('only a poll takes a target to zero: the HPA acts in between', () => {
  test('pollingInterval 75 and a cleared queue: 1 until the poll at 75 s, not 0 as soon as the cooldown is over', async () => {
    const [target] = targetsOf(['w'], { pollingInterval: 75, cooldownPeriod: 30, advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } } } });
    const b = bench([target!], { replicas: 0, queueLength: 10 });
    const replicas: number[] = [];
    for (let k = 0; k < 7; k++) {
      await b.tickAt(T0 + k * 15_000);
      if (k === 0) b.queue.length = 0;
      replicas.push(b.kube.replicasOf(workloadOf(target!)));
    }
    expect(replicas).toEqual([2, 1, 1, 1, 1, 0, 0]);
    const decisions = b.telemetry.decisions;
    expect(decisions.map((d) => d.explain.observation.poll)).toEqual([true, false, false, false, false, true]);
    expect(decisions[3]).toMatchObject({ code: 'ScalerCooldown', reason: expect.stringMatching(/cooldown over: to 0 at the next poll/) });
    expect(decisions[5]).toMatchObject({ action: 'deactivate', code: 'ScaleTargetDeactivated' });
    // Each decision replays from its document, poll included.
    for (const d of decisions) expect(replay(JSON.parse(JSON.stringify(d.explain))).replicas).toBe(d.finalReplicas);
  });
});

describe('a new or changed target, and a new process, are polled at once', () => {
  test('a target at zero whose spec changes is polled (and woken) on the next tick; unchanged, it waits for its pollingInterval', async () => {
    const [before] = targetsOf(['w'], { pollingInterval: 300 });
    const b = bench([before!], { replicas: 0, queueLength: 0 });
    await b.tickAt(T0);
    expect((await b.store.load(targetKey(before!)))).toMatchObject({ lastPolled: iso(T0), specHash: specFingerprint(before!) });
    b.queue.length = 12;
    expect((await b.tickAt(T0 + 15_000)).evaluated).toEqual([]);
    // The same target, configured again as it was (a reload that changed something else): not due.
    const [same] = targetsOf(['w'], { pollingInterval: 300 });
    b.deps.targets = [{ target: same!, sources: b.deps.targets[0]!.sources }];
    expect((await b.tickAt(T0 + 30_000)).evaluated).toEqual([]);
    // Its queueLength changed: polled on the next tick.
    const [changed] = targetsOf(['w'], { pollingInterval: 300, triggers: [{ type: 'azure-queue', metadata: { queueName: 'orders', accountName: 'acct', queueLength: '4' } }] });
    expect(specFingerprint(changed!)).not.toBe(specFingerprint(before!));
    b.deps.targets = [{ target: changed!, sources: b.deps.targets[0]!.sources }];
    const tick = await b.tickAt(T0 + 45_000);
    expect(tick.evaluated.map((e) => e.event)).toEqual([expect.objectContaining({ action: 'activate', finalReplicas: 3 })]);
    expect(tick.evaluated[0]!.event!.explain.observation.poll).toBe(true);
    expect((await b.store.load(targetKey(changed!)))).toMatchObject({ lastPolled: iso(T0 + 45_000), specHash: specFingerprint(changed!) });
  });

  test('the first tick of a new process polls every target, whatever the schedule says; its next ticks keep the schedule', async () => {
    const [target] = targetsOf(['w'], { pollingInterval: 300 });
    const first = bench([target!], { replicas: 0, queueLength: 0 });
    await first.tickAt(T0);
    first.queue.length = 12;
    expect((await first.tickAt(T0 + 15_000)).evaluated).toEqual([]);
    // A new process on the same state (a restart): started at T0 + 20 s.
    first.deps.startedAt = T0 + 20_000;
    const tick = await first.tickAt(T0 + 30_000);
    expect(tick.evaluated.map((e) => e.event?.action)).toEqual(['activate']);
    first.queue.length = 0;
    first.kube.scaleAs(workloadOf(target!), 0, 'kubectl');
    await first.store.save(targetKey(target!), { ...(await first.store.load(targetKey(target!)))!, lastReplicas: 0 }, (await first.store.load(targetKey(target!)))!.etag);
    expect((await first.tickAt(T0 + 45_000)).evaluated).toEqual([]);
  });

  test('a row written before fingerprints (or by the wake path) counts as unchanged', async () => {
    const [target] = targetsOf(['w'], { pollingInterval: 300 });
    const b = bench([target!], { replicas: 0, queueLength: 12 });
    await b.store.save(targetKey(target!), { state: {}, lastEvaluated: iso(T0 - 5_000), lastReplicas: 0 }, undefined);
    expect((await b.tickAt(T0)).evaluated).toEqual([]);
  });

  test('`run`\'s reload (only): the targets named are evaluated as polls', async () => {
    const [target] = targetsOf(['w'], { pollingInterval: 300 });
    const b = bench([target!], { replicas: 0, queueLength: 0 });
    await b.tickAt(T0);
    b.queue.length = 12;
    b.clock.now = T0 + 5_000;
    const tick = await evaluateAll(b.deps, { only: new Set([targetKey(target!)]) });
    expect(tick.evaluated.map((e) => [e.event?.explain.observation.poll, e.event?.action])).toEqual([[true, 'activate']]);
  });
});

describe('explain replays the poll', () => {
  const document = (poll?: unknown) => ({
    now: iso(T0),
    spec: { scaleTargetRef: { name: 'w' }, triggers: [{ type: 'azure-queue', metadata: { queueName: 'orders', accountName: 'acct' } }] },
    observation: { specReplicas: 3, triggers: [{ value: 0 }], ...(poll === undefined ? {} : { poll }) },
    state: { lastActiveTime: iso(T0 - 3_600_000), createdTime: iso(T0 - 86_400_000) },
  });
  test.each([
    { poll: false, want: { replicas: 3, code: 'ScalerCooldown' } },
    { poll: true, want: { replicas: 0, code: 'ScaleTargetDeactivated' } },
    { poll: undefined, want: { replicas: 0, code: 'ScaleTargetDeactivated' } },
  ])('poll $poll', ({ poll, want }) => {
    const decision = replay(document(poll));
    expect({ replicas: decision.replicas, code: decision.code }).toEqual(want);
  });
  test('a poll that is not true or false is refused, naming the field', () => {
    expect(() => replay(document('yes'))).toThrow(/observation\.poll.*must be true or false/);
  });
});
