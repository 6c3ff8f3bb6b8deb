import { describe, expect, test } from 'vitest';
import { batchSaves, createMemoryStore, StateConflictError, type BatchSaving, type SaveRequest, type StateStore } from '../../shared/state/index.js';

const record = (replicas: number) => ({ state: {}, lastReplicas: replicas });

/** A memory store that logs each request: a batch of n rows as n, a single save as 1. */
function loggingStore(): StateStore & BatchSaving & { requests: number[] } {
  const inner = createMemoryStore();
  const requests: number[] = [];
  return {
    ...inner,
    requests,
    maxBatch: inner.maxBatch,
    save: (key, r, etag) => (requests.push(1), inner.save(key, r, etag)),
    saveBatch: (saves: SaveRequest[]) => (requests.push(saves.length), inner.saveBatch(saves)),
  };
}

describe('batchSaves: saves that arrive together share one request', () => {
  test('a batch is written as soon as it holds maxBatch saves', async () => {
    const store = loggingStore();
    const batched = batchSaves(store, { maxBatch: 3, lingerMs: 60_000 });
    const etags = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => batched.save(`k${i}`, record(i), undefined)));
    expect(store.requests).toEqual([3, 3]);
    expect(new Set(etags).size).toBe(6);
    expect((await store.load('k4'))?.etag).toBe(etags[4]);
  });

  test('fewer saves are written after lingerMs; a lone save alone', async () => {
    const store = loggingStore();
    const batched = batchSaves(store, { maxBatch: 100, lingerMs: 5 });
    await Promise.all([batched.save('a', record(1), undefined), batched.save('b', record(2), undefined)]);
    await batched.save('c', record(3), undefined);
    expect(store.requests).toEqual([2, 1]);
  });

  test('maxBatch is capped by the store', async () => {
    const store = loggingStore();
    const batched = batchSaves(store, { maxBatch: 1_000, lingerMs: 5 });
    await Promise.all(Array.from({ length: 250 }, (_, i) => batched.save(`k${i}`, record(i), undefined)));
    // 250 saves: two full transactions of the store's 100, then the rest after lingerMs.
    expect(store.requests).toEqual([100, 100, 50]);
  });

  test('a batch is written as soon as every running caller waits on it', async () => {
    const store = loggingStore();
    const batched = batchSaves(store, { maxBatch: 100, lingerMs: 60_000, running: () => 3 });
    const first = [batched.save('a', record(1), undefined), batched.save('b', record(2), undefined)];
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.requests).toEqual([]); // 2 of the 3 running wait: the third may still join
    await Promise.all([...first, batched.save('c', record(3), undefined)]);
    expect(store.requests).toEqual([3]); // all 3 wait: written at once, not after lingerMs
  });

  test('a conflict fails the batch; each save is then tried alone and gets its own answer', async () => {
    const store = loggingStore();
    const stale = await store.save('taken', record(1), undefined);
    await store.save('taken', record(2), stale);
    store.requests.length = 0;
    const batched = batchSaves(store, { maxBatch: 3, lingerMs: 60_000 });
    const results = await Promise.allSettled([
      batched.save('x', record(7), undefined),
      batched.save('taken', record(9), stale),
      batched.save('y', record(8), undefined),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(StateConflictError);
    // One failed transaction of 3, then 3 single saves.
    expect(store.requests).toEqual([3, 1, 1, 1]);
    const all = await store.loadAll();
    expect([all.get('x')?.lastReplicas, all.get('taken')?.lastReplicas, all.get('y')?.lastReplicas]).toEqual([7, 2, 8]);
  });

  test('two saves of one key never share a batch', async () => {
    const store = loggingStore();
    const batched = batchSaves(store, { maxBatch: 10, lingerMs: 5 });
    const first = batched.save('k', record(1), undefined);
    const second = batched.save('other', record(1), undefined);
    const again = batched.save('k', record(2), undefined);
    await Promise.allSettled([first, second, again]);
    // The first batch (k, other) went out when k came again; the second save of k conflicts.
    expect(store.requests).toEqual([2, 1]);
    await expect(again).rejects.toBeInstanceOf(StateConflictError);
  });

  test('loads pass through', async () => {
    const store = loggingStore();
    const batched = batchSaves(store, { maxBatch: 10, lingerMs: 5 });
    await batched.save('k', record(4), undefined);
    expect((await batched.load('k'))?.lastReplicas).toBe(4);
    expect([...(await batched.loadAll()).keys()]).toEqual(['k']);
  });
});
