// Every setting the scaler reads is checked when the configuration loads, with the setting named
// in the message; a bad value is reported once and the default is used, so the app still runs.
// Also: cluster names, and the settings a connectionFromEnv names.
import { describe, expect, test } from 'vitest';
import { loadConfig, tickPeriodSeconds, type Config, type Settings } from '../../shared/config/index.js';
import { createRuntime } from '../../shared/runtime/index.js';
import type { Telemetry } from '../../shared/telemetry/index.js';

const AKS_ID = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/shop-rg/providers/Microsoft.ContainerService/managedClusters/shop-aks';
const GUID = '00000000-0000-4000-8000-0000000000aa';
const TARGETS = JSON.stringify([{ namespace: 'shop', scaleTargetRef: { name: 'good' }, triggers: [{ type: 'azure-queue', metadata: { queueName: 'orders', accountName: 'shopdata' } }] }]);
const BASE: Settings = { SCALER_CLUSTERS: JSON.stringify({ prod: { resourceId: AKS_ID } }), SCALER_TARGETS: TARGETS };

const IGNORED = 'ignored, as if it were not set';
const SCHEDULE_DEFAULT = 'using the default (*/15 * * * * *)';

interface Row {
  name: string;
  settings: Settings;
  /** Every error message (the good target always loads). */
  errors: string[];
  /** What the loaded configuration holds. */
  pick?: (c: Config) => unknown;
  want?: unknown;
}

