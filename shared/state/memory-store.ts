// An in-memory StateStore with the same concurrency rules as the table store (its contract test
// runs against both), for unit tests and dry runs.
import { StateConflictError, type BatchSaving, type StateStore, type StoredRecord, type TargetRecord } from './store.js';

export function createMemoryStore(): StateStore & BatchSaving {
  const rows = new Map<string, StoredRecord>();
  let version = 0;
  const copy = (r: StoredRecord): StoredRecord => structuredClone(r);
  const check = (key: string, etag: string | undefined): void => {
    if ((rows.get(key)?.etag ?? undefined) !== etag) throw new StateConflictError(`state of ${key} changed since it was read`);
  };
  const write = (key: string, record: TargetRecord): string => {
    const next = { ...structuredClone(record), etag: `W/"${++version}"` };
    rows.set(key, next);
    return next.etag;
  };
  return {
    async loadAll() {
      return new Map([...rows].map(([k, r]) => [k, copy(r)]));
    },
    async load(key) {
      const row = rows.get(key);
      return row && copy(row);
    },
    async save(key, record: TargetRecord, etag) {
      check(key, etag);
      return write(key, record);
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
