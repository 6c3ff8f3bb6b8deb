// The runtime of the Functions host, as the entry points see it. Importing it registers the
// functions with what the configuration alone gives (the schedule, the wake queues, the shard
// queue); the clients, the SDKs and the telemetry (host-invocations.ts, most of the bundle) are
// loaded by the first invocation, so a new instance's import stays short (bench/README.md: cold
// start). The shard workers' app (SCALER_SHARD_WORKER) runs the shard function alone.
import { appSettings, loadConfig } from '../config/index.js';
import { redactedError, redactSecrets } from '../redact/index.js';
import type { HandledMessage } from './wake.js';
import { wakeQueuesOf, type WakeQueue } from './wake-functions.js';

export type { WakeQueue } from './wake-functions.js';

let invocations: Promise<typeof import('./host-invocations.js')> | undefined;
const loadInvocations = (): Promise<typeof import('./host-invocations.js')> => (invocations ??= import('./host-invocations.js'));

/** One tick of this process's evaluation loop (the first loads the runtime): what it did, and its warnings, for the host's log. */
export async function hostTick(): Promise<{ summary: string; warnings: string[] }> {
  return (await loadInvocations()).tick();
}

/** The timer's schedule, as checked at load: a bad value is reported once (with the configuration) and the default used. */
export const hostSchedule = (): string => appSettings(process.env).schedule;

/**
 * SCALER_SHARD_WORKER: this app is the shard workers' (docs/architecture.md, "Fan-out"): it runs
 * the shard function alone, with host.json's queue batch of 1, and never the timer or a wake queue.
 */
export const hostIsShardWorker = (): boolean => appSettings(process.env).shardWorker;

/** The wake queues of the configuration, one queue-triggered function each (none in the shard workers' app). */
export const hostWakeQueues = (): WakeQueue[] => (hostIsShardWorker() ? [] : wakeQueuesOf(loadConfig(process.env).targets));

/** The shard queue the shard function is triggered by, in the shard workers' app only. */
export const hostShardQueue = (): { queueName: string; connection: 'AzureWebJobsStorage' } | undefined =>
  hostIsShardWorker() ? { queueName: appSettings(process.env).shardQueue, connection: 'AzureWebJobsStorage' } : undefined;

/**
 * The host delivers the message as bytes (dataType binary), so forwarding is byte for byte: a
 * string would have been JSON-parsed by the worker, losing big integers and white space.
 */
export function messageText(message: unknown): string {
  if (Buffer.isBuffer(message) || message instanceof Uint8Array) return Buffer.from(message).toString('utf8');
  return typeof message === 'string' ? message : JSON.stringify(message);
}

/**
 * One shard of a tick, summed up for the host's log. A message that is not a shard message throws
 * (ShardMessageError, naming the field), so the host retries it and moves it to <queue>-poison;
 * nothing of it is evaluated.
 */
export async function hostShard(message: unknown): Promise<{ summary: string; warnings: string[] }> {
  const { hostRuntime, shard } = await loadInvocations();
  try {
    return await shard(messageText(message));
  } catch (e) {
    throw redactedError(e);
  } finally {
    await hostRuntime().telemetry.flush();
  }
}

/** What the wake function returns or throws is logged by the host: secrets are redacted from it. */
export async function hostWake(queue: WakeQueue, message: unknown): Promise<HandledMessage> {
  const { hostRuntime, hostWaker } = await loadInvocations();
  try {
    const handled = await hostWaker().handle(queue, messageText(message));
    return { ...handled, warnings: handled.warnings.map(redactSecrets) };
  } catch (e) {
    throw redactedError(e);
  } finally {
    await hostRuntime().telemetry.flush();
  }
}
