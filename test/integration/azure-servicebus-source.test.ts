// The azure-servicebus source with the real @azure/service-bus administration client, against the
// local HTTPS stand-in of Service Bus's ATOM management endpoint (test/support/servicebus-endpoint.ts:
// no local broker serves it, see docs/configuration.md): under the managed identity (tokens from
// the local identity endpoint) and with a connection string (SAS, local development); what the
// service answers when the entity is missing, the identity lacks the role, or it throttles. And
// the wake path: a signal on a wake queue (a storage queue) wakes a Service Bus target.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../shared/config/index.js';
import { SourceError } from '../../shared/errors/index.js';
import { createCredentialFactory } from '../../shared/identity/index.js';
import { createRuntime, createWaker, targetKey, wakeQueuesOf, workloadOf, type Runtime } from '../../shared/runtime/index.js';
import { azureServiceBusMetadataSchema } from '../../shared/sources/azure-servicebus/metadata.js';
import { createSource, type TypedTrigger } from '../../shared/sources/index.js';
import { createMemoryStore } from '../../shared/state/index.js';
import { startIdentityEndpoint, useIdentityEndpoint, type IdentityEndpoint } from '../../local/identity-endpoint.js';
import { SCALER_CLIENT_ID, testIdentities } from '../../local/test-identities.js';
import { recordingTelemetry } from '../e2e/scaler.js';
import { createMemoryKube } from '../support/memory-kube.js';
import { startServiceBusEndpoint, type ServiceBusEndpoint } from '../support/servicebus-endpoint.js';
import { sharedTestCa } from '../support/vitest/provided.js';

const SERVICEBUS_RESOURCE = 'https://servicebus.azure.net';

let identity: IdentityEndpoint;
let bus: ServiceBusEndpoint;
beforeAll(async () => {
  identity = await startIdentityEndpoint({ identities: testIdentities(null) });
  useIdentityEndpoint(identity, SCALER_CLIENT_ID);
  bus = await startServiceBusEndpoint({
    ca: await sharedTestCa(),
    entities: [
      { path: 'orders', activeMessageCount: 12 },
      { path: 'empty', activeMessageCount: 0 },
      { path: 'events/Subscriptions/billing', activeMessageCount: 7 },
    ],
    acceptsToken: (t) => identity.issuedFor(t)?.resource === SERVICEBUS_RESOURCE,
  });
});
afterAll(async () => {
  await bus?.stop();
  await identity?.stop();
});

const credentialFor = createCredentialFactory({ AZURE_CLIENT_ID: SCALER_CLIENT_ID }, true);
/** A trigger read with the managed identity, at the stand-in (fullyQualifiedNamespace: local development). */
const byIdentity = (metadata: Record<string, string>): TypedTrigger => ({ type: 'azure-servicebus', metadata: azureServiceBusMetadataSchema.parse({ fullyQualifiedNamespace: bus.host, ...metadata }) });
/** A trigger read with the stand-in's connection string (SAS). */
const byConnection = (metadata: Record<string, string>): TypedTrigger => ({ type: 'azure-servicebus', metadata: azureServiceBusMetadataSchema.parse({ connectionFromEnv: 'SERVICEBUS', ...metadata }) });
const read = (trigger: TypedTrigger) => createSource(trigger, { credentialFor, settings: { SERVICEBUS: bus.connectionString } }).read();

