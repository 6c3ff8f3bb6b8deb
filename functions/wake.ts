// Queue triggers: one function per distinct wake queue in SCALER_TARGETS (docs/wake.md).
import { app, trigger, type InvocationContext } from '@azure/functions';
import { hostWake, hostWakeQueues, type WakeQueue } from '../shared/runtime/host.js';

export const wakeHandler = (queue: WakeQueue) => async (message: unknown, context: InvocationContext): Promise<void> => {
  const handled = await hostWake(queue, message);
  for (const warning of handled.warnings) context.warn(warning);
  context.log(`${queue.queueName}: ${handled.outcomes.map((o) => `${o.target} ${o.result}`).join(', ')}${handled.forwarded.length ? `; forwarded to ${handled.forwarded.join(', ')}` : ''}`);
};

for (const queue of hostWakeQueues()) {
  app.generic(queue.functionName, {
    trigger: trigger.generic({ type: 'queueTrigger', queueName: queue.queueName, connection: queue.connection, dataType: 'binary' }),
    handler: wakeHandler(queue),
  });
}
