export { loadConfig, loadTargets, type Config, type Settings } from './settings.js';
export { parseTarget, type Target, type TriggerSpec, type WakeSpec } from './target.js';
export type { Cluster } from './clusters.js';
