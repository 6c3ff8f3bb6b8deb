// How a decision's replay document is laid out in the custom dimensions of its ScaleDecision
// event, so that it still replays after App Insights stored it (docs/engine.md). App Insights
// cuts a custom dimension value at 8,192 characters (the SDK cuts at 8,192 UTF-8 bytes before
// sending) and refuses an item over about 64 KB or with more than about 100 properties.
// Written by decisionProperties (app-insights.ts); read back, here, by replayInputOf. Nothing
// else reads or writes these names.
import { gunzipSync } from 'node:zlib';
import { ConfigError, messageOf } from '../errors/index.js';
import { isRecord } from '../schema/index.js';

/** The document as plain JSON when it fits in one part; otherwise its first part. */
export const EXPLAIN = 'explain';
/** How many parts (explain, explain.2, ...): written whenever there is more than one plain part. */
export const EXPLAIN_PARTS = 'explainParts';
/** With explainParts: what the parts joined are. */
export const EXPLAIN_ENCODING = 'explainEncoding';
/** Instead of the parts, when even compressed the document would not fit in the item: why. */
export const EXPLAIN_OMITTED = 'explainOmitted';

const explainEncodings = ['json', 'gzip+base64'] as const;
export type ExplainEncoding = (typeof explainEncodings)[number];

/** The name of part `n` (from 1): explain, explain.2, explain.3, ... */
export const explainPartName = (n: number): string => (n === 1 ? EXPLAIN : `${EXPLAIN}.${n}`);

/**
 * The most characters of one part. The text is ASCII (explainJson), so characters are UTF-8
 * bytes too, and neither App Insights nor the SDK cuts a part.
 */
export const PART_CHARS = 8_192;

/**
 * What all the custom dimensions of one ScaleDecision may take, in bytes of their JSON in the
 * envelope (escapes included): the ~64 KB an item may have, less room for the envelope itself
 * (name, time, tags, measurements) and a margin.
 */
export const ITEM_PROPERTIES_BYTES = 56_000;

/** Most parts a reader accepts (App Insights keeps about 100 properties per item). */
const MAX_EXPLAIN_PARTS = 90;

/**
 * JSON.stringify with every character outside ASCII written as a \u escape: the same JSON
 * value, and a text whose length is its size in bytes, so a part can be cut anywhere.
 */
export const explainJson = (document: unknown): string =>
  JSON.stringify(document).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

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
