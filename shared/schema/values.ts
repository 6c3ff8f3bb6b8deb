// Value parsers and schema helpers for settings written the KEDA way, shared by the
// configuration and by each trigger type's metadata (shared/sources): numbers may be given as
// strings ("5"), quantities as Kubernetes quantities ("50m"). Messages are written to follow a
// field path (`triggers[0].metadata.queueLength: "AA" is not an integer`), so they never repeat
// the field's name. Imports nothing of the project.
import { z } from 'zod';

/** App settings (environment variables, local.settings.json Values), as read. */
export type Settings = Record<string, string | undefined>;

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A value as it appears in a message: strings quoted, containers named, never dumped. */
export function show(raw: unknown): string {
  if (typeof raw === 'string') return JSON.stringify(raw);
  if (raw === null) return 'null';
  if (Array.isArray(raw)) return 'a list';
  if (typeof raw === 'object') return 'a map';
  return String(raw);
}

const article: Record<string, string> = { object: 'a map', record: 'a map', map: 'a map', array: 'a list', string: 'a string', boolean: 'true or false', number: 'a number' };

/**
 * The error map every configuration parse uses (pass it to safeParse): "is required" for a
 * missing field, "must be a map / a list / a string" instead of zod's "Invalid input: ...".
 * Schema-level messages take precedence; they return undefined to fall back to this one.
 */
const configErrorMap = (issue: { code?: string; input?: unknown; expected?: string }): string | undefined => {
  // A missing enum or literal is an invalid_value whose input is undefined.
  if ((issue.code === 'invalid_type' || issue.code === 'invalid_value') && issue.input === undefined) return 'is required';
  if (issue.code === 'invalid_type') {
    if (issue.expected === 'never') return 'is not supported';
    const want = article[issue.expected ?? ''] ?? issue.expected;
    return `must be ${want}, not ${show(issue.input)}`;
  }
  return undefined;
};

/** safeParse with the configuration error map. */
export const parseConfig = <S extends z.ZodType>(schema: S, raw: unknown) => schema.safeParse(raw, { error: configErrorMap });

/** An ISO-8601 time with its offset, of a date that exists (stored state, queue messages, replay documents). */
export const isoTime = z.iso
  .datetime({ offset: true, error: 'must be an ISO-8601 time' })
  .refine((v) => Number.isFinite(Date.parse(v)), 'is not a date that exists');

/** Renders a zod path as `triggers[0].metadata.queueLength`. */
export const formatPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');

/** Levenshtein distance, for "did you mean" hints on misspelt field names. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length]!;
}

/** The known name closest to `key` (case-insensitive, at most 2 edits, or a prefix), if any. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const name of known) {
    const [a, b] = [key.toLowerCase(), name.toLowerCase()];
    // A name cut short (stabilizationWindow) counts as two edits away.
    const d = a.length >= 4 && b.startsWith(a) ? Math.min(2, distance(a, b)) : distance(a, b);
    if (d <= 2 && (!best || d < best.d)) best = { name, d };
  }
  return best?.name;
}

/** `unknown field(s): maxReplicasCount (did you mean maxReplicaCount?)`. */
function unknownFields(keys: readonly string[], known: readonly string[], noun = 'field'): string {
  const listed = keys.map((k) => {
    const hint = closest(k, known);
    return hint ? `${k} (did you mean ${hint}?)` : k;
  });
  return `unknown ${noun}(s): ${listed.join(', ')}`;
}

/** A strict object: unknown fields are errors, with a hint when one looks like a typo. */
export function fields<T extends z.core.$ZodLooseShape>(shape: T, noun = 'field') {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? unknownFields(issue.keys, known, noun) : undefined),
  });
}

export interface CheckIssue {
  path: PropertyKey[];
  message: string;
}

/**
 * An object schema plus cross-field checks that run even when some fields are invalid. (zod
 * skips `superRefine` once any field has failed, which would hide e.g. idle >= min behind an
 * unrelated typo.) `check` sees the raw map and must tolerate invalid values in it.
 */
export function checked<S extends z.ZodType>(schema: S, check: (raw: Record<string, unknown>) => CheckIssue[]) {
  return z.unknown().transform((raw, ctx): z.output<S> => {
    const parsed = parseConfig(schema, raw);
    const issues: CheckIssue[] = parsed.success ? [] : parsed.error.issues.map((i) => ({ path: i.path, message: i.message }));
    if (isRecord(raw)) issues.push(...check(raw));
    if (parsed.success && issues.length === 0) return parsed.data;
    for (const i of issues) ctx.addIssue({ code: 'custom', path: i.path, message: i.message });
    return z.NEVER;
  });
}

