// Never slower than KEDA + HPA from zero. KEDA's poll scales an active target from 0 to
// max(minReplicaCount, 1), which is not one of the HPA's scale events; the HPA then steps on its
// own syncs with its rate limits counted from there. decide() wakes in one write to what the
// HPA's first step would give, so at every tick of a scale-up it is at least where KEDA + HPA is.
// The reference below replays that sequence on the same 15 s ticks. Its HPA step is the engine's
// normalizeDesiredReplicas, checked against upstream's own vectors in normalize/rate-limit tests:
// what is modelled here is the order of things (who acts when, which change is an HPA event).
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { decide } from '../../shared/engine/decide.js';
import { recordScaleChange } from '../../shared/engine/events.js';
import { isWithinTolerance, replicasForAverageValue } from '../../shared/engine/metric.js';
import { normalizeDesiredReplicas } from '../../shared/engine/normalize.js';
import { tolerancesOf } from '../../shared/engine/readings.js';
import type { Recommendation, ScalerState, ScalingSpec } from '../../shared/engine/index.js';
import { rulesArb } from './arbitraries.js';
import { NOW } from './fixtures.js';

const TICK_S = 15;

interface Scenario {
  spec: ScalingSpec;
  /** Evaluations at zero with an empty queue before the messages arrive (the target's history). */
  idleTicks: number;
  /** Queue depth at each tick from the first message on; never decreasing (a scale-up). */
  depths: number[];
  /** KEDA's pollingInterval, a multiple of the tick; tick 0 is a poll. */
  pollingInterval: number;
  /** The HPA's first sync after KEDA's 0 -> floor: the same tick (just after it) or the next. */
  hpaFirstSync: 0 | 1;
}

const at = (tick: number): number => NOW + tick * TICK_S * 1000;
const iso = (ms: number): string => new Date(ms).toISOString();
const floorOf = (spec: ScalingSpec): number => Math.max(spec.minReplicaCount, 1);

/** KEDA + HPA on the same ticks, from the first message on. */
function kedaPlusHpa({ spec, idleTicks, depths, hpaFirstSync }: Scenario): number[] {
  const [trigger] = spec.triggers;
  // recordInitialRecommendation: the HPA's first sync, at zero, seeds its history with 0.
  let recommendations: Recommendation[] = [{ replicas: 0, timestamp: iso(at(-idleTicks)) }];
  let events: ScalerState = {};
  let replicas = floorOf(spec); // KEDA's scaleFromZeroOrIdle at tick 0
  return depths.map((depth, tick) => {
    if (tick < hpaFirstSync) return replicas;
    const now = at(tick);
    const normalized = normalizeDesiredReplicas({
      proposal: replicasForAverageValue(depth, trigger!.targetValue, replicas, tolerancesOf(spec)),
      current: replicas,
      min: floorOf(spec),
      max: spec.maxReplicaCount,
      behavior: spec.behavior,
      recommendations,
      upEvents: events.scaleUpEvents ?? [],
      downEvents: events.scaleDownEvents ?? [],
      now,
    });
    recommendations = normalized.recommendations;
    events = recordScaleChange(spec.behavior, events, replicas, normalized.replicas, now);
    replicas = normalized.replicas;
    return replicas;
  });
}

/** This scaler: decide() on every tick, KEDA's poll every pollingInterval, the state carried over. */
function thisScaler({ spec, idleTicks, depths, pollingInterval }: Scenario): number[] {
  let state: ScalerState = {};
  let replicas = 0;
  const run = (tick: number, depth: number): number => {
    const poll = (((tick * TICK_S) % pollingInterval) + pollingInterval) % pollingInterval === 0;
    const decision = decide(spec, { specReplicas: replicas, statusReplicas: replicas, annotations: {}, triggers: [{ value: depth }], poll }, state, at(tick));
    state = decision.state;
    replicas = decision.replicas;
    return replicas;
  };
  for (let tick = -idleTicks; tick < 0; tick++) expect(run(tick, 0)).toBe(0);
  return depths.map((depth, tick) => run(tick, depth));
}

const upRulesArb = rulesArb({ periodSeconds: 120, windowSeconds: 120 });
const downRulesArb = rulesArb({ periodSeconds: 120, windowSeconds: 600 });
const behaviorArb = fc.option(fc.record({ scaleUp: upRulesArb, scaleDown: downRulesArb }), { nil: undefined });
/** With the HPA's tolerance band closed: a behavior (the no-behavior path has the cluster's 0.1) with tolerance 0. */
const noToleranceArb = fc
  .record({ scaleUp: upRulesArb, scaleDown: downRulesArb })
  .map((b) => ({ scaleUp: { ...b.scaleUp, tolerance: 0 }, scaleDown: { ...b.scaleDown, tolerance: 0 } }));

