// StateStore over Azure Table Storage: one row per target in one partition, so a tick loads
// every row with a single query. Identity-based in Azure (the host identity, on the app's own
// storage account), a connection string for local development against Azurite.
import { RestError } from '@azure/core-rest-pipeline';
import { odata, TableClient, type TableEntityResult, type TransactionAction } from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';
import { StateError, withDeadline } from '../errors/index.js';
import { checkRecord, unreadableRecord } from './record.js';
import { StateConflictError, type BatchSaving, type StateStore, type StoredRecord, type TargetRecord } from './store.js';

const PARTITION = 'targets';
/** Table Storage's limit on the operations of one entity group transaction. */
const TRANSACTION_LIMIT = 100;
/**
 * Table Storage permits at most 15 comparisons in one $filter ("Querying tables and entities"):
 * the partition's and 14 row keys'.
 */
const KEYS_PER_QUERY = 14;
/**
 * A string property holds at most 64 KiB, UTF-16: 32,768 characters. The state's JSON is cut
 * into parts of this many characters: `state`, `state2`, `state3`, ... (history-limit.ts in the
 * engine bounds how many there can be).
 */
export const STATE_PART_CHARS = 32_000;
/** An entity may hold at most 1 MiB, counted as Table Storage counts it (entitySize). */
export const ENTITY_LIMIT_BYTES = 1024 * 1024;

// A type, not an interface: transactions take entities as Record<string, unknown>.
type Row = {
  partitionKey: string;
  rowKey: string;
  state: string;
  lastEvaluated?: string;
  lastPolled?: string;
  lastTick?: string;
  specHash?: string;
  lastReplicas?: number;
  lastWakeConfirmed?: string;
  workloadUid?: string;
} & { [part: `state${number}`]: string };

