import { randomBytes } from 'node:crypto';

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * A well-formed JWT whose signature is random bytes. For consumers that decode tokens without
 * verifying them (Azurite's `--oauth basic`), so tests need no signing keys.
 */
export function unsignedJwt(claims: Record<string, unknown>): string {
  return `${base64url({ typ: 'JWT', alg: 'RS256', kid: 'aks-queue-scaler-test' })}.${base64url(claims)}.${randomBytes(32).toString('base64url')}`;
}
