export * from './types.js';
export { decide } from './decide.js';
export { DEFAULT_TOLERANCE, MAX_INT32 } from './metric.js';
export { LEGACY_DOWNSCALE_WINDOW_SECONDS } from './normalize.js';
export * as pauseAnnotations from './pause.js';
export { recordScaleChange } from './events.js';
export { decideWake, isAsleep } from './wake.js';
export { latestTime } from './time.js';
