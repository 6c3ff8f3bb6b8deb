// The bearer token for a cluster, shared by its calls. Asking the credential on every call
// costs a token-cache lookup in MSAL each time (a tenth of the scaler's CPU per target in the
// tick benchmark), and on a cold instance every concurrent call of the first tick would go to
// the identity endpoint at once; here one request is in flight at a time.
import type { AccessToken, TokenCredential } from '@azure/identity';

/** A token is asked for again this long before it expires (MSAL's own refresh margin). */
export const TOKEN_REFRESH_MARGIN_MS = 5 * 60_000;

/** Returns a function that gives a valid token for `scope`, asking `credential` only when needed. */
export function sharedToken(credential: TokenCredential, scope: string, now: () => number = Date.now): () => Promise<AccessToken | null> {
  let current: AccessToken | undefined;
  let pending: Promise<AccessToken | null> | undefined;
  const fresh = (token: AccessToken): boolean => now() < Math.min(token.refreshAfterTimestamp ?? Infinity, token.expiresOnTimestamp - TOKEN_REFRESH_MARGIN_MS);
  return () => {
    if (current && fresh(current)) return Promise.resolve(current);
    // A failure is not kept: the next call asks again.
    pending ??= credential.getToken(scope).then((token) => {
      current = token ?? undefined;
      return token;
    }).finally(() => {
      pending = undefined;
    });
    return pending;
  };
}
