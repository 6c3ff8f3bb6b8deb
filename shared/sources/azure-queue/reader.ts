// Azure Storage Queue length, as KEDA's azure-queue scaler reads it: the approximate count
// (`all`, includes in-flight messages), or a peek of up to 32 visible messages that falls back
// to the approximate count when the peek is full (`visibleonly`). With messageAgeTarget, also
// the age of the oldest visible message, from a peek (docs/configuration.md, "Message age").
import { RestError } from '@azure/core-rest-pipeline';
import type { QueueClient } from '@azure/storage-queue';
import type { Settings } from '../../schema/index.js';
import { SourceError, withDeadline } from '../../errors/index.js';
import type { Source, SourceDeps } from '../source.js';
import { QUEUE_TIMEOUT_MS, queueClientIn, where } from './clients.js';
import { grants } from './grants.js';
import type { AzureQueueMetadata } from './metadata.js';

/** The REST API caps a peek at 32 messages. */
const PEEK_LIMIT = 32;

/**
 * The Azure CLI command that creates the queue of `m`, in the account its metadata names. A
 * connection string is a secret, so only UseDevelopmentStorage=true is written out; any other is
 * named by its setting.
 */
export function createQueueCommand(m: AzureQueueMetadata, settings: Settings): string {
  const create = `az storage queue create --name ${m.queueName}`;
  if (m.connectionFromEnv) {
    const value = settings[m.connectionFromEnv]?.trim() ?? '';
    return /^UseDevelopmentStorage=true$/i.test(value)
      ? `${create} --connection-string "UseDevelopmentStorage=true"`
      : `${create} --connection-string "<the connection string of app setting ${m.connectionFromEnv}>"`;
  }
  if (m.queueServiceUri) return `${create} --queue-endpoint ${m.queueServiceUri} --auth-mode login`;
  return `${create} --account-name ${m.accountName} --auth-mode login`;
}

/** Turns SDK failures into a message an operator can act on. */
function explainFailure(m: AzureQueueMetadata, e: unknown, settings: Settings): SourceError {
  const status = e instanceof RestError ? e.statusCode : undefined;
  const code = e instanceof RestError ? e.code : undefined;
  const detail = e instanceof Error ? e.message.split('\n')[0] : String(e);
  if (status === 404) return new SourceError(`${where(m)} does not exist (404 ${code ?? 'QueueNotFound'}); create it: ${createQueueCommand(m, settings)}`, { cause: e });
  if (status === 403 || status === 401) {
    return new SourceError(`${where(m)}: access denied (${status} ${code ?? ''}); the scaler identity needs ${grants.read.name} on the queue`, { cause: e });
  }
  if (status === 429 || status === 503) return new SourceError(`${where(m)}: throttled by the storage service (${status}); try a longer pollingInterval`, { cause: e });
  if (e instanceof Error && e.name === 'AbortError') return new SourceError(`${where(m)}: no answer within the time allowed (the storage service is slow or unreachable)`, { cause: e });
  // The SDK's message is often only "Unexpected status code: 500": the status and the service's error code say more.
  const answer = status ? `${status}${code ? ` ${code}` : ''}: ` : '';
  return new SourceError(`${where(m)}: cannot read the queue length: ${answer}${detail}`, { cause: e });
}

/**
 * The count the service answered. An answer without one, or with something that is not a count,
 * is an error (the target holds): read as 0 it would look like an empty queue and scale down.
 */
function messageCount(m: AzureQueueMetadata, count: number | undefined): number {
  if (count === undefined) throw new SourceError(`${where(m)}: the service's answer has no message count (x-ms-approximate-messages-count)`);
  if (!Number.isSafeInteger(count) || count < 0) throw new SourceError(`${where(m)}: the service answered ${count} as the message count, which is not a count`);
  return count;
}

/** What one peek tells: how many visible messages it saw (up to its limit), and how long the oldest of them has waited. */
interface Peeked {
  visible: number;
  /** Measured only when asked: a length-only read does not depend on the answer's Date header. */
  ageSeconds(): number;
}

/**
 * Seconds from the oldest peeked message's insertion to the answer's `Date` header: both the
 * service's clock, so the scaler's own clock does not count. An empty peek is age 0. An answer
 * without a Date header or with a time that does not read is an error (the target holds); an
 * insertion after the Date (one server's clock against another's) is age 0: it has just arrived.
 */
export function ageOfPeek(m: AzureQueueMetadata, date: Date | undefined, inserted: readonly Date[]): number {
  if (inserted.length === 0) return 0;
  const answered = date?.getTime();
  if (answered === undefined || Number.isNaN(answered)) throw new SourceError(`${where(m)}: the service's answer to the peek has no Date header to measure the message age against`);
  const oldest = Math.min(...inserted.map((t) => t.getTime()));
  if (Number.isNaN(oldest)) throw new SourceError(`${where(m)}: the service's answer to the peek has a message without an insertion time`);
  return Math.max(0, Math.floor((answered - oldest) / 1000));
}

async function peek(m: AzureQueueMetadata, client: QueueClient, numberOfMessages: number, signal: AbortSignal): Promise<Peeked> {
  const answer = await client.peekMessages({ numberOfMessages, abortSignal: signal });
  const items = answer.peekedMessageItems;
  return { visible: items.length, ageSeconds: () => ageOfPeek(m, answer.date, items.map((i) => i.insertedOn)) };
}

/**
 * One read: the length as KEDA reads it, and with messageAgeTarget the oldest visible message's
 * age. `visibleonly` already peeks, and its peek gives the age too; `all` adds a peek of one
 * message, next to Get Queue Metadata, only when the age is asked for.
 */
export function createAzureQueueSource(m: AzureQueueMetadata, deps: SourceDeps): Source {
  let client: QueueClient | undefined;
  const timeoutMs = deps.timeoutMs ?? QUEUE_TIMEOUT_MS;
  const withAge = m.messageAgeTarget !== undefined;
  return {
    async read(caller) {
      try {
        return await withDeadline(timeoutMs, async (signal) => {
          const queue = (client ??= queueClientIn(m, m.queueName, deps.credentialFor(m.identityClientId), deps.settings));
          const approximate = async (): Promise<number> => messageCount(m, (await queue.getProperties({ abortSignal: signal })).approximateMessagesCount);
          if (m.queueLengthStrategy === 'visibleonly') {
            const peeked = await peek(m, queue, PEEK_LIMIT, signal);
            const value = peeked.visible < PEEK_LIMIT ? peeked.visible : await approximate();
            return withAge ? { value, age: peeked.ageSeconds() } : value;
          }
          if (!withAge) return await approximate();
          const [value, peeked] = await Promise.all([approximate(), peek(m, queue, 1, signal)]);
          return { value, age: peeked.ageSeconds() };
        }, caller);
      } catch (e) {
        if (e instanceof SourceError) throw e;
        throw explainFailure(m, e, deps.settings);
      }
    },
  };
}
