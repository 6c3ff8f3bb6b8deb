// Stabilization, ported from kubernetes/kubernetes horizontal_test.go: TestNormalizeDesiredReplicas
// (the no-behavior path's 300 s scale-down window) and TestNormalizeDesiredReplicasWithBehavior
// (the stabilization "envelope" of PR #97348), plus the normalize pipeline on both paths.
import { describe, expect, test } from 'vitest';
import { stabilizeRecommendation, stabilizeRecommendationWithBehaviors } from '../../shared/engine/stabilize.js';
import { LEGACY_DOWNSCALE_WINDOW_SECONDS, normalizeDesiredReplicas } from '../../shared/engine/normalize.js';
import type { Behavior, ReasonCode, Recommendation, ScaleEvent } from '../../shared/engine/index.js';
import { ago, behavior, deepFreeze, event, NOW, rec, rules } from './fixtures.js';

const minutes = (m: number) => m * 60;

describe('stabilizeRecommendation (TestNormalizeDesiredReplicas, 300 s window)', () => {
  const cases: { name: string; recs: Recommendation[]; proposal: number; want: number; wantLog: number[] }[] = [
    { name: 'empty log', recs: [], proposal: 5, want: 5, wantLog: [5] },
    {
      name: 'stabilize',
      recs: [rec(4, minutes(2)), rec(5, minutes(1))],
      proposal: 3,
      want: 5, // the highest proposal of the last 5 minutes
      wantLog: [4, 5, 3],
    },
    {
      name: 'no stabilize',
      recs: [rec(1, minutes(2)), rec(2, minutes(1))],
      proposal: 3,
      want: 3,
      wantLog: [1, 2, 3],
    },
    {
      name: 'no stabilize - old recommendations',
      recs: [rec(10, minutes(10)), rec(9, minutes(9))],
      proposal: 3,
      want: 3, // both are older than 5 minutes; the last old one is replaced
      wantLog: [10, 3],
    },
    {
      name: 'stabilize - old recommendations',
      recs: [rec(10, minutes(10)), rec(4, minutes(1)), rec(5, minutes(2)), rec(9, minutes(9))],
      proposal: 3,
      want: 5, // 10 and 9 are too old; max(3, 4, 5)
      wantLog: [10, 4, 5, 3],
    },
    {
      name: 'an entry exactly at the cutoff still counts and is not old',
      recs: [rec(8, 300)],
      proposal: 3,
      want: 8,
      wantLog: [8, 3],
    },
    {
      name: 'an entry just past the cutoff is old and replaced',
      recs: [rec(8, 301)],
      proposal: 3,
      want: 3,
      wantLog: [3],
    },
    {
      name: 'scale up is never delayed',
      recs: [rec(2, 30), rec(3, 15)],
      proposal: 9,
      want: 9,
      wantLog: [2, 3, 9],
    },
  ];
  test.each(cases)('$name', (c) => {
    const input = deepFreeze(c.recs);
    const got = stabilizeRecommendation(input, c.proposal, LEGACY_DOWNSCALE_WINDOW_SECONDS, NOW);
    expect(got.replicas).toBe(c.want);
    expect(got.recommendations.map((r) => r.replicas)).toEqual(c.wantLog);
    // the UNstabilized proposal is what is stored, stamped now
    expect(got.recommendations).toContainEqual({ replicas: c.proposal, timestamp: ago(0) });
  });

  test('the legacy window is --horizontal-pod-autoscaler-downscale-stabilization, 300 s', () => {
    expect(LEGACY_DOWNSCALE_WINDOW_SECONDS).toBe(300);
  });
});

