// One target: the spec of a KEDA ScaledObject (same field names and defaults) plus `cluster`,
// `namespace` and `name`. A whole ScaledObject document (apiVersion, kind, metadata, spec) is
// accepted too, so a KEDA user can paste what they have.
import { z } from 'zod';
import type { ScalingSpec, TriggerThresholds } from '../engine/index.js';
import { triggerDefinitions, triggerTypes, type TriggerType } from '../sources/registry.js';
import type { AzureQueueMetadata } from '../sources/azure-queue-metadata.js';
import { applyBehaviorDefaults, behaviorSchema } from './behavior.js';
import { integer, kubeName, text } from './values.js';

const unknownKeys = { error: (issue: { code: string; keys?: string[] }) => (issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys?.join(', ')}` : undefined) };

const scaleTargetRefSchema = z.strictObject(
  {
    name: kubeName,
    kind: z.enum(['Deployment', 'StatefulSet'], { error: 'must be Deployment or StatefulSet' }).default('Deployment'),
    apiVersion: z.literal('apps/v1', { error: 'must be apps/v1' }).default('apps/v1'),
    envSourceContainerName: text.optional(),
  },
  unknownKeys,
);

const triggerSchema = z
  .strictObject(
    {
      type: z.enum(triggerTypes as [TriggerType, ...TriggerType[]], { error: `must be one of: ${triggerTypes.join(', ')}` }),
      name: text.optional(),
      metadata: z.record(z.string(), z.unknown(), { error: 'must be a map of metadata' }),
      metricType: z.literal('AverageValue', { error: 'only AverageValue is supported: Value needs per-pod readiness, which the scaler does not read' }).default('AverageValue'),
      useCachedMetrics: z.boolean().optional(),
      authenticationRef: z.never({ error: 'TriggerAuthentication is not used: the scaler reads queues with its managed identity (set metadata.identityClientId to pick one)' }).optional(),
    },
    unknownKeys,
  )
  .transform((t, ctx) => {
    const definition = triggerDefinitions[t.type];
    const parsed = definition.metadata.safeParse(t.metadata);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: ['metadata', ...issue.path] } as never);
      return z.NEVER;
    }
    const thresholds: TriggerThresholds = definition.thresholds(parsed.data);
    return { type: t.type, name: t.name, metricType: t.metricType, metadata: parsed.data, ...thresholds };
  });

const fallbackSchema = z.strictObject(
  {
    failureThreshold: integer({ min: 0 }),
    replicas: integer({ min: 0 }),
    behavior: z
      .enum(['static', 'currentReplicas', 'currentReplicasIfHigher', 'currentReplicasIfLower'], {
        error: 'must be one of static, currentReplicas, currentReplicasIfHigher, currentReplicasIfLower',
      })
      .default('static'),
  },
  unknownKeys,
);

const advancedSchema = z.strictObject(
  {
    horizontalPodAutoscalerConfig: z.strictObject({ name: text.optional(), behavior: behaviorSchema.optional() }, unknownKeys).optional(),
    restoreToOriginalReplicaCount: z.boolean().optional(),
    scalingModifiers: z.never({ error: 'scalingModifiers are not supported: each trigger scales on its own and the maximum wins' }).optional(),
  },
  unknownKeys,
);

/** The ScaledObject spec fields, and ours. */
const specFields = {
  scaleTargetRef: scaleTargetRefSchema,
  pollingInterval: integer({ min: 1 }).default(30),
  cooldownPeriod: integer({ min: 0 }).default(300),
  initialCooldownPeriod: integer({ min: 0 }).default(0),
  minReplicaCount: integer({ min: 0 }).default(0),
  maxReplicaCount: integer({ min: 1 }).default(100),
  idleReplicaCount: integer({ min: 0 }).optional(),
  fallback: fallbackSchema.optional(),
  advanced: advancedSchema.optional(),
  triggers: z.array(triggerSchema, { error: 'must be a list of triggers' }).min(1, 'at least one trigger is required'),
  paused: z.boolean({ error: 'must be true or false' }).default(false),
};

const targetSchema = z
  .strictObject(
    {
      name: kubeName.optional(),
      namespace: kubeName.default('default'),
      cluster: text.optional(),
      ...specFields,
    },
    unknownKeys,
  )
  .superRefine((t, ctx) => {
    // KEDA's CheckReplicaCountBoundsAreValid and the CRD's min <= max rule.
    if (t.minReplicaCount > t.maxReplicaCount) {
      ctx.addIssue({ code: 'custom', path: ['minReplicaCount'], message: `minReplicaCount (${t.minReplicaCount}) must be less than or equal to maxReplicaCount (${t.maxReplicaCount})` });
    }
    if (t.idleReplicaCount !== undefined && t.idleReplicaCount >= t.minReplicaCount) {
      ctx.addIssue({ code: 'custom', path: ['idleReplicaCount'], message: `idleReplicaCount (${t.idleReplicaCount}) must be less than minReplicaCount (${t.minReplicaCount})` });
    }
  });

export type TargetInput = z.input<typeof targetSchema>;

export interface TriggerSpec extends TriggerThresholds {
  type: TriggerType;
  name?: string | undefined;
  metricType: 'AverageValue';
  metadata: AzureQueueMetadata;
}

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
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Unwraps a ScaledObject document into our flat shape: metadata.name/namespace become
 * name/namespace, spec fields move up. Anything else is passed through unchanged.
 */
export function flattenScaledObject(raw: unknown): unknown {
  if (!isRecord(raw) || !('apiVersion' in raw || 'kind' in raw || 'spec' in raw)) return raw;
  const { apiVersion: _apiVersion, kind: _kind, metadata, spec, status: _status, ...rest } = raw;
  const meta = isRecord(metadata) ? metadata : {};
  const annotations = isRecord(meta.annotations) ? meta.annotations : {};
  return {
    ...(isRecord(spec) ? spec : {}),
    ...rest,
    ...(meta.name !== undefined ? { name: meta.name } : {}),
    ...(meta.namespace !== undefined ? { namespace: meta.namespace } : {}),
    // The ScaledObject's own pause annotation is honoured as the `paused` flag.
    ...(annotations['autoscaling.keda.sh/paused'] === 'true' ? { paused: true } : {}),
  };
}

/** Where a target is named in messages before it has validated: namespace/name if known. */
export function describeRaw(raw: unknown, index: number): string {
  const flat = flattenScaledObject(raw);
  if (!isRecord(flat)) return `target #${index}`;
  const ref = isRecord(flat.scaleTargetRef) ? flat.scaleTargetRef.name : undefined;
  const name = typeof flat.name === 'string' ? flat.name : typeof ref === 'string' ? ref : undefined;
  const namespace = typeof flat.namespace === 'string' ? flat.namespace : 'default';
  return name ? `target ${namespace}/${name}` : `target #${index}`;
}

