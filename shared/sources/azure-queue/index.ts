// KEDA's azure-queue trigger: an Azure Storage queue's length. Everything the type owns is in
// this folder, and registry.ts lists it: metadata.ts (KEDA's keys and defaults, the local-only
// keys), reader.ts, clients.ts (every Azure Storage queue client: the reader's, forward mode's
// sender, the wake queues'), storage-account.ts (which account a queue is in), import-rules.ts
// (`import`), grants.ts (the roles). The wake path's own queues are Azure Storage queues too, so
// the configuration and the runtime also use what is exported below the definition.
import type { Settings } from '../../schema/index.js';
import type { TriggerDefinition } from '../trigger-type.js';
import { createAzureQueueSender } from './clients.js';
import { grants } from './grants.js';
import { azureQueueAuthenticationRef, importAzureQueueTrigger } from './import-rules.js';
import { azureQueueMetadataSchema, checkSettings, LOCAL_ONLY, queueNameSchema, type AzureQueueMetadata } from './metadata.js';
import { createAzureQueueSource } from './reader.js';
import { accountOfConnectionString, accountOfUrl } from './storage-account.js';

/**
 * The queue a trigger reads, in the account its client is made for (clients.ts queueClientIn):
 * the connection string of connectionFromEnv, else queueServiceUri, else accountName.
 */
function queuesOf(m: AzureQueueMetadata, settings: Settings) {
  const account = m.connectionFromEnv ? accountOfConnectionString(settings[m.connectionFromEnv] ?? '') : m.queueServiceUri ? accountOfUrl(m.queueServiceUri) : m.accountName;
  return [{ name: m.queueName, account, service: grants.scope }];
}

export const azureQueue = {
  metadata: azureQueueMetadataSchema,
  resourceName: queueNameSchema,
  thresholds: (m) => ({
    targetValue: m.queueLength,
    activationTargetValue: m.activationQueueLength,
    // Unset, the activation age is the target: a few messages below activationQueueLength wake
    // the target once they wait longer than they should, not as soon as they are a second old.
    ...(m.messageAgeTarget !== undefined ? { age: { targetValue: m.messageAgeTarget, activationTargetValue: m.activationMessageAge ?? m.messageAgeTarget } } : {}),
  }),
  localOnly: LOCAL_ONLY,
  checkSettings,
  createSource: createAzureQueueSource,
  createSender: createAzureQueueSender,
  queuesOf,
  metricName: 'scaler.queue_length',
  importTrigger: importAzureQueueTrigger,
  authenticationRef: azureQueueAuthenticationRef,
  grants,
} satisfies TriggerDefinition<AzureQueueMetadata>;

export { connectionQueueClients, QUEUE_TIMEOUT_MS, queueClientIn } from './clients.js';
/** The kind of resource a storage queue is (QueueRef.service): the wake queues are storage queues too. */
export const STORAGE_QUEUE_SERVICE = grants.scope;
export { accountNameSchema, queueNameSchema } from './metadata.js';
export { accountOfConnectionString, accountOfUrl, parseConnectionString } from './storage-account.js';
