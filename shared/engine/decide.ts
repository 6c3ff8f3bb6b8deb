// The decision: one pure function from (spec, observation, state, now) to the replica count,
// the action, the reason and the state to save. KEDA's executor decides 0 <-> N and the
// cooldown; the HPA's math decides 1..N. No I/O, no clock, no randomness.
import type { Action, Decision, Observation, ReasonCode, ScalerState, ScalingSpec } from './types.js';
import { clampStateToNow } from './clock-skew.js';
import { historyHorizonSeconds, pruneOlderThan, recordScaleChange } from './events.js';
import { limitRecommendations, limitScaleEvents } from './history-limit.js';
import { LEGACY_DOWNSCALE_WINDOW_SECONDS, normalizeDesiredReplicas } from './normalize.js';
import { readPause, type PauseState } from './pause.js';
import { combineProposals, readTriggers, type Readings, type ReplicaCounts } from './readings.js';
import { convertDesiredReplicasWithBehaviorRate } from './rate-limit.js';
import { seconds, toIso, toMs } from './time.js';

/** Everything a transition needs, computed once per evaluation. */
interface Evaluation {
  spec: ScalingSpec;
  state: ScalerState;
  now: number;
  current: number;
  pause: PauseState;
  readings: Readings;
  /** The HPA's combined proposal; undefined means the metrics do not allow scaling. */
  proposal: number | undefined;
  /** The HPA's combined proposal had `replicas` been running (what it sees after KEDA's wake). */
  proposalAt: (replicas: number) => number | undefined;
  recommendations: NonNullable<ScalerState['recommendations']>;
  /** KEDA's poll (observation.poll): only a poll wakes, deactivates or refreshes lastActiveTime. */
  poll: boolean;
}

/** What a transition decided, before the action and the next state are derived from it. */
interface Step {
  replicas: number;
  desired: number;
  code: ReasonCode;
  message: string;
  recommendations?: ScalerState['recommendations'];
  /** The target was seen active with no error (KEDA refreshes lastActiveTime). */
  seenActive: boolean;
}

const hold = (e: Evaluation, code: ReasonCode, message: string): Step => ({
  replicas: e.current,
  desired: e.proposal ?? e.current,
  code,
  message,
  seenActive: false,
});

/** The HPA's metric path: stabilize the proposal, then apply the rate limits and min/max. */
function recommend(e: Evaluation, proposal: number, min: number, seenActive: boolean): Step {
  const normalized = normalizeDesiredReplicas({
    proposal,
    current: e.current,
    min,
    max: e.spec.maxReplicaCount,
    behavior: e.spec.behavior,
    recommendations: e.recommendations,
    upEvents: e.state.scaleUpEvents ?? [],
    downEvents: e.state.scaleDownEvents ?? [],
    now: e.now,
  });
  const stabilized = normalized.stabilized !== proposal ? ` (stabilized to ${normalized.stabilized})` : '';
  return {
    replicas: normalized.replicas,
    desired: proposal,
    code: normalized.code,
    message: `HPA wants ${proposal}${stabilized}: ${normalized.message}`,
    recommendations: normalized.recommendations,
    seenActive,
  };
}

/** The HPA's reconcile at 1..N: out-of-range counts are corrected first, then the metrics. */
function scaleWithHpa(e: Evaluation, min: number, seenActive: boolean): Step {
  const { spec, current } = e;
  if (current > spec.maxReplicaCount) {
    return { replicas: spec.maxReplicaCount, desired: spec.maxReplicaCount, code: 'TooManyReplicas', message: `current replicas ${current} above maxReplicaCount`, seenActive };
  }
  if (current < min) {
    return { replicas: min, desired: min, code: 'TooFewReplicas', message: `current replicas ${current} below the minimum ${min}`, seenActive };
  }
  if (e.proposal === undefined) {
    return hold(e, 'TriggerError', 'the metrics do not allow scaling (failed triggers and no fallback)');
  }
  return recommend(e, e.proposal, min, seenActive);
}

/** The count KEDA wakes an asleep target to before the HPA takes over: max(minReplicaCount, 1). */
export const activationFloor = (spec: Pick<ScalingSpec, 'minReplicaCount'>): number => Math.max(spec.minReplicaCount, 1);

/**
 * KEDA's scaleFromZeroOrIdle and the HPA's next step, in one write: the step is computed as the
 * HPA would compute it at the floor (its metrics at that count, its rate limits from it), so no
 * tick of a scale-up from zero is behind KEDA + HPA. Its proposal is not kept for the windows:
 * the HPA's first sync, and so its first recommendation, comes after KEDA's wake (a proposal
 * from before it would hold a scale-up back under a scale-up window).
 */
