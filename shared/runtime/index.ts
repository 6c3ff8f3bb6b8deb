// The runtime's surface: what the Functions entry points, the command line and the benchmarks use.
export { createRuntime, shardQueueClients, DEFAULT_CONCURRENCY, DEFAULT_SCHEDULE, DEFAULT_STATE_TABLE, stateStoreFrom, telemetryFrom, type Runtime, type RuntimeOverrides } from './wiring.js';
export { createEvaluationLoop, failedEvaluation, summarize, summarizeShard, tickWarnings, type EvaluationLoop } from './loop.js';
export {
  evaluateAll, evaluateShard, isPollDue, scheduleOf, STATE_RETENTION_MS, tickIdOf,
  type FanOut, type Schedule, type ShardQueue, type ShardResult, type TickDeps, type TickOptions, type TickResult,
} from './evaluate-all.js';
export { parseShardMessage, partition, shardCount, shardMessages, shardOf, ShardMessageError, type ShardEntry, type ShardMessage } from './shards.js';
export { type EvaluatedTarget, type TargetDeps } from './evaluate-target.js';
export { createWaker, type HandledMessage, type WakeOutcome, type Waker } from './wake.js';
export { wakeQueueClients } from './wake-queues.js';
export { wakeQueuesOf, type WakeQueue } from './wake-functions.js';
export { planAll, type PlannedTarget } from './plan.js';
export { readStatus, type RemovedRow, type StatusReport, type TargetStatus } from './status.js';
export { replay } from './explain.js';
export { createIdleReadings, type IdleReadings } from './idle-readings.js';
export { createWorkloadOwners, type WorkloadOwners } from './owners.js';
export { describeScaledByOther } from './other-writer.js';
export { specFingerprint, targetKey, workloadOf, type ConfiguredTarget } from './targets.js';
export { pollOnce, pollQueue, queueTriggerSettings, type QueueTriggerSettings } from './queue-poller.js';
export { hostIsShardWorker, hostSchedule, hostShard, hostShardQueue, hostTick, hostWake, hostWakeQueues, messageText } from './host.js';