describe('stabilizeRecommendationWithBehaviors (TestNormalizeDesiredReplicasWithBehavior)', () => {
  const cases: {
    name: string;
    recs: Recommendation[];
    current: number;
    proposal: number;
    upS?: number;
    downS?: number;
    want: number;
    wantLog?: number[];
  }[] = [
    {
      name: 'empty recommendations for scaling down',
      recs: [],
      current: 100, proposal: 5,
      want: 5, // both windows 0: the envelope is [5, 5]
      wantLog: [5],
    },
    {
      name: 'simple scale down stabilization',
      recs: [rec(4, minutes(2)), rec(5, minutes(1))],
      current: 100, proposal: 3, downS: minutes(3),
      want: 5, // max over the down window: 5
      wantLog: [4, 5, 3],
    },
    {
      name: 'simple scale up stabilization',
      recs: [rec(4, minutes(2)), rec(5, minutes(1))],
      current: 1, proposal: 7, upS: minutes(5),
      want: 4, // min over the up window: 4
      wantLog: [4, 5, 7],
    },
    {
      name: 'no scale down stabilization',
      recs: [rec(1, minutes(2)), rec(2, minutes(1))],
      current: 100, proposal: 3, upS: minutes(5),
      want: 3,
      wantLog: [1, 2, 3],
    },
    {
      name: 'no scale up stabilization',
      recs: [rec(4, minutes(2)), rec(5, minutes(1))],
      current: 1, proposal: 3, downS: minutes(5),
      want: 3,
      wantLog: [4, 5, 3],
    },
    {
      name: 'no scale down stabilization, reuse recommendation element',
      recs: [rec(10, minutes(10)), rec(9, minutes(9))],
      current: 100, proposal: 3,
      want: 3, // both old for both windows: the last old one is replaced
      wantLog: [10, 3],
    },
    {
      name: 'no scale up stabilization, reuse recommendation element',
      recs: [rec(10, minutes(10)), rec(9, minutes(9))],
      current: 1, proposal: 100,
      want: 100,
      wantLog: [10, 100],
    },
    {
      name: 'scale down stabilization, reuse one of obsolete recommendation element',
      recs: [rec(10, minutes(10)), rec(4, minutes(1)), rec(5, minutes(2)), rec(9, minutes(9))],
      current: 100, proposal: 3, downS: minutes(3),
      want: 5,
      wantLog: [10, 4, 5, 3],
    },
    {
      name: 'scale up stabilization, reuse one of obsolete recommendation element',
      recs: [rec(10, minutes(100)), rec(6, minutes(1)), rec(5, minutes(2)), rec(9, minutes(3))],
      current: 1, proposal: 100, upS: 300,
      want: 5, // min(100, 6, 5, 9); only the first is old for both windows
      wantLog: [100, 6, 5, 9],
    },
    {
      name: 'scale up and down stabilization, do not scale up when prenormalized rec goes down',
      recs: [rec(2, minutes(100)), rec(3, minutes(3))],
      current: 2, proposal: 1, upS: 300, downS: 300,
      want: 2, // envelope [min(1, 3), max(1, 3)] = [1, 3] holds current 2
    },
    {
      name: 'scale up and down stabilization, do not scale down when prenormalized rec goes up',
      recs: [rec(2, minutes(100)), rec(1, minutes(3))],
      current: 2, proposal: 3, upS: 300, downS: 300,
      want: 2, // envelope [1, 3] holds current 2
    },
    // our own rows
    {
      name: 'an entry exactly at the cutoff is neither counted nor old',
      recs: [rec(9, 60)],
      current: 10, proposal: 2, downS: 60,
      want: 2, // 9 is not inside the 60 s window (strict >) ...
      wantLog: [9, 2], // ... and not old (strict <), so the proposal is appended
    },
    {
      name: 'an entry just inside the down window counts',
      recs: [rec(9, 59)],
      current: 10, proposal: 2, downS: 60,
      want: 9,
      wantLog: [9, 2],
    },
    {
      name: 'an entry inside only one window is not old',
      recs: [rec(9, 100)],
      current: 1, proposal: 2, upS: 60, downS: 300,
      want: 2, // envelope [2, max(2, 9)]: current 1 is raised to 2
      wantLog: [9, 2], // 9 is old for the up window only, so it is kept
    },
  ];
  test.each(cases)('$name', (c) => {
    const input = deepFreeze(c.recs);
    const got = stabilizeRecommendationWithBehaviors(input, c.proposal, c.current, c.upS ?? 0, c.downS ?? 0, NOW);
    expect(got.replicas).toBe(c.want);
    if (c.wantLog) expect(got.recommendations.map((r) => r.replicas)).toEqual(c.wantLog);
    expect(got.recommendations).toContainEqual({ replicas: c.proposal, timestamp: ago(0) });
    expect(got.recommendations).toHaveLength(c.wantLog?.length ?? got.recommendations.length);
  });
});

describe('normalizeDesiredReplicas: stabilization, then rate limits', () => {
  const cases: {
    name: string;
    proposal: number;
    current: number;
    min?: number;
    max?: number;
    behavior?: Behavior;
    recs?: Recommendation[];
    upEvents?: ScaleEvent[];
    want: { replicas: number; stabilized: number; code: ReasonCode };
  }[] = [
    {
      name: 'no behavior: the 300 s window holds a scale down (TestScaleDownStabilizeInitialSize)',
      proposal: 3, current: 5, recs: [rec(5, 0)],
      want: { replicas: 5, stabilized: 5, code: 'DesiredWithinRange' },
    },
    {
      name: 'no behavior: max(2x, 4) caps a scale up after stabilization',
      proposal: 50, current: 3, recs: [],
      want: { replicas: 6, stabilized: 50, code: 'ScaleUpLimit' },
    },
    {
      name: 'no behavior: min clamps a scale down',
      proposal: 0, current: 3, min: 2, recs: [],
      want: { replicas: 2, stabilized: 0, code: 'TooFewReplicas' },
    },
    {
      name: 'behavior: the down window holds, then nothing to limit',
      proposal: 2, current: 10, behavior: behavior(), recs: [rec(8, 100)],
      want: { replicas: 8, stabilized: 8, code: 'DesiredWithinRange' },
    },
    {
      name: 'behavior: policies limit the stabilized count',
      proposal: 50, current: 10,
      behavior: behavior({ scaleUp: rules({ pods: 5, podsPeriodS: 60 }) }),
      recs: [],
      upEvents: [event(3, 30)],
      want: { replicas: 12, stabilized: 50, code: 'ScaleUpLimit' }, // 10 - 3 + 5
    },
    {
      name: 'behavior: policies never push past the stabilized count (#102633)',
      proposal: 11, current: 10, behavior: behavior(), recs: [],
      want: { replicas: 11, stabilized: 11, code: 'DesiredWithinRange' },
    },
  ];
  test.each(cases)('$name', (c) => {
    const got = normalizeDesiredReplicas({
      proposal: c.proposal,
      current: c.current,
      min: c.min ?? 1,
      max: c.max ?? 100,
      behavior: c.behavior,
      recommendations: deepFreeze(c.recs ?? []),
      upEvents: deepFreeze(c.upEvents ?? []),
      downEvents: [],
      now: NOW,
    });
    expect({ replicas: got.replicas, stabilized: got.stabilized, code: got.code }).toEqual(c.want);
    expect(got.recommendations.at(-1)).toEqual({ replicas: c.proposal, timestamp: ago(0) });
  });
});
