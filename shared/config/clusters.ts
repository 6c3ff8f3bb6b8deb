// SCALER_CLUSTERS: where the targets' workloads run. An AKS resource id (server and CA are
// discovered through ARM), a server URL + CA (non-ARM use), or a kubeconfig context (local).
import { z } from 'zod';
import { text } from './values.js';

const AKS_ID =
  /^\/subscriptions\/([0-9a-f-]{36})\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ContainerService\/managedClusters\/([^/]+)$/i;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type Cluster =
  | { name: string; kind: 'aks'; resourceId: string; subscriptionId: string; resourceGroup: string; clusterName: string; identityClientId?: string | undefined; armEndpoint?: string | undefined }
  | { name: string; kind: 'server'; server: string; certificateAuthorityData: string; identityClientId?: string | undefined }
  | { name: string; kind: 'kubeconfig'; context: string; kubeconfig?: string | undefined };

export const clusterSchema = z
  .strictObject(
    {
      resourceId: text.regex(AKS_ID, 'must be an AKS resource id (/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.ContainerService/managedClusters/<name>)').optional(),
      server: z.url({ protocol: /^https$/, error: 'must be an https:// URL' }).optional(),
      certificateAuthorityData: text.optional(),
      context: text.optional(),
      kubeconfig: text.optional(),
      identityClientId: text.regex(GUID, 'must be a client id (GUID)').optional(),
      /** Local development only (SCALER_ALLOW_LOCAL_ENDPOINTS): the ARM endpoint to ask. */
      armEndpoint: z.url({ protocol: /^https$/, error: 'must be an https:// URL' }).optional(),
    },
    { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : undefined) },
  )
  .superRefine((c, ctx) => {
    const ways = [c.resourceId, c.server, c.context].filter((v) => v !== undefined).length;
    if (ways !== 1) {
      ctx.addIssue({ code: 'custom', path: [], message: 'give exactly one of resourceId (AKS), server (+ certificateAuthorityData) or context (kubeconfig, local development)' });
    }
    if (c.server && !c.certificateAuthorityData) {
      ctx.addIssue({ code: 'custom', path: ['certificateAuthorityData'], message: 'is required with server (base64 of the cluster CA PEM)' });
    }
  });

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
