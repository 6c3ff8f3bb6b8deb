import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { parseAllDocuments, stringify } from 'yaml';
import { describe, expect, test } from 'vitest';
import { hasDuplicateKey, parseList, parseNamedMap } from '../../shared/config/document.js';

describe('hasDuplicateKey: a key repeated within one object of valid JSON', () => {
  test.each([
    { name: 'distinct keys', json: '{"a": 1, "b": 2}', want: false },
    { name: 'a repeated key', json: '{"a": 1, "a": 2}', want: true },
    { name: 'the same key in sibling objects', json: '[{"a": 1}, {"a": 2}]', want: false },
    { name: 'the same key at two depths', json: '{"a": {"a": 1}}', want: false },
    { name: 'repeated after a nested object closes', json: '{"a": {"b": 1}, "b": 2, "a": 3}', want: true },
    { name: 'a string value equal to a key', json: '{"a": "a", "b": ["a", "a"]}', want: false },
    { name: 'escaped quotes and backslashes in keys', json: '{"a\\"b": 1, "a\\\\": 2, "a\\"b" : 3}', want: true },
    { name: 'an escape that spells the same key', json: '{"a": 1, "\\u0061": 2}', want: true },
    { name: 'whitespace before the colon', json: '{"a"\n\t : 1, "a"\r\n: 2}', want: true },
    { name: 'braces inside strings', json: '{"{": "}", "[": "]", "x": "{\\"x\\": 1}"}', want: false },
  ])('$name', ({ json, want }) => {
    JSON.parse(json); // every row is valid JSON
    expect(hasDuplicateKey(json)).toBe(want);
  });
});

/** The values of a parse that must have worked, with no item refused. */
const values = (text: string): unknown[] => {
  const parsed = parseList(text);
  if (!parsed.ok) throw new Error(parsed.reason);
  expect(parsed.problems).toEqual([]);
  expect(parsed.items.filter((i) => i.error)).toEqual([]);
  return parsed.items.map((i) => i.value);
};

describe('JSON settings take the JSON.parse path and read exactly as YAML reads them', () => {
  const yamlValues = (text: string): unknown[] => parseAllDocuments(text).map((d) => d.toJS() as unknown);
  test.each([
    { name: 'a list of targets', text: JSON.stringify([{ namespace: 'shop', scaleTargetRef: { name: 'w' }, triggers: [{ type: 'azure-queue', metadata: { queueName: 'q', queueLength: '5' } }], minReplicaCount: 0, fallback: { replicas: 1.5 } }]) },
    { name: 'one target object', text: '{"namespace": "shop", "scaleTargetRef": {"name": "w"}, "paused": true, "x": null}' },
    { name: 'numbers, escapes and unicode', text: '[{"n": -0.5e3, "big": 12345678901234567890, "s": "tab\\tquote\\" é \\u00e9"}]' },
    { name: 'indented over several lines', text: '[\n  {\n    "a": [1, 2, {"b": []}]\n  }\n]\n' },
  ])('$name', ({ text }) => {
    const fromYaml = yamlValues(text).flatMap((v) => (Array.isArray(v) ? v : [v]));
    expect(values(text)).toEqual(fromYaml);
  });

  test('a repeated key still gets the YAML parser and its message, against the item that holds it', () => {
    expect(parseList('[{"a": 1, "a": 2}]')).toEqual({ ok: true, items: [{ value: { a: 2 }, error: 'not valid JSON or YAML: Map keys must be unique at line 1, column 11' }], problems: [] });
    expect(parseNamedMap('{"prod": {}, "prod": {}}')).toMatchObject({ ok: false });
  });

  test('YAML and invalid JSON are unchanged', () => {
    expect(values('- namespace: shop\n  scaleTargetRef: {name: w}\n')).toEqual([{ namespace: 'shop', scaleTargetRef: { name: 'w' } }]);
    expect(values('[{"a": 1,}]')).toEqual([{ a: 1 }]); // a trailing comma is YAML flow style
    expect(parseList('{"a": ')).toMatchObject({ ok: false });
  });
});

