// The replay document of one decision: what `cli explain` reads and what every ScaleDecision
// event records, so any decision seen in App Insights can be reproduced (docs/engine.md).
import { z } from 'zod';
import { parseTarget } from '../config/target.js';
import { decide, type Decision, type Observation, type ScalerState } from '../engine/index.js';
import { ConfigError } from '../errors.js';

const isoTime = z.iso.datetime({ offset: true, error: 'must be an ISO-8601 time' });
const count = z.number({ error: 'must be a number' }).int('must be an integer').min(0, 'must be >= 0');

const observationSchema = z.strictObject({
  specReplicas: count,
  statusReplicas: count.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  triggers: z.array(z.union([z.strictObject({ value: z.number() }), z.strictObject({ error: z.string() })], { error: 'must be { "value": n } or { "error": "text" }' })),
});

const stateSchema = z.strictObject({
  recommendations: z.array(z.strictObject({ replicas: count, timestamp: isoTime })).optional(),
  scaleUpEvents: z.array(z.strictObject({ change: count, timestamp: isoTime, outdated: z.boolean() })).optional(),
  scaleDownEvents: z.array(z.strictObject({ change: count, timestamp: isoTime, outdated: z.boolean() })).optional(),
  lastActiveTime: isoTime.nullable().optional(),
  createdTime: isoTime.nullable().optional(),
  triggerFailures: z.array(count).optional(),
  scaledToZero: z.boolean().optional(),
});

const documentSchema = z.strictObject({
  now: isoTime,
  spec: z.unknown(),
  observation: observationSchema,
  state: stateSchema.default({}),
});

export interface ExplainInput {
  now: string;
  /** The target as written in SCALER_TARGETS. */
  spec: unknown;
  observation: Observation;
  state: ScalerState;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The replay document inside what a user has at hand: the document itself; a ScaleDecision as
 * printed on stdout (`explain` field); or a row exported from App Insights, whose
 * customDimensions (an object, or its JSON text) carry `explain` as JSON text.
 */
export function replayInputOf(document: unknown): unknown {
  if (!isRecord(document)) return document;
  const dimensions = typeof document.customDimensions === 'string' ? (JSON.parse(document.customDimensions) as unknown) : document.customDimensions;
  const explain = isRecord(dimensions) ? dimensions.explain : document.explain;
  if (explain === undefined) return document;
  return typeof explain === 'string' ? (JSON.parse(explain) as unknown) : explain;
}

/** Validates a replay document and decides again; throws ConfigError naming the field. */
export function replay(document: unknown): Decision {
  const doc = documentSchema.safeParse(replayInputOf(document));
  if (!doc.success) {
    const issue = doc.error.issues[0]!;
    throw new ConfigError('explain input', issue.path.join('.'), issue.message);
  }
  const target = parseTarget(doc.data.spec);
  if (!target.ok) {
    const issue = target.issues[0]!;
    throw new ConfigError('explain input', `spec${issue.path ? `.${issue.path}` : ''}`, issue.reason);
  }
  const triggers = target.target.triggers.length;
  if (doc.data.observation.triggers.length !== triggers) {
    throw new ConfigError('explain input', 'observation.triggers', `has ${doc.data.observation.triggers.length} results for ${triggers} spec triggers`);
  }
  return decide(target.target, doc.data.observation, doc.data.state, Date.parse(doc.data.now));
}
