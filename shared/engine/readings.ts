// Trigger results -> what the engine reasons with: activity, failures, fallback, HPA proposals.
import type { Fallback, ScalingSpec, TriggerResult, TriggerThresholds } from './types.js';
import { countFailures, fallbackReplicas, isFallbackInEffect } from './fallback.js';
import { DEFAULT_TOLERANCE, replicasForAverageValue, type Tolerances } from './metric.js';

export interface Readings {
  /** Some trigger value is above its activation threshold (KEDA: value > activation). */
  active: boolean;
  /** Some trigger failed this evaluation. */
  anyError: boolean;
  /** Some failing trigger is replaced by fallback replicas. */
  fallbackActive: boolean;
  failures: number[];
  /** The HPA's answer per trigger; undefined for a failed trigger without fallback. */
  proposals: (number | undefined)[];
  /** One line per trigger, for the decision's reason. */
  notes: string[];
}

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
  replicas: { spec: number; status: number },
  tolerances: Tolerances,
): { proposal: number | undefined; fallback: boolean; note: string } {
  if (!('error' in result)) {
    const proposal = replicasForAverageValue(result.value, trigger.targetValue, replicas.status, tolerances);
    const state = result.value > trigger.activationTargetValue ? 'active' : 'not active';
    return {
      proposal,
      fallback: false,
      note: `value ${result.value} (target ${trigger.targetValue}, activation ${trigger.activationTargetValue}, ${state}) -> ${proposal}`,
    };
  }
  if (isFallbackInEffect(fallback, failures)) {
    // KEDA feeds the HPA a synthetic value of target x replicas, so the HPA lands on them.
    const replicasWanted = fallbackReplicas(fallback, replicas.spec);
    const proposal = replicasForAverageValue(
      trigger.targetValue * replicasWanted,
      trigger.targetValue,
      replicas.status,
      tolerances,
    );
    return {
      proposal,
      fallback: true,
      note: `error after ${failures} failures (> failureThreshold ${fallback.failureThreshold}): fallback ${fallback.behavior} -> ${proposal}: ${result.error}`,
    };
  }
  return { proposal: undefined, fallback: false, note: `error (${failures} in a row): ${result.error}` };
}

export function readTriggers(
  spec: ScalingSpec,
  results: TriggerResult[],
  previousFailures: number[] | undefined,
  replicas: { spec: number; status: number },
): Readings {
  const checked = spec.triggers.map((_, i) => checkedResult(results[i]));
  const failures = countFailures(previousFailures, checked);
  const tolerances = tolerancesOf(spec);
  const per = spec.triggers.map((trigger, i) =>
    proposeForTrigger(trigger, checked[i]!, failures[i]!, spec.fallback, replicas, tolerances),
  );
  return {
    active: checked.some((r, i) => !('error' in r) && r.value > spec.triggers[i]!.activationTargetValue),
    anyError: checked.some((r) => 'error' in r),
    fallbackActive: per.some((p) => p.fallback),
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
