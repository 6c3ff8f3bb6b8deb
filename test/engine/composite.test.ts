// advanced.scalingModifiers: KEDA's composite metric (pkg/scaling/modifiers/formula.go,
// scale_handler.go, fallback.go of kedacore/keda v2.20.2), as the engine reads it. The formulas
// are compiled by the configuration (shared/config/formula.ts), as at load.
import { describe, expect, test } from 'vitest';
import { compileFormula } from '../../shared/config/formula.js';
import { decide, type Fallback, type MetricType, type ScalingSpec, type TriggerResult } from '../../shared/engine/index.js';
import { readTriggers, type ReplicaCounts } from '../../shared/engine/readings.js';
import { activeAgo, failed, NOW, spec, value } from './fixtures.js';

interface Modifiers {
  formula: string;
  target?: number;
  activationTarget?: number;
  metricType?: MetricType;
}

/** Triggers named a and b (and an unnamed third with `unnamed`), with per-trigger thresholds the composite ignores. */
function composite(m: Modifiers, over: Partial<ScalingSpec> & { unnamed?: boolean } = {}): ScalingSpec {
  const { unnamed, ...rest } = over;
  const triggers = [
    { targetValue: 5, activationTargetValue: 100, name: 'a' },
    { targetValue: 5, activationTargetValue: 100, name: 'b' },
    ...(unnamed ? [{ targetValue: 5, activationTargetValue: 0 }] : []),
  ];
  return spec({
    triggers,
    scalingModifiers: {
      formula: m.formula,
      expression: compileFormula(m.formula, triggers.map((t) => t.name)),
      target: m.target ?? 5,
      activationTarget: m.activationTarget ?? 0,
      metricType: m.metricType ?? 'AverageValue',
    },
    ...rest,
  });
}

const fallback = (over: Partial<Fallback> = {}): Fallback => ({ failureThreshold: 2, replicas: 6, behavior: 'static', ...over });

interface Row {
  name: string;
  spec: ScalingSpec;
  results: TriggerResult[];
  /** Failures before this evaluation, per trigger. */
  previous?: number[];
  replicas?: ReplicaCounts;
  want: { composite: number | null; proposal: number | undefined; active: boolean; anyError: boolean; fallbackActive: boolean };
}

const AT_ZERO = { spec: 0, status: 0 };
const AT_THREE = { spec: 3, status: 3 };