const rows: Row[] = [
  // SCALER_CONCURRENCY: a whole number 1..1000, default 32.
  { name: 'SCALER_CONCURRENCY unset', settings: {}, errors: [], pick: (c) => c.concurrency, want: 32 },
  { name: 'SCALER_CONCURRENCY 64', settings: { SCALER_CONCURRENCY: ' 64 ' }, errors: [], pick: (c) => c.concurrency, want: 64 },
  { name: 'SCALER_CONCURRENCY 1000', settings: { SCALER_CONCURRENCY: '1000' }, errors: [], pick: (c) => c.concurrency, want: 1000 },
  ...['-1', '0', '0.5', '1001', 'many', '1e3'].map((v): Row => ({
    name: `SCALER_CONCURRENCY ${v}`,
    settings: { SCALER_CONCURRENCY: v },
    errors: [`SCALER_CONCURRENCY: "${v}" is not a whole number from 1 to 1000; using the default (32)`],
    pick: (c) => c.concurrency,
    want: 32,
  })),

  // SCALER_SCHEDULE: six-field NCRONTAB, at most every 5 s.
  { name: 'SCALER_SCHEDULE unset', settings: {}, errors: [], pick: (c) => c.schedule, want: '*/15 * * * * *' },
  ...['*/5 * * * * *', '0 */5 * * * *', '0 0 * * * *', '0,30 * 9-17 * * MON-FRI', '0 0 0 1 JAN *', '5,10 * * * * *', '0,55 0 0 * * *'].map((v): Row => ({
    name: `SCALER_SCHEDULE ${v}`,
    settings: { SCALER_SCHEDULE: v },
    errors: [],
    pick: (c) => c.schedule,
    want: v,
  })),
  ...(
    [
      ['* * * * *', 'has 5 field(s): the Functions timer takes six-field NCRONTAB, seconds first ({second} {minute} {hour} {day} {month} {day-of-week})'],
      ['*/15 * * * * * *', 'has 7 field(s): the Functions timer takes six-field NCRONTAB, seconds first ({second} {minute} {hour} {day} {month} {day-of-week})'],
      ['* * * * * *', 'fires 1 s apart: the fastest schedule allowed is every 5 s (e.g. */5 * * * * *)'],
      ['*/4 * * * * *', 'fires 4 s apart: the fastest schedule allowed is every 5 s (e.g. */5 * * * * *)'],
      ['0,3 * * * * *', 'fires 3 s apart: the fastest schedule allowed is every 5 s (e.g. */5 * * * * *)'],
      ['0,58 * * * * *', 'fires 2 s apart: the fastest schedule allowed is every 5 s (e.g. */5 * * * * *)'],
      ['0,59 0,59 0,23 * * *', 'fires 1 s apart: the fastest schedule allowed is every 5 s (e.g. */5 * * * * *)'],
      ['0 0 0 31 2 *', 'never fires'],
      ['60 * * * * *', 'is not NCRONTAB: Invalid value for second: 60'],
      ['0 0 0 L * *', 'is not NCRONTAB: the day field "L" is not a list of *, numbers, ranges (a-b) and steps (/n)'],
      ['0 0 0 ? * *', 'is not NCRONTAB: the day field "?" is not a list of *, numbers, ranges (a-b) and steps (/n)'],
      ['00:00:15', 'has 1 field(s): the Functions timer takes six-field NCRONTAB, seconds first ({second} {minute} {hour} {day} {month} {day-of-week})'],
    ] as const
  ).map(([v, reason]): Row => ({
    name: `SCALER_SCHEDULE ${v}`,
    settings: { SCALER_SCHEDULE: v },
    errors: [`SCALER_SCHEDULE: "${v}" ${reason}; ${SCHEDULE_DEFAULT}`],
    pick: (c) => c.schedule,
    want: '*/15 * * * * *',
  })),

  // SCALER_STATE_TABLE: Table Storage names.
  { name: 'SCALER_STATE_TABLE scalerState2', settings: { SCALER_STATE_TABLE: 'scalerState2' }, errors: [], pick: (c) => c.stateTable, want: 'scalerState2' },
  ...['scaler-state', 'ab', '1state', 'x'.repeat(64)].map((v): Row => ({
    name: `SCALER_STATE_TABLE ${v.slice(0, 20)}`,
    settings: { SCALER_STATE_TABLE: v },
    errors: [`SCALER_STATE_TABLE: "${v}" is not a table name (3-63 letters and digits, starting with a letter); using the default (scalerstate)`],
    pick: (c) => c.stateTable,
    want: 'scalerstate',
  })),
  { name: 'SCALER_STATE_TABLE Tables (reserved)', settings: { SCALER_STATE_TABLE: 'Tables' }, errors: ['SCALER_STATE_TABLE: "Tables" is a name Table Storage reserves; using the default (scalerstate)'], pick: (c) => c.stateTable, want: 'scalerstate' },

  // SCALER_SHARD_SIZE: a whole number 50..5000; unset, no fan-out. SCALER_SHARD_QUEUE: a queue name. SCALER_SHARD_WORKER: a flag.
  { name: 'SCALER_SHARD_SIZE unset', settings: {}, errors: [], pick: (c) => c.shardSize, want: undefined },
  { name: 'SCALER_SHARD_SIZE 800', settings: { SCALER_SHARD_SIZE: ' 800 ' }, errors: [], pick: (c) => c.shardSize, want: 800 },
  ...['49', '5001', '0', '-800', '8e2', '800.5', 'many'].map((v): Row => ({
    name: `SCALER_SHARD_SIZE ${v}`,
    settings: { SCALER_SHARD_SIZE: v },
    errors: [`SCALER_SHARD_SIZE: "${v}" is not a whole number from 50 to 5000; ignored, as if it were not set: every tick is evaluated by the timer itself`],
    pick: (c) => c.shardSize,
    want: undefined,
  })),
  // SCALER_IDLE_READING_MAX_AGE: seconds, a whole number 0..3600; unset, 120.
  { name: 'SCALER_IDLE_READING_MAX_AGE unset', settings: {}, errors: [], pick: (c) => c.idleReadingMaxAgeSeconds, want: 120 },
  { name: 'SCALER_IDLE_READING_MAX_AGE 0 (every poll reads)', settings: { SCALER_IDLE_READING_MAX_AGE: '0' }, errors: [], pick: (c) => c.idleReadingMaxAgeSeconds, want: 0 },
  { name: 'SCALER_IDLE_READING_MAX_AGE 300', settings: { SCALER_IDLE_READING_MAX_AGE: ' 300 ' }, errors: [], pick: (c) => c.idleReadingMaxAgeSeconds, want: 300 },
  ...['3601', '-1', '2m', '90.5', 'PT2M'].map((v): Row => ({
    name: `SCALER_IDLE_READING_MAX_AGE ${v}`,
    settings: { SCALER_IDLE_READING_MAX_AGE: v },
    errors: [`SCALER_IDLE_READING_MAX_AGE: "${v}" is not a whole number from 0 to 3600; using the default (120 s)`],
    pick: (c) => c.idleReadingMaxAgeSeconds,
    want: 120,
  })),
  { name: 'SCALER_SHARD_QUEUE unset', settings: {}, errors: [], pick: (c) => c.shardQueue, want: 'scaler-shards' },
  { name: 'SCALER_SHARD_QUEUE shards-2', settings: { SCALER_SHARD_QUEUE: 'shards-2' }, errors: [], pick: (c) => c.shardQueue, want: 'shards-2' },
  {
    name: 'SCALER_SHARD_QUEUE Shards_2',
    settings: { SCALER_SHARD_QUEUE: 'Shards_2' },
    errors: ['SCALER_SHARD_QUEUE: "Shards_2" is not a storage queue name (3-63 lowercase letters, digits and single hyphens); using the default (scaler-shards)'],
    pick: (c) => c.shardQueue,
    want: 'scaler-shards',
  },
  { name: 'SCALER_SHARD_WORKER unset', settings: {}, errors: [], pick: (c) => c.shardWorker, want: false },
  { name: 'SCALER_SHARD_WORKER true', settings: { SCALER_SHARD_WORKER: 'true' }, errors: [], pick: (c) => c.shardWorker, want: true },
  {
    name: 'SCALER_SHARD_WORKER maybe',
    settings: { SCALER_SHARD_WORKER: 'maybe' },
    errors: ['SCALER_SHARD_WORKER: "maybe" is not true or false; counts as false: this app runs the timer and the wake queues'],
    pick: (c) => c.shardWorker,
    want: false,
  },

  // Identities, accounts and endpoints of the app's own storage and of wake connections.
  { name: 'AzureWebJobsStorage__clientId a GUID', settings: { AzureWebJobsStorage__clientId: GUID }, errors: [], pick: (c) => c.storage.clientId, want: GUID },
  {
    name: 'AzureWebJobsStorage__clientId not a GUID',
    settings: { AzureWebJobsStorage__clientId: 'host-identity' },
    errors: [`AzureWebJobsStorage__clientId: "host-identity" is not a client id (a GUID); ${IGNORED}: the default identity is used (AZURE_CLIENT_ID, else the system-assigned one)`],
    pick: (c) => c.storage.clientId,
    want: undefined,
  },
  {
    name: 'SCALER_WAKE_<account>__clientId not a GUID',
    settings: { SCALER_WAKE_producers__queueServiceUri: 'https://producers.queue.core.windows.net', SCALER_WAKE_producers__clientId: 'x' },
    errors: [`SCALER_WAKE_producers__clientId: "x" is not a client id (a GUID); ${IGNORED}: the default identity is used (AZURE_CLIENT_ID, else the system-assigned one)`],
    pick: (c) => c.wakeConnections.get('SCALER_WAKE_producers'),
    want: { queueServiceUri: 'https://producers.queue.core.windows.net' },
  },
  {
    name: 'AzureWebJobsStorage__accountName not an account name',
    settings: { AzureWebJobsStorage__accountName: 'Scaler-App' },
    errors: [`AzureWebJobsStorage__accountName: "Scaler-App" is not a storage account name (3-24 lowercase letters and digits); ${IGNORED}`],
  },
  {
    name: 'AzureWebJobsStorage__tableServiceUri over http without local development',
    settings: { AzureWebJobsStorage__tableServiceUri: 'http://scalerapp.table.core.windows.net' },
    errors: [`AzureWebJobsStorage__tableServiceUri: is an http:// URL: only https:// (http:// needs SCALER_LOCAL_DEVELOPMENT=true); ${IGNORED}`],
    pick: (c) => c.storage,
    want: {},
  },
  {
    name: 'AzureWebJobsStorage__queueServiceUri over http in local development',
    settings: { SCALER_LOCAL_DEVELOPMENT: 'true', AzureWebJobsStorage__queueServiceUri: 'http://127.0.0.1:10001/devstoreaccount1' },
    errors: [],
    pick: (c) => c.storage,
    want: { queueServiceUri: 'http://127.0.0.1:10001/devstoreaccount1' },
  },
  {
    name: 'SCALER_WAKE_<account>__queueServiceUri not a URL',
    settings: { SCALER_WAKE_producers__queueServiceUri: 'producers.queue.core.windows.net' },
    errors: [`SCALER_WAKE_producers__queueServiceUri: "producers.queue.core.windows.net" is not an https:// URL; ${IGNORED}`],
  },
  {
    name: 'AzureWebJobsStorage__serviceUri with a query (never repeated)',
    settings: { AzureWebJobsStorage__serviceUri: 'https://scalerapp.queue.core.windows.net/?sig=secret' },
    errors: [`AzureWebJobsStorage__serviceUri: must not have a query or a fragment; ${IGNORED}`],
  },
  {
    name: 'AzureWebJobsStorage not a connection string (never repeated)',
    settings: { AzureWebJobsStorage: 'secret-looking-text' },
    errors: [`AzureWebJobsStorage: is not a storage connection string (key=value pairs separated by ';', e.g. UseDevelopmentStorage=true); ${IGNORED}`],
  },
  { name: 'AzureWebJobsStorage UseDevelopmentStorage=true', settings: { AzureWebJobsStorage: 'UseDevelopmentStorage=true' }, errors: [], pick: (c) => c.storage, want: { connectionString: 'UseDevelopmentStorage=true' } },

  // Telemetry.
  {
    name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING with a client id, in either order',
    settings: { APPLICATIONINSIGHTS_AUTHENTICATION_STRING: `ClientId=${GUID};Authorization=AAD` },
    errors: [],
    pick: (c) => c.appInsightsAuthentication,
    want: { clientId: GUID },
  },
  { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING Authorization=AAD', settings: { APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD' }, errors: [], pick: (c) => c.appInsightsAuthentication, want: {} },
  ...['Authorization=Key', `Authorization=AAD;ClientId=host`, 'ClientId=' + GUID, 'Authorization=AAD;Tenant=x'].map((v): Row => ({
    name: `APPLICATIONINSIGHTS_AUTHENTICATION_STRING ${v}`,
    settings: { APPLICATIONINSIGHTS_AUTHENTICATION_STRING: v },
    errors: [`APPLICATIONINSIGHTS_AUTHENTICATION_STRING: "${v}" is not Authorization=AAD or Authorization=AAD;ClientId=<client id (a GUID)>; ${IGNORED}: telemetry is sent without Microsoft Entra authentication`],
    pick: (c) => c.appInsightsAuthentication,
    want: undefined,
  })),
  {
    name: 'APPLICATIONINSIGHTS_CONNECTION_STRING without an instrumentation key',
    settings: { APPLICATIONINSIGHTS_CONNECTION_STRING: 'IngestionEndpoint=https://example.net/' },
    errors: [`APPLICATIONINSIGHTS_CONNECTION_STRING: is not an Application Insights connection string (InstrumentationKey=<guid>;IngestionEndpoint=https://...); ${IGNORED}: decisions are written to stdout as JSON lines`],
    pick: (c) => c.appInsightsConnectionString,
    want: undefined,
  },

  // Cluster names become row keys and telemetry dimensions.
  ...['prod/eu', '-edge', 'edge-', 'prod eu', 'c'.repeat(64), 'prød'].map((name): Row => ({
    name: `cluster name ${JSON.stringify(name.slice(0, 20))}`,
    settings: { SCALER_CLUSTERS: JSON.stringify({ prod: { resourceId: AKS_ID }, [name]: { resourceId: AKS_ID.replace('shop-aks', 'other') } }), SCALER_TARGETS: TARGETS.replace('"namespace"', '"cluster": "prod", "namespace"') },
    errors: [`cluster ${/[\s"]/.test(name) ? JSON.stringify(name) : name}: is not a valid cluster name (letters, digits, '.', '_' and '-', at most 63, starting and ending with a letter or digit: it becomes part of the state table's row keys and of telemetry dimensions)`],
  })),
  {
    name: 'cluster names with dots, underscores and capitals',
    settings: { SCALER_CLUSTERS: JSON.stringify({ prod: { resourceId: AKS_ID }, 'West_EU.aks-1': { resourceId: AKS_ID.replace('shop-aks', 'other') } }), SCALER_TARGETS: TARGETS.replace('"namespace"', '"cluster": "West_EU.aks-1", "namespace"') },
    errors: [],
    pick: (c) => c.targets.map((t) => t.cluster),
    want: ['West_EU.aks-1'],
  },

  // The setting a connectionFromEnv names.
  {
    name: 'a connectionFromEnv setting that is not a connection string (never repeated)',
    settings: {
      SCALER_LOCAL_DEVELOPMENT: 'true',
      QUEUES: 'https://shopdata.queue.core.windows.net',
      SCALER_TARGETS: JSON.stringify([JSON.parse(TARGETS)[0], { namespace: 'shop', scaleTargetRef: { name: 'bad' }, triggers: [{ type: 'azure-queue', metadata: { queueName: 'orders', connectionFromEnv: 'QUEUES' } }] }]),
    },
    errors: ['target shop/bad: triggers[0].metadata.connectionFromEnv: app setting "QUEUES" does not hold a storage connection string (key=value pairs separated by \';\')'],
  },
];

