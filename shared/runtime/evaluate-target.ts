// One target, one evaluation, in named steps:
//   observe -> decide -> (re-check before a scale-down) -> apply -> record (-> merge)
// The scale write in `apply` is the only Kubernetes write of the evaluation loop. Scale writes
// serialize on the workload's resourceVersion, state writes on the row's ETag; each lost race
// sends the evaluation back to observe (within a budget), except a lost save after a scale was
// written, whose change is merged into the other writer's row so that it is recorded once.
import { decide, earliestTime, recordDecidedChange, type Decision, type ReplayDocument } from '../engine/index.js';
import { messageOf, StateError } from '../errors/index.js';
import { readCheckedScale, ScaleConflictError, type Kube } from '../kube/index.js';
import { StateConflictError, updateRecord, type StateStore, type StoredRecord, type TargetRecord } from '../state/index.js';
import type { ScaleDecisionEvent, Telemetry } from '../telemetry/index.js';
import { decisionEvent, decisionInput, type UnsavedState } from './decision.js';
import { describeScaledByOther, scaledByOther } from './other-writer.js';
import { claimWorkload, type WorkloadOwners } from './owners.js';
import { recordScaleEvent } from './workload-events.js';
import type { IdleReadings } from './idle-readings.js';
import { readSources, readTarget, specFingerprint, targetKey, workloadOf, type ConfiguredTarget, type Observed } from './targets.js';

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
  /** cluster/namespace where creating Kubernetes Events was refused (workload-events.ts). */
  eventsRefused: Set<string>;
  /** Readings of workloads left at zero, reused while recent (idle-readings.ts); absent: every evaluation reads. */
  idleReadings?: IdleReadings | undefined;
}

export interface EvaluatedTarget {
  target: ConfiguredTarget['target'];
  /** Present when a decision was made. */
  event?: ScaleDecisionEvent;
  /** Present when the target could not be evaluated or its decision not applied. */
  error?: string;
  /** Said once, for the host's log: another writer changed the replicas. */
  warnings?: string[];
  /** Set when nothing was done: the row says this tick (or a later one) evaluated the target already. */
  skipped?: string;
}

/** How often an evaluation may go back to observe, per reason. */
const BUDGET = {
  /** The row changed before a scale-down (a wake recorded activity): decide again on it. */
  recheck: 5,
  /** The scale changed since it was read (409): read and decide again. */
  scaleConflict: 1,
  /** The row changed before the save, and nothing was written to the cluster: decide again. */
  saveConflict: 4,
};

/** What one evaluation carries from step to step. */
interface Evaluation {
  configured: ConfiguredTarget;
  deps: TargetDeps;
  key: string;
  startedAt: number;
  /** Whether this evaluation is KEDA's poll, and the tick start it is recorded at. */
  tick: TickOfEvaluation;
  warnings: string[];
}

/** Where an evaluation stands in the schedule (evaluate-all.ts, scheduleOf). */
export interface TickOfEvaluation {
  /** The evaluation is KEDA's poll: it may wake the target or take it to zero. */
  poll: boolean;
  /** The start of its tick (epoch ms): a poll is recorded at it, and the next counts from it. */
  tickStart: number;
  /**
   * The tick's id (evaluate-all.ts, tickIdOf), recorded as the row's lastTick: a row that holds
   * this id or a later one was evaluated by this tick already (a shard message delivered twice,
   * or late), and is not evaluated again.
   */
  id?: string | undefined;
}

/** The row says tick `id`, or a later one, evaluated the target. */
const evaluatedInTick = (record: StoredRecord | undefined, id: string | undefined): boolean =>
  id !== undefined && record?.lastTick !== undefined && Date.parse(record.lastTick) >= Date.parse(id);

interface Decided {
  input: ReplayDocument;
  decision: Decision;
  now: number;
  /** The decision changes the replica count. */
  changed: boolean;
}

/** What was observed, when the workload was read, and whether that reading was a kept one. */
interface Observation extends Observed {
  readAt: number;
  reused: boolean;
}

/**
 * 1. Observe: the workload and every trigger at once (no observation, no decision: a failed
 * read throws), or, when `reuse` allows and the workload was left at zero recently, the triggers
 * alone with the kept reading (idle-readings.ts); the workload claimed for this target; another
 * writer noticed, once.
 */
