// `aks-queue-scaler status` against Azurite: rows written by real evaluations (kube-apiserver
// and queues), a row that does not read, a target never evaluated, and the row of a target no
// longer configured. Read-only: it creates no table and changes no row.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TableClient } from '@azure/data-tables';
import { describe, expect, test } from 'vitest';
import { statusCommand } from '../../cli/commands/status.js';
import { createRuntime, readStatus, STATE_RETENTION_MS, type StatusReport } from '../../shared/runtime/index.js';
import { runCli } from '../cli/capture.js';
import { useLocalServices } from '../support/vitest/local-services.js';
import { controlPlaneEnabled } from '../support/vitest/provided.js';
import { createQueue, queueTarget, recordingTelemetry, replicasOf, scalerSettings, startScaler, T0 } from './scaler.js';

const iso = (ms: number): string => new Date(ms).toISOString();

describe.runIf(controlPlaneEnabled)('cli status', () => {
  const services = useLocalServices();

  test('per target: its last decision, activity, cooldown, failures and row; the rows of removed targets; nothing written', async () => {
    const w = await services.workloads({ replicas: 0 });
    const gone = await services.workloads({ replicas: 0, prefix: 'gone' });
    const queue = await createQueue(services.azurite, 12);
    const empty = await createQueue(services.azurite, 0);
    const busy = queueTarget(w.namespace, w.deployment, queue.name, { cooldownPeriod: 120 });
    const failing = queueTarget(w.namespace, w.statefulSet, 'not-created', { kind: 'StatefulSet' });
    const removed = queueTarget(gone.namespace, gone.deployment, empty.name);
    // Real evaluations write the rows of three targets.
    const scaler = startScaler({ azurite: services.azurite, controlPlane: services.controlPlane, targets: [busy, failing, removed] });
    await scaler.tickAfter(0);
    expect(await replicasOf(services.admin, w.namespace, w.deployment)).toBe(3); // ceil(12 / 5)
    const table = scaler.runtime.config.stateTable;
    const rows = TableClient.fromConnectionString(services.azurite.connectionString, table, { allowInsecureConnection: true });
    // A row that does not read (written by hand, or by another version), of a configured target.
    await rows.createEntity({ partitionKey: 'targets', rowKey: `test%2f${w.namespace}%2fbroken`, state: '{"lastActiveTime": ' });
    const before = await scaler.runtime.store.loadAll();

    // The status of the configuration without `removed`, plus `broken` and one never evaluated.
    const broken = queueTarget(w.namespace, 'broken', queue.name);
    const fresh = queueTarget(w.namespace, 'fresh', queue.name);
    const settings = scalerSettings({ azurite: services.azurite, controlPlane: services.controlPlane, targets: [busy, failing, broken, fresh], table });
    const now = T0 + 30_000;
    const report = await readStatus(createRuntime(settings, { telemetry: recordingTelemetry(), now: () => now }));
    const key = (name: string, namespace = w.namespace): string => `test/${namespace}/${name}`;
    const written = (name: string, namespace?: string): string | undefined => before.get(key(name, namespace))?.updatedAt;
    expect(report.stateError).toBeUndefined();
    expect(report.targets).toEqual([
      {
        target: key(w.deployment), row: 'ok', lastDecision: { at: written(w.deployment), replicas: 3 }, lastEvaluated: iso(T0), lastPolled: iso(T0), lastWakeConfirmed: undefined,
        lastActiveTime: iso(T0), createdTime: iso(T0), cooldown: { endsAt: iso(T0 + 120_000), secondsLeft: 90, from: 'lastActiveTime', asleep: false }, triggerFailures: [0], scaledToZero: false,
      },
      {
        target: key(w.statefulSet), row: 'ok', lastDecision: { at: written(w.statefulSet), replicas: 0 }, lastEvaluated: iso(T0), lastPolled: iso(T0), lastWakeConfirmed: undefined,
        lastActiveTime: null, createdTime: iso(T0), cooldown: { endsAt: iso(T0), secondsLeft: 0, from: 'createdTime', asleep: true }, triggerFailures: [1], scaledToZero: false,
      },
      {
        target: key('broken'), row: 'invalid', lastDecision: { at: written('broken'), replicas: undefined }, lastEvaluated: undefined, lastWakeConfirmed: undefined,
        invalid: expect.stringMatching(new RegExp(`^state row "test%2f${w.namespace}%2fbroken" of target ${key('broken')}: state: is not JSON \\(`)),
      },
      { target: key('fresh'), row: 'none' },
    ]);
    expect(report.removed).toEqual([
      {
        target: key(gone.deployment, gone.namespace), lastDecision: { at: written(gone.deployment, gone.namespace), replicas: 0 }, lastEvaluated: iso(T0),
        fate: `deleted by the first tick after ${iso(Date.parse(written(gone.deployment, gone.namespace)!) + STATE_RETENTION_MS)} (a day after its last write), unless its target is configured again`,
      },
    ]);

    // The command, on the same settings: the table, and --json.
    const dir = await mkdtemp(join(tmpdir(), 'aqs-status-'));
    const file = join(dir, 'local.settings.json');
    await writeFile(file, JSON.stringify({ Values: settings }));
    const text = await runCli(statusCommand, ['--settings', file]);
    expect(text.code).toBe(0);
    const lines = text.out.trimEnd().split('\n');
    expect(lines[0]).toBe(`state table ${table}, at ${lines[0]!.split(', at ')[1]}`);
    expect(lines[1]).toMatch(/^TARGET\s+REPLICAS\s+DECIDED\s+EVALUATED\s+POLLED\s+LAST ACTIVE\s+COOLDOWN\s+FAILURES\s+ROW$/);
    expect(lines[2]).toMatch(new RegExp(`^${key(w.deployment)}\\s+3\\s.*\\s0\\s+ok$`));
    expect(lines[3]).toMatch(new RegExp(`^${key(w.statefulSet)}\\s+0\\s.*\\snever\\s+-\\s+1\\s+ok$`));
    expect(lines[4]).toMatch(new RegExp(`^${key('broken')}\\s+-\\s.*\\sinvalid: state row "test%2f${w.namespace}%2fbroken" of target ${key('broken')}: state: is not JSON`));
    expect(lines[5]).toMatch(new RegExp(`^${key('fresh')}\\s+-\\s+-\\s+-\\s+-\\s+-\\s+-\\s+-\\s+none \\(never evaluated yet\\)$`));
    expect(lines.slice(6, 8)).toEqual(['', 'Rows of targets no longer configured:']);
    expect(lines[8]).toMatch(new RegExp(`^  ${key(gone.deployment, gone.namespace)}: replicas 0, decided .*; deleted by the first tick after `));
    const json = await runCli(statusCommand, ['--settings', file, '--json']);
    const parsed = JSON.parse(json.out) as StatusReport;
    expect(parsed.targets.map((t) => [t.target, t.row, t.lastDecision?.replicas, t.triggerFailures])).toEqual([
      [key(w.deployment), 'ok', 3, [0]],
      [key(w.statefulSet), 'ok', 0, [1]],
      [key('broken'), 'invalid', undefined, undefined],
      [key('fresh'), 'none', undefined, undefined],
    ]);
    expect(parsed.removed.map((r) => r.target)).toEqual([key(gone.deployment, gone.namespace)]);
    expect(json.code).toBe(0);

    // Nothing was written: every row as it was.
    const after = await scaler.runtime.store.loadAll();
    expect([...after].map(([k, r]) => [k, r.etag])).toEqual([...before].map(([k, r]) => [k, r.etag]));
  });

  test('a table that does not exist yet is no state, and is not created', async () => {
    const settings = scalerSettings({ azurite: services.azurite, controlPlane: services.controlPlane, targets: [queueTarget('shop', 'worker', 'orders')], table: 'statusneverwritten' });
    const dir = await mkdtemp(join(tmpdir(), 'aqs-status-'));
    const file = join(dir, 'local.settings.json');
    await writeFile(file, JSON.stringify({ Values: settings }));
    const { code, out } = await runCli(statusCommand, ['--settings', file]);
    expect(out).toMatch(/\ntest\/shop\/worker\s+-\s+-\s+-\s+-\s+-\s+-\s+-\s+none \(never evaluated yet\)\n$/);
    expect(code).toBe(0);
    const table = TableClient.fromConnectionString(services.azurite.connectionString, 'statusneverwritten', { allowInsecureConnection: true });
    expect(await table.getAccessPolicy().then(() => 'exists', (e: { statusCode?: number }) => e.statusCode)).toBe(404);
  });

  test('a state that cannot be read: said on stderr, exit 1', async () => {
    const wrongKey = services.azurite.connectionString.replace(/AccountKey=[^;]+/, `AccountKey=${Buffer.from('not the key').toString('base64')}`);
    const settings: Record<string, string> = { ...scalerSettings({ azurite: services.azurite, controlPlane: services.controlPlane, targets: [queueTarget('shop', 'worker', 'orders')] }), AzureWebJobsStorage: wrongKey, QUEUES: wrongKey };
    const table = settings.SCALER_STATE_TABLE!;
    const dir = await mkdtemp(join(tmpdir(), 'aqs-status-'));
    const file = join(dir, 'local.settings.json');
    await writeFile(file, JSON.stringify({ Values: settings }));
    const { code, out, err } = await runCli(statusCommand, ['--settings', file]);
    expect(err).toMatch(new RegExp(`^status: the state table ${table} could not be read: state table ${table}: query: `));
    expect(out).toBe('');
    expect(code).toBe(1);
    const json = await runCli(statusCommand, ['--settings', file, '--json']);
    expect(JSON.parse(json.out)).toMatchObject({ targets: [], removed: [], stateError: expect.stringMatching(/^state table /) });
    expect(json.code).toBe(1);
  });
});
