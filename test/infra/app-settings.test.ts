// The app settings the Bicep writes, followed from infra/main.bicepparam (and the
// infra/scaler.parameters.json it loads) through main.bicep's `api` module into
// infra/app/api.bicep, are read by the app's own loaders without a complaint: the names and
// shapes agree. Deployment-time values (identity client ids, the storage account
// name, the App Insights connection string) are stood in for by the constants below.
import { describe, expect, test, vi } from 'vitest';
import type { TokenCredential } from '@azure/identity';
import { DEFAULT_SHARD_QUEUE, loadConfig, type Settings } from '../../shared/config/index.js';
import { wakeQueueClients, wakeQueuesOf, createRuntime, DEFAULT_SCHEDULE, DEFAULT_STATE_TABLE, stateStoreFrom, telemetryFrom } from '../../shared/runtime/index.js';
import type { Telemetry } from '../../shared/telemetry/index.js';
import { bicepparamValues, blocks, entries, evaluateString, paramDefaults, readRepoFile, stripComments, varExpression } from './bicep-text.js';

const HOST_CLIENT_ID = '11111111-1111-4111-8111-111111111111';
const SCALER_CLIENT_ID = '22222222-2222-4222-8222-222222222222';
const STORAGE_ACCOUNT = 'stabc123def456g';

/** What only exists once deployed: module outputs and environment() values. */
const DEPLOYED: Record<string, string> = {
  'storage.outputs.name': STORAGE_ACCOUNT,
  'hostIdentity.outputs.clientId': HOST_CLIENT_ID,
  'scalerIdentity.outputs.clientId': SCALER_CLIENT_ID,
  'environment().suffixes.storage': 'core.windows.net',
  'applicationInsights.properties.ConnectionString':
    'InstrumentationKey=33333333-3333-4333-8333-333333333333;IngestionEndpoint=https://127.0.0.1:9/',
};

const main = readRepoFile('infra/main.bicep');
const api = readRepoFile('infra/app/api.bicep');
const example = bicepparamValues(readRepoFile('infra/main.bicepparam'));
const exampleString = (name: string): string | undefined => (typeof example.get(name) === 'string' ? (example.get(name) as string) : undefined);
const defaults = paramDefaults(main);

const deployed = (reference: string): string => {
  const value = DEPLOYED[reference];
  if (value === undefined) throw new Error(`no value for ${reference}`);
  return value;
};

/** A reference in main.bicep: a parameter (the example's value, else its default) or a deployed value. */
const resolveMain = (reference: string): string => exampleString(reference) ?? defaults.get(reference) ?? deployed(reference);

/** A reference in api.bicep: one of its vars, a parameter (what main.bicep passes it) or a deployed value. */
function resolveApi(reference: string): string {
  if (new RegExp(`^var\\s+${reference}\\s*=`, 'm').test(api.text)) return evaluateString(varExpression(api, reference), resolveApi);
  if (new RegExp(`^param\\s+${reference}\\b`, 'm').test(api.text)) {
    const passed = entries(blocks(main).find((b) => b.type === 'app/api.bicep')!.body).find(([key]) => key === reference);
    if (!passed) throw new Error(`main.bicep does not pass ${reference} to app/api.bicep`);
    return evaluateString(passed[1], resolveMain);
  }
  return deployed(reference);
}

const settingEntries = (): [string, string][] =>
  [...api.text.matchAll(/^var\s+(\w+Settings)\s*=/gm)].flatMap((m) => entries(varExpression(api, m[1]!)));

/** The app settings as deployed, without the per-account wake connections (see wakeSettings). */
function deployedSettings(): Settings {
  const settings: Settings = {};
  for (const [key, expression] of settingEntries()) if (!key.includes('${')) settings[key] = evaluateString(expression, resolveApi);
  return settings;
}

/** The connection api.bicep writes for a wake queue in `account` (its reduce over wakeAccountNames). */
function wakeSettings(account: string): Settings {
  const settings: Settings = {};
  const bound = (reference: string): string => (reference === 'account' ? account : resolveApi(reference));
  for (const [key, expression] of settingEntries()) {
    if (key.includes('${account}')) settings[evaluateString(`'${key}'`, bound)] = evaluateString(expression, bound);
  }
  return settings;
}

const settings = deployedSettings();

