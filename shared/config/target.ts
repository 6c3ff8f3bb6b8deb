// One target: the spec of a KEDA ScaledObject (same field names and defaults) plus `cluster`,
// `namespace` and `name`. A whole ScaledObject document (apiVersion, kind, metadata, spec) is
// accepted too, so a KEDA user can paste what they have.
import { z } from 'zod';
import type { MetricType, ScalingModifiers, ScalingSpec, TriggerThresholds } from '../engine/index.js';
import { MAX_INT32, needToBePaused, WORKLOAD_ANNOTATIONS } from '../engine/index.js';
import { checked, decimal, fields, formatPath, integer, isRecord, kubeLabel, kubeName, oneOf, parseConfig, peek, show, text, type CheckIssue } from '../schema/index.js';
import { accountNameSchema, definitionOf, isTriggerType, queueNameSchema, triggerTypeNames, type TriggerTypeName, type TypedTrigger } from '../sources/index.js';
import { applyBehaviorDefaults, behaviorSchema } from './behavior.js';
import { compileFormula, FormulaRefusal } from './formula.js';

const scaleTargetRefSchema = fields({
  name: kubeName,
  kind: oneOf(['Deployment', 'StatefulSet']).default('Deployment'),
  apiVersion: z.literal('apps/v1', { error: (i) => (i.input === undefined ? undefined : `${show(i.input)} is not apps/v1`) }).default('apps/v1'),
  envSourceContainerName: text.optional(),
});

const metricTypeMessage = (input: unknown): string | undefined =>
  input === undefined
    ? undefined
    : input === 'Utilization'
      ? '"Utilization" is not supported, only AverageValue or Value (KEDA refuses Utilization for external metrics too)'
      : `${show(input)} is not one of AverageValue, Value`;

/** An external metric's target type: AverageValue (the default) or Value. */
const metricTypeSchema = z.enum(['AverageValue', 'Value'], { error: (i) => metricTypeMessage(i.input) });

const triggerFields = fields({
  type: z.enum(triggerTypeNames as [TriggerTypeName, ...TriggerTypeName[]], {
    error: (i) => (i.input === undefined ? undefined : `${show(i.input)} is not a supported trigger type (supported: ${triggerTypeNames.join(', ')})`),
  }),
  name: text.optional(),
  metadata: z.record(z.string(), z.unknown()),
  metricType: metricTypeSchema.default('AverageValue'),
  useCachedMetrics: z.boolean().optional(),
  // KEDA's reference to a TriggerAuthentication, which lives in the cluster: accepted as KEDA's
  // CRD takes it, and dropped; its trigger type says what reads the trigger instead (a warning,
  // authenticationWarnings) or what the trigger lacks for that (an error, checkTrigger).
  authenticationRef: fields({ name: text, kind: oneOf(['TriggerAuthentication', 'ClusterTriggerAuthentication']).optional() }).optional(),
});

/**
 * The metadata is checked against its trigger type even when another trigger field is wrong; an
 * authenticationRef its type cannot replace (no account to read with the scaler's identity) is
 * refused with the type's reason.
 */
function checkTrigger(raw: Record<string, unknown>): CheckIssue[] {
  if (!isTriggerType(raw.type) || !isRecord(raw.metadata)) return [];
  const definition = definitionOf(raw.type);
  const parsed = parseConfig(definition.metadata, raw.metadata);
  const issues = parsed.success ? [] : parsed.error.issues.map((i) => ({ path: ['metadata', ...i.path], message: i.message }));
  if (raw.authenticationRef !== undefined) {
    const note = definition.authenticationRef(raw);
    if (note.outcome !== 'replaced') issues.push({ path: ['authenticationRef'], message: `cannot be replaced: the trigger ${note.message}` });
  }
  return issues;
}

const triggerSchema = checked(triggerFields, checkTrigger).transform((t): TriggerSpec => {
  const definition = definitionOf(t.type);
  // Already validated by checkTrigger; parsed again for the typed output.
  const metadata = definition.metadata.parse(t.metadata);
  // The metadata was parsed by its own type's schema: the pair is a TypedTrigger.
  const typed = { type: t.type, metadata } as TypedTrigger;
  return { ...typed, name: t.name, metricType: t.metricType, ...definition.thresholds(metadata) };
});

