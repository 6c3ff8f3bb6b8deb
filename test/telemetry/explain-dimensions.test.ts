// The replay document survives App Insights: decisionProperties writes it as custom dimensions
// (plain `explain` when it fits in one value, else numbered parts, gzip + base64 when plain parts
// would overflow the item), App Insights stores the row (cutting each value at 8,192), and
// replayInputOf reads the row back for `explain`, which decides the same again.
import { describe, expect, test } from 'vitest';
import type { ReplayDocument } from '../../shared/engine/index.js';
import { replay } from '../../shared/runtime/index.js';
import { replayInputOf } from '../../shared/telemetry/index.js';
import {
  EXPLAIN,
  EXPLAIN_ENCODING,
  EXPLAIN_OMITTED,
  EXPLAIN_PARTS,
  explainJson,
  explainPartName,
  ITEM_PROPERTIES_BYTES,
  PART_CHARS,
} from '../../shared/telemetry/explain-dimensions.js';
import { createJsonLinesTelemetry, decisionProperties } from '../../shared/telemetry/index.js';
import { decisionEvent, documentOfLength, documentWithHistory, HISTORY_BOUND } from './replay-documents.js';

/** App Insights' limits on one item: properties per item, characters per value. */
const MAX_PROPERTIES = 100;

/** What App Insights keeps of `properties`: each value cut at 8,192 (bytes, as the SDK cuts). */
function stored(properties: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, Buffer.from(v).subarray(0, PART_CHARS).toString()]));
}

/** A customEvents row as exported from App Insights. */
const rowOf = (properties: Record<string, string>) => ({
  timestamp: '2026-11-27T10:00:00.123Z',
  name: 'ScaleDecision',
  itemType: 'customEvent',
  customDimensions: stored(properties),
});

const withUntrustedHistory = (d: ReplayDocument): ReplayDocument => ({ ...d, observation: { ...d.observation, historyNotTrusted: 'the last save of its state failed (HTTP 503)' } });

const partsOf = (properties: Record<string, string>): string[] => Object.keys(properties).filter((k) => k === EXPLAIN || k.startsWith(`${EXPLAIN}.`));