describe('the app settings that infra/ writes', () => {
  test('are the ones the app reads, with the example targets and clusters verbatim', () => {
    expect(settings).toEqual({
      AzureWebJobsStorage__accountName: STORAGE_ACCOUNT,
      AzureWebJobsStorage__blobServiceUri: `https://${STORAGE_ACCOUNT}.blob.core.windows.net`,
      AzureWebJobsStorage__queueServiceUri: `https://${STORAGE_ACCOUNT}.queue.core.windows.net`,
      AzureWebJobsStorage__tableServiceUri: `https://${STORAGE_ACCOUNT}.table.core.windows.net`,
      AzureWebJobsStorage__credential: 'managedidentity',
      AzureWebJobsStorage__clientId: HOST_CLIENT_ID,
      APPLICATIONINSIGHTS_CONNECTION_STRING: DEPLOYED['applicationInsights.properties.ConnectionString'],
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: `ClientId=${HOST_CLIENT_ID};Authorization=AAD`,
      AZURE_CLIENT_ID: SCALER_CLIENT_ID,
      SCALER_TARGETS: example.get('scalerTargets'),
      SCALER_CLUSTERS: example.get('scalerClusters'),
      SCALER_SCHEDULE: DEFAULT_SCHEDULE,
      SCALER_STATE_TABLE: DEFAULT_STATE_TABLE,
      // Empty: no fan-out unless scalerShardSize is set.
      SCALER_SHARD_SIZE: '',
      SCALER_SHARD_QUEUE: DEFAULT_SHARD_QUEUE,
    });
  });

  test('the shard workers\' app: the same settings, the shard function alone, one message per instance, on 512 MB', () => {
    const shardWorkers = blocks(main).find((b) => b.symbol === 'shardWorkers')!;
    expect(shardWorkers.type).toBe('app/api.bicep');
    const passed = new Map(entries(shardWorkers.body));
    // roleSettings is the module's last parameter: its entries are the lines after it.
    expect(passed.get('roleSettings')).toBe('{');
    const roleLines = shardWorkers.body.slice(shardWorkers.body.indexOf('roleSettings: {') + 'roleSettings: {'.length);
    const roleSettings = Object.fromEntries(entries(roleLines).map(([k, v]) => [k, evaluateString(v, () => '')]));
    expect(roleSettings).toEqual({
      SCALER_SHARD_WORKER: 'true',
      AzureFunctionsJobHost__extensions__queues__batchSize: '1',
      AzureFunctionsJobHost__extensions__queues__newBatchThreshold: '0',
      languageWorkers__node__arguments: '--max-old-space-size=256',
    });
    expect(passed.get('instanceMemoryMB')).toBe('512');
    const config = loadConfig({ ...settings, SCALER_SHARD_SIZE: '800', ...roleSettings });
    expect(config.errors.map((e) => e.message)).toEqual([]);
    expect({ shardSize: config.shardSize, shardWorker: config.shardWorker }).toEqual({ shardSize: 800, shardWorker: true });
    // Everything else it is given is what `api` is given, but its name, role and scale.
    const api = new Map(entries(blocks(main).find((b) => b.symbol === 'api')!.body));
    for (const [key, value] of api) if (!['name', 'wakeAccountNames', 'maximumInstanceCount', 'instanceMemoryMB', 'languageWorkers__node__arguments'].includes(key)) expect(passed.get(key), key).toBe(value);
  });

  test('the scaler app caps V8\'s heap at a quarter of its instance (512 MB of 2,048), as its role setting', () => {
    const passed = new Map(entries(blocks(main).find((b) => b.symbol === 'api')!.body));
    expect(passed.get('roleSettings')).toBe('{');
    expect(passed.get('languageWorkers__node__arguments')).toBe("'--max-old-space-size=${instanceMemoryMB / 4}'");
    expect(main.text).toMatch(/^param instanceMemoryMB int = 2048$/m);
  });

  test('load without a single error (names and shapes agree with shared/config)', () => {
    const config = loadConfig(settings);
    expect(config.errors.map((e) => e.message)).toEqual([]);
    expect(config.localDevelopment).toBe(false);
    expect(config.targets.map((t) => `${t.cluster}/${t.id} ${t.scaleTargetRef.kind}`)).toEqual([
      'prod/shop/orders-worker Deployment',
      'prod/shop/invoice-writer StatefulSet',
    ]);
    expect([...config.clusters.values()].map((c) => c.kind)).toEqual(['aks']);
  });

  test('build the runtime: every target gets its sources, no error reaches telemetry', () => {
    const failures: unknown[] = [];
    const telemetry: Telemetry = { decision: () => undefined, scaledByOther: () => undefined, failure: (e) => failures.push(e), warning: (w) => failures.push(w), flush: async () => undefined };
    const runtime = createRuntime(settings, { telemetry });
    expect(failures).toEqual([]);
    expect(runtime.targets.map((t) => t.sources.length)).toEqual([1, 1]);
  });

  test('the state table and telemetry use the host identity; queues and clusters the scaler identity', async () => {
    const credential: TokenCredential = { getToken: async () => null };
    const credentialFor = vi.fn((_clientId?: string) => credential);
    stateStoreFrom(settings, credentialFor);
    expect(credentialFor.mock.calls).toEqual([[HOST_CLIENT_ID]]);
    credentialFor.mockClear();
    const telemetry = telemetryFrom(settings, credentialFor);
    await telemetry.flush();
    expect(credentialFor.mock.calls).toEqual([[HOST_CLIENT_ID]]);
    expect(settings.AZURE_CLIENT_ID).toBe(SCALER_CLIENT_ID);
    expect(settings.AZURE_CLIENT_ID).not.toBe(settings.AzureWebJobsStorage__clientId);
  });

  test('each wake queue opens through the connection the host will use, with the host identity', () => {
    const config = loadConfig(settings);
    const queues = wakeQueuesOf(config.targets);
    expect(queues.map((q) => `${q.connection} ${q.queueName}`)).toEqual(['AzureWebJobsStorage orders-inbox', 'SCALER_WAKE_shopdata invoices-wake']);
    // main.bicep gives a SCALER_WAKE_<account> connection to every wake account but the app's own
    // (wakeQueues has one entry per account, '' for the app's own).
    expect(main.text).toContain('var wakeAccounts = map(filter(wakeQueues, w => !empty(w.accountName)), w => w.accountName)');
    expect(main.text).toMatch(/^\s*wakeAccountNames: wakeAccounts$/m);
    expect((example.get('wakeQueues') as { accountName: string }[]).map((w) => w.accountName)).toEqual(['', ...queues.flatMap((q) => q.accountName ?? [])]);
    const accounts = queues.filter((q) => q.accountName).map((q) => q.accountName!);
    const all: Settings = { ...settings, ...Object.assign({}, ...accounts.map(wakeSettings)) };
    expect(all).toMatchObject({
      SCALER_WAKE_shopdata__queueServiceUri: 'https://shopdata.queue.core.windows.net',
      SCALER_WAKE_shopdata__credential: 'managedidentity',
      SCALER_WAKE_shopdata__clientId: HOST_CLIENT_ID,
    });
    const credential: TokenCredential = { getToken: async () => null };
    const credentialFor = vi.fn((_clientId?: string) => credential);
    expect(queues.map((q) => wakeQueueClients(q, all, credentialFor).poison.url)).toEqual([
      `https://${STORAGE_ACCOUNT}.queue.core.windows.net/orders-inbox-poison`,
      'https://shopdata.queue.core.windows.net/invoices-wake-poison',
    ]);
    expect(credentialFor.mock.calls).toEqual([[HOST_CLIENT_ID], [HOST_CLIENT_ID]]);
    // Forward mode sends to wake.forwardTo in the account of the target's first trigger, where the deployment grants it.
    const forwarding = config.targets.filter((t) => t.wake?.forwardTo);
    expect(example.get('queueSends')).toEqual(forwarding.map((t) => ({ triggerType: t.triggers[0]!.type, accountName: (t.triggers[0]!.metadata as { accountName?: string }).accountName, queueNames: [t.wake!.forwardTo] })));
  });

  test('a setting computed in a way this reader cannot follow fails loudly, not silently', () => {
    expect(() => evaluateString("concat('a', b)", resolveApi)).toThrow('cannot evaluate');
    expect(() => resolveApi('somethingUndeployed.outputs.x')).toThrow('no value for');
  });
});

