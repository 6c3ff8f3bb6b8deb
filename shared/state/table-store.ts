// StateStore over Azure Table Storage: one row per target in one partition, so a tick loads
// every row with a single query. Identity-based in Azure (the host identity, on the app's own
// storage account), a connection string for local development against Azurite.
import { RestError } from '@azure/core-rest-pipeline';
import { odata, TableClient, type TableEntityResult, type TransactionAction } from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';
import { StateError } from '../errors.js';
import { StateConflictError, type BatchSaving, type StateStore, type StoredRecord, type TargetRecord } from './store.js';

const PARTITION = 'targets';
/** Table Storage's limit on the operations of one entity group transaction. */
const TRANSACTION_LIMIT = 100;

// A type, not an interface: transactions take entities as Record<string, unknown>.
type Row = {
  partitionKey: string;
  rowKey: string;
  state: string;
  lastEvaluated?: string;
  lastReplicas?: number;
  lastWakeConfirmed?: string;
};

// Table keys may not contain / \ # ?; target keys are cluster/namespace/name.
const toRowKey = (key: string): string => key.replace(/[/\\#?%]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
const fromRowKey = (rowKey: string): string => rowKey.replace(/%([0-9a-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));

function toRow(key: string, record: TargetRecord): Row {
  return {
    partitionKey: PARTITION,
    rowKey: toRowKey(key),
    state: JSON.stringify(record.state),
    ...(record.lastEvaluated !== undefined ? { lastEvaluated: record.lastEvaluated } : {}),
    ...(record.lastReplicas !== undefined ? { lastReplicas: record.lastReplicas } : {}),
    ...(record.lastWakeConfirmed !== undefined ? { lastWakeConfirmed: record.lastWakeConfirmed } : {}),
  };
}

function toRecord(row: TableEntityResult<Row>): StoredRecord {
  return {
    state: JSON.parse(row.state) as StoredRecord['state'],
    lastEvaluated: row.lastEvaluated,
    lastReplicas: row.lastReplicas,
    lastWakeConfirmed: row.lastWakeConfirmed,
    etag: row.etag,
  };
}

export type TableLocation = { connectionString: string; table: string } | { url: string; table: string; credential: TokenCredential };

/**
 * A Table Storage call that takes longer than this fails (the SDK sets no timeout: a stalled
 * table would hang the tick, and the loop skips every tick while one is running).
 */
export const TABLE_TIMEOUT_MS = 10_000;

export interface TableStoreOptions {
  /** How long one call (with its retries) may take (TABLE_TIMEOUT_MS). */
  timeoutMs?: number;
}

export function createTableStore(location: TableLocation, options: TableStoreOptions = {}): StateStore & BatchSaving {
  const timeoutMs = options.timeoutMs ?? TABLE_TIMEOUT_MS;
  const bounded = (): { abortSignal: AbortSignal } => ({ abortSignal: AbortSignal.timeout(timeoutMs) });
  const client =
    'connectionString' in location
      ? TableClient.fromConnectionString(location.connectionString, location.table, { allowInsecureConnection: true })
      : new TableClient(location.url, location.table, location.credential);
  let ready: Promise<void> | undefined;
  const ensureTable = (): Promise<void> =>
    (ready ??= client.createTable(bounded()).catch((e: unknown) => {
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

  return {
    // Reads never create the table (a dry run changes nothing): no table is no state yet.
    async loadAll() {
      const records = new Map<string, StoredRecord>();
      try {
        for await (const row of client.listEntities<Row>({ queryOptions: { filter: odata`PartitionKey eq ${PARTITION}` }, ...bounded() })) {
          records.set(fromRowKey(row.rowKey), toRecord(row));
        }
      } catch (e) {
        if (e instanceof RestError && e.statusCode === 404) return records;
        fail(`state table ${location.table}: query`, e);
      }
      return records;
    },
    async load(key) {
      try {
        return toRecord(await client.getEntity<Row>(PARTITION, toRowKey(key), bounded()));
      } catch (e) {
        if (e instanceof RestError && e.statusCode === 404) return undefined;
        return fail(`state of ${key}`, e);
      }
    },
    async save(key, record: TargetRecord, etag) {
      await ensureTable();
      const row = toRow(key, record);
      try {
        const response = etag === undefined ? await client.createEntity(row, bounded()) : await client.updateEntity(row, 'Replace', { etag, ...bounded() });
        return response.etag ?? '';
      } catch (e) {
        return fail(`state of ${key}`, e);
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
        const response = await client.submitTransaction(actions, bounded());
        return response.subResponses.map((r) => r.etag ?? '');
      } catch (e) {
        return fail(`state of ${saves.length} targets (one transaction)`, e);
      }
    },
  };
}
