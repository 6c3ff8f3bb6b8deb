// The hard bound on a state row's history lists (history-limit.ts): under it nothing changes;
// over it, the lists are cut toward more replicas, never fewer.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { limitRecommendations, limitScaleEvents, MAX_HISTORY_ENTRIES } from '../../shared/engine/history-limit.js';
import { replicasChangePerPeriod } from '../../shared/engine/rate-limit.js';
import type { Recommendation, ScaleEvent } from '../../shared/engine/index.js';
import { event, NOW, rec } from './fixtures.js';

/** The highest and the lowest proposal newer than `windowS` seconds, as the stabilization windows read them. */
const windowed = (recs: Recommendation[], windowS: number): { high: number; low: number } => {
  const inWindow = recs.filter((r) => Date.parse(r.timestamp) > NOW - windowS * 1000).map((r) => r.replicas);
  return { high: Math.max(-1, ...inWindow), low: Math.min(Infinity, ...inWindow) };
};

const recsArb = fc.array(fc.record({ replicas: fc.nat(50), s: fc.nat(3600) }), { maxLength: 200 }).map((xs) => xs.map((x) => rec(x.replicas, x.s)));
const eventsArb = fc.array(fc.record({ change: fc.integer({ min: 1, max: 20 }), s: fc.nat(1800), outdated: fc.boolean() }), { maxLength: 200 }).map((xs) => xs.map((x) => event(x.change, x.s, x.outdated)));

describe('limitRecommendations', () => {
  const rows: { name: string; recs: Recommendation[]; max: number; want: Recommendation[] }[] = [
    { name: 'within the bound: unchanged', recs: [rec(3, 30), rec(1, 20)], max: 2, want: [rec(3, 30), rec(1, 20)] },
    // 2 (40 s ago) is below the later 5 and above the later 1: no window can pick it.
    { name: 'an entry no window can pick is dropped first', recs: [rec(2, 40), rec(5, 30), rec(1, 20)], max: 2, want: [rec(5, 30), rec(1, 20)] },
    // Every entry can be picked; the two oldest merge into the higher count at the later time.
    { name: 'then the oldest merge, higher count, later time', recs: [rec(1, 40), rec(5, 30), rec(3, 20)], max: 2, want: [rec(5, 30), rec(3, 20)] },
    { name: 'kept in time order whatever the order given', recs: [rec(3, 20), rec(1, 40), rec(5, 30)], max: 2, want: [rec(5, 30), rec(3, 20)] },
  ];
  test.each(rows)('$name', ({ recs, max, want }) => {
    expect(limitRecommendations(recs, max)).toEqual(want);
  });

  test('over the bound, every window sees at least the high and the low it saw before (more replicas, never fewer)', () => {
    fc.assert(
      fc.property(recsArb, fc.integer({ min: 1, max: 20 }), fc.nat(3600), (recs, max, windowS) => {
        const cut = limitRecommendations(recs, max);
        expect(cut.length).toBeLessThanOrEqual(Math.max(max, 0));
        const [before, after] = [windowed(recs, windowS), windowed(cut, windowS)];
        expect(after.high).toBeGreaterThanOrEqual(before.high);
        if (after.low !== Infinity) expect(after.low).toBeGreaterThanOrEqual(before.low);
      }),
      { numRuns: 500 },
    );
  });

  test('when dropping what no window can pick is enough, every window sees exactly what it saw', () => {
    fc.assert(
      fc.property(recsArb, fc.nat(3600), (recs, windowS) => {
        fc.pre(recs.length >= 2);
        const cut = limitRecommendations(recs, recs.length - 1);
        fc.pre(cut.length < recs.length && cut.every((c) => recs.includes(c)));
        expect(windowed(cut, windowS)).toEqual(windowed(recs, windowS));
      }),
      { numRuns: 300 },
    );
  });
});

describe('limitScaleEvents', () => {
  test('within the bound: the same list', () => {
    const events = [event(1, 30), event(2, 10)];
    expect(limitScaleEvents(events, 'up')).toBe(events);
    expect(limitScaleEvents(events, 'down')).toBe(events);
  });

  test.each([
    { direction: 'up' as const, want: [{ change: 3, timestamp: event(0, 30).timestamp, outdated: false }, event(4, 10)] },
    { direction: 'down' as const, want: [{ change: 3, timestamp: event(0, 20).timestamp, outdated: false }, event(4, 10)] },
  ])('$direction: the oldest two merge, changes added, at the $direction time', ({ direction, want }) => {
    expect(limitScaleEvents([event(1, 30), event(2, 20), event(4, 10)], direction, 2)).toEqual(want);
  });

  test('cut, scale-downs count at least as much and scale-ups at most as much in any period (slower down, never slower up)', () => {
    fc.assert(
      fc.property(eventsArb, fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 1800 }), (events, max, periodS) => {
        const exact = replicasChangePerPeriod(periodS, events, NOW);
        expect(replicasChangePerPeriod(periodS, limitScaleEvents(events, 'down', max), NOW)).toBeGreaterThanOrEqual(exact);
        expect(replicasChangePerPeriod(periodS, limitScaleEvents(events, 'up', max), NOW)).toBeLessThanOrEqual(exact);
      }),
      { numRuns: 500 },
    );
  });

  test(`the bound is ${MAX_HISTORY_ENTRIES} entries a list`, () => {
    const many: ScaleEvent[] = Array.from({ length: 3 * MAX_HISTORY_ENTRIES }, (_, i) => event(1, i % 1800));
    expect(limitScaleEvents(many, 'down')).toHaveLength(MAX_HISTORY_ENTRIES);
    // A queue draining over an hour: each proposal is higher than every later one, so each could be a window's highest.
    const draining = Array.from({ length: 3 * MAX_HISTORY_ENTRIES }, (_, i) => rec(3 * MAX_HISTORY_ENTRIES - i, 3 * MAX_HISTORY_ENTRIES - i));
    expect(limitRecommendations(draining)).toHaveLength(MAX_HISTORY_ENTRIES);
  });
});
