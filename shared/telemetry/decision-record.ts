// Which decisions App Insights receives as a ScaleDecision event (docs/engine.md, "What App
// Insights receives"). A steady target decides the same thing every 15 s; sending each of those
// whole (the replay document is most of the ~4 KB) made telemetry the largest line of the bill.
// So an event goes out when the outcome changes, when something failed, and once per heartbeat
// while nothing changes; the evaluations in between are counted on the next event.
import type { ScaleDecisionEvent } from './telemetry.js';

/** Why a decision was sent: the `record` custom dimension. */
export type RecordReason = 'change' | 'failure' | 'heartbeat';

/** At most this long between two events of an evaluated target, unchanged or not. */
export const HEARTBEAT_MS = 30 * 60_000;

export interface RecordedDecision {
  record: RecordReason;
  /** Evaluations of the target since its previous event that were not sent: each had that event's outcome. */
  unchangedBefore: number;
}

/** A decision that failed in any way: sent every time (alerts count them; each must replay). */
const failed = (e: ScaleDecisionEvent): boolean =>
  e.error !== undefined || e.action === 'fallback' || e.triggerErrors.some((t) => t !== null);

/**
 * What "the same decision" means: the action, its reason code, the replica counts and whether
 * it failed (so the first decision after a failure is sent). The trigger values and the
 * reason's text are left out (they move with the queue every tick and reach App Insights as
 * metrics); a pause or unpause changes the action, a scale the replicas.
 */
const outcomeOf = (e: ScaleDecisionEvent): string =>
  JSON.stringify([e.action, e.code, e.currentReplicas, e.desiredReplicas, e.finalReplicas, e.applied, failed(e)]);

/**
 * Per target (in this process): the outcome of its last event, when it was sent, and the
 * evaluations left out since. `record` answers, for one decision at `at` (its `now`), whether
 * it is sent and why; undefined when it repeats the last event within the heartbeat.
 */
export function createDecisionRecorder(): { record(e: ScaleDecisionEvent, at: number): RecordedDecision | undefined } {
  const last = new Map<string, { outcome: string; at: number; unchanged: number }>();
  return {
    record(e, at) {
      const outcome = outcomeOf(e);
      const previous = last.get(e.target);
      const reason: RecordReason | undefined = failed(e) ? 'failure'
        : previous === undefined || previous.outcome !== outcome ? 'change'
          : at - previous.at >= HEARTBEAT_MS ? 'heartbeat'
            : undefined;
      if (reason === undefined) {
        previous!.unchanged++;
        return undefined;
      }
      last.set(e.target, { outcome, at, unchanged: 0 });
      return { record: reason, unchangedBefore: previous?.unchanged ?? 0 };
    },
  };
}
