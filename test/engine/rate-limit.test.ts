// Scale rate limits, ported from kubernetes/kubernetes horizontal_test.go: TestScalingWithRules,
// TestConvertDesiredReplicasWithRules, TestCalculateScaleUpLimitWithScalingRules,
// TestCalculateScaleDownLimitWithBehaviors, plus rows of our own for selectPolicy, period
// boundaries and float rounding. Time is always NOW; events are placed relative to it.
import { describe, expect, test } from 'vitest';
import {
  calculateLegacyScaleUpLimit,
  calculateScaleDownLimit,
  calculateScaleUpLimit,
  convertDesiredReplicasWithBehaviorRate,
  convertDesiredReplicasWithRules,
  replicasChangePerPeriod,
} from '../../shared/engine/rate-limit.js';
import type { ReasonCode, ScaleEvent, ScalingRules } from '../../shared/engine/index.js';
import { defaultScaleDown, defaultScaleUp, event, eventsEvery, NOW, rules } from './fixtures.js';

interface Want {
  replicas: number;
  reason: ReasonCode;
}

interface BehaviorRow {
  name: string;
  current: number;
  desired: number;
  min?: number;
  max?: number;
  /** Absent: the autoscaling/v2 defaults (GenerateHPAScaleUpRules(nil)). */
  up?: ScalingRules;
  down?: ScalingRules;
  upEvents?: ScaleEvent[];
  downEvents?: ScaleEvent[];
  want: Want;
}

