// The Kube port over client-node against a real kube-apiserver with RBAC, authenticated as the
// scaler's managed identity through the local identity endpoint, and discovered through ARM.
import { AppsV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Cluster } from '../../shared/config/index.js';
import { KubeError } from '../../shared/errors/index.js';
import { createCredentialFactory } from '../../shared/identity/index.js';
import { createKube, ScaleConflictError, type Kube, type WorkloadRef } from '../../shared/kube/index.js';
import { startArmEndpoint, type ArmEndpoint } from '../support/arm-endpoint.js';
import { ARM_RESOURCE, startIdentityEndpoint, useIdentityEndpoint, type IdentityEndpoint } from '../../local/identity-endpoint.js';
import { adminKubeConfig } from '../../local/kube-clients.js';
import { createWorkloads, grantScaleRole, type Workloads } from '../../local/kube-workloads.js';
import { SCALER_CLIENT_ID, testIdentities } from '../../local/test-identities.js';
import { controlPlaneEnabled, sharedControlPlane, sharedTestCa } from '../support/vitest/provided.js';

const SUBSCRIPTION = '00000000-0000-4000-8000-000000000001';

describe.runIf(controlPlaneEnabled)('kube adapter against kube-apiserver', () => {
  let identity: IdentityEndpoint;
  let arm: ArmEndpoint;
  let admin: KubeConfig;
  let granted: Workloads;
  let other: Workloads;
  let kube: Kube;
  const ref = (w: Workloads, kind: 'Deployment' | 'StatefulSet' = 'Deployment', cluster = 'direct'): WorkloadRef => ({
    cluster,
    namespace: w.namespace,
    kind,
    name: kind === 'Deployment' ? w.deployment : w.statefulSet,
  });

  beforeAll(async () => {
    const controlPlane = sharedControlPlane();
    identity = await startIdentityEndpoint({ identities: testIdentities(controlPlane) });
    useIdentityEndpoint(identity, SCALER_CLIENT_ID);
    const ca = await sharedTestCa();
    const armCluster = { subscriptionId: SUBSCRIPTION, resourceGroup: 'rg', server: controlPlane.server, caPem: controlPlane.caPem };
    arm = await startArmEndpoint({
      ca,
      clusters: [
        { ...armCluster, name: 'entra', entraId: true },
        { ...armCluster, name: 'local-accounts', entraId: false },
      ],
      acceptsToken: (t) => identity.issuedFor(t)?.resource === ARM_RESOURCE,
    });
    admin = adminKubeConfig(controlPlane);
    granted = await createWorkloads(admin, { replicas: 2 });
    other = await createWorkloads(admin, { replicas: 2 });
    await grantScaleRole(admin, granted.namespace);
    const aks = (name: string): Cluster => ({
      name,
      kind: 'aks',
      resourceId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/${name}`,
      subscriptionId: SUBSCRIPTION,
      resourceGroup: 'rg',
      clusterName: name,
      armEndpoint: arm.url,
    });
    const clusters = new Map<string, Cluster>([
      ['direct', { name: 'direct', kind: 'server', server: controlPlane.server, certificateAuthorityData: Buffer.from(controlPlane.caPem).toString('base64') }],
      ['entra', aks('entra')],
      ['local-accounts', aks('local-accounts')],
      ['down', { name: 'down', kind: 'server', server: 'https://127.0.0.1:1', certificateAuthorityData: Buffer.from(controlPlane.caPem).toString('base64') }],
    ]);
    kube = createKube(clusters, createCredentialFactory({ AZURE_CLIENT_ID: SCALER_CLIENT_ID }, false));
  });
  afterAll(async () => {
    await arm?.stop();
    await identity?.stop();
  });

  test.each(['Deployment', 'StatefulSet'] as const)('reads and writes the scale of a %s', async (kind) => {
    const reading = await kube.readScale(ref(granted, kind));
    expect(reading).toMatchObject({ specReplicas: 2, statusReplicas: 0, readyReplicas: 0 });
    await kube.writeScale(ref(granted, kind), 5, reading.resourceVersion);
    expect((await kube.readScale(ref(granted, kind))).specReplicas).toBe(5);
  });

  test.each(['Deployment', 'StatefulSet'] as const)('reads status.readyReplicas of a %s (the HPA\'s Value math)', async (kind) => {
    // No controller runs here: the status is what its writer (the admin, standing in for the controller) says.
    const w = await createWorkloads(admin, { replicas: 2 });
    await grantScaleRole(admin, w.namespace);
    const apps = admin.makeApiClient(AppsV1Api);
    if (kind === 'Deployment') {
      const d = await apps.readNamespacedDeployment({ name: w.deployment, namespace: w.namespace });
      await apps.replaceNamespacedDeploymentStatus({ name: w.deployment, namespace: w.namespace, body: { ...d, status: { replicas: 3, readyReplicas: 2 } } });
    } else {
      const s = await apps.readNamespacedStatefulSet({ name: w.statefulSet, namespace: w.namespace });
      await apps.replaceNamespacedStatefulSetStatus({ name: w.statefulSet, namespace: w.namespace, body: { ...s, status: { replicas: 3, readyReplicas: 2 } } });
    }
    expect(await kube.readScale(ref(w, kind))).toMatchObject({ specReplicas: 2, statusReplicas: 3, readyReplicas: 2 });
  });

  test('reads the pause annotations of the Deployment', async () => {
    const apps = admin.makeApiClient(AppsV1Api);
    const w = await createWorkloads(admin, { replicas: 1 });
    await grantScaleRole(admin, w.namespace);
    await apps.patchNamespacedDeployment({ name: w.deployment, namespace: w.namespace, body: [{ op: 'add', path: '/metadata/annotations', value: { 'autoscaling.keda.sh/paused-replicas': '3' } }] });
    expect((await kube.readScale(ref(w))).annotations).toEqual({ 'autoscaling.keda.sh/paused-replicas': '3' });
  });

  test('a stale resourceVersion is a ScaleConflictError and changes nothing', async () => {
    const stale = await kube.readScale(ref(granted));
    await kube.writeScale(ref(granted), stale.specReplicas + 1, stale.resourceVersion);
    await expect(kube.writeScale(ref(granted), 9, stale.resourceVersion)).rejects.toBeInstanceOf(ScaleConflictError);
    expect((await kube.readScale(ref(granted))).specReplicas).toBe(stale.specReplicas + 1);
  });

  test('a namespace without the Role is a 403 naming the namespace and the fix', async () => {
    const read = kube.readScale(ref(other));
    await expect(read).rejects.toMatchObject({ status: 403 });
    await expect(read).rejects.toThrow(`read deployment ${other.namespace}/worker in cluster direct: forbidden; the scaler identity needs get on deployments`);
  });

  test('a missing workload is a 404 naming it', async () => {
    await expect(kube.readScale({ ...ref(granted), name: 'nope' })).rejects.toThrow(`read deployment ${granted.namespace}/nope in cluster direct: not found`);
  });

  test('an AKS cluster is discovered through ARM and reached with the Entra token', async () => {
    const before = arm.requests.length;
    expect((await kube.readScale(ref(granted, 'Deployment', 'entra'))).resourceVersion).not.toBe('');
    await kube.readScale(ref(granted, 'Deployment', 'entra'));
    // get + listClusterUserCredential once: discovery is cached per process.
    expect(arm.requests.slice(before).map((r) => r.method)).toEqual(['GET', 'POST']);
  });

  test('a cluster without Entra ID is refused', async () => {
    await expect(kube.readScale(ref(granted, 'Deployment', 'local-accounts'))).rejects.toThrow('does not use Microsoft Entra ID');
  });

  test('an unreachable cluster is a KubeError saying so', async () => {
    const read = kube.readScale(ref(granted, 'Deployment', 'down'));
    await expect(read).rejects.toBeInstanceOf(KubeError);
    await expect(read).rejects.toThrow('cannot reach the cluster');
  });
});
