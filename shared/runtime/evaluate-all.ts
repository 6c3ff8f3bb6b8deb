// The evaluation loop's tick: load every state row in one query, evaluate the targets that are
// due, concurrently with a bound, each isolated from the others' failures. Past SCALER_SHARD_SIZE
// due targets the tick fans out instead: one message per shard on the shard queue, each
// evaluated by a shard worker (evaluateShard) on an instance of its own.
import pLimit from 'p-limit';
import type { Target } from '../config/index.js';
import { messageOf } from '../errors/index.js';
import { batchSaves, canSaveBatch, type StateStore, type StoredRecord } from '../state/index.js';
import { evaluateTarget, type EvaluatedTarget, type TargetDeps } from './evaluate-target.js';
import { parseShardMessage, partition, shardCount, shardMessages, type ShardMessage } from './shards.js';
import { specFingerprint, targetKey, type ConfiguredTarget } from './targets.js';

/** Where a tick's shards go when it fans out (wiring.ts: the shard queue). */
export interface ShardQueue {
  /** A tick with more due targets than this fans out, in shards of about this many of the configured targets. */
  shardSize: number;
  /** Sends one shard message, to expire before the next tick would supersede it. */
  send(text: string): Promise<void>;
}

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
  /** Set when ticks may fan out (SCALER_SHARD_SIZE). */
  shardQueue?: ShardQueue | undefined;
}

/** What a tick that fanned out sent. */
export interface FanOut {
  /** Due targets handed to shard workers. */
  targets: number;
  shards: number;
  messages: number;
  /** Messages that could not be sent (their targets wait for the next tick; said as failures). */
  failed: number;
}