// TestScalingWithRules, row for row (minReplicas 1 and maxReplicas 1000 unless the row says).
const scalingWithRules: BehaviorRow[] = [
  {
    name: 'prenormalized desired replicas within range',
    current: 5, desired: 7, min: 3, max: 8,
    want: { replicas: 7, reason: 'DesiredWithinRange' }, // default limit max(5 + 4, 5 x 2) = 10
  },
  {
    name: 'prenormalized desired replicas < minReplicas',
    current: 3, desired: 1, min: 2, max: 8,
    want: { replicas: 2, reason: 'TooFewReplicas' }, // default 100 % down: floor 0 <= min 2
  },
  {
    name: 'prenormalized desired replicas within range when minReplicas is 0',
    current: 1, desired: 0, min: 0, max: 10,
    want: { replicas: 0, reason: 'DesiredWithinRange' },
  },
  {
    name: 'maxReplicas is the limit because maxReplicas < scaleUpLimit',
    current: 20, desired: 1000, min: 1, max: 10,
    want: { replicas: 10, reason: 'TooManyReplicas' }, // limit max(24, 40) = 40 > 10
  },
  {
    name: 'desired replica count is more than the maximum replica count',
    current: 100, desired: 1000, min: 100, max: 150,
    want: { replicas: 150, reason: 'TooManyReplicas' }, // limit max(104, 200) = 200 > 150
  },
  {
    name: 'scaleUpLimit is the limit because scaleUpLimit < maxReplicas with user policies',
    current: 3, desired: 1000, min: 1, max: 2000,
    up: rules({ percent: 1, percentPeriodS: 60 }),
    want: { replicas: 4, reason: 'ScaleUpLimit' }, // ceil(3 x 1.01) = 4
  },
  {
    name: 'scaleUp with default behavior',
    current: 10, desired: 50,
    want: { replicas: 20, reason: 'ScaleUpLimit' }, // max(10 + 4, 10 x 2) = 20
  },
  {
    name: 'scaleUp with pods policy larger than percent policy',
    current: 10, desired: 500,
    up: rules({ pods: 100, podsPeriodS: 60, percent: 100, percentPeriodS: 60 }),
    want: { replicas: 110, reason: 'ScaleUpLimit' }, // max(10 + 100, 10 x 2)
  },
  {
    name: 'scaleUp with percent policy larger than pods policy',
    current: 10, desired: 500,
    up: rules({ pods: 2, podsPeriodS: 60, percent: 100, percentPeriodS: 60 }),
    want: { replicas: 20, reason: 'ScaleUpLimit' }, // max(10 + 2, 10 x 2)
  },
  {
    name: 'scaleUp with spec MaxReplicas limitation with large pod policy',
    current: 10, desired: 50,
    up: rules({ pods: 100, podsPeriodS: 60 }),
    want: { replicas: 50, reason: 'DesiredWithinRange' }, // limit 110 >= 50
  },
  {
    // Upstream's row gives a Pods policy of 10000 despite its name.
    name: 'scaleUp with spec MaxReplicas limitation with large percent policy',
    current: 10, desired: 50,
    up: rules({ pods: 10000, podsPeriodS: 60 }),
    want: { replicas: 50, reason: 'DesiredWithinRange' },
  },
  {
    name: 'scaleUp with pod policy limitation',
    current: 10, desired: 50,
    up: rules({ pods: 30, podsPeriodS: 60 }),
    want: { replicas: 40, reason: 'ScaleUpLimit' }, // 10 + 30
  },
  {
    name: 'scaleUp with percent policy limitation',
    current: 10, desired: 50,
    up: rules({ percent: 200, percentPeriodS: 60 }),
    want: { replicas: 30, reason: 'ScaleUpLimit' }, // 10 x 3
  },
  {
    name: 'scaleDown with percent policy larger than pod policy',
    current: 100, desired: 2,
    down: rules({ pods: 20, podsPeriodS: 60, percent: 1, percentPeriodS: 60, windowS: 300 }),
    want: { replicas: 80, reason: 'ScaleDownLimit' }, // Max = lowest floor: min(100 - 20, trunc(99)) = 80
  },
  {
    name: 'scaleDown with pod policy larger than percent policy',
    current: 100, desired: 2,
    down: rules({ pods: 2, podsPeriodS: 60, percent: 1, percentPeriodS: 60, windowS: 300 }),
    want: { replicas: 98, reason: 'ScaleDownLimit' }, // min(98, 99)
  },
  {
    name: 'scaleDown with spec MinReplicas limitation with large pod policy',
    current: 10, desired: 0, min: 1,
    down: rules({ pods: 100, podsPeriodS: 60, windowS: 300 }),
    want: { replicas: 1, reason: 'TooFewReplicas' }, // floor 10 - 100 = -90 <= min 1
  },
  {
    name: 'scaleDown with spec MinReplicas limitation with large percent policy',
    current: 10, desired: 2, min: 5,
    down: rules({ percent: 100, percentPeriodS: 60, windowS: 300 }),
    want: { replicas: 5, reason: 'TooFewReplicas' }, // floor 0 <= min 5
  },
  {
    name: 'scaleDown with pod policy limitation',
    current: 10, desired: 2,
    down: rules({ pods: 5, podsPeriodS: 60, windowS: 300 }),
    want: { replicas: 5, reason: 'ScaleDownLimit' }, // 10 - 5
  },
  {
    name: 'scaleDown with percent policy limitation',
    current: 10, desired: 5,
    down: rules({ percent: 50, percentPeriodS: 60, windowS: 300 }),
    want: { replicas: 5, reason: 'DesiredWithinRange' }, // floor trunc(10 x 0.5) = 5, desired 5 is not below it
  },
  {
    name: 'scaleUp with spec MaxReplicas limitation with large pod policy and events',
    current: 100, desired: 500, max: 200,
    upEvents: eventsEvery([1, 5, 9], 120),
    up: rules({ pods: 300, podsPeriodS: 60 }),
    want: { replicas: 200, reason: 'TooManyReplicas' }, // 100 - 9 + 300 = 391 > 200 (only the event 20 s ago is in 60 s)
  },
  {
    name: 'scaleUp with spec MaxReplicas limitation with large percent policy and events',
    current: 100, desired: 500, max: 200,
    upEvents: eventsEvery([1, 5, 9], 120),
    up: rules({ percent: 10000, percentPeriodS: 60 }),
    want: { replicas: 200, reason: 'TooManyReplicas' },
  },
  {
    name: 'scaleUp with currentReplicas limitation with rate.PeriodSeconds with a lot of recent scale up events',
    current: 100, desired: 500,
    upEvents: eventsEvery([1, 5, 9], 120),
    up: rules({ pods: 5, podsPeriodS: 120 }),
    want: { replicas: 100, reason: 'ScaleUpLimit' }, // 100 - 15 + 5 = 90 < current: no scale up until events age out
  },
  {
    name: 'scaleUp with pod policy and previous scale up events',
    current: 100, desired: 500,
    upEvents: eventsEvery([1, 5, 9], 120),
    up: rules({ pods: 150, podsPeriodS: 120 }),
    want: { replicas: 235, reason: 'ScaleUpLimit' }, // 100 - 15 + 150
  },
  {
    name: 'scaleUp with percent policy and previous scale up events',
    current: 100, desired: 500,
    upEvents: eventsEvery([1, 5, 9], 120),
    up: rules({ percent: 200, percentPeriodS: 120 }),
    want: { replicas: 255, reason: 'ScaleUpLimit' }, // (100 - 15) x 3
  },
  {
    name: 'scaleUp with percent policy and previous scale up and down events',
    current: 6, desired: 24,
    upEvents: eventsEvery([4], 120),
    downEvents: eventsEvery([2], 120),
    up: rules({ percent: 300, percentPeriodS: 300 }),
    want: { replicas: 16, reason: 'ScaleUpLimit' }, // (6 - 4 + 2) x 4 (PR #109058: both directions count)
  },
  {
    name: 'scaleDown with default policy and previous events',
    current: 10, desired: 5,
    downEvents: eventsEvery([1, 5, 9], 120),
    want: { replicas: 5, reason: 'DesiredWithinRange' }, // the default 15 s period sees none of them; 100 % allows 0
  },
  {
    name: 'scaleDown with spec MinReplicas=nil limitation with large pod policy and previous events',
    current: 100, desired: 0, min: 1,
    downEvents: eventsEvery([1, 5, 9], 120),
    down: rules({ pods: 115, podsPeriodS: 120, windowS: 300 }),
    want: { replicas: 1, reason: 'TooFewReplicas' }, // 100 + 15 - 115 = 0 <= min 1
  },
  {
    name: 'scaleDown with spec MinReplicas limitation with large pod policy and previous events',
    current: 100, desired: 0, min: 5,
    downEvents: eventsEvery([1, 5, 9], 120),
    down: rules({ pods: 130, podsPeriodS: 120, windowS: 300 }),
    want: { replicas: 5, reason: 'TooFewReplicas' }, // 115 - 130 = -15 <= min 5
  },
  {
    name: 'scaleDown with spec MinReplicas limitation with large percent policy and previous events',
    current: 100, desired: 2, min: 5,
    downEvents: eventsEvery([1, 5, 9], 120),
    down: rules({ percent: 100, percentPeriodS: 120, windowS: 300 }),
    want: { replicas: 5, reason: 'TooFewReplicas' }, // 100 % removal is always 0: limited by min
  },
  {
    name: 'scaleDown with pod policy limitation and previous events',
    current: 100, desired: 2,
    downEvents: eventsEvery([1, 5, 9], 120),
    down: rules({ pods: 5, podsPeriodS: 120, windowS: 300 }),
    want: { replicas: 100, reason: 'ScaleDownLimit' }, // 100 + 15 - 5 = 110 > current: held at 100
  },
  {
    name: 'scaleDown with percent policy limitation and previous events',
    current: 100, desired: 0,
    downEvents: eventsEvery([2, 4, 6], 120),
    down: rules({ percent: 50, percentPeriodS: 120, windowS: 300 }),
    want: { replicas: 56, reason: 'ScaleDownLimit' }, // trunc((100 + 12) x 0.5)
  },
  {
    name: 'scaleDown with percent policy and previous scale up and down events',
    current: 10, desired: 1,
    upEvents: eventsEvery([2], 120),
    downEvents: eventsEvery([4], 120),
    down: rules({ percent: 50, percentPeriodS: 180, windowS: 0 }),
    want: { replicas: 6, reason: 'ScaleDownLimit' }, // (10 - 2 + 4) x 0.5 (PR #109058)
  },
  {
    name: 'scaleDown with previous events preventing further scale down',
    current: 100, desired: 0,
    downEvents: eventsEvery([10, 10, 10], 120),
    down: rules({ percent: 10, percentPeriodS: 120, windowS: 300 }),
    want: { replicas: 100, reason: 'ScaleDownLimit' }, // trunc(130 x 0.9) = 117 > current: keep 100
  },
  {
    name: 'scaleDown with previous events still allowing more scale down',
    current: 10, desired: 5,
    downEvents: eventsEvery([10, 10, 10], 120),
    down: rules({ percent: 1000, percentPeriodS: 120, windowS: 300 }),
    want: { replicas: 5, reason: 'DesiredWithinRange' }, // trunc(40 x -9) = -360 < 5
  },
  {
    name: "check 'outdated' flag for events for one behavior for up",
    current: 100, desired: 200,
    upEvents: eventsEvery([8, 12, 9, 11], 120),
    up: rules({ pods: 1000, podsPeriodS: 60 }),
    want: { replicas: 200, reason: 'DesiredWithinRange' },
  },
  {
    name: "check that events were not marked 'outdated' for two different policies in the behavior for up",
    current: 100, desired: 200,
    upEvents: eventsEvery([8, 12, 9, 11], 120),
    up: rules({ pods: 1000, podsPeriodS: 120, percent: 100, percentPeriodS: 60 }),
    want: { replicas: 200, reason: 'DesiredWithinRange' },
  },
  {
    name: "check that events were marked 'outdated' for two different policies in the behavior for up",
    current: 100, desired: 200,
    upEvents: eventsEvery([8, 12, 9, 11], 120),
    up: rules({ pods: 1000, podsPeriodS: 30, percent: 100, percentPeriodS: 60 }),
    want: { replicas: 200, reason: 'DesiredWithinRange' },
  },
  {
    name: "check 'outdated' flag for events for one behavior for down",
    current: 100, desired: 5,
    downEvents: eventsEvery([8, 12, 9, 11], 120),
    down: rules({ pods: 1000, podsPeriodS: 60, windowS: 300 }),
    want: { replicas: 5, reason: 'DesiredWithinRange' },
  },
  {
    name: "check that events were not marked 'outdated' for two different policies in the behavior for down",
    current: 100, desired: 5,
    downEvents: eventsEvery([8, 12, 9, 11], 120),
    down: rules({ pods: 1000, podsPeriodS: 120, percent: 100, percentPeriodS: 60, windowS: 300 }),
    want: { replicas: 5, reason: 'DesiredWithinRange' },
  },
  {
    name: "check that events were marked 'outdated' for two different policies in the behavior for down",
    current: 100, desired: 5,
    downEvents: eventsEvery([8, 12, 9, 11], 120),
    down: rules({ pods: 1000, podsPeriodS: 30, percent: 100, percentPeriodS: 60, windowS: 300 }),
    want: { replicas: 5, reason: 'DesiredWithinRange' },
  },
  // TestUpscaleCap and TestUpscaleCapGreaterThanMaxReplicas (700 % per 60 s from 3)
  {
    name: 'upscale cap: 700 % per 60 s from 3 allows 24 (TestUpscaleCap)',
    current: 3, desired: 1000, max: 100,
    up: rules({ percent: 700, percentPeriodS: 60 }),
    want: { replicas: 24, reason: 'ScaleUpLimit' }, // 3 x 8
  },
  {
    name: 'upscale cap greater than maxReplicas (TestUpscaleCapGreaterThanMaxReplicas)',
    current: 3, desired: 1000, max: 20,
    up: rules({ percent: 700, percentPeriodS: 60 }),
    want: { replicas: 20, reason: 'TooManyReplicas' }, // 24 would be allowed, max is 20
  },
];

