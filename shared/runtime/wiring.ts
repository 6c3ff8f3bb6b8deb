// Builds the adapters from app settings: the only place that knows which implementation of
// each port runs (imperative shell).
import type { QueueClient } from '@azure/storage-queue';
import { appSettings, connectionOf, loadConfig, tickPeriodSeconds, type AppSettings, type Config, type Settings } from '../config/index.js';
import { createCredentialFactory, type CredentialFactory } from '../identity/index.js';
import { createKube, type Kube } from '../kube/index.js';
import { connectionQueueClients, createSource } from '../sources/index.js';
import { createTableStore, type StateStore, type TableStoreOptions } from '../state/index.js';

import { redactAzureSdkLogs, rememberSettingsSecrets } from '../redact/index.js';
import { createAppInsightsTelemetry, createJsonLinesTelemetry, type Telemetry } from '../telemetry/index.js';
import type { UnsavedState } from './decision.js';
import type { ShardQueue } from './evaluate-all.js';
import type { ConfiguredTarget } from './targets.js';
import { createIdleReadings, type IdleReadings } from './idle-readings.js';
import { createWorkloadOwners, type WorkloadOwners } from './owners.js';

export { DEFAULT_CONCURRENCY, DEFAULT_SCHEDULE, DEFAULT_STATE_TABLE } from '../config/index.js';

export interface Runtime {
  settings: Settings;
  config: Config;
  targets: ConfiguredTarget[];
  kube: Kube;
  store: StateStore;
  telemetry: Telemetry;
  credentialFor: CredentialFactory;
  concurrency: number;
  now: () => number;
  /**
   * When this runtime started (by `now`): its first tick polls every target not polled since, as
   * KEDA's scale loops poll at once when the operator starts (evaluate-all.ts, isPollDue).
   */
  startedAt: number;
  /** The bound on each call to an outside service, when not the adapters' defaults. */
  timeoutMs?: number | undefined;
  /** Which target reached which workload, shared by the loop and the wake path. */
  owners: WorkloadOwners;
  /** Targets whose last state save failed (evaluate-target.ts), shared by every tick. */
  saveFailures: Map<string, UnsavedState>;
  /** Namespaces where creating Kubernetes Events was refused (workload-events.ts), shared by every tick. */
  eventsRefused: Set<string>;
  /** Readings of workloads left at zero, reused while recent (idle-readings.ts), shared by every tick; absent with SCALER_IDLE_READING_MAX_AGE 0. */
  idleReadings?: IdleReadings | undefined;
  /** Where a tick fans out to (SCALER_SHARD_SIZE set); absent, every tick is evaluated in the timer. */
  shardQueue?: ShardQueue | undefined;
}

/**
 * The shard queue (SCALER_SHARD_QUEUE) and its poison queue, in the app's own storage, as the
 * Functions host opens them from the shard function's connection.
 */
export function shardQueueClients(settings: Settings, credentialFor: CredentialFactory, app: AppSettings = appSettings(settings)): { queue: QueueClient; poison: QueueClient } {
  return connectionQueueClients(connectionOf(app, 'AzureWebJobsStorage'), 'AzureWebJobsStorage', app.shardQueue, credentialFor);
}

/**
 * Sends shard messages that expire after one schedule period: a shard not started before the next
 * tick is superseded by that tick's. The queue is created on the first send (in Azure the
 * deployment creates it).
 */
function shardQueueFrom(settings: Settings, credentialFor: CredentialFactory, app: AppSettings): ShardQueue | undefined {
  const shardSize = app.shardSize;
  if (shardSize === undefined) return undefined;
  const ttlSeconds = tickPeriodSeconds(app.schedule);
  let created: Promise<QueueClient> | undefined;
  const queue = (): Promise<QueueClient> => {
    created ??= (async () => {
      const { queue: client } = shardQueueClients(settings, credentialFor, app);
      await client.createIfNotExists();
      return client;
    })();
    created.catch(() => (created = undefined));
    return created;
  };
  return {
    shardSize,
    async send(text) {
      await (await queue()).sendMessage(text, { messageTimeToLive: ttlSeconds });
    },
  };
}

