// Metric sources by trigger type (registry.ts), behind the Source port. Other parts import
// only this file.
export type { AgedReading, Sender, Source } from './source.js';
export type { Grants, ImportNote, ImportOutcome, QueueRef } from './trigger-type.js';
export {
  createSender, createSource, definitionOf, isTriggerType, metricNameOf, queuesOf, triggerGrants, triggerTypeNames,
  type TriggerTypeName, type TypedTrigger,
} from './triggers.js';
// Azure Storage queues: the wake path's own queues are storage queues, whatever the triggers.
export {
  accountNameSchema, accountOfConnectionString, accountOfUrl, connectionQueueClients, parseConnectionString, queueNameSchema, STORAGE_QUEUE_SERVICE,
} from './azure-queue/index.js';
