// The azure-queue source against Azurite: what it reads is what KEDA reads. And what the
// registry builds for the wake path from the same folder: forward mode's sender, the wake queues.
import { randomBytes } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { QueueServiceClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SourceError } from '../../shared/errors/index.js';
import { createCredentialFactory } from '../../shared/identity/index.js';
import { azureQueueMetadataSchema } from '../../shared/sources/azure-queue/metadata.js';
import { createAzureQueueSource } from '../../shared/sources/azure-queue/reader.js';
import { connectionQueueClients, createSender, createSource, type TypedTrigger } from '../../shared/sources/index.js';
import { startAzurite, type Azurite } from '../../local/azurite.js';

let azurite: Azurite;
let service: QueueServiceClient;
beforeAll(async () => {
  azurite = await startAzurite();
  service = QueueServiceClient.fromConnectionString(azurite.connectionString);
});
afterAll(() => azurite?.stop());

/** A queue with `total` messages of which `inFlight` are received (invisible) and not deleted. */
async function queueWith(total: number, inFlight: number): Promise<string> {
  const name = `q${randomBytes(4).toString('hex')}`;
  const queue = service.getQueueClient(name);
  await queue.create();
  for (let i = 0; i < total; i++) await queue.sendMessage(`m${i}`);
  for (let got = 0; got < inFlight; ) got += (await queue.receiveMessages({ numberOfMessages: Math.min(32, inFlight - got), visibilityTimeout: 600 })).receivedMessageItems.length;
  return name;
}

const source = (metadata: Record<string, string>) =>
  createAzureQueueSource(azureQueueMetadataSchema.parse({ connectionFromEnv: 'QUEUES', ...metadata }), {
    credentialFor: createCredentialFactory({}, true),
    settings: { QUEUES: azurite.connectionString },
  });

describe('azure-queue source', () => {
  test.each([
    // name, messages, in flight, strategy, expected length
    { name: 'all counts in-flight messages', total: 10, inFlight: 4, strategy: 'all', want: 10 },
    { name: 'visibleonly counts visible messages only', total: 10, inFlight: 4, strategy: 'visibleonly', want: 6 },
    { name: 'visibleonly with a full peek falls back to the approximate count', total: 40, inFlight: 0, strategy: 'visibleonly', want: 40 },
    { name: 'visibleonly at 31 visible peeks them all', total: 31, inFlight: 0, strategy: 'visibleonly', want: 31 },
    { name: 'an empty queue reads 0', total: 0, inFlight: 0, strategy: 'all', want: 0 },
  ])('$name', async ({ total, inFlight, strategy, want }) => {
    const queueName = await queueWith(total, inFlight);
    expect(await source({ queueName, queueLengthStrategy: strategy }).read()).toBe(want);
  });

  test('a missing queue is a SourceError naming the queue', async () => {
    const read = source({ queueName: 'no-such-queue' }).read();
    await expect(read).rejects.toBeInstanceOf(SourceError);
    await expect(read).rejects.toThrow('queue "no-such-queue" does not exist (404 QueueNotFound)');
  });

  test('a connectionFromEnv setting that is not set is a SourceError naming it', async () => {
    const missing = createAzureQueueSource(azureQueueMetadataSchema.parse({ queueName: 'orders', connectionFromEnv: 'NOPE' }), {
      credentialFor: createCredentialFactory({}, true),
      settings: {},
    });
    await expect(missing.read()).rejects.toThrow('queue "orders": app setting "NOPE" (connectionFromEnv) is not set');
  });
});

