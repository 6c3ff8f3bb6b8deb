// What a stored record may hold, checked on every read. A row is written by this scaler, but
// also by other versions of it, other instances, and people with a storage explorer: a row that
// does not parse, or holds the wrong types, must cost only its own target its history, never
// the tick. Such a row is read as an empty record that remembers why (`invalid`) and keeps its
// etag, so the next save replaces it.
import { z } from 'zod';
import { latestTime, type ScalerState } from '../engine/index.js';
import { formatPath, isoTime } from '../schema/index.js';
import type { StoredRecord } from './store.js';

const count = z.number({ error: 'must be a number' }).int('must be a whole number').min(0, 'must be >= 0');

const recommendation = z.object({ replicas: count, timestamp: isoTime });
const scaleEvent = z.object({ change: count, timestamp: isoTime, outdated: z.boolean({ error: 'must be true or false' }) });

/**
 * The engine's state (ScalerState). Unknown fields are dropped: a newer version may add some,
 * and what this version does not read cannot mislead it.
 */
export const scalerStateSchema = z.object(
  {
    recommendations: z.array(recommendation).optional(),
    scaleUpEvents: z.array(scaleEvent).optional(),
    scaleDownEvents: z.array(scaleEvent).optional(),
    lastActiveTime: isoTime.nullable().optional(),
    createdTime: isoTime.nullable().optional(),
    triggerFailures: z.array(count).optional(),
    scaledToZero: z.boolean({ error: 'must be true or false' }).optional(),
  },
  { error: (i) => (i.code === 'invalid_type' ? `must be a map, not ${i.input === null ? 'null' : Array.isArray(i.input) ? 'a list' : typeof i.input}` : undefined) },
) satisfies z.ZodType<ScalerState>;

const recordSchema = z.object({
  state: scalerStateSchema,
  lastEvaluated: isoTime.optional(),
  lastPolled: isoTime.optional(),
  lastTick: isoTime.optional(),
  specHash: z.string({ error: 'must be a string' }).min(1, 'must not be empty').optional(),
  lastReplicas: count.optional(),
  lastWakeConfirmed: isoTime.optional(),
  workloadUid: z.string({ error: 'must be a string' }).min(1, 'must not be empty').optional(),
});

/** The fields of a row as read, before they are checked; `state` already out of its JSON text. */
export interface RawRecord {
  state: unknown;
  lastEvaluated?: unknown;
  lastPolled?: unknown;
  lastTick?: unknown;
  specHash?: unknown;
  lastReplicas?: unknown;
  lastWakeConfirmed?: unknown;
  workloadUid?: unknown;
}

/**
 * The record of row `rowKey` (target `key`), checked; a row that fails the check is an empty
 * record with `invalid` saying which field and why. A wake's activity (lastWakeConfirmed, which
 * the wake path writes on its own: StateStore.recordWakeActivity) reads as the state's
 * lastActiveTime when it is the later, for every reader alike.
 */
export function checkRecord(raw: RawRecord, key: string, rowKey: string, etag: string, updatedAt?: string): StoredRecord {
  const where = `state row "${rowKey}" of target ${key}`;
  const parsed = recordSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { state: {}, etag, updatedAt, invalid: `${where}: ${formatPath(issue.path) || 'the row'}: ${issue.message}` };
  }
  const { state, lastWakeConfirmed } = parsed.data;
  const active = lastWakeConfirmed === undefined ? state : { ...state, lastActiveTime: latestTime(state.lastActiveTime, lastWakeConfirmed) };
  return { ...parsed.data, state: active, etag, ...(updatedAt === undefined ? {} : { updatedAt }) };
}

/** The row of a record whose state is not JSON: said the same way as a check that failed. */
export function unreadableRecord(key: string, rowKey: string, etag: string, reason: string, updatedAt?: string): StoredRecord {
  return { state: {}, etag, updatedAt, invalid: `state row "${rowKey}" of target ${key}: state: ${reason}` };
}
