// The fan-out of a tick (docs/architecture.md, "Fan-out"): which shard a target belongs to, and
// the message that hands a shard's due targets to a shard worker, written by the timer and checked
// by the worker like any queue input.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ScalerError } from '../errors/index.js';
import { formatPath, isoTime } from '../schema/index.js';
import type { StoredRecord } from '../state/index.js';
import { targetKey, type ConfiguredTarget } from './targets.js';

/**
 * A queue message holds at most 64 KiB (messageEncoding none: the text itself); a shard whose
 * keys do not fit in one is sent in parts, each a message of its own.
 */
export const SHARD_MESSAGE_MAX_BYTES = 60 * 1024;

/**
 * Jump consistent hash (Lamping and Veach, 2014): a 64-bit key to one of `buckets`, uniformly;
 * when the count grows from n to n + 1, only 1/(n + 1) of the keys move, so a growing
 * configuration keeps most targets on their shard.
 */
function jumpHash(key: bigint, buckets: number): number {
  let b = -1;
  let j = 0;
  let k = key;
  while (j < buckets) {
    b = j;
    k = BigInt.asUintN(64, k * 2862933555777941757n + 1n);
    j = Math.floor((b + 1) * (2 ** 31 / (Number(k >> 33n) + 1)));
  }
  return b;
}

/** The shard of `key` among `shards`: the same for the same key on every instance, whatever else is configured. */
export function shardOf(key: string, shards: number): number {
  if (!Number.isInteger(shards) || shards < 1) throw new RangeError(`shards must be a whole number >= 1, not ${shards}`);
  return jumpHash(createHash('sha256').update(key).digest().readBigUInt64BE(0), shards);
}

/** How many shards `targets` configured targets make at `shardSize` targets a shard. */
export const shardCount = (targets: number, shardSize: number): number => Math.max(1, Math.ceil(targets / shardSize));

/** One due target of a shard: its key, and whether its evaluation is KEDA's poll. */
export interface ShardEntry {
  key: string;
  poll: boolean;
}

/**
 * The due targets split into `shards` shards by a stable hash. Targets whose state rows name the
 * same workload (by uid: what the configuration cannot see, owners.ts) hash by the first of
 * them in configuration order, so they share a shard and its worker keeps one owner per workload.
 */
export function partition(targets: readonly ConfiguredTarget[], due: readonly { t: ConfiguredTarget; poll: boolean }[], records: ReadonlyMap<string, StoredRecord>, shards: number): ShardEntry[][] {
  const firstByUid = new Map<string, string>();
  for (const { target } of targets) {
    const key = targetKey(target);
    const uid = records.get(key)?.workloadUid;
    if (uid && !firstByUid.has(uid)) firstByUid.set(uid, key);
  }
  const out: ShardEntry[][] = Array.from({ length: shards }, () => []);
  for (const { t, poll } of due) {
    const key = targetKey(t.target);
    const uid = records.get(key)?.workloadUid;
    out[shardOf((uid && firstByUid.get(uid)) || key, shards)]!.push({ key, poll });
  }
  return out;
}

const index = z.number({ error: 'must be a number' }).int('must be a whole number').min(0, 'must be >= 0');
const keyList = z.array(z.string({ error: 'must be a target key (text)' }).min(1, 'must not be empty').max(1024, 'is longer than any target key'), { error: 'must be a list of target keys' });

const shardMessageSchema = z
  .strictObject({
    kind: z.literal('aks-queue-scaler/shard', { error: 'must be "aks-queue-scaler/shard"' }),
    /** The tick's id: its start, or just after the latest tick a state row records (ids only grow). */
    tick: isoTime,
    /** The tick's start by the timer's clock: what polls are scheduled on and recorded at. */
    tickStart: isoTime,
    shard: index,
    shards: index.min(1, 'must be >= 1'),
    part: index,
    parts: index.min(1, 'must be >= 1'),
    /** Due as KEDA's poll. */
    poll: keyList,
    /** Due for the HPA's sync only (above zero, no poll due). */
    sync: keyList,
  })
  .superRefine((m, ctx) => {
    if (m.shard >= m.shards) ctx.addIssue({ code: 'custom', path: ['shard'], message: `must be below shards (${m.shards})` });
    if (m.part >= m.parts) ctx.addIssue({ code: 'custom', path: ['part'], message: `must be below parts (${m.parts})` });
    const seen = new Set<string>();
    for (const key of [...m.poll, ...m.sync]) {
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['sync'], message: `names target ${JSON.stringify(key.slice(0, 200))} twice` });
      seen.add(key);
    }
  });

export type ShardMessage = z.output<typeof shardMessageSchema>;

/** The messages of one shard: its entries in as many parts as the message size needs. */
export function shardMessages(base: Pick<ShardMessage, 'tick' | 'tickStart' | 'shard' | 'shards'>, entries: readonly ShardEntry[]): string[] {
  const text = (part: number, parts: number, chunk: readonly ShardEntry[]): string =>
    JSON.stringify({ kind: 'aks-queue-scaler/shard', ...base, part, parts, poll: chunk.filter((e) => e.poll).map((e) => e.key), sync: chunk.filter((e) => !e.poll).map((e) => e.key) } satisfies ShardMessage);
  const overhead = Buffer.byteLength(text(999_999, 999_999, []));
  const chunks: ShardEntry[][] = [[]];
  let size = overhead;
  for (const entry of entries) {
    const bytes = Buffer.byteLength(JSON.stringify(entry.key)) + 1;
    if (size + bytes > SHARD_MESSAGE_MAX_BYTES && chunks.at(-1)!.length > 0) {
      chunks.push([]);
      size = overhead;
    }
    chunks.at(-1)!.push(entry);
    size += bytes;
  }
  return chunks.map((chunk, i) => text(i, chunks.length, chunk));
}

/** A shard message that is not one: what is wrong and where, and nothing of it is evaluated. */
export class ShardMessageError extends ScalerError {}

/** Reads a shard message, checked; anything else is a ShardMessageError naming the field. */
export function parseShardMessage(text: string): ShardMessage {
  if (Buffer.byteLength(text) > 64 * 1024) throw new ShardMessageError(`shard message: ${Buffer.byteLength(text)} bytes, more than a queue message holds`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ShardMessageError(`shard message: not JSON (${(e as Error).message})`);
  }
  const parsed = shardMessageSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = formatPath(issue.path);
    throw new ShardMessageError(`shard message: ${path ? `${path}: ` : ''}${issue.message}`);
  }
  return parsed.data;
}
