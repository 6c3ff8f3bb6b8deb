// App settings hold JSON or YAML (JSON is YAML 1.2); a YAML stream may hold several documents,
// as `kubectl get -o yaml` output does.
import { parseAllDocuments } from 'yaml';
import { isRecord, show } from './values.js';

export type DocumentParse = { ok: true; items: unknown[] } | { ok: false; reason: string };

/**
 * Whether valid JSON text repeats a key within one object (JSON.parse keeps the last one
 * silently; the YAML parser, with uniqueKeys, refuses it).
 */
export function hasDuplicateKey(json: string): boolean {
  // One set of keys per open object, null per open array.
  const open: (Set<string> | null)[] = [];
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '{') open.push(new Set());
    else if (c === '[') open.push(null);
    else if (c === '}' || c === ']') open.pop();
    else if (c === '"') {
      let end = i + 1;
      while (json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
      const raw = json.slice(i, end + 1);
      i = end;
      let next = end + 1;
      while (json[next] === ' ' || json[next] === '\n' || json[next] === '\r' || json[next] === '\t') next++;
      const keys = open.at(-1);
      if (json[next] !== ':' || !keys) continue;
      // Decoded, so "a" and "\u0061" are the same key, as they are to the YAML parser.
      const key = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
      if (keys.has(key)) return true;
      keys.add(key);
    }
  }
  return false;
}

/**
 * JSON first: on a large setting JSON.parse is some 80 times faster than the YAML parser (5,000
 * targets: 12 ms against 950 ms, a second of every instance's start-up; bench/README.md), and
 * the setting is JSON as the deployment writes it. Only text JSON.parse accepts without a repeated key takes this path, and
 * then the YAML parser would give the same value; anything else goes to the YAML parser, with its
 * messages.
 */
function parseJson(text: string): unknown[] | undefined {
  const start = text.trimStart()[0];
  if (start !== '[' && start !== '{') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return hasDuplicateKey(text) ? undefined : [value];
}

/** Parses every document of a setting, or says why the text is not JSON or YAML. */
function parseDocuments(text: string): { ok: true; values: unknown[] } | { ok: false; reason: string } {
  const json = parseJson(text);
  if (json) return { ok: true, values: json };
  const docs = parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true, intAsBigInt: false });
  const list = Array.isArray(docs) ? docs : [docs];
  const errors = list.flatMap((d) => d.errors);
  if (errors.length > 0) {
    // prettyErrors adds a source excerpt after "at line L, column C:"; the first line is enough.
    return { ok: false, reason: `not valid JSON or YAML: ${errors[0]!.message.split('\n')[0]!.replace(/:$/, '')}` };
  }
  // toJS resolves aliases, and throws on one whose anchor is missing or on too many of them.
  const values: unknown[] = [];
  for (const d of list) {
    try {
      values.push(d.toJS() as unknown);
    } catch (e) {
      return { ok: false, reason: `not valid JSON or YAML: ${(e as Error).message.split('\n')[0]}` };
    }
  }
  return { ok: true, values: values.filter((v) => v !== null && v !== undefined) };
}

/** Parses a setting into a list: a list document, a `kind: List`, or one item per document. */
export function parseList(text: string): DocumentParse {
  const parsed = parseDocuments(text);
  if (!parsed.ok) return parsed;
  const items: unknown[] = [];
  for (const [i, v] of parsed.values.entries()) {
    const where = parsed.values.length > 1 ? `document ${i + 1} ` : '';
    if (Array.isArray(v)) {
      items.push(...(v as unknown[]));
    } else if (isRecord(v) && v.kind === 'List') {
      if (!Array.isArray(v.items)) return { ok: false, reason: `${where}is a kind: List whose items is not a list` };
      items.push(...(v.items as unknown[]));
    } else if (isRecord(v)) {
      items.push(v);
    } else {
      return { ok: false, reason: `${where}must be a list of targets (or a target, or ScaledObject documents), not ${show(v)}` };
    }
  }
  return { ok: true, items };
}

export interface NamedEntry {
  name: string;
  value: unknown;
  /** Why the entry has no usable name (a list entry without `name`). */
  unnamed?: string;
}

/** Parses a setting that maps names to entries: an object, or a list of entries with `name`. */
export function parseNamedMap(text: string): { ok: true; entries: NamedEntry[] } | { ok: false; reason: string } {
  const parsed = parseDocuments(text);
  if (!parsed.ok) return parsed;
  if (parsed.values.length > 1) return { ok: false, reason: `must be one document, not ${parsed.values.length}` };
  const value = parsed.values[0];
  if (value === undefined) return { ok: true, entries: [] };
  if (Array.isArray(value)) {
    return {
      ok: true,
      entries: value.map((v, i): NamedEntry => {
        if (!isRecord(v)) return { name: `#${i}`, value: v };
        const { name, ...rest } = v;
        if (typeof name === 'string' && name.trim()) return { name: name.trim(), value: rest };
        return { name: `#${i}`, value: rest, unnamed: name === undefined ? 'is required in a list of clusters' : `must be a non-empty string, not ${show(name)}` };
      }),
    };
  }
  if (isRecord(value)) return { ok: true, entries: Object.entries(value).map(([name, v]) => ({ name, value: v })) };
  return { ok: false, reason: `must be a map of names to entries, or a list of entries with a name, not ${show(value)}` };
}
