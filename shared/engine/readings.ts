// Trigger results -> what the engine reasons with: activity, failures, fallback, HPA proposals.
// A trigger with an age target gives two metrics, its value and its oldest message's age.
// With advanced.scalingModifiers, one composite metric takes the triggers' place (composite.ts);
// the formula sees each trigger's value only, and the configuration refuses an age target there.
import type { Fallback, ScalingSpec, TriggerResult, TriggerThresholds } from './types.js';
import { readComposite } from './composite.js';
import { countFailures, fallbackReplicas, isFallbackInEffect } from './fallback.js';
import { DEFAULT_TOLERANCE, fallbackMetric, replicasFor, replicasForValue, shownProposal, type Tolerances, type ValueReplicas } from './metric.js';

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
  /**
   * The HPA's answer per metric (per trigger, and its age metric when it has one; or the
   * composite's); undefined for a metric it cannot use.
   */
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

const isReading = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/**
 * A reading the HPA could not use (negative, NaN, infinite) is an error, never a zero; so is a
 * missing or unusable age for a trigger with an age target (read as 0 it would look like a queue
 * with nobody waiting).
 */
export function checkedResult(result: TriggerResult | undefined, trigger?: TriggerThresholds): TriggerResult {
  if (result === undefined) return { error: 'no reading for this trigger' };
  if ('error' in result) return result;
  if (!isReading(result.value)) return { error: `invalid reading ${String(result.value)}: not a finite, non-negative number` };
  if (trigger?.age === undefined) return result;
  if (result.age === undefined) return { error: 'the reading has no message age, and the trigger has an age target' };
  if (!isReading(result.age)) return { error: `invalid message age ${String(result.age)}: not a finite, non-negative number of seconds` };
  return result;
}

/** KEDA's activity, for a trigger with two metrics: its value or its age is above its activation threshold. */
const isActive = (trigger: TriggerThresholds, result: { value: number; age?: number | undefined }): boolean =>
  result.value > trigger.activationTargetValue || (trigger.age !== undefined && (result.age ?? 0) > trigger.age.activationTargetValue);

export function tolerancesOf(spec: ScalingSpec): Tolerances {
  return spec.behavior
    ? { scaleUp: spec.behavior.scaleUp.tolerance, scaleDown: spec.behavior.scaleDown.tolerance }
    : { scaleUp: DEFAULT_TOLERANCE, scaleDown: DEFAULT_TOLERANCE };
}

/**
 * The HPA's answers for one trigger: its value's, and its age's when it has an age target (a
 * metric of its own, always a Value target: an age does not divide among replicas). Fallback
 * stands for the trigger as a whole: one answer, the fallback count.
 */
function proposeForTrigger(
  trigger: TriggerThresholds,
  result: TriggerResult,
  failures: number,
  fallback: Fallback | undefined,
  replicas: ReplicaCounts,
  tolerances: Tolerances,
): { proposals: (number | undefined)[]; fallback: boolean; note: string } {
  const counts = valueReplicas(replicas);
  const target = `${trigger.metricType === 'Value' ? 'Value target' : 'target'} ${trigger.targetValue}`;
  if (!('error' in result)) {
    const proposal = replicasFor(trigger.metricType, result.value, trigger.targetValue, counts, tolerances);
    const state = result.value > trigger.activationTargetValue ? 'active' : 'not active';
    const note = `value ${result.value} (${target}, activation ${trigger.activationTargetValue}, ${state}) -> ${shownProposal(proposal)}`;
    if (trigger.age === undefined) return { proposals: [proposal], fallback: false, note };
    const age = result.age ?? 0;
    const byAge = replicasForValue(age, trigger.age.targetValue, counts, tolerances);
    const ageState = age > trigger.age.activationTargetValue ? 'active' : 'not active';
    return {
      proposals: [proposal, byAge],
      fallback: false,
      note: `${note}; message age ${age}s (Value target ${trigger.age.targetValue}s, activation ${trigger.age.activationTargetValue}s, ${ageState}) -> ${shownProposal(byAge)}`,
    };
  }
  if (isFallbackInEffect(fallback, failures)) {
    // KEDA feeds the HPA a synthetic value of target x replicas (over the ready pods for a Value
    // target), so the HPA lands on them.
    const replicasWanted = fallbackReplicas(fallback, replicas.spec);
    const metric = fallbackMetric(trigger.metricType, trigger.targetValue, replicasWanted, counts.ready);
    const past = `error after ${failures} failures (> failureThreshold ${fallback.failureThreshold})`;
    if (metric === undefined) {
      return { proposals: [undefined], fallback: false, note: `${past}: no fallback: a Value target divides it by the ready pods, and none is ready: ${result.error}` };
    }
    const proposal = replicasFor(trigger.metricType, metric, trigger.targetValue, counts, tolerances);
    return {
      proposals: [proposal],
      fallback: true,
      note: `${past}: fallback ${fallback.behavior} -> ${shownProposal(proposal)}: ${result.error}`,
    };
  }
  return { proposals: [undefined], fallback: false, note: `error (${failures} in a row): ${result.error}` };
}

export function readTriggers(
  spec: ScalingSpec,
  results: TriggerResult[],
  previousFailures: number[] | undefined,
  replicas: ReplicaCounts,
): Readings {
  const checked = spec.triggers.map((trigger, i) => checkedResult(results[i], trigger));
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
    active: checked.some((r, i) => !('error' in r) && isActive(spec.triggers[i]!, r)),
    anyError: checked.some((r) => 'error' in r),
    fallbackActive: per.some((p) => p.fallback),
    fallbackIsActivity: true,
    failures,
    proposals: per.flatMap((p) => p.proposals),
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
