// readStatus (shared/runtime/status.ts) on the in-memory store with a fixed clock: per target
// its last decision, activity, cooldown, failures and row; the rows of targets no longer
// configured and their fate; and the table `aks-queue-scaler status` prints of it. Against
// Azurite and real evaluations: test/e2e/cli-status.test.ts.
import { describe, expect, test } from 'vitest';
import { statusText } from '../../cli/commands/status.js';
import { createRuntime, readStatus, STATE_RETENTION_MS, type Runtime } from '../../shared/runtime/index.js';
import { createMemoryStore, type StateStore, type TargetRecord } from '../../shared/state/index.js';
import { createJsonLinesTelemetry, type Telemetry } from '../../shared/telemetry/index.js';

const AKS_ID = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/shop-rg/providers/Microsoft.ContainerService/managedClusters/shop-aks';
const T = Date.parse('2026-11-27T10:05:00.000Z');
const at = (seconds: number): string => new Date(T + seconds * 1000).toISOString();

const target = (name: string, extra: Record<string, unknown> = {}) => ({
  namespace: 'shop',
  scaleTargetRef: { name },
  triggers: [{ type: 'azure-queue', metadata: { queueName: 'orders', accountName: 'shopdata' } }, { type: 'azure-queue', metadata: { queueName: 'returns', accountName: 'shopdata' } }],
  ...extra,
});

const silent = (): Telemetry & { warnings: string[]; failures: string[] } => {
  const warnings: string[] = [];
  const failures: string[] = [];
  return { warnings, failures, decision: () => {}, scaledByOther: () => {}, failure: (e) => void failures.push(String(e)), warning: (m) => void warnings.push(m), flush: async () => {} };
};

function runtimeOf(targets: unknown[], store: StateStore, telemetry: Telemetry = silent()): Runtime {
  return createRuntime({ SCALER_CLUSTERS: JSON.stringify({ prod: { resourceId: AKS_ID } }), SCALER_TARGETS: JSON.stringify(targets), AzureWebJobsStorage: 'UseDevelopmentStorage=true', SCALER_LOCAL_DEVELOPMENT: 'true' }, { store, telemetry, now: () => T });
}

/** A store holding `rows`, each written `writtenAgo` seconds before T (the store's own clock). */
async function storeWith(rows: [key: string, record: TargetRecord, writtenAgo: number][]): Promise<StateStore> {
  let clock = T;
  const store = createMemoryStore({ now: () => clock });
  for (const [key, record, writtenAgo] of rows) {
    clock = T - writtenAgo * 1000;
    await store.save(key, record, undefined);
  }
  return store;
}

const ROWS: [string, TargetRecord, number][] = [
  // Active a minute ago (a wake's message, after the last activity its evaluations saw), at 4:
  // 240 s of its 300 s cooldown left; its second trigger failing.
  ['prod/shop/busy', { state: { lastActiveTime: at(-100), createdTime: at(-3600), triggerFailures: [0, 2] }, lastEvaluated: at(-15), lastPolled: at(-45), lastReplicas: 4, lastWakeConfirmed: at(-60) }, 15],
  // Never active, at 0: initialCooldownPeriod from its first evaluation; no cooldown applies at 0.
  ['prod/shop/idle', { state: { lastActiveTime: null, createdTime: at(-60), triggerFailures: [0, 0], scaledToZero: false }, lastEvaluated: at(-30), lastReplicas: 0 }, 30],
  // Written by an instance whose clock is an hour ahead: read as now, so the whole cooldown is left.
  ['prod/shop/ahead', { state: { lastActiveTime: at(3600), createdTime: at(-600) }, lastEvaluated: at(3600), lastReplicas: 2 }, 5],
  // A time that is not one: the row does not read.
  ['prod/shop/broken', { state: { lastActiveTime: 'yesterday' } as never, lastEvaluated: at(-15), lastReplicas: 1 }, 20],
  // A target taken out of SCALER_TARGETS two hours ago.
  ['prod/shop/old', { state: { lastActiveTime: at(-9000) }, lastEvaluated: at(-7200), lastReplicas: 0 }, 7200],
];

