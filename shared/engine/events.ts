// Scale events and history pruning. Upstream keeps this history in controller memory; we keep
// it in the state row, so it is pruned to what the windows and periods can still count.
import type { Behavior, Recommendation, ScaleEvent, ScalerState, ScalingRules } from './types.js';
import { seconds, toIso, toMs } from './time.js';

export const longestPolicyPeriod = (rules: ScalingRules): number =>
  rules.policies.reduce((longest, p) => Math.max(longest, p.periodSeconds), 0);

/**
 * storeScaleEvent: after a successful scale on the behavior path, mark the direction's events
 * older than its longest period as outdated, then replace the last outdated one or append.
 */
export function storeScaleEvent(
  events: ScaleEvent[],
  rules: ScalingRules,
  change: number,
  now: number,
): ScaleEvent[] {
  const cutoff = now - seconds(longestPolicyPeriod(rules));
  const marked = events.map((e) => (toMs(e.timestamp) < cutoff ? { ...e, outdated: true } : e));
  const entry: ScaleEvent = { change, timestamp: toIso(now), outdated: false };
  const lastOutdated = marked.map((e) => e.outdated).lastIndexOf(true);
  if (lastOutdated < 0) return [...marked, entry];
  return marked.map((e, i) => (i === lastOutdated ? entry : e));
}

/** How far back the history can still matter, in seconds. */
export function historyHorizonSeconds(behavior: Behavior | undefined, legacyWindowSeconds: number): {
  recommendations: number;
  events: number;
} {
  if (!behavior) return { recommendations: legacyWindowSeconds, events: 0 };
  return {
    recommendations: Math.max(behavior.scaleUp.stabilizationWindowSeconds, behavior.scaleDown.stabilizationWindowSeconds),
    // Scale-down limits count scale-up events too (and the reverse), so both lists live as long
    // as the longest period of either direction.
    events: Math.max(longestPolicyPeriod(behavior.scaleUp), longestPolicyPeriod(behavior.scaleDown)),
  };
}

/** Drops entries that no window or period can count again (older than the horizon). */
export function pruneOlderThan<T extends Recommendation | ScaleEvent>(entries: T[], horizonSeconds: number, now: number): T[] {
  const cutoff = now - seconds(horizonSeconds);
  return entries.filter((e) => toMs(e.timestamp) >= cutoff);
}

/**
 * The state after a scale from `from` to `to` was made at `now`: on the behavior path the change
 * is stored as a scale event of its direction (no-behavior path: nothing to store).
 */
export function recordScaleChange(behavior: Behavior | undefined, state: ScalerState, from: number, to: number, now: number): ScalerState {
  if (!behavior || from === to) return state;
  if (to > from) return { ...state, scaleUpEvents: storeScaleEvent(state.scaleUpEvents ?? [], behavior.scaleUp, to - from, now) };
  return { ...state, scaleDownEvents: storeScaleEvent(state.scaleDownEvents ?? [], behavior.scaleDown, from - to, now) };
}
