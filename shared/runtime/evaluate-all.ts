// The evaluation loop's tick: load every state row in one query, evaluate the targets that are
// due, concurrently with a bound, each isolated from the others' failures.
import pLimit from 'p-limit';
import type { Target } from '../config/index.js';
import { messageOf } from '../errors/index.js';
import { batchSaves, canSaveBatch, type StateStore, type StoredRecord } from '../state/index.js';
import { evaluateTarget, type EvaluatedTarget, type TargetDeps } from './evaluate-target.js';
import { specFingerprint, targetKey, type ConfiguredTarget } from './targets.js';

export interface TickDeps extends TargetDeps {
  targets: ConfiguredTarget[];
  /** How many targets are evaluated at once. */
  concurrency: number;
  /** The configuration's problems: while there are any, no row is taken for a removed target's. */
  config: { errors: readonly unknown[] };
  /**
   * When this process started (its runtime was made): a target not polled since is polled on the
   * next tick, as KEDA's scale loops all poll at once when the operator starts. Absent: never.
   */
  startedAt?: number | undefined;
}

export interface TickResult {
  evaluated: EvaluatedTarget[];
  /** Targets not due yet (pollingInterval). */
  skipped: number;
  /** Rows of targets no longer configured that this tick deleted (after STATE_RETENTION_MS). */
  deletedRows?: string[];
  /** Set when the tick could not run at all (the state could not be loaded). */
  error?: string;
}

/**
 * Timers fire a little early or late, and a tick's start is read after they fire: a poll counts
 * as due within this margin of pollingInterval after the last poll's tick start.
 */
const DUE_MARGIN_MS = 1_000;

/** How long a state save waits for others to share its batch (a round trip to the table or less). */
const SAVE_LINGER_MS = 20;

/**
 * The row of a target no longer configured is deleted once it has not been written for this long:
 * a target taken out by mistake and put back within a day finds its history again.
 */
export const STATE_RETENTION_MS = 24 * 60 * 60 * 1000;

/** Which targets a tick evaluates, and which of those evaluations are KEDA's polls. */
export interface Schedule {
  /** Evaluated in this tick. */
  due: boolean;
  /** Evaluated as KEDA's poll: it may wake the target or take it to zero (docs/engine.md, "Polls"). */
  poll: boolean;
}

/**
 * Whether a tick starting at `tickStart` polls the target: when it never was (a new target), when
 * its spec changed since (KEDA checks a changed ScaledObject at once), when this process has not
 * polled it yet (`startedAt`: KEDA's scale loops poll at once when the operator starts), and
 * otherwise once pollingInterval has passed since the last poll's tick start. Both times are tick
 * starts, so where in its tick an evaluation ran does not move the next poll.
 */
export function isPollDue(target: Target, record: StoredRecord | undefined, tickStart: number, startedAt?: number): boolean {
  if (!record) return true;
  // A row written before fingerprints (or by the wake path) counts as unchanged.
  if (record.specHash !== undefined && record.specHash !== specFingerprint(target)) return true;
  // A time that does not parse (a row edited by hand) must not make the target never due; nor
  // may a time in the future (another instance's clock ahead of this one): it was written "just
  // now" at the latest, and waiting for it would freeze the target for as long as the skew.
  const last = Date.parse(record.lastPolled ?? record.lastEvaluated ?? '');
  if (!Number.isFinite(last) || last > tickStart + DUE_MARGIN_MS) return true;
  if (startedAt !== undefined && last < startedAt) return true;
  return tickStart - last >= target.pollingInterval * 1000 - DUE_MARGIN_MS;
}

/**
 * KEDA polls a target every pollingInterval (the only time it wakes a target or takes it to zero),
 * and the HPA syncs 1..N every 15 s. So a target the scaler last left above zero is evaluated on
 * every tick, as a poll when one is due; a target at zero only when a poll is due.
 */