/**
 * Where the state table lives: the host's own storage account (AzureWebJobsStorage). `app` is
 * the checked settings (a bad value was reported at load, and its default is used here).
 */
export function stateStoreFrom(settings: Settings, credentialFor: CredentialFactory, options: TableStoreOptions = {}, app: AppSettings = appSettings(settings)): StateStore {
  const table = app.stateTable;
  const { connectionString, accountName, tableServiceUri, clientId } = app.storage;
  if (connectionString) return createTableStore({ connectionString, table }, options);
  const url = tableServiceUri ?? (accountName ? `https://${accountName}.table.core.windows.net` : undefined);
  if (!url) {
    throw new Error('no state storage: set AzureWebJobsStorage__accountName (or __tableServiceUri) with a managed identity, or AzureWebJobsStorage for local development');
  }
  return createTableStore({ url, table, credential: credentialFor(clientId) }, options);
}

/** App Insights when configured (with Entra auth per APPLICATIONINSIGHTS_AUTHENTICATION_STRING), else JSON lines. */
export function telemetryFrom(settings: Settings, credentialFor: CredentialFactory, app: AppSettings = appSettings(settings)): Telemetry {
  if (!app.appInsightsConnectionString) return createJsonLinesTelemetry();
  const auth = app.appInsightsAuthentication;
  return createAppInsightsTelemetry(app.appInsightsConnectionString, auth ? credentialFor(auth.clientId) : undefined);
}

export interface RuntimeOverrides {
  telemetry?: Telemetry;
  store?: StateStore;
  now?: () => number;
  /**
   * How long one call to an outside service (Kubernetes, ARM, a queue, the state table, the
   * identity endpoint) may take; each adapter's own default (10 s) otherwise.
   */
  timeoutMs?: number;
  /**
   * When the process started, when not now: `run` keeps it across a reload of the settings, which
   * is not a restart (only the targets that changed are polled at once).
   */
  startedAt?: number;
}

export function createRuntime(settings: Settings, overrides: RuntimeOverrides = {}): Runtime {
  const config = loadConfig(settings);
  // Keys and SAS in connection strings, the identity header: redacted wherever they might be echoed.
  rememberSettingsSecrets(settings);
  redactAzureSdkLogs();
  const timeouts = overrides.timeoutMs === undefined ? {} : { timeoutMs: overrides.timeoutMs };
  // AZURE_CLIENT_ID as checked: a value that is not a GUID was reported, and is not used.
  const credentialFor = createCredentialFactory({ AZURE_CLIENT_ID: config.clientId }, config.localDevelopment, timeouts);
  const telemetry = overrides.telemetry ?? telemetryFrom(settings, credentialFor, config);
  // Said once, at load: errors as failures (their targets do not run), warnings as warnings
  // (their targets run; a field was dropped, and the message says what replaces it).
  for (const error of config.errors) telemetry.failure(error, { operation: 'tick' });
  for (const w of config.warnings) telemetry.warning(w.message, { operation: 'load', where: w.where, path: w.path });
  const sourceDeps = { credentialFor, settings, ...timeouts };
  return {
    settings,
    config,
    targets: config.targets.map((target) => ({
      target,
      sources: target.triggers.map((trigger) => createSource(trigger, sourceDeps)),
    })),
    kube: createKube(config.clusters, credentialFor, timeouts),
    store: overrides.store ?? stateStoreFrom(settings, credentialFor, timeouts, config),
    telemetry,
    credentialFor,
    concurrency: config.concurrency,
    now: overrides.now ?? Date.now,
    startedAt: overrides.startedAt ?? (overrides.now ?? Date.now)(),
    timeoutMs: overrides.timeoutMs,
    owners: createWorkloadOwners(config.targets),
    saveFailures: new Map(),
    eventsRefused: new Set(),
    idleReadings: config.idleReadingMaxAgeSeconds > 0 ? createIdleReadings(config.idleReadingMaxAgeSeconds * 1000) : undefined,
    shardQueue: shardQueueFrom(settings, credentialFor, config),
  };
}
