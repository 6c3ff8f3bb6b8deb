// The scaler's reach, proven on the real kube-apiserver with RBAC and in its configuration:
// it asks the cluster for nothing but the workloads it scales (every request it made through a
// full scenario, read at a proxy); a namespace without the shipped Role stays out of reach; a
// cluster without Entra ID is refused before any token is sent; and configuration cannot point
// it at arbitrary URLs, or at anything but a Deployment or StatefulSet, unless local development
// is switched on. What the Role itself allows and denies (no Secrets, no pod template, no other
// namespace) is proven verb by verb in test/integration/rbac-yaml.test.ts, and the Bicep's roles
// and settings in test/infra; this file adds the scaler's own behaviour on top.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../shared/config/index.js';
import { targetKey } from '../../shared/runtime/evaluate-target.js';
import { createWaker, wakeQueuesOf } from '../../shared/runtime/wake.js';
import { startArmEndpoint, type ArmEndpoint } from '../support/arm-endpoint.js';
import { startAzurite, type Azurite } from '../support/azurite.js';
import type { ControlPlaneInfo } from '../support/control-plane.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { ARM_RESOURCE, startIdentityEndpoint, useIdentityEndpoint, type IdentityEndpoint } from '../support/identity-endpoint.js';
import { adminKubeConfig } from '../support/kube-clients.js';
import { createWorkloads, grantScaleRole, type Workloads } from '../support/kube-workloads.js';
import { SCALER_CLIENT_ID, testIdentities } from '../support/test-identities.js';
import { controlPlaneEnabled, sharedControlPlane, sharedTestCa } from '../support/vitest/provided.js';
import { createQueue, queueTarget, replicasOf } from '../e2e/scaler.js';
import { recordCount } from './figures.js';
import { setReplicas, startReliabilityScaler } from './harness.js';

const CA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');
const AKS_ID = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks';
const SUBSCRIPTION = '00000000-0000-4000-8000-0000000000e6';

type Json = Record<string, unknown>;

interface UrlRow {
  name: string;
  /** A trigger's metadata, merged into a valid one. */
  metadata?: Json;
  /** The cluster entry, instead of a valid one. */
  cluster?: Json;
  /** The scale target reference, instead of a Deployment. */
  ref?: Json;
  /** Without SCALER_LOCAL_DEVELOPMENT, and with it: the error (a fragment of it), or 'loads'. */
  production: string;
  local: string;
  /** A value that must not be repeated in any message. */
  secret?: string;
}

const LOCAL_ONLY = 'is for local development only (set SCALER_LOCAL_DEVELOPMENT=true to use it)';