export function scheduleOf(target: Target, record: StoredRecord | undefined, tickStart: number, startedAt?: number): Schedule {
  const poll = isPollDue(target, record, tickStart, startedAt);
  return { due: poll || (record?.lastReplicas ?? 0) > 0, poll };
}

/** Whether a tick starting at `tickStart` evaluates the target (scheduleOf). */
export const isDue = (target: Target, record: StoredRecord | undefined, tickStart: number, startedAt?: number): boolean => scheduleOf(target, record, tickStart, startedAt).due;

/**
 * Deletes the rows of targets no longer configured once they have not been written for
 * STATE_RETENTION_MS (by the store's clock), each under the etag read: a row written meanwhile
 * stays. Nothing is deleted while the configuration has errors: a target with an error is not in
 * the list, but its row is still its own.
 */
async function deleteRemovedRows(deps: TickDeps, records: ReadonlyMap<string, StoredRecord>, now: number): Promise<string[]> {
  if (deps.config.errors.length > 0) return [];
  const configured = new Set(deps.targets.map((t) => targetKey(t.target)));
  const stale = [...records].filter(([key, r]) => {
    const written = Date.parse(r.updatedAt ?? r.lastEvaluated ?? '');
    return !configured.has(key) && Number.isFinite(written) && now - written > STATE_RETENTION_MS;
  });
  const deleted = await Promise.all(
    stale.map(([key, r]) =>
      deps.store.delete(key, r.etag).catch((e: unknown) => {
        deps.telemetry.failure(e, { operation: 'tick', target: key });
        return false;
      }),
    ),
  );
  return stale.filter((_, i) => deleted[i]).map(([key]) => key);
}

export interface TickOptions {
  /**
   * Evaluate exactly these targets (by targetKey), due or not, each as a poll, and delete no rows:
   * `run` evaluates the targets whose configuration changed as soon as the settings are reloaded.
   */
  only?: ReadonlySet<string>;
}

export async function evaluateAll(deps: TickDeps, options: TickOptions = {}): Promise<TickResult> {
  // The tick's start: what polls are scheduled on and recorded at (isPollDue).
  const tickStart = deps.now();
  let records: Map<string, StoredRecord>;
  try {
    records = await deps.store.loadAll();
  } catch (e) {
    // Without state the cooldowns are unknown: scaling now could scale down wrongly.
    deps.telemetry.failure(e, { operation: 'tick' });
    return { evaluated: [], skipped: deps.targets.length, error: messageOf(e) };
  }
  const now = deps.now();
  deps.owners.seed(records);
  const { only } = options;
  const scheduled = deps.targets.map((t) => {
    const key = targetKey(t.target);
    return { t, ...(only ? { due: only.has(key), poll: true } : scheduleOf(t.target, records.get(key), tickStart, deps.startedAt)) };
  });
  const due = scheduled.filter((s) => s.due);
  const limit = pLimit(deps.concurrency);
  // The tick's state saves share transactions instead of one request per target: a batch is
  // written once every running evaluation waits on it, or SAVE_LINGER_MS after its first save.
  const store: StateStore = canSaveBatch(deps.store)
    ? batchSaves(deps.store, { maxBatch: deps.concurrency, lingerMs: SAVE_LINGER_MS, running: () => limit.activeCount })
    : deps.store;
  const targetDeps = { ...deps, store };
  const evaluated = await Promise.all(
    due.map(({ t, poll }) =>
      limit(() =>
        evaluateTarget(t, records.get(targetKey(t.target)), targetDeps, { poll, tickStart }).catch((e: unknown) => {
          deps.telemetry.failure(e, { operation: 'evaluate', target: targetKey(t.target), cluster: t.target.cluster });
          return { target: t.target, error: messageOf(e) };
        }),
      ),
    ),
  );
  const deletedRows = only ? [] : await deleteRemovedRows(deps, records, now);
  return { evaluated, skipped: deps.targets.length - due.length, ...(deletedRows.length > 0 ? { deletedRows } : {}) };
}