const fallbackSchema = fields({
  failureThreshold: integer({ min: 0 }),
  replicas: integer({ min: 0, max: MAX_INT32 }),
  behavior: oneOf(['static', 'currentReplicas', 'currentReplicasIfHigher', 'currentReplicasIfLower', 'scalingModifiers']).default('static'),
});

/**
 * KEDA's composite metric (docs/configuration.md, "Scaling modifiers"). Fields left empty are
 * unset, as in KEDA's Go struct; the formula, checked against the trigger names, and the
 * fields' combinations are checked in checkScalingModifiers.
 */
const scalingModifiersSchema = z.preprocess(
  (raw) => (isRecord(raw) ? Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== '')) : raw),
  fields({
    formula: z.string({ error: (i) => (i.input === undefined ? undefined : `must be a string, not ${show(i.input)}`) }).optional(),
    target: decimal({ above: 0 }).optional(),
    activationTarget: decimal().optional(),
    metricType: metricTypeSchema.optional(),
  }),
);

const advancedSchema = fields({
  horizontalPodAutoscalerConfig: fields({ name: text.optional(), behavior: behaviorSchema.optional() }).optional(),
  restoreToOriginalReplicaCount: z.boolean().optional(),
  scalingModifiers: scalingModifiersSchema.optional(),
});

/** The HPA is given scalingModifiers.target in thousandths (a milli-quantity), cut as KEDA cuts it. */
const MILLI = 1000;

/**
 * Our field: a queue whose messages wake the target at once (docs/wake.md). It is a storage
 * queue (a Functions queue trigger), in the app's own storage account unless accountName says
 * otherwise; forwardTo names a queue next to the one the target's first trigger reads, that each
 * message is then passed on to (its name is checked by that trigger's type, in checkSpec). Which
 * queues it may be, given every other target's queues, is checked in queue-graph.ts.
 */
const wakeSchema = fields({
  queueName: queueNameSchema,
  accountName: accountNameSchema.optional(),
  forwardTo: text.optional(),
});

export type WakeSpec = z.output<typeof wakeSchema>;

/** The ScaledObject spec fields, and ours (`paused`, `wake`). */
const specFields = {
  scaleTargetRef: scaleTargetRefSchema,
  pollingInterval: integer({ min: 1 }).default(30),
  cooldownPeriod: integer({ min: 0 }).default(300),
  initialCooldownPeriod: integer({ min: 0 }).default(0),
  minReplicaCount: integer({ min: 0, max: MAX_INT32 }).optional(),
  maxReplicaCount: integer({ min: 1, max: MAX_INT32 }).default(100),
  idleReplicaCount: integer({ min: 0, max: MAX_INT32 }).optional(),
  fallback: fallbackSchema.optional(),
  advanced: advancedSchema.optional(),
  triggers: z.array(triggerSchema).min(1, 'must list at least one trigger'),
  paused: z.boolean().default(false),
  wake: wakeSchema.optional(),
};

/**
 * KEDA's CheckReplicaCountBoundsAreValid, trigger-name uniqueness and the name of wake.forwardTo,
 * run even when other fields are wrong. KEDA's quirk is kept: with minReplicaCount omitted, idle
 * is compared with 0 (so idle 0 is refused); with minReplicaCount given, with max(min, 1) (so
 * min 0 + idle 0 passes).
 */
