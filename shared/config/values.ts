// Value parsers for configuration written the KEDA way: numbers may be given as strings
// ("5"), quantities as Kubernetes quantities ("50m").
import { z } from 'zod';

const WHOLE = /^\s*[-+]?\d+\s*$/;

/** An integer given as a number or a string, within [min, max]. */
export function integer(bounds: { min?: number; max?: number } = {}) {
  return z.unknown().transform((raw, ctx) => {
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && WHOLE.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(n)) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(raw) ?? 'undefined'} is not an integer` });
      return z.NEVER;
    }
    if (bounds.min !== undefined && n < bounds.min) {
      ctx.addIssue({ code: 'custom', message: `${n} is less than ${bounds.min}` });
      return z.NEVER;
    }
    if (bounds.max !== undefined && n > bounds.max) {
      ctx.addIssue({ code: 'custom', message: `${n} is more than ${bounds.max}` });
      return z.NEVER;
    }
    return n;
  });
}

const QUANTITY = /^\s*([+-]?(?:\d+\.?\d*|\.\d+))(m?)\s*$/;

/** A non-negative Kubernetes quantity as used for HPA tolerance: 0.1, "0.05", "50m". */
export const quantity = z.unknown().transform((raw, ctx) => {
  const match = typeof raw === 'number' ? [String(raw), String(raw), ''] : typeof raw === 'string' ? QUANTITY.exec(raw) : null;
  const n = match ? Number(match[1]) / (match[2] === 'm' ? 1000 : 1) : NaN;
  if (!Number.isFinite(n)) {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(raw) ?? 'undefined'} is not a quantity (e.g. 0.1 or "100m")` });
    return z.NEVER;
  }
  if (n < 0) {
    ctx.addIssue({ code: 'custom', message: `${n} must be >= 0` });
    return z.NEVER;
  }
  return n;
});

/** A non-empty string. */
export const text = z.string({ error: 'must be a string' }).trim().min(1, 'must not be empty');

/** A Kubernetes object name (RFC 1123 subdomain). */
export const kubeName = text.max(253).regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a lowercase RFC 1123 name');
