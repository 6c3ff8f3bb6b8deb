// App settings hold JSON or YAML (JSON is YAML 1.2); a YAML stream may hold several documents,
// as `kubectl get -o yaml` output does.
import { isMap, isNode, isSeq, parseAllDocuments, type Document, type Node, type YAMLError } from 'yaml';
import { isRecord, show } from '../schema/index.js';

/** One item of a list setting (a target). */
export interface ListItem {
  /** The item; when it has an error, whatever could be made of it (only to name it). */
  value: unknown;
  /** A YAML error inside this item: the item is refused, the others are read. */
  error?: string;
}

/**
 * The items of a list setting. `problems` are documents of a YAML stream that could not be read
 * (the others are); `ok: false` when nothing in the setting can be trusted.
 */
export type DocumentParse = { ok: true; items: ListItem[]; problems: string[] } | { ok: false; reason: string };

const YAML_OPTIONS = { prettyErrors: true, uniqueKeys: true, intAsBigInt: false } as const;
const TO_JS = { maxAliasCount: 100 };

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

/** prettyErrors adds a source excerpt after "at line L, column C:"; the first line is enough. */
const yamlReason = (e: Error): string => `not valid JSON or YAML: ${e.message.split('\n')[0]!.replace(/:$/, '')}`;

/** Parses every document of a setting, or says why the text is not JSON or YAML. */
function parseDocuments(text: string): { ok: true; values: unknown[] } | { ok: false; reason: string } {
  const json = parseJson(text);
  if (json) return { ok: true, values: json };
  const docs = parseAllDocuments(text, YAML_OPTIONS);
  const list = Array.isArray(docs) ? docs : [docs];
  const errors = list.flatMap((d) => d.errors);
  if (errors.length > 0) return { ok: false, reason: yamlReason(errors[0]!) };
  // toJS resolves aliases, and throws on one whose anchor is missing or on too many of them.
  const values: unknown[] = [];
  for (const d of list) {
    try {
      values.push(d.toJS() as unknown);
    } catch (e) {
      return { ok: false, reason: yamlReason(e as Error) };
    }
  }
  return { ok: true, values: values.filter((v) => v !== null && v !== undefined) };
}

/** The items of one document's value: a list, a `kind: List`, or one target; or why not. */
function itemsOf(value: unknown): { items: unknown[] } | { reason: string } {
  if (Array.isArray(value)) return { items: value as unknown[] };
  if (isRecord(value) && value.kind === 'List') {
    return Array.isArray(value.items) ? { items: value.items as unknown[] } : { reason: 'is a kind: List whose items is not a list' };
  }
  if (isRecord(value)) return { items: [value] };
  return { reason: `must be a list of targets (or a target, or ScaledObject documents), not ${show(value)}` };
}

/** A node's value, for looking at it (undefined when it cannot be read). */
const nodeValue = (node: unknown, doc: Document): unknown => {
  try {
    return isNode(node) ? (node.toJS(doc, TO_JS) as unknown) : node;
  } catch {
    return undefined;
  }
};

/** The list node holding a document's items: the document itself, or the items of a kind: List. */
function listNode(doc: Document): Node | undefined {
  const contents = doc.contents;
  if (isSeq(contents)) return contents;
  if (isMap(contents) && nodeValue(contents.get('kind', true), doc) === 'List') {
    const items = contents.get('items', true);
    return isSeq(items) ? items : undefined;
  }
  return undefined;
}

/** Errors about a list's own items, which make its item boundaries unknown. */
const LIST_STRUCTURE = /^(Sequence item without - indicator|All sequence items must start at the same column)/;

type DocumentItems = { items: ListItem[] } | { reason: string } | { empty: true };

/**
 * One YAML document. An error inside a list item (by its position) refuses that item only; an
 * error outside every item (an unclosed bracket at the end, a bad indentation that cut the list
 * short) refuses the document. A document that is one target is its own item, inside which an
 * error refuses only that target.
 */
