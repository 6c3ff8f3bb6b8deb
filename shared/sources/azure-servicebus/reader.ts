// An Azure Service Bus queue's or topic subscription's active message count, as KEDA's
// azure-servicebus scaler reads it: the runtime properties of the entity (ActiveMessageCount),
// through the administration client.
import { isRestError } from '@azure/core-rest-pipeline';
import type { ServiceBusAdministrationClient } from '@azure/service-bus';
import { SourceError, withDeadline } from '../../errors/index.js';
import type { Settings } from '../../schema/index.js';
import type { Source, SourceDeps } from '../source.js';
import { namespaceOf, SERVICEBUS_TIMEOUT_MS, where } from './clients.js';
import { grants } from './grants.js';
import type { AzureServiceBusMetadata } from './metadata.js';

/** The Azure CLI command that creates the entity of `m` (its resource group is not in the metadata). */
export function createEntityCommand(m: AzureServiceBusMetadata, settings: Settings): string {
  // The namespace's name: given, or the first label of the host a connection string names (not of an address).
  const host = namespaceOf(m, settings);
  const namespace = m.namespace ?? (host && /^[a-z][a-z0-9-]*\./.test(host) ? host.split('.')[0] : '<namespace>');
  const base = `--resource-group <its resource group> --namespace-name ${namespace}`;
  return m.kind === 'queue'
    ? `az servicebus queue create ${base} --name ${m.queueName}`
    : `az servicebus topic subscription create ${base} --topic-name ${m.topicName} --name ${m.subscriptionName}`;
}

/** Turns SDK failures into a message an operator can act on. */
function explainFailure(m: AzureServiceBusMetadata, e: unknown, settings: Settings): SourceError {
  const at = where(m, settings);
  // isRestError, not instanceof: the SDK's errors come from its own copy of the pipeline package.
  const status = isRestError(e) ? e.statusCode : undefined;
  const code = isRestError(e) ? e.code : undefined;
  const detail = e instanceof Error ? e.message.split('\n')[0] : String(e);
  // The service answers a missing entity with 404, or with 200 and an empty feed; the SDK names both so.
  if (status === 404 || code === 'MessageEntityNotFoundError') return new SourceError(`${at} does not exist (${status ?? ''} MessageEntityNotFoundError); create it: ${createEntityCommand(m, settings)}`, { cause: e });
  if (status === 401 || status === 403) {
    return new SourceError(`${at}: access denied (${status} ${code ?? ''}: ${detail}); reading the active message count is a management read: the scaler identity needs ${grants.read.name} on the ${m.kind === 'queue' ? 'queue' : 'subscription'}`, { cause: e });
  }
  if (status === 429 || status === 503) return new SourceError(`${at}: throttled by Service Bus (${status}); try a longer pollingInterval`, { cause: e });
  if (e instanceof Error && e.name === 'AbortError') return new SourceError(`${at}: no answer within the time allowed (Service Bus is slow or unreachable)`, { cause: e });
  const answer = status ? `${status}${code ? ` ${code}` : ''}: ` : '';
  return new SourceError(`${at}: cannot read the active message count: ${answer}${detail}`, { cause: e });
}

export function createAzureServiceBusSource(m: AzureServiceBusMetadata, deps: SourceDeps): Source {
  let client: ServiceBusAdministrationClient | undefined;
  const timeoutMs = deps.timeoutMs ?? SERVICEBUS_TIMEOUT_MS;
  return {
    async read(caller) {
      try {
        // The SDK is loaded by the first read (admin-client.ts says why).
        const admin = (client ??= (await import('./admin-client.js')).adminClientFor(m, deps.credentialFor(m.identityClientId), deps.settings));
        return await withDeadline(timeoutMs, async (abortSignal) => (m.kind === 'queue'
          ? await admin.getQueueRuntimeProperties(m.queueName, { abortSignal })
          : await admin.getSubscriptionRuntimeProperties(m.topicName, m.subscriptionName, { abortSignal })).activeMessageCount, caller);
      } catch (e) {
        if (e instanceof SourceError) throw e;
        throw explainFailure(m, e, deps.settings);
      }
    },
  };
}
