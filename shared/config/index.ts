export { loadConfig, loadTargets, type Config, type Settings } from './settings.js';
export { parseTarget, type Target, type TriggerSpec, type WakeSpec } from './target.js';
export type { Cluster } from './clusters.js';
export {
  appSettings, checkAppSettings, connectionOf, DEFAULT_CONCURRENCY, DEFAULT_IDLE_READING_MAX_AGE_S, DEFAULT_SCHEDULE, DEFAULT_SHARD_QUEUE, DEFAULT_STATE_TABLE, MIN_TICK_SECONDS, tickPeriodSeconds,
  type AppSettings, type StorageConnection,
} from './app-settings.js';
