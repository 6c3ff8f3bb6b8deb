// HPA External metric math, as in the upstream replica calculator (replica_calculator.go): a
// target of type AverageValue (GetExternalPerPodMetricReplicas) or Value
// (GetExternalMetricReplicas, through getUsageRatioReplicaCount); and the metric KEDA's fallback
// feeds the HPA in place of a failing trigger (fallback.go, doFallback).
import type { MetricType } from './types.js';

export const MAX_INT32 = 2_147_483_647;

export interface Tolerances {
  scaleUp: number;
  scaleDown: number;
}

/** The cluster default of --horizontal-pod-autoscaler-tolerance. */
export const DEFAULT_TOLERANCE = 0.1;

/** True when the usage ratio is close enough to 1 that the HPA keeps the current count. */
export function isWithinTolerance(ratio: number, tolerances: Tolerances): boolean {
  return 1 - tolerances.scaleDown <= ratio && ratio <= 1 + tolerances.scaleUp;
}

/**
 * A computed count as a replica count: rounded up, at most MaxInt32 (as upstream caps it), and
 * never below 0 (a negative metric, which only a scalingModifiers formula can give, asks for
 * none; the HPA then clamps to its minimum, as it does with upstream's negative answer).
 */
const toReplicas = (wanted: number): number => (wanted > MAX_INT32 ? MAX_INT32 : Math.max(0, Math.ceil(wanted)));

/**
 * Replicas for a total (e.g. a queue length) against a per-pod target. The ratio divides by
 * statusReplicas, as upstream does: at zero it is Infinity or NaN and never within tolerance.
 */
export function replicasForAverageValue(
  total: number,
  perPodTarget: number,
  statusReplicas: number,
  tolerances: Tolerances,
): number {
  const ratio = total / (perPodTarget * statusReplicas);
  if (isWithinTolerance(ratio, tolerances)) return statusReplicas;
  return toReplicas(total / perPodTarget);
}

/** The workload's counts the Value math reads. */
export interface ValueReplicas {
  /** spec.replicas: upstream's currentReplicas for a Value target. */
  spec: number;
  /** status.readyReplicas: upstream counts the pods that are Running and Ready. */
  ready: number;
  /** status.replicas: none means upstream's pod list is empty ("no pods returned by selector"). */
  pods: number;
}

/**
 * Replicas for a total against a target for the whole metric (a Value target): the ratio is the
 * total over the target, with no replica count in it. At spec.replicas 0 the answer is
 * ceil(ratio), with no tolerance (scale to zero or n pods). Otherwise, within the tolerance it is
 * spec.replicas; else ceil(ratio x ready pods); and undefined (the metric is invalid: the HPA
 * cannot list any pod to count) when the workload has none.
 */
export function replicasForValue(total: number, target: number, replicas: ValueReplicas, tolerances: Tolerances): number | undefined {
  const ratio = total / target;
  if (replicas.spec === 0) return toReplicas(ratio);
  if (isWithinTolerance(ratio, tolerances)) return replicas.spec;
  if (replicas.pods === 0) return undefined;
  return toReplicas(ratio * replicas.ready);
}

/** How a proposal reads in a decision's reason: a count, or why the HPA has none. */
export const shownProposal = (proposal: number | undefined): string => (proposal === undefined ? 'no answer (the workload has no pods to count)' : String(proposal));

/** Replicas for a metric value against its target, by the target's type. */
export function replicasFor(metricType: MetricType | undefined, value: number, target: number, replicas: ValueReplicas & { status: number }, tolerances: Tolerances): number | undefined {
  return metricType === 'Value'
    ? replicasForValue(value, target, replicas, tolerances)
    : replicasForAverageValue(value, target, replicas.status, tolerances);
}

/**
 * The metric KEDA's fallback gives the HPA so that it lands on `replicas`: target x replicas for
 * an AverageValue target; for a Value target, divided by the ready pods, and none when no pod is
 * ready (KEDA's fallback then fails and the error stands). In thousandths, cut as KEDA cuts them
 * (int64(target x 1000 x replicas)).
 */
export function fallbackMetric(metricType: MetricType | undefined, target: number, replicas: number, ready: number): number | undefined {
  if (metricType === 'Value') return ready === 0 ? undefined : Math.trunc(target * 1000 * (replicas / ready)) / 1000;
  return Math.trunc(target * 1000 * replicas) / 1000;
}