async function observe(ev: Evaluation, base: StoredRecord | undefined, reuse: boolean): Promise<Observation> {
  const { configured, deps, key } = ev;
  const kept = reuse ? deps.idleReadings?.reuse(key, base?.etag, deps.now()) : undefined;
  const readAt = deps.now();
  const observed: Observation = kept
    ? { scale: kept.scale, triggers: await readSources(configured.sources), readAt: kept.readAt, reused: true }
    : { ...(await readTarget(deps.kube, configured)), readAt, reused: false };
  const { scale } = observed;
  claimWorkload(deps.owners, key, workloadOf(configured.target), scale.uid);
  const other = ev.warnings.length === 0 ? scaledByOther(configured, base, scale, deps.saveFailures.has(key)) : undefined;
  if (other) {
    deps.telemetry.scaledByOther(other);
    ev.warnings.push(describeScaledByOther(other));
  }
  return observed;
}

/** 2. Decide on what was observed and on the state as far as it can be trusted. */
function decideOn(ev: Evaluation, base: StoredRecord | undefined, { scale, triggers }: Observed): Decided {
  const now = ev.deps.now();
  const input = decisionInput(ev.configured, base, ev.deps.saveFailures.get(ev.key), scale, triggers, now, ev.tick.poll);
  const decision = decide(ev.configured.target, input.observation, input.state, now);
  return { input, decision, now, changed: decision.replicas !== scale.specReplicas };
}

/**
 * 3. Before a scale-down, the row as it is now, when it changed since `base` was read: the wake
 * path records a message's activity before it writes the scale, so a target read awake here may
 * have been woken after `base` was loaded, with a lastActiveTime this decision has not seen.
 */
async function changedSince(ev: Evaluation, base: StoredRecord | undefined): Promise<{ latest: StoredRecord | undefined } | undefined> {
  const latest = await ev.deps.store.load(ev.key);
  return latest?.etag === base?.etag ? undefined : { latest };
}

/** 4. Apply: write the scale, against the resourceVersion observed (a 409 is a ScaleConflictError). */
async function apply(ev: Evaluation, { decision }: Decided, { scale }: Observed): Promise<void> {
  await ev.deps.kube.writeScale(workloadOf(ev.configured.target), decision.replicas, scale.resourceVersion);
}

/** The poll fields of a record after this evaluation: its tick start when it polled, and the spec it evaluated. */
const pollFields = (ev: Evaluation, before: StoredRecord | undefined): Pick<TargetRecord, 'lastPolled' | 'lastTick' | 'specHash'> => ({
  lastPolled: ev.tick.poll ? new Date(ev.tick.tickStart).toISOString() : before?.lastPolled,
  lastTick: ev.tick.id ?? before?.lastTick,
  specHash: specFingerprint(ev.configured.target),
});

/** The record a decision leaves. */
const recordOf = (ev: Evaluation, decided: Decided, base: StoredRecord | undefined, { scale }: Observed): TargetRecord => ({
  state: decided.decision.state,
  lastEvaluated: decided.input.now,
  ...pollFields(ev, base),
  lastReplicas: decided.decision.replicas,
  // Read as lastActiveTime (record.ts), so no later than now, as the state's own times: a wake's
  // time from a clock ahead leaves the row with this save, as theirs do (clock-skew.ts).
  lastWakeConfirmed: base?.lastWakeConfirmed === undefined ? undefined : earliestTime(base.lastWakeConfirmed, decided.input.now),
  workloadUid: scale.uid,
});

/**
 * 5. Record: save the decision's record under the etag of `base` (a lost race is a
 * StateConflictError). A workload that stays at zero keeps its reading, under the row's new etag.
 */
async function record(ev: Evaluation, decided: Decided, base: StoredRecord | undefined, observed: Observation): Promise<void> {
  const saved = recordOf(ev, decided, base, observed);
  const etag = await ev.deps.store.save(ev.key, saved, base?.etag);
  if (decided.changed) ev.deps.idleReadings?.forget(ev.key);
  else ev.deps.idleReadings?.keep(ev.key, observed.scale, observed.readAt, { etag, record: saved });
}

/**
 * 6. Merge: the scale was written, but another writer saved the row meanwhile. The change is
 * added to what it saved (read-modify-write), so that every change that reached the cluster is
 * recorded once. That writer may also have scaled after this evaluation (a wake right after a
 * scale-down), so lastReplicas is read back from the cluster with each load of the row.
 */