// Our own rows: selectPolicy, period boundaries, rounding, scale from zero.
const ownRows: BehaviorRow[] = [
  {
    name: 'scale up limited by pods policy',
    current: 10, desired: 50,
    up: rules({ pods: 30, podsPeriodS: 60 }),
    want: { replicas: 40, reason: 'ScaleUpLimit' }, // 10 + 30
  },
  {
    name: 'selectPolicy Min scales up by the smaller policy',
    current: 10, desired: 50,
    up: rules({ pods: 4, podsPeriodS: 60, percent: 100, percentPeriodS: 60, select: 'Min' }),
    want: { replicas: 14, reason: 'ScaleUpLimit' }, // min(10 + 4, 10 x 2)
  },
  {
    name: 'selectPolicy Disabled freezes scale up at the current count',
    current: 10, desired: 50,
    up: rules({ pods: 4, podsPeriodS: 60, select: 'Disabled' }),
    want: { replicas: 10, reason: 'ScaleUpLimit' }, // limit = current
  },
  {
    name: 'selectPolicy Max scales down by the larger policy',
    current: 10, desired: 1,
    down: rules({ pods: 2, podsPeriodS: 60, percent: 50, percentPeriodS: 60 }),
    want: { replicas: 5, reason: 'ScaleDownLimit' }, // min(10 - 2, 10 x 0.5)
  },
  {
    name: 'selectPolicy Min scales down by the smaller policy',
    current: 10, desired: 1,
    down: rules({ pods: 2, podsPeriodS: 60, percent: 50, percentPeriodS: 60, select: 'Min' }),
    want: { replicas: 8, reason: 'ScaleDownLimit' }, // max(10 - 2, 10 x 0.5)
  },
  {
    name: 'selectPolicy Disabled freezes scale down at the current count',
    current: 10, desired: 1,
    down: rules({ percent: 100, percentPeriodS: 15, select: 'Disabled' }),
    want: { replicas: 10, reason: 'ScaleDownLimit' },
  },
  {
    name: 'Disabled scale up with current at max reports TooManyReplicas',
    current: 10, desired: 50, max: 10,
    up: rules({ pods: 4, podsPeriodS: 60, select: 'Disabled' }),
    want: { replicas: 10, reason: 'TooManyReplicas' }, // limit 10 is not below max 10
  },
  {
    name: 'an event older than the period is not counted',
    current: 10, desired: 50,
    upEvents: [event(10, 61)],
    up: rules({ pods: 4, podsPeriodS: 60 }),
    want: { replicas: 14, reason: 'ScaleUpLimit' }, // the event is outside 60 s: 10 + 4
  },
  {
    name: 'an event exactly one period old is not counted (strict >)',
    current: 10, desired: 50,
    upEvents: [event(10, 60)],
    up: rules({ pods: 4, podsPeriodS: 60 }),
    want: { replicas: 14, reason: 'ScaleUpLimit' },
  },
  {
    name: 'an event just inside the period is counted',
    current: 10, desired: 50,
    upEvents: [event(10, 59)],
    up: rules({ pods: 4, podsPeriodS: 60 }),
    want: { replicas: 10, reason: 'ScaleUpLimit' }, // 10 - 10 + 4 = 4 < current: held at 10
  },
  {
    name: "an event marked 'outdated' still counts while inside the period",
    current: 10, desired: 50,
    upEvents: [event(5, 30, true)],
    up: rules({ pods: 4, podsPeriodS: 60 }),
    want: { replicas: 10, reason: 'ScaleUpLimit' }, // 10 - 5 + 4 = 9 < current
  },
  {
    name: 'scale-down events raise the scale-up start (PR #109058)',
    current: 10, desired: 50,
    downEvents: [event(6, 30)],
    up: rules({ pods: 4, podsPeriodS: 60 }),
    want: { replicas: 20, reason: 'ScaleUpLimit' }, // 10 + 6 + 4
  },
  {
    name: 'scale-up events lower the scale-down start (PR #109058)',
    current: 10, desired: 0,
    upEvents: [event(6, 30)],
    down: rules({ pods: 2, podsPeriodS: 60 }),
    want: { replicas: 2, reason: 'ScaleDownLimit' }, // the period started at 10 - 6 = 4; floor 4 - 2 = 2
  },
  {
    name: 'percent scale up rounds up in float64 like upstream',
    current: 100, desired: 500,
    up: rules({ percent: 10, percentPeriodS: 60 }),
    want: { replicas: 111, reason: 'ScaleUpLimit' }, // 100 x 1.1 = 110.00000000000001 in float64; ceil = 111
  },
  {
    name: 'percent scale down truncates toward zero',
    current: 10, desired: 0,
    down: rules({ percent: 15, percentPeriodS: 60 }),
    want: { replicas: 8, reason: 'ScaleDownLimit' }, // trunc(10 x 0.85) = trunc(8.5) = 8
  },
  {
    name: 'from zero the default rules allow 4 (Pods 0 + 4, Percent 0 x 2 = 0)',
    current: 0, desired: 20,
    want: { replicas: 4, reason: 'ScaleUpLimit' },
  },
  {
    name: 'from zero a Percent-only policy cannot scale up',
    current: 0, desired: 20,
    up: rules({ percent: 100, percentPeriodS: 15 }),
    want: { replicas: 0, reason: 'ScaleUpLimit' }, // ceil(0 x 2) = 0: held at current
  },
  {
    name: 'desired equal to current is within range',
    current: 7, desired: 7, min: 1, max: 10,
    want: { replicas: 7, reason: 'DesiredWithinRange' },
  },
];