function wake(e: Evaluation): Step {
  const floor = activationFloor(e.spec);
  const proposal = e.proposalAt(floor) ?? floor;
  const step = recommend({ ...e, current: floor }, proposal, floor, true);
  return { ...step, code: 'ScaleTargetActivated', message: `activated at ${floor}, then ${step.message}`, recommendations: e.recommendations };
}

/** When a cooldown ends, and from which time it runs. */
export interface CooldownEnd {
  /** Epoch ms; the target may scale in once `now` is strictly past it (KEDA's test). */
  endsAt: number;
  /** lastActiveTime + cooldownPeriod, or (never active) createdTime + initialCooldownPeriod. */
  from: 'lastActiveTime' | 'createdTime';
}

/**
 * When the cooldown ends: the last active evaluation + cooldownPeriod, else the first evaluation
 * + initialCooldownPeriod. With no first evaluation yet (this is it), the target counts as
 * created just before now, 1 ms, the least the clock tells apart: KEDA's creationTimestamp always
 * precedes its first poll, so initialCooldownPeriod 0 scales in on the first evaluation, as
 * upstream does. A time after `now` counts as `now` (clock-skew.ts). What decide() waits for,
 * and what `status` shows.
 */
export function cooldownEnd(spec: Pick<ScalingSpec, 'cooldownPeriod' | 'initialCooldownPeriod'>, state: Pick<ScalerState, 'lastActiveTime' | 'createdTime'>, now: number): CooldownEnd {
  const { lastActiveTime, createdTime } = state;
  if (lastActiveTime) return { endsAt: Math.min(toMs(lastActiveTime), now) + seconds(spec.cooldownPeriod), from: 'lastActiveTime' };
  const created = createdTime ? Math.min(toMs(createdTime), now) : now - 1;
  return { endsAt: created + seconds(spec.initialCooldownPeriod), from: 'createdTime' };
}

const cooldownEndsAt = (e: Evaluation): number => cooldownEnd(e.spec, e.state, e.now).endsAt;

/**
 * KEDA's scaleToZeroOrIdle after the cooldown, except that the behavior's scale-down policies
 * still apply on the way down (KEDA jumps N -> 0, #7204). The cooldown already played the
 * part of the stabilization window, so no recommendation is stored.
 */
function scaleToIdle(e: Evaluation, idle: number): Step {
  const { spec, current, now } = e;
  const limited = spec.behavior
    ? convertDesiredReplicasWithBehaviorRate({
        desired: idle,
        current,
        min: idle,
        max: spec.maxReplicaCount,
        scaleUp: spec.behavior.scaleUp,
        scaleDown: spec.behavior.scaleDown,
        upEvents: e.state.scaleUpEvents ?? [],
        downEvents: e.state.scaleDownEvents ?? [],
        now,
      })
    : { replicas: idle, code: 'DesiredWithinRange' as const, message: '' };
  if (limited.replicas === idle) {
    return { replicas: idle, desired: idle, code: 'ScaleTargetDeactivated', message: `not active for cooldownPeriod ${spec.cooldownPeriod}s: to ${idle}`, seenActive: false };
  }
  return { replicas: limited.replicas, desired: idle, code: limited.code, message: `not active for cooldownPeriod ${spec.cooldownPeriod}s, on the way to ${idle}: ${limited.message}`, seenActive: false };
}

/**
 * Whether a target at `replicas` is asleep: at 0, or below minReplicaCount when
 * idleReplicaCount is set (KEDA's scaleFromZeroOrIdle). An active target that is asleep is
 * woken; a message on a wake queue wakes only an asleep target (above, it is only activity).
 */
export function isAsleep(spec: Pick<ScalingSpec, 'minReplicaCount' | 'idleReplicaCount'>, replicas: number): boolean {
  return replicas === 0 || (spec.idleReplicaCount !== undefined && replicas < spec.minReplicaCount);
}

/**
 * The state after the decided change from `current` to `replicas` was made at `now`. A wake
 * counts from the activation floor: KEDA's scale to the floor is not one of the HPA's scale
 * events, so the rate limits count only the HPA's part of the way up.
 */
export function recordDecidedChange(spec: ScalingSpec, state: ScalerState, current: number, replicas: number, now: number): ScalerState {
  const from = isAsleep(spec, current) && replicas > current ? Math.min(activationFloor(spec), replicas) : current;
  return recordScaleChange(spec.behavior, state, from, replicas, now);
}