function checkSpec(raw: Record<string, unknown>): CheckIssue[] {
  const issues: CheckIssue[] = [];
  const given = raw.minReplicaCount !== undefined;
  const min = peek(specFields.minReplicaCount, raw.minReplicaCount) ?? (given ? undefined : 0);
  const max = peek(specFields.maxReplicaCount, raw.maxReplicaCount);
  const idle = peek(specFields.idleReplicaCount, raw.idleReplicaCount);
  if (min !== undefined && max !== undefined && min > max) {
    issues.push({ path: ['minReplicaCount'], message: `${min} is more than maxReplicaCount (${max})` });
  }
  if (min !== undefined && idle !== undefined) {
    const compared = given ? Math.max(min, 1) : 0;
    if (idle >= compared) {
      const what = !given ? '0 when omitted, as in KEDA' : min === 0 ? '0, counted as 1 as KEDA does' : String(min);
      issues.push({ path: ['idleReplicaCount'], message: `${idle} must be less than minReplicaCount (${what})` });
    }
  }
  // wake.forwardTo is a name of what the first trigger reads: its type says what a name is.
  const firstType = Array.isArray(raw.triggers) && isRecord(raw.triggers[0]) ? raw.triggers[0].type : undefined;
  if (isRecord(raw.wake) && typeof raw.wake.forwardTo === 'string' && isTriggerType(firstType)) {
    const parsed = parseConfig(definitionOf(firstType).resourceName, raw.wake.forwardTo);
    if (!parsed.success) issues.push(...parsed.error.issues.map((i) => ({ path: ['wake', 'forwardTo', ...i.path], message: i.message })));
  }
  issues.push(...checkScalingModifiers(raw));
  if (Array.isArray(raw.triggers)) {
    const seen = new Map<string, number>();
    raw.triggers.forEach((t, i) => {
      const name = isRecord(t) && typeof t.name === 'string' ? t.name : undefined;
      if (name === undefined) return;
      const first = seen.get(name);
      if (first !== undefined) issues.push({ path: ['triggers', i, 'name'], message: `${show(name)} is also the name of triggers[${first}]: trigger names must be unique` });
      else seen.set(name, i);
    });
  }
  return issues;
}

/** The trigger's metadata parses and asks for a second metric, the oldest message's age. */
function hasAgeTarget(type: TriggerTypeName, metadata: unknown): boolean {
  const definition = definitionOf(type);
  const parsed = peek(definition.metadata, metadata);
  return parsed !== undefined && definition.thresholds(parsed).age !== undefined;
}

/** A scalingModifiers field given (KEDA counts an empty one as unset). */
const givenField = (v: unknown): boolean => v !== undefined && v !== '';

/**
 * KEDA's rules for advanced.scalingModifiers (ValidateAndCompileScalingModifiers, the webhook,
 * HasValidFallback), and ours: the formula is required once any field is given, and target with
 * it; the formula parses, names only the target's named triggers and gives a number
 * (formula.ts); fallback.behavior scalingModifiers needs a formula; fallback with a formula
 * needs a whole-number target, since KEDA never uses the fallback otherwise; and no trigger with
 * a formula has an age target (the formula would leave that metric out). A trigger without a
 * name is accepted, as KEDA accepts it (unnamedTriggerWarnings).
 */
