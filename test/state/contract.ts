// The StateStore contract, run against the Table Storage adapter (Azurite) and the in-memory
// fake, so the fake stays honest.
import { describe, expect, test } from 'vitest';
import { StateConflictError, type BatchSaving, type StateStore } from '../../shared/state/index.js';

const record = (replicas: number) => ({
  state: { lastActiveTime: '2026-11-27T10:00:00.000Z', recommendations: [{ replicas, timestamp: '2026-11-27T10:00:00.000Z' }], triggerFailures: [0] },
  lastEvaluated: '2026-11-27T10:00:15.000Z',
  lastReplicas: replicas,
});

/** A store under test, and a way to put a row in it as another writer might have left it. */
export interface StoreUnderTest {
  store: StateStore & BatchSaving;
  /** Writes `row` as the row of `key`, unchecked; `state` as the store keeps it (the table: JSON text). */
  writeRow(key: string, row: { state: unknown } & Record<string, unknown>): Promise<void>;
}

/** Rows another version, instance or a person could have left, and the field each one gets wrong. */
const invalidRows: { name: string; row: { state: unknown } & Record<string, unknown>; field: string }[] = [
  { name: 'state is null', row: { state: null }, field: 'state' },
  { name: 'state is a list', row: { state: [1, 2] }, field: 'state' },
  { name: 'recommendations is a string', row: { state: { recommendations: 'x' } }, field: 'state.recommendations' },
  { name: 'a recommendation without a time', row: { state: { recommendations: [{ replicas: 3 }] } }, field: 'state.recommendations[0].timestamp' },
  { name: 'a scale event at a time that is not one', row: { state: { scaleUpEvents: [{ change: 1, timestamp: 'yesterday', outdated: false }] } }, field: 'state.scaleUpEvents[0].timestamp' },
  { name: 'a negative replica count', row: { state: { recommendations: [{ replicas: -1, timestamp: '2026-11-27T10:00:00.000Z' }] } }, field: 'state.recommendations[0].replicas' },
  { name: 'lastActiveTime a number', row: { state: { lastActiveTime: 5 } }, field: 'state.lastActiveTime' },
  { name: 'lastReplicas a string', row: { state: {}, lastReplicas: '3' }, field: 'lastReplicas' },
  { name: 'lastEvaluated not a time', row: { state: {}, lastEvaluated: 'soon' }, field: 'lastEvaluated' },
];