/**
 * KEDA lets a target whose trigger fails scale in to zero only when fallback.replicas is 0 (its
 * executor skips the hold for that value: the fallback would take it to zero anyway). Here only
 * without idleReplicaCount, where zero is minReplicaCount; idle lies below minReplicaCount, and
 * an error never takes a workload below its minimum (docs/engine.md, "Departures").
 */
const scalesInOnError = (spec: ScalingSpec): boolean => spec.fallback?.replicas === 0 && spec.idleReplicaCount === undefined;

/**
 * An inactive target with a failing trigger: KEDA leaves it (TriggerError), and the HPA keeps
 * reconciling at 1..N: a count above max or below min is corrected, and the triggers that read
 * may scale it up, never down (combineProposals). At zero the HPA is disabled: it holds.
 */
function holdOnError(e: Evaluation): Step {
  const why = 'a trigger failed and no other is active';
  if (e.current === 0) return hold(e, 'TriggerError', `${why}: holding`);
  const step = scaleWithHpa(e, Math.max(e.spec.minReplicaCount, 1), false);
  if (step.replicas !== e.current) return { ...step, message: `${step.message}; ${why}` };
  return { ...hold(e, 'TriggerError', `${why}: holding; ${step.message}`), recommendations: step.recommendations };
}

/** KEDA's RequestScale, with the HPA's work folded in. */
function transition(e: Evaluation): Step {
  const { spec, current, readings, pause, poll } = e;
  const min = spec.minReplicaCount;
  const idle = spec.idleReplicaCount;
  // Between KEDA's polls only the HPA acts, and the HPA does nothing at zero (ScalingDisabled).
  if (current === 0 && !poll) return hold(e, 'ScalingDisabled', 'at zero between polls: only a poll (every pollingInterval) wakes a target');
  if (readings.active || (readings.fallbackActive && readings.fallbackIsActivity) || pause.forceActivation) {
    if (isAsleep(spec, current)) {
      // Above zero but below min (idle mode): between polls the HPA raises it to min.
      if (!poll) return scaleWithHpa(e, Math.max(min, 1), false);
      if (pause.scaleOutPaused) return hold(e, 'Paused', 'active, but scale-out is paused by annotation');
      return wake(e);
    }
    // Only a poll refreshes lastActiveTime (KEDA's status.lastActiveTime); the HPA's syncs do not.
    return scaleWithHpa(e, Math.max(min, 1), poll && !readings.anyError);
  }
  // Errors never scale down: an inactive target with a failing trigger holds (the HPA still
  // corrects an out-of-range count).
  if (readings.anyError && !scalesInOnError(spec)) return holdOnError(e);
  if (current > 0 && (idle !== undefined ? current > idle : min === 0)) {
    const endsAt = cooldownEndsAt(e);
    // KEDA's test is strict: lastActiveTime + cooldownPeriod < now; and only its poll scales in.
    const cooled = endsAt < e.now;
    if (cooled && poll && !pause.scaleInPaused) return scaleToIdle(e, idle ?? min);
    const step = scaleWithHpa(e, Math.max(min, 1), false);
    const wait = pause.scaleInPaused
      ? 'scale-in is paused by annotation'
      : cooled
        ? `cooldown over: to ${idle ?? min} at the next poll (every pollingInterval)`
        : `cooldown ends in ${Math.max(0, Math.ceil((endsAt - e.now) / 1000))}s`;
    if (step.replicas !== current) return { ...step, message: `${step.message}; not active, ${wait}` };
    return { ...step, code: 'ScalerCooldown', message: `not active, ${wait}; ${step.message}` };
  }
  if (idle === undefined && current < min) {
    return { replicas: min, desired: min, code: 'TooFewReplicas', message: `not active: raised to minReplicaCount ${min}`, seenActive: false };
  }
  if (idle === undefined && current > 0) {
    // minReplicaCount >= 1: KEDA does nothing, and the HPA keeps scaling within [min, max];
    // activation does not matter here (KEDA docs, #737).
    const step = scaleWithHpa(e, Math.max(min, 1), false);
    if (step.replicas !== current) return { ...step, message: `${step.message}; not active, minReplicaCount ${min}` };
    return { ...step, code: 'ScalerNotActive', message: `not active, minReplicaCount ${min}; ${step.message}` };
  }
  // At rest: a failing trigger (fallback.replicas 0, scalesInOnError) says so.
  const rest = current === 0 ? 'not active at zero' : `not active at idleReplicaCount ${current}`;
  return readings.anyError ? hold(e, 'TriggerError', `${rest}, and a trigger failed`) : hold(e, 'ScalerNotActive', rest);
}

