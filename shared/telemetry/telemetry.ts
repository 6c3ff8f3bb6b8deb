// The telemetry port: one ScaleDecision per target per evaluation, and failures. What users
// read in App Insights (docs/queries.kql) is shaped here.
import type { Action, ReasonCode } from '../engine/index.js';
import type { ReplayDocument } from '../engine/index.js';

export interface ScaleDecisionEvent {
  /** cluster/namespace/name */
  target: string;
  cluster: string;
  namespace: string;
  kind: string;
  name: string;
  /** Per trigger, in spec order: the value read, or null when it failed. */
  triggerValues: (number | null)[];
  triggerErrors: (string | null)[];
  /** Per trigger: the metric its reading is sent as (its trigger type's, e.g. scaler.queue_length). */
  triggerMetrics: string[];
  /**
   * With advanced.scalingModifiers: the composite metric's value (the formula's, or the fallback
   * metric in its place), null when there was none. Absent without scalingModifiers.
   */
  composite?: number | null | undefined;
  currentReplicas: number;
  desiredReplicas: number;
  finalReplicas: number;
  action: Action;
  code: ReasonCode;
  reason: string;
  /** The scale write was made (false: nothing to change, or it failed). */
  applied: boolean;
  /** Set when the decision could not be applied or saved. */
  error?: string | undefined;
  durationMs: number;
  /** The replay document: `aks-queue-scaler explain` reproduces the decision from it. */
  explain: ReplayDocument;
}

/** The replicas of a workload changed since the scaler last left them, and not by the scaler. */
export interface ScaledByOtherEvent {
  /** cluster/namespace/name */
  target: string;
  cluster: string;
  namespace: string;
  kind: string;
  name: string;
  /** The count the scaler (or its wake path) last left. */
  expectedReplicas: number;
  /** The count read now. */
  foundReplicas: number;
  /** Who set it, as the API server's managedFields say (a field manager), when they do. */
  writer?: { manager: string; operation?: string | undefined; subresource?: string | undefined; time?: string | undefined } | undefined;
}

export interface FailureContext {
  operation: 'evaluate' | 'wake' | 'tick';
  target?: string | undefined;
  cluster?: string | undefined;
}

/** Where a warning comes from: the configuration as it loaded (a dropped field), and which target and field. */
export interface WarningContext {
  operation: 'load';
  where?: string | undefined;
  path?: string | undefined;
}

export interface Telemetry {
  decision(event: ScaleDecisionEvent): void;
  /** Another writer changed a workload's replicas (also said as a warning in the host's log). */
  scaledByOther(event: ScaledByOtherEvent): void;
  failure(error: unknown, context: FailureContext): void;
  /** Something worth knowing that is not a failure: the scaler runs as it says (a configuration warning, once at load). */
  warning(message: string, context: WarningContext): void;
  flush(): Promise<void>;
}