async function merge(ev: Evaluation, decided: Decided, { scale }: Observed): Promise<void> {
  const { deps, configured } = ev;
  await updateRecord(deps.store, ev.key, async (fresh) => ({
    ...fresh,
    state: recordDecidedChange(configured.target, fresh?.state ?? {}, scale.specReplicas, decided.decision.replicas, decided.now),
    lastEvaluated: decided.input.now,
    ...pollFields(ev, fresh),
    workloadUid: scale.uid,
    lastReplicas: await readCheckedScale(deps.kube, workloadOf(configured.target)).then((s) => s.specReplicas, () => decided.decision.replicas),
  }));
}

/** The evaluation's result: its decision event and failure, if any, told to telemetry. */
function finish(ev: Evaluation, outcome: { event?: ScaleDecisionEvent; error?: unknown }): EvaluatedTarget {
  const { deps, configured } = ev;
  if (outcome.event) deps.telemetry.decision(outcome.event);
  if (outcome.error !== undefined) deps.telemetry.failure(outcome.error, { operation: 'evaluate', target: ev.key, cluster: configured.target.cluster });
  return {
    target: configured.target,
    ...(outcome.event ? { event: outcome.event } : {}),
    ...(outcome.error !== undefined ? { error: messageOf(outcome.error) } : {}),
    ...(ev.warnings.length > 0 ? { warnings: ev.warnings } : {}),
  };
}

/**
 * Read -> decide -> apply -> record, with the races of the module comment. `tick`: whether this is
 * a poll and its tick's start (evaluate-all.ts); absent, a poll recorded at the evaluation's start.
 */
export async function evaluateTarget(configured: ConfiguredTarget, stored: StoredRecord | undefined, deps: TargetDeps, tick?: TickOfEvaluation): Promise<EvaluatedTarget> {
  const startedAt = deps.now();
  const ev: Evaluation = { configured, deps, key: targetKey(configured.target), startedAt, tick: tick ?? { poll: true, tickStart: startedAt }, warnings: [] };
  // A row that did not read costs its target its history, said once, here.
  if (stored?.invalid) deps.telemetry.failure(new StateError(stored.invalid), { operation: 'evaluate', target: ev.key, cluster: configured.target.cluster });
  const budget = { ...BUDGET };
  let base = stored;
  let reuse = true;
  for (;;) {
    // Checked again after each reload: another delivery of this tick's shard may have saved meanwhile.
    if (evaluatedInTick(base, ev.tick.id)) return { target: configured.target, skipped: `evaluated already by tick ${base!.lastTick}` };
    let observed: Observation;
    try {
      observed = await observe(ev, base, reuse);
    } catch (e) {
      deps.idleReadings?.forget(ev.key);
      return finish(ev, { error: e });
    }
    const decided = decideOn(ev, base, observed);
    // A kept reading may be stale: a scale is only ever decided on a fresh one.
    if (decided.changed && observed.reused) {
      reuse = false;
      continue;
    }
    const eventOf = (applied: boolean, error?: unknown): ScaleDecisionEvent =>
      decisionEvent(configured, decided.input, decided.decision, applied, deps.now() - ev.startedAt, error === undefined ? undefined : messageOf(error));
    if (decided.changed) {
      if (decided.decision.replicas < observed.scale.specReplicas && budget.recheck > 0) {
        budget.recheck--;
        const changed = await changedSince(ev, base);
        if (changed) {
          base = changed.latest;
          continue;
        }
      }
      try {
        await apply(ev, decided, observed);
      } catch (e) {
        if (e instanceof ScaleConflictError && budget.scaleConflict > 0) {
          budget.scaleConflict--;
          base = await deps.store.load(ev.key);
          continue;
        }
        return finish(ev, { event: eventOf(false, e), error: e });
      }
    }
    let error: unknown;
    try {
      await record(ev, decided, base, observed);
    } catch (e) {
      if (e instanceof StateConflictError && !decided.changed && budget.saveConflict > 0) {
        budget.saveConflict--;
        base = await deps.store.load(ev.key);
        continue;
      }
      error = e instanceof StateConflictError && decided.changed ? await merge(ev, decided, observed).then(() => undefined, (m: unknown) => m) : e;
    }
    if (error === undefined) deps.saveFailures.delete(ev.key);
    else {
      deps.saveFailures.set(ev.key, { reason: messageOf(error), lastActiveTime: decided.decision.state.lastActiveTime });
      deps.idleReadings?.forget(ev.key);
    }
    // The change reached the cluster: say why on the workload too, where kubectl shows it.
    if (decided.changed) await recordScaleEvent(deps, configured, observed.scale.uid, observed.scale.specReplicas, decided.decision, decided.decision.reason);
    return finish(ev, { event: eventOf(decided.changed, error), error });
  }
}