function actionFor(current: number, replicas: number, fallbackActive: boolean): Action {
  if (replicas === current) return fallbackActive ? 'fallback' : 'none';
  if (fallbackActive) return 'fallback';
  if (current === 0) return 'activate';
  if (replicas === 0) return 'deactivate';
  return replicas > current ? 'scale-up' : 'scale-down';
}

/** The next state, pruned to what the windows and periods can still count. */
function nextState(e: Evaluation, step: Step): ScalerState {
  const { spec, state, now, current } = e;
  const { scaleUpEvents = [], scaleDownEvents = [] } = recordDecidedChange(spec, state, current, step.replicas, now);
  const horizon = historyHorizonSeconds(spec.behavior, LEGACY_DOWNSCALE_WINDOW_SECONDS);
  return {
    recommendations: limitRecommendations(pruneOlderThan(step.recommendations ?? e.recommendations, horizon.recommendations, now)),
    scaleUpEvents: limitScaleEvents(pruneOlderThan(scaleUpEvents, horizon.events, now), 'up'),
    scaleDownEvents: limitScaleEvents(pruneOlderThan(scaleDownEvents, horizon.events, now), 'down'),
    lastActiveTime: step.seenActive ? toIso(now) : (state.lastActiveTime ?? null),
    createdTime: state.createdTime ?? toIso(now),
    triggerFailures: e.readings.failures,
    scaledToZero: step.replicas === 0 ? current > 0 || (state.scaledToZero ?? false) : false,
  };
}

export function decide(spec: ScalingSpec, observation: Observation, stored: ScalerState, now: number): Decision {
  // 0. Times another instance stored from a clock ahead of ours count as now (clock-skew.ts).
  const state = clampStateToNow(stored, now);
  // 1. A paused target is left alone; only paused-replicas sets a count.
  const current = observation.specReplicas;
  const pause = readPause(spec.paused ?? false, observation.annotations);
  if (pause.paused) {
    const replicas = pause.replicas ?? current;
    return {
      replicas,
      desiredReplicas: replicas,
      action: 'paused',
      code: pause.replicas === undefined ? 'Paused' : 'PausedReplicas',
      reason: pause.message,
      active: false,
      state: { ...state, createdTime: state.createdTime ?? toIso(now) },
    };
  }
  // 2. Readings: failures, activity and fallback, and the HPA's proposal per trigger.
  const status = observation.statusReplicas ?? current;
  const readingsAt = (replicas: ReplicaCounts): Readings => readTriggers(spec, observation.triggers, state.triggerFailures, replicas);
  const readings = readingsAt({ spec: current, status, ready: observation.readyReplicas });
  const e: Evaluation = {
    spec,
    state,
    now,
    current,
    pause,
    readings,
    poll: observation.poll ?? true,
    proposal: combineProposals(readings.proposals, current),
    proposalAt: (replicas) => combineProposals(readingsAt({ spec: replicas, status: replicas }).proposals, replicas),
    // recordInitialRecommendation: seeded with the current count the first time only.
    recommendations: state.recommendations ?? [{ replicas: current, timestamp: toIso(now) }],
  };
  // 3. The transition, then the paused directions, the history's trust, the action and the next state.
  let step = transition(e);
  if ((pause.scaleInPaused && step.replicas < current) || (pause.scaleOutPaused && step.replicas > current)) {
    // As KEDA's Disabled selectPolicy: the count holds, but the HPA still records its proposal
    // and an active target still refreshes lastActiveTime.
    const blocked = hold(e, 'Paused', `${step.message}; not applied: that direction is paused by annotation`);
    step = { ...blocked, recommendations: step.recommendations, seenActive: step.seenActive };
  }
  // 4. Without a history it can trust, the scaler does not scale down on the strength of it.
  if (observation.historyNotTrusted && step.replicas < current) {
    const blocked = hold(e, 'HistoryNotTrusted', `${step.message}; not applied: ${observation.historyNotTrusted}`);
    step = { ...blocked, recommendations: step.recommendations, seenActive: step.seenActive };
  }
  return {
    replicas: step.replicas,
    desiredReplicas: step.desired,
    action: actionFor(current, step.replicas, readings.fallbackActive),
    code: readings.fallbackActive && step.code === 'DesiredWithinRange' ? 'FallbackActive' : step.code,
    reason: [step.message, ...readings.notes].join('; '),
    active: readings.active || pause.forceActivation,
    ...(readings.composite !== undefined ? { composite: readings.composite } : {}),
    state: nextState(e, step),
  };
}
