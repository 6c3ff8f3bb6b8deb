// HPA External metric math for a target of type AverageValue, as in the upstream replica
// calculator's GetExternalPerPodMetricReplicas (replica_calculator.go).

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
  return Math.min(Math.ceil(total / perPodTarget), MAX_INT32);
}
