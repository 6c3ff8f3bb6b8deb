// Stored state rows of any shape, fuzzed (fast-check), through the real Table Storage (Azurite)
// and the table store's own parsing: rows are written raw, as another version, an instance or a
// person with a storage explorer could leave them, then read and evaluated. Whatever is stored,
// what the store hands out is well-typed or marked invalid (naming its row), the tick goes on,
// a target whose row is invalid never scales down, and every row is valid after its save.
import { randomBytes } from 'node:crypto';
import { TableClient, type TransactionAction } from '@azure/data-tables';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../shared/config/index.js';
import type { Kube, WorkloadRef } from '../../shared/kube/index.js';
import { evaluateAll, targetKey, createWorkloadOwners } from '../../shared/runtime/index.js';
import { createTableStore, type StoredRecord } from '../../shared/state/index.js';
import { toRowKey } from '../../shared/state/table-store.js';
import { startAzurite, type Azurite } from '../../local/azurite.js';
import { recordingTelemetry, T0 } from '../e2e/scaler.js';
import { recordCount } from './figures.js';

const ROWS = 4_000;
const CURRENT = 5;

const iso = (offsetS: number): string => new Date(T0 + offsetS * 1000).toISOString();
// Each field is right most of the time, so that whole rows are right often enough too.
const time: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: -86_400, max: 0 }).map(iso) },
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 4 * 3600 }).map(iso) }, // ahead of this clock
  { weight: 1, arbitrary: fc.constantFrom('yesterday', '', '2026-02-30T00:00:00Z', '2026-11-27', 1_764_237_600_000, true) },
);
const count: fc.Arbitrary<unknown> = fc.oneof({ weight: 15, arbitrary: fc.integer({ min: 0, max: 50 }) }, { weight: 1, arbitrary: fc.constantFrom(-1, 1.5, 2 ** 31, '3', false) });
const entry = (field: 'replicas' | 'change'): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 20, arbitrary: fc.record({ [field]: count, timestamp: time, outdated: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ [field]: count, timestamp: time }, { requiredKeys: [] }) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
  );
const stateObject: fc.Arbitrary<unknown> = fc.record(
  {
    recommendations: fc.oneof({ weight: 10, arbitrary: fc.array(entry('replicas'), { maxLength: 4 }) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) }),
    scaleUpEvents: fc.array(entry('change'), { maxLength: 3 }),
    scaleDownEvents: fc.array(entry('change'), { maxLength: 3 }),
    lastActiveTime: fc.oneof(time, fc.constant(null)),
    createdTime: fc.oneof(time, fc.constant(null)),
    triggerFailures: fc.oneof({ weight: 10, arbitrary: fc.array(count, { maxLength: 2 }) }, { weight: 1, arbitrary: fc.string({ maxLength: 3 }) }),
    scaledToZero: fc.oneof({ weight: 10, arbitrary: fc.boolean() }, { weight: 1, arbitrary: fc.constantFrom('yes', 0) }),
    somethingNewer: fc.jsonValue({ maxDepth: 1 }),
  },
  { requiredKeys: [] },
);
/** The state property as Table Storage holds it: JSON text of a state-like value, or anything else. */
const stateProperty: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 30, arbitrary: stateObject.map((s) => JSON.stringify(s)) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: stateObject.map((s) => JSON.stringify(s).slice(0, -1)) }, // cut short
  { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean()) },
);
const rowArb = fc.record(
  {
    state: stateProperty,
    lastEvaluated: time,
    lastReplicas: count,
    lastWakeConfirmed: time,
    workloadUid: fc.oneof({ weight: 10, arbitrary: fc.constant('uid-1') }, { weight: 1, arbitrary: fc.constantFrom('', 7) }),
    // A second part of the state that does not continue the first (absent when '').
    state2: fc.oneof({ weight: 20, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom(']', '}', 'x') }),
  },
  { requiredKeys: [] },
);

/** What the engine may rely on in a record the store hands out, or the record is marked invalid. */
function expectWellTyped(record: StoredRecord, key: string): void {
  if (record.invalid !== undefined) {
    expect(record.invalid).toContain(`state row "${toRowKey(key)}" of target ${key}: `);
    expect(record.state).toEqual({});
    return;
  }
  const isTime = (v: unknown): boolean => typeof v === 'string' && Number.isFinite(Date.parse(v));
  const isCount = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
  const s = record.state;
  expect(typeof s === 'object' && s !== null && !Array.isArray(s)).toBe(true);
  for (const r of s.recommendations ?? []) expect(isCount(r.replicas) && isTime(r.timestamp)).toBe(true);
  for (const e of [...(s.scaleUpEvents ?? []), ...(s.scaleDownEvents ?? [])]) expect(isCount(e.change) && isTime(e.timestamp) && typeof e.outdated === 'boolean').toBe(true);
  for (const t of [s.lastActiveTime, s.createdTime]) expect(t === undefined || t === null || isTime(t)).toBe(true);
  for (const f of s.triggerFailures ?? []) expect(isCount(f)).toBe(true);
  expect(s.scaledToZero === undefined || typeof s.scaledToZero === 'boolean').toBe(true);
  expect(record.lastReplicas === undefined || isCount(record.lastReplicas)).toBe(true);
  for (const t of [record.lastEvaluated, record.lastWakeConfirmed]) expect(t === undefined || isTime(t)).toBe(true);
}