const rows: Row[] = [
  // The formula's value replaces the triggers' metrics
  {
    name: 'the formula over the triggers\' values (formula_test.go: trigger1 + trigger2 = 2 + 5 = 7)',
    spec: composite({ formula: 'a + b' }),
    results: [value(2), value(5)],
    want: { composite: 7, proposal: 2, active: true, anyError: false, fallbackActive: false }, // ceil(7 / 5)
  },
  {
    name: 'the triggers\' own thresholds do not count: activity is the composite\'s against activationTarget (0)',
    spec: composite({ formula: 'a + b' }),
    results: [value(1), value(0)],
    want: { composite: 1, proposal: 1, active: true, anyError: false, fallbackActive: false },
  },
  {
    name: 'a composite at activationTarget is not active (docs: <= 2 is not active)',
    spec: composite({ formula: '(a + b) / 2', activationTarget: 2 }),
    results: [value(1), value(3)],
    want: { composite: 2, proposal: 1, active: false, anyError: false, fallbackActive: false },
  },
  {
    name: 'just above activationTarget is active',
    spec: composite({ formula: '(a + b) / 2', activationTarget: 2 }),
    results: [value(1), value(3.002)],
    want: { composite: 2.001, proposal: 1, active: true, anyError: false, fallbackActive: false },
  },
  {
    name: 'AverageValue: the composite over target x status replicas, as any AverageValue metric',
    spec: composite({ formula: 'max(a, b)', target: 10 }),
    results: [value(70), value(20)],
    replicas: AT_THREE,
    want: { composite: 70, proposal: 7, active: true, anyError: false, fallbackActive: false }, // ratio 70 / 30 = 2.33
  },
  {
    name: 'metricType Value: the composite over target, times the ready pods',
    spec: composite({ formula: 'a + b', target: 10, metricType: 'Value' }),
    results: [value(30), value(10)],
    replicas: { spec: 3, status: 3, ready: 2 },
    want: { composite: 40, proposal: 8, active: true, anyError: false, fallbackActive: false }, // ratio 4 x 2 ready
  },
  {
    name: 'the docs\' ternary: trig_one > 2 ? trig_one + trig_two : 1',
    spec: composite({ formula: 'a > 2 ? a + b : 1' }),
    results: [value(2), value(40)],
    want: { composite: 1, proposal: 1, active: true, anyError: false, fallbackActive: false },
  },
  {
    name: 'the docs\' count: at least 2 of the values above 1 -> 5',
    spec: composite({ formula: 'count([a, b], {# > 1}) > 1 ? 5 : 0' }),
    results: [value(2), value(3)],
    want: { composite: 5, proposal: 1, active: true, anyError: false, fallbackActive: false },
  },
  {
    name: 'the value is cut to thousandths, as KEDA sends it (int64(value x 1000))',
    spec: composite({ formula: 'a / 3' }),
    results: [value(1), value(0)],
    want: { composite: 0.333, proposal: 1, active: true, anyError: false, fallbackActive: false },
  },
  {
    name: 'a negative composite asks for no replicas and is not active',
    spec: composite({ formula: 'a - b' }),
    results: [value(2), value(5)],
    replicas: AT_THREE,
    want: { composite: -3, proposal: 0, active: false, anyError: false, fallbackActive: false },
  },

  // A trigger that fails
  {
    name: 'a failing trigger under failureThreshold: no composite, no proposal, not active, an error',
    spec: composite({ formula: 'a + b' }, { fallback: fallback() }),
    results: [failed(), value(5)],
    previous: [1, 0],
    want: { composite: null, proposal: undefined, active: false, anyError: true, fallbackActive: false },
  },
  {
    name: 'a failing trigger the formula does not name still counts (KEDA reads every trigger)',
    spec: composite({ formula: 'a' }, { unnamed: true }),
    results: [value(20), value(5), failed()],
    want: { composite: null, proposal: undefined, active: false, anyError: true, fallbackActive: false },
  },

  // Fallback (static, currentReplicas...): its metric stands for the whole composite
  {
    name: 'fallback past failureThreshold: target x fallback replicas, the formula not evaluated; the HPA lands on them',
    spec: composite({ formula: 'a + b' }, { fallback: fallback() }),
    results: [failed(), value(500)],
    previous: [2, 0],
    replicas: AT_THREE,
    want: { composite: 30, proposal: 6, active: true, anyError: false, fallbackActive: true }, // 5 x 6
  },
  {
    name: 'fallback and another trigger failing under the threshold: the HPA still gets the fallback metric, but no activity',
    spec: composite({ formula: 'a + b' }, { fallback: fallback() }),
    results: [failed(), failed()],
    previous: [2, 0],
    replicas: AT_THREE,
    want: { composite: 30, proposal: 6, active: false, anyError: true, fallbackActive: true },
  },
  {
    name: 'fallback replicas 0: composite 0, not active (activity is the composite against activationTarget)',
    spec: composite({ formula: 'a + b' }, { fallback: fallback({ replicas: 0 }) }),
    results: [failed(), value(50)],
    previous: [5, 0],
    replicas: AT_THREE,
    want: { composite: 0, proposal: 0, active: false, anyError: false, fallbackActive: true },
  },
  {
    name: 'fallback currentReplicasIfHigher: max(spec replicas, fallback replicas)',
    spec: composite({ formula: 'a + b' }, { fallback: fallback({ behavior: 'currentReplicasIfHigher', replicas: 2 }) }),
    results: [value(1), failed()],
    previous: [0, 2],
    replicas: { spec: 4, status: 4 },
    want: { composite: 20, proposal: 4, active: true, anyError: false, fallbackActive: true },
  },
  {
    name: 'fallback with metricType Value: divided by the ready pods, so that the HPA lands on the replicas',
    spec: composite({ formula: 'a + b', metricType: 'Value' }, { fallback: fallback() }),
    results: [failed(), value(1)],
    previous: [2, 0],
    replicas: { spec: 3, status: 3, ready: 3 },
    want: { composite: 10, proposal: 6, active: true, anyError: false, fallbackActive: true }, // 5 x 6 / 3; ratio 2 x 3 ready
  },
  {
    name: 'fallback with metricType Value and no ready pod: no fallback (KEDA: readyReplicas is zero), an error',
    spec: composite({ formula: 'a + b', metricType: 'Value' }, { fallback: fallback() }),
    results: [failed(), value(1)],
    previous: [2, 0],
    replicas: { spec: 3, status: 3, ready: 0 },
    want: { composite: null, proposal: undefined, active: false, anyError: true, fallbackActive: false },
  },

  // fallback.behavior scalingModifiers: a trigger past the threshold is nil in the formula
  {
    name: 'scalingModifiers fallback: ?? routes around a trigger past failureThreshold (docs: best ?? slower ?? backup ?? 8)',
    spec: composite({ formula: 'a ?? b ?? 8' }, { fallback: fallback({ behavior: 'scalingModifiers', replicas: 10 }) }),
    results: [failed(), value(12)],
    previous: [2, 0],
    want: { composite: 12, proposal: 3, active: true, anyError: false, fallbackActive: false },
  },
  {
    name: 'scalingModifiers fallback: every trigger nil, the literal at the end',
    spec: composite({ formula: 'a ?? b ?? 8' }, { fallback: fallback({ behavior: 'scalingModifiers', replicas: 10 }) }),
    results: [failed(), failed()],
    previous: [4, 3],
    want: { composite: 8, proposal: 2, active: true, anyError: false, fallbackActive: false },
  },
  {
    name: 'scalingModifiers fallback: a formula that gives nil gives fallback.replicas x target (formula_test.go: 7 x 2 = 14 -> 7)',
    spec: composite({ formula: 'a ?? b', target: 2 }, { fallback: fallback({ behavior: 'scalingModifiers', failureThreshold: 3, replicas: 7 }) }),
    results: [failed(), failed()],
    previous: [4, 4],
    want: { composite: 14, proposal: 7, active: true, anyError: false, fallbackActive: true },
  },
  {
    name: 'scalingModifiers fallback: a trigger at failureThreshold is still an error (the gate is strictly more)',
    spec: composite({ formula: 'a ?? b' }, { fallback: fallback({ behavior: 'scalingModifiers' }) }),
    results: [failed(), value(3)],
    previous: [1, 0],
    want: { composite: null, proposal: undefined, active: false, anyError: true, fallbackActive: false },
  },
  {
    name: 'scalingModifiers fallback: nil where a number is needed fails the formula (expr\'s run fails): an error',
    spec: composite({ formula: '(a ?? 0) + b' }, { fallback: fallback({ behavior: 'scalingModifiers' }) }),
    results: [value(3), failed()],
    previous: [0, 2],
    want: { composite: null, proposal: undefined, active: false, anyError: true, fallbackActive: false },
  },
  {
    name: 'scalingModifiers fallback: a formula without ?? that gives nil fails (KEDA\'s float(nil))',
    spec: composite({ formula: 'a' }, { fallback: fallback({ behavior: 'scalingModifiers' }) }),
    results: [failed(), value(3)],
    previous: [2, 0],
    want: { composite: null, proposal: undefined, active: false, anyError: true, fallbackActive: false },
  },

  // Values that are no metric (departures: KEDA converts them to int64's minimum)
  {
    name: 'division by zero: an infinite composite is an error, not a metric',
    spec: composite({ formula: 'a / b' }),
    results: [value(3), value(0)],
    want: { composite: null, proposal: undefined, active: false, anyError: true, fallbackActive: false },
  },
  {
    name: '0 / 0: NaN is an error',
    spec: composite({ formula: 'a / b' }),
    results: [value(0), value(0)],
    want: { composite: null, proposal: undefined, active: false, anyError: true, fallbackActive: false },
  },
];

