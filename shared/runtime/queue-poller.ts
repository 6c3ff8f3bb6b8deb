// A queue trigger outside the Functions host, for `cli run` and the tests: it polls a queue as
// the host does (back-off up to maxPollingInterval, a batch at a time, a visibility timeout),
// deletes a message its handler settled, leaves a failed one to come back, and moves one that
// failed maxDequeueCount times to <queue>-poison.
import { RestError } from '@azure/core-rest-pipeline';
import type { QueueClient } from '@azure/storage-queue';
import { setTimeout as sleep } from 'node:timers/promises';

/** The queue settings of host.json (extensions.queues), in milliseconds. */
export interface QueueTriggerSettings {
  maxPollingIntervalMs: number;
  visibilityTimeoutMs: number;
  batchSize: number;
  maxDequeueCount: number;
  messageEncoding: 'none' | 'base64';
}

/** "00:00:01" or "00:00:00.100" -> milliseconds. */
function parseTimeSpan(text: string): number {
  const match = /^(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a time span (hh:mm:ss)`);
  return ((Number(match[1]) * 60 + Number(match[2])) * 60 + Number(match[3])) * 1000;
}

/** Reads host.json's extensions.queues with the host's defaults. */
export function queueTriggerSettings(hostJson: unknown): QueueTriggerSettings {
  const queues = ((hostJson as { extensions?: { queues?: Record<string, unknown> } })?.extensions?.queues ?? {}) as Record<string, string | number | undefined>;
  return {
    maxPollingIntervalMs: parseTimeSpan(String(queues.maxPollingInterval ?? '00:01:00')),
    visibilityTimeoutMs: parseTimeSpan(String(queues.visibilityTimeout ?? '00:00:00')),
    batchSize: Number(queues.batchSize ?? 16),
    maxDequeueCount: Number(queues.maxDequeueCount ?? 5),
    messageEncoding: queues.messageEncoding === 'none' ? 'none' : 'base64',
  };
}

/**
 * A message that is no longer there (404: it expired while its handler ran, e.g. a shard message
 * past its time to live, or was deleted) cannot be settled: there is nothing left to do with it.
 */
const settled = (call: Promise<unknown>): Promise<void> =>
  call.then(
    () => undefined,
    (e: unknown) => {
      if (!(e instanceof RestError && e.statusCode === 404)) throw e;
    },
  );

export type MessageHandler = (message: Buffer, meta: { id: string; dequeueCount: number }) => Promise<void>;

export interface PollResult {
  handled: number;
  failed: number;
  poisoned: number;
}

/** Receives one batch and runs the handler on each message, as the host does. */
export async function pollOnce(queue: QueueClient, poison: QueueClient, settings: QueueTriggerSettings, handler: MessageHandler): Promise<PollResult> {
  const result: PollResult = { handled: 0, failed: 0, poisoned: 0 };
  const batch = await queue.receiveMessages({
    numberOfMessages: Math.min(32, settings.batchSize),
    // The host keeps a message invisible while it runs; 10 minutes is its default lease.
    visibilityTimeout: 600,
  });
  const toPoison = async (m: { messageId: string; popReceipt: string; messageText: string }): Promise<void> => {
    await poison.createIfNotExists();
    await poison.sendMessage(m.messageText);
    await queue.deleteMessage(m.messageId, m.popReceipt);
    result.poisoned++;
  };
  await Promise.all(
    batch.receivedMessageItems.map(async (m) => {
      // A message past the limit without a recorded failure (its handler's process died).
      if (m.dequeueCount > settings.maxDequeueCount) return toPoison(m);
      const body = settings.messageEncoding === 'base64' ? Buffer.from(m.messageText, 'base64') : Buffer.from(m.messageText, 'utf8');
      try {
        await handler(body, { id: m.messageId, dequeueCount: m.dequeueCount });
        await settled(queue.deleteMessage(m.messageId, m.popReceipt));
        result.handled++;
      } catch {
        if (m.dequeueCount >= settings.maxDequeueCount) return toPoison(m);
        // Back on the queue after visibilityTimeout, with its dequeue count raised next time.
        await settled(queue.updateMessage(m.messageId, m.popReceipt, undefined, Math.ceil(settings.visibilityTimeoutMs / 1000)));
        result.failed++;
      }
    }),
  );
  return result;
}

/** Polls until `signal` aborts: immediately while there is work, backing off to the maximum when idle. */
export async function pollQueue(queue: QueueClient, poison: QueueClient, settings: QueueTriggerSettings, handler: MessageHandler, signal: AbortSignal): Promise<void> {
  const minimumMs = 100;
  let delayMs = minimumMs;
  while (!signal.aborted) {
    const result = await pollOnce(queue, poison, settings, handler).catch(() => ({ handled: 0, failed: 0, poisoned: 0 }));
    const busy = result.handled + result.failed + result.poisoned > 0;
    delayMs = busy ? minimumMs : Math.min(delayMs * 2, settings.maxPollingIntervalMs);
    await sleep(delayMs, undefined, { signal }).catch(() => undefined);
  }
}
