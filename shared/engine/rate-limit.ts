// Scale rate limits, ported from the HPA controller (horizontal.go). Each clamp returns the
// replica count together with the reason it has that value.
import type { Clamped, ScaleEvent, ScalingRules } from './types.js';
import { MAX_INT32 } from './metric.js';
import { seconds, toMs } from './time.js';

const MIN_INT32 = -2_147_483_648;

/** Sum of the changes recorded strictly inside the last `periodSeconds` ('outdated' is ignored). */
export function replicasChangePerPeriod(periodSeconds: number, events: ScaleEvent[], now: number): number {
  const cutoff = now - seconds(periodSeconds);
  return events.reduce((sum, e) => (toMs(e.timestamp) > cutoff ? sum + e.change : sum), 0);
}

/** Replicas at the start of a policy period: both directions count (PR #109058). */
function periodStartReplicas(
  current: number,
  periodSeconds: number,
  upEvents: ScaleEvent[],
  downEvents: ScaleEvent[],
  now: number,
): number {
  return (
    current -
    replicasChangePerPeriod(periodSeconds, upEvents, now) +
    replicasChangePerPeriod(periodSeconds, downEvents, now)
  );
}

/** calculateScaleUpLimitWithScalingRules: Max picks the largest allowed count, Min the smallest. */
export function calculateScaleUpLimit(
  current: number,
  upEvents: ScaleEvent[],
  downEvents: ScaleEvent[],
  rules: ScalingRules,
  now: number,
): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.min : Math.max;
  let limit = rules.selectPolicy === 'Min' ? MAX_INT32 : MIN_INT32;
  for (const policy of rules.policies) {
    const start = periodStartReplicas(current, policy.periodSeconds, upEvents, downEvents, now);
    const proposed =
      policy.type === 'Pods' ? start + policy.value : Math.ceil(start * (1 + policy.value / 100));
    limit = pick(limit, proposed);
  }
  return limit;
}

/** calculateScaleDownLimitWithBehaviors: Max allows the most change, i.e. the lowest floor. */
export function calculateScaleDownLimit(
  current: number,
  upEvents: ScaleEvent[],
  downEvents: ScaleEvent[],
  rules: ScalingRules,
  now: number,
): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.max : Math.min;
  let limit = rules.selectPolicy === 'Min' ? MIN_INT32 : MAX_INT32;
  for (const policy of rules.policies) {
    const start = periodStartReplicas(current, policy.periodSeconds, upEvents, downEvents, now);
    // Go converts float64 to int32 by truncation toward zero.
    const proposed =
      policy.type === 'Pods' ? start - policy.value : Math.trunc(start * (1 - policy.value / 100));
    limit = pick(limit, proposed);
  }
  return limit;
}

/** The HPA's clamp reasons with their condition messages (horizontal.go). */
const CLAMP_MESSAGES = {
  DesiredWithinRange: 'the desired count is within the acceptable range',
  ScaleUpLimit: 'the desired replica count is increasing faster than the maximum scale rate',
  TooManyReplicas: 'the desired replica count is more than the maximum replica count',
  ScaleDownLimit: 'the desired replica count is decreasing faster than the maximum scale rate',
  TooFewReplicas: 'the desired replica count is less than the minimum replica count',
} as const;

const clamped = (replicas: number, code: keyof typeof CLAMP_MESSAGES): Clamped => ({ replicas, code, message: CLAMP_MESSAGES[code] });

export interface RateLimitInput {
  desired: number;
  current: number;
  min: number;
  max: number;
  scaleUp: ScalingRules;
  scaleDown: ScalingRules;
  upEvents: ScaleEvent[];
  downEvents: ScaleEvent[];
  now: number;
}

/** convertDesiredReplicasWithBehaviorRate: policies cap a change, they never push past it. */
export function convertDesiredReplicasWithBehaviorRate(input: RateLimitInput): Clamped {
  const { desired, current, min, max, upEvents, downEvents, now } = input;
  if (desired > current) {
    const limit = Math.max(calculateScaleUpLimit(current, upEvents, downEvents, input.scaleUp, now), current);
    if (max > limit) {
      if (desired > limit) return clamped(limit, 'ScaleUpLimit');
    } else if (desired > max) return clamped(max, 'TooManyReplicas');
  } else if (desired < current) {
    const limit = Math.min(calculateScaleDownLimit(current, upEvents, downEvents, input.scaleDown, now), current);
    if (min < limit) {
      if (desired < limit) return clamped(limit, 'ScaleDownLimit');
    } else if (desired < min) return clamped(min, 'TooFewReplicas');
  }
  return clamped(desired, 'DesiredWithinRange');
}

/** scaleUpLimitFactor and scaleUpLimitMinimum of the no-behavior path. */
export const calculateLegacyScaleUpLimit = (current: number): number => Math.trunc(Math.max(2 * current, 4));

/** convertDesiredReplicasWithRules: the no-behavior path's clamp (max(2x, 4) per evaluation). */
export function convertDesiredReplicasWithRules(current: number, desired: number, min: number, max: number): Clamped {
  const scaleUpLimit = calculateLegacyScaleUpLimit(current);
  if (desired < min) return clamped(min, 'TooFewReplicas');
  if (max > scaleUpLimit) {
    if (desired > scaleUpLimit) return clamped(scaleUpLimit, 'ScaleUpLimit');
  } else if (desired > max) return clamped(max, 'TooManyReplicas');
  return clamped(desired, 'DesiredWithinRange');
}
