export * from './types.js';
export { decide } from './decide.js';
export { DEFAULT_TOLERANCE, MAX_INT32 } from './metric.js';
export { evaluateFormula, MAX_FORMULA_DEPTH, type BinaryOperator, type FormulaFunction, type FormulaNode } from './formula.js';
export { LEGACY_DOWNSCALE_WINDOW_SECONDS } from './normalize.js';
export {
  ENGINE_ANNOTATIONS, FORCE_ACTIVATION, needToBePaused, parseBool, parseReplicaCount, PAUSED, PAUSED_REPLICAS, PAUSED_SCALE_IN, PAUSED_SCALE_OUT, WORKLOAD_ANNOTATIONS,
} from './keda-annotations.js';
export { decideWake } from './wake.js';
export { activationFloor, cooldownEnd, isAsleep, recordDecidedChange, type CooldownEnd } from './decide.js';
export { earliestTime, latestTime } from './time.js';