describe('readStatus', () => {
  test('each configured target as its row has it, and the rows of targets no longer configured', async () => {
    const store = await storeWith(ROWS);
    const runtime = runtimeOf([target('busy'), target('idle', { initialCooldownPeriod: 120 }), target('ahead'), target('broken'), target('new')], store);
    const report = await readStatus(runtime);
    expect(report).toEqual({
      now: at(0),
      table: 'scalerstate',
      targets: [
        {
          target: 'prod/shop/busy', row: 'ok', lastDecision: { at: at(-15), replicas: 4 }, lastEvaluated: at(-15), lastPolled: at(-45), lastWakeConfirmed: at(-60),
          lastActiveTime: at(-60), createdTime: at(-3600), cooldown: { endsAt: at(240), secondsLeft: 240, from: 'lastActiveTime', asleep: false }, triggerFailures: [0, 2], scaledToZero: undefined,
        },
        {
          target: 'prod/shop/idle', row: 'ok', lastDecision: { at: at(-30), replicas: 0 }, lastEvaluated: at(-30), lastWakeConfirmed: undefined,
          lastActiveTime: null, createdTime: at(-60), cooldown: { endsAt: at(60), secondsLeft: 60, from: 'createdTime', asleep: true }, triggerFailures: [0, 0], scaledToZero: false,
        },
        {
          target: 'prod/shop/ahead', row: 'ok', lastDecision: { at: at(-5), replicas: 2 }, lastEvaluated: at(3600), lastWakeConfirmed: undefined,
          lastActiveTime: at(3600), createdTime: at(-600), cooldown: { endsAt: at(300), secondsLeft: 300, from: 'lastActiveTime', asleep: false }, triggerFailures: undefined, scaledToZero: undefined,
        },
        {
          target: 'prod/shop/broken', row: 'invalid', lastDecision: { at: at(-20), replicas: undefined }, lastEvaluated: undefined, lastWakeConfirmed: undefined,
          invalid: 'state row "prod/shop/broken" of target prod/shop/broken: state.lastActiveTime: must be an ISO-8601 time',
        },
        { target: 'prod/shop/new', row: 'none' },
      ],
      removed: [
        { target: 'prod/shop/old', lastDecision: { at: at(-7200), replicas: 0 }, lastEvaluated: at(-7200), fate: `deleted by the first tick after ${new Date(T - 7200_000 + STATE_RETENTION_MS).toISOString()} (a day after its last write), unless its target is configured again` },
      ],
    });
  });

  test('the table the command prints', async () => {
    const runtime = runtimeOf([target('busy'), target('idle', { initialCooldownPeriod: 120 }), target('broken'), target('new')], await storeWith(ROWS));
    expect(statusText(await readStatus(runtime)).split('\n')).toEqual([
      'state table scalerstate, at 2026-11-27T10:05:00.000Z',
      'TARGET            REPLICAS  DECIDED  EVALUATED  POLLED   LAST ACTIVE  COOLDOWN  FAILURES  ROW',
      'prod/shop/busy    4         15s ago  15s ago    45s ago  1m00s ago    4m00s     0,2       ok',
      'prod/shop/idle    0         30s ago  30s ago    -        never        -         0,0       ok',
      'prod/shop/broken  -         20s ago  -          -        -            -         -         invalid: state row "prod/shop/broken" of target prod/shop/broken: state.lastActiveTime: must be an ISO-8601 time',
      'prod/shop/new     -         -        -          -        -            -         -         none (never evaluated yet)',
      '',
      'Rows of targets no longer configured:',
      `  prod/shop/ahead: replicas 2, decided 5s ago, evaluated in 1h00m; deleted by the first tick after ${new Date(T - 5000 + STATE_RETENTION_MS).toISOString()} (a day after its last write), unless its target is configured again`,
      `  prod/shop/old: replicas 0, decided 2h00m ago, evaluated 2h00m ago; deleted by the first tick after ${new Date(T - 7200_000 + STATE_RETENTION_MS).toISOString()} (a day after its last write), unless its target is configured again`,
    ]);
  });

  test('while the configuration has errors, no row is said to be deleted; a target with errors keeps its row', async () => {
    const runtime = runtimeOf([target('busy'), target('idle', { maxReplicaCount: 0 })], await storeWith(ROWS));
    expect(runtime.config.errors.map((e) => e.where)).toEqual(['target shop/idle']);
    const { removed } = await readStatus(runtime);
    expect(removed.map((r) => [r.target, r.fate])).toEqual([
      ['prod/shop/ahead', 'kept while the configuration has errors (it may be the row of a target left out for one)'],
      ['prod/shop/broken', 'kept while the configuration has errors (it may be the row of a target left out for one)'],
      ['prod/shop/idle', 'kept: target shop/idle has configuration errors (aks-queue-scaler validate)'],
      ['prod/shop/old', 'kept while the configuration has errors (it may be the row of a target left out for one)'],
    ]);
    expect(removed.find((r) => r.target === 'prod/shop/broken')?.invalid).toMatch(/^state row "prod\/shop\/broken"/);
  });

  test('a state that cannot be read is said, and nothing else is', async () => {
    const store: StateStore = { ...createMemoryStore(), loadAll: () => Promise.reject(new Error('state table scalerstate: query: 403 AuthorizationFailure')) };
    const report = await readStatus(runtimeOf([target('busy')], store));
    expect(report).toEqual({ now: at(0), table: 'scalerstate', targets: [], removed: [], stateError: 'state table scalerstate: query: 403 AuthorizationFailure' });
  });

  test('it writes nothing', async () => {
    const store = await storeWith(ROWS);
    const writes: string[] = [];
    const watched: StateStore = { ...store, save: (key, ...rest) => (writes.push(`save ${key}`), store.save(key, ...rest)), delete: (key, etag) => (writes.push(`delete ${key}`), store.delete(key, etag)) };
    await readStatus(runtimeOf([target('busy')], watched));
    expect(writes).toEqual([]);
  });
});

