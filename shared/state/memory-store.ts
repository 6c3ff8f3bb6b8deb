// An in-memory StateStore with the same concurrency rules as the table store (its contract test
// runs against both), for unit tests and dry runs. What it hands back is checked as the table
// store checks a row (record.ts): a record saved with the wrong shape reads as invalid.
import { StateError } from '../errors/index.js';
import { checkRecord, type RawRecord } from './record.js';
import { recordFields, StateConflictError, type BatchSaving, type StateStore, type StoredRecord, type TargetRecord } from './store.js';

interface Row {
  record: RawRecord;
  etag: string;
  updatedAt: string;
}

/** The table store's limit (a $filter's comparisons), so that callers batch here as they must there. */
const MAX_LOAD = 14;

export interface MemoryStoreOptions {
  /** The store's clock, for `updatedAt`. */
  now?: () => number;
}

export function createMemoryStore(options: MemoryStoreOptions = {}): StateStore & BatchSaving {
  const now = options.now ?? Date.now;
  const rows = new Map<string, Row>();
  let version = 0;
  const read = (key: string, row: Row): StoredRecord => checkRecord(structuredClone(row.record), key, key, row.etag, row.updatedAt);
  const check = (key: string, etag: string | undefined): void => {
    if ((rows.get(key)?.etag ?? undefined) !== etag) throw new StateConflictError(`state of ${key} changed since it was read`);
  };
  const write = (key: string, record: TargetRecord): string => {
    const etag = `W/"${++version}"`;
    rows.set(key, { record: structuredClone(recordFields(record)), etag, updatedAt: new Date(now()).toISOString() });
    return etag;
  };
  return {
    async loadAll() {
      return new Map([...rows].map(([k, r]) => [k, read(k, r)]));
    },
    async load(key) {
      const row = rows.get(key);
      return row && read(key, row);
    },
    maxLoad: MAX_LOAD,
    async loadMany(keys) {
      if (keys.length > MAX_LOAD) throw new StateError(`${keys.length} keys in one query, over the ${MAX_LOAD} a filter may compare`);
      return new Map(keys.flatMap((k) => {
        const row = rows.get(k);
        return row ? [[k, read(k, row)] as const] : [];
      }));
    },
    async save(key, record: TargetRecord, etag) {
      check(key, etag);
      return write(key, record);
    },
    async recordWakeActivity(key, at, etag) {
      const row = rows.get(key);
      if (!row) return undefined;
      if (etag !== undefined) check(key, etag);
      return write(key, { ...row.record, lastWakeConfirmed: at } as TargetRecord);
    },
    async delete(key, etag) {
      if (rows.get(key)?.etag !== etag) return false;
      rows.delete(key);
      return true;
    },
    maxBatch: 100,
    // All or nothing, as a Table Storage transaction.
    async saveBatch(saves) {
      if (new Set(saves.map((s) => s.key)).size < saves.length) throw new Error('a batch holds a key twice');
      for (const { key, etag } of saves) check(key, etag);
      return saves.map(({ key, record }) => write(key, record));
    },
  };
}