function checkScalingModifiers(raw: Record<string, unknown>): CheckIssue[] {
  const issues: CheckIssue[] = [];
  const modifiers = isRecord(raw.advanced) && isRecord(raw.advanced.scalingModifiers) ? raw.advanced.scalingModifiers : undefined;
  const formula = modifiers && givenField(modifiers.formula) ? modifiers.formula : undefined;
  const fallback = isRecord(raw.fallback) ? raw.fallback : undefined;
  if (fallback?.behavior === 'scalingModifiers' && formula === undefined) {
    issues.push({ path: ['fallback', 'behavior'], message: '"scalingModifiers" needs advanced.scalingModifiers.formula (as in KEDA)' });
  }
  if (!modifiers || !Object.values(modifiers).some(givenField)) return issues;
  const at = (field: string): PropertyKey[] => ['advanced', 'scalingModifiers', field];
  if (formula === undefined) {
    issues.push({ path: at('formula'), message: 'is required when scalingModifiers is given (KEDA: ScalingModifiers.Formula is mandatory)' });
    return issues;
  }
  const target = peek(decimal({ above: 0 }), modifiers.target);
  if (!givenField(modifiers.target)) issues.push({ path: at('target'), message: 'is required with a formula (KEDA: formula is given but target is empty)' });
  else if (target !== undefined && target * MILLI < 1) issues.push({ path: at('target'), message: `${target} is less than 0.001: the HPA is given the target in thousandths` });
  const triggers = Array.isArray(raw.triggers) ? raw.triggers : [];
  const names = triggers.map((t) => (isRecord(t) && typeof t.name === 'string' && t.name !== '' ? t.name : undefined));
  if (typeof formula === 'string') {
    try {
      compileFormula(formula, names);
    } catch (e) {
      if (!(e instanceof FormulaRefusal)) throw e;
      issues.push({ path: at('formula'), message: e.message });
    }
  }
  // Ours: a trigger's age metric has no place in the formula, which sees each trigger's value.
  triggers.forEach((t, i) => {
    if (isRecord(t) && isTriggerType(t.type) && hasAgeTarget(t.type, t.metadata)) {
      issues.push({ path: ['triggers', i, 'metadata'], message: 'sets a message age target, which advanced.scalingModifiers cannot use: the formula takes the place of the triggers\' metrics and sees each trigger\'s value (its length) only; remove the age target or the formula' });
    }
  });
  // HasValidFallback: with modifiers, strconv.ParseInt(target) must give a number above 0.
  const whole = typeof modifiers.target === 'number' ? Number.isInteger(modifiers.target) : typeof modifiers.target === 'string' && /^[+-]?\d+$/.test(modifiers.target);
  if (fallback && target !== undefined && !whole) {
    issues.push({ path: ['fallback'], message: `is never used by KEDA with advanced.scalingModifiers.target ${show(modifiers.target)}, not a whole number: give a whole-number target, or remove fallback` });
  }
  return issues;
}

/**
 * A trigger without a name next to a formula: KEDA's webhook accepts it, and reads it (while it
 * fails, the composite metric is an error and the target holds), but the formula cannot name it.
 */
function unnamedTriggerWarnings(spec: Pick<Spec, 'advanced' | 'triggers'>, prefix: string): TargetIssue[] {
  if (spec.advanced?.scalingModifiers?.formula === undefined) return [];
  return spec.triggers.flatMap((t, i) => (t.name === undefined
    ? [{ path: `${prefix}triggers[${i}].name`, reason: 'is not given: the formula cannot name this trigger; it is still read, and while it fails the target holds (as in KEDA)' }]
    : []));
}

/** A flat target: the spec fields plus name, namespace and cluster. */
const flatFields = fields({
  name: kubeName.optional(),
  namespace: kubeLabel.default('default'),
  cluster: text.optional(),
  ...specFields,
});
const flatTargetSchema = checked(flatFields, checkSpec);

const specSchema = checked(fields({ cluster: text.optional(), ...specFields }), checkSpec);

/** KEDA's annotations that the engine reads from the scale target: on the ScaledObject they would do nothing. */
function checkScaledObject(raw: Record<string, unknown>): CheckIssue[] {
  const issues: CheckIssue[] = [];
  const annotations = isRecord(raw.metadata) && isRecord(raw.metadata.annotations) ? raw.metadata.annotations : {};
  for (const key of WORKLOAD_ANNOTATIONS) {
    if (Object.hasOwn(annotations, key)) {
      issues.push({ path: ['metadata', 'annotations', key], message: 'is read from the scale target, not from the ScaledObject: put it on the Deployment' });
    }
  }
  if (raw.cluster !== undefined && isRecord(raw.spec) && raw.spec.cluster !== undefined) {
    issues.push({ path: ['spec', 'cluster'], message: 'is also given at the top of the document: give it once' });
  }
  return issues;
}

/** A whole ScaledObject document, as `kubectl get scaledobject -o yaml` prints it. */
const scaledObjectSchema = checked(
  fields({
    apiVersion: z.literal('keda.sh/v1alpha1'),
    kind: z.literal('ScaledObject'),
    // Loose: labels, uid, resourceVersion, ... are kept by kubectl and ignored here.
    metadata: z.object({
      name: kubeName,
      namespace: kubeLabel.default('default'),
      annotations: z.record(z.string(), z.string()).optional(),
    }),
    spec: specSchema,
    /** Our field: the SCALER_CLUSTERS entry (may also be given in spec). */
    cluster: text.optional(),
    status: z.unknown().optional(),
  }),
  checkScaledObject,
);

