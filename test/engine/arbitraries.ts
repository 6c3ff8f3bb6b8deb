// fast-check arbitraries for the engine's property tests: valid values, as the configuration's
// validation lets them through.
import fc from 'fast-check';
import type { ScalingPolicy, ScalingRules } from '../../shared/engine/index.js';

export interface RulesLimits {
  /** The longest policy period (validation allows up to 1800 s). */
  periodSeconds: number;
  /** The longest stabilization window (validation allows up to 3600 s). */
  windowSeconds: number;
}

const policyArb = (limits: RulesLimits): fc.Arbitrary<ScalingPolicy> =>
  fc.record({
    type: fc.constantFrom('Pods' as const, 'Percent' as const),
    value: fc.integer({ min: 1, max: 300 }), // value > 0
    periodSeconds: fc.integer({ min: 1, max: limits.periodSeconds }), // 0 < periodSeconds
  });

/** One direction of a behavior; narrower limits keep periods and windows within a short run. */
export const rulesArb = (limits: RulesLimits = { periodSeconds: 1800, windowSeconds: 3600 }): fc.Arbitrary<ScalingRules> =>
  fc.record({
    stabilizationWindowSeconds: fc.integer({ min: 0, max: limits.windowSeconds }),
    selectPolicy: fc.constantFrom('Max' as const, 'Min' as const, 'Disabled' as const),
    policies: fc.array(policyArb(limits), { minLength: 1, maxLength: 3 }),
    tolerance: fc.oneof(fc.constantFrom(0, 0.01, 0.1, 0.5), fc.double({ min: 0, max: 2, noNaN: true })),
  });