export interface TickResult {
  evaluated: EvaluatedTarget[];
  /** Targets not due yet (pollingInterval). */
  skipped: number;
  /** Rows of targets no longer configured that this tick deleted (after STATE_RETENTION_MS). */
  deletedRows?: string[];
  /** Set when the tick could not run at all (the state could not be loaded). */
  error?: string;
  /** Set when the tick fanned out: `evaluated` is then empty, the shard workers evaluate. */
  fannedOut?: FanOut;
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

/**
 * A tick's id: its start, or 1 ms after the latest id a row holds when that is later (a timer on an
 * instance whose clock is behind), so that ids only grow and a row's lastTick tells a later tick
 * from an earlier one (evaluatedInTick).
 */
export function tickIdOf(tickStart: number, records: ReadonlyMap<string, StoredRecord>): string {
  let id = tickStart;
  for (const r of records.values()) {
    const last = Date.parse(r.lastTick ?? '');
    if (Number.isFinite(last) && last >= id) id = last + 1;
  }
  return new Date(id).toISOString();
}

/** A due target of a tick, and whether its evaluation is KEDA's poll. */
interface DueTarget {
  t: ConfiguredTarget;
  poll: boolean;
}

/**
 * Evaluates `due` concurrently (deps.concurrency at a time), each isolated from the others'
 * failures; the state saves share transactions instead of one request per target: a batch is
 * written once every running evaluation waits on it, or SAVE_LINGER_MS after its first save.
 */
function evaluateDue(deps: TickDeps, due: readonly DueTarget[], records: ReadonlyMap<string, StoredRecord>, tick: { tickStart: number; id: string }): Promise<EvaluatedTarget[]> {
  const limit = pLimit(deps.concurrency);
  const store: StateStore = canSaveBatch(deps.store)
    ? batchSaves(deps.store, { maxBatch: deps.concurrency, lingerMs: SAVE_LINGER_MS, running: () => limit.activeCount })
    : deps.store;
  const targetDeps = { ...deps, store };
  return Promise.all(
    due.map(({ t, poll }) =>
      limit(() =>
        evaluateTarget(t, records.get(targetKey(t.target)), targetDeps, { poll, tickStart: tick.tickStart, id: tick.id }).catch((e: unknown) => {
          deps.telemetry.failure(e, { operation: 'evaluate', target: targetKey(t.target), cluster: t.target.cluster });
          return { target: t.target, error: messageOf(e) };
        }),
      ),
    ),
  );
}

/** Sends the due targets to the shard queue, one message per shard (or part): a failed send fails only its shard. */
async function fanOut(deps: TickDeps, queue: ShardQueue, due: readonly DueTarget[], records: ReadonlyMap<string, StoredRecord>, tick: { tickStart: number; id: string }): Promise<FanOut> {
  const shards = shardCount(deps.targets.length, queue.shardSize);
  const base = { tick: tick.id, tickStart: new Date(tick.tickStart).toISOString(), shards };
  const messages = partition(deps.targets, due, records, shards).flatMap((entries, shard) => (entries.length > 0 ? shardMessages({ ...base, shard }, entries) : []));
  const sent = await Promise.all(
    messages.map((text) =>
      queue.send(text).then(
        () => true,
        (e: unknown) => {
          deps.telemetry.failure(e, { operation: 'tick' });
          return false;
        },
      ),
    ),
  );
  return { targets: due.length, shards, messages: messages.length, failed: sent.filter((ok) => !ok).length };
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
  const tick = { tickStart, id: tickIdOf(tickStart, records) };
  // Small ticks (and `run`'s reloads) are evaluated here; larger ones by the shard workers.
  const shardQueue = only ? undefined : deps.shardQueue;
  const fannedOut = shardQueue && due.length > shardQueue.shardSize ? await fanOut(deps, shardQueue, due, records, tick) : undefined;
  const evaluated = fannedOut ? [] : await evaluateDue(deps, due, records, tick);
  const deletedRows = only ? [] : await deleteRemovedRows(deps, records, now);
  return { evaluated, skipped: deps.targets.length - due.length, ...(fannedOut ? { fannedOut } : {}), ...(deletedRows.length > 0 ? { deletedRows } : {}) };
}

/** What a shard worker did with one shard message. */
export interface ShardResult {
  message: Pick<ShardMessage, 'tick' | 'shard' | 'shards' | 'part' | 'parts'>;
  /** The targets evaluated (or whose row or workload could not be read). */
  evaluated: EvaluatedTarget[];
  /** Targets whose row says this tick (or a later one) evaluated them already: not evaluated again. */
  alreadyEvaluated: string[];
  /** Keys this instance's configuration does not hold (the timer ran other settings): not evaluated. */
  unknown: string[];
}

/** `items` in runs of `size`, in order. */
const chunk = <T>(items: readonly T[], size: number): T[][] => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

const configuredByKey = new WeakMap<readonly ConfiguredTarget[], Map<string, ConfiguredTarget>>();

/**
 * A shard worker's part of a tick: the message checked (a bad one throws ShardMessageError and
 * nothing is evaluated), each target's row read again (the timer's may be a tick old by now), the
 * targets this tick already evaluated skipped, the rest evaluated as the tick would have.
 */
export async function evaluateShard(deps: TickDeps, text: string): Promise<ShardResult> {
  const message = parseShardMessage(text);
  let byKey = configuredByKey.get(deps.targets);
  if (!byKey) configuredByKey.set(deps.targets, (byKey = new Map(deps.targets.map((t) => [targetKey(t.target), t]))));
  const entries = [...message.poll.map((key) => ({ key, poll: true })), ...message.sync.map((key) => ({ key, poll: false }))];
  const known = entries.flatMap(({ key, poll }) => {
    const t = byKey.get(key);
    return t ? [{ t, poll }] : [];
  });
  const unknown = entries.filter(({ key }) => !byKey.has(key)).map(({ key }) => key);
  const limit = pLimit(deps.concurrency);
  const failed: EvaluatedTarget[] = [];
  const records = new Map<string, StoredRecord>();
  // The rows again, a query per maxLoad of them (the timer's may be a tick old by now).
  const loaded = await Promise.all(
    chunk(known, deps.store.maxLoad).map((part) =>
      limit(async () => {
        try {
          for (const [key, record] of await deps.store.loadMany(part.map((d) => targetKey(d.t.target)))) records.set(key, record);
          return part;
        } catch (e) {
          // Without their rows the targets' cooldowns are unknown: they are not evaluated this tick.
          for (const d of part) {
            deps.telemetry.failure(e, { operation: 'evaluate', target: targetKey(d.t.target), cluster: d.t.target.cluster });
            failed.push({ target: d.t.target, error: messageOf(e) });
          }
          return [];
        }
      }),
    ),
  );
  deps.owners.seed(records);
  const due: DueTarget[] = loaded.flat();
  // evaluateTarget skips a target whose row says this tick (or a later one) evaluated it.
  const evaluated = await evaluateDue(deps, due, records, { tickStart: Date.parse(message.tickStart), id: message.tick });
  const { tick, shard, shards, part, parts } = message;
  return {
    message: { tick, shard, shards, part, parts },
    evaluated: [...failed, ...evaluated.filter((e) => !e.skipped)],
    alreadyEvaluated: evaluated.filter((e) => e.skipped).map((e) => targetKey(e.target)),
    unknown,
  };
}
