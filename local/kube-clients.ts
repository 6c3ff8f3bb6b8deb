import { KubeConfig } from '@kubernetes/client-node';
import { ADMIN_USER, kubeToken, type ControlPlaneInfo } from './control-plane.js';

export interface ClusterAccess {
  server: string;
  caPem: string;
}

/** A KubeConfig that calls `cluster` with a fixed bearer token, trusting the cluster's CA only. */
export function kubeConfigWithToken(cluster: ClusterAccess, token: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'local', server: cluster.server, caData: Buffer.from(cluster.caPem).toString('base64'), skipTLSVerify: false }],
    users: [{ name: 'user', token }],
    contexts: [{ name: 'local', cluster: 'local', user: 'user' }],
    currentContext: 'local',
  });
  return kc;
}

/** The control plane's admin (group system:masters): for fixtures, never for the code under test. */
export function adminKubeConfig(info: ControlPlaneInfo): KubeConfig {
  return kubeConfigWithToken(info, kubeToken(info, ADMIN_USER));
}
