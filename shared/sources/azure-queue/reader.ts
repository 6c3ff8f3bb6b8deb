// Azure Storage Queue length, as KEDA's azure-queue scaler reads it: the approximate count
// (`all`, includes in-flight messages), or a peek of up to 32 visible messages that falls back
// to the approximate count when the peek is full (`visibleonly`).
import { RestError } from '@azure/core-rest-pipeline';
import type { QueueClient } from '@azure/storage-queue';
import type { Settings } from '../../schema/index.js';
import { SourceError } from '../../errors/index.js';
import { deadline, type Source, type SourceDeps } from '../source.js';
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

export function createAzureQueueSource(m: AzureQueueMetadata, deps: SourceDeps): Source {
  let client: QueueClient | undefined;
  const timeoutMs = deps.timeoutMs ?? QUEUE_TIMEOUT_MS;
  return {
    async read(caller) {
      const signal = deadline(timeoutMs, caller);
      try {
        client ??= queueClientIn(m, m.queueName, deps.credentialFor(m.identityClientId), deps.settings);
        if (m.queueLengthStrategy === 'visibleonly') {
          const peek = await client.peekMessages({ numberOfMessages: PEEK_LIMIT, abortSignal: signal });
          if (peek.peekedMessageItems.length < PEEK_LIMIT) return peek.peekedMessageItems.length;
        }
        const properties = await client.getProperties({ abortSignal: signal });
        return messageCount(m, properties.approximateMessagesCount);
      } catch (e) {
        if (e instanceof SourceError) throw e;
        throw explainFailure(m, e, deps.settings);
      }
    },
  };
}