export function runStateStoreContract(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`StateStore contract: ${name}`, () => {
    test('a new key reads as undefined and is created without an etag', async () => {
      const { store } = await makeStore();
      expect(await store.load('c/ns/a')).toBeUndefined();
      const etag = await store.save('c/ns/a', record(3), undefined);
      expect(etag).not.toBe('');
      const loaded = await store.load('c/ns/a');
      expect(loaded).toMatchObject({ ...record(3), etag });
      expect(loaded?.invalid).toBeUndefined();
      // When the store last wrote the row, by its own clock.
      expect(Date.parse(loaded?.updatedAt ?? '')).toBeGreaterThan(0);
    });

    test.each(invalidRows)('a row whose $name reads as invalid, naming the row and $field; the next save replaces it', async ({ row, field }) => {
      const { store, writeRow } = await makeStore();
      await writeRow('c/ns/bad', row);
      const [loaded, all] = await Promise.all([store.load('c/ns/bad'), store.loadAll()]);
      expect(all.get('c/ns/bad')).toEqual(loaded);
      expect(loaded?.state).toEqual({});
      expect(loaded?.invalid).toContain('of target c/ns/bad');
      expect(loaded?.invalid).toContain(`: ${field}: `);
      await store.save('c/ns/bad', record(2), loaded!.etag);
      expect((await store.load('c/ns/bad'))?.invalid).toBeUndefined();
    });

    test('one invalid row never hides the others', async () => {
      const { store, writeRow } = await makeStore();
      await store.save('c/ns/good', record(4), undefined);
      await writeRow('c/ns/bad', { state: { recommendations: 'x' } });
      const all = await store.loadAll();
      expect(all.get('c/ns/good')).toMatchObject(record(4));
      expect(all.get('c/ns/bad')?.invalid).toBeDefined();
    });

    test('delete removes a row at the etag read, and leaves one that changed since', async () => {
      const { store } = await makeStore();
      const first = await store.save('c/ns/del', record(1), undefined);
      const second = await store.save('c/ns/del', record(2), first);
      expect(await store.delete('c/ns/del', first)).toBe(false);
      expect((await store.load('c/ns/del'))?.lastReplicas).toBe(2);
      expect(await store.delete('c/ns/del', second)).toBe(true);
      expect(await store.load('c/ns/del')).toBeUndefined();
      expect(await store.delete('c/ns/del', second)).toBe(false);
    });

    test('loadAll returns every record by key, including keys with slashes', async () => {
      const { store } = await makeStore();
      await store.save('prod/shop/worker', record(1), undefined);
      await store.save('dev/shop/worker', record(2), undefined);
      const all = await store.loadAll();
      expect([...all.keys()].sort()).toEqual(['dev/shop/worker', 'prod/shop/worker']);
      expect(all.get('dev/shop/worker')?.lastReplicas).toBe(2);
    });

    test('loadMany reads up to maxLoad rows in one call: each as load reads it, a key without a row absent', async () => {
      const { store, writeRow } = await makeStore();
      const keys = Array.from({ length: store.maxLoad }, (_, i) => `c/ns/many-${i}`);
      // Keys with the characters a row key escapes, and one with a quote (the filter's literal).
      const odd = ['a/b#c/d?e', "c/o'brien/x"];
      for (const [i, key] of [...keys.slice(0, -4), ...odd].entries()) await store.save(key, record(i), undefined);
      await writeRow('c/ns/bad', { state: { recommendations: 'x' } });
      const asked = [...keys.slice(0, -4), ...odd, 'c/ns/bad', 'c/ns/none'];
      expect(asked.length).toBeLessThanOrEqual(store.maxLoad);
      const many = await store.loadMany(asked);
      expect([...many.keys()].sort()).toEqual(asked.filter((k) => k !== 'c/ns/none').sort());
      for (const key of asked) expect(many.get(key)).toEqual(await store.load(key));
      expect(many.get('c/ns/bad')?.invalid).toContain(': state.recommendations: ');
      // Rows not asked for are not read.
      expect(await store.loadMany(['c/ns/none'])).toEqual(new Map());
      expect(await store.loadMany([])).toEqual(new Map());
    });

    test('loadMany refuses more than maxLoad keys, saying so', async () => {
      const { store } = await makeStore();
      await expect(store.loadMany(Array.from({ length: store.maxLoad + 1 }, (_, i) => `c/ns/k${i}`))).rejects.toThrow(/keys in one/);
    });

    test('a save with the etag read succeeds and changes the etag', async () => {
      const { store } = await makeStore();
      const first = await store.save('c/ns/b', record(1), undefined);
      const second = await store.save('c/ns/b', record(2), first);
      expect(second).not.toBe(first);
      expect((await store.load('c/ns/b'))?.lastReplicas).toBe(2);
    });

    test('a save with a stale etag is a conflict and changes nothing', async () => {
      const { store } = await makeStore();
      const first = await store.save('c/ns/c', record(1), undefined);
      await store.save('c/ns/c', record(2), first);
      await expect(store.save('c/ns/c', record(9), first)).rejects.toBeInstanceOf(StateConflictError);
      expect((await store.load('c/ns/c'))?.lastReplicas).toBe(2);
    });

    test('recordWakeActivity writes lastWakeConfirmed alone, on the row as it is, and moves its etag; no row, nothing written', async () => {
      const { store } = await makeStore();
      expect(await store.recordWakeActivity('c/ns/none', '2026-11-27T10:05:00.000Z')).toBeUndefined();
      expect(await store.load('c/ns/none')).toBeUndefined();
      const first = await store.save('c/ns/w', record(2), undefined);
      const etag = await store.recordWakeActivity('c/ns/w', '2026-11-27T10:05:00.000Z');
      expect(etag).not.toBe(first);
      // Everything else as saved; the wake's activity, later than the state's, reads as lastActiveTime.
      expect(await store.load('c/ns/w')).toMatchObject({ ...record(2), state: { ...record(2).state, lastActiveTime: '2026-11-27T10:05:00.000Z' }, lastWakeConfirmed: '2026-11-27T10:05:00.000Z', etag });
      await expect(store.save('c/ns/w', record(9), first)).rejects.toBeInstanceOf(StateConflictError);
      // An earlier one leaves the state's own.
      await store.recordWakeActivity('c/ns/w', '2026-11-27T09:00:00.000Z');
      expect((await store.load('c/ns/w'))?.state.lastActiveTime).toBe(record(2).state.lastActiveTime);
    });

    test('recordWakeActivity with an etag writes only while the row is at it: a conflict otherwise, the row unchanged', async () => {
      const { store } = await makeStore();
      const first = await store.save('c/ns/x', record(2), undefined);
      const second = await store.recordWakeActivity('c/ns/x', '2026-11-27T10:05:00.000Z', first);
      expect(second).not.toBe(first);
      await expect(store.recordWakeActivity('c/ns/x', '2026-11-27T10:06:00.000Z', first)).rejects.toBeInstanceOf(StateConflictError);
      expect(await store.load('c/ns/x')).toMatchObject({ lastWakeConfirmed: '2026-11-27T10:05:00.000Z', etag: second });
    });

    test('creating a record that already exists is a conflict', async () => {
      const { store } = await makeStore();
      await store.save('c/ns/d', record(1), undefined);
      await expect(store.save('c/ns/d', record(5), undefined)).rejects.toBeInstanceOf(StateConflictError);
    });

    test('a batch creates and updates rows, each under its own etag', async () => {
      const { store } = await makeStore();
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
      const { store } = await makeStore();
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
      const { store } = await makeStore();
      const saves = Array.from({ length: store.maxBatch }, (_, i) => ({ key: `c/ns/many-${i}`, record: record(i), etag: undefined }));
      expect(await store.saveBatch(saves)).toHaveLength(store.maxBatch);
      expect((await store.loadAll()).size).toBe(store.maxBatch);
    });
  });
}