describe('azure-servicebus source, the real SDK against the ATOM endpoint', () => {
  test.each([
    { name: 'a queue, with the managed identity', trigger: () => byIdentity({ queueName: 'orders' }), want: 12, path: 'orders', auth: 'bearer' },
    { name: 'a topic subscription, with the managed identity', trigger: () => byIdentity({ topicName: 'events', subscriptionName: 'billing' }), want: 7, path: 'events/Subscriptions/billing', auth: 'bearer' },
    { name: 'an empty queue reads 0', trigger: () => byIdentity({ queueName: 'empty' }), want: 0, path: 'empty', auth: 'bearer' },
    { name: 'a queue, with a connection string (local development)', trigger: () => byConnection({ queueName: 'orders' }), want: 12, path: 'orders', auth: 'sas' },
    { name: 'a topic subscription, with a connection string', trigger: () => byConnection({ topicName: 'events', subscriptionName: 'billing' }), want: 7, path: 'events/Subscriptions/billing', auth: 'sas' },
  ])('$name: the active message count', async ({ trigger, want, path, auth }) => {
    const before = bus.requests.length;
    expect(await read(trigger())).toBe(want);
    // One GET of the entity's runtime properties, at the API version the SDK names, authorized as expected.
    expect(bus.requests.slice(before)).toEqual([{ method: 'GET', path, apiVersion: '2021-05', auth, status: 200 }]);
  });

  test('the token asked for is for Service Bus, from the scaler identity', async () => {
    await read(byIdentity({ queueName: 'orders' }));
    expect(identity.requests.filter((r) => r.resource?.startsWith(SERVICEBUS_RESOURCE)).map((r) => r.clientId)).toContain(SCALER_CLIENT_ID);
  });

  const queue = 'queue "orders" in namespace';
  test.each([
    { name: '401 (no Manage claim): access denied, naming the role', fault: { status: 401 } as const, message: new RegExp(`^${queue} 127\\.0\\.0\\.1:\\d+: access denied \\(401 UnauthorizedRequestError: Manage,EntityRead claims required.*the scaler identity needs Azure Service Bus Data Owner on the queue$`) },
    { name: '403: access denied, with the service\'s detail', fault: { status: 403 } as const, message: /: access denied \(403 InvalidOperationError: The request was denied: SubCode=40301\..*needs Azure Service Bus Data Owner on the queue$/ },
    { name: '404: the entity does not exist, with the command that creates it', fault: { status: 404 } as const, message: /^queue "orders" in namespace 127\.0\.0\.1:\d+ does not exist \(404 MessageEntityNotFoundError\); create it: az servicebus queue create --resource-group <its resource group> --namespace-name <namespace> --name orders$/ },
    { name: '429 twice (the retry too): throttled', fault: { status: 429 } as const, times: 2, message: /: throttled by Service Bus \(429\); try a longer pollingInterval$/ },
    { name: '503 twice: throttled (server busy)', fault: { status: 503 } as const, times: 2, message: /: throttled by Service Bus \(503\)/ },
    { name: 'an answer without ActiveMessageCount: an error, never 0', fault: { countDetails: 'missing-active' } as const, message: /: the service's answer has no active message count \(CountDetails\/ActiveMessageCount is missing\)$/ },
    { name: 'an ActiveMessageCount that is not a count: an error', fault: { countDetails: 'missing-active', active: '12abc' } as const, message: /ActiveMessageCount is "12abc"\)$/ },
  ])('$name', async ({ fault, times, message }) => {
    bus.inject(fault, times);
    const reading = read(byIdentity({ queueName: 'orders' }));
    await expect(reading).rejects.toBeInstanceOf(SourceError);
    await expect(reading).rejects.toThrow(message);
  });

  test('one 429 is retried once, and the read succeeds', async () => {
    bus.inject({ status: 429 });
    const before = bus.requests.length;
    expect(await read(byIdentity({ queueName: 'orders' }))).toBe(12);
    expect(bus.requests.slice(before).map((r) => r.status)).toEqual([429, 200]);
  });

  test('a missing entity (the service answers 200 with an empty feed) says so, for a subscription too', async () => {
    await expect(read(byIdentity({ queueName: 'nosuch' }))).rejects.toThrow(/^queue "nosuch" in namespace 127\.0\.0\.1:\d+ does not exist \(200 MessageEntityNotFoundError\); create it: az servicebus queue create/);
    await expect(read(byIdentity({ topicName: 'events', subscriptionName: 'nosuch' }))).rejects.toThrow(
      /^subscription "nosuch" of topic "events" in namespace .* does not exist .*az servicebus topic subscription create --resource-group <its resource group> --namespace-name <namespace> --topic-name events --name nosuch$/,
    );
  });

  test('a token for another audience is refused by the service: access denied', async () => {
    const other = createCredentialFactory({ AZURE_CLIENT_ID: SCALER_CLIENT_ID }, true);
    const storageToken = { getToken: async () => other().getToken('https://storage.azure.com/.default') };
    const source = createSource(byIdentity({ queueName: 'orders' }), { credentialFor: () => storageToken, settings: {} });
    await expect(source.read()).rejects.toThrow(/access denied \(401 UnauthorizedRequestError: claim is empty or token is invalid/);
  });

  test('a connection string with the wrong key is refused: access denied, and the key is never in the message', async () => {
    const wrong = bus.connectionString.replace(/SharedAccessKey=[^;]+/, 'SharedAccessKey=d3Jvbmcta2V5LXdyb25nLWtleQ==');
    const source = createSource(byConnection({ queueName: 'orders' }), { credentialFor, settings: { SERVICEBUS: wrong } });
    const error = await source.read().then(() => undefined, (e: unknown) => e as Error);
    expect(error?.message).toMatch(/access denied \(401/);
    expect(error?.message).not.toContain('d3Jvbmcta2V5');
  });

  test('a connectionFromEnv setting that is not set is a SourceError naming it', async () => {
    const source = createSource(byConnection({ queueName: 'orders' }), { credentialFor, settings: {} });
    await expect(source.read()).rejects.toThrow('queue "orders": app setting "SERVICEBUS" (connectionFromEnv) is not set');
  });
});

describe('the wake path wakes a Service Bus target', () => {
  /** A target reading Service Bus queue `orders` at the stand-in, with a wake queue of the same name (a storage queue: another service). */
  function bench(): { runtime: Runtime; kube: ReturnType<typeof createMemoryKube>; waker: ReturnType<typeof createWaker> } {
    const settings = {
      SCALER_LOCAL_DEVELOPMENT: 'true',
      AzureWebJobsStorage__accountName: 'scalerapp',
      SERVICEBUS: bus.connectionString,
      SCALER_CLUSTERS: JSON.stringify({ test: { context: 'test' } }),
      SCALER_TARGETS: JSON.stringify([{
        name: 'billing', namespace: 'shop', scaleTargetRef: { name: 'billing' }, minReplicaCount: 0,
        triggers: [{ type: 'azure-servicebus', metadata: { queueName: 'orders', connectionFromEnv: 'SERVICEBUS' } }],
        wake: { queueName: 'orders' },
      }]),
    };
    expect(loadConfig(settings).errors).toEqual([]);
    const kube = createMemoryKube();
    const runtime: Runtime = { ...createRuntime(settings, { telemetry: recordingTelemetry(), store: createMemoryStore(), now: () => Date.parse('2026-12-02T10:00:00Z') }), kube };
    for (const t of runtime.targets) kube.create(workloadOf(t.target), 0);
    return { runtime, kube, waker: createWaker(runtime) };
  }

  test('a signal on its wake queue scales it from 0, reading the queue through Service Bus: 12 messages / 5 = 3 replicas', async () => {
    const { runtime, kube, waker } = bench();
    const before = bus.requests.length;
    const handled = await waker.handle(wakeQueuesOf(runtime.config.targets)[0]!, '{}');
    expect(handled.outcomes).toEqual([{ target: targetKey(runtime.targets[0]!.target), result: 'woken', replicas: 3 }]);
    expect(kube.writes.map((w) => [w.ref.name, w.replicas])).toEqual([['billing', 3]]);
    expect(bus.requests.slice(before).map((r) => [r.path, r.status])).toEqual([['orders', 200]]);
  });

  test('while Service Bus refuses the read, the signal wakes it to the activation floor, and never fails silently', async () => {
    const { runtime, kube, waker } = bench();
    bus.inject({ status: 401 }, 2);
    const handled = await waker.handle(wakeQueuesOf(runtime.config.targets)[0]!, '{}');
    // Force-activation with a failing trigger: the wake still brings one replica up (docs/wake.md).
    expect(handled.outcomes[0]).toMatchObject({ result: 'woken' });
    expect(kube.writes.map((w) => w.replicas)).toEqual([1]);
  });
});