const URL_ROWS: UrlRow[] = [
  { name: 'an explicit queue service URL', metadata: { queueServiceUri: 'https://collector.example.net/devstoreaccount1' }, production: `triggers[0].metadata.queueServiceUri: ${LOCAL_ONLY}`, local: 'loads' },
  { name: 'a connection string from an app setting', metadata: { connectionFromEnv: 'SOME_SETTING' }, production: `triggers[0].metadata.connectionFromEnv: ${LOCAL_ONLY}`, local: 'loads' },
  { name: 'a connection string in the target', metadata: { connection: 'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=c2VjcmV0LWtleS12YWx1ZQ==' }, production: 'triggers[0].metadata.connection: is refused', local: 'triggers[0].metadata.connection: is refused', secret: 'c2VjcmV0LWtleS12YWx1ZQ==' },
  { name: 'a queue service URL that is not http(s)', metadata: { queueServiceUri: 'ftp://collector.example.net/x' }, production: 'is not an http:// or https:// URL', local: 'is not an http:// or https:// URL' },
  { name: 'a queue service URL with credentials', metadata: { queueServiceUri: 'https://user:hunter2secret@collector.example.net/x' }, production: 'must not carry a user name or password', local: 'must not carry a user name or password', secret: 'hunter2secret' },
  { name: 'a private cloud suffix with a path', metadata: { cloud: 'Private', endpointSuffix: 'collector.example.net/steal?x=' }, production: 'is not a host name suffix', local: 'is not a host name suffix' },
  { name: 'a private cloud suffix with a port', metadata: { cloud: 'Private', endpointSuffix: 'collector.example.net:8443' }, production: 'is not a host name suffix', local: 'is not a host name suffix' },
  { name: 'a private cloud suffix with a scheme', metadata: { cloud: 'Private', endpointSuffix: 'https://collector.example.net' }, production: 'is not a host name suffix', local: 'is not a host name suffix' },
  { name: 'a private cloud suffix that is a host name', metadata: { cloud: 'Private', endpointSuffix: 'queue.core.contoso.example' }, production: 'loads', local: 'loads' },
  { name: 'an account name that is a host', metadata: { accountName: 'collector.example.net' }, production: 'is not a storage account name', local: 'is not a storage account name' },
  { name: 'a cluster server over http', cluster: { server: 'http://k8s.example.net:6443', certificateAuthorityData: CA }, production: 'is not an https:// URL', local: 'is not an https:// URL' },
  { name: 'a cluster server with credentials', cluster: { server: 'https://admin:hunter2secret@k8s.example.net:6443', certificateAuthorityData: CA }, production: 'must not carry a user name or password', local: 'must not carry a user name or password', secret: 'hunter2secret' },
  { name: 'a cluster server with a query', cluster: { server: 'https://k8s.example.net:6443/?impersonate=admin', certificateAuthorityData: CA }, production: 'must not have a query or a fragment', local: 'must not have a query or a fragment' },
  { name: 'a cluster server without its CA', cluster: { server: 'https://k8s.example.net:6443' }, production: 'certificateAuthorityData: is required with server', local: 'certificateAuthorityData: is required with server' },
  { name: 'a cluster by server URL and CA', cluster: { server: 'https://k8s.example.net:6443', certificateAuthorityData: CA }, production: 'loads', local: 'loads' },
  { name: 'an ARM endpoint', cluster: { resourceId: AKS_ID, armEndpoint: 'https://arm.example.net' }, production: `armEndpoint: ${LOCAL_ONLY}`, local: 'loads' },
  { name: 'an ARM endpoint over http', cluster: { resourceId: AKS_ID, armEndpoint: 'http://arm.example.net' }, production: 'is not an https:// URL', local: 'is not an https:// URL' },
  { name: 'a kubeconfig context', cluster: { context: 'kind-dev' }, production: `context: ${LOCAL_ONLY}`, local: 'loads' },
  { name: 'a Secret as the scale target', ref: { name: 'db', kind: 'Secret' }, production: 'scaleTargetRef.kind: "Secret" is not one of Deployment, StatefulSet', local: 'scaleTargetRef.kind: "Secret" is not one of Deployment, StatefulSet' },
  { name: 'a Pod as the scale target', ref: { name: 'p', kind: 'Pod', apiVersion: 'v1' }, production: 'scaleTargetRef.kind: "Pod" is not one of Deployment, StatefulSet', local: 'scaleTargetRef.apiVersion: "v1" is not apps/v1' },
];

function settingsOf(row: UrlRow, local: boolean): Record<string, string> {
  return {
    SCALER_LOCAL_DEVELOPMENT: String(local),
    SCALER_CLUSTERS: JSON.stringify({ c: row.cluster ?? { resourceId: AKS_ID } }),
    SCALER_TARGETS: JSON.stringify([{
      namespace: 'shop', scaleTargetRef: row.ref ?? { name: 'worker' },
      triggers: [{ type: 'azure-queue', metadata: { queueName: 'orders', accountName: 'shopdata', ...row.metadata } }],
    }]),
  };
}

