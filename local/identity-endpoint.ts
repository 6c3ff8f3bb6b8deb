import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { unsignedJwt } from './jwt.js';
import { listenHttp, sendJson } from './loopback-server.js';

/** The Entra ID server app of AKS clusters: the audience of tokens for the Kubernetes API. */
export const AKS_SERVER_APP_ID = '6dae42f8-4368-4678-94ff-3960e28e3630';
export const ARM_RESOURCE = 'https://management.azure.com';
export const STORAGE_RESOURCE = 'https://storage.azure.com';

export interface ManagedIdentity {
  /** The client id a user-assigned identity is selected by (AZURE_CLIENT_ID, `clientId`). */
  clientId: string;
  /** Principal (object) id, the `oid` claim; random when absent. */
  objectId?: string;
  /**
   * Tokens of the local kube-apiserver's token file, handed out in turn for the AKS audience, so
   * a refreshed token differs from the previous one. None: the identity gets a token the
   * apiserver does not know (an identity without access to the cluster).
   */
  kubeTokens: readonly string[];
}

export interface IdentityBehaviour {
  /** Answer every token request with this status and JSON body, until set back to undefined. */
  failure: { status: number; body: unknown } | undefined;
  /** Wait this long before answering. */
  delayMs: number;
  /**
   * Lifetime of issued tokens (expires_on = now + this). MSAL reuses a cached token until 5
   * minutes before it expires, so below 300 s every getToken reaches this endpoint.
   */
  tokenLifetimeSeconds: number;
}

export interface IdentityRequest {
  time: Date;
  resource: string | null;
  clientId: string | null;
  apiVersion: string | null;
  /** Whether the x-identity-header matched IDENTITY_HEADER. */
  authorized: boolean;
  status: number;
}

export interface IdentityEndpoint {
  /** IDENTITY_ENDPOINT and IDENTITY_HEADER for the App Service managed identity source. */
  env: { IDENTITY_ENDPOINT: string; IDENTITY_HEADER: string };
  tenantId: string;
  identities: readonly ManagedIdentity[];
  /** Mutable: tests change it to inject faults; reset() restores the defaults. */
  behaviour: IdentityBehaviour;
  reset(): void;
  /** Every token request received, oldest first. */
  requests: IdentityRequest[];
  /** The resource and client id a token was issued for, if this endpoint issued it. */
  issuedFor(token: string): { resource: string; clientId: string } | undefined;
  stop(): Promise<void>;
}

export interface IdentityEndpointOptions {
  /** The first one also answers requests without client_id (the system-assigned identity). */
  identities: readonly ManagedIdentity[];
}

const API_VERSION = '2019-08-01';
const defaultBehaviour = (): IdentityBehaviour => ({ failure: undefined, delayMs: 0, tokenLifetimeSeconds: 3600 });
const withoutTrailingSlash = (resource: string): string => resource.replace(/\/+$/, '');

/**
 * A local managed identity endpoint speaking the App Service protocol, so that the real
 * ManagedIdentityCredential and DefaultAzureCredential code runs. What it returns depends on the
 * audience (`resource`):
 * - AKS (6dae42f8-…): a token from the kube-apiserver token file, i.e. the identity's kube user;
 * - ARM: an opaque token that the local ARM endpoint checks with issuedFor();
 * - anything else, e.g. storage: an unsigned JWT with the iss/aud/nbf/exp that Azurite checks.
 *
 * MSAL keeps the detected source (with this URL) and its token cache per process, so a process
 * uses one endpoint for its life: start it, then useIdentityEndpoint(), then make credentials.
 */
