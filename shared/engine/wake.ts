// The wake path's decision for a target at zero: a message arrived for it, so it counts as
// active whatever its queues say (KEDA's force-activation), and wakes to the same answer the
// evaluation loop would give an active target: behavior-limited, never below max(min, 1).
// Pause annotations still win.
import { decide } from './decide.js';
import { FORCE_ACTIVATION } from './pause.js';
import type { Decision, Observation, ScalerState, ScalingSpec } from './types.js';

export function decideWake(spec: ScalingSpec, observation: Observation, state: ScalerState, now: number): Decision {
  return decide(spec, { ...observation, annotations: { ...observation.annotations, [FORCE_ACTIVATION]: 'true' } }, state, now);
}

/**
 * Whether a target at `replicas` is asleep, so that a message wakes it: at 0, or below
 * minReplicaCount when idleReplicaCount is set (KEDA's scaleFromZeroOrIdle; the same test as
 * decide's transition). Above that it is awake and the message only counts as activity.
 */
export function isAsleep(spec: Pick<ScalingSpec, 'minReplicaCount' | 'idleReplicaCount'>, replicas: number): boolean {
  return replicas === 0 || (spec.idleReplicaCount !== undefined && replicas < spec.minReplicaCount);
}
