// Timer trigger: the evaluation loop. Schedule from the SCALER_SCHEDULE app setting (NCRONTAB),
// as checked at load: a bad value is reported once (with the configuration) and the default used.
import { app, type InvocationContext, type Timer } from '@azure/functions';
import { appSettings } from '../shared/config/index.js';
import { hostEvaluationLoop } from '../shared/runtime/host.js';
import { summarize, tickWarnings } from '../shared/runtime/index.js';

export async function evaluate(_timer: Timer, context: InvocationContext): Promise<void> {
  const result = await hostEvaluationLoop().tick();
  for (const warning of tickWarnings(result)) context.warn(warning);
  context.log(summarize(result));
}

app.timer('evaluate', { schedule: appSettings(process.env).schedule, handler: evaluate });
