// Credentials: a user-assigned managed identity in Azure, picked by client id (per trigger or
// cluster, else AZURE_CLIENT_ID). Local development may use the developer's own sign-in.
import { DefaultAzureCredential, ManagedIdentityCredential, type GetTokenOptions, type TokenCredential } from '@azure/identity';
import { ScalerError } from '../errors/index.js';
import { rememberSecret } from '../redact/index.js';

export interface CredentialFactory {
  (clientId?: string): TokenCredential;
}

/**
 * A token request that takes longer than this fails. @azure/identity passes no timeout (nor
 * the caller's abort signal) to the managed identity endpoint, so a hung endpoint would hang
 * every call that needs a token, and with it the tick.
 */
export const TOKEN_TIMEOUT_MS = 10_000;

export interface CredentialOptions {
  /** How long a token request may take (TOKEN_TIMEOUT_MS). */
  timeoutMs?: number;
}

/** Raised when the identity endpoint does not answer in time. */
export class TokenTimeoutError extends ScalerError {}

/**
 * `credential` with every getToken bounded by `timeoutMs` and by the caller's abort signal. The
 * request itself cannot be cancelled; if it answers later, MSAL caches the token for next time.
 */
export function boundedCredential(credential: TokenCredential, timeoutMs: number, what: string): TokenCredential {
  return {
    getToken(scopes: string | string[], options?: GetTokenOptions) {
      const caller = options?.abortSignal;
      return new Promise((resolve, reject) => {
        const scope = Array.isArray(scopes) ? scopes.join(' ') : scopes;
        const onAbort = (): void => reject(new TokenTimeoutError(`${what}: the token request for ${scope} was cancelled`));
        const timer = setTimeout(() => reject(new TokenTimeoutError(`${what}: no token for ${scope} within ${timeoutMs} ms`)), timeoutMs);
        if (caller?.aborted) onAbort();
        caller?.addEventListener('abort', onAbort, { once: true });
        // A token is redacted from every log line and telemetry item from now on (it may be echoed back in an error).
        credential.getToken(scopes, options).then((token) => {
          rememberSecret(token?.token);
          resolve(token);
        }, reject).finally(() => {
          clearTimeout(timer);
          caller?.removeEventListener('abort', onAbort);
        });
      });
    },
  };
}

/** One credential per client id for the life of the process, so tokens are cached and shared. */
export function createCredentialFactory(settings: { AZURE_CLIENT_ID?: string | undefined }, localDevelopment: boolean, options: CredentialOptions = {}): CredentialFactory {
  const credentials = new Map<string, TokenCredential>();
  const timeoutMs = options.timeoutMs ?? TOKEN_TIMEOUT_MS;
  return (clientId) => {
    const id = clientId ?? settings.AZURE_CLIENT_ID ?? '';
    let credential = credentials.get(id);
    if (!credential) {
      const inner = localDevelopment
        ? new DefaultAzureCredential(id ? { managedIdentityClientId: id } : {})
        : new ManagedIdentityCredential(id ? { clientId: id } : {});
      credential = boundedCredential(inner, timeoutMs, `managed identity${id ? ` ${id}` : ''}`);
      credentials.set(id, credential);
    }
    return credential;
  };
}