const scenarioArb = (behavior: fc.Arbitrary<ScalingSpec['behavior']>): fc.Arbitrary<Scenario> => fc.integer({ min: 0, max: 3 }).chain((min) =>
  fc.record({
    spec: fc.record({
      minReplicaCount: fc.constant(min),
      maxReplicaCount: fc.integer({ min: Math.max(min, 1), max: 200 }),
      // Asleep at 0 either way: min 0, or idle mode with idleReplicaCount 0.
      idleReplicaCount: fc.constant(min > 0 ? 0 : undefined),
      cooldownPeriod: fc.integer({ min: 0, max: 600 }),
      initialCooldownPeriod: fc.integer({ min: 0, max: 600 }),
      behavior,
      triggers: fc.tuple(fc.record({ targetValue: fc.integer({ min: 1, max: 20 }), activationTargetValue: fc.constant(0) })),
    }),
    idleTicks: fc.integer({ min: 0, max: 40 }),
    depths: fc
      .tuple(fc.integer({ min: 1, max: 200 }), fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 19, maxLength: 19 }))
      .map(([first, growth]) => growth.reduce((depths, more) => [...depths, depths.at(-1)! + more], [first])),
    pollingInterval: fc.constantFrom(15, 30, 45, 75),
    hpaFirstSync: fc.constantFrom(0 as const, 1 as const),
  }),
);

describe('from zero: never slower than KEDA + HPA', () => {
  test('at every tick of a scale-up, the count is at least what KEDA + HPA would have', () => {
    fc.assert(
      fc.property(scenarioArb(noToleranceArb), (scenario) => {
        const ours = thisScaler(scenario);
        const reference = kedaPlusHpa(scenario);
        ours.forEach((replicas, tick) => expect(replicas, `tick ${tick}: ours ${ours.join(',')} vs KEDA + HPA ${reference.join(',')}`).toBeGreaterThanOrEqual(reference[tick]!));
      }),
      { numRuns: 500 },
    );
  });

  // The HPA keeps a count whose usage ratio is within its tolerance, so a count that is ahead can
  // be kept where a lagging one, crossing the band's edge on its way up, lands higher, and the
  // percent policies then carry that difference a tick or two: the HPA's own path dependence
  // (KEDA + HPA at another sync phase does the same). Nothing else may put KEDA + HPA ahead.
  test('with a tolerance, KEDA + HPA is ahead only after the tolerance held this scaler', () => {
    fc.assert(
      fc.property(scenarioArb(behaviorArb), (scenario) => {
        const ours = thisScaler(scenario);
        const reference = kedaPlusHpa(scenario);
        const { targetValue } = scenario.spec.triggers[0]!;
        const heldByTolerance = (tick: number): boolean => {
          const before = ours[tick - 1] ?? 0;
          const depth = scenario.depths[tick]!;
          return before > 0 && Math.ceil(depth / targetValue) !== before && isWithinTolerance(depth / (targetValue * before), tolerancesOf(scenario.spec));
        };
        ours.forEach((replicas, tick) => {
          if (replicas >= reference[tick]!) return;
          const held = Array.from({ length: tick + 1 }, (_, t) => t).some(heldByTolerance);
          expect(held, `tick ${tick}: ours ${ours.join(',')} vs KEDA + HPA ${reference.join(',')}, and the tolerance never held ours`).toBe(true);
        });
      }),
      { numRuns: 500 },
    );
  });

  // The case the property was written for: KEDA's 0 -> 1 -> 5 -> 10 -> 20 on the default behavior.
  test.each([
    { name: 'default behavior, 100 messages / 5', spec: { behavior: 'default' }, keda: [1, 5, 10, 20, 20], ours: [5, 10, 20, 20, 20] },
    { name: 'no behavior, 100 messages / 5', spec: {}, keda: [1, 4, 8, 16, 20], ours: [4, 8, 16, 20, 20] },
  ])('$name: ours $ours, KEDA + HPA $keda', ({ spec: given, keda, ours }) => {
    const up = { stabilizationWindowSeconds: 0, selectPolicy: 'Max' as const, tolerance: 0.1, policies: [{ type: 'Pods' as const, value: 4, periodSeconds: 15 }, { type: 'Percent' as const, value: 100, periodSeconds: 15 }] };
    const down = { stabilizationWindowSeconds: 300, selectPolicy: 'Max' as const, tolerance: 0.1, policies: [{ type: 'Percent' as const, value: 100, periodSeconds: 15 }] };
    const spec: ScalingSpec = {
      minReplicaCount: 0, maxReplicaCount: 100, cooldownPeriod: 300, initialCooldownPeriod: 0,
      triggers: [{ targetValue: 5, activationTargetValue: 0 }],
      ...(given.behavior ? { behavior: { scaleUp: up, scaleDown: down } } : {}),
    };
    const scenario: Scenario = { spec, idleTicks: 0, depths: [100, 100, 100, 100, 100], pollingInterval: 30, hpaFirstSync: 1 };
    expect(kedaPlusHpa(scenario)).toEqual(keda);
    expect(thisScaler(scenario)).toEqual(ours);
  });
});
