// What the state table says of each target (`aks-queue-scaler status`): its last decision, its
// activity and cooldown, its trigger failures, a row that did not read, and the rows of targets
// no longer configured. Read-only, like the dry run: one query (loadAll, which never creates the
// table), and nothing is written.
import { cooldownEnd, isAsleep } from '../engine/index.js';
import { messageOf } from '../errors/index.js';
import { redactSecrets } from '../redact/index.js';
import type { StoredRecord } from '../state/index.js';
import { STATE_RETENTION_MS } from './evaluate-all.js';
import { targetKey, type ConfiguredTarget } from './targets.js';
import type { Runtime } from './wiring.js';

/** One configured target as its state row has it. Times are ISO-8601, as stored. */
export interface TargetStatus {
  /** cluster/namespace/name: the key of its state row. */
  target: string;
  /** `ok`; `none` (never evaluated nor woken yet); `invalid` (the row did not read: `invalid` says why). */
  row: 'ok' | 'none' | 'invalid';
  /** The last decision: when its row was last written (an evaluation or a wake; by the table's clock), and the replicas it left. */
  lastDecision?: { at?: string | undefined; replicas?: number | undefined };
  /** When the evaluation loop last evaluated it (by the scaler's clock). */
  lastEvaluated?: string | undefined;
  /** The start of the tick that last polled it (pollingInterval counts from it: docs/engine.md, "Polls"). */
  lastPolled?: string | undefined;
  /** When the wake path last confirmed it awake. */
  lastWakeConfirmed?: string | undefined;
  /** The last evaluation that saw it active (the cooldown runs from it); null: never active. */
  lastActiveTime?: string | null | undefined;
  /** Its first evaluation (initialCooldownPeriod runs from it while it was never active). */
  createdTime?: string | null | undefined;
  /**
   * When the cooldown ends and how much of it is left now (0: over). `asleep`: the replicas it
   * left are 0 (or idle), so no cooldown applies.
   */
  cooldown?: { endsAt: string; secondsLeft: number; from: 'lastActiveTime' | 'createdTime'; asleep: boolean };
  /** Consecutive failed reads per trigger, in spec order. */
  triggerFailures?: number[] | undefined;
  /** The scaler itself took it to zero. */
  scaledToZero?: boolean | undefined;
  /** Why the row did not read: its next evaluation starts from fresh state (docs/engine.md), and replaces the row. */
  invalid?: string | undefined;
}

/** A state row whose target is not among the configured (valid) targets. */
export interface RemovedRow {
  target: string;
  lastDecision: { at?: string | undefined; replicas?: number | undefined };
  lastEvaluated?: string | undefined;
  invalid?: string | undefined;
  /** What becomes of it: kept (its target has errors, or the configuration has), or deleted once it is a day old. */
  fate: string;
}

export interface StatusReport {
  /** The time the report was made at (the cooldowns are counted to it). */
  now: string;
  /** The state table read. */
  table: string;
  /** Every configured target, in configuration order. */
  targets: TargetStatus[];
  /** Rows of targets no longer configured, by key. */
  removed: RemovedRow[];
  /** The state could not be read: nothing else is known. */
  stateError?: string;
}

const lastDecision = (r: StoredRecord): { at?: string | undefined; replicas?: number | undefined } => ({ at: r.updatedAt, replicas: r.lastReplicas });

function targetStatus({ target }: ConfiguredTarget, record: StoredRecord | undefined, now: number): TargetStatus {
  const key = targetKey(target);
  if (!record) return { target: key, row: 'none' };
  const status: TargetStatus = { target: key, row: record.invalid ? 'invalid' : 'ok', lastDecision: lastDecision(record), lastEvaluated: record.lastEvaluated, lastPolled: record.lastPolled, lastWakeConfirmed: record.lastWakeConfirmed };
  if (record.invalid) return { ...status, invalid: redactSecrets(record.invalid) };
  const { state } = record;
  const end = cooldownEnd(target, state, now);
  return {
    ...status,
    lastActiveTime: state.lastActiveTime,
    createdTime: state.createdTime,
    cooldown: {
      endsAt: new Date(end.endsAt).toISOString(),
      secondsLeft: Math.max(0, Math.ceil((end.endsAt - now) / 1000)),
      from: end.from,
      asleep: record.lastReplicas !== undefined && isAsleep(target, record.lastReplicas),
    },
    triggerFailures: state.triggerFailures,
    scaledToZero: state.scaledToZero,
  };
}

/** The fate of a row of a target not configured, as the tick's clean-up (evaluate-all.ts) will treat it. */
function fateOf(key: string, record: StoredRecord, runtime: Runtime): string {
  const [, namespace, name] = /^[^/]*\/([^/]*)\/(.*)$/.exec(key) ?? [];
  const errors = runtime.config.errors;
  if (errors.some((e) => e.where === `target ${namespace}/${name}`)) return `kept: target ${namespace}/${name} has configuration errors (aks-queue-scaler validate)`;
  if (errors.length > 0) return 'kept while the configuration has errors (it may be the row of a target left out for one)';
  const written = Date.parse(record.updatedAt ?? record.lastEvaluated ?? '');
  if (!Number.isFinite(written)) return 'kept: it says not when it was written';
  return `deleted by the first tick after ${new Date(written + STATE_RETENTION_MS).toISOString()} (a day after its last write), unless its target is configured again`;
}

/** The status of every configured target and every row of one no longer configured; reads the state once and writes nothing. */
export async function readStatus(runtime: Runtime): Promise<StatusReport> {
  const now = runtime.now();
  const report: StatusReport = { now: new Date(now).toISOString(), table: runtime.config.stateTable, targets: [], removed: [] };
  let records: Map<string, StoredRecord>;
  try {
    records = await runtime.store.loadAll();
  } catch (e) {
    return { ...report, stateError: redactSecrets(messageOf(e)) };
  }
  const configured = new Set(runtime.targets.map((t) => targetKey(t.target)));
  report.targets = runtime.targets.map((t) => targetStatus(t, records.get(targetKey(t.target)), now));
  report.removed = [...records]
    .filter(([key]) => !configured.has(key))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, r]) => ({ target: key, lastDecision: lastDecision(r), lastEvaluated: r.lastEvaluated, ...(r.invalid ? { invalid: redactSecrets(r.invalid) } : {}), fate: fateOf(key, r, runtime) }));
  return report;
}
