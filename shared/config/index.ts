export { loadConfig, loadTargets, type Config, type Settings } from './settings.js';
export { parseTarget, flattenScaledObject, type Target, type TriggerSpec } from './target.js';
export type { Cluster } from './clusters.js';
