// The wake queues of a configuration, one queue-triggered function each. This depends on the
// configuration only: the Functions host registers the functions at start-up (host.ts) without
// loading what handles their messages.
import type { Target } from '../config/index.js';

export interface WakeQueue {
  /** Stable across restarts: wake-<queue>, or wake-<account>--<queue> for another account. */
  functionName: string;
  queueName: string;
  accountName?: string | undefined;
  /** The Functions connection prefix: the app's own storage, or SCALER_WAKE_<account>. */
  connection: string;
  targets: Target[];
  /** Forward mode when any of its targets forwards. */
  forwards: boolean;
}

/** One per distinct wake queue (its account and name), with the targets it wakes. */
export function wakeQueuesOf(targets: Target[]): WakeQueue[] {
  const queues = new Map<string, WakeQueue>();
  for (const t of targets) {
    const wake = t.wake;
    if (!wake) continue;
    const id = `${wake.accountName ?? ''}/${wake.queueName}`;
    let queue = queues.get(id);
    if (!queue) {
      queue = {
        // Queue names never hold "--", so wake-<account>--<queue> cannot collide with wake-<queue>.
        functionName: wake.accountName ? `wake-${wake.accountName}--${wake.queueName}` : `wake-${wake.queueName}`,
        queueName: wake.queueName,
        accountName: wake.accountName,
        connection: wake.accountName ? `SCALER_WAKE_${wake.accountName}` : 'AzureWebJobsStorage',
        targets: [],
        forwards: false,
      };
      queues.set(id, queue);
    }
    queue.targets.push(t);
    queue.forwards ||= wake.forwardTo !== undefined;
  }
  return [...queues.values()];
}