describe('readTriggers with scalingModifiers: one composite metric', () => {
  test.each(rows)('$name', (row) => {
    const got = readTriggers(row.spec, row.results, row.previous, row.replicas ?? AT_ZERO);
    expect({ composite: got.composite, proposal: got.proposals[0], active: got.active, anyError: got.anyError, fallbackActive: got.fallbackActive }).toEqual(row.want);
    expect(got.proposals).toHaveLength(1);
    // Fallback never counts as activity by itself: the composite decides.
    expect(got.fallbackIsActivity).toBe(false);
    // Failures are counted per trigger, as without a formula.
    expect(got.failures).toEqual(row.results.map((r, i) => ('error' in r ? (row.previous?.[i] ?? 0) + 1 : 0)));
    // The reason has a line per trigger and the composite's.
    expect(got.notes).toHaveLength(row.results.length + 1);
    expect(got.notes.at(-1)).toMatch(/^composite: /);
  });

  test('the reason shows the formula, its value, the target and the answer', () => {
    const got = readTriggers(composite({ formula: 'a + b' }), [value(2), value(5)], [], AT_ZERO);
    expect(got.notes).toEqual([
      'trigger 0 (a): value 2',
      'trigger 1 (b): value 5',
      'composite: formula "a + b" = 7 (AverageValue target 5, activation 0, active) -> 2',
    ]);
  });
});