describe('main.bicep reads no target: what it grants comes from deploy-parameters', () => {
  const code = stripComments(main.text);

  test('scalerTargets and scalerClusters only reach the app settings', () => {
    for (const name of ['scalerTargets', 'scalerClusters']) {
      const uses = [...code.matchAll(new RegExp(`\\b${name}\\b`, 'g'))].map((m) => code.slice(code.lastIndexOf('\n', m.index) + 1, code.indexOf('\n', m.index)).trim());
      expect([...new Set(uses.filter((line) => !line.startsWith('@description(')))], name).toEqual([`param ${name} string`, `${name}: ${name}`]);
    }
    expect(code).not.toMatch(/\bjson\(|\bgroupBy\(|\bobjectKeys\(|\bitems\(/);
  });

  test('the example: infra/scaler.parameters.json carries the two settings and their grants, and main.bicepparam passes each on', () => {
    const parameters = JSON.parse(readRepoFile('infra/scaler.parameters.json').text) as { parameters: Record<string, { value: unknown }> };
    const declared = [...main.text.matchAll(/^param (\w+) /gm)].map((m) => m[1]!);
    for (const [name, { value }] of Object.entries(parameters.parameters)) {
      expect(declared, `main.bicep has no param ${name}`).toContain(name);
      expect(example.get(name), name).toEqual(value);
    }
  });

  test('every storage account the example grants on is placed in storageAccounts', () => {
    const grants = ['queueReads', 'queueSends', 'wakeQueues'].flatMap((name) => example.get(name) as { accountName: string }[]);
    const accounts = new Set(grants.map((g) => g.accountName).filter(Boolean));
    expect(accounts.size).toBeGreaterThan(0);
    const param = /^param storageAccounts = \{([\s\S]*?)^\}/m.exec(readRepoFile('infra/main.bicepparam').text)![1]!;
    for (const account of accounts) expect(param).toMatch(new RegExp(`^\\s{2}${account}: \\{\\s*resourceGroup: '[^']+'`, 'm'));
  });

  test('the schedule and state table defaults are the app\'s', () => {
    expect(defaults.get('scalerSchedule')).toBe(DEFAULT_SCHEDULE);
    expect(defaults.get('stateTableName')).toBe(DEFAULT_STATE_TABLE);
  });
});
