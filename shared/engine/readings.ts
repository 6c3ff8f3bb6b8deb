// Trigger results -> what the engine reasons with: activity, failures, fallback, HPA proposals.
// With advanced.scalingModifiers, one composite metric takes the triggers' place (composite.ts).
import type { Fallback, ScalingSpec, TriggerResult, TriggerThresholds } from './types.js';
import { readComposite } from './composite.js';
import { countFailures, fallbackReplicas, isFallbackInEffect } from './fallback.js';
import { DEFAULT_TOLERANCE, fallbackMetric, replicasFor, shownProposal, type Tolerances, type ValueReplicas } from './metric.js';

export interface Readings {
  /** Some trigger value is above its activation threshold (KEDA: value > activation). */
  active: boolean;
  /** Some trigger failed this evaluation. */
  anyError: boolean;
  /** Some failing trigger is replaced by fallback replicas. */
  fallbackActive: boolean;
  /**
   * Fallback counts as activity (KEDA PR #7244: a trigger in fallback is active). Not with
   * scalingModifiers, where only the composite value against activationTarget is.
   */
  fallbackIsActivity: boolean;
  failures: number[];
  /** The HPA's answer per metric (per trigger, or the composite's); undefined for a metric it cannot use. */
  proposals: (number | undefined)[];
  /** One line per trigger (and the composite's), for the decision's reason. */
  notes: string[];
  /** With scalingModifiers: the composite metric's value, null when there is none. */
  composite?: number | null | undefined;
}

/** The workload's counts the HPA's math reads: spec, status and (for Value targets) ready replicas. */
export interface ReplicaCounts {
  spec: number;
  status: number;
  /** status.readyReplicas; defaults to status. */
  ready?: number | undefined;
}

/** What the Value math reads of the counts (metric.ts), the ready pods defaulting to status. */
export const valueReplicas = (replicas: ReplicaCounts): ValueReplicas & { status: number } => ({
  spec: replicas.spec,
  status: replicas.status,
  ready: replicas.ready ?? replicas.status,
  pods: replicas.status,
});

/** A reading the HPA could not use (negative, NaN, infinite) is an error, never a zero. */
export function checkedResult(result: TriggerResult | undefined): TriggerResult {
  if (result === undefined) return { error: 'no reading for this trigger' };
  if ('error' in result) return result;
  if (typeof result.value !== 'number' || !Number.isFinite(result.value) || result.value < 0) {
    return { error: `invalid reading ${String(result.value)}: not a finite, non-negative number` };
  }
  return result;
}

export function tolerancesOf(spec: ScalingSpec): Tolerances {
  return spec.behavior
    ? { scaleUp: spec.behavior.scaleUp.tolerance, scaleDown: spec.behavior.scaleDown.tolerance }
    : { scaleUp: DEFAULT_TOLERANCE, scaleDown: DEFAULT_TOLERANCE };
}

function proposeForTrigger(
  trigger: TriggerThresholds,
  result: TriggerResult,
  failures: number,
  fallback: Fallback | undefined,
  replicas: ReplicaCounts,
  tolerances: Tolerances,
): { proposal: number | undefined; fallback: boolean; note: string } {
  const counts = valueReplicas(replicas);
  const target = `${trigger.metricType === 'Value' ? 'Value target' : 'target'} ${trigger.targetValue}`;
  if (!('error' in result)) {
    const proposal = replicasFor(trigger.metricType, result.value, trigger.targetValue, counts, tolerances);
    const state = result.value > trigger.activationTargetValue ? 'active' : 'not active';
    return {
      proposal,
      fallback: false,
      note: `value ${result.value} (${target}, activation ${trigger.activationTargetValue}, ${state}) -> ${shownProposal(proposal)}`,
    };
  }
  if (isFallbackInEffect(fallback, failures)) {
    // KEDA feeds the HPA a synthetic value of target x replicas (over the ready pods for a Value
    // target), so the HPA lands on them.
    const replicasWanted = fallbackReplicas(fallback, replicas.spec);
    const metric = fallbackMetric(trigger.metricType, trigger.targetValue, replicasWanted, counts.ready);
    const past = `error after ${failures} failures (> failureThreshold ${fallback.failureThreshold})`;
    if (metric === undefined) {
      return { proposal: undefined, fallback: false, note: `${past}: no fallback: a Value target divides it by the ready pods, and none is ready: ${result.error}` };
    }
    const proposal = replicasFor(trigger.metricType, metric, trigger.targetValue, counts, tolerances);
    return {
      proposal,
      fallback: true,
      note: `${past}: fallback ${fallback.behavior} -> ${shownProposal(proposal)}: ${result.error}`,
    };
  }
  return { proposal: undefined, fallback: false, note: `error (${failures} in a row): ${result.error}` };
}

export function readTriggers(
  spec: ScalingSpec,
  results: TriggerResult[],
  previousFailures: number[] | undefined,
  replicas: ReplicaCounts,
): Readings {
  const checked = spec.triggers.map((_, i) => checkedResult(results[i]));
  const failures = countFailures(previousFailures, checked);
  const tolerances = tolerancesOf(spec);
  if (spec.scalingModifiers) {
    const c = readComposite(spec, spec.scalingModifiers, checked, failures, valueReplicas(replicas), tolerances);
    return { active: c.active, anyError: c.anyError, fallbackActive: c.fallbackActive, fallbackIsActivity: false, failures, proposals: [c.proposal], notes: c.notes, composite: c.value };
  }
  const per = spec.triggers.map((trigger, i) =>
    proposeForTrigger(trigger, checked[i]!, failures[i]!, spec.fallback, replicas, tolerances),
  );
  return {
    active: checked.some((r, i) => !('error' in r) && r.value > spec.triggers[i]!.activationTargetValue),
    anyError: checked.some((r) => 'error' in r),
    fallbackActive: per.some((p) => p.fallback),
    fallbackIsActivity: true,
    failures,
    proposals: per.map((p) => p.proposal),
    notes: per.map((p, i) => `trigger ${i}: ${p.note}`),
  };
}

/**
 * computeReplicasForMetrics: the maximum over valid proposals; undefined (do not scale) when all
 * are invalid, or some are and the maximum would lower the current count.
 */
export function combineProposals(proposals: (number | undefined)[], current: number): number | undefined {
  const valid = proposals.filter((p): p is number => p !== undefined);
  if (valid.length === 0) return undefined;
  const highest = Math.max(...valid);
  if (valid.length < proposals.length && highest < current) return undefined;
  return highest;
}
