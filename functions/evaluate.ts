// Timer trigger: the evaluation loop, on the SCALER_SCHEDULE app setting (NCRONTAB).
import { app, type InvocationContext, type Timer } from '@azure/functions';
import { hostSchedule, hostTick } from '../shared/runtime/host.js';

export async function evaluate(_timer: Timer, context: InvocationContext): Promise<void> {
  const { summary, warnings } = await hostTick();
  for (const warning of warnings) context.warn(warning);
  context.log(summary);
}

app.timer('evaluate', { schedule: hostSchedule(), handler: evaluate });
