// The StateStore contract, run against the Table Storage adapter (Azurite) and the in-memory
// fake, so the fake stays honest (house rule 8).
import { describe, expect, test } from 'vitest';
import { StateConflictError, type BatchSaving, type StateStore } from '../../shared/state/index.js';

const record = (replicas: number) => ({
  state: { lastActiveTime: '2026-11-27T10:00:00.000Z', recommendations: [{ replicas, timestamp: '2026-11-27T10:00:00.000Z' }], triggerFailures: [0] },
  lastEvaluated: '2026-11-27T10:00:15.000Z',
  lastReplicas: replicas,
});

export function runStateStoreContract(name: string, makeStore: () => Promise<StateStore & BatchSaving>): void {
  describe(`StateStore contract: ${name}`, () => {
    test('a new key reads as undefined and is created without an etag', async () => {
      const store = await makeStore();
      expect(await store.load('c/ns/a')).toBeUndefined();
      const etag = await store.save('c/ns/a', record(3), undefined);
      expect(etag).not.toBe('');
      expect(await store.load('c/ns/a')).toEqual({ ...record(3), etag, lastWakeConfirmed: undefined });
    });

    test('loadAll returns every record by key, including keys with slashes', async () => {
      const store = await makeStore();
      await store.save('prod/shop/worker', record(1), undefined);
      await store.save('dev/shop/worker', record(2), undefined);
      const all = await store.loadAll();
      expect([...all.keys()].sort()).toEqual(['dev/shop/worker', 'prod/shop/worker']);
      expect(all.get('dev/shop/worker')?.lastReplicas).toBe(2);
    });

    test('a save with the etag read succeeds and changes the etag', async () => {
      const store = await makeStore();
      const first = await store.save('c/ns/b', record(1), undefined);
      const second = await store.save('c/ns/b', record(2), first);
      expect(second).not.toBe(first);
      expect((await store.load('c/ns/b'))?.lastReplicas).toBe(2);
    });

    test('a save with a stale etag is a conflict and changes nothing', async () => {
      const store = await makeStore();
      const first = await store.save('c/ns/c', record(1), undefined);
      await store.save('c/ns/c', record(2), first);
      await expect(store.save('c/ns/c', record(9), first)).rejects.toBeInstanceOf(StateConflictError);
      expect((await store.load('c/ns/c'))?.lastReplicas).toBe(2);
    });

    test('creating a record that already exists is a conflict', async () => {
      const store = await makeStore();
      await store.save('c/ns/d', record(1), undefined);
      await expect(store.save('c/ns/d', record(5), undefined)).rejects.toBeInstanceOf(StateConflictError);
    });

    test('a batch creates and updates rows, each under its own etag', async () => {
      const store = await makeStore();
      const first = await store.save('c/ns/e', record(1), undefined);
      const etags = await store.saveBatch([
        { key: 'c/ns/e', record: record(2), etag: first },
        { key: 'c/ns/f', record: record(3), etag: undefined },
      ]);
      expect(etags).toHaveLength(2);
      expect(etags[0]).not.toBe(first);
      const all = await store.loadAll();
      expect([all.get('c/ns/e')?.lastReplicas, all.get('c/ns/f')?.lastReplicas]).toEqual([2, 3]);
      expect([all.get('c/ns/e')?.etag, all.get('c/ns/f')?.etag]).toEqual(etags);
      // The etags returned are the ones the next save must give.
      await store.save('c/ns/f', record(4), etags[1]);
    });

    test('one stale etag fails the whole batch and writes nothing', async () => {
      const store = await makeStore();
      const stale = await store.save('c/ns/g', record(1), undefined);
      await store.save('c/ns/g', record(2), stale);
      const other = await store.save('c/ns/h', record(1), undefined);
      await expect(store.saveBatch([
        { key: 'c/ns/h', record: record(7), etag: other },
        { key: 'c/ns/g', record: record(9), etag: stale },
        { key: 'c/ns/i', record: record(5), etag: undefined },
      ])).rejects.toBeInstanceOf(StateConflictError);
      const all = await store.loadAll();
      expect([all.get('c/ns/g')?.lastReplicas, all.get('c/ns/h')?.lastReplicas, all.has('c/ns/i')]).toEqual([2, 1, false]);
    });

    test(`a batch of maxBatch rows is one transaction`, async () => {
      const store = await makeStore();
      const saves = Array.from({ length: store.maxBatch }, (_, i) => ({ key: `c/ns/many-${i}`, record: record(i), etag: undefined }));
      expect(await store.saveBatch(saves)).toHaveLength(store.maxBatch);
      expect((await store.loadAll()).size).toBe(store.maxBatch);
    });
  });
}