export async function startIdentityEndpoint(options: IdentityEndpointOptions): Promise<IdentityEndpoint> {
  const secret = randomBytes(16).toString('hex');
  const tenantId = randomUUID();
  const identities = options.identities.map((identity) => ({ ...identity, objectId: identity.objectId ?? randomUUID() }));
  const issued = new Map<string, { resource: string; clientId: string }>();
  const kubeTokenTurns = new Map<string, number>();
  const requests: IdentityRequest[] = [];
  const endpoint: Omit<IdentityEndpoint, 'env' | 'stop'> = {
    tenantId,
    identities,
    behaviour: defaultBehaviour(),
    reset: () => {
      endpoint.behaviour = defaultBehaviour();
    },
    requests,
    issuedFor: (token) => issued.get(token),
  };

  const mint = (identity: Required<ManagedIdentity>, resource: string, now: number, expiresOn: number): string => {
    if (resource === AKS_SERVER_APP_ID) {
      const turn = kubeTokenTurns.get(identity.clientId) ?? 0;
      kubeTokenTurns.set(identity.clientId, turn + 1);
      return identity.kubeTokens[turn % identity.kubeTokens.length] ?? `no-cluster-access-${randomBytes(8).toString('hex')}`;
    }
    if (resource === ARM_RESOURCE) return `arm-${randomBytes(24).toString('base64url')}`;
    return unsignedJwt({
      aud: resource, iss: `https://sts.windows.net/${tenantId}/`, tid: tenantId,
      oid: identity.objectId, sub: identity.objectId, appid: identity.clientId, idtyp: 'app',
      iat: now, nbf: now - 60, exp: expiresOn,
    });
  };

  const server = await listenHttp(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const resourceParam = url.searchParams.get('resource');
    const clientIdParam = url.searchParams.get('client_id');
    const apiVersion = url.searchParams.get('api-version');
    const authorized = request.headers['x-identity-header'] === secret;
    const answer = (status: number, body: unknown): void => {
      requests.push({ time: new Date(), resource: resourceParam, clientId: clientIdParam, apiVersion, authorized, status });
      sendJson(response, status, body);
    };
    const { failure, delayMs, tokenLifetimeSeconds } = endpoint.behaviour;
    if (delayMs > 0) await sleep(delayMs);
    const identity = clientIdParam === null ? identities[0] : identities.find((i) => i.clientId === clientIdParam);
    // Errors use the {error, error_description} shape MSAL reads; the messages are ours.
    if (!authorized) return answer(401, { error: 'unauthorized', error_description: 'x-identity-header is missing or wrong' });
    if (apiVersion !== API_VERSION) return answer(400, { error: 'invalid_request', error_description: `api-version must be ${API_VERSION}` });
    if (resourceParam === null) return answer(400, { error: 'invalid_request', error_description: 'resource is required' });
    if (identity === undefined) return answer(400, { error: 'invalid_request', error_description: `no identity with client_id ${clientIdParam} is assigned` });
    if (failure !== undefined) return answer(failure.status, failure.body);
    const resource = withoutTrailingSlash(resourceParam);
    const now = Math.floor(Date.now() / 1000);
    const expiresOn = now + tokenLifetimeSeconds;
    const token = mint(identity, resource, now, expiresOn);
    issued.set(token, { resource, clientId: identity.clientId });
    answer(200, { access_token: token, expires_on: String(expiresOn), resource: resourceParam, token_type: 'Bearer', client_id: identity.clientId });
  });

  return Object.assign(endpoint, {
    env: { IDENTITY_ENDPOINT: `${server.url}/msi/token`, IDENTITY_HEADER: secret },
    stop: server.close,
  });
}

// Variables that would make @azure/identity pick another managed identity source, or make
// DefaultAzureCredential use something other than managed identity.
const COMPETING_ENV = [
  'IDENTITY_SERVER_THUMBPRINT', 'MSI_ENDPOINT', 'MSI_SECRET', 'IMDS_ENDPOINT',
  'AZURE_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PATH', 'AZURE_USERNAME', 'AZURE_FEDERATED_TOKEN_FILE',
  'AZURE_TOKEN_CREDENTIALS',
];

/**
 * Points this process's managed identity at `endpoint`: sets IDENTITY_ENDPOINT/IDENTITY_HEADER,
 * and AZURE_CLIENT_ID when `clientId` is given (DefaultAzureCredential reads it), and removes
 * variables that select another source. Call before the first credential is created.
 */
export function useIdentityEndpoint(endpoint: IdentityEndpoint, clientId?: string): void {
  for (const name of COMPETING_ENV) delete process.env[name];
  Object.assign(process.env, endpoint.env);
  if (clientId !== undefined) process.env.AZURE_CLIENT_ID = clientId;
}