describe('one malformed item never stops the others: YAML errors located by position', () => {
  const itemsOf = (text: string) => {
    const parsed = parseList(text);
    return parsed.ok ? { items: parsed.items.map((i) => (i.error ? `error: ${i.error}` : i.value)), problems: parsed.problems } : { reason: parsed.reason };
  };
  test.each([
    {
      name: 'a repeated key in the second item of a JSON list',
      text: '[{"a": 1}, {"b": 1, "b": 2}, {"c": 3}]',
      want: { items: [{ a: 1 }, 'error: not valid JSON or YAML: Map keys must be unique at line 1, column 21', { c: 3 }], problems: [] },
    },
    {
      name: 'a repeated key in a block list item',
      text: '- a: 1\n- b: 2\n  b: 3\n- c: 4\n',
      want: { items: [{ a: 1 }, 'error: not valid JSON or YAML: Map keys must be unique at line 3, column 3', { c: 4 }], problems: [] },
    },
    {
      name: 'an unclosed brace in an item followed by another',
      text: '- a: 1\n- {b: 2\n- c: 4\n',
      want: { items: [{ a: 1 }, 'error: not valid JSON or YAML: Flow map in block collection must be sufficiently indented and end with a } at line 3, column 1', { c: 4 }], problems: [] },
    },
    {
      name: 'an unclosed bracket at the end: the setting as a whole',
      text: '[{"a": 1}, {"b": 2}',
      want: { reason: 'not valid JSON or YAML: Flow sequence must end with a ] at line 1, column 20' },
    },
    {
      name: 'a tab indentation that cuts the list short: the setting as a whole',
      text: '- a: 1\n- b:\n\tc: 2\n- d: 4\n',
      want: { reason: 'not valid JSON or YAML: Tabs are not allowed as indentation at line 3, column 1' },
    },
    {
      name: 'a stream: each document on its own',
      text: 'a: 1\n---\nb: [1\n---\nc: 3\n---\n42\n---\nd: 1\nd: 2\n',
      want: {
        items: [{ a: 1 }, { c: 3 }, 'error: not valid JSON or YAML: Map keys must be unique at line 10, column 1'],
        problems: [
          'document 2: not valid JSON or YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 4, column 1',
          'document 4 must be a list of targets (or a target, or ScaledObject documents), not 42',
        ],
      },
    },
    {
      name: 'a kind: List with a bad item',
      text: 'kind: List\nitems:\n  - a: 1\n  - b: 1\n    b: 2\n',
      want: { items: [{ a: 1 }, 'error: not valid JSON or YAML: Map keys must be unique at line 5, column 5'], problems: [] },
    },
    {
      name: 'an alias to an anchor of an earlier item still resolves',
      text: '- a: &x {q: 1}\n- b: *x\n- c: *missing\n',
      want: { items: [{ a: { q: 1 } }, { b: { q: 1 } }, 'error: not valid JSON or YAML: Unresolved alias (the anchor must be set before the alias): missing'], problems: [] },
    },
  ])('$name', ({ text, want }) => {
    expect(itemsOf(text)).toEqual(want);
  });
});

describe('a YAML error never changes an item it is not in (fuzzed)', () => {
  const originals = [0, 1, 2, 3].map((n) => ({ name: `t${n}`, n, list: [n, n + 1], map: { k: `v${n}` } }));
  const text = stringify(originals);
  const starts = [...text.matchAll(/^- /gm)].map((m) => m.index);

  test('items without an error load exactly as written, but for the one the edit is in', () => {
    fc.assert(
      fc.property(fc.nat(text.length - 1), fc.constantFrom('insert', 'delete', 'swap'), fc.constantFrom(':', '-', ' ', '\n', '\t', '{', '}', '[', ']', '"', "'", '&', '*', '#', '!', '|', 'x', ','), (at, kind, c) => {
        const edited = kind === 'insert' ? text.slice(0, at) + c + text.slice(at) : kind === 'delete' ? text.slice(0, at) + text.slice(at + 1) : text.slice(0, at) + c + text.slice(at + 1);
        const parsed = parseList(edited);
        if (!parsed.ok || (parsed.problems.length === 0 && parsed.items.every((i) => !i.error))) return; // refused as a whole, or valid YAML
        const changed = parsed.items.filter((i) => !i.error && !originals.some((o) => isDeepStrictEqual(o, i.value)));
        // At most the item holding the edit: any other item loads as written, or is refused.
        expect(changed.length).toBeLessThanOrEqual(1);
        const holder = starts.findLastIndex((s) => s <= at);
        const name = (changed[0]?.value as { name?: unknown } | undefined)?.name;
        if (changed.length === 1 && typeof name === 'string' && /^t\d$/.test(name)) expect(name).toBe(`t${holder}`);
        const kept = parsed.items.filter((i) => !i.error).map((i) => i.value);
        expect(kept.length).toBeLessThanOrEqual(originals.length);
      }),
      { numRuns: 800 },
    );
  });
});
