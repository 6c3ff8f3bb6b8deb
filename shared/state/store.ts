// The state port: one record per target, written with optimistic concurrency so the timer and
// the wake path never lose each other's writes.
import type { ScalerState } from '../engine/index.js';
import { StateError } from '../errors/index.js';

export interface TargetRecord {
  /** The engine's state (docs/engine.md). */
  state: ScalerState;
  /** When the evaluation loop last evaluated the target (by the decision's clock). */
  lastEvaluated?: string | undefined;
  /**
   * The start of the tick that last polled the target (KEDA's poll: the one evaluation per
   * pollingInterval that may wake it or take it to zero); the next poll is due pollingInterval
   * after it. Rows without it count from lastEvaluated.
   */
  lastPolled?: string | undefined;
  /**
   * The id of the tick that last evaluated the target (its start, or just after the latest id a
   * row held: ids only grow). A shard worker skips a target its tick, or a later one, evaluated
   * already: a redelivered or late shard message evaluates nothing twice.
   */
  lastTick?: string | undefined;
  /**
   * The fingerprint of the target's spec as written when it was last evaluated: a target whose
   * spec changed since is polled at once, as KEDA checks a changed ScaledObject at once.
   */
  specHash?: string | undefined;
  /** The replica count the last evaluation or wake left the target at. */
  lastReplicas?: number | undefined;
  /**
   * When the wake path last took a message as the target's activity: read as lastActiveTime
   * when it is the later of the two (record.ts), so the cooldown runs from it.
   */
  lastWakeConfirmed?: string | undefined;
  /** metadata.uid of the workload the target scaled: two targets on one workload are told apart by it. */
  workloadUid?: string | undefined;
}

export interface StoredRecord extends TargetRecord {
  /** The version read; pass it back to save. */
  etag: string;
  /** When the store last wrote the row, by its own clock (for retention), when it says. */
  updatedAt?: string | undefined;
  /**
   * Set when the row could not be read as a record (not JSON, wrong types, bad times): why,
   * naming the row. The record is then empty, and its etag lets the next save replace the row.
   */
  invalid?: string | undefined;
}

/** The fields of a TargetRecord, for stores that must not keep what a caller spread into one. */
export const recordFields = (r: TargetRecord): TargetRecord => ({
  state: r.state,
  lastEvaluated: r.lastEvaluated,
  lastPolled: r.lastPolled,
  lastTick: r.lastTick,
  specHash: r.specHash,
  lastReplicas: r.lastReplicas,
  lastWakeConfirmed: r.lastWakeConfirmed,
  workloadUid: r.workloadUid,
});

/** Raised when the record changed since it was read (or was created meanwhile). */
export class StateConflictError extends StateError {}

/** One save of a batch: the arguments of StateStore.save. */
export interface SaveRequest {
  key: string;
  record: TargetRecord;
  etag: string | undefined;
}

export interface StateStore {
  /** Every record, in one query (one per tick). */
  loadAll(): Promise<Map<string, StoredRecord>>;
  load(key: string): Promise<StoredRecord | undefined>;
  /** The most keys one loadMany may hold. */
  readonly maxLoad: number;
  /** The records of up to maxLoad keys, in one request; a key without a row is absent from the map. */
  loadMany(keys: string[]): Promise<Map<string, StoredRecord>>;
  /** Writes if the record is still at `etag` (absent: must not exist yet). Returns the new etag. */
  save(key: string, record: TargetRecord, etag: string | undefined): Promise<string>;
  /**
   * Sets lastWakeConfirmed to `at` on the row as it is, and nothing else: one request, no read
   * before it. Whatever the row's etag, or with `etag` only if the row is still at it (else a
   * StateConflictError). The etag moves, so a writer holding the old one reads the row again and
   * finds the activity. Returns the new etag; undefined when there is no row (nothing written).
   */
  recordWakeActivity(key: string, at: string, etag?: string): Promise<string | undefined>;
  /** Deletes the record if it is still at `etag`; false when it changed or is gone. */
  delete(key: string, etag: string): Promise<boolean>;
}

/**
 * An optional ability: several saves in one request, all or nothing (Table Storage: an entity
 * group transaction, at most 100 rows of one partition). Each row keeps its own ETag condition;
 * one conflicting row fails the whole batch with StateConflictError and nothing is written.
 */
export interface BatchSaving {
  /** The most saves one batch may hold. */
  readonly maxBatch: number;
  /** The new etags, in the order of `saves`. Keys must be distinct. */
  saveBatch(saves: SaveRequest[]): Promise<string[]>;
}

export const canSaveBatch = <S extends StateStore>(store: S): store is S & BatchSaving =>
  typeof (store as Partial<BatchSaving>).saveBatch === 'function';