// Table keys may not contain / \ # ?; target keys are cluster/namespace/name.
export const toRowKey = (key: string): string => key.replace(/[/\\#?%]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
const fromRowKey = (rowKey: string): string => rowKey.replace(/%([0-9a-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));

const partName = (i: number): 'state' | `state${number}` => (i === 0 ? 'state' : `state${i + 1}`);

/**
 * The size Table Storage counts for an entity: 4 bytes, the keys in UTF-16, and per property
 * 8 bytes, its name in UTF-16 and its value (a string 4 bytes + UTF-16, a number 8).
 */
export function entitySize(row: Record<string, unknown>): number {
  let size = 4 + 2 * (String(row.partitionKey).length + String(row.rowKey).length);
  for (const [name, value] of Object.entries(row)) {
    if (name === 'partitionKey' || name === 'rowKey' || value === undefined) continue;
    size += 8 + 2 * name.length + (typeof value === 'string' ? 4 + 2 * value.length : 8);
  }
  return size;
}

/** The row of a record: its state's JSON in parts, and its size checked against the entity limit. */
export function toRow(key: string, record: TargetRecord): Row {
  const json = JSON.stringify(record.state);
  const parts: Record<string, string> = {};
  for (let i = 0; i * STATE_PART_CHARS < json.length || i === 0; i++) parts[partName(i)] = json.slice(i * STATE_PART_CHARS, (i + 1) * STATE_PART_CHARS);
  const row = {
    partitionKey: PARTITION,
    rowKey: toRowKey(key),
    ...parts,
    ...(record.lastEvaluated !== undefined ? { lastEvaluated: record.lastEvaluated } : {}),
    ...(record.lastPolled !== undefined ? { lastPolled: record.lastPolled } : {}),
    ...(record.lastTick !== undefined ? { lastTick: record.lastTick } : {}),
    ...(record.specHash !== undefined ? { specHash: record.specHash } : {}),
    ...(record.lastReplicas !== undefined ? { lastReplicas: record.lastReplicas } : {}),
    ...(record.lastWakeConfirmed !== undefined ? { lastWakeConfirmed: record.lastWakeConfirmed } : {}),
    ...(record.workloadUid !== undefined ? { workloadUid: record.workloadUid } : {}),
  } as Row;
  const size = entitySize(row);
  // Cannot happen with the engine's bounds; said clearly rather than as the service's 400.
  if (size > ENTITY_LIMIT_BYTES) throw new StateError(`state of ${key}: ${size} bytes, over Table Storage's limit of ${ENTITY_LIMIT_BYTES} bytes per row`);
  return row;
}

/** A row as the service returned it, checked (record.ts): a row that does not read is `invalid`, not an exception. */
function toRecord(row: TableEntityResult<Record<string, unknown>>): StoredRecord {
  const key = fromRowKey(row.rowKey ?? '');
  const rowKey = row.rowKey ?? '';
  const etag = row.etag;
  const updatedAt = typeof row.timestamp === 'string' ? row.timestamp : undefined;
  let text = '';
  for (let i = 0; typeof row[partName(i)] === 'string'; i++) text += row[partName(i)] as string;
  if (row.state === undefined) return unreadableRecord(key, rowKey, etag, 'is missing', updatedAt);
  if (typeof row.state !== 'string') return unreadableRecord(key, rowKey, etag, `must be JSON text, not a ${typeof row.state}`, updatedAt);
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch (e) {
    return unreadableRecord(key, rowKey, etag, `is not JSON (${(e as Error).message})`, updatedAt);
  }
  return checkRecord({ state, lastEvaluated: row.lastEvaluated, lastPolled: row.lastPolled, lastTick: row.lastTick, specHash: row.specHash, lastReplicas: row.lastReplicas, lastWakeConfirmed: row.lastWakeConfirmed, workloadUid: row.workloadUid }, key, rowKey, etag, updatedAt);
}

export type TableLocation = { connectionString: string; table: string } | { url: string; table: string; credential: TokenCredential };

/**
 * A Table Storage call that takes longer than this fails (the SDK sets no timeout: a stalled
 * table would hang the tick, and the loop skips every tick while one is running).
 */
const TABLE_TIMEOUT_MS = 10_000;

export interface TableStoreOptions {
  /** How long one call (with its retries) may take (TABLE_TIMEOUT_MS). */
  timeoutMs?: number;
}

export function createTableStore(location: TableLocation, options: TableStoreOptions = {}): StateStore & BatchSaving {
  const timeoutMs = options.timeoutMs ?? TABLE_TIMEOUT_MS;
  /** `call` with the deadline of one Table Storage call, cleared when it ends. */
  const bounded = <T>(call: (options: { abortSignal: AbortSignal }) => Promise<T>): Promise<T> => withDeadline(timeoutMs, (abortSignal) => call({ abortSignal }));
  const client =
    'connectionString' in location
      ? TableClient.fromConnectionString(location.connectionString, location.table, { allowInsecureConnection: true })
      : new TableClient(location.url, location.table, location.credential);
  let ready: Promise<void> | undefined;
  const ensureTable = (): Promise<void> =>
    (ready ??= bounded((options) => client.createTable(options)).catch((e: unknown) => {
      ready = undefined;
      throw new StateError(`state table ${location.table}: cannot create or open it: ${(e as Error).message}`, { cause: e });
    }));

  const fail = (what: string, e: unknown): never => {
    if (e instanceof RestError && (e.statusCode === 412 || e.statusCode === 409)) {
      throw new StateConflictError(`${what}: changed since it was read`, { cause: e });
    }
    if (e instanceof Error && e.name === 'AbortError') throw new StateError(`${what}: no successful answer from Table Storage within ${timeoutMs} ms (none came, or it kept failing and was retried until then)`, { cause: e });
    throw new StateError(`${what}: ${(e as Error).message}`, { cause: e });
  };

  /** The rows `filter` selects, each checked; no table is no rows. */
  async function query(filter: string, what: string): Promise<Map<string, StoredRecord>> {
    const records = new Map<string, StoredRecord>();
    try {
      await bounded(async (options) => {
        for await (const row of client.listEntities<Record<string, unknown>>({ queryOptions: { filter }, ...options })) {
          records.set(fromRowKey(row.rowKey ?? ''), toRecord(row));
        }
      });
    } catch (e) {
      if (e instanceof RestError && e.statusCode === 404) return records;
      fail(what, e);
    }
    return records;
  }

  return {
    // Reads never create the table (a dry run changes nothing): no table is no state yet.
    loadAll: () => query(odata`PartitionKey eq ${PARTITION}`, `state table ${location.table}: query`),
    maxLoad: KEYS_PER_QUERY,
    async loadMany(keys) {
      if (keys.length > KEYS_PER_QUERY) throw new StateError(`state table ${location.table}: ${keys.length} keys in one query, over the ${KEYS_PER_QUERY} a filter may compare`);
      if (keys.length === 0) return new Map();
      const filter = `${odata`PartitionKey eq ${PARTITION}`} and (${keys.map((key) => odata`RowKey eq ${toRowKey(key)}`).join(' or ')})`;
      return query(filter, `state of ${keys.length === 1 ? keys[0] : `${keys[0]} and ${keys.length - 1} more targets`}`);
    },
    async load(key) {
      try {
        return toRecord(await bounded((options) => client.getEntity<Record<string, unknown>>(PARTITION, toRowKey(key), options)));
      } catch (e) {
        if (e instanceof RestError && e.statusCode === 404) return undefined;
        return fail(`state of ${key}`, e);
      }
    },
    async save(key, record: TargetRecord, etag) {
      await ensureTable();
      const row = toRow(key, record);
      try {
        const response = await bounded((options) => (etag === undefined ? client.createEntity(row, options) : client.updateEntity(row, 'Replace', { etag, ...options })));
        return response.etag ?? '';
      } catch (e) {
        return fail(`state of ${key}`, e);
      }
    },
    async recordWakeActivity(key, at, etag) {
      try {
        // Merge Entity (If-Match: the etag, or * for any): only this column is written, the rest of the row stays.
        const response = await bounded((options) => client.updateEntity({ partitionKey: PARTITION, rowKey: toRowKey(key), lastWakeConfirmed: at }, 'Merge', { ...options, ...(etag === undefined ? {} : { etag }) }));
        return response.etag ?? '';
      } catch (e) {
        if (e instanceof RestError && e.statusCode === 404) return undefined;
        return fail(`state of ${key}: wake activity`, e);
      }
    },
    async delete(key, etag) {
      try {
        await bounded((options) => client.deleteEntity(PARTITION, toRowKey(key), { etag, ...options }));
        return true;
      } catch (e) {
        // Changed since it was read (412), or already gone (404): not this caller's to delete.
        if (e instanceof RestError && (e.statusCode === 412 || e.statusCode === 404)) return false;
        return fail(`state of ${key}: delete`, e);
      }
    },
    maxBatch: TRANSACTION_LIMIT,
    // One entity group transaction: every row keeps its ETag condition (insert when there is
    // none); the service applies all of them or none.
    async saveBatch(saves) {
      await ensureTable();
      const actions = saves.map(({ key, record, etag }): TransactionAction =>
        etag === undefined ? ['create', toRow(key, record)] : ['update', toRow(key, record), 'Replace', { etag }]);
      try {
        const response = await bounded((options) => client.submitTransaction(actions, options));
        return response.subResponses.map((r) => r.etag ?? '');
      } catch (e) {
        return fail(`state of ${saves.length} targets (one transaction)`, e);
      }
    },
  };
}
