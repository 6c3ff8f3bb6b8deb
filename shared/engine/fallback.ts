// KEDA fallback (pkg/fallback/fallback.go): per-trigger failure counts, and the replicas to
// use for a trigger whose failures exceed the threshold.
import type { Fallback, TriggerResult } from './types.js';

/** A failing trigger counts one more failure; a healthy one resets to zero. */
export function countFailures(previous: number[] | undefined, results: TriggerResult[]): number[] {
  return results.map((r, i) => ('error' in r ? (previous?.[i] ?? 0) + 1 : 0));
}

/** KEDA falls back once failures are strictly greater than the threshold. */
export const isFallbackInEffect = (fallback: Fallback | undefined, failures: number): fallback is Fallback =>
  fallback !== undefined && failures > fallback.failureThreshold;

export function fallbackReplicas(fallback: Fallback, current: number): number {
  switch (fallback.behavior) {
    case 'static':
      return fallback.replicas;
    case 'currentReplicas':
      return current;
    case 'currentReplicasIfHigher':
      return Math.max(current, fallback.replicas);
    case 'currentReplicasIfLower':
      return Math.min(current, fallback.replicas);
    case 'scalingModifiers':
      // Only when the formula gives nil: fallback.replicas, the last resort (composite.ts).
      return fallback.replicas;
  }
}
