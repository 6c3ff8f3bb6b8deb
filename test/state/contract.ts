// The StateStore contract, run against the Table Storage adapter (Azurite) and the in-memory
// fake, so the fake stays honest (house rule 8).
import { describe, expect, test } from 'vitest';
import { StateConflictError, type StateStore } from '../../shared/state/index.js';

const record = (replicas: number) => ({
  state: { lastActiveTime: '2026-11-27T10:00:00.000Z', recommendations: [{ replicas, timestamp: '2026-11-27T10:00:00.000Z' }], triggerFailures: [0] },
  lastEvaluated: '2026-11-27T10:00:15.000Z',
  lastReplicas: replicas,
});

export function runStateStoreContract(name: string, makeStore: () => Promise<StateStore>): void {
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
  });
}
