// The azure-servicebus type through the configuration (loadConfig): what the registry gives the
// schema, the local-only keys and their settings, the queue graph (a wake queue, a storage queue,
// is never a Service Bus entity of the same name) and wake.forwardTo (no forward mode), and an
// authenticationRef pasted with a ScaledObject.
import { describe, expect, test } from 'vitest';
import { loadConfig, type Settings } from '../../../shared/config/index.js';

type Json = Record<string, unknown>;
const CLUSTERS = JSON.stringify({ prod: { resourceId: '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/shop-rg/providers/Microsoft.ContainerService/managedClusters/shop-aks' } });
const bus = (metadata: Json = {}): Json => ({ type: 'azure-servicebus', metadata: { namespace: 'shopbus', queueName: 'orders', ...metadata } });
const target = (extra: Json = {}): Json => ({ namespace: 'shop', scaleTargetRef: { name: 'worker' }, triggers: [bus()], ...extra });

function load(targets: Json[], settings: Settings = {}) {
  const config = loadConfig({ SCALER_CLUSTERS: CLUSTERS, SCALER_TARGETS: JSON.stringify(targets), AzureWebJobsStorage__accountName: 'scalerapp', ...settings });
  return { config, errors: config.errors.map((e) => e.message), warnings: config.warnings.map((w) => w.message) };
}

const LOCAL = { SCALER_LOCAL_DEVELOPMENT: 'true' };
const CONNECTION = 'Endpoint=sb://shopbus.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=c2VjcmV0';

describe('azure-servicebus through the configuration', () => {
  test('a queue trigger: KEDA defaults become the engine thresholds', () => {
    const { config, errors } = load([target()]);
    expect(errors).toEqual([]);
    expect(config.targets[0]!.triggers[0]).toMatchObject({ type: 'azure-servicebus', targetValue: 5, activationTargetValue: 0, metricType: 'AverageValue' });
  });

  test('a topic subscription with messageCount and activationMessageCount as strings', () => {
    const { config, errors } = load([target({ triggers: [bus({ queueName: undefined, topicName: 'events', subscriptionName: 'billing', messageCount: '20', activationMessageCount: '3' })] })]);
    expect(errors).toEqual([]);
    expect(config.targets[0]!.triggers[0]).toMatchObject({ targetValue: 20, activationTargetValue: 3, metadata: { kind: 'subscription', entityPath: 'events/Subscriptions/billing' } });
  });

  test.each([
    { name: 'connectionFromEnv without SCALER_LOCAL_DEVELOPMENT', metadata: { connectionFromEnv: 'SB' }, settings: { SB: CONNECTION }, want: ['target shop/worker: triggers[0].metadata.connectionFromEnv: is for local development only (set SCALER_LOCAL_DEVELOPMENT=true to use it)'] },
    { name: 'fullyQualifiedNamespace without SCALER_LOCAL_DEVELOPMENT', metadata: { fullyQualifiedNamespace: 'localhost:5300' }, settings: {}, want: ['target shop/worker: triggers[0].metadata.fullyQualifiedNamespace: is for local development only (set SCALER_LOCAL_DEVELOPMENT=true to use it)'] },
    { name: 'connectionFromEnv with SCALER_LOCAL_DEVELOPMENT and a connection string', metadata: { connectionFromEnv: 'SB' }, settings: { ...LOCAL, SB: CONNECTION }, want: [] },
    {
      name: 'connectionFromEnv naming a setting that is not a Service Bus connection string (never repeated)',
      metadata: { connectionFromEnv: 'SB' },
      settings: { ...LOCAL, SB: 'AccountName=shopdata;AccountKey=c2VjcmV0' },
      want: ['target shop/worker: triggers[0].metadata.connectionFromEnv: app setting "SB" does not hold a Service Bus connection string (Endpoint=sb://<namespace>.servicebus.windows.net/;SharedAccessKeyName=...;SharedAccessKey=...)'],
    },
  ])('$name', ({ metadata, settings, want }) => {
    expect(load([target({ triggers: [bus(metadata)] })], settings).errors).toEqual(want);
  });
});

describe('the wake path and the queue graph', () => {
  test('a wake queue named as the Service Bus queue the target reads is another queue (a storage queue): accepted', () => {
    expect(load([target({ wake: { queueName: 'orders' } })]).errors).toEqual([]);
  });

  test('the same with azure-queue is refused: the graph still compares storage queues', () => {
    const storage = { type: 'azure-queue', metadata: { accountName: 'scalerapp', queueName: 'orders' } };
    expect(load([target({ triggers: [storage], wake: { queueName: 'orders' } })]).errors).toEqual([
      expect.stringMatching(/^target shop\/worker: wake\.queueName: "orders" is the work queue of triggers\[0\]: the wake function consumes its queue/),
    ]);
  });

  test("a wake queue named as another target's Service Bus queue is not that target's work", () => {
    const other = { ...target({ scaleTargetRef: { name: 'other' } }) };
    const waking = target({ triggers: [bus({ queueName: 'payments' })], wake: { queueName: 'orders' } });
    expect(load([other, waking]).errors).toEqual([]);
  });

  test('wake.forwardTo next to a Service Bus trigger is refused: no forward mode', () => {
    expect(load([target({ wake: { queueName: 'orders-wake', forwardTo: 'orders' } })]).errors).toEqual([
      'target shop/worker: wake.forwardTo: is not offered when the first trigger is azure-servicebus: forward mode sends to a queue next to the one that trigger reads, and sending to Service Bus is not offered; use the wake queue as a signal (leave forwardTo out) and let producers send to Service Bus themselves',
    ]);
  });

  test('a Service Bus trigger after a storage one: forward mode sends next to the first, and is allowed', () => {
    const storage = { type: 'azure-queue', metadata: { accountName: 'shopdata', queueName: 'orders' } };
    expect(load([target({ triggers: [storage, bus()], wake: { queueName: 'orders-wake', forwardTo: 'orders' } })]).errors).toEqual([]);
  });
});

describe('a pasted ScaledObject with an authenticationRef', () => {
  const scaledObject = (metadata: Json): Json => ({
    apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'worker', namespace: 'shop' },
    spec: { scaleTargetRef: { name: 'worker' }, triggers: [{ type: 'azure-servicebus', authenticationRef: { name: 'sb-auth' }, metadata }] },
  });

  test('with namespace: dropped with a warning naming the role', () => {
    const { errors, warnings } = load([scaledObject({ namespace: 'shopbus', queueName: 'orders' })]);
    expect(errors).toEqual([]);
    expect(warnings).toEqual([expect.stringContaining('the scaler reads queue "orders" of namespace "shopbus" with its managed identity instead of TriggerAuthentication "sb-auth": grant the scaler\'s identity Azure Service Bus Data Owner on the queue')]);
  });

  test('without namespace: refused, saying what to add', () => {
    expect(load([scaledObject({ queueName: 'orders' })]).errors).toEqual([
      expect.stringMatching(/^target shop\/worker: spec\.triggers\[0\]\.metadata\.namespace: is required/),
      expect.stringMatching(/^target shop\/worker: spec\.triggers\[0\]\.authenticationRef: cannot be replaced: the trigger reads its entity with TriggerAuthentication "sb-auth" and names no namespace\. .* add metadata\.namespace/),
    ]);
  });
});
