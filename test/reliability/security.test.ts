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
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../../shared/config/index.js';
import { targetKey, createWaker, wakeQueueClients, wakeQueuesOf } from '../../shared/runtime/index.js';
import { pollOnce, queueTriggerSettings, type QueueTriggerSettings } from '../../shared/runtime/queue-poller.js';
import { startArmEndpoint, type ArmEndpoint } from '../support/arm-endpoint.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { ARM_RESOURCE } from '../../local/identity-endpoint.js';
import { createWorkloads, type Workloads } from '../../local/kube-workloads.js';
import { useLocalServices } from '../support/vitest/local-services.js';
import { controlPlaneEnabled, sharedTestCa } from '../support/vitest/provided.js';
import { clusterEntry, createQueue, queueTarget, replicasOf, startScaler, type ScalerUnderTest } from '../e2e/scaler.js';
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
    expect(funcignore).toEqual(['*', '!host.json', '!package.json', '!dist/app/']); // what each uploads: test/deploy/funcignore.test.ts
    checks += infra.length + 1;
  });
});

describe.runIf(controlPlaneEnabled)('the scaler on kube-apiserver with RBAC', () => {
  const services = useLocalServices();
  let proxy: FaultProxy;
  let nonEntraProxy: FaultProxy;
  let arm: ArmEndpoint;
  let checks = 0;

  beforeAll(async () => {
    const ca = await sharedTestCa();
    proxy = await startFaultProxy({ target: services.controlPlane.server, targetCaPem: services.controlPlane.caPem, tls: await ca.issue('kube-proxy') });
    nonEntraProxy = await startFaultProxy({ target: services.controlPlane.server, targetCaPem: services.controlPlane.caPem, tls: await ca.issue('kube-proxy-local-accounts') });
    arm = await startArmEndpoint({
      ca, clusters: [{ subscriptionId: SUBSCRIPTION, resourceGroup: 'rg', name: 'local-accounts', server: nonEntraProxy.url, caPem: ca.certPem, entraId: false }],
      acceptsToken: (t) => services.identity.issuedFor(t)?.resource === ARM_RESOURCE,
    });
  });
  afterAll(async () => {
    recordCount('security-checks', 'requests the scaler made to kube-apiserver through a full scenario, each checked against what it scales', checks);
    await proxy?.stop();
    await nonEntraProxy?.stop();
    await arm?.stop();
  });

  test('it asks the cluster only for the workloads it scales (get, and update of /scale); a namespace without the Role stays untouched', async () => {
    const granted: Workloads = await services.workloads({ replicas: 0, prefix: 'rel' });
    const ungranted: Workloads = await createWorkloads(services.admin, { replicas: 2, prefix: 'rel' });
    const work = await createQueue(services.azurite, 12);
    const wakeQueue = await createQueue(services.azurite);
    const scaler = startReliabilityScaler({
      azurite: services.azurite, controlPlane: services.controlPlane, timeoutMs: 5_000,
      clusters: { audited: { server: proxy.url, certificateAuthorityData: Buffer.from(services.controlPlane.caPem).toString('base64') } },
      targets: [
        { ...queueTarget(granted.namespace, granted.deployment, work.name, { wake: { queueName: wakeQueue.name }, cooldownPeriod: 0 }), cluster: 'audited' },
        { ...queueTarget(granted.namespace, granted.statefulSet, work.name, { kind: 'StatefulSet' }), cluster: 'audited' },
        { ...queueTarget(ungranted.namespace, ungranted.deployment, work.name), cluster: 'audited' },
        { ...queueTarget('kube-system', 'coredns', work.name), cluster: 'audited' },
      ],
    });
    // Up from 0, a 409 on the way (the scale changed under it), down to 0, woken again.
    await scaler.tick(0);
    await setReplicas(services.admin, granted.namespace, granted.deployment, 1);
    proxy.inject({ times: 1, match: (r) => r.method === 'PUT', fault: { kind: 'status', status: 409, body: '{"kind":"Status","reason":"Conflict"}' } });
    await scaler.tick(15);
    await work.clearMessages();
    for (let i = 0; i < 4; i++) await scaler.tick(15);
    expect(await replicasOf(services.admin, granted.namespace, granted.deployment)).toBe(0);
    const [queue] = wakeQueuesOf(scaler.runtime.config.targets);
    await work.sendMessage('more');
    expect((await createWaker(scaler.runtime).handle(queue!, '{}')).outcomes.map((o) => o.result)).toEqual(['woken']);

    // Every request: GET of a configured workload, or PUT of its /scale, in a configured namespace;
    // and, after a scale change, POST of an Event on it (the optional events Role).
    const allowed = new RegExp(`^(GET /apis/apps/v1/namespaces/(${granted.namespace}|${ungranted.namespace}|kube-system)/(deployments|statefulsets)/(worker|worker-set|coredns)|PUT /apis/apps/v1/namespaces/${granted.namespace}/(deployments/worker|statefulsets/worker-set)/scale|POST /api/v1/namespaces/${granted.namespace}/events)(\\?.*)?$`);
    const requests = proxy.log.map((r) => `${r.method} ${r.path}`);
    expect(requests.length).toBeGreaterThan(10);
    expect(requests.filter((r) => !allowed.test(r))).toEqual([]);
    expect(requests.some((r) => r.startsWith('PUT') && r.includes('/deployments/worker/scale'))).toBe(true);
    // One event per change that reached the cluster (and no more).
    const scaled = proxy.log.filter((r) => r.method === 'PUT' && r.status === 200).length;
    expect(scaled).toBeGreaterThan(1);
    expect(proxy.log.filter((r) => r.method === 'POST').length).toBe(scaled);
    checks += requests.length;
    // Where the Role is missing: 403, a message naming the fix, and nothing changed.
    const refused = scaler.telemetry.failed.filter((f) => f.includes(ungranted.namespace) || f.includes('kube-system'));
    expect(refused.length).toBeGreaterThan(0);
    for (const f of refused) expect(f).toMatch(/forbidden; the scaler identity needs get on deployments and update on their scale subresource in namespace (rel-[0-9a-f]+|kube-system)/);
    expect(await replicasOf(services.admin, ungranted.namespace, ungranted.deployment)).toBe(2);
    const keys = scaler.runtime.targets.map((t) => targetKey(t.target));
    expect(keys).toHaveLength(4);
  }, 120_000);

  test('a cluster without Entra ID is refused before any request reaches it (no token is sent)', async () => {
    const w = await services.workloads({ replicas: 1, prefix: 'rel' });
    const work = await createQueue(services.azurite, 12);
    const scaler = startReliabilityScaler({
      azurite: services.azurite, controlPlane: services.controlPlane, timeoutMs: 5_000,
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
    expect(await replicasOf(services.admin, w.namespace, w.deployment)).toBe(1);
    checks += 2;
  }, 60_000);
});

/** host.json's queue settings, the retry delay set to 0 to keep the tests fast. */
const HOST_QUEUES: QueueTriggerSettings = { ...queueTriggerSettings(JSON.parse(readFileSync(new URL('../../host.json', import.meta.url), 'utf8'))), visibilityTimeoutMs: 0 };

/** Polls every wake queue of what loaded, `rounds` times, as the Functions host (and `run`) would. */
async function pollWakeQueues(scaler: ScalerUnderTest, rounds: number): Promise<{ queues: string[]; handled: number }> {
  const queues = wakeQueuesOf(scaler.runtime.config.targets);
  const waker = createWaker(scaler.runtime);
  let handled = 0;
  for (let i = 0; i < rounds; i++) {
    for (const queue of queues) {
      const { queue: client, poison } = wakeQueueClients(queue, scaler.runtime.settings, scaler.runtime.credentialFor);
      const result = await pollOnce(client, poison, HOST_QUEUES, async (body) => void (await waker.handle(queue, body.toString('utf8'))));
      handled += result.handled;
    }
  }
  return { queues: queues.map((q) => q.queueName), handled };
}

// Configuration that would let one target damage another, or that used to break every tick: the
// configuration loads with the offending target or setting refused (shared/config/queue-graph.ts,
// the workload-owner rule of shared/config/settings.ts, shared/config/app-settings.ts), and what
// loaded works: its wake queues are polled as the Functions host polls them, the loop ticks, and
// nothing happens to the other target's queue or workload.
describe.runIf(controlPlaneEnabled)('one target cannot damage another, and a bad setting never stops the app', () => {
  const services = useLocalServices();
  let checks = 0;

  afterAll(async () => {
    recordCount('security-checks', 'configurations where one target could damage another, or a setting broke every tick, run on Azurite and kube-apiserver: the offender refused at load, the other target\'s queue and workload untouched (each poll round and tick checked)', checks);
  });

  test("a wake queue that is another target's work queue: refused at load; the work stays while the wake functions poll, and its target is not scaled to 0", async () => {
    const w = await services.workloads({ replicas: 2, prefix: 'rel' });
    const work = await createQueue(services.azurite, 12);
    const other = await createQueue(services.azurite);
    const signals = await createQueue(services.azurite);
    // A reads `work`. B's wake queue is `work` too (the app's own storage is the same Azurite
    // account): one poll of B's wake function used to delete all of A's messages, and A went to 0.
    // C has a wake queue of its own, so a wake function does run.
    const scaler = startScaler({
      azurite: services.azurite, controlPlane: services.controlPlane, timeoutMs: 5_000,
      targets: [
        queueTarget(w.namespace, w.deployment, work.name, { name: 'a', cooldownPeriod: 0 }),
        queueTarget(w.namespace, w.statefulSet, other.name, { name: 'b', kind: 'StatefulSet', wake: { queueName: work.name } }),
        queueTarget(w.namespace, 'absent', other.name, { name: 'c', wake: { queueName: signals.name } }),
      ],
    });
    expect(scaler.runtime.config.errors.map((e) => e.message)).toEqual([
      `target ${w.namespace}/b: wake.queueName: "${work.name}" in account devstoreaccount1 is the work queue of target ${w.namespace}/a (triggers[0]): a wake function deletes every message of its queue, so target ${w.namespace}/a would lose its work. Use a queue of its own`,
    ]);
    expect(scaler.runtime.config.targets.map((t) => t.id)).toEqual([`${w.namespace}/a`, `${w.namespace}/c`]);

    // The wake functions of what loaded poll, several rounds, and the loop ticks in between.
    const replicas: number[] = [];
    for (let round = 0; round < 4; round++) {
      expect(await pollWakeQueues(scaler, 3)).toEqual({ queues: [signals.name], handled: 0 });
      await scaler.tickAfter(15);
      replicas.push(await replicasOf(services.admin, w.namespace, w.deployment));
      expect((await work.getProperties()).approximateMessagesCount).toBe(12);
      checks++;
    }
    // 12 messages, queueLength 5: 3 replicas, never 0.
    expect(replicas).toEqual([3, 3, 3, 3]);
    const peeked = await work.peekMessages({ numberOfMessages: 32 });
    expect(peeked.peekedMessageItems.map((m) => m.messageText).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `message ${i}`).sort());
  }, 120_000);

  test('forwarding that loops between two wake queues: both refused; a message on either stays put', async () => {
    const w = await services.workloads({ replicas: 1, prefix: 'rel' });
    const [work, inboxA, inboxB] = await Promise.all([createQueue(services.azurite), createQueue(services.azurite), createQueue(services.azurite)]);
    // Both wake queues named in the account of the triggers (the Azurite account), as forwardTo is.
    const scaler = startScaler({
      azurite: services.azurite, controlPlane: services.controlPlane, timeoutMs: 5_000,
      settings: { SCALER_WAKE_devstoreaccount1: services.azurite.connectionString },
      targets: [
        queueTarget(w.namespace, w.deployment, work.name, { name: 'a', wake: { queueName: inboxA.name, accountName: 'devstoreaccount1', forwardTo: inboxB.name } }),
        queueTarget(w.namespace, w.statefulSet, work.name, { name: 'b', kind: 'StatefulSet', wake: { queueName: inboxB.name, accountName: 'devstoreaccount1', forwardTo: inboxA.name } }),
      ],
    });
    expect(scaler.runtime.config.errors.map((e) => e.message)).toEqual([
      `target ${w.namespace}/a: wake.forwardTo: "${inboxB.name}" is the wake queue of target ${w.namespace}/b, and the forwards loop back: ${inboxA.name} (${w.namespace}/a) -> ${inboxB.name} (${w.namespace}/b) -> ${inboxA.name}: each message would go round the loop forever`,
      `target ${w.namespace}/b: wake.forwardTo: "${inboxA.name}" is the wake queue of target ${w.namespace}/a, and the forwards loop back: ${inboxB.name} (${w.namespace}/b) -> ${inboxA.name} (${w.namespace}/a) -> ${inboxB.name}: each message would go round the loop forever`,
    ]);
    await inboxA.sendMessage('order 1');
    expect(await pollWakeQueues(scaler, 3)).toEqual({ queues: [], handled: 0 });
    expect((await inboxA.getProperties()).approximateMessagesCount).toBe(1);
    expect((await inboxB.getProperties()).approximateMessagesCount).toBe(0);
    checks++;
  }, 60_000);

  test('two cluster names for one API server (the same cluster): one owner, so only one target scales the Deployment, tick after tick', async () => {
    const w = await services.workloads({ replicas: 0, prefix: 'rel' });
    const busy = await createQueue(services.azurite, 20);
    const idle = await createQueue(services.azurite);
    // `alias` is the same server written another way (scheme in capitals, trailing slashes).
    const entry = clusterEntry(services.controlPlane);
    const alias = { ...entry, server: `${entry.server.replace(/^https:/, 'HTTPS:')}//` };
    const scaler = startScaler({
      azurite: services.azurite, controlPlane: services.controlPlane, timeoutMs: 5_000,
      clusters: { alias },
      targets: [
        queueTarget(w.namespace, w.deployment, busy.name, { name: 'busy' }),
        // Wants 0 (an empty queue, no cooldown): with both loaded, the Deployment flipped 4 -> 0 -> 4.
        { ...queueTarget(w.namespace, w.deployment, idle.name, { name: 'idle', cooldownPeriod: 0 }), cluster: 'alias' },
      ],
    });
    expect(scaler.runtime.config.errors.map((e) => e.message)).toEqual([
      `target ${w.namespace}/idle: scaleTargetRef: Deployment ${w.namespace}/${w.deployment} is already scaled by target ${w.namespace}/busy (#0): cluster alias is the same cluster as test (same server https://${new URL(entry.server).host})`,
    ]);
    const replicas: number[] = [];
    for (let tick = 0; tick < 6; tick++) {
      await scaler.tickAfter(15);
      replicas.push(await replicasOf(services.admin, w.namespace, w.deployment));
      checks++;
    }
    // 20 messages, queueLength 5: 4, and it stays there.
    expect(replicas).toEqual([4, 4, 4, 4, 4, 4]);
    expect(new Set(scaler.telemetry.decisions.map((d) => d.target))).toEqual(new Set([targetKey(scaler.runtime.config.targets[0]!)]));
  }, 120_000);

  test('bad settings (SCALER_CONCURRENCY -1, SCALER_SCHEDULE every second, SCALER_STATE_TABLE with a hyphen): each reported once, the defaults used, and every tick scales', async () => {
    const w = await services.workloads({ replicas: 0, prefix: 'rel' });
    const work = await createQueue(services.azurite, 8);
    const scaler = startScaler({
      azurite: services.azurite, controlPlane: services.controlPlane, timeoutMs: 5_000,
      settings: { SCALER_CONCURRENCY: '-1', SCALER_SCHEDULE: '* * * * * *', SCALER_STATE_TABLE: 'scaler-state' },
      targets: [queueTarget(w.namespace, w.deployment, work.name)],
    });
    const reported = [
      'SCALER_CONCURRENCY: "-1" is not a whole number from 1 to 1000; using the default (32)',
      'SCALER_SCHEDULE: "* * * * * *" fires 1 s apart: the fastest schedule allowed is every 5 s (e.g. */5 * * * * *); using the default (*/15 * * * * *)',
      'SCALER_STATE_TABLE: "scaler-state" is not a table name (3-63 letters and digits, starting with a letter); using the default (scalerstate)',
    ];
    expect(scaler.runtime.config.errors.map((e) => e.message)).toEqual(reported);
    expect({ concurrency: scaler.runtime.concurrency, schedule: scaler.runtime.config.schedule, table: scaler.runtime.config.stateTable }).toEqual({ concurrency: 32, schedule: '*/15 * * * * *', table: 'scalerstate' });
    for (let tick = 0; tick < 3; tick++) {
      const result = await scaler.tickAfter(15);
      expect(result.evaluated.map((e) => e.error)).toEqual([undefined]);
      checks++;
    }
    expect(await replicasOf(services.admin, w.namespace, w.deployment)).toBe(2);
    // Reported once, when the runtime was built, not on every tick.
    expect(scaler.telemetry.failed.filter((f) => reported.some((r) => f.endsWith(r)))).toHaveLength(3);
  }, 60_000);

  test('SCALER_TARGETS as a YAML stream with one malformed document: the well-formed targets load and scale', async () => {
    const w = await services.workloads({ replicas: 0, prefix: 'rel' });
    const work = await createQueue(services.azurite, 8);
    const deployment = queueTarget(w.namespace, w.deployment, work.name);
    const statefulSet = queueTarget(w.namespace, w.statefulSet, work.name, { kind: 'StatefulSet' });
    // The middle document repeats a key: only that target is refused.
    const broken = `namespace: ${w.namespace}\nname: broken\nscaleTargetRef: {name: absent}\nmaxReplicaCount: 3\nmaxReplicaCount: 4\ntriggers: [{type: azure-queue, metadata: {queueName: ${work.name}, connectionFromEnv: QUEUES}}]\n`;
    const scaler = startScaler({
      azurite: services.azurite, controlPlane: services.controlPlane, timeoutMs: 5_000,
      targets: [],
      settings: { SCALER_TARGETS: `${stringify(deployment)}---\n${broken}---\n${stringify(statefulSet)}` },
    });
    expect(scaler.runtime.config.errors.map((e) => e.message)).toEqual([`target ${w.namespace}/broken: not valid JSON or YAML: Map keys must be unique at line 17, column 1`]);
    await scaler.tickAfter(0);
    expect([await replicasOf(services.admin, w.namespace, w.deployment), await replicasOf(services.admin, w.namespace, w.statefulSet, 'StatefulSet')]).toEqual([2, 2]);
    checks++;
  }, 60_000);
});
