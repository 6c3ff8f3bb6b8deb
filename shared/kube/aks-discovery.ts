// AKS clusters are found through ARM: managedClusters.get (to refuse clusters without Entra
// ID, where the user credential is an admin credential) and listClusterUserCredentials, of
// which only the server URL and CA are kept: the kubeconfig's user entry needs kubelogin or
// the az CLI, neither of which exists on Functions.
import { ContainerServiceClient } from '@azure/arm-containerservice';
import type { TokenCredential } from '@azure/identity';
import { parse as parseYaml } from 'yaml';
import { KubeError, withDeadline } from '../errors/index.js';

export interface ClusterEndpoint {
  server: string;
  /** base64 of the CA PEM, as in a kubeconfig's certificate-authority-data. */
  certificateAuthorityData: string;
}

export interface AksCluster {
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  clusterName: string;
  /** Only for local development against a stand-in ARM. */
  armEndpoint?: string | undefined;
}

const ARM_SCOPE = 'https://management.azure.com/.default';

interface KubeconfigClusters {
  clusters?: { cluster?: { server?: string; 'certificate-authority-data'?: string } }[];
}

/** How long each ARM call of the discovery may take. */
const ARM_TIMEOUT_MS = 10_000;

export async function discoverAksCluster(cluster: AksCluster, credential: TokenCredential, timeoutMs = ARM_TIMEOUT_MS): Promise<ClusterEndpoint> {
  // The token scope stays management.azure.com even when a local ARM stand-in is the endpoint.
  const client = new ContainerServiceClient(credential, cluster.subscriptionId, {
    ...(cluster.armEndpoint ? { endpoint: cluster.armEndpoint } : {}),
    credentials: { scopes: [ARM_SCOPE] },
  });
  const where = `AKS cluster ${cluster.resourceGroup}/${cluster.clusterName} (cluster ${cluster.name})`;
  let managed;
  try {
    managed = await withDeadline(timeoutMs, (abortSignal) => client.managedClusters.get(cluster.resourceGroup, cluster.clusterName, { abortSignal }));
  } catch (e) {
    throw new KubeError(`${where}: ARM managedClusters.get failed: ${(e as Error).message}`, (e as { statusCode?: number }).statusCode, { cause: e });
  }
  if (!managed.aadProfile) {
    throw new KubeError(`${where} does not use Microsoft Entra ID: its user credential would be an admin credential, so the scaler refuses it. Enable AKS-managed Entra integration.`);
  }
  let credentials;
  try {
    credentials = await withDeadline(timeoutMs, (abortSignal) => client.managedClusters.listClusterUserCredentials(cluster.resourceGroup, cluster.clusterName, { abortSignal }));
  } catch (e) {
    throw new KubeError(`${where}: ARM listClusterUserCredentials failed: ${(e as Error).message}`, (e as { statusCode?: number }).statusCode, { cause: e });
  }
  const value = credentials.kubeconfigs?.[0]?.value;
  if (!value) throw new KubeError(`${where}: listClusterUserCredentials returned no kubeconfig`);
  const kubeconfig = parseYaml(Buffer.from(value).toString('utf8')) as KubeconfigClusters;
  const entry = kubeconfig.clusters?.[0]?.cluster;
  if (!entry?.server || !entry['certificate-authority-data']) {
    throw new KubeError(`${where}: the kubeconfig from listClusterUserCredentials has no server or certificate-authority-data`);
  }
  return { server: entry.server, certificateAuthorityData: entry['certificate-authority-data'] };
}
