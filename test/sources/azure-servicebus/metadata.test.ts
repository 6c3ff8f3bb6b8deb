// KEDA's parseServiceBusMetadataDataset (pkg/scalers/azure_servicebus_scaler_test.go), row for row,
// in our words and with our exact outcome: KEDA's rows assert only err != nil and the entity type;
// ours assert the message. KEDA reads connectionFromEnv ("none") or workload identity + namespace;
// the scaler always reads with a managed identity, so its rows give namespace where KEDA's give a
// connection (connectionFromEnv stays, a local-development key). Where we differ the row says so.
import { describe, expect, test } from 'vitest';
import { formatPath, parseConfig } from '../../../shared/schema/index.js';
import { azureServiceBusMetadataSchema, namespaceHost } from '../../../shared/sources/azure-servicebus/metadata.js';

type Outcome = { ok: Record<string, unknown> } | { errors: string[] };

function parse(metadata: Record<string, unknown>): Outcome {
  const parsed = parseConfig(azureServiceBusMetadataSchema, metadata);
  if (parsed.success) return { ok: parsed.data };
  return { errors: parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`) };
}

const DEFAULTS = { messageCount: 5, activationMessageCount: 0, endpointSuffix: 'servicebus.windows.net' };
const QUEUE = { kind: 'queue', queueName: 'testqueue', entityPath: 'testqueue' };
const SUBSCRIPTION = { kind: 'subscription', topicName: 'testtopic', subscriptionName: 'testsubscription', entityPath: 'testtopic/Subscriptions/testsubscription' };
const CONN = { connectionFromEnv: 'none' };
const NS = { namespace: 'nsname' };

const NO_ENTITY = 'queueName: is required: give a queueName, or a topicName and a subscriptionName (KEDA: "no service bus entity type set")';
const NO_NAMESPACE = 'namespace: is required: the Service Bus namespace that holds the entity (KEDA: "namespace are required when using pod identity")';

const rows: { name: string; metadata: Record<string, unknown>; want: Outcome }[] = [
  { name: 'nothing passed', metadata: {}, want: { errors: [NO_ENTITY, NO_NAMESPACE] } },
  { name: 'properly formed queue', metadata: { queueName: 'testqueue', ...CONN }, want: { ok: { ...DEFAULTS, ...QUEUE, ...CONN } } },
  { name: 'properly formed queue with message count', metadata: { queueName: 'testqueue', ...CONN, messageCount: '1000' }, want: { ok: { ...DEFAULTS, ...QUEUE, ...CONN, messageCount: 1000 } } },
  { name: 'properly formed topic & subscription', metadata: { topicName: 'testtopic', subscriptionName: 'testsubscription', ...CONN }, want: { ok: { ...DEFAULTS, ...SUBSCRIPTION, ...CONN } } },
  {
    name: 'properly formed topic & subscription with message count',
    metadata: { topicName: 'testtopic', subscriptionName: 'testsubscription', ...CONN, messageCount: '1000' },
    want: { ok: { ...DEFAULTS, ...SUBSCRIPTION, ...CONN, messageCount: 1000 } },
  },
  {
    name: 'queue and topic specified',
    metadata: { queueName: 'testqueue', topicName: 'testtopic', ...CONN },
    want: { errors: ['topicName: is given with queueName: give a queueName, or a topicName and a subscriptionName (KEDA: "both topic and queue name metadata provided")'] },
  },
  {
    name: 'queue and subscription specified',
    metadata: { queueName: 'testqueue', subscriptionName: 'testsubscription', ...CONN },
    want: { errors: ['subscriptionName: is given with queueName: a subscription belongs to a topic (KEDA: "subscription name provided with queue name")'] },
  },
  {
    name: 'topic but no subscription specified',
    metadata: { topicName: 'testtopic', ...CONN },
    want: { errors: ['subscriptionName: is required with topicName: the subscription whose messages are counted (KEDA: "no subscription name provided with topic name")'] },
  },
  { name: 'subscription but no topic specified', metadata: { subscriptionName: 'testsubscription', ...CONN }, want: { errors: [NO_ENTITY] } },
  { name: 'valid cloud', metadata: { queueName: 'testqueue', ...NS, cloud: 'AzureChinaCloud' }, want: { ok: { ...DEFAULTS, ...QUEUE, ...NS, endpointSuffix: 'servicebus.chinacloudapi.cn' } } },
  {
    name: 'invalid cloud',
    metadata: { queueName: 'testqueue', ...NS, cloud: 'InvalidCloud' },
    want: { errors: ['cloud: invalid cloud environment "InvalidCloud": use AzurePublicCloud, AzureUSGovernmentCloud, AzureChinaCloud or Private'] },
  },
  {
    name: 'AzureGermanCloud (KEDA has its suffix; Azure Germany is closed): refused, as for azure-queue',
    metadata: { queueName: 'testqueue', ...NS, cloud: 'AzureGermanCloud' },
    want: { errors: ['cloud: invalid cloud environment "AzureGermanCloud": use AzurePublicCloud, AzureUSGovernmentCloud, AzureChinaCloud or Private'] },
  },
  {
    name: 'private cloud with endpoint suffix',
    metadata: { queueName: 'testqueue', ...NS, cloud: 'Private', endpointSuffix: 'servicebus.private.cloud' },
    want: { ok: { ...DEFAULTS, ...QUEUE, ...NS, endpointSuffix: 'servicebus.private.cloud' } },
  },
  { name: 'private cloud without endpoint suffix', metadata: { queueName: 'testqueue', ...NS, cloud: 'Private' }, want: { errors: ['endpointSuffix: must be provided for Private cloud type (e.g. servicebus.example.net)'] } },
  {
    name: 'endpoint suffix without cloud (KEDA ignores it; refused here, as for azure-queue)',
    metadata: { queueName: 'testqueue', ...NS, endpointSuffix: 'ignored' },
    want: { errors: ['endpointSuffix: is only used with cloud: Private (KEDA would silently ignore it)'] },
  },
  { name: 'connection not set (no namespace either)', metadata: { queueName: 'testqueue' }, want: { errors: [NO_NAMESPACE] } },
  {
    name: 'connection set in metadata (KEDA reads it from a TriggerAuthentication): refused, never echoed',
    metadata: { queueName: 'testqueue', ...NS, connection: 'Endpoint=sb://x/;SharedAccessKey=c2VjcmV0' },
    want: { errors: ['connection: is refused: a connection string in settings is a secret in plain text; use namespace with a managed identity (or connectionFromEnv for local development)'] },
  },
  { name: 'workload identity but missing namespace', metadata: { queueName: 'testqueue' }, want: { errors: [NO_NAMESPACE] } },
  { name: 'correct workload identity', metadata: { queueName: 'testqueue', ...NS }, want: { ok: { ...DEFAULTS, ...QUEUE, ...NS } } },
  {
    name: 'invalid activation message count',
    metadata: { queueName: 'testqueue', ...CONN, messageCount: '1000', activationMessageCount: 'AA' },
    want: { errors: ['activationMessageCount: "AA" is not an integer'] },
  },
  { name: 'queue with incorrect useRegex value', metadata: { queueName: 'testqueue', ...CONN, useRegex: 'ababa' }, want: { errors: ['useRegex: "ababa" is not a boolean (true or false)'] } },
  { name: 'useRegex false', metadata: { queueName: 'testqueue', ...CONN, useRegex: 'false' }, want: { ok: { ...DEFAULTS, ...QUEUE, ...CONN } } },
  ...['avg', 'sum', 'max', undefined].map((operation) => ({
    name: `useRegex true${operation ? ` with operation ${operation}` : ''} (KEDA reads every matching entity): refused`,
    metadata: { queueName: 'testqueue', ...CONN, useRegex: 'true', ...(operation ? { operation } : {}) },
    want: { errors: ['useRegex: true is not supported: the scaler reads one queue or subscription per trigger (and grants its role on that one); list a trigger per entity, and combine them with advanced.scalingModifiers if one count is wanted'] },
  })),
  {
    name: 'operation random (KEDA refuses it too)',
    metadata: { queueName: 'testqueue', ...CONN, operation: 'random' },
    want: { errors: ['operation: "random" is not one of sum, max, avg (case-sensitive, as in KEDA)'] },
  },
  { name: 'operation sum without useRegex: accepted, as in KEDA, and unused', metadata: { queueName: 'testqueue', ...NS, operation: 'sum' }, want: { ok: { ...DEFAULTS, ...QUEUE, ...NS } } },
  {
    name: 'queue with a regex for a name (KEDA: "*" with useRegex): not a queue name',
    metadata: { queueName: '*', ...CONN },
    want: { errors: ["queueName: \"*\" is not a Service Bus queue name (1-260 letters, digits, '.', '-' and '_', starting and ending with a letter or digit; '/' is not supported)"] },
  },
  // Ours: the names as Azure allows them, and what the local-development keys may be.
  {
    name: "a queue name with '/' (a path: could step to another entity)",
    metadata: { queueName: 'a/../b', ...NS },
    want: { errors: ["queueName: \"a/../b\" is not a Service Bus queue name (1-260 letters, digits, '.', '-' and '_', starting and ending with a letter or digit; '/' is not supported)"] },
  },
  {
    name: 'a namespace given as its host name',
    metadata: { queueName: 'testqueue', namespace: 'shop.servicebus.windows.net' },
    want: { errors: ['namespace: "shop.servicebus.windows.net" is not a Service Bus namespace name (6-50 letters, digits and hyphens, starting with a letter and ending with a letter or digit; the name, not its host name)'] },
  },
  { name: 'messageCount 0', metadata: { queueName: 'testqueue', ...NS, messageCount: '0' }, want: { errors: ['messageCount: 0 is less than 1'] } },
  { name: 'an empty value counts as missing, as in KEDA', metadata: { queueName: 'testqueue', ...NS, messageCount: '', topicName: '' }, want: { ok: { ...DEFAULTS, ...QUEUE, ...NS } } },
  {
    name: 'fullyQualifiedNamespace with a path is refused',
    metadata: { queueName: 'testqueue', fullyQualifiedNamespace: 'evil.example/x?' },
    want: { errors: ['fullyQualifiedNamespace: "evil.example/x?" is not a host name with an optional port (no scheme or path)'] },
  },
  { name: "azure-queue's queueLength is not a key here", metadata: { queueName: 'testqueue', ...NS, queueLength: '5' }, want: { errors: [': unknown key(s): queueLength'] } },
];

describe('azure-servicebus metadata, as KEDA parses it', () => {
  test.each(rows)('$name', ({ metadata, want }) => {
    expect(parse(metadata)).toEqual(want);
  });
});

describe('the namespace read from', () => {
  test.each([
    { metadata: { queueName: 'q', namespace: 'shopbus' }, want: 'shopbus.servicebus.windows.net' },
    { metadata: { queueName: 'q', namespace: 'ShopBus', cloud: 'AzureUSGovernmentCloud' }, want: 'shopbus.servicebus.usgovcloudapi.net' },
    { metadata: { queueName: 'q', namespace: 'shopbus', cloud: 'private', endpointSuffix: 'bus.contoso.example' }, want: 'shopbus.bus.contoso.example' },
    { metadata: { queueName: 'q', fullyQualifiedNamespace: 'localhost:5300' }, want: 'localhost:5300' },
  ])('$want', ({ metadata, want }) => {
    expect(namespaceHost(azureServiceBusMetadataSchema.parse(metadata))).toBe(want);
  });
});