/** A validated trigger: its type and parsed metadata (shared/sources), and what the engine compares its reading with. */
export type TriggerSpec = TypedTrigger &
  TriggerThresholds & {
    name?: string | undefined;
    metricType: MetricType;
  };

/** A validated target: what the engine needs, plus where the workload is. */
export interface Target extends ScalingSpec {
  /** `namespace/name`, unique across SCALER_TARGETS. */
  id: string;
  name: string;
  namespace: string;
  /** The SCALER_CLUSTERS entry; may be empty when only the engine is used (explain). */
  cluster: string;
  scaleTargetRef: { name: string; kind: 'Deployment' | 'StatefulSet'; apiVersion: 'apps/v1' };
  pollingInterval: number;
  paused: boolean;
  triggers: TriggerSpec[];
  wake?: WakeSpec | undefined;
  /** The target as written (one SCALER_TARGETS item): parseTarget(input) gives this target again, so `explain` can replay it. */
  input: unknown;
}

/** A document with apiVersion, kind or spec is read as a ScaledObject, anything else as a flat target. */
const isScaledObjectDocument = (raw: Record<string, unknown>): boolean => 'apiVersion' in raw || 'kind' in raw || 'spec' in raw;

/**
 * Unwraps a ScaledObject document into our flat shape, as far as naming it and its triggers
 * goes: metadata.name/namespace become name/namespace, spec fields move up. Anything else is
 * passed through unchanged.
 */
function flattenScaledObject(raw: unknown): unknown {
  if (!isRecord(raw) || !isScaledObjectDocument(raw)) return raw;
  const { metadata, spec } = raw;
  const rest = Object.fromEntries(Object.entries(raw).filter(([key]) => !['apiVersion', 'kind', 'metadata', 'spec', 'status'].includes(key)));
  const meta = isRecord(metadata) ? metadata : {};
  return {
    ...(isRecord(spec) ? spec : {}),
    ...rest,
    ...(meta.name !== undefined ? { name: meta.name } : {}),
    ...(meta.namespace !== undefined ? { namespace: meta.namespace } : {}),
  };
}

/** Where a target is named in messages before it has validated: namespace/name if known. */
export function describeRaw(raw: unknown, index: number): string {
  const flat = flattenScaledObject(raw);
  if (!isRecord(flat)) return `target #${index}`;
  // Names as written, unless blank: "target shop/ " would name nothing.
  const written = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() && !/[\r\n]/.test(v) ? v : undefined);
  const name = written(flat.name) ?? (isRecord(flat.scaleTargetRef) ? written(flat.scaleTargetRef.name) : undefined);
  const namespace = flat.namespace === undefined ? 'default' : written(flat.namespace);
  return name && namespace ? `target ${namespace}/${name}` : `target #${index}`;
}

/** A problem with a field path: an error, or a warning about a field that is dropped. */
export interface TargetIssue {
  path: string;
  reason: string;
}

/** The target, with the fields it drops (`warnings`); or every problem that keeps it out. */
export type TargetParse = { ok: true; target: Target; warnings: TargetIssue[] } | { ok: false; issues: TargetIssue[] };

/**
 * The authenticationRef of each trigger of a target that loaded: dropped, with its trigger type's
 * word on what reads the trigger instead (the same text `import` reports). `prefix` is where the
 * triggers are: `spec.` in a ScaledObject document.
 */
function authenticationWarnings(triggers: unknown, prefix: string): TargetIssue[] {
  if (!Array.isArray(triggers)) return [];
  return triggers.flatMap((t: unknown, i): TargetIssue[] => {
    if (!isRecord(t) || t.authenticationRef === undefined || !isTriggerType(t.type)) return [];
    const note = definitionOf(t.type).authenticationRef(t);
    return note.outcome === 'replaced' ? [{ path: `${prefix}triggers[${i}].authenticationRef`, reason: `is dropped: ${note.message}` }] : [];
  });
}

