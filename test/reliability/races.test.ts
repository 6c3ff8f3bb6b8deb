// The evaluation and the wake path hammering one target from two instances that share the state
// table, on one moving clock, against the real kube-apiserver and Azurite: over a thousand
// interleaved operations, with quiet spells long enough for the cooldown to run out (so the
// target does go to zero) and bursts of wakes around them.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, test } from 'vitest';
import { evaluateAll, type TickResult, targetKey, replay, createEvaluationLoop, createWaker, wakeQueuesOf, type HandledMessage, createRuntime, type Runtime } from '../../shared/runtime/index.js';
import type { Kube } from '../../shared/kube/index.js';
import { useLocalServices } from '../support/vitest/local-services.js';
import { controlPlaneEnabled } from '../support/vitest/provided.js';
import { createQueue, queueTarget, recordingTelemetry, replicasOf, scalerSettings, T0 } from '../e2e/scaler.js';
import { recordCount } from './figures.js';

/** Operations (wakes and evaluations) to run in the mixed phase; clock moves are not counted. */
const OPERATIONS = 1_000;
/** Then rounds of one wake and one evaluation racing at the end of the cooldown. */
const BOUNDARY_ROUNDS = 80;
/** Operations in flight at once, across both instances. */
const IN_FLIGHT = 6;
const COOLDOWN_S = 30;
/** A checkpoint (nothing in flight, invariants checked) every this many operations. */
const CHECKPOINT_EVERY = 150;

/** A small seeded PRNG (mulberry32), so that a failing run can be replayed with its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Events in the order they happened (one JS thread: a counter orders them). */
interface Recorder {
  seq: number;
  /** Per resourceVersion, the first event number at which a read returned it. */
  firstReadOf: Map<string, number>;
  /** Every scale write that succeeded: who, replicas, the clock, the read it was based on and the version it replaced. */
  writes: { by: string; replicas: number; clock: number; readSeq: number; fromVersion: string; doneAt: number }[];
  /** Per resourceVersion a write produced: the replicas it set and when. */
  producedBy: Map<string, { replicas: number; clock: number }>;
}

/** The Kube port with its reads and writes recorded. */
function recordingKube(kube: Kube, by: string, recorder: Recorder, clock: { now: number }): Kube {
  return {
    async readScale(ref) {
      const reading = await kube.readScale(ref);
      const seq = ++recorder.seq;
      if (!recorder.firstReadOf.has(reading.resourceVersion)) recorder.firstReadOf.set(reading.resourceVersion, seq);
      return reading;
    },
    async writeScale(ref, replicas, resourceVersion) {
      const readSeq = recorder.firstReadOf.get(resourceVersion) ?? 0;
      const at = clock.now;
      const version = await kube.writeScale(ref, replicas, resourceVersion);
      ++recorder.seq;
      recorder.writes.push({ by, replicas, clock: at, readSeq, fromVersion: resourceVersion, doneAt: performance.now() });
      recorder.producedBy.set(version, { replicas, clock: at });
      return version;
    },
    recordEvent: (...args) => kube.recordEvent(...args),
  };
}

