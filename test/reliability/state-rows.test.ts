// Stored state that is not what the code assumed, against the real Table Storage (Azurite) and
// kube-apiserver: rows of the wrong shape, a save that fails, the largest history any setting
// allows, and rows of targets that were removed. One bad row costs only its own target its
// history; nothing scales down on the strength of a history that is missing or was not saved.
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decide, type ScalerState } from '../../shared/engine/index.js';
import { MAX_HISTORY_ENTRIES } from '../../shared/engine/history-limit.js';
import { parseTarget } from '../../shared/config/index.js';
import { targetKey, STATE_RETENTION_MS, createWaker, wakeQueuesOf } from '../../shared/runtime/index.js';
import { createTableStore } from '../../shared/state/index.js';
import { entitySize, ENTITY_LIMIT_BYTES, STATE_PART_CHARS, toRow, toRowKey } from '../../shared/state/table-store.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import type { Workloads } from '../../local/kube-workloads.js';
import { useLocalServices } from '../support/vitest/local-services.js';
import { controlPlaneEnabled } from '../support/vitest/provided.js';
import { createQueue, queueClient, queueTarget, replicasOf, startScaler } from '../e2e/scaler.js';
import { recordCount } from './figures.js';
import { originOf, setReplicas, startReliabilityScaler, throughProxies, type ReliabilityScaler } from './harness.js';

const TIMEOUT_MS = 3_000;
const COOLDOWN_S = 300;

/** Rows another version, an instance or a person could leave, as Table Storage holds them. */
const BAD_ROWS: { name: string; row: Record<string, unknown>; field: RegExp }[] = [
  { name: 'state is not JSON', row: { state: '{"recommendations": [' }, field: /: state: is not JSON/ },
  { name: 'state is null', row: { state: 'null' }, field: /: state: must be a map, not null/ },
  { name: 'recommendations is a string', row: { state: '{"recommendations":"x"}' }, field: /: state\.recommendations: / },
  { name: 'lastReplicas is text', row: { state: '{}', lastReplicas: 'four' }, field: /: lastReplicas: must be a number/ },
  { name: 'lastEvaluated is not a time', row: { state: '{}', lastEvaluated: 'yesterday' }, field: /: lastEvaluated: must be an ISO-8601 time/ },
  { name: 'the state is a number', row: { state: 42 }, field: /: state: must be JSON text, not a number/ },
];

