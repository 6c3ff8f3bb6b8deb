// KEDA's azure-servicebus trigger: the active message count of an Azure Service Bus queue or topic
// subscription. Everything the type owns is in this folder, and registry.ts lists it: metadata.ts
// (KEDA's keys, defaults and rules, the local-only keys), reader.ts, clients.ts (where it reads),
// admin-client.ts (the administration client, loaded by the first read), import-rules.ts
// (`import`), grants.ts (the role). No forward mode: a
// wake queue signals a Service Bus target (the wake path is the same for every type), but
// wake.forwardTo is refused, since passing messages on to Service Bus is not offered.
import type { Settings } from '../../schema/index.js';
import type { TriggerDefinition } from '../trigger-type.js';
import { namespaceOf } from './clients.js';
import { grants } from './grants.js';
import { azureServiceBusAuthenticationRef, importAzureServiceBusTrigger } from './import-rules.js';
import { azureServiceBusMetadataSchema, checkSettings, LOCAL_ONLY, type AzureServiceBusMetadata } from './metadata.js';
import { createAzureServiceBusSource } from './reader.js';
import { z } from 'zod';

/**
 * What a trigger reads, in the namespace its client is made for (clients.ts): named by host name
 * (never a storage account, which has no dots), on its own service.
 */
const queuesOf = (m: AzureServiceBusMetadata, settings: Settings) => [{ name: m.entityPath, account: namespaceOf(m, settings), service: grants.scope }];

/** wake.forwardTo next to a Service Bus trigger: refused, whatever the name. */
const noForwarding = z.unknown().transform((_raw, ctx) => {
  ctx.addIssue({ code: 'custom', message: 'is not offered when the first trigger is azure-servicebus: forward mode sends to a queue next to the one that trigger reads, and sending to Service Bus is not offered; use the wake queue as a signal (leave forwardTo out) and let producers send to Service Bus themselves' });
  return z.NEVER;
});

export const azureServiceBus = {
  metadata: azureServiceBusMetadataSchema,
  resourceName: noForwarding,
  thresholds: (m) => ({ targetValue: m.messageCount, activationTargetValue: m.activationMessageCount }),
  localOnly: LOCAL_ONLY,
  checkSettings,
  createSource: createAzureServiceBusSource,
  queuesOf,
  metricName: 'scaler.active_message_count',
  importTrigger: importAzureServiceBusTrigger,
  authenticationRef: azureServiceBusAuthenticationRef,
  grants,
} satisfies TriggerDefinition<AzureServiceBusMetadata>;
