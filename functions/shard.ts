// Queue trigger: one shard of a tick that fanned out (SCALER_SHARD_SIZE), in the shard workers'
// app only (SCALER_SHARD_WORKER; docs/architecture.md, "Fan-out").
import { app, trigger, type InvocationContext } from '@azure/functions';
import { hostShard, hostShardQueue } from '../shared/runtime/host.js';

export async function shard(message: unknown, context: InvocationContext): Promise<void> {
  const { summary, warnings } = await hostShard(message);
  for (const warning of warnings) context.warn(warning);
  context.log(summary);
}

const queue = hostShardQueue();
if (queue) app.generic('shard', { trigger: trigger.generic({ type: 'queueTrigger', ...queue, dataType: 'binary' }), handler: shard });
