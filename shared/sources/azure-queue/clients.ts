// Azure Storage queue clients, built in one place: the queue a trigger reads and the queues
// forward mode sends to (in the account its metadata names), and the wake queues the local host
// polls (from a Functions connection, as the Functions host opens them).
import { RestError } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import { QueueServiceClient, type QueueClient, type StoragePipelineOptions } from '@azure/storage-queue';
import { messageOf, ScalerError, SourceError, withDeadline } from '../../errors/index.js';
import type { CredentialFactory } from '../../identity/index.js';
import type { Settings } from '../../schema/index.js';
import type { Sender, SenderDeps } from '../source.js';
import { queueServiceUrl, type AzureQueueMetadata } from './metadata.js';

// One retry (KEDA retries once too). tryTimeoutInMs is not honoured by the client (12.x on
// @typespec/ts-http-runtime): a stalled account would hang the call, so calls carry a deadline.
const PIPELINE: StoragePipelineOptions = { retryOptions: { maxTries: 2, tryTimeoutInMs: 10_000, retryDelayInMs: 200 } };

/** A queue call (both tries) that takes longer than this fails: a read holds its trigger, a send fails its message. */
export const QUEUE_TIMEOUT_MS = 10_000;

/** The queue of `m` in messages: `queue "orders" in account "shopdata"`. */
export const where = (m: AzureQueueMetadata, queueName = m.queueName): string =>
  m.accountName ? `queue "${queueName}" in account "${m.accountName}"` : `queue "${queueName}"`;

/**
 * The account's service clients, by who they are made for (the settings for a connection string,
 * else the identity's credential) and then the connection string or service URL. Its queue
 * clients (getQueueClient) share its HTTP pipeline: a QueueClient made on its own builds a
 * pipeline of its own, about 13 KB a queue (bench/README.md, goal 4).
 */
const serviceClients = new WeakMap<object, Map<string, QueueServiceClient>>();

function serviceClient(owner: object, key: string, make: () => QueueServiceClient): QueueServiceClient {
  let clients = serviceClients.get(owner);
  if (!clients) serviceClients.set(owner, (clients = new Map()));
  let client = clients.get(key);
  if (!client) clients.set(key, (client = make()));
  return client;
}

/**
 * A client for `queueName` in the account that `m` names: by its connection string for local
 * development (connectionFromEnv), else by URL with `credential`; one pipeline per account.
 */
export function queueClientIn(m: AzureQueueMetadata, queueName: string, credential: TokenCredential, settings: Settings): QueueClient {
  if (m.connectionFromEnv) {
    const connection = settings[m.connectionFromEnv];
    if (!connection) throw new SourceError(`${where(m, queueName)}: app setting "${m.connectionFromEnv}" (connectionFromEnv) is not set`);
    return serviceClient(settings, connection, () => QueueServiceClient.fromConnectionString(connection, PIPELINE)).getQueueClient(queueName);
  }
  const service = queueServiceUrl(m)!.replace(/\/$/, '');
  return serviceClient(credential, service, () => new QueueServiceClient(service, credential, PIPELINE)).getQueueClient(queueName);
}

/**
 * Forward mode's sender: each message to a queue in the account of `m`, with the host's
 * identity, one client per queue. A failed send throws, naming the queue and the service's code.
 */
export function createAzureQueueSender(m: AzureQueueMetadata, deps: SenderDeps): Sender {
  const clients = new Map<string, QueueClient>();
  return {
    async send(queueName, body, signal) {
      const client = clients.get(queueName) ?? queueClientIn(m, queueName, deps.credential, deps.settings);
      clients.set(queueName, client);
      await withDeadline(deps.timeoutMs ?? QUEUE_TIMEOUT_MS, (abortSignal) => client.sendMessage(body, { abortSignal }), signal).catch((e: unknown) => {
        const code = e instanceof RestError && e.code ? ` (${e.code})` : '';
        throw new ScalerError(`forwarding the message to queue ${queueName} failed: ${messageOf(e)}${code}`, { cause: e });
      });
    },
  };
}

/** A Functions connection to a storage account (AzureWebJobsStorage, SCALER_WAKE_<account>), as checked at load. */
export interface QueueConnection {
  /** The setting itself: a connection string (local development). */
  connectionString?: string | undefined;
  accountName?: string | undefined;
  queueServiceUri?: string | undefined;
  serviceUri?: string | undefined;
  clientId?: string | undefined;
}

/**
 * A wake queue and its poison queue as the Functions host opens them from the function's
 * connection `name`: the connection string (local development), or __queueServiceUri (else
 * __serviceUri, else __accountName) with the identity of __clientId.
 */
export function connectionQueueClients(connection: QueueConnection, name: string, queueName: string, credentialFor: CredentialFactory): { queue: QueueClient; poison: QueueClient } {
  const poisonName = `${queueName}-poison`;
  const { connectionString, accountName, queueServiceUri, serviceUri, clientId } = connection;
  if (connectionString) {
    const service = QueueServiceClient.fromConnectionString(connectionString);
    return { queue: service.getQueueClient(queueName), poison: service.getQueueClient(poisonName) };
  }
  const uri = queueServiceUri ?? serviceUri ?? (accountName ? `https://${accountName}.queue.core.windows.net` : undefined);
  if (!uri) throw new ScalerError(`wake queue ${queueName}: connection ${name} is not set (${name}, or ${name}__queueServiceUri with __credential and __clientId)`);
  const service = new QueueServiceClient(uri, credentialFor(clientId));
  return { queue: service.getQueueClient(queueName), poison: service.getQueueClient(poisonName) };
}
