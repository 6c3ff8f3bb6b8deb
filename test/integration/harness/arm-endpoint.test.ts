import { ContainerServiceClient } from '@azure/arm-containerservice';
import { ManagedIdentityCredential } from '@azure/identity';
import { AuthenticationV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { startArmEndpoint, type ArmEndpoint } from '../../support/arm-endpoint.js';
import type { ArmCluster } from '../../support/arm-managed-cluster.js';
import {
  AKS_SERVER_APP_ID, ARM_RESOURCE, startIdentityEndpoint, useIdentityEndpoint, type IdentityEndpoint,
} from '../../../local/identity-endpoint.js';
import { kubeConfigWithToken } from '../../../local/kube-clients.js';
import { SCALER_CLIENT_ID, testIdentities } from '../../../local/test-identities.js';
import { controlPlaneEnabled, sharedControlPlane, sharedTestCa } from '../../support/vitest/provided.js';

const SUBSCRIPTION = '00000000-0000-0000-0000-00000000c0de';
// Without a control plane any address does: most tests only read ARM's answers.
const SERVER = inject('controlPlane')?.server ?? 'https://127.0.0.1:6443';
const CA_PEM = inject('testCa').certPem;

describe('local ARM endpoint with @azure/arm-containerservice', () => {
  let identity: IdentityEndpoint;
  let arm: ArmEndpoint;
  let client: ContainerServiceClient;
  const cluster = (name: string, entraId: boolean): ArmCluster => ({
    subscriptionId: SUBSCRIPTION, resourceGroup: 'rg-scaler', name, entraId, tenantId: identity.tenantId, server: SERVER, caPem: CA_PEM,
  });
  const userKubeconfig = async (name: string): Promise<{ name?: string; kc: KubeConfig }> => {
    const [first] = (await client.managedClusters.listClusterUserCredentials('rg-scaler', name)).kubeconfigs ?? [];
    const kc = new KubeConfig();
    kc.loadFromString(Buffer.from(first?.value ?? []).toString('utf8'));
    return { name: first?.name, kc };
  };
  beforeAll(async () => {
    identity = await startIdentityEndpoint({ identities: testIdentities(inject('controlPlane')) });
    useIdentityEndpoint(identity, SCALER_CLIENT_ID);
    arm = await startArmEndpoint({
      ca: await sharedTestCa(),
      clusters: [],
      acceptsToken: (token) => identity.issuedFor(token)?.resource === ARM_RESOURCE,
    });
    arm.clusters.push(cluster('aks-entra', true), cluster('aks-local-accounts', false));
    client = new ContainerServiceClient(new ManagedIdentityCredential({ clientId: SCALER_CLIENT_ID }), SUBSCRIPTION, { endpoint: arm.url });
  });
  afterAll(async () => {
    await arm?.stop();
    await identity?.stop();
  });

  test('managedClusters.get describes an Entra ID cluster, with the token of the managed identity', async () => {
    const found = await client.managedClusters.get('rg-scaler', 'aks-entra');

    expect(found).toMatchObject({
      name: 'aks-entra',
      provisioningState: 'Succeeded',
      aadProfile: { managed: true, tenantID: identity.tenantId },
      enableRbac: true,
    });
    expect(found.id).toBe(`/subscriptions/${SUBSCRIPTION}/resourcegroups/rg-scaler/providers/Microsoft.ContainerService/managedClusters/aks-entra`);
    expect(identity.requests.some((r) => r.resource === ARM_RESOURCE && r.clientId === SCALER_CLIENT_ID)).toBe(true);
  });

  test('a cluster without Entra ID comes back without aadProfile', async () => {
    const found = await client.managedClusters.get('rg-scaler', 'aks-local-accounts');

    expect(found.name).toBe('aks-local-accounts');
    expect(found.aadProfile).toBeUndefined();
  });

  test('listClusterUserCredentials returns a kubeconfig with the server, its CA and a kubelogin user', async () => {
    const { name, kc } = await userKubeconfig('aks-entra');

    expect(name).toBe('clusterUser');
    expect(kc.getCurrentCluster()).toMatchObject({ server: SERVER, caData: Buffer.from(CA_PEM).toString('base64') });
    expect(kc.getCurrentUser()?.exec).toMatchObject({ command: 'kubelogin', args: expect.arrayContaining(['--server-id', AKS_SERVER_APP_ID]) });
  });

  test('an unknown cluster is a 404 ResourceNotFound', async () => {
    await expect(client.managedClusters.get('rg-scaler', 'nope')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
  });

  test('a request without a valid bearer token is a 401', async () => {
    const url = `${arm.url}/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-scaler/providers/Microsoft.ContainerService/managedClusters/aks-entra?api-version=2025-07-01`;

    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: 'Bearer made-up' } })).status).toBe(401);
  });

  test.runIf(controlPlaneEnabled)('the kubeconfig\'s server and CA, with the AKS token, reach the control plane as autoscaler', async () => {
    sharedControlPlane(); // fails clearly when there is none
    const { server, caData = '' } = (await userKubeconfig('aks-entra')).kc.getCurrentCluster() ?? { server: '' };
    const { token } = await new ManagedIdentityCredential({ clientId: SCALER_CLIENT_ID }).getToken(`${AKS_SERVER_APP_ID}/.default`);

    const scaler = kubeConfigWithToken({ server, caPem: Buffer.from(caData, 'base64').toString('utf8') }, token);
    const review = await scaler.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: {} });
    expect(review.status?.userInfo?.username).toBe('autoscaler');
  });
});
