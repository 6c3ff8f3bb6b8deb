// App settings hold JSON or YAML (JSON is YAML 1.2); a YAML stream may hold several documents,
// as `kubectl get -o yaml` output does.
import { parseAllDocuments } from 'yaml';

export type DocumentParse = { ok: true; items: unknown[] } | { ok: false; reason: string };

/** Parses a setting into a list: a list document, a `kind: List`, or one item per document. */
export function parseList(text: string): DocumentParse {
  const docs = parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true, intAsBigInt: false });
  const list = Array.isArray(docs) ? docs : [docs];
  const errors = list.flatMap((d) => d.errors);
  if (errors.length > 0) return { ok: false, reason: `not valid JSON or YAML: ${errors[0]!.message.split('\n')[0]}` };
  const values = list.map((d) => d.toJS() as unknown).filter((v) => v !== null && v !== undefined);
  const items = values.flatMap((v) => {
    if (Array.isArray(v)) return v as unknown[];
    if (typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'List') {
      const inner = (v as { items?: unknown }).items;
      return Array.isArray(inner) ? inner : [];
    }
    return [v];
  });
  return { ok: true, items };
}

/** Parses a setting that maps names to entries: an object, or a list of entries with `name`. */
export function parseNamedMap(text: string): { ok: true; entries: [string, unknown][] } | { ok: false; reason: string } {
  const docs = parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true });
  const first = (Array.isArray(docs) ? docs : [docs])[0];
  if (!first) return { ok: true, entries: [] };
  if (first.errors.length > 0) return { ok: false, reason: `not valid JSON or YAML: ${first.errors[0]!.message.split('\n')[0]}` };
  const value = first.toJS() as unknown;
  if (value === null || value === undefined) return { ok: true, entries: [] };
  if (Array.isArray(value)) {
    return {
      ok: true,
      entries: value.map((v, i) => {
        const name = typeof v === 'object' && v !== null ? (v as { name?: unknown }).name : undefined;
        const { name: _n, ...rest } = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
        return [typeof name === 'string' ? name : `#${i}`, rest];
      }),
    };
  }
  if (typeof value === 'object') return { ok: true, entries: Object.entries(value) };
  return { ok: false, reason: 'must be a map of names to entries, or a list of entries with a name' };
}
