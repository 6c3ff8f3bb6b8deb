// The azure-queue source against Azurite: what it reads is what KEDA reads. And what the
// registry builds for the wake path from the same folder: forward mode's sender, the wake queues.
import { randomBytes } from 'node:crypto';
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
