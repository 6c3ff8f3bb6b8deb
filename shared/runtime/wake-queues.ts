// Which of a wake queue's targets a message on it names (the wake path's first step;
// docs/wake.md), and the clients of a wake queue for the local host.
import type { QueueClient } from '@azure/storage-queue';
import { appSettings, connectionOf, type Settings, type Target } from '../config/index.js';
import type { CredentialFactory } from '../identity/index.js';
import { connectionQueueClients } from '../sources/index.js';
import { targetKey } from './targets.js';
import type { WakeQueue } from './wake-functions.js';

/** Queue messages are at most 64 KiB; anything larger was not meant as a signal. */
const SIGNAL_MAX_BYTES = 64 * 1024;

/** Which targets a signal names: `{"target": "ns/name"}` or `{"targets": [...]}`, else all. */
export function selectTargets(queue: WakeQueue, text: string): { targets: Target[]; warnings: string[] } {
  const all = { targets: queue.targets, warnings: [] as string[] };
  if (queue.forwards) return all;
  if (text.trim() === '') return { ...all, warnings: [`empty message on wake queue ${queue.queueName}: waking all its targets`] };
  if (Buffer.byteLength(text) > SIGNAL_MAX_BYTES) {
    return { ...all, warnings: [`message of ${Buffer.byteLength(text)} bytes on wake queue ${queue.queueName} is not a signal: waking all its targets`] };
  }
  let signal: unknown;
  try {
    signal = JSON.parse(text);
  } catch {
    return { ...all, warnings: [`message on wake queue ${queue.queueName} is not JSON: waking all its targets`] };
  }
  const named = typeof signal === 'object' && signal !== null ? ((signal as { targets?: unknown }).targets ?? (signal as { target?: unknown }).target) : undefined;
  if (named === undefined) return all;
  // Names as text: String() throws on some parsed JSON ({"toString": 0}), JSON.stringify does not.
  const names = (Array.isArray(named) ? named : [named]).map((n) => (typeof n === 'string' ? n : JSON.stringify(n) ?? String(n)));
  // Said, not settled in silence: the producer meant to wake something.
  if (names.length === 0) return { targets: [], warnings: [`signal on wake queue ${queue.queueName} names no target (an empty list): nothing woken`] };
  const matches = (t: Target, name: string): boolean => [t.id, t.name, targetKey(t)].includes(name);
  const warnings = names
    .filter((n) => !queue.targets.some((t) => matches(t, n)))
    .map((n) => `signal on wake queue ${queue.queueName} names unknown target "${n.slice(0, 200)}" (its targets: ${queue.targets.map((t) => t.id).join(', ')})`);
  return { targets: queue.targets.filter((t) => names.some((n) => matches(t, n))), warnings };
}

/**
 * A wake queue and its poison queue as the Functions host would open them from the function's
 * connection (as checked at load: a bad value was reported there, and is not used).
 */
export function wakeQueueClients(queue: WakeQueue, settings: Settings, credentialFor: CredentialFactory): { queue: QueueClient; poison: QueueClient } {
  return connectionQueueClients(connectionOf(appSettings(settings), queue.connection), queue.connection, queue.queueName, credentialFor);
}