/** The files a path holds (recursively). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('configuration cannot point the scaler at arbitrary places', () => {
  let checks = 0;
  afterAll(() => recordCount('security-checks', 'configuration rows that could point the scaler elsewhere, with and without SCALER_LOCAL_DEVELOPMENT', checks));

  test.each(URL_ROWS.map((r) => [r.name, r] as const))('%s', (_, row) => {
    for (const local of [false, true]) {
      const config = loadConfig(settingsOf(row, local));
      const want = local ? row.local : row.production;
      const messages = config.errors.map((e) => e.message);
      if (want === 'loads') {
        expect(messages, `local ${local}`).toEqual([]);
        expect(config.targets).toHaveLength(1);
      } else {
        expect(config.targets, `local ${local}`).toEqual([]);
        expect(messages.join('\n'), `local ${local}`).toContain(want);
      }
      if (row.secret) for (const m of messages) expect(m).not.toContain(row.secret);
      checks++;
    }
  });

  test('the deployment never switches local development on, and never ships local settings', () => {
    const root = new URL('../../', import.meta.url).pathname;
    const infra = [...filesUnder(join(root, 'infra')), join(root, 'azure.yaml')];
    for (const file of infra) expect(readFileSync(file, 'utf8'), file).not.toMatch(/SCALER_LOCAL_DEVELOPMENT/);
    // Only the bundle, host.json and package.json are published (local.settings.json stays home).
    const funcignore = readFileSync(join(root, '.funcignore'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    expect(funcignore).toEqual(['*', '!host.json', '!package.json', '!dist/', '!dist/app/', '!dist/app/**']);
    checks += infra.length + 1;
  });
});

describe.runIf(controlPlaneEnabled)('the scaler on kube-apiserver with RBAC', () => {
  let controlPlane: ControlPlaneInfo;
  let identity: IdentityEndpoint;
  let azurite: Azurite;
  let admin: KubeConfig;
  let proxy: FaultProxy;
  let nonEntraProxy: FaultProxy;
  let arm: ArmEndpoint;
  let checks = 0;

  beforeAll(async () => {
    controlPlane = sharedControlPlane();
    const ca = await sharedTestCa();
    identity = await startIdentityEndpoint({ identities: testIdentities(controlPlane) });
    useIdentityEndpoint(identity, SCALER_CLIENT_ID);
    azurite = await startAzurite();
    admin = adminKubeConfig(controlPlane);
    proxy = await startFaultProxy({ target: controlPlane.server, targetCaPem: controlPlane.caPem, tls: await ca.issue('kube-proxy') });
    nonEntraProxy = await startFaultProxy({ target: controlPlane.server, targetCaPem: controlPlane.caPem, tls: await ca.issue('kube-proxy-local-accounts') });
    arm = await startArmEndpoint({
      ca, clusters: [{ subscriptionId: SUBSCRIPTION, resourceGroup: 'rg', name: 'local-accounts', server: nonEntraProxy.url, caPem: ca.certPem, entraId: false }],
      acceptsToken: (t) => identity.issuedFor(t)?.resource === ARM_RESOURCE,
    });
  });
  afterAll(async () => {
    recordCount('security-checks', 'requests the scaler made to kube-apiserver through a full scenario, each checked against what it scales', checks);
    await proxy?.stop();
    await nonEntraProxy?.stop();
    await arm?.stop();
    await azurite?.stop();
    await identity?.stop();
  });

  test('it asks the cluster only for the workloads it scales (get, and update of /scale); a namespace without the Role stays untouched', async () => {
    const granted: Workloads = await createWorkloads(admin, { replicas: 0, prefix: 'rel' });
    await grantScaleRole(admin, granted.namespace);
    const ungranted: Workloads = await createWorkloads(admin, { replicas: 2, prefix: 'rel' });
    const work = await createQueue(azurite, 12);
    const wakeQueue = await createQueue(azurite);
    const scaler = startReliabilityScaler({
      azurite, controlPlane, timeoutMs: 5_000,
      clusters: { audited: { server: proxy.url, certificateAuthorityData: Buffer.from(controlPlane.caPem).toString('base64') } },
      targets: [
        { ...queueTarget(granted.namespace, granted.deployment, work.name, { wake: { queueName: wakeQueue.name }, cooldownPeriod: 0 }), cluster: 'audited' },
        { ...queueTarget(granted.namespace, granted.statefulSet, work.name, { kind: 'StatefulSet' }), cluster: 'audited' },
        { ...queueTarget(ungranted.namespace, ungranted.deployment, work.name), cluster: 'audited' },
        { ...queueTarget('kube-system', 'coredns', work.name), cluster: 'audited' },
      ],
    });
    // Up from 0, a 409 on the way (the scale changed under it), down to 0, woken again.
    await scaler.tick(0);
    await setReplicas(admin, granted.namespace, granted.deployment, 1);
    proxy.inject({ times: 1, match: (r) => r.method === 'PUT', fault: { kind: 'status', status: 409, body: '{"kind":"Status","reason":"Conflict"}' } });
    await scaler.tick(15);
    await work.clearMessages();
    for (let i = 0; i < 4; i++) await scaler.tick(15);
    expect(await replicasOf(admin, granted.namespace, granted.deployment)).toBe(0);
    const [queue] = wakeQueuesOf(scaler.runtime.config.targets);
    await work.sendMessage('more');
    expect((await createWaker(scaler.runtime).handle(queue!, '{}')).outcomes.map((o) => o.result)).toEqual(['woken']);

    // Every request: GET of a configured workload, or PUT of its /scale, in a configured namespace.
    const allowed = new RegExp(`^(GET /apis/apps/v1/namespaces/(${granted.namespace}|${ungranted.namespace}|kube-system)/(deployments|statefulsets)/(worker|worker-set|coredns)|PUT /apis/apps/v1/namespaces/${granted.namespace}/(deployments/worker|statefulsets/worker-set)/scale)(\\?.*)?$`);
    const requests = proxy.log.map((r) => `${r.method} ${r.path}`);
    expect(requests.length).toBeGreaterThan(10);
    expect(requests.filter((r) => !allowed.test(r))).toEqual([]);
    expect(requests.some((r) => r.startsWith('PUT') && r.includes('/deployments/worker/scale'))).toBe(true);
    checks += requests.length;
    // Where the Role is missing: 403, a message naming the fix, and nothing changed.
    const refused = scaler.telemetry.failed.filter((f) => f.includes(ungranted.namespace) || f.includes('kube-system'));
    expect(refused.length).toBeGreaterThan(0);
    for (const f of refused) expect(f).toMatch(/forbidden; the scaler identity needs get on deployments and update on their scale subresource in namespace (rel-[0-9a-f]+|kube-system)/);
    expect(await replicasOf(admin, ungranted.namespace, ungranted.deployment)).toBe(2);
    const keys = scaler.runtime.targets.map((t) => targetKey(t.target));
    expect(keys).toHaveLength(4);
  }, 120_000);

  test('a cluster without Entra ID is refused before any request reaches it (no token is sent)', async () => {
    const w = await createWorkloads(admin, { replicas: 1, prefix: 'rel' });
    await grantScaleRole(admin, w.namespace);
    const work = await createQueue(azurite, 12);
    const scaler = startReliabilityScaler({
      azurite, controlPlane, timeoutMs: 5_000,
      clusters: { 'local-accounts': { resourceId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/local-accounts`, armEndpoint: arm.url } },
      targets: [{ ...queueTarget(w.namespace, w.deployment, work.name), cluster: 'local-accounts' }],
    });
    const first = await scaler.tick(0);
    const second = await scaler.tick(15);
    for (const tick of [first, second]) {
      expect(tick.result.evaluated[0]!.error).toMatch(/does not use Microsoft Entra ID: its user credential would be an admin credential, so the scaler refuses it/);
    }
    // The cluster was looked at through ARM only: not one request reached its API server.
    expect(nonEntraProxy.log).toEqual([]);
    expect(arm.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['GET 200', 'GET 200']);
    expect(await replicasOf(admin, w.namespace, w.deployment)).toBe(1);
    checks += 2;
  }, 60_000);
});
