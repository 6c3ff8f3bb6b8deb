// advanced.horizontalPodAutoscalerConfig.behavior, validated as the HPA validates it and
// defaulted as autoscaling/v2 defaults it (pkg/apis/autoscaling/v2/defaults.go).
import { z } from 'zod';
import type { Behavior, ScalingRules } from '../engine/index.js';
import { DEFAULT_TOLERANCE, LEGACY_DOWNSCALE_WINDOW_SECONDS } from '../engine/index.js';
import { fields, integer, oneOf, quantity } from '../schema/index.js';

const policy = fields({
  type: oneOf(['Pods', 'Percent']),
  value: integer({ min: 1 }),
  periodSeconds: integer({ min: 1, max: 1800 }),
});

const rules = fields({
  stabilizationWindowSeconds: integer({ min: 0, max: 3600 }).optional(),
  selectPolicy: oneOf(['Max', 'Min', 'Disabled']).optional(),
  policies: z.array(policy).min(1, 'must list at least one policy').optional(),
  tolerance: quantity.optional(),
});

export const behaviorSchema = fields({
  scaleUp: rules.optional(),
  scaleDown: rules.optional(),
});

export type BehaviorInput = z.infer<typeof behaviorSchema>;

const SCALE_UP_DEFAULTS: ScalingRules = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
  tolerance: DEFAULT_TOLERANCE,
};

const SCALE_DOWN_DEFAULTS: ScalingRules = {
  stabilizationWindowSeconds: LEGACY_DOWNSCALE_WINDOW_SECONDS,
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
  tolerance: DEFAULT_TOLERANCE,
};

const withDefaults = (given: z.infer<typeof rules> | undefined, defaults: ScalingRules): ScalingRules => ({
  stabilizationWindowSeconds: given?.stabilizationWindowSeconds ?? defaults.stabilizationWindowSeconds,
  selectPolicy: given?.selectPolicy ?? defaults.selectPolicy,
  policies: given?.policies ?? defaults.policies,
  tolerance: given?.tolerance ?? defaults.tolerance,
});

/** Defaults each direction field by field, as copyHPAScalingRules does. */
export const applyBehaviorDefaults = (behavior: BehaviorInput): Behavior => ({
  scaleUp: withDefaults(behavior.scaleUp, SCALE_UP_DEFAULTS),
  scaleDown: withDefaults(behavior.scaleDown, SCALE_DOWN_DEFAULTS),
});
