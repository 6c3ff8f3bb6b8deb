// Properties of decide() over arbitrary valid specs, observations and states (fast-check):
// the answer stays in range, errors never lower replicas, a deeper or older queue never lowers
// them, the same input gives the same output without touching the input, and the state stays
// bounded over a long run.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { decide } from '../../shared/engine/decide.js';
import { historyHorizonSeconds, longestPolicyPeriod } from '../../shared/engine/events.js';
import { LEGACY_DOWNSCALE_WINDOW_SECONDS } from '../../shared/engine/normalize.js';
import { FORCE_ACTIVATION, PAUSED, PAUSED_REPLICAS, PAUSED_SCALE_IN, PAUSED_SCALE_OUT } from '../../shared/engine/keda-annotations.js';
import { readPause } from '../../shared/engine/pause.js';
import type {
  Fallback,
  Observation,
  ScaleEvent,
  ScalerState,
  ScalingSpec,
  TriggerResult,
  TriggerThresholds,
} from '../../shared/engine/index.js';
import { rulesArb } from './arbitraries.js';
import { ago, deepFreeze, NOW } from './fixtures.js';

const RUNS = 400;

// ---- arbitraries: valid specs, as the configuration validation lets them through ----------------

const fallbackArb: fc.Arbitrary<Fallback> = fc.record({
  failureThreshold: fc.integer({ min: 0, max: 5 }),
  replicas: fc.integer({ min: 0, max: 60 }),
  behavior: fc.constantFrom('static' as const, 'currentReplicas' as const, 'currentReplicasIfHigher' as const, 'currentReplicasIfLower' as const),
});

const rarely = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary: arb, weight: 1 });

/** An age target (azure-queue's messageAgeTarget / activationMessageAge), in seconds. */
const ageArb = fc.record({ targetValue: fc.integer({ min: 1, max: 600 }), activationTargetValue: fc.integer({ min: 0, max: 600 }) });

const triggerArb = (age: fc.Arbitrary<TriggerThresholds['age']>): fc.Arbitrary<TriggerThresholds> =>
  fc.record({
    targetValue: fc.integer({ min: 1, max: 100 }),
    activationTargetValue: fc.integer({ min: 0, max: 50 }),
    age,
  });

/** `ages`: how often a trigger has an age target (rarely by default). */
function specArb(options: { fallback: boolean; paused: boolean; ages?: 'rarely' | 'often' }): fc.Arbitrary<ScalingSpec> {
  const age = options.ages === 'often' ? fc.option(ageArb, { nil: undefined }) : rarely(ageArb);
  return fc.integer({ min: 0, max: 10 }).chain((min) =>
    fc.record({
      minReplicaCount: fc.constant(min),
      maxReplicaCount: fc.integer({ min: Math.max(min, 1), max: 40 }), // min <= max
      idleReplicaCount: min > 0 ? fc.option(fc.integer({ min: 0, max: min - 1 }), { nil: undefined }) : fc.constant(undefined), // idle < min
      cooldownPeriod: fc.integer({ min: 0, max: 600 }),
      initialCooldownPeriod: fc.integer({ min: 0, max: 600 }),
      behavior: fc.option(fc.record({ scaleUp: rulesArb(), scaleDown: rulesArb() }), { nil: undefined }),
      fallback: options.fallback ? fc.option(fallbackArb, { nil: undefined }) : fc.constant(undefined),
      paused: options.paused ? rarely(fc.constant(true)) : fc.constant(undefined),
      triggers: fc.array(triggerArb(age), { minLength: 1, maxLength: 3 }),
    }),
  );
}

const errorArb: fc.Arbitrary<TriggerResult> = fc.oneof(
  fc.constant({ error: 'queue unreachable' }),
  fc.constantFrom(-1, -0.5, NaN, Infinity, -Infinity).map((v) => ({ value: v })),
);

const resultArb: fc.Arbitrary<TriggerResult> = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 2000 }).map((v) => ({ value: v })), weight: 6 },
  { arbitrary: fc.constant({ value: 0 }), weight: 2 },
  { arbitrary: fc.double({ min: 0, max: 500, noNaN: true }).map((v) => ({ value: v })), weight: 1 },
  { arbitrary: errorArb, weight: 2 },
);

/** An age in seconds: none waiting, a few seconds, well past any target. */
const ageReadingArb = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 120 }), fc.integer({ min: 0, max: 7 * 86_400 }));

