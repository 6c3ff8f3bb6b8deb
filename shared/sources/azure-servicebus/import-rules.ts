// `import` for azure-servicebus triggers: which of KEDA's metadata keys carry over, and how the
// scaler's managed identity takes the place of KEDA's ways to reach the namespace.
// - The keys KEDA reads (azure_servicebus_scaler.go) carry over, except the connection strings;
//   any other key is ignored, as KEDA ignores it.
// - endpointSuffix without cloud: Private is ignored by KEDA; the configuration refuses it.
// - useRegex true (every entity whose name matches) is not offered: the trigger is kept out.
// - The scaler reads the entity with its own identity, so it needs the namespace: with it,
//   authenticationRef / connectionFromEnv / connection are replaced (a note says which role to
//   grant); without it the trigger is kept out, saying what to add. The configuration drops an
//   authenticationRef of a pasted ScaledObject by the same rule, with the same text.
import { parseBool } from '../../engine/index.js';
import { isRecord, show } from '../../schema/index.js';
import { authenticationRefMeans, carriedMetadata, connectionMeans, given, type Means } from '../import-rules.js';
import type { ImportedTrigger, ImportNote } from '../trigger-type.js';
import { grants } from './grants.js';

/** The azure-servicebus metadata keys KEDA reads; it ignores any other. */
const KEDA_KEYS = ['queueName', 'topicName', 'subscriptionName', 'namespace', 'messageCount', 'activationMessageCount', 'cloud', 'endpointSuffix', 'useRegex', 'operation', 'connectionFromEnv', 'connection'];

/** The entity in words: `queue "orders"` or `subscription "billing" of topic "events"`. */
const entityOf = (source: Record<string, unknown>): string =>
  given(source.queueName) ? `queue ${show(source.queueName)}` : `subscription ${show(source.subscriptionName)} of topic ${show(source.topicName)}`;

const grant = (source: Record<string, unknown>): string =>
  `grant ${given(source.identityClientId) ? `the user-assigned identity ${show(source.identityClientId)} of metadata.identityClientId` : "the scaler's identity"} ${grants.read.name} on the ${given(source.queueName) ? 'queue' : 'subscription'} (the deployment does, from SCALER_TARGETS)`;

const replaced = (source: Record<string, unknown>, m: Means): ImportNote => ({
  path: m.path,
  outcome: 'replaced',
  message: `the scaler reads ${entityOf(source)} of namespace ${show(source.namespace)} with its managed identity instead of ${m.what}: ${grant(source)}`,
});

function keptOut(source: Record<string, unknown>, means: readonly Means[]): ImportNote {
  const how = means.length > 0 ? `reads its entity with ${means.map((m) => m.what).join(' and ')}` : 'gives no way to reach its entity';
  return { path: '', outcome: 'trigger-kept-out', message: `${how} and names no namespace. The scaler reads Service Bus with its managed identity, so it needs the namespace: add metadata.namespace (the namespace's name, e.g. shop for shop.servicebus.windows.net), and ${grant(source)}` };
}

/** KEDA's authenticationRef on an azure-servicebus trigger: replaced by the scaler's identity on metadata.namespace, which must be given. */
export function azureServiceBusAuthenticationRef(trigger: Record<string, unknown>): ImportNote {
  const source = isRecord(trigger.metadata) ? trigger.metadata : {};
  const means = authenticationRefMeans(trigger);
  return given(source.namespace) ? replaced(source, means) : keptOut(source, [means]);
}

export function importAzureServiceBusTrigger(trigger: Record<string, unknown>): ImportedTrigger {
  const source = isRecord(trigger.metadata) ? trigger.metadata : {};
  const { metadata, notes } = carriedMetadata('azure-servicebus', source, KEDA_KEYS);
  if (typeof source.useRegex === 'string' && parseBool(source.useRegex) === true) {
    return { notes: [...notes, { path: '', outcome: 'trigger-kept-out', message: 'has useRegex: true (the sum, max or avg of every entity whose name matches), which the scaler does not offer: list a trigger per entity, and combine them with advanced.scalingModifiers' }] };
  }
  const means = connectionMeans(trigger, source);
  if (!given(source.namespace)) return { notes: [...notes, keptOut(metadata, means)] };
  return { metadata, notes: [...notes, ...means.map((m) => replaced(metadata, m))] };
}
