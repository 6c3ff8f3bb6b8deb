// The engine's inputs and outputs. Everything here is plain JSON: `cli explain` replays a
// decision from these shapes as recorded in App Insights (docs/engine.md).
import type { FormulaNode } from './formula.js';

/** One HPA scaling policy (autoscaling/v2 HPAScalingPolicy). */
export interface ScalingPolicy {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds: number;
}

export type SelectPolicy = 'Max' | 'Min' | 'Disabled';

/** One direction of `advanced.horizontalPodAutoscalerConfig.behavior`, defaults applied. */
export interface ScalingRules {
  stabilizationWindowSeconds: number;
  selectPolicy: SelectPolicy;
  policies: ScalingPolicy[];
  /** Per-direction HPA tolerance (KEP-4951); the cluster default is 0.1. */
  tolerance: number;
}

export interface Behavior {
  scaleUp: ScalingRules;
  scaleDown: ScalingRules;
}

export type FallbackBehavior =
  | 'static'
  | 'currentReplicas'
  | 'currentReplicasIfHigher'
  | 'currentReplicasIfLower'
  // Per trigger, inside advanced.scalingModifiers' formula: a trigger past failureThreshold is nil
  // there (docs/engine.md, "Scaling modifiers"); fallback.replicas when the formula gives nil.
  | 'scalingModifiers';

export interface Fallback {
  failureThreshold: number;
  replicas: number;
  behavior: FallbackBehavior;
}

/** The HPA target types KEDA gives an external metric (Utilization is refused, as KEDA does). */
export type MetricType = 'AverageValue' | 'Value';

/** What the engine needs of one trigger: its HPA target and activation threshold. */
export interface TriggerThresholds {
  targetValue: number;
  activationTargetValue: number;
  /** AverageValue (the default) divides the value by the replicas; Value is the whole metric's target (metric.ts). */
  metricType?: MetricType | undefined;
  /** The trigger's name: what a scalingModifiers formula calls it. */
  name?: string | undefined;
  /**
   * A second metric of the same reading: how long the oldest waiting message has waited, in
   * seconds, against a target for the whole metric (the Value math: age / target x ready pods),
   * combined with the first by the larger answer, as the HPA combines metrics (readings.ts).
   */
  age?: AgeThresholds | undefined;
}

/** The age metric's target and activation, in seconds: active when the age is more than the activation. */
export interface AgeThresholds {
  targetValue: number;
  activationTargetValue: number;
}

/**
 * advanced.scalingModifiers (KEDA's composite metric): the formula's value replaces the
 * triggers' metrics, compared with target and activationTarget (composite.ts).
 */
export interface ScalingModifiers {
  /** The formula as written, for messages (and KEDA's test for "??" in it). */
  formula: string;
  /** The formula parsed at load, trigger names resolved to indexes (formula.ts). */
  expression: FormulaNode;
  target: number;
  activationTarget: number;
  metricType: MetricType;
}

/** What the engine needs of one target (a validated ScaledObject spec). */
export interface ScalingSpec {
  minReplicaCount: number;
  maxReplicaCount: number;
  idleReplicaCount?: number | undefined;
  cooldownPeriod: number;
  initialCooldownPeriod: number;
  /** The HPA behavior when the user gave one; absent selects the upstream no-behavior path. */
  behavior?: Behavior | undefined;
  fallback?: Fallback | undefined;
  paused?: boolean | undefined;
  triggers: TriggerThresholds[];
  scalingModifiers?: ScalingModifiers | undefined;
}

/**
 * One trigger's reading: its value (a queue length) and, for a trigger with an age target, the
 * age in seconds of its oldest waiting message (0 for an empty queue); or why it failed.
 */
export type TriggerResult = { value: number; age?: number | undefined } | { error: string };

/** What the runtime saw during this evaluation. */
export interface Observation {
  /** scale.spec.replicas of the target. */
  specReplicas: number;
  /** scale.status.replicas; the HPA's AverageValue math divides by it. Defaults to specReplicas. */
  statusReplicas?: number | undefined;
  /** The workload's status.readyReplicas; the HPA's Value math multiplies by it. Defaults to statusReplicas. */
  readyReplicas?: number | undefined;
  /** Annotations of the scale target (KEDA pause annotations are honoured). */
  annotations?: Record<string, string> | undefined;
  /** One result per spec trigger, same order. */
  triggers: TriggerResult[];
  /**
   * Why the stored history cannot be trusted, when it cannot (its row did not read, or the last
   * save failed): the decision then never goes below the current count.
   */
  historyNotTrusted?: string | undefined;
  /**
   * Whether this evaluation is KEDA's poll (its scale loop, every pollingInterval) rather than
   * only the HPA's sync (every tick): only a poll wakes a target at zero and takes one to zero
   * (or idle), and only a poll refreshes lastActiveTime. Absent means a poll.
   */
  poll?: boolean | undefined;
}

export interface Recommendation {
  replicas: number;
  timestamp: string;
}

export interface ScaleEvent {
  change: number;
  timestamp: string;
  outdated: boolean;
}

/** Everything that must survive between evaluations. Every field is optional on input. */
export interface ScalerState {
  recommendations?: Recommendation[] | undefined;
  scaleUpEvents?: ScaleEvent[] | undefined;
  scaleDownEvents?: ScaleEvent[] | undefined;
  lastActiveTime?: string | null | undefined;
  createdTime?: string | null | undefined;
  triggerFailures?: number[] | undefined;
  scaledToZero?: boolean | undefined;
}

export const actions = [
  'scale-up',
  'scale-down',
  'activate',
  'deactivate',
  'none',
  'fallback',
  'paused',
] as const;
export type Action = (typeof actions)[number];

/** Reason codes, named as the HPA controller and KEDA name them. */
export type ReasonCode =
  // HPA clamps (horizontal.go)
  | 'DesiredWithinRange'
  | 'ScaleUpLimit'
  | 'ScaleDownLimit'
  | 'TooManyReplicas'
  | 'TooFewReplicas'
  // The HPA's ScalingActive=False reason at zero replicas: between KEDA's polls nothing acts there.
  | 'ScalingDisabled'
  // KEDA executor
  | 'ScaleTargetActivated'
  | 'ScaleTargetDeactivated'
  | 'ScalerCooldown'
  | 'ScalerNotActive'
  | 'TriggerError'
  | 'FallbackActive'
  | 'Paused'
  | 'PausedReplicas'
  // Ours: a scale-down held because the stored history is missing or was not saved.
  | 'HistoryNotTrusted';

/** A replica count together with the reason it has that value. */
export interface Clamped {
  replicas: number;
  code: ReasonCode;
  message: string;
}

/**
 * A decision's whole input, recorded with it, so that it can be made again (`aks-queue-scaler
 * explain`, docs/engine.md): the time, the target as written in SCALER_TARGETS (parsed again by
 * the configuration), what was observed, and the state as it was given to the engine.
 */
export interface ReplayDocument {
  now: string;
  spec: unknown;
  observation: Observation;
  state: ScalerState;
}

export interface Decision {
  /** The replica count the target should have after this evaluation. */
  replicas: number;
  /** What the metrics asked for before stabilization and policies. */
  desiredReplicas: number;
  action: Action;
  code: ReasonCode;
  /** Human-readable why. */
  reason: string;
  active: boolean;
  /**
   * With advanced.scalingModifiers: the composite metric's value (the formula's, or the fallback
   * metric in its place), null when there was none (a trigger or the formula failed).
   */
  composite?: number | null | undefined;
  /** The state to save once the decision has been applied. */
  state: ScalerState;
}