describe.runIf(controlPlaneEnabled)('stored state that is not what the code assumed', () => {
  const services = useLocalServices();
  let tableProxy: FaultProxy;
  let scaler: ReliabilityScaler;
  let table: TableClient;
  const workloads = {} as Record<'victim' | 'healthy' | 'woken', Workloads>;
  const keys = {} as Record<'victim' | 'healthy' | 'woken', string>;
  let checks = 0;

  beforeAll(async () => {
    tableProxy = await startFaultProxy({ target: originOf(services.azurite.tableEndpoint) });
    const targets = [];
    for (const name of ['victim', 'healthy', 'woken'] as const) {
      workloads[name] = await services.workloads({ replicas: name === 'woken' ? 0 : 4, prefix: 'rel' });
      const queue = await createQueue(services.azurite, name === 'healthy' ? 20 : 0);
      targets.push(queueTarget(workloads[name].namespace, workloads[name].deployment, queue.name, {
        cooldownPeriod: COOLDOWN_S,
        ...(name === 'woken' ? { wake: { queueName: queueClient(services.azurite).name } } : {}),
      }));
    }
    const table = `rows${Date.now().toString(36)}`;
    scaler = startReliabilityScaler({ azurite: services.azurite, controlPlane: services.controlPlane, targets, timeoutMs: TIMEOUT_MS, table, settings: { AzureWebJobsStorage: throughProxies(services.azurite, { table: tableProxy }) } });
    for (const name of ['victim', 'healthy', 'woken'] as const) keys[name] = targetKey(scaler.runtime.targets.find((t) => t.target.namespace === workloads[name].namespace)!.target);
    const first = await scaler.tick(0);
    expect(first.result.evaluated.map((e) => e.error)).toEqual([undefined, undefined, undefined]);
  }, 120_000);
  beforeAll(() => {
    table = TableClient.fromConnectionString(services.azurite.connectionString, scaler.runtime.config.stateTable, { allowInsecureConnection: true });
  });
  afterAll(async () => {
    recordCount('security-checks', 'stored state rows of the wrong shape, failed saves, the largest history, rows of removed targets (real Table Storage)', checks);
    await tableProxy?.stop();
  });

  const replicas = (name: keyof typeof workloads): Promise<number> => replicasOf(services.admin, workloads[name].namespace, workloads[name].deployment);
  const writeRaw = (key: string, row: Record<string, unknown>): Promise<unknown> => table.upsertEntity({ partitionKey: 'targets', rowKey: toRowKey(key), ...row }, 'Replace');

  test.each(BAD_ROWS)('a row where $name: only its target loses its history, says so, holds, and the row is replaced', async ({ row, field }) => {
    await setReplicas(services.admin, workloads.victim.namespace, workloads.victim.deployment, 4);
    // Long after any cooldown: with a history it would go to zero now.
    const tick0 = await scaler.tick(COOLDOWN_S + 60);
    expect(tick0.result.evaluated.find((e) => targetKey(e.target) === keys.victim)?.event?.finalReplicas).toBe(0);
    await setReplicas(services.admin, workloads.victim.namespace, workloads.victim.deployment, 4);
    await writeRaw(keys.victim, row);
    scaler.telemetry.failed.length = 0;

    const tick = await scaler.tick(15);
    const victim = tick.result.evaluated.find((e) => targetKey(e.target) === keys.victim)!;
    // Fresh state, active as of now: the cooldown runs again in full, and no scale-down is allowed this time.
    expect(victim.event).toMatchObject({ finalReplicas: 4, applied: false });
    expect(victim.event!.explain.observation.historyNotTrusted).toContain(`state row "${toRowKey(keys.victim)}"`);
    expect(await replicas('victim')).toBe(4);
    // Reported once, naming the target and the row key, and the field.
    const said = scaler.telemetry.failed.filter((f) => f.includes(`state row "${toRowKey(keys.victim)}" of target ${keys.victim}`));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(field);
    // The other targets went on as usual.
    for (const other of [keys.healthy, keys.woken]) expect(tick.result.evaluated.find((e) => targetKey(e.target) === other)?.error, other).toBeUndefined();
    expect(await replicas('healthy')).toBeGreaterThan(0);
    // The row was replaced by a valid one, whose cooldown runs from the reset.
    expect((await scaler.runtime.store.load(keys.victim))?.invalid).toBeUndefined();
    await scaler.tick(COOLDOWN_S - 30);
    expect(await replicas('victim')).toBe(4);
    await scaler.tick(45);
    expect(await replicas('victim')).toBe(0);
    checks += 6;
  }, 60_000);

  test('the wake path wakes a target whose row is of any shape', async () => {
    const queues = wakeQueuesOf(scaler.runtime.config.targets);
    const waker = createWaker(scaler.runtime);
    for (const { row } of BAD_ROWS) {
      await setReplicas(services.admin, workloads.woken.namespace, workloads.woken.deployment, 0);
      await writeRaw(keys.woken, row);
      scaler.clock.now += 60_000; // past the waker's confirmation window
      const handled = await waker.handle(queues[0]!, '{}');
      expect(handled.outcomes.map((o) => o.result)).toEqual(['woken']);
      expect(await replicas('woken')).toBeGreaterThan(0);
      expect((await scaler.runtime.store.load(keys.woken))?.invalid).toBeUndefined();
      checks += 3;
    }
  }, 60_000);

  test('after a failed save, the target holds until a save succeeds, and the activity that was not saved still counts', async () => {
    const queue = queueClient(services.azurite, (scaler.runtime.targets.find((t) => targetKey(t.target) === keys.victim)!.target.triggers[0]!.metadata as { queueName: string }).queueName);
    await setReplicas(services.admin, workloads.victim.namespace, workloads.victim.deployment, 4);
    for (let i = 0; i < 20; i++) await queue.sendMessage('work');
    await scaler.tick(15); // active at 4 (20 messages, queueLength 5), saved
    // Active again, but the save fails: the row keeps the older activity.
    tableProxy.inject({ fault: { kind: 'status', status: 500, headers: { 'content-type': 'application/json' }, body: '{"odata.error":{"code":"InternalError","message":{"lang":"en-US","value":"internal error"}}}' }, match: (r) => r.method !== 'GET' });
    try {
      const failed = await scaler.tick(200);
      expect(failed.result.evaluated.find((e) => targetKey(e.target) === keys.victim)?.error).toMatch(/state of /);
      await queue.clearMessages();
      // By the row, the cooldown ran out 315 s after the last saved activity: it would go to zero.
      const held = await scaler.tick(120);
      const event = held.result.evaluated.find((e) => targetKey(e.target) === keys.victim)?.event;
      expect(event).toMatchObject({ finalReplicas: 4, applied: false });
      expect(event!.explain.observation.historyNotTrusted).toMatch(/the last save of its state failed/);
      // The activity of the failed save (at +200 s) is the one the cooldown counts from.
      expect(event!.explain.state.lastActiveTime).toBe(new Date(scaler.clock.now - 120_000).toISOString());
      expect(await replicas('victim')).toBe(4);
    } finally {
      await tableProxy.heal();
    }
    // Saves work again: within the cooldown of the activity that was not saved (at +215 s) the
    // target stays awake (the HPA may go down to 1 meanwhile, as it would under KEDA), then goes to 0.
    await scaler.tick(15);
    expect(await replicas('victim')).toBe(4);
    await scaler.tick(COOLDOWN_S - 150);
    expect(await replicas('victim')).toBeGreaterThan(0);
    await scaler.tick(60);
    expect(await replicas('victim')).toBe(0);
    checks += 4;
  }, 60_000);

  test('the largest history any setting allows fits one Table Storage row, and reads back whole', async () => {
    // The fastest schedule (every 5 s), the longest windows and periods, and a load that moves
    // every tick, for two hours: the engine's own pruning keeps each list within a window.
    const target = parseTarget({
      name: 'extreme', cluster: 'test', scaleTargetRef: { name: 'extreme' }, maxReplicaCount: 2_000_000_000,
      triggers: [{ type: 'azure-queue', metadata: { queueName: 'extreme', accountName: 'extreme', queueLength: '1' } }],
      advanced: { horizontalPodAutoscalerConfig: { behavior: {
        scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 1_000_000, periodSeconds: 1800 }] },
        scaleDown: { stabilizationWindowSeconds: 3600, policies: [{ type: 'Pods', value: 1_000_000, periodSeconds: 1800 }] },
      } } },
    });
    if (!target.ok) throw new Error(JSON.stringify(target.issues));
    let state: ScalerState = {};
    let current = 1;
    const start = Date.parse('2026-11-27T10:00:00.000Z');
    for (let i = 0; i < 1_440; i++) {
      const d = decide(target.target, { specReplicas: current, triggers: [{ value: 1_000_000 + i * 997 }] }, state, start + i * 5_000);
      state = d.state;
      current = d.replicas;
    }
    expect(state.recommendations!.length).toBeLessThanOrEqual(721);
    expect(state.scaleUpEvents!.length).toBeLessThanOrEqual(361);
    // The hard bound: every list at its most entries, each entry as long as it gets.
    const longest = Array.from({ length: MAX_HISTORY_ENTRIES }, (_, i) => new Date(start + i * 1_001).toISOString());
    const bounded: ScalerState = {
      ...state,
      recommendations: longest.map((timestamp) => ({ replicas: 2_147_483_647, timestamp })),
      scaleUpEvents: longest.map((timestamp) => ({ change: 2_147_483_647, timestamp, outdated: false })),
      scaleDownEvents: longest.map((timestamp) => ({ change: 2_147_483_647, timestamp, outdated: false })),
      triggerFailures: [2_147_483_647],
    };
    const store = createTableStore({ connectionString: services.azurite.connectionString, table: 'extremerows' });
    // The longest key a target can have: cluster (63), namespace (63) and workload name (253).
    const longestKey = `${'c'.repeat(63)}/${'n'.repeat(63)}/${'w'.repeat(253)}`;
    for (const [key, s] of [[`${longestKey.slice(0, -1)}1`, state], [longestKey, bounded]] as const) {
      const record = { state: s, lastEvaluated: new Date(start).toISOString(), lastReplicas: current, lastWakeConfirmed: new Date(start).toISOString(), workloadUid: '0d1f0a43-6a7e-4a3e-9d59-2a4c4d2f0e11' };
      // Counted as Table Storage counts it, under 1 MiB; each part of the state under 32,768 characters (Azurite refuses more).
      const row = toRow(key, record);
      expect(entitySize(row)).toBeLessThan(ENTITY_LIMIT_BYTES);
      for (const [name, value] of Object.entries(row)) if (name.startsWith('state')) expect((value as string).length).toBeLessThanOrEqual(STATE_PART_CHARS);
      await store.save(key, record, undefined);
      const loaded = (await store.loadAll()).get(key);
      expect(loaded?.invalid).toBeUndefined();
      expect(loaded).toMatchObject(record);
    }
    expect(Math.ceil(JSON.stringify(bounded).length / STATE_PART_CHARS)).toBeGreaterThan(1);
    // More than the bound (extra writers): the next decision cuts it back to the bound.
    const over: ScalerState = { ...bounded, recommendations: [...bounded.recommendations!, ...bounded.recommendations!], scaleDownEvents: [...bounded.scaleDownEvents!, ...bounded.scaleDownEvents!] };
    const cut = decide(target.target, { specReplicas: 5, triggers: [{ value: 5 }] }, over, start + MAX_HISTORY_ENTRIES * 1_001);
    expect(cut.state.recommendations!.length).toBeLessThanOrEqual(MAX_HISTORY_ENTRIES);
    expect(cut.state.scaleDownEvents!.length).toBeLessThanOrEqual(MAX_HISTORY_ENTRIES);
    checks += 5;
  }, 60_000);

  test('rows of targets no longer configured are deleted after a day, not before, and not while the configuration has errors', async () => {
    const store = scaler.runtime.store;
    for (const key of ['test/gone/one', 'test/gone/two']) await store.save(key, { state: {}, lastEvaluated: new Date().toISOString() }, undefined);
    await writeRaw('test/gone/broken', { state: 'null' });
    const clock = scaler.clock.now;
    try {
      // The rows were written by the service's clock, now: a day is counted from there.
      scaler.clock.now = Date.now() + STATE_RETENTION_MS - 3_600_000;
      expect((await scaler.tick(0)).result.deletedRows).toBeUndefined();
      // A scaler sharing the table whose configuration has an error deletes nothing.
      const withError = startScaler({
        azurite: services.azurite, controlPlane: services.controlPlane, timeoutMs: TIMEOUT_MS, table: scaler.runtime.config.stateTable,
        targets: scaler.runtime.targets.map((t) => t.target.input), settings: { SCALER_CONCURRENCY: 'many' },
      });
      expect(withError.runtime.config.errors.length).toBeGreaterThan(0);
      withError.clock.now = Date.now() + STATE_RETENTION_MS + 3_600_000;
      expect((await withError.tickAfter(0)).deletedRows).toBeUndefined();
      scaler.clock.now = Date.now() + STATE_RETENTION_MS + 3_600_000;
      const tick = await scaler.tick(0);
      expect(tick.result.deletedRows?.sort()).toEqual(['test/gone/broken', 'test/gone/one', 'test/gone/two']);
      const left = await store.loadAll();
      expect([...left.keys()].sort()).toEqual(Object.values(keys).sort());
    } finally {
      scaler.clock.now = clock;
    }
    checks += 4;
  }, 60_000);
});