describe('azure-queue source: the oldest message\'s age (messageAgeTarget)', () => {
  const WAIT_MS = 2_100;
  /** Queues whose messages were put on `WAIT_MS` or more before the reads, and when (the local clock, Azurite's too). */
  const aged: { queues: Record<string, string>; sentAt: number } = { queues: {}, sentAt: 0 };
  /** Queue requests to Azurite made while `fn` runs (the storage account bills each). */
  async function counted<T>(fn: () => Promise<T>): Promise<{ result: T; requests: number }> {
    let requests = 0;
    const port = `:${new URL(azurite.queueEndpoint).port}`;
    const onRequest = (message: unknown): void => {
      if (String((message as { request: ClientRequest }).request.getHeader('host') ?? '').endsWith(port)) requests++;
    };
    subscribe('http.client.request.start', onRequest);
    try {
      return { result: await fn(), requests };
    } finally {
      unsubscribe('http.client.request.start', onRequest);
    }
  }

  beforeAll(async () => {
    aged.sentAt = Date.now();
    aged.queues = { three: await queueWith(3, 0), inFlight: await queueWith(2, 2), forty: await queueWith(40, 0), empty: await queueWith(0, 0) };
    // Insertion times are Azurite's real clock: the messages must really wait.
    await new Promise((resolve) => setTimeout(resolve, WAIT_MS));
  });

  test.each<{ name: string; queue: string; metadata: Record<string, string>; value: number; aged: boolean | undefined; requests: number }>([
    // The length as before; the age from one peek, one more request only for `all` with an age target.
    { name: 'all, with an age target: Get Queue Metadata and a peek of one', queue: 'three', metadata: { messageAgeTarget: '30' }, value: 3, aged: true, requests: 2 },
    { name: 'visibleonly, with an age target: its own peek gives the age too', queue: 'three', metadata: { messageAgeTarget: '30', queueLengthStrategy: 'visibleonly' }, value: 3, aged: true, requests: 1 },
    { name: 'visibleonly with a full peek: the count, and the age of the oldest peeked', queue: 'forty', metadata: { messageAgeTarget: '30', queueLengthStrategy: 'visibleonly' }, value: 40, aged: true, requests: 2 },
    { name: 'all, no age target: a number, one request', queue: 'three', metadata: {}, value: 3, aged: undefined, requests: 1 },
    { name: 'an empty queue: age 0', queue: 'empty', metadata: { messageAgeTarget: '30' }, value: 0, aged: false, requests: 2 },
    { name: 'every message in flight: counted by all, invisible to the peek, age 0', queue: 'inFlight', metadata: { messageAgeTarget: '30' }, value: 2, aged: false, requests: 2 },
  ])('$name', async ({ queue, metadata, value, aged: older, requests }) => {
    const { result, requests: made } = await counted(() => source({ queueName: aged.queues[queue]!, ...metadata }).read());
    const elapsedS = (Date.now() - aged.sentAt) / 1000;
    expect(made).toBe(requests);
    if (older === undefined) return expect(result).toBe(value);
    expect(result).toEqual({ value, age: expect.any(Number) });
    const { age } = result as { age: number };
    // Whole seconds of Azurite's clock between the insertion and its answer's Date header.
    if (older) expect([age >= Math.floor(WAIT_MS / 1000), age <= Math.ceil(elapsedS) + 1]).toEqual([true, true]);
    else expect(age).toBe(0);
  });
});

describe('azure-queue through the registry', () => {
  const credentialFor = createCredentialFactory({}, true);
  const trigger = (queueName: string): TypedTrigger => ({ type: 'azure-queue', metadata: azureQueueMetadataSchema.parse({ queueName, connectionFromEnv: 'QUEUES' }) });

  test("forward mode's sender puts each message, as it is, on a queue in the trigger's account", async () => {
    const work = await queueWith(0, 0);
    const settings = { QUEUES: azurite.connectionString };
    // The sender of a target's first trigger (reading another queue) sends to forwardTo next to it.
    const sender = createSender(trigger('orders'), { credential: credentialFor(), settings });
    await sender.send(work, 'order 1');
    await sender.send(work, '{"order": 2, "note": "é"}');
    expect(await createSource(trigger(work), { credentialFor, settings }).read()).toBe(2);
    const got = await service.getQueueClient(work).receiveMessages({ numberOfMessages: 32 });
    expect(got.receivedMessageItems.map((m) => m.messageText)).toEqual(['order 1', '{"order": 2, "note": "é"}']);
  });

  test('a failed send names the queue and the service\'s error code', async () => {
    const sender = createSender(trigger('orders'), { credential: credentialFor(), settings: { QUEUES: azurite.connectionString } });
    await expect(sender.send('no-such-queue', 'x')).rejects.toThrow(/^forwarding the message to queue no-such-queue failed: .* \(QueueNotFound\)$/);
  });

  test('a wake queue and its poison queue open from a Functions connection', async () => {
    const name = await queueWith(3, 0);
    const clients = connectionQueueClients({ connectionString: azurite.connectionString }, 'AzureWebJobsStorage', name, credentialFor);
    expect((await clients.queue.getProperties()).approximateMessagesCount).toBe(3);
    expect(clients.poison.name).toBe(`${name}-poison`);
    expect(() => connectionQueueClients({}, 'SCALER_WAKE_shopdata', name, credentialFor)).toThrow(
      `wake queue ${name}: connection SCALER_WAKE_shopdata is not set (SCALER_WAKE_shopdata, or SCALER_WAKE_shopdata__queueServiceUri with __credential and __clientId)`,
    );
    expect(connectionQueueClients({ accountName: 'shopdata' }, 'SCALER_WAKE_shopdata', 'orders-wake', credentialFor).poison.url).toBe('https://shopdata.queue.core.windows.net/orders-wake-poison');
  });
});
