// KEDA's pause annotations on the scale target, so kubectl users can pause a target without
// touching the scaler's configuration: what they mean for a decision (KEDA's executor
// handlePaused and the HPA it writes), each read as KEDA reads it (keda-annotations.ts).
import { boolAnnotation, FORCE_ACTIVATION, needToBePaused, PAUSED, PAUSED_REPLICAS, PAUSED_SCALE_IN, PAUSED_SCALE_OUT, parseReplicaCount, type Annotations } from './keda-annotations.js';

export interface PauseState {
  /** Leave the target alone. */
  paused: boolean;
  /** With `paused`, the count to hold the target at (paused-replicas); absent freezes it. */
  replicas?: number | undefined;
  /** Why, for the decision's reason. */
  message: string;
  /** No scale-in, and no scale to zero. */
  scaleInPaused: boolean;
  /** No scale-out, and no wake from zero. */
  scaleOutPaused: boolean;
  forceActivation: boolean;
}

export function readPause(configPaused: boolean, annotations: Annotations = {}): PauseState {
  const flags = {
    scaleInPaused: boolAnnotation(annotations, PAUSED_SCALE_IN),
    scaleOutPaused: boolAnnotation(annotations, PAUSED_SCALE_OUT),
    forceActivation: boolAnnotation(annotations, FORCE_ACTIVATION),
  };
  if (needToBePaused(annotations)) {
    // paused-replicas wins over paused when both are set; a value KEDA cannot scale to (not an
    // int32, or negative) leaves the target where it is, as KEDA's failed scale does.
    const raw = annotations[PAUSED_REPLICAS];
    if (raw === undefined) return { paused: true, message: `annotation ${PAUSED}="${annotations[PAUSED]}": paused`, ...flags };
    const count = parseReplicaCount(raw);
    const replicas = count !== undefined && count >= 0 ? count : undefined;
    const message =
      replicas === undefined
        ? `annotation ${PAUSED_REPLICAS}="${raw}" is not a replica count (KEDA cannot scale to it): paused at the current count`
        : `annotation ${PAUSED_REPLICAS}="${raw}": paused at ${replicas} replicas`;
    return { paused: true, replicas, message, ...flags };
  }
  if (configPaused) return { paused: true, message: 'target is paused in configuration (paused: true)', ...flags };
  return { paused: false, message: '', ...flags };
}
