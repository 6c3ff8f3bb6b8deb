// The function app's handlers run as the Functions host runs them, in a process of its own, so
// that everything it writes to stdout and stderr can be read (secrets.test.ts; bundled there
// with esbuild). Settings come from the environment, as in the host. Commands on stdin, one a
// line: "tick" (the timer function), "wake <queue> <message>" (a wake queue's function with the
// message's bytes), "exit". A failed invocation is logged as the host logs it: its stack.
import { createInterface } from 'node:readline';
import type { InvocationContext, Timer } from '@azure/functions';
import { evaluate } from '../../functions/evaluate.js';
import { wakeHandler } from '../../functions/wake.js';
import { hostWakeQueues } from '../../shared/runtime/host.js';

const context = {
  log: (...args: unknown[]) => console.log('host:', ...args),
  warn: (...args: unknown[]) => console.warn('host warning:', ...args),
  error: (...args: unknown[]) => console.error('host error:', ...args),
} as unknown as InvocationContext;

for await (const line of createInterface({ input: process.stdin })) {
  const [command, queueName, ...message] = line.split(' ');
  try {
    if (command === 'tick') await evaluate({ isPastDue: false } as Timer, context);
    else if (command === 'wake') {
      const queue = hostWakeQueues().find((q) => q.queueName === queueName);
      if (!queue) throw new Error(`no wake function for queue ${queueName}`);
      await wakeHandler(queue)(Buffer.from(message.join(' ')), context);
    } else if (command === 'exit') break;
  } catch (e) {
    console.error('host: function failed:', e instanceof Error ? e.stack : String(e));
  }
  console.log(`done ${command}`);
}
console.log('done exit');
// Telemetry was flushed after each invocation; open sockets and the exporter's timers would keep the process alive.
process.exit(0);
