// Timer trigger: the evaluation loop, on the SCALER_SCHEDULE app setting (NCRONTAB); not in the
// shard workers' app, whose instances scale out (a second timer would tick twice).
import { app, type InvocationContext, type Timer } from '@azure/functions';
import { hostIsShardWorker, hostSchedule, hostTick } from '../shared/runtime/host.js';

export async function evaluate(_timer: Timer, context: InvocationContext): Promise<void> {
  const { summary, warnings } = await hostTick();
  for (const warning of warnings) context.warn(warning);
  context.log(summary);
}

if (!hostIsShardWorker()) app.timer('evaluate', { schedule: hostSchedule(), handler: evaluate });