/** The value of one field parsed on its own, or undefined when it is invalid (for checks). */
export function peek<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> | undefined {
  const parsed = schema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

const WHOLE = /^\s*[-+]?\d+\s*$/;

/**
 * A number given as a number or a string matching `pattern`: "is not <what>" unless `valid`, then
 * the message of `outOfBounds`, if any.
 */
function numberFrom(pattern: RegExp, valid: (n: number) => boolean, what: string, outOfBounds: (n: number) => string | undefined) {
  return z.unknown().transform((raw, ctx) => {
    if (raw === undefined) {
      ctx.addIssue({ code: 'custom', message: 'is required' });
      return z.NEVER;
    }
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && pattern.test(raw) ? Number(raw) : NaN;
    const problem = valid(n) ? outOfBounds(n) : `${show(raw)} is not ${what}`;
    if (problem !== undefined) {
      ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }
    return n;
  });
}

/** An integer given as a number or a string, within [min, max]. */
export const integer = (bounds: { min?: number; max?: number } = {}) =>
  numberFrom(WHOLE, Number.isSafeInteger, 'an integer', (n) =>
    bounds.min !== undefined && n < bounds.min ? `${n} is less than ${bounds.min}`
      : bounds.max !== undefined && n > bounds.max ? `${n} is more than ${bounds.max}`
        : undefined);

/** One of a fixed set of strings, compared exactly (KEDA's enums are case-sensitive). */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T, note = '') {
  return z.enum(values, {
    error: (issue) => (issue.input === undefined ? undefined : `${show(issue.input)} is not one of ${values.join(', ')}${note}`),
  });
}

const QUANTITY = /^\s*([+-]?(?:\d+\.?\d*|\.\d+))(m?)\s*$/;

const DECIMAL = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

/**
 * A finite decimal number given as a number or a string ("2.5", "1e3"), as KEDA reads the
 * numbers of advanced.scalingModifiers (strconv.ParseFloat); `above` is an exclusive lower bound.
 */
export const decimal = (bounds: { above?: number } = {}) =>
  numberFrom(DECIMAL, Number.isFinite, 'a number', (n) => (bounds.above !== undefined && !(n > bounds.above) ? `${n} is not more than ${bounds.above}` : undefined));

/** A non-negative Kubernetes quantity as used for HPA tolerance: 0.1, "0.05", "50m". */
export const quantity = z.unknown().transform((raw, ctx) => {
  const match = typeof raw === 'number' ? [String(raw), String(raw), ''] : typeof raw === 'string' ? QUANTITY.exec(raw) : null;
  const n = match ? Number(match[1]) / (match[2] === 'm' ? 1000 : 1) : NaN;
  if (!Number.isFinite(n)) {
    ctx.addIssue({ code: 'custom', message: `${show(raw)} is not a quantity (e.g. 0.1 or "100m")` });
    return z.NEVER;
  }
  if (n < 0) {
    ctx.addIssue({ code: 'custom', message: `${show(raw)} is negative (must be >= 0)` });
    return z.NEVER;
  }
  return n;
});

/** A non-empty string. */
export const text = z
  .string({ error: (issue) => (issue.input === undefined ? undefined : `must be a string, not ${show(issue.input)}`) })
  .trim()
  .min(1, 'must not be empty');

/** A Kubernetes object name (RFC 1123 subdomain). */
export const kubeName = text
  .max(253, 'is longer than 253 characters')
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { error: (issue) => `${show(issue.input)} is not a valid name (lowercase RFC 1123: a-z, 0-9, '-' and '.')` });

/** A Kubernetes namespace (RFC 1123 label). */
export const kubeLabel = text
  .max(63, 'is longer than 63 characters')
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: (issue) => `${show(issue.input)} is not a valid namespace (lowercase RFC 1123 label: a-z, 0-9 and '-')` });

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A Microsoft Entra client id. */
export const clientId = text.regex(GUID, { error: (issue) => `${show(issue.input)} is not a client id (a GUID)` });

/**
 * A service URL the scaler will send a token or a key to: the scheme `protocol` allows, no user
 * name or password in it (they would be a secret in plain text, and are never repeated in the
 * message), no query or fragment (a URL is not the place for parameters).
 */
export function serviceUrl(protocol: RegExp, kind: string) {
  return z
    .url({ protocol, error: (i) => (i.input === undefined ? undefined : typeof i.input === 'string' && /^[a-z][a-z0-9+.-]*:\/\/[^/@]*@/i.test(i.input) ? `is not ${kind}` : `${show(i.input)} is not ${kind}`) })
    // zod runs these even after the URL check failed: a text that is no URL was reported there.
    .refine((v) => { const u = URL.parse(v); return !u || (u.username === '' && u.password === ''); }, 'must not carry a user name or password (a secret in plain text); the scaler signs in with its identity')
    .refine((v) => { const u = URL.parse(v); return !u || (u.search === '' && u.hash === ''); }, 'must not have a query or a fragment');
}

/** A DNS name of two or more labels, e.g. queue.core.contoso.example: a host suffix, not a URL. */
export const isHostSuffix = (v: string): boolean => /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/i.test(v);

/** `key=value` parts separated by ';' (a value may hold '='), keys in lower case; undefined if not that. */
export function keyValuePairs(text: string): Map<string, string> | undefined {
  const pairs = new Map<string, string>();
  for (const part of text.split(';')) {
    if (!part.trim()) continue;
    const at = part.indexOf('=');
    if (at <= 0 || !part.slice(0, at).trim()) return undefined;
    pairs.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  return pairs;
}
