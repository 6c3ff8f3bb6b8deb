// Timer trigger: the evaluation loop, on the SCALER_SCHEDULE app setting (NCRONTAB).
import { app, type InvocationContext, type Timer } from '@azure/functions';
import { hostEvaluationLoop, hostSchedule, summarize, tickWarnings } from '../shared/runtime/index.js';

export async function evaluate(_timer: Timer, context: InvocationContext): Promise<void> {
  const result = await hostEvaluationLoop().tick();
  for (const warning of tickWarnings(result)) context.warn(warning);
  context.log(summarize(result));
}

app.timer('evaluate', { schedule: hostSchedule(), handler: evaluate });
