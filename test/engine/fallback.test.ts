// KEDA fallback (pkg/fallback/fallback.go): failure counts per trigger, the strict threshold, and
// the replicas each fallback behavior asks for.
import { describe, expect, test } from 'vitest';
import { countFailures, fallbackReplicas, isFallbackInEffect } from '../../shared/engine/fallback.js';
import type { Fallback, FallbackBehavior } from '../../shared/engine/index.js';
import { failed, value } from './fixtures.js';

const fb = (behavior: FallbackBehavior, replicas = 6, failureThreshold = 3): Fallback => ({
  failureThreshold,
  replicas,
  behavior,
});

describe('countFailures', () => {
  test.each([
    { name: 'a first failure counts 1', previous: undefined, results: [failed()], want: [1] },
    { name: 'failures accumulate', previous: [4], results: [failed()], want: [5] },
    { name: 'success resets to 0', previous: [4], results: [value(3)], want: [0] },
    { name: 'per trigger', previous: [1, 7], results: [failed(), value(0)], want: [2, 0] },
    { name: 'a new trigger starts at 0', previous: [1], results: [value(1), failed()], want: [0, 1] },
    { name: 'a removed trigger is forgotten', previous: [1, 2, 3], results: [failed()], want: [2] },
  ])('$name', ({ previous, results, want }) => {
    expect(countFailures(previous, results)).toEqual(want);
  });
});

describe('isFallbackInEffect: failures must be strictly greater than failureThreshold', () => {
  test.each([
    { name: 'no fallback configured', fallback: undefined, failures: 100, want: false },
    { name: 'below the threshold', fallback: fb('static'), failures: 2, want: false },
    { name: 'equal to the threshold', fallback: fb('static'), failures: 3, want: false },
    { name: 'one above the threshold', fallback: fb('static'), failures: 4, want: true },
    { name: 'threshold 0: the first failure falls back', fallback: fb('static', 6, 0), failures: 1, want: true },
    { name: 'threshold 0 and no failure', fallback: fb('static', 6, 0), failures: 0, want: false },
  ])('$name', ({ fallback, failures, want }) => {
    expect(isFallbackInEffect(fallback, failures)).toBe(want);
  });
});

describe('fallbackReplicas', () => {
  test.each([
    { behavior: 'static' as const, current: 10, want: 6 }, // always fallback.replicas
    { behavior: 'static' as const, current: 2, want: 6 },
    { behavior: 'currentReplicas' as const, current: 10, want: 10 }, // keep what runs
    { behavior: 'currentReplicas' as const, current: 0, want: 0 },
    { behavior: 'currentReplicasIfHigher' as const, current: 10, want: 10 }, // max(current, 6)
    { behavior: 'currentReplicasIfHigher' as const, current: 2, want: 6 },
    { behavior: 'currentReplicasIfLower' as const, current: 10, want: 6 }, // min(current, 6)
    { behavior: 'currentReplicasIfLower' as const, current: 2, want: 2 },
  ])('$behavior with $current current replicas -> $want', ({ behavior, current, want }) => {
    expect(fallbackReplicas(fb(behavior), current)).toBe(want);
  });
});