describe('configuration warnings at load', () => {
  const pasted = {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: 'worker', namespace: 'shop' },
    spec: { scaleTargetRef: { name: 'worker' }, triggers: [{ type: 'azure-queue', metadata: { queueName: 'orders', accountName: 'shopdata' }, authenticationRef: { name: 'wi' } }] },
  };

  test('are told to telemetry once, as warnings, not failures; the target runs', () => {
    const telemetry = silent();
    const runtime = runtimeOf([pasted], createMemoryStore(), telemetry);
    expect(runtime.targets.map((t) => t.target.id)).toEqual(['shop/worker']);
    expect(telemetry.failures).toEqual([]);
    expect(telemetry.warnings).toEqual([runtime.config.warnings[0]!.message]);
    expect(telemetry.warnings[0]).toMatch(/^target shop\/worker: spec\.triggers\[0\]\.authenticationRef: is dropped: the scaler reads queue "orders" of account "shopdata" with its managed identity instead of TriggerAuthentication "wi"/);
  });

  test('as a Warning JSON line without App Insights (the host keeps stdout in its log)', () => {
    const lines: string[] = [];
    const runtime = runtimeOf([pasted], createMemoryStore(), createJsonLinesTelemetry((l) => void lines.push(l)));
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      { type: 'Warning', time: expect.any(String), operation: 'load', where: 'target shop/worker', path: 'spec.triggers[0].authenticationRef', warning: runtime.config.warnings[0]!.message },
    ]);
  });
});
