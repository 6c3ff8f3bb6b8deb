// The Service Bus administration client a trigger reads with: the namespace's ATOM management
// endpoint (https://<namespace>/<entity>?api-version=...), with the identity's token, or with a
// connection string's key for local development (connectionFromEnv). Only reader.ts loads this
// file, with import(), on a Service Bus trigger's first read: the SDK (with its AMQP client,
// about 6 MB of memory) stays out of a process whose targets read none (bench/README.md, goal 4).
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import { ServiceBusAdministrationClient, type ServiceBusAdministrationClientOptions } from '@azure/service-bus';
import { parseXML } from '@azure/core-xml';
import { SourceError } from '../../errors/index.js';
import { isRecord, type Settings } from '../../schema/index.js';
import { where } from './clients.js';
import { namespaceHost, type AzureServiceBusMetadata } from './metadata.js';

// One retry (KEDA's client does not retry more); calls carry a deadline as well (reader.ts).
const OPTIONS: ServiceBusAdministrationClientOptions = { retryOptions: { maxRetries: 1, retryDelayInMs: 200, maxRetryDelayInMs: 2_000 } };

/**
 * The SDK reads a count it cannot find or parse as 0 (`parseInt(...) || 0`), which would look like
 * an empty entity and let the target scale down. This policy looks at the answer first: an entity
 * description whose CountDetails lacks a whole ActiveMessageCount is an error naming the entity.
 */
function activeCountPresent(describe: () => string): PipelinePolicy {
  return {
    name: 'aks-queue-scaler-active-message-count',
    async sendRequest(request, next) {
      const response = await next(request);
      if (response.status !== 200 || !response.bodyAsText) return response;
      const parsed: unknown = await parseXML(response.bodyAsText, { includeRoot: true }).catch(() => undefined);
      const content = isRecord(parsed) && isRecord(parsed.entry) && isRecord(parsed.entry.content) ? parsed.entry.content : undefined;
      // Not an entry (an empty feed: the entity does not exist; or not XML): the SDK says what it is.
      if (!content) return response;
      const description = content.QueueDescription ?? content.SubscriptionDescription;
      const details = isRecord(description) ? description.CountDetails : undefined;
      const active = isRecord(details) ? Object.entries(details).find(([key]) => key === 'ActiveMessageCount' || key.endsWith(':ActiveMessageCount'))?.[1] : undefined;
      if (typeof active !== 'string' || !/^\d+$/.test(active.trim()) || !Number.isSafeInteger(Number(active))) {
        throw new SourceError(`${describe()}: the service's answer has no active message count (CountDetails/ActiveMessageCount${typeof active === 'string' ? ` is ${JSON.stringify(active.slice(0, 40))}` : ' is missing'})`);
      }
      return response;
    },
  };
}

/**
 * The administration client of the namespace of `m`: by its connection string for local
 * development (connectionFromEnv), else by host name with `credential`.
 */
export function adminClientFor(m: AzureServiceBusMetadata, credential: TokenCredential, settings: Settings): ServiceBusAdministrationClient {
  let client: ServiceBusAdministrationClient;
  if (m.connectionFromEnv) {
    const connection = settings[m.connectionFromEnv]?.trim();
    if (!connection) throw new SourceError(`${where(m, settings)}: app setting "${m.connectionFromEnv}" (connectionFromEnv) is not set`);
    client = new ServiceBusAdministrationClient(connection, OPTIONS);
  } else {
    client = new ServiceBusAdministrationClient(namespaceHost(m)!, credential, OPTIONS);
  }
  client.pipeline.addPolicy(activeCountPresent(() => where(m, settings)));
  return client;
}