describe('decide with scalingModifiers', () => {
  const observe = (specReplicas: number, ...triggers: TriggerResult[]) => ({ specReplicas, statusReplicas: specReplicas, triggers });

  test('a composite above activationTarget wakes a target at zero, to the composite\'s answer', () => {
    const d = decide(composite({ formula: 'a + b' }), observe(0, value(12), value(8)), {}, NOW);
    expect(d).toMatchObject({ action: 'activate', replicas: 4, composite: 20 });
  });

  test('a composite at activationTarget leaves a target at zero asleep, whatever each trigger says', () => {
    const d = decide(composite({ formula: 'min(a, b)', activationTarget: 3 }), observe(0, value(3), value(900)), {}, NOW);
    expect(d).toMatchObject({ action: 'none', replicas: 0, code: 'ScalerNotActive', active: false, composite: 3 });
  });

  test('after the cooldown, a composite that is not active takes the target to zero', () => {
    const d = decide(composite({ formula: 'a - b' }), observe(3, value(1), value(5)), activeAgo(400, { recommendations: [] }), NOW);
    expect(d).toMatchObject({ action: 'deactivate', replicas: 0, composite: -4 });
  });

  test('a formula that fails holds the target where it is, naming why', () => {
    const d = decide(composite({ formula: 'a / b' }), observe(3, value(1), value(0)), activeAgo(400, { recommendations: [] }), NOW);
    expect(d).toMatchObject({ action: 'none', replicas: 3, code: 'TriggerError', composite: null });
    expect(d.reason).toContain('composite: none: the formula "a / b" gave Infinity, not a finite number');
  });

  test('fallback replicas 0 through the composite: not active, so no wake at zero (fallback alone is not activity here)', () => {
    const d = decide(composite({ formula: 'a + b' }, { fallback: fallback({ replicas: 0 }) }), observe(0, failed(), value(9)), { triggerFailures: [5, 0] }, NOW);
    expect(d).toMatchObject({ replicas: 0, active: false, composite: 0 });
  });

  test('without scalingModifiers a decision has no composite', () => {
    expect(decide(spec(), observe(0, value(3)), {}, NOW).composite).toBeUndefined();
  });
});