/** A trigger's result: with an age when the trigger has an age target (an age missing there is an error, as checkedResult says). */
const resultFor = (t: TriggerThresholds): fc.Arbitrary<TriggerResult> =>
  t.age === undefined ? resultArb : fc.tuple(resultArb, ageReadingArb).map(([r, age]) => ('value' in r ? { ...r, age } : r));

const resultsFor = (s: ScalingSpec): fc.Arbitrary<TriggerResult[]> => fc.tuple(...s.triggers.map(resultFor));

const annotationKeys = [PAUSED, PAUSED_REPLICAS, PAUSED_SCALE_IN, PAUSED_SCALE_OUT, FORCE_ACTIVATION];
const annotationsArb = (keys: string[]) =>
  rarely(fc.dictionary(fc.constantFrom(...keys), fc.constantFrom('true', 'false', '0', '1', 'abc', '3', '0', ''), { maxKeys: 2 }));

const isoAgoArb = fc.integer({ min: -30, max: 4000 }).map(ago);
const eventArb: fc.Arbitrary<ScaleEvent> = fc.record({
  change: fc.integer({ min: 0, max: 20 }),
  timestamp: isoAgoArb,
  outdated: fc.boolean(),
});

const stateArb: fc.Arbitrary<ScalerState> = fc.record(
  {
    recommendations: fc.array(fc.record({ replicas: fc.integer({ min: 0, max: 60 }), timestamp: isoAgoArb }), { maxLength: 8 }),
    scaleUpEvents: fc.array(eventArb, { maxLength: 5 }),
    scaleDownEvents: fc.array(eventArb, { maxLength: 5 }),
    lastActiveTime: fc.option(isoAgoArb, { nil: null }),
    createdTime: fc.option(isoAgoArb, { nil: null }),
    triggerFailures: fc.array(fc.integer({ min: 0, max: 8 }), { maxLength: 3 }),
    scaledToZero: fc.boolean(),
  },
  { requiredKeys: [] },
);

interface Input {
  spec: ScalingSpec;
  observation: Observation;
  state: ScalerState;
}

function inputArb(options: {
  fallback?: boolean;
  paused?: boolean;
  annotationKeys?: string[];
  results?: (spec: ScalingSpec) => fc.Arbitrary<TriggerResult[]>;
  ages?: 'rarely' | 'often';
}): fc.Arbitrary<Input> {
  const results = options.results ?? resultsFor;
  return specArb({ fallback: options.fallback ?? true, paused: options.paused ?? true, ages: options.ages }).chain((spec) =>
    fc.record({
      spec: fc.constant(spec),
      observation: fc.record({
        // current within [0, max]; counts out of range have their own table rows
        specReplicas: fc.integer({ min: 0, max: spec.maxReplicaCount }),
        statusReplicas: fc.option(fc.integer({ min: 0, max: spec.maxReplicaCount + 5 }), { nil: undefined }),
        annotations: annotationsArb(options.annotationKeys ?? annotationKeys),
        triggers: results(spec),
      }),
      state: stateArb,
    }),
  );
}

const decideInput = (i: Input, now = NOW) => decide(i.spec, i.observation, i.state, now);

// ---- properties -------------------------------------------------------------------------------

