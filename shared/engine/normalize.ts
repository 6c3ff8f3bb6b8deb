// The HPA's normalization of a metric proposal: stabilization, then rate limits, on either the
// behavior path or the upstream no-behavior path (normalizeDesiredReplicas[WithBehaviors]).
import type { Behavior, Clamped, Recommendation, ScaleEvent } from './types.js';
import { convertDesiredReplicasWithBehaviorRate, convertDesiredReplicasWithRules } from './rate-limit.js';
import { stabilizeRecommendation, stabilizeRecommendationWithBehaviors } from './stabilize.js';

/** --horizontal-pod-autoscaler-downscale-stabilization, the no-behavior path's window. */
export const LEGACY_DOWNSCALE_WINDOW_SECONDS = 300;

export interface NormalizeInput {
  proposal: number;
  current: number;
  min: number;
  max: number;
  behavior: Behavior | undefined;
  recommendations: Recommendation[];
  upEvents: ScaleEvent[];
  downEvents: ScaleEvent[];
  now: number;
}

export interface Normalized extends Clamped {
  /** The stabilized count before rate limits. */
  stabilized: number;
  recommendations: Recommendation[];
}

export function normalizeDesiredReplicas(input: NormalizeInput): Normalized {
  const { proposal, current, min, max, behavior, now } = input;
  if (!behavior) {
    const stable = stabilizeRecommendation(input.recommendations, proposal, LEGACY_DOWNSCALE_WINDOW_SECONDS, now);
    const clamped = convertDesiredReplicasWithRules(current, stable.replicas, min, max);
    return { ...clamped, stabilized: stable.replicas, recommendations: stable.recommendations };
  }
  const stable = stabilizeRecommendationWithBehaviors(
    input.recommendations,
    proposal,
    current,
    behavior.scaleUp.stabilizationWindowSeconds,
    behavior.scaleDown.stabilizationWindowSeconds,
    now,
  );
  const clamped = convertDesiredReplicasWithBehaviorRate({
    desired: stable.replicas,
    current,
    min,
    max,
    scaleUp: behavior.scaleUp,
    scaleDown: behavior.scaleDown,
    upEvents: input.upEvents,
    downEvents: input.downEvents,
    now,
  });
  return { ...clamped, stabilized: stable.replicas, recommendations: stable.recommendations };
}
