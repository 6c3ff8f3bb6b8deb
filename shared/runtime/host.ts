// The runtime of the Functions host: built once per worker process from its app settings, and
// shared by the timer and the wake functions.
import { appSettings, loadConfig } from '../config/index.js';
import { createEvaluationLoop, type EvaluationLoop } from './loop.js';
import { createWaker, type HandledMessage, type Waker } from './wake.js';
import { wakeQueuesOf, type WakeQueue } from './wake-queues.js';
import { createRuntime, type Runtime } from './wiring.js';
import { redactedError, redactSecrets } from '../redact/index.js';

let runtime: Runtime | undefined;
let loop: EvaluationLoop | undefined;
let waker: Waker | undefined;

const hostRuntime = (): Runtime => (runtime ??= createRuntime(process.env));

export function hostEvaluationLoop(): EvaluationLoop {
  loop ??= createEvaluationLoop(hostRuntime());
  return loop;
}

/** The timer's schedule, as checked at load: a bad value is reported once (with the configuration) and the default used. */
export const hostSchedule = (): string => appSettings(process.env).schedule;

/** The wake queues of the configuration, one queue-triggered function each. */
export const hostWakeQueues = (): WakeQueue[] => wakeQueuesOf(loadConfig(process.env).targets);

/**
 * The host delivers the message as bytes (dataType binary), so forwarding is byte for byte: a
 * string would have been JSON-parsed by the worker, losing big integers and white space.
 */
export function messageText(message: unknown): string {
  if (Buffer.isBuffer(message) || message instanceof Uint8Array) return Buffer.from(message).toString('utf8');
  return typeof message === 'string' ? message : JSON.stringify(message);
}

/** What the wake function returns or throws is logged by the host: secrets are redacted from it. */
export async function hostWake(queue: WakeQueue, message: unknown): Promise<HandledMessage> {
  waker ??= createWaker(hostRuntime());
  try {
    const handled = await waker.handle(queue, messageText(message));
    return { ...handled, warnings: handled.warnings.map(redactSecrets) };
  } catch (e) {
    throw redactedError(e);
  } finally {
    await hostRuntime().telemetry.flush();
  }
}
