// Saves that arrive together share one request. A tick saves one row per evaluated target: one
// request per row was a third of a tick's requests; batched, ten or more rows share one
// (bench/README.md, tick scale). Callers see the same StateStore: each save still resolves with
// its own etag or fails with its own StateConflictError, so evaluateTarget's conflict handling
// is unchanged.
import { type BatchSaving, type SaveRequest, type StateStore } from './store.js';

export interface BatchSavesOptions {
  /** A batch is written as soon as it holds this many saves (at most the store's maxBatch). */
  maxBatch: number;
  /** ... or this long after its first save arrived, whichever comes first. */
  lingerMs: number;
  /**
   * ... or as soon as it holds a save from every caller still running (the tick's running
   * evaluations): when they all wait on this batch, none can add to it.
   */
  running?: () => number;
}

interface Waiting {
  save: SaveRequest;
  resolve: (etag: string) => void;
  reject: (e: unknown) => void;
}

/**
 * A StateStore whose saves are grouped into batches (saveBatch). A batch fails whole, on one
 * conflicting row or anything else, so then each of its saves is written alone and gets its own
 * answer: the rows that do not conflict are saved, the one that does is a StateConflictError.
 */
export function batchSaves(store: StateStore & BatchSaving, options: BatchSavesOptions): StateStore {
  const maxBatch = Math.max(1, Math.min(options.maxBatch, store.maxBatch));
  let waiting: Waiting[] = [];
  let timer: NodeJS.Timeout | undefined;

  const alone = (w: Waiting): Promise<void> => store.save(w.save.key, w.save.record, w.save.etag).then(w.resolve, w.reject);

  async function write(batch: Waiting[]): Promise<void> {
    if (batch.length === 1) return alone(batch[0]!);
    let etags: string[];
    try {
      etags = await store.saveBatch(batch.map((w) => w.save));
    } catch {
      await Promise.all(batch.map(alone));
      return;
    }
    batch.forEach((w, i) => w.resolve(etags[i]!));
  }

  function flush(): void {
    clearTimeout(timer);
    timer = undefined;
    const batch = waiting;
    waiting = [];
    if (batch.length > 0) void write(batch);
  }

  return {
    loadAll: () => store.loadAll(),
    load: (key) => store.load(key),
    maxLoad: store.maxLoad,
    loadMany: (keys) => store.loadMany(keys),
    delete: (key, etag) => store.delete(key, etag),
    recordWakeActivity: (key, at, etag) => store.recordWakeActivity(key, at, etag),
    save(key, record, etag) {
      return new Promise<string>((resolve, reject) => {
        // A transaction may not hold a row twice: the earlier save goes first.
        if (waiting.some((w) => w.save.key === key)) flush();
        waiting.push({ save: { key, record, etag }, resolve, reject });
        if (waiting.length >= maxBatch || waiting.length >= (options.running?.() ?? Infinity)) flush();
        else timer ??= setTimeout(flush, options.lingerMs);
      });
    },
  };
}