function runBehaviorRow(c: BehaviorRow) {
  return convertDesiredReplicasWithBehaviorRate({
    desired: c.desired,
    current: c.current,
    min: c.min ?? 1,
    max: c.max ?? 1000,
    scaleUp: c.up ?? defaultScaleUp(),
    scaleDown: c.down ?? defaultScaleDown(),
    upEvents: c.upEvents ?? [],
    downEvents: c.downEvents ?? [],
    now: NOW,
  });
}

describe('convertDesiredReplicasWithBehaviorRate (TestScalingWithRules)', () => {
  test.each(scalingWithRules)('$name', (c) => {
    const got = runBehaviorRow(c);
    expect({ replicas: got.replicas, reason: got.code }).toEqual(c.want);
    expect(got.message).not.toBe('');
  });
});

describe('convertDesiredReplicasWithBehaviorRate (selectPolicy, periods, rounding)', () => {
  test.each(ownRows)('$name', (c) => {
    const got = runBehaviorRow(c);
    expect({ replicas: got.replicas, reason: got.code }).toEqual(c.want);
  });

  test('never mutates the events it is given', () => {
    const upEvents = Object.freeze(eventsEvery([1, 5, 9], 120).map((e) => Object.freeze(e)));
    const before = JSON.stringify(upEvents);
    runBehaviorRow({ name: '', current: 100, desired: 500, upEvents: [...upEvents], want: { replicas: 0, reason: 'ScaleUpLimit' } });
    expect(JSON.stringify(upEvents)).toBe(before);
  });
});