export type TargetParse = { ok: true; target: Target } | { ok: false; issues: { path: string; reason: string }[] };

/** Renders a zod path as `triggers[0].metadata.queueLength`. */
export const formatPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');

export function parseTarget(raw: unknown): TargetParse {
  const flat = flattenScaledObject(raw);
  if (isRecord(raw) && raw.apiVersion !== undefined && raw.apiVersion !== 'keda.sh/v1alpha1') {
    return { ok: false, issues: [{ path: 'apiVersion', reason: `"${String(raw.apiVersion)}" is not keda.sh/v1alpha1` }] };
  }
  if (isRecord(raw) && raw.kind !== undefined && raw.kind !== 'ScaledObject') {
    return { ok: false, issues: [{ path: 'kind', reason: `"${String(raw.kind)}" is not supported (only ScaledObject)` }] };
  }
  const parsed = targetSchema.safeParse(flat);
  if (!parsed.success) {
    return { ok: false, issues: parsed.error.issues.map((i) => ({ path: formatPath(i.path), reason: i.message })) };
  }
  const { advanced, name, cluster, ...t } = parsed.data;
  const behavior = advanced?.horizontalPodAutoscalerConfig?.behavior;
  const targetName = name ?? t.scaleTargetRef.name;
  return {
    ok: true,
    target: {
      ...t,
      id: `${t.namespace}/${targetName}`,
      name: targetName,
      cluster: cluster ?? '',
      scaleTargetRef: { name: t.scaleTargetRef.name, kind: t.scaleTargetRef.kind, apiVersion: t.scaleTargetRef.apiVersion },
      behavior: behavior ? applyBehaviorDefaults(behavior) : undefined,
    },
  };
}
