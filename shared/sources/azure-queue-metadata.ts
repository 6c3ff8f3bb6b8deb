// The azure-queue trigger's metadata, declared as KEDA declares it (azure_queue_scaler.go tags):
// queueName required; queueLength 5; activationQueueLength 0; queueLengthStrategy all|visibleonly;
// accountName + cloud / endpointSuffix. Numbers may be strings, as in a ScaledObject.
import { z } from 'zod';
import { integer, text } from '../config/values.js';

/** Storage endpoint suffixes of the named clouds (KEDA's azure_cloud_environment.go). */
const CLOUD_SUFFIXES: Record<string, string> = {
  azurepubliccloud: 'queue.core.windows.net',
  azurecloud: 'queue.core.windows.net',
  azureusgovernmentcloud: 'queue.core.usgovcloudapi.net',
  azureusgovernment: 'queue.core.usgovcloudapi.net',
  azurechinacloud: 'queue.core.chinacloudapi.cn',
};

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const azureQueueMetadataSchema = z
  .preprocess(
    // KEDA counts an empty string as missing.
    (raw) =>
      raw && typeof raw === 'object' && !Array.isArray(raw)
        ? Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== ''))
        : raw,
    z.strictObject(
      {
        queueName: text.regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, 'must be a storage queue name (3-63 lowercase letters, digits and single hyphens)'),
        queueLength: integer({ min: 1 }).default(5),
        activationQueueLength: integer({ min: 0 }).default(0),
        queueLengthStrategy: z.enum(['all', 'visibleonly'], { error: 'must be one of all, visibleonly' }).default('all'),
        accountName: text.regex(/^[a-z0-9]{3,24}$/, 'must be a storage account name (3-24 lowercase letters and digits)').optional(),
        cloud: text.optional(),
        endpointSuffix: text.optional(),
        /** Our extension: the client id of the user-assigned identity that reads this queue. */
        identityClientId: text.regex(GUID, 'must be a client id (GUID)').optional(),
        /** Local development only: the app setting holding a connection string. */
        connectionFromEnv: text.optional(),
        /** Local development only (SCALER_ALLOW_LOCAL_ENDPOINTS): an explicit queue service URL. */
        queueServiceUri: z.url({ error: 'must be a URL' }).optional(),
        connection: z.never({ error: 'connection strings are not accepted in settings: use accountName with a managed identity, or connectionFromEnv for local development' }).optional(),
      },
      { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown key(s): ${issue.keys.join(', ')}` : undefined) },
    ),
  )
  .superRefine((m, ctx) => {
    if (!m.accountName && !m.connectionFromEnv && !m.queueServiceUri) {
      ctx.addIssue({ code: 'custom', path: ['accountName'], message: 'no accountName given (or connectionFromEnv for local development)' });
    }
    const cloud = m.cloud?.toLowerCase();
    if (cloud === 'private') {
      if (!m.endpointSuffix) ctx.addIssue({ code: 'custom', path: ['endpointSuffix'], message: 'endpointSuffix must be provided for Private cloud type' });
    } else {
      if (cloud !== undefined && !(cloud in CLOUD_SUFFIXES)) {
        ctx.addIssue({ code: 'custom', path: ['cloud'], message: `invalid cloud environment ${m.cloud} (use AzurePublicCloud, AzureUSGovernmentCloud, AzureChinaCloud or Private)` });
      }
      if (m.endpointSuffix) ctx.addIssue({ code: 'custom', path: ['endpointSuffix'], message: 'endpointSuffix is only used with cloud: Private' });
    }
  })
  .transform(({ connection: _connection, cloud, endpointSuffix, ...m }) => ({
    ...m,
    /** The queue service host suffix, resolved from cloud / endpointSuffix. */
    endpointSuffix: cloud?.toLowerCase() === 'private' ? endpointSuffix! : CLOUD_SUFFIXES[cloud?.toLowerCase() ?? 'azurepubliccloud']!,
  }));

export type AzureQueueMetadata = z.output<typeof azureQueueMetadataSchema>;

/** The queue service URL of an account, e.g. https://acct.queue.core.windows.net. */
export const queueServiceUrl = (m: AzureQueueMetadata): string | undefined =>
  m.queueServiceUri ?? (m.accountName ? `https://${m.accountName}.${m.endpointSuffix}` : undefined);