describe('app settings: each checked at load, the setting named, the default used', () => {
  test.each(rows)('$name', (row) => {
    const config = loadConfig({ ...BASE, ...row.settings });
    expect(config.errors.map((e) => e.message)).toEqual(row.errors);
    expect(config.targets.map((t) => t.id)).toEqual(['shop/good']);
    if (row.pick) expect(row.pick(config)).toEqual(row.want);
  });

  test('no message repeats a value that may be a secret', () => {
    const config = loadConfig({
      ...BASE,
      AzureWebJobsStorage: 'AccountKey=c2VjcmV0',
      SCALER_WAKE_producers: 'c2VjcmV0',
      APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=c2VjcmV0',
      AzureWebJobsStorage__queueServiceUri: 'https://user:c2VjcmV0@scalerapp.queue.core.windows.net',
    });
    expect(config.errors).toHaveLength(4);
    for (const e of config.errors) expect(e.message).not.toContain('c2VjcmV0');
  });

  test('the runtime uses the checked values: a bad SCALER_CONCURRENCY is reported once and 32 is used', () => {
    const failures: string[] = [];
    const telemetry: Telemetry = { decision: () => undefined, failure: (e: unknown) => void failures.push((e as Error).message), flush: async () => undefined } as unknown as Telemetry;
    const runtime = createRuntime({ ...BASE, AzureWebJobsStorage: 'UseDevelopmentStorage=true', SCALER_CONCURRENCY: '0.5', SCALER_SCHEDULE: '* * * * * *' }, { telemetry });
    expect(runtime.concurrency).toBe(32);
    expect(runtime.config.schedule).toBe('*/15 * * * * *');
    expect(failures).toEqual([
      'SCALER_CONCURRENCY: "0.5" is not a whole number from 1 to 1000; using the default (32)',
      `SCALER_SCHEDULE: "* * * * * *" fires 1 s apart: the fastest schedule allowed is every 5 s (e.g. */5 * * * * *); ${SCHEDULE_DEFAULT}`,
    ]);
  });
});

describe('tickPeriodSeconds: how long a shard message lives', () => {
  test.each([
    { schedule: '*/15 * * * * *', want: 15 },
    { schedule: '*/5 * * * * *', want: 5 },
    { schedule: '0,10 * * * * *', want: 10 },
    { schedule: '0 * * * * *', want: 60 },
    { schedule: '0 */10 * * * *', want: 600 },
    { schedule: '0 0 * * * *', want: 3600 },
  ])('$schedule: $want s', ({ schedule, want }) => {
    expect(tickPeriodSeconds(schedule)).toBe(want);
  });
});
