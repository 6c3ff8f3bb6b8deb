// One target, one evaluation: read -> decide -> apply -> record. The scale
// write in `apply` is the only Kubernetes write of the evaluation loop.
import type { Target } from '../config/target.js';
import { decide, latestTime, recordScaleChange, type Decision, type Observation, type ScalerState, type TriggerResult } from '../engine/index.js';
import { messageOf, StateError } from '../errors.js';
import { FIELD_MANAGER, readCheckedScale, ScaleConflictError, type Kube, type ScaleReading, type WorkloadRef } from '../kube/index.js';
import type { Source } from '../sources/index.js';
import { afterConflict, StateConflictError, UPDATE_ATTEMPTS, type StateStore, type StoredRecord, type TargetRecord } from '../state/index.js';
import type { ScaleDecisionEvent, ScaledByOtherEvent, Telemetry } from '../telemetry/index.js';
import type { ExplainInput } from './explain.js';
import { claimWorkload, type WorkloadOwners } from './owners.js';

export interface TargetDeps {
  kube: Kube;
  store: StateStore;
  telemetry: Telemetry;
  now: () => number;
  /** Which target reached which workload (by uid): one owner per workload. */
  owners: WorkloadOwners;
  /**
   * Targets whose last state save failed: their stored activity may be stale, so they do not
   * scale down until a save succeeds, and the activity that was not saved still counts.
   */
  saveFailures: Map<string, UnsavedState>;
}

/** What an evaluation could not save: why, and the activity it had seen. */
export interface UnsavedState {
  reason: string;
  lastActiveTime?: string | null | undefined;
}

export interface EvaluatedTarget {
  target: Target;
  /** Present when a decision was made. */
  event?: ScaleDecisionEvent;
  /** Present when the target could not be evaluated or its decision not applied. */
  error?: string;
  /** Said once, for the host's log: another writer changed the replicas. */
  warnings?: string[];
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

/**
 * What the engine is given: the observation, and the stored state as far as it can be trusted.
 * A row that did not read starts from fresh state, as if active just now: the cooldown runs
 * again in full, and nothing scales down on the strength of a lost history. After a failed
 * save, the activity it held still counts, and nothing scales down until a save succeeds.
 */
export function decisionInput(record: StoredRecord | undefined, unsaved: UnsavedState | undefined, scale: ScaleReading, triggers: TriggerResult[], now: number): { state: ScalerState; observation: Observation } {
  const stored: ScalerState = record?.invalid ? { lastActiveTime: new Date(now).toISOString() } : record?.state ?? {};
  const state = unsaved?.lastActiveTime ? { ...stored, lastActiveTime: latestTime(stored.lastActiveTime, unsaved.lastActiveTime) } : stored;
  const historyNotTrusted = record?.invalid
    ? `${record.invalid}; started from fresh state`
    : unsaved && `the last save of its state failed (${unsaved.reason}), so its stored activity may be stale`;
  return { state, observation: { ...observe(scale, triggers), ...(historyNotTrusted ? { historyNotTrusted } : {}) } };
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

/** What a writer's field manager most likely is, for the warning. */
function writerHint(manager: string): string {
  if (manager === 'kube-controller-manager') return ' (a HorizontalPodAutoscaler; a KEDA ScaledObject makes one named keda-hpa-<name>)';
  if (/keda/i.test(manager)) return ' (KEDA)';
  return '';
}

/**
 * The replicas changed since this scaler last left them, and not by this scaler: a
 * `kubectl scale`, an HPA, a KEDA ScaledObject left behind. Undefined when the stored count is
 * unknown or not to be trusted (an invalid row, a failed save), or the change is the scaler's own
 * (another instance, the wake path: they write as FIELD_MANAGER).
 */
export function scaledByOther(target: Target, record: StoredRecord | undefined, scale: ScaleReading, saveFailed: boolean): ScaledByOtherEvent | undefined {
  const expected = record?.lastReplicas;
  if (expected === undefined || record?.invalid || saveFailed || expected === scale.specReplicas) return undefined;
  if (scale.replicasWriter?.manager === FIELD_MANAGER) return undefined;
  return {
    target: targetKey(target),
    cluster: target.cluster,
    namespace: target.namespace,
    kind: target.scaleTargetRef.kind,
    name: target.scaleTargetRef.name,
    expectedReplicas: expected,
    foundReplicas: scale.specReplicas,
    writer: scale.replicasWriter,
  };
}

export function describeScaledByOther(e: ScaledByOtherEvent): string {
  const w = e.writer;
  const by = w ? `by ${w.manager}${w.subresource ? ` through /${w.subresource}` : ''}${w.time ? ` at ${w.time}` : ''}${writerHint(w.manager)}` : 'by another writer';
  return `target ${e.target}: ${e.kind.toLowerCase()} ${e.namespace}/${e.name} was scaled ${e.expectedReplicas} -> ${e.foundReplicas} ${by}, not by the scaler; deciding from ${e.foundReplicas}. Two autoscalers on one workload undo each other's work (docs/engine.md, "Another writer")`;
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
  // A row that did not read costs its target its history, said once, here.
  if (record?.invalid) deps.telemetry.failure(new StateError(record.invalid), { operation: 'evaluate', target: key, cluster: target.cluster });
  const warnings: string[] = [];
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
    try {
      claimWorkload(deps.owners, key, ref, scale.uid);
    } catch (e) {
      return fail(e);
    }
    const unsaved = deps.saveFailures.get(key);
    const other = warnings.length === 0 ? scaledByOther(target, base, scale, unsaved !== undefined) : undefined;
    if (other) {
      deps.telemetry.scaledByOther(other);
      warnings.push(describeScaledByOther(other));
    }
    // 2. Decide.
    const now = deps.now();
    const input: ExplainInput = { now: new Date(now).toISOString(), spec, ...decisionInput(base, unsaved, scale, triggers, now) };
    const decision = decide(target, input.observation, input.state, now);
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
    const next: TargetRecord = { state: decision.state, lastEvaluated: input.now, lastReplicas: decision.replicas, lastWakeConfirmed: base?.lastWakeConfirmed, workloadUid: scale.uid };
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
          workloadUid: scale.uid,
        })).then(() => undefined, (e: unknown) => e);
      } else error = e;
    }
    const event = eventOf(target, input, decision, changed, startedAt, deps.now(), error === undefined ? undefined : messageOf(error));
    if (error === undefined) deps.saveFailures.delete(key);
    else deps.saveFailures.set(key, { reason: messageOf(error), lastActiveTime: decision.state.lastActiveTime });
    const result = { target, event, ...(warnings.length > 0 ? { warnings } : {}) };
    if (error !== undefined) return { ...fail(error, event), ...result };
    deps.telemetry.decision(event);
    return result;
  }
}
