// One target, one evaluation: read -> decide -> apply -> record (house rule 7). The scale
// write in `apply` is the only Kubernetes write of the evaluation loop.
import type { Target } from '../config/target.js';
import { decide, recordScaleChange, type Decision, type Observation, type TriggerResult } from '../engine/index.js';
import { messageOf } from '../errors.js';
import { readCheckedScale, ScaleConflictError, type Kube, type ScaleReading, type WorkloadRef } from '../kube/index.js';
import type { Source } from '../sources/index.js';
import { afterConflict, StateConflictError, UPDATE_ATTEMPTS, type StateStore, type StoredRecord, type TargetRecord } from '../state/index.js';
import type { ScaleDecisionEvent, Telemetry } from '../telemetry/index.js';
import type { ExplainInput } from './explain.js';

export interface TargetDeps {
  kube: Kube;
  store: StateStore;
  telemetry: Telemetry;
  now: () => number;
}

export interface EvaluatedTarget {
  target: Target;
  /** Present when a decision was made. */
  event?: ScaleDecisionEvent;
  /** Present when the target could not be evaluated or its decision not applied. */
  error?: string;
}

/** State rows are keyed by cluster, namespace and name: the same name may live in several clusters. */
export const targetKey = (t: Target): string => `${t.cluster}/${t.namespace}/${t.name}`;

export const workloadOf = (t: Target): WorkloadRef => ({
  cluster: t.cluster,
  namespace: t.namespace,
  kind: t.scaleTargetRef.kind,
  name: t.scaleTargetRef.name,
});

/** Reads every trigger; a failure becomes that trigger's error, never a thrown exception. */
export async function readTriggers(sources: Source[]): Promise<TriggerResult[]> {
  return Promise.all(
    sources.map(async (source): Promise<TriggerResult> => {
      try {
        return { value: await source.read() };
      } catch (e) {
        return { error: messageOf(e) };
      }
    }),
  );
}

export function observe(scale: ScaleReading, triggers: TriggerResult[]): Observation {
  return { specReplicas: scale.specReplicas, statusReplicas: scale.statusReplicas, annotations: scale.annotations, triggers };
}

export function eventOf(target: Target, input: ExplainInput, decision: Decision, applied: boolean, startedAt: number, now: number, error?: string): ScaleDecisionEvent {
  const triggers = input.observation.triggers;
  return {
    target: targetKey(target),
    cluster: target.cluster,
    namespace: target.namespace,
    kind: target.scaleTargetRef.kind,
    name: target.scaleTargetRef.name,
    triggerValues: triggers.map((r) => ('value' in r ? r.value : null)),
    triggerErrors: triggers.map((r) => ('error' in r ? r.error : null)),
    currentReplicas: input.observation.specReplicas,
    desiredReplicas: decision.desiredReplicas,
    finalReplicas: applied || decision.replicas === input.observation.specReplicas ? decision.replicas : input.observation.specReplicas,
    action: decision.action,
    code: decision.code,
    reason: decision.reason,
    applied,
    error,
    durationMs: Math.max(0, now - startedAt),
    explain: input,
  };
}

/**
 * Saves `change` of a row another writer saved meanwhile (read-modify-write under its ETag).
 * That writer may also have scaled after this evaluation (a wake right after a scale-down), so
 * lastReplicas is the count read back from the cluster after each load of the row: a scale
 * write whose record lands between that load and this save makes the save conflict and the
 * count is read again; one recorded before the load is already visible in the read.
 */
async function mergeAppliedChange(
  deps: TargetDeps,
  key: string,
  ref: WorkloadRef,
  written: number,
  change: (fresh: StoredRecord | undefined) => Omit<TargetRecord, 'lastReplicas'>,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const fresh = await deps.store.load(key);
    const replicas = await readCheckedScale(deps.kube, ref).then((s) => s.specReplicas, () => written);
    try {
      await deps.store.save(key, { ...change(fresh), lastReplicas: replicas }, fresh?.etag);
      return;
    } catch (e) {
      if (!(e instanceof StateConflictError) || attempt >= UPDATE_ATTEMPTS) throw e;
      await afterConflict(attempt);
    }
  }
}

