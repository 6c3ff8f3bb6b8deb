// The trigger types the scaler understands, keyed by KEDA's trigger `type`: one line per type.
// Each type's folder holds everything it owns (trigger-type.ts says what); the configuration,
// the runtime, telemetry, `import` and the deployment (infra/trigger-types.json) read it here.
import { azureQueue } from './azure-queue/index.js';
import { azureServiceBus } from './azure-servicebus/index.js';

export const registry = {
  'azure-queue': azureQueue,
  'azure-servicebus': azureServiceBus,
};
