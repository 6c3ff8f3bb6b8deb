import { stringify } from 'yaml';
import { KUBE_VERSION } from '../../local/control-plane-binaries.js';
import { AKS_SERVER_APP_ID } from '../../local/identity-endpoint.js';

/** A managed cluster as the local ARM endpoint describes it. */
export interface ArmCluster {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  /** The kube-apiserver its credentials point at, e.g. https://127.0.0.1:41234. */
  server: string;
  /** CA of that server. */
  caPem: string;
  /** Entra ID integration (aadProfile). Without it the cluster has local accounts only. */
  entraId: boolean;
  /** With Entra ID: Azure RBAC for Kubernetes authorization (aadProfile.enableAzureRBAC). */
  azureRbac?: boolean;
  tenantId?: string;
  location?: string;
  /** Default: the version the local control plane is built at. */
  kubernetesVersion?: string;
}

// Response bodies follow the shape of Azure's published examples (azure-rest-api-specs,
// Microsoft.ContainerService/aks/stable/2025-07-01: ManagedClustersGet.json,
// ManagedClustersCreate_UpdateWithEnableAzureRBAC.json, ManagedClustersListClusterUserCredentials.json):
// the fields a client may read, with values describing the local cluster.

/** ARM resource id; "resourcegroups" lower-case as ARM returns it. */
export function armClusterId(cluster: ArmCluster): string {
  return `/subscriptions/${cluster.subscriptionId}/resourcegroups/${cluster.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${cluster.name}`;
}

/** The body of ManagedClusters_Get. */
export function managedClusterBody(cluster: ArmCluster): Record<string, unknown> {
  const location = cluster.location ?? 'westeurope';
  const kubernetesVersion = cluster.kubernetesVersion ?? KUBE_VERSION;
  return {
    id: armClusterId(cluster),
    location,
    name: cluster.name,
    type: 'Microsoft.ContainerService/ManagedClusters',
    sku: { name: 'Base', tier: 'Free' },
    identity: { type: 'SystemAssigned', principalId: '00000000-0000-0000-0000-000000000001', tenantId: cluster.tenantId },
    properties: {
      provisioningState: 'Succeeded',
      powerState: { code: 'Running' },
      kubernetesVersion,
      currentKubernetesVersion: kubernetesVersion,
      dnsPrefix: cluster.name,
      // Real clusters have <dnsPrefix>-<hash>.hcp.<region>.azmk8s.io; clients use the kubeconfig's server.
      fqdn: new URL(cluster.server).hostname,
      agentPoolProfiles: [{ name: 'nodepool1', count: 1, vmSize: 'Standard_D2s_v5', osType: 'Linux', mode: 'System',
        type: 'VirtualMachineScaleSets', provisioningState: 'Succeeded', orchestratorVersion: kubernetesVersion }],
      nodeResourceGroup: `MC_${cluster.resourceGroup}_${cluster.name}_${location}`,
      enableRBAC: true,
      ...(cluster.entraId && {
        aadProfile: { managed: true, adminGroupObjectIDs: null, enableAzureRBAC: cluster.azureRbac ?? false, tenantID: cluster.tenantId },
      }),
      networkProfile: { networkPlugin: 'azure', serviceCidr: '10.0.0.0/16', dnsServiceIP: '10.0.0.10', outboundType: 'loadBalancer' },
    },
  };
}

/** The body of ManagedClusters_ListClusterUserCredentials: one kubeconfig, base64 YAML. */
export function clusterUserCredentialsBody(cluster: ArmCluster): { kubeconfigs: { name: string; value: string }[] } {
  return { kubeconfigs: [{ name: 'clusterUser', value: Buffer.from(clusterUserKubeconfig(cluster)).toString('base64') }] };
}

/**
 * The kubeconfig AKS hands out for the cluster user. With Entra ID its user runs kubelogin (an
 * exec plugin a scaler must not use: it gets its token from its managed identity instead);
 * without, AKS gives a local account (a client certificate and token; here a token the local
 * apiserver does not know).
 */
export function clusterUserKubeconfig(cluster: ArmCluster): string {
  const userName = `clusterUser_${cluster.resourceGroup}_${cluster.name}`;
  const user = cluster.entraId
    ? {
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1beta1',
        command: 'kubelogin',
        args: ['get-token', '--environment', 'AzurePublicCloud', '--server-id', AKS_SERVER_APP_ID,
          '--client-id', '80faf920-1908-4b52-b5ef-a8e7bedfc67a', '--tenant-id', cluster.tenantId ?? '', '--login', 'devicecode'],
        env: null,
        installHint: 'kubelogin is not installed which is required to connect to AAD enabled cluster.',
        provideClusterInfo: false,
        interactiveMode: 'IfAvailable',
      },
    }
    : { token: 'local-account-token-not-valid-here' };
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster.name, cluster: { 'certificate-authority-data': Buffer.from(cluster.caPem).toString('base64'), server: cluster.server } }],
    contexts: [{ name: cluster.name, context: { cluster: cluster.name, user: userName } }],
    'current-context': cluster.name,
    preferences: {},
    users: [{ name: userName, user }],
  });
}

/** ARM's error body: {error: {code, message}}. */
export function armError(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}
