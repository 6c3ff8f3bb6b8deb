// KEDA's pause annotations on the scale target, so kubectl users can pause a target without
// touching the scaler's configuration (scaledobject_types.go, executor handlePaused).

export const PAUSED = 'autoscaling.keda.sh/paused';
export const PAUSED_REPLICAS = 'autoscaling.keda.sh/paused-replicas';
export const PAUSED_SCALE_IN = 'autoscaling.keda.sh/paused-scale-in';
export const PAUSED_SCALE_OUT = 'autoscaling.keda.sh/paused-scale-out';
export const FORCE_ACTIVATION = 'autoscaling.keda.sh/force-activation';

/**
 * Every annotation of the scale target the engine reads, and so the only ones the scaler keeps
 * (shared/kube checkScale drops the rest as it reads the workload: they may hold anything, e.g.
 * kubectl's last-applied-configuration with the whole manifest, env values included).
 */
export const ENGINE_ANNOTATIONS: readonly string[] = [PAUSED, PAUSED_REPLICAS, PAUSED_SCALE_IN, PAUSED_SCALE_OUT, FORCE_ACTIVATION];

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

/** The spellings Go's strconv.ParseBool reads as false. */
const PARSE_BOOL_FALSE = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);

/**
 * KEDA's getBoolAnnotation: absent is false; otherwise strconv.ParseBool, where a value that is
 * not a boolean counts as true. So "0", "f" and "False" are false, and " false" (not a boolean
 * to ParseBool, which does not trim) is true.
 */
const isSet = (annotations: Record<string, string>, key: string): boolean =>
  key in annotations && !PARSE_BOOL_FALSE.has(annotations[key] ?? '');

export function readPause(configPaused: boolean, annotations: Record<string, string> = {}): PauseState {
  const flags = {
    scaleInPaused: isSet(annotations, PAUSED_SCALE_IN),
    scaleOutPaused: isSet(annotations, PAUSED_SCALE_OUT),
    forceActivation: isSet(annotations, FORCE_ACTIVATION),
  };
  // paused-replicas wins over paused when both are set.
  const raw = annotations[PAUSED_REPLICAS];
  if (raw !== undefined) {
    const replicas = /^\s*\d+\s*$/.test(raw) ? Number(raw) : undefined;
    const message =
      replicas === undefined
        ? `annotation ${PAUSED_REPLICAS}="${raw}" is not a whole number: paused at the current count`
        : `annotation ${PAUSED_REPLICAS}="${raw}": paused at ${replicas} replicas`;
    return { paused: true, replicas, message, ...flags };
  }
  if (isSet(annotations, PAUSED)) {
    return { paused: true, message: `annotation ${PAUSED}="${annotations[PAUSED]}": paused`, ...flags };
  }
  if (configPaused) return { paused: true, message: 'target is paused in configuration (paused: true)', ...flags };
  return { paused: false, message: '', ...flags };
}
