import { AUTOSCALER_USER, BYSTANDER_USER, type ControlPlaneInfo } from './control-plane.js';
import type { ManagedIdentity } from './identity-endpoint.js';

/** Client id of the scaler's user-assigned identity (AZURE_CLIENT_ID in the tests). */
export const SCALER_CLIENT_ID = '5ca1e5ca-1e00-4000-8000-00000000a001';
/** Client id of a second identity whose kube user has no Role. */
export const BYSTANDER_CLIENT_ID = '5ca1e5ca-1e00-4000-8000-00000000b002';

/**
 * The two identities of the identity endpoint, mapped to the control plane's users: the scaler's
 * AKS tokens are the `autoscaler` user's, the bystander's the `bystander` user's. Without a
 * control plane the AKS tokens are ones no apiserver knows.
 */
export function testIdentities(controlPlane: ControlPlaneInfo | null): ManagedIdentity[] {
  const tokens = (user: string): string[] => controlPlane?.users[user]?.tokens ?? [];
  return [
    { clientId: SCALER_CLIENT_ID, kubeTokens: tokens(AUTOSCALER_USER) },
    { clientId: BYSTANDER_CLIENT_ID, kubeTokens: tokens(BYSTANDER_USER) },
  ];
}