describe('decide() properties', () => {
  test('the answer is a whole number within [0, max], and never moves below min unless idle or zero is allowed', () => {
    fc.assert(
      fc.property(inputArb({}), (input) => {
        const { spec, observation } = input;
        const current = observation.specReplicas;
        const d = decideInput(input);
        expect(Number.isInteger(d.replicas)).toBe(true);

        const pause = readPause(spec.paused ?? false, observation.annotations);
        if (pause.paused) {
          // a paused target is left alone, or set to paused-replicas
          expect(d.replicas).toBe(pause.replicas ?? current);
          return;
        }
        expect(d.replicas).toBeGreaterThanOrEqual(0);
        expect(d.replicas).toBeLessThanOrEqual(spec.maxReplicaCount);
        if (d.replicas < spec.minReplicaCount && d.replicas !== current) {
          // only on the way down to idle: never below idle, never upwards into [0, min)
          expect(spec.idleReplicaCount).toBeDefined();
          expect(d.replicas).toBeGreaterThanOrEqual(spec.idleReplicaCount ?? 0);
          expect(d.replicas).toBeLessThan(current);
        }
      }),
      { numRuns: RUNS },
    );
  });

  test('a failing trigger with none active never gives fewer replicas than current (no fallback)', () => {
    // each trigger fails, or reads at most its activation threshold; at least one fails
    const results = (s: ScalingSpec) =>
      fc
        .tuple(
          fc.nat({ max: s.triggers.length - 1 }),
          fc.array(fc.oneof(errorArb, fc.double({ min: 0, max: 1, noNaN: true })), { minLength: s.triggers.length, maxLength: s.triggers.length }),
        )
        .map(([failing, picks]) =>
          picks.map((p, i): TriggerResult => {
            if (i === failing) return { error: 'queue unreachable' };
            return typeof p === 'number' ? { value: Math.floor(p * s.triggers[i]!.activationTargetValue) } : p;
          }),
        );
    fc.assert(
      fc.property(inputArb({ fallback: false, annotationKeys: [PAUSED, PAUSED_SCALE_IN, PAUSED_SCALE_OUT], results }), (input) => {
        const d = decideInput(input);
        expect(d.active).toBe(false);
        expect(d.replicas).toBeGreaterThanOrEqual(input.observation.specReplicas);
      }),
      { numRuns: RUNS },
    );
  });

  test('a failing trigger never gives fewer replicas than current, even beside an active one (no fallback)', () => {
    const results = (s: ScalingSpec) =>
      fc
        .tuple(fc.nat({ max: s.triggers.length - 1 }), fc.array(resultArb, { minLength: s.triggers.length, maxLength: s.triggers.length }))
        .map(([failing, rs]) => rs.map((r, i): TriggerResult => (i === failing ? { error: 'queue unreachable' } : r)));
    const keys = [PAUSED, PAUSED_SCALE_IN, PAUSED_SCALE_OUT, FORCE_ACTIVATION];
    fc.assert(
      fc.property(inputArb({ fallback: false, annotationKeys: keys, results }), (input) => {
        expect(decideInput(input).replicas).toBeGreaterThanOrEqual(input.observation.specReplicas);
      }),
      { numRuns: RUNS },
    );
  });

  test('the same input always gives the same output, and the input is never mutated', () => {
    fc.assert(
      fc.property(inputArb({}), fc.integer({ min: -1_000_000, max: 1_000_000 }), (input, offsetMs) => {
        const now = NOW + offsetMs;
        const copy = structuredClone(input);
        const frozen = deepFreeze(structuredClone(input));
        const first = decideInput(frozen, now); // a mutation of a frozen input throws
        const second = decideInput(copy, now);
        expect(second).toEqual(first);
        expect(copy).toEqual(input); // and the unfrozen copy is untouched
        // the next state is plain JSON
        expect(JSON.parse(JSON.stringify(first.state))).toEqual(first.state);
      }),
      { numRuns: RUNS },
    );
  });

  test('a deeper or older queue never yields fewer replicas', () => {
    // The same target, state and time; one trigger reads more messages, or an older oldest
    // message, or both. The workload's counts agree (spec = status = ready): where they do not,
    // the HPA's own Value math is not monotone (ceil(ratio x ready pods) against spec.replicas
    // within the tolerance), for a queue length with metricType Value as for an age.
    const raised = fc
      .tuple(inputArb({ ages: 'often' }), fc.nat(), fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2000 })), fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3600 })))
      .map(([input, pick, more, older]) => {
        const i = pick % input.spec.triggers.length;
        const observation = { ...input.observation, statusReplicas: input.observation.specReplicas, readyReplicas: input.observation.specReplicas };
        const base = observation.triggers[i]!;
        // Only a reading the engine can use is raised: -1 + 1 would turn an error into a reading.
        const usable = !('error' in base) && Number.isFinite(base.value) && base.value >= 0;
        const bumped = usable ? { value: base.value + more, ...(base.age !== undefined ? { age: base.age + older } : {}) } : base;
        return { input: { ...input, observation }, bumped: { ...input, observation: { ...observation, triggers: observation.triggers.map((r, j) => (j === i ? bumped : r)) } } };
      });
    let grew = 0;
    fc.assert(
      fc.property(raised, ({ input, bumped }) => {
        const before = decideInput(input).replicas;
        const after = decideInput(bumped).replicas;
        expect(after).toBeGreaterThanOrEqual(before);
        if (after > before) grew++;
      }),
      { numRuns: RUNS * 2 },
    );
    expect(grew).toBeGreaterThan(RUNS / 20); // the bumps did move some decisions
  });

  test('a decision replayed from its JSON inputs is the same decision (cli explain)', () => {
    fc.assert(
      fc.property(inputArb({}), (input) => {
        const finite = input.observation.triggers.every((r) => !('value' in r) || Number.isFinite(r.value));
        fc.pre(finite); // JSON has no NaN or Infinity
        const replayed = JSON.parse(JSON.stringify(input)) as Input;
        expect(decideInput(replayed)).toEqual(decideInput(input));
      }),
      { numRuns: RUNS },
    );
  });
});

