import { listenHttps, sendJson } from '../../local/loopback-server.js';
import { armError, clusterUserCredentialsBody, managedClusterBody, type ArmCluster } from './arm-managed-cluster.js';
import type { TestCa } from '../../local/test-ca.js';

export interface ArmRequest {
  method: string;
  path: string;
  apiVersion: string | null;
  status: number;
}

export interface ArmEndpoint {
  /** The `endpoint` option of ContainerServiceClient. */
  url: string;
  /** Mutable: tests may add clusters. */
  clusters: ArmCluster[];
  requests: ArmRequest[];
  stop(): Promise<void>;
}

export interface ArmEndpointOptions {
  ca: TestCa;
  clusters: ArmCluster[];
  /** Whether a bearer token is good, e.g. `(t) => identity.issuedFor(t)?.resource === ARM_RESOURCE`. */
  acceptsToken(token: string): boolean;
}

// ARM paths are case-insensitive; this one covers managedClusters.get and listClusterUserCredentials.
const CLUSTER_PATH = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ContainerService\/managedClusters\/([^/]+)(\/listClusterUserCredential)?$/i;

/**
 * A local HTTPS stand-in for the two Azure Resource Manager calls the scaler makes to discover a
 * cluster: GET managedClusters/{name} and POST …/listClusterUserCredential. Requires a bearer
 * token, answers unknown clusters with ARM's 404 ResourceNotFound, and records every request.
 */
export async function startArmEndpoint(options: ArmEndpointOptions): Promise<ArmEndpoint> {
  const clusters = [...options.clusters];
  const requests: ArmRequest[] = [];
  const server = await listenHttps(options.ca, 'arm', (request, response) => {
    const url = new URL(request.url ?? '/', 'https://localhost');
    const method = request.method ?? 'GET';
    const apiVersion = url.searchParams.get('api-version');
    const answer = (status: number, body: unknown, headers?: Record<string, string>): void => {
      requests.push({ method, path: url.pathname, apiVersion, status });
      sendJson(response, status, body, headers);
    };
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (token === undefined || !options.acceptsToken(token)) {
      const [code, message] = token === undefined
        ? ['AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing."]
        : ['InvalidAuthenticationToken', 'The access token is invalid.'];
      return answer(401, armError(code, message), { 'www-authenticate': 'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token"' });
    }
    if (apiVersion === null) return answer(400, armError('MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests."));
    const match = CLUSTER_PATH.exec(url.pathname);
    const wantsCredentials = match?.[4] !== undefined;
    if (match === null || method !== (wantsCredentials ? 'POST' : 'GET')) {
      return answer(404, armError('NotFound', `${method} ${url.pathname} is not served by the local ARM endpoint`));
    }
    const [, subscriptionId, resourceGroup, name] = match.map((part) => part?.toLowerCase());
    const cluster = clusters.find((c) => c.subscriptionId.toLowerCase() === subscriptionId
      && c.resourceGroup.toLowerCase() === resourceGroup && c.name.toLowerCase() === name);
    if (cluster === undefined) {
      return answer(404, armError('ResourceNotFound',
        `The Resource 'Microsoft.ContainerService/managedClusters/${match[3]}' under resource group '${match[2]}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`));
    }
    answer(200, wantsCredentials ? clusterUserCredentialsBody(cluster) : managedClusterBody(cluster));
  });
  return { url: server.url, clusters, requests, stop: server.close };
}