describe('decisionProperties -> App Insights row -> replayInputOf -> replay', () => {
  const worst = documentWithHistory(HISTORY_BOUND);
  test.each([
    { name: 'a small document', document: documentOfLength(1_000), encoding: undefined, parts: 1 },
    { name: 'a document whose history is not trusted', document: withUntrustedHistory(documentOfLength(1_000)), encoding: undefined, parts: 1 },
    { name: 'exactly 8,192 characters: one plain part', document: documentOfLength(PART_CHARS), encoding: undefined, parts: 1 },
    { name: '8,193 characters: two plain parts', document: documentOfLength(PART_CHARS + 1), encoding: 'json', parts: 2 },
    { name: '8,192 characters, non-ASCII text escaped: one part', document: documentOfLength(PART_CHARS, 'ü'), encoding: undefined, parts: 1 },
    { name: 'non-ASCII text over 8,192 characters: parts of 8,192 bytes', document: documentOfLength(PART_CHARS * 2 + 2, '😀'), encoding: 'json', parts: 3 },
    { name: '100 entries in each history list: plain parts', document: documentWithHistory(100), encoding: 'json', parts: 3 },
    { name: '300 entries in each history list: over the item as plain parts, so gzip', document: documentWithHistory(300), encoding: 'gzip+base64', parts: 2 },
    { name: `the worst case, ${HISTORY_BOUND} entries in each history list: gzip`, document: worst, encoding: 'gzip+base64', parts: 5 },
  ])('$name', ({ document, encoding, parts }) => {
    const properties = decisionProperties(decisionEvent(document));
    // Within the item: parts of at most 8,192 bytes, the properties within their budget, and few.
    expect(partsOf(properties)).toEqual(Array.from({ length: parts }, (_, i) => explainPartName(i + 1)));
    expect(properties[EXPLAIN_ENCODING]).toBe(encoding);
    expect(properties[EXPLAIN_PARTS]).toBe(encoding === undefined ? undefined : String(parts));
    for (const value of Object.values(properties)) expect(Buffer.byteLength(value)).toBeLessThanOrEqual(PART_CHARS);
    expect(Buffer.byteLength(JSON.stringify(properties))).toBeLessThanOrEqual(ITEM_PROPERTIES_BYTES);
    expect(Object.keys(properties).length).toBeLessThan(MAX_PROPERTIES);
    if (encoding === undefined) expect(JSON.parse(properties[EXPLAIN]!)).toEqual(document); // readable as it is, in the portal

    // ... and back: the same document, the same decision.
    const row = rowOf(properties);
    expect(replayInputOf(row)).toEqual(document);
    expect(replay(row)).toEqual(replay(document));
    // customDimensions as JSON text, and on their own (`project customDimensions`).
    expect(replay({ ...row, customDimensions: JSON.stringify(row.customDimensions) })).toEqual(replay(document));
    expect(replay(JSON.parse(JSON.stringify(row.customDimensions)))).toEqual(replay(document));
  });

  test('the worst case is about 200,000 characters, and its decision hangs on the history it carries', () => {
    expect(explainJson(worst).length).toBeGreaterThan(195_000);
    const again = replay(rowOf(decisionProperties(decisionEvent(worst))));
    // The scale-up events of the last period hold the count: without them it would scale up.
    expect(again).toMatchObject({ code: 'ScaleUpLimit', replicas: 5_000, desiredReplicas: 12_000 });
    expect(replay({ ...worst, state: { ...worst.state, scaleUpEvents: [] } })).toMatchObject({ action: 'scale-up' });
  });

  test('a document that would not fit even compressed is left out, saying why, and the decision is still recorded', () => {
    // Random text compresses to nothing: 80,000 characters of it in a trigger error.
    let seed = 1;
    const noise = Array.from({ length: 80_000 }, () => String.fromCharCode(33 + ((seed = (seed * 48_271) % 2_147_483_647) % 90))).join('').replace(/[\\"]/g, 'x');
    const small = documentOfLength(1_000);
    const document = { ...small, observation: { ...small.observation, triggers: [{ value: 30 }, { error: noise }] } };
    const properties = decisionProperties(decisionEvent(document));
    expect(partsOf(properties)).toEqual([]);
    expect(properties).toMatchObject({ action: 'scale-up', target: 'prod/shop/orders-worker' });
    expect(properties[EXPLAIN_OMITTED]).toMatch(/^the replay document is \d+ characters, \d+ as gzip \+ base64: more than the \d+ bytes left in the App Insights item/);
    expect(() => replay(rowOf(properties))).toThrow(/^explain input: customDimensions\.explainOmitted: this decision's replay document was not recorded: the replay document is/);
  });
});

describe('a row without the whole document is a clear error', () => {
  const split = decisionProperties(decisionEvent(documentOfLength(PART_CHARS + 1)));
  const packed = decisionProperties(decisionEvent(documentWithHistory(HISTORY_BOUND)));
  const without = (properties: Record<string, string>, ...keys: string[]) => Object.fromEntries(Object.entries(properties).filter(([k]) => !keys.includes(k)));
  const only = (properties: Record<string, string>, ...keys: string[]) => Object.fromEntries(Object.entries(properties).filter(([k]) => keys.includes(k)));

  test.each([
    { name: 'the second of two plain parts', row: rowOf(without(split, 'explain.2')), error: 'explain input: customDimensions.explain.2: is missing: the replay document was recorded in 2 parts (explain, explain.2) and it is not in this row; export the whole customDimensions of the ScaleDecision row (docs/queries.kql)' },
    { name: 'the first part', row: rowOf(without(split, 'explain')), error: 'explain input: customDimensions.explain: is missing: the replay document was recorded in 2 parts (explain, explain.2) and it is not in this row' },
    { name: 'a compressed part', row: rowOf(without(packed, 'explain.3')), error: 'explain input: customDimensions.explain.3: is missing: the replay document was recorded in 5 parts (explain, explain.2, explain.3, explain.4, explain.5) and it is not in this row' },
    { name: 'two compressed parts', row: rowOf(without(packed, 'explain.2', 'explain.4')), error: 'explain input: customDimensions.explain.2: is missing: the replay document was recorded in 5 parts (explain, explain.2, explain.3, explain.4, explain.5) and explain.2, explain.4 are not in this row' },
    { name: 'only `explain` exported of a split document', row: rowOf(only(split, 'explain')), error: 'explain input: customDimensions.explain: is not JSON (', more: `); it is exactly ${PART_CHARS} characters, where App Insights cuts a value: a part may be missing` },
    { name: 'no replay document at all', row: { name: 'ScaleDecision', customDimensions: { target: 'prod/shop/orders-worker' } }, error: 'explain input: customDimensions.explain: is missing: export the whole customDimensions of the ScaleDecision row (docs/queries.kql)' },
    { name: 'a compressed part changed', row: rowOf({ ...packed, 'explain.2': packed['explain.2']!.replace(/[A-Za-z]/g, (c) => (c === 'A' ? 'B' : 'A')) }), error: 'explain input: customDimensions.explain (5 parts joined): is not gzip + base64 (', more: '): a part is cut or changed' },
    { name: 'a part count that is not one', row: rowOf({ ...split, explainParts: 'two' }), error: 'explain input: customDimensions.explainParts: must be a number of parts from 1 to 90, not "two"' },
    { name: 'an unknown encoding', row: rowOf({ ...split, explainEncoding: 'brotli' }), error: 'explain input: customDimensions.explainEncoding: must be one of json, gzip+base64, not "brotli"' },
  ])('$name', ({ row, error, more }) => {
    expect(() => replayInputOf(row)).toThrow(error);
    if (more) expect(() => replayInputOf(row)).toThrow(more);
    expect(() => replay(row)).toThrow(error);
  });
});

describe('JSON lines keep the whole document on one line', () => {
  test('the worst case: one line, which replays', () => {
    const lines: string[] = [];
    const document = documentWithHistory(HISTORY_BOUND);
    createJsonLinesTelemetry((l) => lines.push(l)).decision(decisionEvent(document));
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('\n') && !lines[0]!.slice(0, -1).includes('\n')).toBe(true);
    const line = JSON.parse(lines[0]!) as { explain: unknown };
    expect(line.explain).toEqual(document);
    expect(replay(line)).toEqual(replay(document));
  });
});