describe('stored state rows of any shape, through the real Table Storage', () => {
  let azurite: Azurite;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(async () => {
    await azurite?.stop();
  });

  test(`${ROWS} arbitrary rows: read well-typed or invalid, evaluated without a scale-down on an invalid one, all valid after the tick`, async () => {
    const table = `fuzz${randomBytes(4).toString('hex')}`;
    const raw = TableClient.fromConnectionString(azurite.connectionString, table, { allowInsecureConnection: true });
    await raw.createTable();
    const rows = fc.sample(rowArb, { numRuns: ROWS, seed: 20261202 });
    const keys = rows.map((_, i) => `test/fuzz/t${i}`);
    for (let i = 0; i < ROWS; i += 100) {
      const actions: TransactionAction[] = rows.slice(i, i + 100).map((row, j) => {
        const entity: Record<string, unknown> = { partitionKey: 'targets', rowKey: toRowKey(keys[i + j]!) };
        for (const [name, value] of Object.entries(row)) if (value !== '' || name !== 'state2') entity[name] = value;
        return ['create', entity as never];
      });
      await raw.submitTransaction(actions);
    }

    const store = createTableStore({ connectionString: azurite.connectionString, table });
    const records = await store.loadAll();
    expect(records.size).toBe(ROWS);
    let invalid = 0;
    for (const key of keys) {
      expectWellTyped(records.get(key)!, key);
      if (records.get(key)!.invalid) invalid++;
    }
    // Both kinds are well represented.
    expect(invalid).toBeGreaterThan(ROWS / 10);
    expect(invalid).toBeLessThan(ROWS - ROWS / 10);

    // One target per row, all on a workload at CURRENT replicas with an empty queue.
    const config = loadConfig({
      SCALER_LOCAL_DEVELOPMENT: 'true',
      SCALER_CLUSTERS: JSON.stringify({ test: { context: 'unused' } }),
      SCALER_TARGETS: JSON.stringify(keys.map((_, i) => ({ name: `t${i}`, namespace: 'fuzz', scaleTargetRef: { name: `w${i}` }, triggers: [{ type: 'azure-queue', metadata: { queueName: 'unused', accountName: 'unused' } }] }))),
    });
    expect(config.errors).toEqual([]);
    const writes = new Map<string, number>();
    const kube: Kube = {
      readScale: async (ref: WorkloadRef) => ({ specReplicas: writes.get(ref.name) ?? CURRENT, statusReplicas: CURRENT, annotations: {}, resourceVersion: '1', uid: `uid-${ref.name}` }),
      writeScale: async (ref: WorkloadRef, replicas: number) => (writes.set(ref.name, replicas), '2'),
      recordEvent: async () => undefined,
    };
    const telemetry = recordingTelemetry();
    const result = await evaluateAll({
      targets: config.targets.map((target) => ({ target, sources: [{ read: async () => 0 }] })),
      kube, store, telemetry, now: () => T0, concurrency: 32, config, owners: createWorkloadOwners(config.targets), saveFailures: new Map(), eventsRefused: new Set(),
    });
    expect(result.error).toBeUndefined();
    // Every target was evaluated, but for a few whose valid row says they were evaluated at zero moments ago.
    expect(result.evaluated.length + result.skipped).toBe(ROWS);
    expect(result.skipped).toBeLessThan(ROWS / 100);
    for (const e of result.evaluated) {
      expect(e.error, targetKey(e.target)).toBeUndefined();
      const key = targetKey(e.target);
      // No history to trust, no scale-down.
      if (records.get(key)!.invalid) expect(writes.get(e.target.scaleTargetRef.name) ?? CURRENT, key).toBeGreaterThanOrEqual(CURRENT);
    }
    // Each invalid row was said once, naming it.
    expect(telemetry.failed.filter((f) => f.includes('state row "'))).toHaveLength(invalid);
    const after = await store.loadAll();
    for (const key of keys) expect(after.get(key)?.invalid, key).toBeUndefined();
    recordCount('fuzz-cases', 'stored state rows of any shape, written raw to Table Storage (Azurite), read by the table store and evaluated', ROWS, `${invalid} of them invalid`);
  }, 180_000);
});
