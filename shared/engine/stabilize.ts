// Stabilization of replica recommendations, ported from the HPA controller (horizontal.go).
// Both functions store the UNstabilized proposal and return the stabilized count; they never
// mutate their input.
import type { Recommendation } from './types.js';
import { seconds, toIso, toMs } from './time.js';

export interface Stabilized {
  replicas: number;
  recommendations: Recommendation[];
}

/** Stores `proposal` by replacing the last recommendation marked old, or appending it. */
function recordRecommendation(
  recommendations: Recommendation[],
  oldIndex: number,
  proposal: number,
  now: number,
): Recommendation[] {
  const entry = { replicas: proposal, timestamp: toIso(now) };
  if (oldIndex < 0) return [...recommendations, entry];
  return recommendations.map((rec, i) => (i === oldIndex ? entry : rec));
}

/**
 * No-behavior path (stabilizeRecommendation): the maximum proposal of the last `windowSeconds`,
 * i.e. scale-down smoothing only. An entry exactly at the cutoff still counts, as upstream.
 */
export function stabilizeRecommendation(
  recommendations: Recommendation[],
  proposal: number,
  windowSeconds: number,
  now: number,
): Stabilized {
  const cutoff = now - seconds(windowSeconds);
  let replicas = proposal;
  let oldIndex = -1;
  recommendations.forEach((rec, i) => {
    if (toMs(rec.timestamp) < cutoff) oldIndex = i;
    else if (rec.replicas > replicas) replicas = rec.replicas;
  });
  return { replicas, recommendations: recordRecommendation(recommendations, oldIndex, proposal, now) };
}

/**
 * Behavior path (stabilizeRecommendationWithBehaviors, PR #97348): the result starts from the
 * current count and is held within [lowest proposal of the up window, highest proposal of the
 * down window]. Entries exactly at a cutoff are neither counted nor old.
 */
export function stabilizeRecommendationWithBehaviors(
  recommendations: Recommendation[],
  proposal: number,
  current: number,
  upWindowSeconds: number,
  downWindowSeconds: number,
  now: number,
): Stabilized {
  const upCutoff = now - seconds(upWindowSeconds);
  const downCutoff = now - seconds(downWindowSeconds);
  let up = proposal;
  let down = proposal;
  let oldIndex = -1;
  recommendations.forEach((rec, i) => {
    const ts = toMs(rec.timestamp);
    if (ts > upCutoff) up = Math.min(up, rec.replicas);
    if (ts > downCutoff) down = Math.max(down, rec.replicas);
    if (ts < upCutoff && ts < downCutoff) oldIndex = i;
  });
  const replicas = Math.min(Math.max(current, up), down);
  return { replicas, recommendations: recordRecommendation(recommendations, oldIndex, proposal, now) };
}
