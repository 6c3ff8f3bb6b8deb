// The azure-queue trigger's metadata, declared as KEDA declares it (azure_queue_scaler.go tags):
// queueName required; queueLength 5; activationQueueLength 0; queueLengthStrategy all|visibleonly;
// accountName + cloud / endpointSuffix. Numbers may be strings, as in a ScaledObject. Ours:
// messageAgeTarget and activationMessageAge (the oldest message's age, a second metric),
// identityClientId, and the local-development keys connectionFromEnv and queueServiceUri.
import { z } from 'zod';
import { checked, clientId, fields, integer, isRecord, oneOf, serviceUrl, show, text, type CheckIssue, type Settings } from '../../schema/index.js';
import { checkCloud } from '../azure-cloud.js';
import { parseConnectionString } from './storage-account.js';

/** Storage endpoint suffixes of the named clouds (KEDA's azure_cloud_environment.go). */
const CLOUD_SUFFIXES: Readonly<Record<string, string>> = {
  azurepubliccloud: 'queue.core.windows.net',
  azurecloud: 'queue.core.windows.net',
  azureusgovernmentcloud: 'queue.core.usgovcloudapi.net',
  azureusgovernment: 'queue.core.usgovcloudapi.net',
  azurechinacloud: 'queue.core.chinacloudapi.cn',
};

/** A storage queue message lives at most 7 days unless its time-to-live is infinite; an age target longer than a year means nothing. */
const MAX_AGE_SECONDS = 366 * 86_400;

const QUEUE_NAME = /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/;
const ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;

export const queueNameSchema = text.regex(QUEUE_NAME, { error: (i) => `${show(i.input)} is not a storage queue name (3-63 lowercase letters, digits and single hyphens)` });
export const accountNameSchema = text.regex(ACCOUNT_NAME, { error: (i) => `${show(i.input)} is not a storage account name (3-24 lowercase letters and digits)` });

const metadataFields = fields(
  {
    queueName: queueNameSchema,
    queueLength: integer({ min: 1 }).default(5),
    activationQueueLength: integer({ min: 0 }).default(0),
    // Case-sensitive since KEDA v2.16, as KEDA's typed config parses enums.
    queueLengthStrategy: oneOf(['all', 'visibleonly'], ' (case-sensitive, as in KEDA)').default('all'),
    /**
     * Ours: how long, in seconds, the oldest visible message may wait: a second metric, the
     * age against this target for the whole queue (shared/engine/readings.ts). Unset: the length alone.
     */
    messageAgeTarget: integer({ min: 1, max: MAX_AGE_SECONDS }).optional(),
    /** Ours: active when the oldest visible message is older than this (default: messageAgeTarget). */
    activationMessageAge: integer({ min: 0, max: MAX_AGE_SECONDS }).optional(),
    accountName: accountNameSchema.optional(),
    cloud: text.optional(),
    endpointSuffix: text.optional(),
    /** Our extension: the client id of the user-assigned identity that reads this queue. */
    identityClientId: clientId.optional(),
    /** Local development only (SCALER_LOCAL_DEVELOPMENT): the app setting holding a connection string. */
    connectionFromEnv: text.optional(),
    /** Local development only (SCALER_LOCAL_DEVELOPMENT): an explicit queue service URL. */
    queueServiceUri: serviceUrl(/^https?$/, 'an http:// or https:// URL').optional(),
    // The value is never echoed: it holds an account key.
    connection: z
      .never({ error: 'is refused: a connection string in settings is a secret in plain text; use accountName with a managed identity (or connectionFromEnv for local development)' })
      .optional(),
  },
  'key',
);

const given = (raw: Record<string, unknown>, key: string): boolean => raw[key] !== undefined;

/** KEDA's hand-coded rules (parseAzureQueueMetadata): who reads the queue, and where it is; and an activation age needs its target. */
function checkRules(raw: Record<string, unknown>): CheckIssue[] {
  const issues: CheckIssue[] = [];
  if (given(raw, 'activationMessageAge') && !given(raw, 'messageAgeTarget')) {
    issues.push({ path: ['activationMessageAge'], message: 'needs messageAgeTarget: without an age target the age is not read' });
  }
  if (!given(raw, 'accountName') && !given(raw, 'connectionFromEnv') && !given(raw, 'queueServiceUri')) {
    issues.push({ path: ['accountName'], message: 'is required: the storage account that holds the queue (KEDA: "no accountName given")' });
  }
  return [...issues, ...checkCloud(raw, CLOUD_SUFFIXES, 'queue.core.example.net')];
}

export const azureQueueMetadataSchema = z
  .preprocess(
    // KEDA counts an empty string as missing.
    (raw) => (isRecord(raw) ? Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== '')) : raw),
    checked(metadataFields, checkRules),
  )
  .transform(({ connection: _connection, cloud, endpointSuffix, ...m }) => ({
    ...m,
    /** The queue service host suffix, resolved from cloud / endpointSuffix. */
    endpointSuffix: cloud?.toLowerCase() === 'private' ? endpointSuffix! : CLOUD_SUFFIXES[cloud?.toLowerCase() ?? 'azurepubliccloud']!,
  }));

export type AzureQueueMetadata = z.output<typeof azureQueueMetadataSchema>;

/** Keys only for a developer's machine (SCALER_LOCAL_DEVELOPMENT): a connection string, an explicit endpoint. */
export const LOCAL_ONLY = ['connectionFromEnv', 'queueServiceUri'] as const satisfies readonly (keyof AzureQueueMetadata)[];

/**
 * The app setting connectionFromEnv names is read as a connection string: it must be one (never
 * repeated: it holds a key). Unset, the read fails and says so.
 */
export function checkSettings(m: AzureQueueMetadata, settings: Settings): CheckIssue[] {
  const setting = m.connectionFromEnv === undefined ? undefined : settings[m.connectionFromEnv]?.trim();
  if (!setting || parseConnectionString(setting)) return [];
  return [{ path: ['connectionFromEnv'], message: `app setting ${JSON.stringify(m.connectionFromEnv)} does not hold a storage connection string (key=value pairs separated by ';')` }];
}

/** The queue service URL of an account, e.g. https://acct.queue.core.windows.net. */
export const queueServiceUrl = (m: AzureQueueMetadata): string | undefined =>
  m.queueServiceUri ?? (m.accountName ? `https://${m.accountName}.${m.endpointSuffix}` : undefined);
