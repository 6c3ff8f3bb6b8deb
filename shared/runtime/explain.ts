// The replay document of one decision: what `cli explain` reads and what every ScaleDecision
// event records, so any decision seen in App Insights can be reproduced (docs/engine.md).
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { parseTarget } from '../config/target.js';
import { decide, type Decision } from '../engine/index.js';
import { ConfigError, messageOf } from '../errors.js';
import { EXPLAIN, EXPLAIN_ENCODING, EXPLAIN_OMITTED, EXPLAIN_PARTS, explainEncodings, explainPartName, MAX_EXPLAIN_PARTS, PART_CHARS, type ExplainEncoding } from '../telemetry/explain-dimensions.js';

const isoTime = z.iso.datetime({ offset: true, error: 'must be an ISO-8601 time' });
const count = z.number({ error: 'must be a number' }).int('must be an integer').min(0, 'must be >= 0');

const observationSchema = z.strictObject({
  specReplicas: count,
  statusReplicas: count.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  triggers: z.array(z.union([z.strictObject({ value: z.number() }), z.strictObject({ error: z.string() })], { error: 'must be { "value": n } or { "error": "text" }' })),
  historyNotTrusted: z.string().optional(),
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

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const WHERE = 'explain input';
const EXPORT_HINT = 'export the whole customDimensions of the ScaleDecision row (docs/queries.kql)';

/** JSON text to a value; a ConfigError naming `field` when it is not JSON. */
function parseJson(text: string, field: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const cut = text.length === PART_CHARS ? `; it is exactly ${PART_CHARS} characters, where App Insights cuts a value: a part may be missing` : '';
    throw new ConfigError(WHERE, field, `is not JSON (${messageOf(e)})${cut}`);
  }
}

/**
 * The replay document from a ScaleDecision's custom dimensions, as decisionProperties wrote
 * them (shared/telemetry/explain-dimensions.ts): `explain` alone, plain JSON; or parts explain,
 * explain.2, ... joined, as their explainEncoding says. `prefix` is where they sit, for messages.
 */
function documentOfDimensions(dimensions: Record<string, unknown>, prefix: string): unknown {
  const at = (name: string): string => `${prefix}${name}`;
  if (dimensions[EXPLAIN_OMITTED] !== undefined) {
    throw new ConfigError(WHERE, at(EXPLAIN_OMITTED), `this decision's replay document was not recorded: ${String(dimensions[EXPLAIN_OMITTED])}`);
  }
  const partsText = dimensions[EXPLAIN_PARTS];
  if (partsText === undefined) {
    const explain = dimensions[EXPLAIN];
    if (explain === undefined) throw new ConfigError(WHERE, at(EXPLAIN), `is missing: ${EXPORT_HINT}`);
    return typeof explain === 'string' ? parseJson(explain, at(EXPLAIN)) : explain;
  }
  const count = Number(partsText);
  if (!Number.isInteger(count) || count < 1 || count > MAX_EXPLAIN_PARTS) {
    throw new ConfigError(WHERE, at(EXPLAIN_PARTS), `must be a number of parts from 1 to ${MAX_EXPLAIN_PARTS}, not ${JSON.stringify(partsText)}`);
  }
  const encoding = dimensions[EXPLAIN_ENCODING] ?? 'json';
  if (!explainEncodings.includes(encoding as ExplainEncoding)) {
    throw new ConfigError(WHERE, at(EXPLAIN_ENCODING), `must be one of ${explainEncodings.join(', ')}, not ${JSON.stringify(encoding)}`);
  }
  const names = Array.from({ length: count }, (_, i) => explainPartName(i + 1));
  const missing = names.filter((name) => typeof dimensions[name] !== 'string');
  if (missing.length > 0) {
    const which = missing.length === 1 ? 'it is' : `${missing.join(', ')} are`;
    throw new ConfigError(WHERE, at(missing[0]!), `is missing: the replay document was recorded in ${count} parts (${names.join(', ')}) and ${which} not in this row; ${EXPORT_HINT}`);
  }
  const joined = names.map((name) => dimensions[name] as string).join('');
  if (encoding === 'json') return parseJson(joined, `${at(EXPLAIN)} (${count} parts joined)`);
  let json: string;
  try {
    json = gunzipSync(Buffer.from(joined, 'base64')).toString('utf8');
  } catch (e) {
    throw new ConfigError(WHERE, `${at(EXPLAIN)} (${count} parts joined)`, `is not gzip + base64 (${messageOf(e)}): a part is cut or changed`);
  }
  return parseJson(json, `${at(EXPLAIN)} (${count} parts joined, gunzipped)`);
}

/**
 * The replay document inside what a user has at hand: the document itself; a ScaleDecision as
 * printed on stdout (`explain` field, the whole document); a row exported from App Insights,
 * whose customDimensions (an object, or its JSON text) carry it as decisionProperties wrote it
 * (`explain`, or parts explain, explain.2, ...); or those customDimensions on their own. Throws
 * a ConfigError naming what is missing when the row does not hold the whole document.
 */
export function replayInputOf(document: unknown): unknown {
  if (!isRecord(document)) return document;
  if (document.customDimensions !== undefined) {
    const dimensions = typeof document.customDimensions === 'string' ? parseJson(document.customDimensions, 'customDimensions') : document.customDimensions;
    if (!isRecord(dimensions)) throw new ConfigError(WHERE, 'customDimensions', `must be an object: ${EXPORT_HINT}`);
    return documentOfDimensions(dimensions, 'customDimensions.');
  }
  // customDimensions exported on their own: `explain` is JSON text, or the parts are counted.
  if (typeof document[EXPLAIN] === 'string' || document[EXPLAIN_PARTS] !== undefined || document[EXPLAIN_OMITTED] !== undefined) {
    return documentOfDimensions(document, '');
  }
  return document[EXPLAIN] ?? document;
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
