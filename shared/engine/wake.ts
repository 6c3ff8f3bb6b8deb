// The wake path's decision for a target at zero: a message arrived for it, so it counts as
// active whatever its queues say (KEDA's force-activation), and wakes to the same answer the
// evaluation loop would give an active target: behavior-limited, never below max(min, 1).
// Pause annotations still win. A message is ours, not KEDA's: it wakes at once, as a poll would,
// whenever it comes (observation.poll).
import { decide } from './decide.js';
import { FORCE_ACTIVATION } from './keda-annotations.js';
import type { Decision, Observation, ScalerState, ScalingSpec } from './types.js';

export function decideWake(spec: ScalingSpec, observation: Observation, state: ScalerState, now: number): Decision {
  return decide(spec, { ...observation, poll: true, annotations: { ...observation.annotations, [FORCE_ACTIVATION]: 'true' } }, state, now);
}
