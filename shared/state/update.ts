// Read-modify-write of one record under its ETag: the change is a function of the fresh record
// (it may read more, e.g. the cluster), so losing a race just means applying it again to what
// the other writer saved.
import { StateConflictError, type StateStore, type StoredRecord, type TargetRecord } from './store.js';

/** Lost races tolerated before the update fails. */
const UPDATE_ATTEMPTS = 5;

/**
 * A pause before trying again after a lost ETag race: up to 10 ms times the attempt, at random,
 * so that writers that keep colliding on a busy row fall out of step instead of colliding again.
 */
const afterConflict = (attempt: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));

/** Saves `change(fresh)` under the etag of `fresh`, loading the row again after each lost race. */
export async function updateRecord(
  store: StateStore,
  key: string,
  change: (fresh: StoredRecord | undefined) => TargetRecord | Promise<TargetRecord>,
  first?: StoredRecord,
): Promise<TargetRecord> {
  let fresh = first ?? (await store.load(key));
  for (let attempt = 1; ; attempt++) {
    const next = await change(fresh);
    try {
      await store.save(key, next, fresh?.etag);
      return next;
    } catch (e) {
      if (!(e instanceof StateConflictError) || attempt >= UPDATE_ATTEMPTS) throw e;
      await afterConflict(attempt);
      fresh = await store.load(key);
    }
  }
}