function readDocument(doc: Document): DocumentItems {
  if (doc.contents === null || (doc.errors.length === 0 && nodeValue(doc.contents, doc) === null)) return { empty: true };
  const list = listNode(doc);
  /** Each item with its error, if any: one located in it, or one from reading it (an alias without its anchor). */
  const perItem = (nodes: readonly unknown[], errorOf: (i: number) => YAMLError | undefined): ListItem[] =>
    nodes.map((node, i) => {
      const located = errorOf(i);
      try {
        const value = isNode(node) ? (node.toJS(doc, TO_JS) as unknown) : node;
        return located ? { value, error: yamlReason(located) } : { value };
      } catch (e) {
        return { value: undefined, error: yamlReason(located ?? (e as Error)) };
      }
    });
  if (doc.errors.length === 0) {
    try {
      const read = itemsOf(doc.toJS(TO_JS));
      return 'items' in read ? { items: read.items.map((value) => ({ value })) } : read;
    } catch (e) {
      // An alias that cannot be resolved, or too many: the items that hold one are refused.
      if (!isSeq(list)) return { reason: yamlReason(e as Error) };
      return { items: perItem(list.items, () => undefined) };
    }
  }
  // A document that is one target is a list of one item.
  const nodes: readonly unknown[] | undefined = isSeq(list) ? list.items : isMap(doc.contents) && !list ? [doc.contents] : undefined;
  if (!nodes) return { reason: yamlReason(doc.errors[0]!) };
  const last = nodes.length - 1;
  const rangeOf = (item: unknown): [number, number, number] | undefined => (isNode(item) && item.range ? item.range : undefined);
  const owner = (e: YAMLError): number => {
    const inside = nodes.findIndex((item) => {
      const range = rangeOf(item);
      return range !== undefined && e.pos[0] >= range[0] && e.pos[0] < range[2];
    });
    if (inside >= 0) return inside;
    // An error right at the end of an item (an unclosed bracket) is the item's when another follows
    // it, unless it is about the list itself: an item without its "-" (a bad indentation) could be
    // the tail of the item before as well as an item of its own.
    if (LIST_STRUCTURE.test(e.message)) return -1;
    return nodes.findIndex((item, i) => rangeOf(item)?.[2] === e.pos[0] && i < last);
  };
  const outside = doc.errors.find((e) => owner(e) < 0);
  if (outside) return { reason: yamlReason(outside) };
  return { items: perItem(nodes, (i) => doc.errors.find((e) => owner(e) === i)) };
}

/**
 * Parses a setting into a list: a list document, a `kind: List`, or one item per document.
 * Each document of a YAML stream is read on its own, and each item of a list as far as its YAML
 * is sound: one malformed target never stops the well-formed ones.
 */
export function parseList(text: string): DocumentParse {
  const json = parseJson(text);
  if (json) {
    const read = itemsOf(json[0]);
    return 'items' in read ? { ok: true, items: read.items.map((value) => ({ value })), problems: [] } : { ok: false, reason: read.reason };
  }
  const parsed = parseAllDocuments(text, YAML_OPTIONS);
  // A stream with no document (only comments) is an EmptyStream, which may carry errors.
  const streamErrors = 'empty' in parsed ? parsed.errors : [];
  if (streamErrors.length > 0) return { ok: false, reason: yamlReason(streamErrors[0]!) };
  const docs = parsed.map((d) => readDocument(d)).filter((d): d is Exclude<DocumentItems, { empty: true }> => !('empty' in d));
  if (docs.length === 1 && 'reason' in docs[0]!) return { ok: false, reason: docs[0].reason };
  const items: ListItem[] = [];
  const problems: string[] = [];
  docs.forEach((d, i) => {
    if ('items' in d) items.push(...d.items);
    else problems.push(d.reason.startsWith('not valid') ? `document ${i + 1}: ${d.reason}` : `document ${i + 1} ${d.reason}`);
  });
  return { ok: true, items, problems };
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
