// Scale events, ported from kubernetes/kubernetes horizontal_test.go TestStoreScaleEvents (the
// rows with a behavior; "no behavior stores nothing" is a decide() test), plus the history
// horizon and pruning that replace upstream's in-memory history.
import { describe, expect, test } from 'vitest';
import {
  historyHorizonSeconds,
  longestPolicyPeriod,
  pruneOlderThan,
  storeScaleEvent,
} from '../../shared/engine/events.js';
import { replicasChangePerPeriod } from '../../shared/engine/rate-limit.js';
import type { ScaleEvent, ScalingRules } from '../../shared/engine/index.js';
import { ago, behavior, deepFreeze, event, NOW, rec, rules } from './fixtures.js';

describe('storeScaleEvent (TestStoreScaleEvents)', () => {
  const cases: {
    name: string;
    prev: ScaleEvent[];
    rules: ScalingRules;
    /** Sum of the previous events inside 60 s (upstream checks it before storing). */
    changeIn60s: number;
    /** [change, outdated, stampedNow] of every stored event, in order. */
    want: [number, boolean, boolean][];
  }[] = [
    {
      name: 'empty entries with two-policy-behavior',
      prev: [],
      rules: rules({ pods: 10, podsPeriodS: 60, percent: 100, percentPeriodS: 60 }),
      changeIn60s: 0,
      want: [[5, false, true]],
    },
    {
      name: 'one outdated entry to be replaced with behavior',
      prev: [event(7, 61)],
      rules: rules({ pods: 10, podsPeriodS: 60, percent: 100, percentPeriodS: 60 }),
      changeIn60s: 0,
      want: [[5, false, true]], // 61 s > the longest period 60 s: outdated, then replaced
    },
    {
      name: 'one actual entry to be not touched with behavior',
      prev: [event(7, 58)],
      rules: rules({ pods: 10, podsPeriodS: 60, percent: 100, percentPeriodS: 60 }),
      changeIn60s: 7,
      want: [
        [7, false, false],
        [5, false, true],
      ],
    },
    {
      name: 'two entries, one of them to be replaced',
      prev: [event(7, 61), event(6, 59)],
      rules: rules({ pods: 10, podsPeriodS: 60 }),
      changeIn60s: 6,
      want: [
        [5, false, true],
        [6, false, false],
      ],
    },
    {
      name: 'replace one entry, use policies with different periods',
      prev: [event(8, 29), event(6, 59), event(7, 61), event(9, 61)],
      rules: rules({ pods: 10, podsPeriodS: 60, percent: 100, percentPeriodS: 30 }),
      changeIn60s: 14, // 8 + 6
      want: [
        [8, false, false],
        [6, false, false],
        [7, true, false], // outdated against the longest period (60 s), kept for later reuse
        [5, false, true], // the LAST outdated entry is replaced
      ],
    },
    {
      name: 'two entries, both actual',
      prev: [event(7, 58), event(6, 59)],
      rules: rules({ pods: 10, podsPeriodS: 120, percent: 100, percentPeriodS: 30 }),
      changeIn60s: 13,
      want: [
        [7, false, false],
        [6, false, false],
        [5, false, true],
      ],
    },
    // our own rows
    {
      name: 'an event exactly one longest period old is not outdated (strict <)',
      prev: [event(4, 60)],
      rules: rules({ pods: 10, podsPeriodS: 60 }),
      changeIn60s: 0,
      want: [
        [4, false, false],
        [5, false, true],
      ],
    },
    {
      name: 'an already outdated event is reused even if it is recent',
      prev: [event(4, 10, true)],
      rules: rules({ pods: 10, podsPeriodS: 60 }),
      changeIn60s: 4,
      want: [[5, false, true]],
    },
  ];

  test.each(cases)('$name', (c) => {
    const prev = deepFreeze(c.prev);
    expect(replicasChangePerPeriod(60, prev, NOW)).toBe(c.changeIn60s);
    const got = storeScaleEvent(prev, c.rules, 5, NOW);
    expect(got.map((e) => [e.change, e.outdated, e.timestamp === ago(0)])).toEqual(c.want);
  });
});

describe('longestPolicyPeriod and historyHorizonSeconds', () => {
  test.each([
    { name: 'one policy', r: rules({ pods: 1, podsPeriodS: 45 }), want: 45 },
    { name: 'the longest of two', r: rules({ pods: 1, podsPeriodS: 45, percent: 5, percentPeriodS: 600 }), want: 600 },
    { name: 'no policies', r: rules({}), want: 0 },
  ])('longestPolicyPeriod: $name', ({ r, want }) => {
    expect(longestPolicyPeriod(r)).toBe(want);
  });

  test('no behavior: the legacy window for recommendations, no events are kept', () => {
    expect(historyHorizonSeconds(undefined, 300)).toEqual({ recommendations: 300, events: 0 });
  });

  test('behavior: the longest window, and the longest period of either direction', () => {
    const b = behavior({
      scaleUp: rules({ pods: 4, podsPeriodS: 15, windowS: 30 }),
      scaleDown: rules({ percent: 10, percentPeriodS: 900, windowS: 600 }),
    });
    // scale-up limits count scale-down events and the reverse, so both lists live 900 s
    expect(historyHorizonSeconds(b, 300)).toEqual({ recommendations: 600, events: 900 });
  });

  test('the default behavior keeps 300 s of recommendations and 15 s of events', () => {
    expect(historyHorizonSeconds(behavior(), 300)).toEqual({ recommendations: 300, events: 15 });
  });
});

describe('pruneOlderThan', () => {
  test('keeps entries at or after the cutoff, drops older ones, keeps order', () => {
    const entries = deepFreeze([rec(1, 301), rec(2, 300), rec(3, 10), rec(4, 0)]);
    expect(pruneOlderThan(entries, 300, NOW).map((r) => r.replicas)).toEqual([2, 3, 4]);
    expect(entries).toHaveLength(4);
  });

  test('a zero horizon keeps only entries stamped now', () => {
    expect(pruneOlderThan([event(1, 1), event(2, 0)], 0, NOW).map((e) => e.change)).toEqual([2]);
  });

  test('what it drops can never be counted by a window or period of that length', () => {
    // An entry the prune drops is older than the horizon; the windows count strictly newer ones.
    const events = [event(3, 61), event(4, 60), event(5, 59)];
    const kept = pruneOlderThan(events, 60, NOW);
    expect(replicasChangePerPeriod(60, kept, NOW)).toBe(replicasChangePerPeriod(60, events, NOW));
  });
});
