import { TableClient } from '@azure/data-tables';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAzurite, type Azurite } from '../../../local/azurite.js';

describe('Azurite queue and table services (shared key, http)', () => {
  let azurite: Azurite;
  let service: QueueServiceClient;
  beforeAll(async () => {
    azurite = await startAzurite();
    service = QueueServiceClient.fromConnectionString(azurite.connectionString);
  });
  afterAll(() => azurite?.stop());

  async function queueWith(messages: number): Promise<QueueClient> {
    const queue = service.getQueueClient(`q${Date.now()}${Math.floor(Math.random() * 1e6)}`);
    await queue.create();
    for (let i = 0; i < messages; i++) await queue.sendMessage(`message ${i}`);
    return queue;
  }

  test('approximate count includes in-flight messages; peek shows only visible ones', async () => {
    const queue = await queueWith(10);
    const received = await queue.receiveMessages({ numberOfMessages: 3, visibilityTimeout: 60 });
    expect(received.receivedMessageItems).toHaveLength(3);

    expect((await queue.getProperties()).approximateMessagesCount).toBe(10);
    expect((await queue.peekMessages({ numberOfMessages: 32 })).peekedMessageItems).toHaveLength(7);
  });

  test('peek returns at most 32 of 40, and more than 32 is refused', async () => {
    const queue = await queueWith(40);
    await queue.receiveMessages({ numberOfMessages: 5, visibilityTimeout: 60 });

    expect((await queue.getProperties()).approximateMessagesCount).toBe(40);
    expect((await queue.peekMessages({ numberOfMessages: 32 })).peekedMessageItems).toHaveLength(32);
    await expect(queue.peekMessages({ numberOfMessages: 33 })).rejects.toMatchObject({ statusCode: 400 });
  });

  test('deleted messages leave the count', async () => {
    const queue = await queueWith(4);
    const [message] = (await queue.receiveMessages({ numberOfMessages: 1 })).receivedMessageItems;
    await queue.deleteMessage(message!.messageId, message!.popReceipt);

    expect((await queue.getProperties()).approximateMessagesCount).toBe(3);
  });

  test('the table service stores and conditionally updates an entity', async () => {
    const table = TableClient.fromConnectionString(azurite.connectionString, 'harness', { allowInsecureConnection: true });
    await table.createTable();
    await table.createEntity({ partitionKey: 'p', rowKey: 'r', replicas: 1 });
    const stored = await table.getEntity<{ replicas: number }>('p', 'r');
    await table.updateEntity({ partitionKey: 'p', rowKey: 'r', replicas: 2 }, 'Replace', { etag: stored.etag });

    await expect(table.updateEntity({ partitionKey: 'p', rowKey: 'r', replicas: 3 }, 'Replace', { etag: stored.etag }))
      .rejects.toMatchObject({ statusCode: 412 });
    expect((await table.getEntity<{ replicas: number }>('p', 'r')).replicas).toBe(2);
  });
});
