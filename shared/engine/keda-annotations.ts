// KEDA's annotations, in one place: their names, and how KEDA parses each, rule for rule, as of
// KEDA v2.20.2 (apis/keda/v1alpha1/scaledobject_types.go). The engine reads them from the scale
// target at each evaluation (pause.ts); the configuration reads `paused` from a ScaledObject
// written in SCALER_TARGETS, and refuses the others there; `import` reads them from the
// ScaledObjects of a cluster. All three parse with the functions below, so a value means the
// same wherever it is written.
//
// KEDA reads every one of them from the ScaledObject, with the same rules for each (its
// PausedAnnotation included: NeedToBePausedByAnnotation parses it with getBoolAnnotation, like
// the others). The scaler has no ScaledObject object to annotate, so the workload carries them
// (WORKLOAD_ANNOTATIONS); only `paused` may also be written on a ScaledObject in SCALER_TARGETS,
// parsed by the same rule.

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

/**
 * The annotations read only from the workload: on a ScaledObject in SCALER_TARGETS they are an
 * error (they would do nothing there), and `import` says where they go.
 */
export const WORKLOAD_ANNOTATIONS: readonly string[] = [PAUSED_REPLICAS, PAUSED_SCALE_IN, PAUSED_SCALE_OUT, FORCE_ACTIVATION];

export type Annotations = Readonly<Record<string, string>>;

const PARSE_BOOL_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const PARSE_BOOL_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/**
 * Go's strconv.ParseBool (strconv/atob.go): these twelve spellings exactly, nothing trimmed, no
 * other case; undefined for anything else (ParseBool's error).
 */
export function parseBool(value: string): boolean | undefined {
  if (PARSE_BOOL_TRUE.has(value)) return true;
  if (PARSE_BOOL_FALSE.has(value)) return false;
  return undefined;
}

/**
 * KEDA's getBoolAnnotation (scaledobject_types.go), behind NeedToPauseScaleIn,
 * NeedToPauseScaleOut, NeedToForceActivation and the PausedAnnotation half of
 * NeedToBePausedByAnnotation: absent is false; a value ParseBool reads is that value; any other
 * value counts as true ("if annotation value is not a boolean, we assume true"). So "0", "f" and
 * "False" are false, while " false", "no" and "" are true.
 */
export function boolAnnotation(annotations: Annotations, key: string): boolean {
  if (!Object.hasOwn(annotations, key)) return false;
  return parseBool(annotations[key]!) ?? true;
}

/**
 * Go's strconv.ParseInt(value, 10, 32), as KEDA's GetPausedReplicaCount (scaledobject_types.go)
 * reads paused-replicas: an optional sign and decimal digits, nothing trimmed, within int32;
 * undefined for anything else (ParseInt's error). KEDA then fails to scale to a value it could not
 * parse, or to a negative one (the API server refuses it), and the target stays paused where it is.
 */
export function parseReplicaCount(value: string): number | undefined {
  if (!/^[+-]?\d+$/.test(value)) return undefined;
  const n = Number(value) + 0; // -0 is 0
  return n >= -(2 ** 31) && n <= 2 ** 31 - 1 ? n : undefined;
}

/**
 * KEDA's NeedToBePausedByAnnotation (scaledobject_types.go): paused-replicas present (whatever
 * its value) pauses; else the paused annotation, read by getBoolAnnotation.
 */
export const needToBePaused = (annotations: Annotations): boolean => Object.hasOwn(annotations, PAUSED_REPLICAS) || boolAnnotation(annotations, PAUSED);