type Spec = Omit<z.output<typeof specSchema>, 'cluster' | 'paused'>;

function toTarget(input: unknown, spec: Spec, where: { name: string; namespace: string; cluster: string | undefined; paused: boolean }): Target {
  const { advanced, scaleTargetRef, minReplicaCount, ...rest } = spec;
  const behavior = advanced?.horizontalPodAutoscalerConfig?.behavior;
  const modifiers = advanced?.scalingModifiers;
  // Checked by checkScalingModifiers: a formula comes with a target, and compiles.
  const scalingModifiers: ScalingModifiers | undefined = modifiers?.formula !== undefined && modifiers.target !== undefined
    ? {
        formula: modifiers.formula,
        expression: compileFormula(modifiers.formula, rest.triggers.map((t) => t.name)),
        target: Math.trunc(modifiers.target * MILLI) / MILLI,
        activationTarget: modifiers.activationTarget ?? 0,
        metricType: modifiers.metricType ?? 'AverageValue',
      }
    : undefined;
  return {
    ...rest,
    scalingModifiers,
    minReplicaCount: minReplicaCount ?? 0,
    id: `${where.namespace}/${where.name}`,
    name: where.name,
    namespace: where.namespace,
    cluster: where.cluster ?? '',
    paused: where.paused,
    scaleTargetRef: { name: scaleTargetRef.name, kind: scaleTargetRef.kind, apiVersion: scaleTargetRef.apiVersion },
    behavior: behavior ? applyBehaviorDefaults(behavior) : undefined,
    input,
  };
}

const failed = (issues: readonly { path: readonly PropertyKey[]; message: string }[]): TargetParse => ({
  ok: false,
  issues: issues.map((i) => ({ path: formatPath(i.path), reason: i.message })),
});

/**
 * Validates one target: a flat target (spec fields plus name, namespace, cluster) or a whole
 * KEDA ScaledObject document. Every problem is returned, with its field path.
 */
export function parseTarget(raw: unknown): TargetParse {
  if (!isRecord(raw)) return failed([{ path: [], message: `must be a map (a target or a ScaledObject document), not ${show(raw)}` }]);
  if (!isScaledObjectDocument(raw)) {
    const parsed = parseConfig(flatTargetSchema, raw);
    if (!parsed.success) return failed(parsed.error.issues);
    const { name, namespace, cluster, paused, ...spec } = parsed.data;
    const warnings = [...authenticationWarnings(raw.triggers, ''), ...unnamedTriggerWarnings(spec, '')];
    return { ok: true, target: toTarget(raw, spec, { name: name ?? spec.scaleTargetRef.name, namespace, cluster, paused }), warnings };
  }
  // A ScaledJob or another kind would only add noise about its spec: stop at the header.
  const header: CheckIssue[] = [];
  if (raw.apiVersion !== 'keda.sh/v1alpha1') {
    header.push({ path: ['apiVersion'], message: raw.apiVersion === undefined ? 'is required (keda.sh/v1alpha1)' : `${show(raw.apiVersion)} is not keda.sh/v1alpha1` });
  }
  if (raw.kind !== 'ScaledObject') {
    header.push({ path: ['kind'], message: raw.kind === undefined ? 'is required (ScaledObject)' : `${show(raw.kind)} is not supported (only ScaledObject)` });
  }
  if (header.length > 0) return failed(header);
  const parsed = parseConfig(scaledObjectSchema, raw);
  if (!parsed.success) return failed(parsed.error.issues);
  const { metadata, spec: { cluster: specCluster, paused: specPaused, ...spec }, cluster } = parsed.data;
  // The ScaledObject's own pause, as KEDA reads it (the same rule as on the workload).
  const paused = specPaused || needToBePaused(metadata.annotations ?? {});
  const warnings = [...(isRecord(raw.spec) ? authenticationWarnings(raw.spec.triggers, 'spec.') : []), ...unnamedTriggerWarnings(spec, 'spec.')];
  return { ok: true, target: toTarget(raw, spec, { name: metadata.name, namespace: metadata.namespace, cluster: cluster ?? specCluster, paused }), warnings };
}
