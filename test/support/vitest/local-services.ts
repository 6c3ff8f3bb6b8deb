import type { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll } from 'vitest';
import { startAzurite, type Azurite } from '../../../local/azurite.js';
import type { ControlPlaneInfo } from '../../../local/control-plane.js';
import { startIdentityEndpoint, useIdentityEndpoint, type IdentityEndpoint } from '../../../local/identity-endpoint.js';
import { adminKubeConfig } from '../../../local/kube-clients.js';
import { createWorkloads, grantScaleRole, type Workloads } from '../../../local/kube-workloads.js';
import { SCALER_CLIENT_ID, testIdentities } from '../../../local/test-identities.js';
import { sharedControlPlane } from './provided.js';

/** The services most integration suites run the scaler against; read them in tests and later hooks. */
export interface LocalServices {
  /** The run's shared kube-apiserver. */
  readonly controlPlane: ControlPlaneInfo;
  /** Its admin: for fixtures, never for the code under test. */
  readonly admin: KubeConfig;
  /** The managed identity endpoint (testIdentities), this process's managed identity as the scaler's. */
  readonly identity: IdentityEndpoint;
  /** Azurite over HTTP with shared keys. */
  readonly azurite: Azurite;
  /**
   * A fresh namespace with a Deployment and a StatefulSet at `replicas`, the shipped Role granted
   * to the scaler's kube user there (createWorkloads + grantScaleRole).
   */
  workloads(options: { replicas: number; prefix?: string }): Promise<Workloads>;
}

/**
 * The boot most suites share, as hooks of the calling describe (call it inside a
 * describe.runIf(controlPlaneEnabled)): before all, the identity endpoint with the scaler's and a
 * bystander's identity, `useIdentityEndpoint` with the scaler's client id (before any credential
 * exists), Azurite and the admin kubeconfig; after all, both services stopped. The suite's own
 * hooks registered after this call run after the boot, and their afterAll before the stop.
 */
export function useLocalServices(): LocalServices {
  let started: { controlPlane: ControlPlaneInfo; admin: KubeConfig; identity: IdentityEndpoint; azurite: Azurite } | undefined;
  let identity: IdentityEndpoint | undefined;
  let azurite: Azurite | undefined;
  beforeAll(async () => {
    const controlPlane = sharedControlPlane();
    identity = await startIdentityEndpoint({ identities: testIdentities(controlPlane) });
    useIdentityEndpoint(identity, SCALER_CLIENT_ID);
    azurite = await startAzurite();
    started = { controlPlane, admin: adminKubeConfig(controlPlane), identity, azurite };
  });
  afterAll(async () => {
    started = undefined;
    await azurite?.stop();
    await identity?.stop();
  });
  const get = (): NonNullable<typeof started> => {
    if (started === undefined) throw new Error('useLocalServices: the services are read before its beforeAll ran (or after its afterAll)');
    return started;
  };
  return {
    get controlPlane() {
      return get().controlPlane;
    },
    get admin() {
      return get().admin;
    },
    get identity() {
      return get().identity;
    },
    get azurite() {
      return get().azurite;
    },
    async workloads(options) {
      const { admin } = get();
      const w = await createWorkloads(admin, options);
      await grantScaleRole(admin, w.namespace);
      return w;
    },
  };
}
