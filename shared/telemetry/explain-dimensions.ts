// How a decision's replay document is laid out in the custom dimensions of its ScaleDecision
// event, so that it still replays after App Insights stored it (docs/engine.md). App Insights
// cuts a custom dimension value at 8,192 characters (the SDK cuts at 8,192 UTF-8 bytes before
// sending) and refuses an item over about 64 KB or with more than about 100 properties.
// Written by decisionProperties (app-insights.ts); read back by replayInputOf
// (shared/runtime/explain.ts). Nothing else reads or writes these names.

/** The document as plain JSON when it fits in one part; otherwise its first part. */
export const EXPLAIN = 'explain';
/** How many parts (explain, explain.2, ...): written whenever there is more than one plain part. */
export const EXPLAIN_PARTS = 'explainParts';
/** With explainParts: what the parts joined are. */
export const EXPLAIN_ENCODING = 'explainEncoding';
/** Instead of the parts, when even compressed the document would not fit in the item: why. */
export const EXPLAIN_OMITTED = 'explainOmitted';

export const explainEncodings = ['json', 'gzip+base64'] as const;
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
export const MAX_EXPLAIN_PARTS = 90;

/**
 * JSON.stringify with every character outside ASCII written as a \u escape: the same JSON
 * value, and a text whose length is its size in bytes, so a part can be cut anywhere.
 */
export const explainJson = (document: unknown): string =>
  JSON.stringify(document).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
