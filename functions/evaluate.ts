// Timer trigger: the evaluation loop. Schedule from the SCALER_SCHEDULE app setting (NCRONTAB).
import { app, type InvocationContext, type Timer } from '@azure/functions';
import { hostEvaluationLoop } from '../shared/runtime/host.js';
import { summarize } from '../shared/runtime/loop.js';
import { DEFAULT_SCHEDULE } from '../shared/runtime/wiring.js';

export async function evaluate(_timer: Timer, context: InvocationContext): Promise<void> {
  context.log(summarize(await hostEvaluationLoop().tick()));
}

app.timer('evaluate', { schedule: process.env.SCALER_SCHEDULE || DEFAULT_SCHEDULE, handler: evaluate });
