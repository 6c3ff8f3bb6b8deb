// A hard bound on the history a state row carries. The windows and periods already prune it
// (events.ts), and with the fastest allowed schedule (every 5 s) and the longest windows (3,600 s
// of stabilization, 1,800 s policy periods) a list holds at most 721 entries. More can only come
// from extra writers (several instances, many wakes), and the row must still fit Table Storage.
// When a list must be cut, it is cut toward more replicas, never fewer:
// - recommendations: first drop the entries no window can pick any more (one that a later entry
//   equals or beats both as the highest and as the lowest); that changes no decision. Then merge
//   the oldest neighbours into one entry with the higher count at the later time: the scale-down
//   window holds at least as high, as long; the scale-up window may let a scale-up through sooner.
// - scale events: merge the oldest neighbours, adding their changes. Scale-down events take the
//   later time (counted longer: scale-downs are limited more), scale-up events the earlier one
//   (counted less long: scale-ups are limited less, and the period-start count of a scale-down
//   limit stays higher).
import type { Recommendation, ScaleEvent } from './types.js';
import { toMs } from './time.js';

/** The most entries one history list keeps. */
export const MAX_HISTORY_ENTRIES = 1_000;

const byTime = <T extends { timestamp: string }>(entries: T[]): T[] => [...entries].sort((a, b) => toMs(a.timestamp) - toMs(b.timestamp));

/** Merges the two oldest entries until at most `max` are left (entries sorted by time). */
function mergeOldest<T>(sorted: T[], max: number, merge: (older: T, newer: T) => T): T[] {
  const out = [...sorted];
  while (out.length > max) out.splice(0, 2, merge(out[0]!, out[1]!));
  return out;
}

/**
 * Keeps the recommendations a window can still pick: the highest of a window is never an entry
 * with a later one at least as high, the lowest never one with a later one at most as low.
 */
function withoutDominated(sorted: Recommendation[]): Recommendation[] {
  let laterMax = -Infinity;
  let laterMin = Infinity;
  const kept: Recommendation[] = [];
  for (let i = sorted.length - 1; i >= 0; i--) {
    const r = sorted[i]!;
    if (r.replicas > laterMax || r.replicas < laterMin) kept.push(r);
    laterMax = Math.max(laterMax, r.replicas);
    laterMin = Math.min(laterMin, r.replicas);
  }
  return kept.reverse();
}

export function limitRecommendations(recommendations: Recommendation[], max = MAX_HISTORY_ENTRIES): Recommendation[] {
  if (recommendations.length <= max) return recommendations;
  return mergeOldest(withoutDominated(byTime(recommendations)), max, (older, newer) => ({
    replicas: Math.max(older.replicas, newer.replicas),
    timestamp: newer.timestamp,
  }));
}

export function limitScaleEvents(events: ScaleEvent[], direction: 'up' | 'down', max = MAX_HISTORY_ENTRIES): ScaleEvent[] {
  if (events.length <= max) return events;
  return mergeOldest(byTime(events), max, (older, newer) => ({
    change: older.change + newer.change,
    timestamp: direction === 'down' ? newer.timestamp : older.timestamp,
    outdated: older.outdated && newer.outdated,
  }));
}
