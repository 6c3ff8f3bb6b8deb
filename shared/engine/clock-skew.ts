// Another instance's clock may run ahead of this one: a timestamp it stored can lie hours in
// the future here. Read as it is, such a time would keep a cooldown from ever ending, count a
// scale event or a recommendation in every window, and leave a target frozen until that clock
// is reached. Each time is therefore read as no later than the reader's `now` ("it happened
// just now", the latest this instance can vouch for). The next state keeps the clamped times,
// so the skew leaves the row after one evaluation.
import type { ScalerState } from './types.js';
import { toIso, toMs } from './time.js';

const isFuture = (iso: string | null | undefined, now: number): iso is string => typeof iso === 'string' && toMs(iso) > now;

const clampEntries = <T extends { timestamp: string }>(entries: T[] | undefined, now: number): T[] | undefined =>
  entries?.map((e) => (isFuture(e.timestamp, now) ? { ...e, timestamp: toIso(now) } : e));

/** The state with every timestamp after `now` moved back to `now`; the same object when none is. */
export function clampStateToNow(state: ScalerState, now: number): ScalerState {
  const entries = [...(state.recommendations ?? []), ...(state.scaleUpEvents ?? []), ...(state.scaleDownEvents ?? [])];
  if (!isFuture(state.lastActiveTime, now) && !isFuture(state.createdTime, now) && !entries.some((e) => isFuture(e.timestamp, now))) return state;
  return {
    ...state,
    lastActiveTime: isFuture(state.lastActiveTime, now) ? toIso(now) : state.lastActiveTime,
    createdTime: isFuture(state.createdTime, now) ? toIso(now) : state.createdTime,
    recommendations: clampEntries(state.recommendations, now),
    scaleUpEvents: clampEntries(state.scaleUpEvents, now),
    scaleDownEvents: clampEntries(state.scaleDownEvents, now),
  };
}