describe.runIf(controlPlaneEnabled)('races: evaluation and wake on one target', () => {
  const services = useLocalServices();

  test(`${OPERATIONS + 2 * BOUNDARY_ROUNDS} interleaved wakes and evaluations from two instances: no lost write, no scale to zero inside the cooldown, state agrees with the last decision`, async () => {
    const seed = Number(process.env.RACE_SEED ?? Date.now() % 1_000_000);
    const rnd = random(seed);
    const w = await services.workloads({ replicas: 0, prefix: 'rel' });
    const work = await createQueue(services.azurite);
    const wakeQueue = await createQueue(services.azurite);
    const table = `race${Date.now()}`;
    const clock = { now: T0 };
    /** Running means: a tick's state query, and a wake from its start to its scale write. */
    let loadAllMs = 10;
    let wakeWriteMs = 30;
    const recorder: Recorder = { seq: 0, firstReadOf: new Map(), writes: [], producedBy: new Map() };
    const target = queueTarget(w.namespace, w.deployment, work.name, {
      cooldownPeriod: COOLDOWN_S,
      pollingInterval: 1,
      wake: { queueName: wakeQueue.name },
      advanced: { horizontalPodAutoscalerConfig: { behavior: {} } },
    });
    const instances = (['a', 'b'] as const).map((by) => {
      const telemetry = recordingTelemetry();
      const runtime: Runtime = createRuntime(scalerSettings({ azurite: services.azurite, controlPlane: services.controlPlane, targets: [target], table }), { telemetry, now: () => clock.now });
      runtime.kube = recordingKube(runtime.kube, by, recorder, clock);
      // How long a tick's state query takes, to aim the boundary rounds (below).
      const store = runtime.store;
      const loadAll = store.loadAll.bind(store);
      store.loadAll = async () => {
        const started = performance.now();
        const rows = await loadAll();
        loadAllMs = 0.8 * loadAllMs + 0.2 * (performance.now() - started);
        return rows;
      };
      return { by, runtime, telemetry, waker: createWaker(runtime), loop: createEvaluationLoop(runtime) };
    });
    const key = targetKey(instances[0]!.runtime.targets[0]!.target);
    const [queue] = wakeQueuesOf(instances[0]!.runtime.config.targets);

    /** Wakes that recorded activity: the clock when they started (<= the activity they recorded) and when they ended. */
    const wakes: { clock: number; doneSeq: number }[] = [];
    const ticks: TickResult[] = [];
    const counts = { wake: 0, evaluate: 0, skippedTicks: 0, wakeFailures: 0, evaluationErrors: [] as string[] };
    const violations: string[] = [];

    /**
     * Per instance, the clock when the wake now in flight started: a message arriving meanwhile
     * joins that wake (one wake per target at a time), whose activity is recorded at its own time.
     */
    const wakeInFlight = new Map<string, { clock: number; ops: number }>();

    let lastWakeLaunched = T0;
    let racedPairs = 0;
    async function wakeOnce(i: (typeof instances)[number]): Promise<void> {
      lastWakeLaunched = clock.now;
      const joined = wakeInFlight.get(i.by);
      const started = joined?.clock ?? clock.now;
      wakeInFlight.set(i.by, { clock: started, ops: (joined?.ops ?? 0) + 1 });
      counts.wake++;
      let handled: HandledMessage;
      try {
        handled = await i.waker.handle(queue!, '{}');
      } catch (e) {
        counts.wakeFailures++;
        // Only a race lost twice in a row may fail a signal (the host retries it); nothing else.
        expect(String(e)).toMatch(/conflict|changed since it was read/);
        return;
      } finally {
        const current = wakeInFlight.get(i.by)!;
        if (current.ops === 1) wakeInFlight.delete(i.by);
        else current.ops--;
      }
      for (const o of handled.outcomes) if (o.result === 'woken' || o.result === 'awake') wakes.push({ clock: started, doneSeq: ++recorder.seq });
    }

    /** A tick of the instance's loop, as its timer runs it: one at a time per instance (a tick due meanwhile is skipped). */
    const evaluating = new Set<string>();
    async function evaluateOnce(i: (typeof instances)[number]): Promise<void> {
      evaluating.add(i.by);
      const result = await i.loop.tick().finally(() => evaluating.delete(i.by));
      if (!result) {
        counts.skippedTicks++;
        return;
      }
      counts.evaluate++;
      ticks.push(result);
      for (const e of result.evaluated) {
        if (!e.error) continue;
        counts.evaluationErrors.push(e.error);
        // A scale change that reached the cluster is always recorded (merged into the other writer's row).
        expect(e.event?.applied ?? false, e.error).toBe(false);
      }
    }

    /** Quiet spells: from time to time no message arrives for longer than the cooldown. */
    const quiet = (now: number): boolean => Math.floor((now - T0) / 1000 / (COOLDOWN_S * 1.5)) % 3 === 2;

    async function checkpoint(): Promise<void> {
      const record = await instances[0]!.runtime.store.load(key);
      const replicas = await replicasOf(services.admin, w.namespace, w.deployment);
      // No lost write: the state knows the count the cluster has, and every recorded activity.
      expect({ lastReplicas: record?.lastReplicas, replicas }).toEqual({ lastReplicas: replicas, replicas });
      const latestWake = Math.max(T0, ...wakes.map((x) => x.clock));
      expect(Date.parse(record?.state.lastActiveTime ?? '1970-01-01T00:00:00Z')).toBeGreaterThanOrEqual(latestWake);
    }

    // The timeline: the clock moves on in small steps; each instance's timer fires every few
    // seconds (skipped while its previous tick runs), and messages arrive at random, often in
    // busy spells and rarely in quiet ones.
    const inFlight = new Set<Promise<void>>();
    const ran = (): number => counts.wake + counts.evaluate;
    const nextTick = new Map(instances.map((i) => [i.by, clock.now]));
    let sinceCheckpoint = 0;
    const launch = (op: Promise<void>): void => {
      const tracked: Promise<void> = op.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      sinceCheckpoint++;
    };
    while (ran() < OPERATIONS) {
      if (inFlight.size >= IN_FLIGHT || ran() + inFlight.size >= OPERATIONS) {
        await Promise.race(inFlight);
        continue;
      }
      clock.now += Math.floor(rnd() * (quiet(clock.now) ? 3_000 : 800));
      let launched = false;
      for (const i of instances) {
        if (clock.now < nextTick.get(i.by)! || evaluating.has(i.by) || inFlight.size >= IN_FLIGHT) continue;
        nextTick.set(i.by, clock.now + 2_000 + Math.floor(rnd() * 3_000));
        launched = true;
        // The race that matters: a message arriving just as an evaluation finds the cooldown over
        // and scales to zero. Half of those evaluations start a few milliseconds after a wake on
        // the other instance, so that the wake's writes land while the evaluation loads, reads
        // and decides.
        if (clock.now > lastWakeLaunched + COOLDOWN_S * 1000 && rnd() < 0.5 && inFlight.size < IN_FLIGHT - 1) {
          const other = instances.find((x) => x !== i)!;
          const delayMs = Math.floor(rnd() * 60);
          launch(wakeOnce(other));
          evaluating.add(i.by);
          launch(sleep(delayMs).then(() => evaluateOnce(i)));
          racedPairs++;
        } else {
          launch(evaluateOnce(i));
        }
      }
      while (inFlight.size < IN_FLIGHT && rnd() < (quiet(clock.now) ? 0.005 : 0.45)) {
        launch(wakeOnce(instances[rnd() < 0.5 ? 0 : 1]!));
        launched = true;
      }
      // The clock never runs far ahead of the work.
      if (!launched && inFlight.size > 0) await Promise.race(inFlight);
      if (sinceCheckpoint >= CHECKPOINT_EVERY) {
        await Promise.all(inFlight);
        await checkpoint();
        sinceCheckpoint = 0;
      }
    }
    await Promise.all(inFlight);

    // Boundary rounds: the moment the race is about. The target at 0 with its cooldown over, due;
    // a message wakes it on one instance while the other instance's tick, a few milliseconds
    // later, loads the state row (before the wake's activity), reads the woken scale and decides.
    let rounds = 0;
    for (let r = 0; r < BOUNDARY_ROUNDS; r++) {
      clock.now += (COOLDOWN_S + 1) * 1000;
      if ((await replicasOf(services.admin, w.namespace, w.deployment)) > 0) await evaluateOnce(instances[0]!);
      clock.now += 1_000; // due again (pollingInterval 1 s at zero)
      const [waker, evaluator] = r % 2 === 0 ? [instances[0]!, instances[1]!] : [instances[1]!, instances[0]!];
      // Aimed so that the wake's scale write lands between the tick's state query and its scale read.
      const offsetMs = Math.max(0, wakeWriteMs - loadAllMs + (rnd() - 0.5) * 16);
      const started = performance.now();
      const writesBefore = recorder.writes.length;
      await Promise.all([wakeOnce(waker), sleep(offsetMs).then(() => evaluateOnce(evaluator))]);
      const woke = recorder.writes.slice(writesBefore).find((x) => x.by === waker.by && x.replicas > 0);
      if (woke) wakeWriteMs = 0.7 * wakeWriteMs + 0.3 * (woke.doneAt - started);
      rounds++;
    }

    // No scale to zero inside the cooldown after a wake: a write to 0 based on a read made after
    // a wake had recorded its activity must come at least cooldownPeriod after that activity.
    for (const write of recorder.writes.filter((x) => x.replicas === 0)) {
      for (const wake of wakes) {
        if (wake.doneSeq < write.readSeq && write.clock < wake.clock + COOLDOWN_S * 1000) {
          violations.push(`${write.by} wrote 0 at +${(write.clock - T0) / 1000} s, ${(write.clock - wake.clock) / 1000} s after a wake`);
        }
      }
      // ... and a write to 0 made over the very scale a wake wrote (the queue stays empty, so
      // only the wake path scales up here): that wake recorded its activity before its write.
      const over = recorder.producedBy.get(write.fromVersion);
      if (over && over.replicas > 0 && write.clock < over.clock + COOLDOWN_S * 1000) {
        violations.push(`${write.by} wrote 0 at +${(write.clock - T0) / 1000} s over a wake's scale written ${(write.clock - over.clock) / 1000} s before`);
      }
    }
    expect(violations).toEqual([]);
    await checkpoint();

    // The final state is the last decision's: one more evaluation, alone, changes nothing and replays.
    clock.now += 1_000;
    const final = await evaluateAll(instances[0]!.runtime);
    const decision = final.evaluated[0]!.event!;
    const record = (await instances[0]!.runtime.store.load(key))!;
    const replicas = await replicasOf(services.admin, w.namespace, w.deployment);
    expect({ final: decision.finalReplicas, recorded: record.lastReplicas }).toEqual({ final: replicas, recorded: replicas });
    const again = replay(JSON.parse(JSON.stringify(decision.explain)));
    expect(again.replicas).toBe(decision.finalReplicas);

    // The run did what it was meant to: the target went to 0 and was woken, many times.
    const toZero = recorder.writes.filter((x) => x.replicas === 0).length;
    const woken = recorder.writes.filter((x) => x.replicas > 0).length;
    expect(toZero, `seed ${seed}`).toBeGreaterThanOrEqual(3);
    expect(woken, `seed ${seed}`).toBeGreaterThanOrEqual(3);
    // Conflicts are retried: an evaluation fails only when it lost the race on the row 5 times, or the scale twice.
    for (const error of counts.evaluationErrors) expect(error).toMatch(/conflict|changed since it was read/);
    expect(counts.evaluationErrors.length + counts.wakeFailures).toBeLessThan(OPERATIONS / 20);
    const operations = ran();
    expect(operations).toBeGreaterThanOrEqual(OPERATIONS + 2 * BOUNDARY_ROUNDS);
    expect(rounds).toBe(BOUNDARY_ROUNDS);
    recordCount('race-operations', 'wake and evaluation on one target, two instances, real apiserver and table', operations,
      `seed ${seed}: ${counts.wake} wakes, ${counts.evaluate} evaluations (${counts.skippedTicks} ticks skipped while one ran), ${racedPairs} wakes sent at an evaluation that found the cooldown over and ${BOUNDARY_ROUNDS} rounds of a wake racing a tick at zero, `
      + `${woken} wake-ups and ${toZero} scale-downs to 0 written, ${counts.evaluationErrors.length + counts.wakeFailures} operations failed on conflicts`);
  }, 240_000);
});
