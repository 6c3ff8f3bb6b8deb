// Builders shared by the engine's table tests. They keep rows short: time is
// always relative to one fixed `NOW`, never read from a clock.
import type {
  Behavior,
  Recommendation,
  ScaleEvent,
  ScalerState,
  ScalingPolicy,
  ScalingRules,
  ScalingSpec,
  SelectPolicy,
  TriggerResult,
} from '../../shared/engine/index.js';

/** The one `now` of every table test: 2026-01-01T00:00:00Z. */
export const NOW = Date.parse('2026-01-01T00:00:00.000Z');

/** ISO timestamp `s` seconds before NOW (negative: after NOW). */
export const ago = (s: number): string => new Date(NOW - s * 1000).toISOString();

/** Epoch ms `s` seconds after NOW. */
export const later = (s: number): number => NOW + s * 1000;

/** A recommendation of `replicas` made `s` seconds ago. */
export const rec = (replicas: number, s: number): Recommendation => ({ replicas, timestamp: ago(s) });

/** A scale event of `change` replicas `s` seconds ago. */
export const event = (change: number, s: number, outdated = false): ScaleEvent => ({
  change,
  timestamp: ago(s),
  outdated,
});

/**
 * Upstream's generateEventsUniformDistribution: the events spread evenly over the last
 * `periodS` seconds, each in the middle of its segment. [1,5,9] over 120 s sit 100, 60 and 20 s
 * ago; [8,12,9,11] over 120 s sit 105, 75, 45 and 15 s ago. Go truncates the offset to whole
 * seconds (time.Duration of a float), and so do we.
 */
export function eventsEvery(changes: number[], periodS: number): ScaleEvent[] {
  const segment = periodS / changes.length;
  return changes.map((change, i) => event(change, Math.trunc(periodS - segment * (i + 1) + segment / 2)));
}

export interface RulesInput {
  pods?: number;
  podsPeriodS?: number;
  percent?: number;
  percentPeriodS?: number;
  windowS?: number;
  select?: SelectPolicy;
  tolerance?: number;
  /** Use these policies instead of pods/percent. */
  policies?: ScalingPolicy[];
}

/**
 * Upstream's generateScalingRules(pods, podsPeriod, percent, percentPeriod, window): a policy
 * for each non-zero value, selectPolicy Max, tolerance 0.1.
 */
export function rules(input: RulesInput = {}): ScalingRules {
  const policies: ScalingPolicy[] = input.policies ?? [];
  if (!input.policies && input.pods) {
    policies.push({ type: 'Pods', value: input.pods, periodSeconds: input.podsPeriodS ?? 60 });
  }
  if (!input.policies && input.percent) {
    policies.push({ type: 'Percent', value: input.percent, periodSeconds: input.percentPeriodS ?? 60 });
  }
  return {
    stabilizationWindowSeconds: input.windowS ?? 0,
    selectPolicy: input.select ?? 'Max',
    policies,
    tolerance: input.tolerance ?? 0.1,
  };
}

/** The autoscaling/v2 default scale-up rules: 0 s window, Max of 4 pods and 100 % per 15 s. */
export const defaultScaleUp = (over: Partial<ScalingRules> = {}): ScalingRules => ({
  ...rules({ pods: 4, podsPeriodS: 15, percent: 100, percentPeriodS: 15, windowS: 0 }),
  ...over,
});

/** The autoscaling/v2 default scale-down rules: 300 s window, 100 % per 15 s. */
export const defaultScaleDown = (over: Partial<ScalingRules> = {}): ScalingRules => ({
  ...rules({ percent: 100, percentPeriodS: 15, windowS: 300 }),
  ...over,
});

/** A behavior with the upstream defaults, either direction overridable. */
export const behavior = (over: Partial<Behavior> = {}): Behavior => ({
  scaleUp: over.scaleUp ?? defaultScaleUp(),
  scaleDown: over.scaleDown ?? defaultScaleDown(),
});

/** A target with KEDA's defaults (min 0, max 100, cooldown 300 s) and one queue trigger. */
export function spec(over: Partial<ScalingSpec> = {}): ScalingSpec {
  return {
    minReplicaCount: 0,
    maxReplicaCount: 100,
    cooldownPeriod: 300,
    initialCooldownPeriod: 0,
    triggers: [{ targetValue: 5, activationTargetValue: 0 }],
    ...over,
  };
}

/** A queue trigger: HPA AverageValue target (queueLength) and activation threshold. */
export const trigger = (targetValue: number, activationTargetValue = 0) => ({ targetValue, activationTargetValue });

export const value = (v: number): TriggerResult => ({ value: v });
export const failed = (error = 'queue unreachable'): TriggerResult => ({ error });

/**
 * A state last active `s` seconds ago, created a day ago. Without `recommendations` the engine
 * seeds the HPA history with the current count (which holds a scale-down for 300 s); pass
 * `recommendations: []` for an empty history.
 */
export const activeAgo = (s: number, over: ScalerState = {}): ScalerState => ({
  lastActiveTime: ago(s),
  createdTime: ago(86_400),
  ...over,
});

/** Deep-freezes a value so that any mutation by the engine throws. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