describe('calculateScaleUpLimit / calculateScaleDownLimit', () => {
  const minBoth = (select: 'Min' | 'Max' | 'Disabled') =>
    rules({ pods: 2, podsPeriodS: 60, percent: 50, percentPeriodS: 60, windowS: 300, select });
  const cases: { name: string; got: () => number; want: number }[] = [
    {
      name: 'Min picks the smallest scale-up limit (TestCalculateScaleUpLimitWithScalingRules)',
      got: () => calculateScaleUpLimit(1, [], [], minBoth('Min'), NOW),
      want: 2, // min(1 + 2, ceil(1 x 1.5))
    },
    {
      name: 'Min picks the highest scale-down floor (TestCalculateScaleDownLimitWithBehaviors)',
      got: () => calculateScaleDownLimit(5, [], [], minBoth('Min'), NOW),
      want: 3, // max(5 - 2, trunc(5 x 0.5))
    },
    { name: 'Max picks the largest scale-up limit', got: () => calculateScaleUpLimit(1, [], [], minBoth('Max'), NOW), want: 3 },
    { name: 'Max picks the lowest scale-down floor', got: () => calculateScaleDownLimit(5, [], [], minBoth('Max'), NOW), want: 2 },
    { name: 'Disabled scale-up limit is the current count', got: () => calculateScaleUpLimit(7, [], [], minBoth('Disabled'), NOW), want: 7 },
    { name: 'Disabled scale-down limit is the current count', got: () => calculateScaleDownLimit(7, [], [], minBoth('Disabled'), NOW), want: 7 },
    {
      name: 'the scale-up limit may fall below current (the caller raises it)',
      got: () => calculateScaleUpLimit(100, eventsEvery([1, 5, 9], 120), [], rules({ pods: 5, podsPeriodS: 120 }), NOW),
      want: 90, // 100 - 15 + 5
    },
  ];
  test.each(cases)('$name', (c) => {
    expect(c.got()).toBe(c.want);
  });
});

