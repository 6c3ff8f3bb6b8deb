import { parseAllDocuments } from 'yaml';
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

describe('JSON settings take the JSON.parse path and read exactly as YAML reads them', () => {
  const yamlValues = (text: string): unknown[] => parseAllDocuments(text).map((d) => d.toJS() as unknown);
  test.each([
    { name: 'a list of targets', text: JSON.stringify([{ namespace: 'shop', scaleTargetRef: { name: 'w' }, triggers: [{ type: 'azure-queue', metadata: { queueName: 'q', queueLength: '5' } }], minReplicaCount: 0, fallback: { replicas: 1.5 } }]) },
    { name: 'one target object', text: '{"namespace": "shop", "scaleTargetRef": {"name": "w"}, "paused": true, "x": null}' },
    { name: 'numbers, escapes and unicode', text: '[{"n": -0.5e3, "big": 12345678901234567890, "s": "tab\\tquote\\" é \\u00e9"}]' },
    { name: 'indented over several lines', text: '[\n  {\n    "a": [1, 2, {"b": []}]\n  }\n]\n' },
  ])('$name', ({ text }) => {
    const parsed = parseList(text);
    expect(parsed.ok).toBe(true);
    const fromYaml = yamlValues(text).flatMap((v) => (Array.isArray(v) ? v : [v]));
    expect(parsed.ok && parsed.items).toEqual(fromYaml);
  });

  test('a repeated key still gets the YAML parser and its message', () => {
    expect(parseList('[{"a": 1, "a": 2}]')).toEqual({ ok: false, reason: 'not valid JSON or YAML: Map keys must be unique at line 1, column 11' });
    expect(parseNamedMap('{"prod": {}, "prod": {}}')).toMatchObject({ ok: false });
  });

  test('YAML and invalid JSON are unchanged', () => {
    expect(parseList('- namespace: shop\n  scaleTargetRef: {name: w}\n')).toEqual({ ok: true, items: [{ namespace: 'shop', scaleTargetRef: { name: 'w' } }] });
    expect(parseList('[{"a": 1,}]')).toEqual({ ok: true, items: [{ a: 1 }] }); // a trailing comma is YAML flow style
    expect(parseList('{"a": ')).toMatchObject({ ok: false });
  });
});
