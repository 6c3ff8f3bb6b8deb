// The demo's workload: no pods run (there is no kubelet), so the Deployment's replicas are
// simulated here, each working through a fixed number of messages per tick.
import type { QueueClient } from '@azure/storage-queue';

/** Azure Storage returns at most 32 messages per receive. */
const BATCH = 32;

/** How many messages `replicas` consumers process in one tick. */
export const tickCapacity = (replicas: number, perReplicaPerTick: number): number => Math.max(0, replicas) * perReplicaPerTick;

/** Receives and deletes up to `count` messages; returns how many there were. */
export async function consumeMessages(queue: QueueClient, count: number): Promise<number> {
  let done = 0;
  while (done < count) {
    const { receivedMessageItems: batch } = await queue.receiveMessages({ numberOfMessages: Math.min(BATCH, count - done), visibilityTimeout: 60 });
    if (batch.length === 0) break;
    await Promise.all(batch.map((m) => queue.deleteMessage(m.messageId, m.popReceipt)));
    done += batch.length;
  }
  return done;
}