describe('replicasChangePerPeriod (getReplicasChangePerPeriod)', () => {
  const cases: { name: string; periodS: number; events: ScaleEvent[]; want: number }[] = [
    { name: 'no events', periodS: 60, events: [], want: 0 },
    { name: 'only events strictly inside the period', periodS: 60, events: eventsEvery([1, 5, 9], 120), want: 9 }, // 100 s, 60 s (boundary), 20 s
    { name: 'a longer period sees them all', periodS: 120, events: eventsEvery([1, 5, 9], 120), want: 15 },
    { name: "'outdated' is ignored", periodS: 60, events: [event(7, 10, true), event(3, 20)], want: 10 },
    { name: 'an event at the cutoff is out', periodS: 30, events: [event(4, 30)], want: 0 },
  ];
  test.each(cases)('$name', (c) => {
    expect(replicasChangePerPeriod(c.periodS, c.events, NOW)).toBe(c.want);
  });
});

describe('convertDesiredReplicasWithRules (TestConvertDesiredReplicasWithRules, no behavior)', () => {
  // Upstream's test sets scaleUpLimitFactor to 8 in init(); production uses 2, and so do we.
  const cases: { name: string; current: number; desired: number; min: number; max: number; want: Want }[] = [
    {
      name: 'prenormalized desired replicas within range',
      current: 5, desired: 7, min: 3, max: 8,
      want: { replicas: 7, reason: 'DesiredWithinRange' }, // limit max(10, 4) = 10
    },
    {
      name: 'prenormalized desired replicas < minReplicas',
      current: 3, desired: 1, min: 2, max: 8,
      want: { replicas: 2, reason: 'TooFewReplicas' },
    },
    {
      name: 'prenormalized desired zeroed replicas within range',
      current: 1, desired: 0, min: 0, max: 10,
      want: { replicas: 0, reason: 'DesiredWithinRange' },
    },
    {
      name: 'maxReplicas is the limit because maxReplicas < scaleUpLimit',
      current: 20, desired: 1000, min: 1, max: 10,
      want: { replicas: 10, reason: 'TooManyReplicas' }, // limit 40 > 10
    },
    {
      name: 'scaleUpLimit is the limit because scaleUpLimit < maxReplicas',
      current: 3, desired: 1000, min: 1, max: 2000,
      want: { replicas: 6, reason: 'ScaleUpLimit' }, // max(2 x 3, 4)
    },
    {
      name: 'from zero the legacy limit is 4',
      current: 0, desired: 1000, min: 1, max: 100,
      want: { replicas: 4, reason: 'ScaleUpLimit' }, // max(0, 4)
    },
    {
      name: 'from one the legacy limit is still 4',
      current: 1, desired: 1000, min: 1, max: 100,
      want: { replicas: 4, reason: 'ScaleUpLimit' }, // max(2, 4)
    },
    {
      name: 'a desired count equal to the legacy limit is within range',
      current: 5, desired: 10, min: 1, max: 100,
      want: { replicas: 10, reason: 'DesiredWithinRange' },
    },
    {
      name: 'max equal to the legacy limit reports TooManyReplicas',
      current: 5, desired: 11, min: 1, max: 10,
      want: { replicas: 10, reason: 'TooManyReplicas' }, // max 10 is not above the limit 10
    },
    {
      name: 'the legacy path does not limit scale down',
      current: 50, desired: 1, min: 1, max: 100,
      want: { replicas: 1, reason: 'DesiredWithinRange' },
    },
  ];
  test.each(cases)('$name', (c) => {
    const got = convertDesiredReplicasWithRules(c.current, c.desired, c.min, c.max);
    expect({ replicas: got.replicas, reason: got.code }).toEqual(c.want);
  });

  test.each([
    [0, 4],
    [1, 4],
    [2, 4],
    [3, 6],
    [50, 100],
  ])('calculateLegacyScaleUpLimit(%i) = %i', (current, want) => {
    expect(calculateLegacyScaleUpLimit(current)).toBe(want);
  });
});
