// Builds the adapters from app settings: the only place that knows which implementation of
// each port runs (imperative shell).
import { loadConfig, type Config, type Settings } from '../config/index.js';
import { createCredentialFactory, type CredentialFactory } from '../identity.js';
import { createKube, type Kube } from '../kube/index.js';
import { createSource } from '../sources/index.js';
import { createTableStore, type StateStore } from '../state/index.js';
import type { TableStoreOptions } from '../state/table-store.js';
import { createAppInsightsTelemetry, createJsonLinesTelemetry, redactAzureSdkLogs, rememberSettingsSecrets, type Telemetry } from '../telemetry/index.js';
import type { ConfiguredTarget } from './evaluate-all.js';

export const DEFAULT_SCHEDULE = '*/15 * * * * *';
export const DEFAULT_STATE_TABLE = 'scalerstate';
export const DEFAULT_CONCURRENCY = 32;

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
  /** The bound on each call to an outside service, when not the adapters' defaults. */
  timeoutMs?: number | undefined;
}

/** Where the state table lives: the host's own storage account (AzureWebJobsStorage). */
export function stateStoreFrom(settings: Settings, credentialFor: CredentialFactory, options: TableStoreOptions = {}): StateStore {
  const table = settings.SCALER_STATE_TABLE?.trim() || DEFAULT_STATE_TABLE;
  const connectionString = settings.AzureWebJobsStorage?.trim();
  if (connectionString) return createTableStore({ connectionString, table }, options);
  const account = settings.AzureWebJobsStorage__accountName?.trim();
  const url = settings.AzureWebJobsStorage__tableServiceUri?.trim() || (account ? `https://${account}.table.core.windows.net` : undefined);
  if (!url) {
    throw new Error('no state storage: set AzureWebJobsStorage__accountName (or __tableServiceUri) with a managed identity, or AzureWebJobsStorage for local development');
  }
  return createTableStore({ url, table, credential: credentialFor(settings.AzureWebJobsStorage__clientId?.trim() || undefined) }, options);
}

/** App Insights when configured (with Entra auth per APPLICATIONINSIGHTS_AUTHENTICATION_STRING), else JSON lines. */
export function telemetryFrom(settings: Settings, credentialFor: CredentialFactory): Telemetry {
  const connectionString = settings.APPLICATIONINSIGHTS_CONNECTION_STRING?.trim();
  if (!connectionString) return createJsonLinesTelemetry();
  const auth = settings.APPLICATIONINSIGHTS_AUTHENTICATION_STRING ?? '';
  const aad = /Authorization=AAD/i.test(auth);
  const clientId = /ClientId=([^;]+)/i.exec(auth)?.[1];
  return createAppInsightsTelemetry(connectionString, aad ? credentialFor(clientId) : undefined);
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
}

export function createRuntime(settings: Settings, overrides: RuntimeOverrides = {}): Runtime {
  const config = loadConfig(settings);
  // Keys and SAS in connection strings, the identity header: redacted wherever they might be echoed.
  rememberSettingsSecrets(settings);
  redactAzureSdkLogs();
  const timeouts = overrides.timeoutMs === undefined ? {} : { timeoutMs: overrides.timeoutMs };
  const credentialFor = createCredentialFactory(settings, config.localDevelopment, timeouts);
  const telemetry = overrides.telemetry ?? telemetryFrom(settings, credentialFor);
  for (const error of config.errors) telemetry.failure(error, { operation: 'tick' });
  const sourceDeps = { credentialFor, settings, ...timeouts };
  return {
    settings,
    config,
    targets: config.targets.map((target) => ({
      target,
      spec: target.input,
      sources: target.triggers.map((trigger) => createSource(trigger, sourceDeps)),
    })),
    kube: createKube(config.clusters, credentialFor, timeouts),
    store: overrides.store ?? stateStoreFrom(settings, credentialFor, timeouts),
    telemetry,
    credentialFor,
    concurrency: Number(settings.SCALER_CONCURRENCY) || DEFAULT_CONCURRENCY,
    now: overrides.now ?? Date.now,
    timeoutMs: overrides.timeoutMs,
  };
}
