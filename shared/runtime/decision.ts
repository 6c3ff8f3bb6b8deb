// What the engine is given for a target, and what is told of its answer: the replay document
// (docs/engine.md) and the ScaleDecision event that carries it. Shared by the evaluation, the
// wake path and the dry run, so that the three decide on the same input.
import type { Decision, ReplayDocument, ScalerState, TriggerResult } from '../engine/index.js';
import { latestTime } from '../engine/index.js';
import type { ScaleReading } from '../kube/index.js';
import { metricNameOf } from '../sources/index.js';
import type { StoredRecord } from '../state/index.js';
import type { ScaleDecisionEvent } from '../telemetry/index.js';
import { targetDimensions, type ConfiguredTarget } from './targets.js';

/** What an evaluation could not save: why, and the activity it had seen. */
export interface UnsavedState {
  reason: string;
  lastActiveTime?: string | null | undefined;
}

/**
 * The replay document of a decision at `now`: the observation (with whether this evaluation is
 * KEDA's poll: docs/engine.md, "Polls"), and the stored state as far as it can be trusted. A row
 * that did not read starts from fresh state, as if active just now: the cooldown runs again in
 * full, and nothing scales down on the strength of a lost history. After a failed save, the
 * activity it held still counts, and nothing scales down until a save succeeds.
 */
export function decisionInput({ target }: ConfiguredTarget, record: StoredRecord | undefined, unsaved: UnsavedState | undefined, scale: ScaleReading, triggers: TriggerResult[], now: number, poll: boolean): ReplayDocument {
  const iso = new Date(now).toISOString();
  const stored: ScalerState = record?.invalid ? { lastActiveTime: iso } : record?.state ?? {};
  const state = unsaved?.lastActiveTime ? { ...stored, lastActiveTime: latestTime(stored.lastActiveTime, unsaved.lastActiveTime) } : stored;
  const historyNotTrusted = record?.invalid
    ? `${record.invalid}; started from fresh state`
    : unsaved && `the last save of its state failed (${unsaved.reason}), so its stored activity may be stale`;
  return {
    now: iso,
    spec: target.input,
    observation: {
      specReplicas: scale.specReplicas,
      statusReplicas: scale.statusReplicas,
      ...(scale.readyReplicas !== undefined ? { readyReplicas: scale.readyReplicas } : {}),
      annotations: scale.annotations,
      triggers,
      ...(historyNotTrusted ? { historyNotTrusted } : {}),
      poll,
    },
    state,
  };
}

/** The ScaleDecision event of a decision: `applied` when its scale write was made. */
export function decisionEvent({ target }: ConfiguredTarget, input: ReplayDocument, decision: Decision, applied: boolean, durationMs: number, error?: string): ScaleDecisionEvent {
  const { triggers, specReplicas } = input.observation;
  return {
    ...targetDimensions(target),
    triggerValues: triggers.map((r) => ('value' in r ? r.value : null)),
    triggerErrors: triggers.map((r) => ('error' in r ? r.error : null)),
    triggerMetrics: target.triggers.map((t) => metricNameOf(t.type)),
    ...(decision.composite !== undefined ? { composite: decision.composite } : {}),
    currentReplicas: specReplicas,
    desiredReplicas: decision.desiredReplicas,
    finalReplicas: applied || decision.replicas === specReplicas ? decision.replicas : specReplicas,
    action: decision.action,
    code: decision.code,
    reason: decision.reason,
    applied,
    error,
    durationMs: Math.max(0, durationMs),
    explain: input,
  };
}
