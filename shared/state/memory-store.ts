// An in-memory StateStore with the same concurrency rules as the table store (its contract test
// runs against both), for unit tests and dry runs.
import { StateConflictError, type StateStore, type StoredRecord, type TargetRecord } from './store.js';

export function createMemoryStore(): StateStore {
  const rows = new Map<string, StoredRecord>();
  let version = 0;
  const copy = (r: StoredRecord): StoredRecord => structuredClone(r);
  return {
    async loadAll() {
      return new Map([...rows].map(([k, r]) => [k, copy(r)]));
    },
    async load(key) {
      const row = rows.get(key);
      return row && copy(row);
    },
    async save(key, record: TargetRecord, etag) {
      const current = rows.get(key);
      if ((current?.etag ?? undefined) !== etag) {
        throw new StateConflictError(`state of ${key} changed since it was read`);
      }
      const next = { ...structuredClone(record), etag: `W/"${++version}"` };
      rows.set(key, next);
      return next.etag;
    },
  };
}