// ---- a long run ---------------------------------------------------------------------------------

/** mulberry32: a tiny seeded generator, so a failing run can be replayed from fast-check's seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('state stays bounded', () => {
  const STEPS = 2000;
  const TICK_S = 15;

  test(`over ${STEPS} evaluations ${TICK_S} s apart with random readings`, () => {
    let runsThatScaledBothWays = 0;
    let runsWithFullEventHistory = 0;
    fc.assert(
      fc.property(specArb({ fallback: true, paused: false }), fc.integer(), (spec, seed) => {
        const random = mulberry32(seed);
        const horizon = historyHorizonSeconds(spec.behavior, LEGACY_DOWNSCALE_WINDOW_SECONDS);
        // one entry per tick inside the window, both ends included, plus the seed of the first tick
        const maxRecommendations = Math.floor(horizon.recommendations / TICK_S) + 2;
        const longest = spec.behavior
          ? { up: longestPolicyPeriod(spec.behavior.scaleUp), down: longestPolicyPeriod(spec.behavior.scaleDown) }
          : { up: 0, down: 0 };
        const maxEvents = Math.floor(Math.max(longest.up, longest.down) / TICK_S) + 1;

        let current = Math.floor(random() * (spec.maxReplicaCount + 1));
        let state: ScalerState = {};
        let level = 0; // a queue that drifts, with bursts and drains
        let longestRecommendations = 0;
        let longestEvents = 0;
        let ups = 0;
        let downs = 0;
        for (let i = 0; i < STEPS; i++) {
          const r = random();
          if (r < 0.02) level = 0;
          else if (r < 0.04) level = Math.floor(random() * 2000);
          else level = Math.max(0, level + Math.round((random() - 0.5) * 40));
          const triggers = spec.triggers.map((): TriggerResult => (random() < 0.03 ? { error: 'timeout' } : { value: level }));
          const d = decide(spec, { specReplicas: current, triggers }, state, NOW + i * TICK_S * 1000);
          if (d.replicas > current) ups++;
          if (d.replicas < current) downs++;
          current = d.replicas;
          state = d.state;
          longestRecommendations = Math.max(longestRecommendations, state.recommendations?.length ?? 0);
          longestEvents = Math.max(longestEvents, state.scaleUpEvents?.length ?? 0, state.scaleDownEvents?.length ?? 0);
          if ((state.recommendations?.length ?? 0) > maxRecommendations) {
            throw new Error(`step ${i}: ${state.recommendations?.length} recommendations > ${maxRecommendations}`);
          }
          if ((state.scaleUpEvents?.length ?? 0) > maxEvents || (state.scaleDownEvents?.length ?? 0) > maxEvents) {
            throw new Error(`step ${i}: ${state.scaleUpEvents?.length}/${state.scaleDownEvents?.length} events > ${maxEvents}`);
          }
          if (state.triggerFailures?.length !== spec.triggers.length) throw new Error(`step ${i}: triggerFailures ${String(state.triggerFailures)}`);
          if (current > spec.maxReplicaCount) throw new Error(`step ${i}: ${current} replicas > max ${spec.maxReplicaCount}`);
        }
        if (!spec.behavior) expect(state.scaleUpEvents ?? []).toEqual([]);
        expect(longestRecommendations).toBeGreaterThan(0);
        if (ups > 0 && downs > 0) runsThatScaledBothWays++;
        if (longestEvents > 1) runsWithFullEventHistory++;
      }),
      { numRuns: 30 },
    );
    // the bounds were tested on runs that really moved, and really kept several events
    expect(runsThatScaledBothWays).toBeGreaterThan(5);
    expect(runsWithFullEventHistory).toBeGreaterThan(0);
  }, 120_000);
});
