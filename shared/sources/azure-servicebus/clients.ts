// Where a Service Bus trigger reads: the namespace and the entity, named in messages. The
// administration client itself is admin-client.ts, loaded by the first read (reader.ts).
import type { Settings } from '../../schema/index.js';
import { hostOfEndpoint, namespaceHost, parseConnectionString, type AzureServiceBusMetadata } from './metadata.js';

/** A read (both tries) that takes longer than this fails, and its trigger holds. */
export const SERVICEBUS_TIMEOUT_MS = 10_000;

/** The entity of `m` in messages: `queue "orders" in namespace shop.servicebus.windows.net`. */
export function where(m: AzureServiceBusMetadata, settings: Settings): string {
  const what = m.kind === 'queue' ? `queue "${m.queueName}"` : `subscription "${m.subscriptionName}" of topic "${m.topicName}"`;
  const host = namespaceOf(m, settings);
  return host ? `${what} in namespace ${host}` : what;
}

/** The host the entity is read at: the connection string's Endpoint, else fullyQualifiedNamespace, else namespace + suffix. */
export function namespaceOf(m: AzureServiceBusMetadata, settings: Settings): string | undefined {
  if (m.connectionFromEnv) {
    const endpoint = parseConnectionString(settings[m.connectionFromEnv]?.trim() ?? '')?.get('endpoint');
    return endpoint === undefined ? undefined : hostOfEndpoint(endpoint);
  }
  return namespaceHost(m);
}
