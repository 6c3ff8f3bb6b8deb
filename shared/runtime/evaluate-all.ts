// The evaluation loop's tick: load every state row in one query, evaluate the targets that are
// due, concurrently with a bound, each isolated from the others' failures.
import pLimit from 'p-limit';
import type { Target } from '../config/target.js';
import { messageOf } from '../errors.js';
import type { Source } from '../sources/index.js';
import { batchSaves, canSaveBatch, type StateStore, type StoredRecord } from '../state/index.js';
import { evaluateTarget, targetKey, type EvaluatedTarget, type TargetDeps } from './evaluate-target.js';

export interface ConfiguredTarget {
  target: Target;
  /** The target as written in SCALER_TARGETS (recorded for replay). */
  spec: unknown;
  sources: Source[];
}

export interface TickDeps extends TargetDeps {
  targets: ConfiguredTarget[];
  /** How many targets are evaluated at once. */
  concurrency: number;
}

export interface TickResult {
  evaluated: EvaluatedTarget[];
  /** Targets not due yet (pollingInterval). */
  skipped: number;
  /** Set when the tick could not run at all (the state could not be loaded). */
  error?: string;
}

/** Timers fire a little early or late; a target counts as due within this margin. */
const DUE_MARGIN_MS = 1_000;

/** How long a state save waits for others to share its batch (a round trip to the table or less). */
export const SAVE_LINGER_MS = 20;

/**
 * KEDA polls a target every pollingInterval to decide 0 <-> 1, and the HPA syncs 1..N every
 * 15 s. So a target the scaler last left above zero is evaluated on every tick, and a target
 * at zero once per pollingInterval.
 */
export function isDue(target: Target, record: StoredRecord | undefined, now: number): boolean {
  if (!record?.lastEvaluated || (record.lastReplicas ?? 0) > 0) return true;
  // A time that does not parse (a row edited by hand) must not make the target never due.
  const last = Date.parse(record.lastEvaluated);
  return !Number.isFinite(last) || now - last >= target.pollingInterval * 1000 - DUE_MARGIN_MS;
}

export async function evaluateAll(deps: TickDeps): Promise<TickResult> {
  let records: Map<string, StoredRecord>;
  try {
    records = await deps.store.loadAll();
  } catch (e) {
    // Without state the cooldowns are unknown: scaling now could scale down wrongly.
    deps.telemetry.failure(e, { operation: 'tick' });
    return { evaluated: [], skipped: deps.targets.length, error: messageOf(e) };
  }
  const now = deps.now();
  const due = deps.targets.filter((t) => isDue(t.target, records.get(targetKey(t.target)), now));
  const limit = pLimit(deps.concurrency);
  // The tick's state saves share transactions instead of one request per target: a batch is
  // written once every running evaluation waits on it, or SAVE_LINGER_MS after its first save.
  const store: StateStore = canSaveBatch(deps.store)
    ? batchSaves(deps.store, { maxBatch: deps.concurrency, lingerMs: SAVE_LINGER_MS, running: () => limit.activeCount })
    : deps.store;
  const targetDeps = { ...deps, store };
  const evaluated = await Promise.all(
    due.map((t) =>
      limit(() =>
        evaluateTarget(t.target, t.sources, records.get(targetKey(t.target)), targetDeps, t.spec).catch((e: unknown) => {
          deps.telemetry.failure(e, { operation: 'evaluate', target: targetKey(t.target), cluster: t.target.cluster });
          return { target: t.target, error: messageOf(e) };
        }),
      ),
    ),
  );
  return { evaluated, skipped: deps.targets.length - due.length };
}