/** Evaluations that lose a race on the state row decide again, this many times at most. */
const ATTEMPTS = 5;

/**
 * Read -> decide -> apply -> record. Concurrent scale writes are serialized by the workload's
 * resourceVersion: the loser of a 409 reads and decides once more. State writes are
 * serialized by the row's ETag: a save that loses the race re-reads the row; if this
 * evaluation changed the scale, its change is added to the other writer's state (so every
 * change that reached the cluster is recorded once), otherwise it decides again.
 */
export async function evaluateTarget(
  target: Target,
  sources: Source[],
  record: StoredRecord | undefined,
  deps: TargetDeps,
  /** The target as written in SCALER_TARGETS, recorded for replay. */
  spec: unknown,
): Promise<EvaluatedTarget> {
  const startedAt = deps.now();
  const ref = workloadOf(target);
  const key = targetKey(target);
  const fail = (e: unknown, event?: ScaleDecisionEvent): EvaluatedTarget => {
    if (event) deps.telemetry.decision(event);
    deps.telemetry.failure(e, { operation: 'evaluate', target: key, cluster: target.cluster });
    return { target, event, error: messageOf(e) };
  };
  let base = record;
  let scaleConflictRetried = false;
  let rereads = 0;
  for (let attempt = 1; ; attempt++) {
    // 1. Read the scale and the triggers at once. No observation, no decision.
    let scale: ScaleReading;
    let triggers: TriggerResult[];
    try {
      [scale, triggers] = await Promise.all([readCheckedScale(deps.kube, ref), readTriggers(sources)]);
    } catch (e) {
      return fail(e);
    }
    // 2. Decide.
    const now = deps.now();
    const state = base?.state ?? {};
    const input: ExplainInput = { now: new Date(now).toISOString(), spec, observation: observe(scale, triggers), state };
    const decision = decide(target, input.observation, state, now);
    const changed = decision.replicas !== scale.specReplicas;
    // 3. Apply: write the scale only when it changes, against the resourceVersion just read.
    if (changed) {
      // Before a scale-down, look at the state row again: the wake path records a message's
      // activity before it writes the scale, so a target read awake here may have been woken
      // after `base` was loaded, with a lastActiveTime this decision has not seen. Decide again.
      if (decision.replicas < scale.specReplicas && rereads < ATTEMPTS) {
        rereads++;
        const latest = await deps.store.load(key);
        if (latest?.etag !== base?.etag) {
          base = latest;
          attempt--; // a look before writing, not a lost save
          continue;
        }
      }
      try {
        await deps.kube.writeScale(ref, decision.replicas, scale.resourceVersion);
      } catch (e) {
        if (e instanceof ScaleConflictError && !scaleConflictRetried) {
          scaleConflictRetried = true;
          base = await deps.store.load(key);
          continue;
        }
        return fail(e, eventOf(target, input, decision, false, startedAt, deps.now(), messageOf(e)));
      }
    }
    // 4. Record, conditional on the version read.
    const next: TargetRecord = { state: decision.state, lastEvaluated: input.now, lastReplicas: decision.replicas, lastWakeConfirmed: base?.lastWakeConfirmed };
    let error: unknown;
    try {
      await deps.store.save(key, next, base?.etag);
    } catch (e) {
      if (!(e instanceof StateConflictError)) error = e;
      else if (!changed && attempt < ATTEMPTS) {
        // Nothing was written to the cluster: decide again on what the other writer saved.
        base = await deps.store.load(key);
        continue;
      } else if (changed) {
        // The scale changed: add that change to the other writer's state, so it is recorded once.
        error = await mergeAppliedChange(deps, key, ref, decision.replicas, (fresh) => ({
          ...fresh,
          state: recordScaleChange(target.behavior, fresh?.state ?? {}, scale.specReplicas, decision.replicas, now),
          lastEvaluated: input.now,
        })).then(() => undefined, (e: unknown) => e);
      } else error = e;
    }
    const event = eventOf(target, input, decision, changed, startedAt, deps.now(), error === undefined ? undefined : messageOf(error));
    if (error !== undefined) return fail(error, event);
    deps.telemetry.decision(event);
    return { target, event };
  }
}
