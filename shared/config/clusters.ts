// SCALER_CLUSTERS: where the targets' workloads run. An AKS resource id (server and CA are
// discovered through ARM), a server URL + CA (non-ARM use), or a kubeconfig context (local).
import { resolve } from 'node:path';
import { z } from 'zod';
import { checked, clientId, fields, serviceUrl, show, text, type CheckIssue } from '../schema/index.js';

const AKS_ID =
  /^\/subscriptions\/([0-9a-f-]{36})\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ContainerService\/managedClusters\/([^/]+)$/i;

export type Cluster =
  | { name: string; kind: 'aks'; resourceId: string; subscriptionId: string; resourceGroup: string; clusterName: string; identityClientId?: string | undefined; armEndpoint?: string | undefined }
  | { name: string; kind: 'server'; server: string; certificateAuthorityData: string; identityClientId?: string | undefined }
  | { name: string; kind: 'kubeconfig'; context: string; kubeconfig?: string | undefined };

const httpsUrl = serviceUrl(/^https$/, 'an https:// URL');

/** base64 of a PEM certificate, as in a kubeconfig's certificate-authority-data. */
const caData = text.refine(
  (v) => /^[A-Za-z0-9+/=\s]+$/.test(v) && Buffer.from(v, 'base64').toString('utf8').includes('-----BEGIN CERTIFICATE-----'),
  'is not base64 of a PEM certificate (as in a kubeconfig\'s certificate-authority-data)',
);

const clusterFields = fields({
  resourceId: text.regex(AKS_ID, {
    error: (i) => `${show(i.input)} is not an AKS resource id (/subscriptions/<guid>/resourceGroups/<group>/providers/Microsoft.ContainerService/managedClusters/<name>)`,
  }).optional(),
  server: httpsUrl.optional(),
  certificateAuthorityData: caData.optional(),
  context: text.optional(),
  kubeconfig: text.optional(),
  identityClientId: clientId.optional(),
  /** Local development only (SCALER_LOCAL_DEVELOPMENT): the ARM endpoint to ask. */
  armEndpoint: httpsUrl.optional(),
});

const KINDS = ['resourceId', 'server', 'context'] as const;

/** Exactly one way to reach the cluster, and the fields that belong to it. */
function checkCluster(raw: Record<string, unknown>): CheckIssue[] {
  const issues: CheckIssue[] = [];
  const ways = KINDS.filter((k) => raw[k] !== undefined);
  if (ways.length === 0) {
    issues.push({ path: [], message: 'give one of resourceId (AKS), server (with certificateAuthorityData) or context (kubeconfig, local development)' });
  } else if (ways.length > 1) {
    issues.push({ path: [], message: `give only one of resourceId, server or context, not ${ways.join(' and ')}` });
  }
  const needs: [string, (typeof KINDS)[number], string][] = [
    ['certificateAuthorityData', 'server', 'server'],
    ['kubeconfig', 'context', 'context'],
    ['armEndpoint', 'resourceId', 'resourceId'],
  ];
  for (const [field, owner] of needs) {
    if (raw[field] !== undefined && raw[owner] === undefined) issues.push({ path: [field], message: `is only used with ${owner}` });
  }
  if (raw.server !== undefined && raw.certificateAuthorityData === undefined) {
    issues.push({ path: ['certificateAuthorityData'], message: 'is required with server (base64 of the cluster CA PEM)' });
  }
  return issues;
}

export const clusterSchema = checked(clusterFields, checkCluster);

export function toCluster(name: string, c: z.output<typeof clusterSchema>): Cluster {
  if (c.resourceId) {
    const [, subscriptionId, resourceGroup, clusterName] = AKS_ID.exec(c.resourceId)!;
    return { name, kind: 'aks', resourceId: c.resourceId, subscriptionId: subscriptionId!, resourceGroup: resourceGroup!, clusterName: clusterName!, identityClientId: c.identityClientId, armEndpoint: c.armEndpoint };
  }
  if (c.server) {
    return { name, kind: 'server', server: c.server, certificateAuthorityData: c.certificateAuthorityData!, identityClientId: c.identityClientId };
  }
  return { name, kind: 'kubeconfig', context: c.context!, kubeconfig: c.kubeconfig };
}

/**
 * A SCALER_CLUSTERS name: it becomes part of the state table's row keys and of telemetry
 * dimensions, so letters, digits, '.', '_' and '-', at most 63, starting and ending with a
 * letter or digit.
 */
export const CLUSTER_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;

export const clusterNameRule = "letters, digits, '.', '_' and '-', at most 63, starting and ending with a letter or digit: it becomes part of the state table's row keys and of telemetry dimensions";

/**
 * What makes two cluster entries the same cluster, whatever they are called: an AKS resource id
 * (case-insensitive, as ARM compares them), a server URL normalised (scheme and host in lower
 * case, no default port, no trailing slash), or a kubeconfig file (or the default one) and
 * context. `same` says it in words for messages. Aliases that configuration cannot show (an IP
 * address and a host name for one API server) are not seen here.
 */
export function clusterIdentity(c: Cluster): { key: string; same: string } {
  if (c.kind === 'aks') return { key: `aks ${c.resourceId.toLowerCase()}`, same: `same resourceId ${c.resourceId}` };
  if (c.kind === 'server') {
    const url = new URL(c.server);
    const server = `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
    return { key: `server ${server}`, same: `same server ${server}` };
  }
  const file = c.kubeconfig === undefined ? '' : resolve(c.kubeconfig);
  return { key: `context ${file}\n${c.context}`, same: `same context ${c.context} in ${c.kubeconfig ?? 'the default kubeconfig'}` };
}
