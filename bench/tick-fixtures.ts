// The local services and workloads the tick benchmark runs against: a real kube-apiserver with
// RBAC, Azurite (queues and the state table) and the managed identity endpoint, plus many
// namespaces, Deployments and queues, created concurrently with a bound.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { QueueServiceClient } from '@azure/storage-queue';
import pLimit from 'p-limit';
import { startAzurite, type Azurite } from '../local/azurite.js';
import { findControlPlaneBinaries, missingControlPlaneMessage } from '../local/control-plane-binaries.js';
import { ADMIN_USER, kubeToken, startControlPlane, type ControlPlane } from '../local/control-plane.js';
import { startIdentityEndpoint, useIdentityEndpoint, type IdentityEndpoint } from '../local/identity-endpoint.js';
import { adminKubeConfig } from '../local/kube-clients.js';
import { grantScaleRole } from '../local/kube-workloads.js';
import { createTestCa, type TestCa } from '../local/test-ca.js';
import { SCALER_CLIENT_ID, testIdentities } from '../local/test-identities.js';
import { trustCa } from '../local/trust-ca.js';

export interface LocalServices {
  /** The CA the services' certificates come from, trusted by this process. */
  ca: TestCa;
  controlPlane: ControlPlane;
  azurite: Azurite;
  identity: IdentityEndpoint;
  /** Ports by service name, so the scaler's HTTP requests can be counted per service. */
  ports: Record<string, number>;
  /** Process ids by service name, for their CPU time (/proc). */
  pids: Record<string, number>;
  stop(): Promise<void>;
}

/** Starts the services, or says why it cannot (no control-plane binaries). */
export async function startLocalServices(): Promise<LocalServices | { missing: string }> {
  const binDir = findControlPlaneBinaries();
  if (binDir === undefined) return { missing: missingControlPlaneMessage() };
  const dir = await mkdtemp(join(tmpdir(), 'aqs-bench-'));
  const stops: (() => Promise<void>)[] = [() => rm(dir, { recursive: true, force: true })];
  const stop = async (): Promise<void> => {
    for (const s of stops.reverse()) await s().catch(() => {});
  };
  try {
    const ca = await createTestCa(dir);
    // The harness's own fetch calls (fixtures) trust the apiserver's CA; the scaler gets the CA
    // from its SCALER_CLUSTERS entry, as in Azure.
    trustCa(ca.certPem);
    const controlPlane = await startControlPlane({ binDir, ca });
    stops.push(() => controlPlane.stop());
    const azurite = await startAzurite();
    stops.push(() => azurite.stop());
    const identity = await startIdentityEndpoint({ identities: testIdentities(controlPlane) });
    stops.push(() => identity.stop());
    // Forked scalers inherit this environment: the managed identity is the scaler's.
    useIdentityEndpoint(identity, SCALER_CLIENT_ID);
    const portOf = (url: string): number => Number(new URL(url).port);
    return {
      ca,
      controlPlane,
      azurite,
      identity,
      ports: {
        kube: portOf(controlPlane.server),
        queue: portOf(azurite.queueEndpoint),
        table: portOf(azurite.tableEndpoint),
        identity: portOf(identity.env.IDENTITY_ENDPOINT),
      },
      pids: { 'kube-apiserver': controlPlane.pids[1]!, etcd: controlPlane.pids[0]!, azurite: azurite.pid },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** The SCALER_CLUSTERS entry of the local control plane (a 'server' cluster with its CA). */
export function clusterEntry(controlPlane: ControlPlane): { server: string; certificateAuthorityData: string } {
  return { server: controlPlane.server, certificateAuthorityData: Buffer.from(controlPlane.caPem).toString('base64') };
}

/** How many requests the fixtures make at once. */
const FIXTURE_CONCURRENCY = 32;

/** A call to the apiserver as admin, over the process's keep-alive pool (client-node opens a connection per call). */
async function adminRequest(services: LocalServices, method: string, path: string, body: unknown, contentType = 'application/json'): Promise<void> {
  const response = await fetch(`${services.controlPlane.server}${path}`, {
    method,
    headers: { authorization: `Bearer ${kubeToken(services.controlPlane, ADMIN_USER)}`, 'content-type': contentType },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`);
  await response.arrayBuffer();
}

/**
 * Queue depth of benchmark target `j` (per 100 targets): 3 deep (20 messages at queueLength 1,
 * i.e. 20 replicas wanted), 12 with 1-8 messages (queueLength 5: 1 or 2 replicas), 85 empty.
 * Few messages in all: Azurite's GetProperties counts the messages of the whole account, so
 * each message makes every queue read slower (bench/README.md); Azure keeps the count as metadata.
 */
export function depthOf(j: number): number {
  const r = j % 100;
  if (r % 33 === 0) return 20; // 0, 33, 66
  if (r % 8 === 1) return 1 + (j % 8); // 12 of every 100
  return 0;
}

export const queueLengthOf = (j: number): number => (depthOf(j) >= 20 ? 1 : 5);

export interface Workbench {
  namespaces: string[];
  /** Target j: namespace j % namespaces, Deployment w-floor(j / namespaces), queue `b<run>-<j>`. */
  refOf(j: number): { namespace: string; deployment: string; queue: string };
  /** Seconds spent creating each kind of fixture, in total. */
  setupSeconds: { namespaces: number; deployments: number; queues: number };
  /** Creates the Deployments and queues of targets below `size` that do not exist yet. */
  grow(size: number): Promise<void>;
  /** Sets the Deployments of targets below `size` with a non-empty queue back to 0 replicas. */
  reset(size: number): Promise<void>;
}

/**
 * `namespaceCount` namespaces, each with the scaler's Role; grow() adds Deployments (at 0
 * replicas) and queues (with depthOf(j) messages) as the sizes need them, so a size runs with
 * only its own fixtures in the services.
 */
export async function createWorkbench(services: LocalServices, namespaceCount: number, log: (line: string) => void): Promise<Workbench> {
  const run = Math.random().toString(36).slice(2, 8);
  const namespaces = Array.from({ length: namespaceCount }, (_, i) => `bench-${run}-${i}`);
  const refOf = (j: number): { namespace: string; deployment: string; queue: string } => ({
    namespace: namespaces[j % namespaceCount]!,
    deployment: `w-${Math.floor(j / namespaceCount)}`,
    queue: `b${run}-${j}`,
  });
  const limit = pLimit(FIXTURE_CONCURRENCY);
  const seconds = (since: number): number => Math.round((performance.now() - since) / 100) / 10;
  const setupSeconds = { namespaces: 0, deployments: 0, queues: 0 };

  let t = performance.now();
  const admin = adminKubeConfig(services.controlPlane);
  await Promise.all(namespaces.map(async (namespace) => {
    await admin.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
    await grantScaleRole(admin, namespace);
  }));
  setupSeconds.namespaces = seconds(t);
  const queues = QueueServiceClient.fromConnectionString(services.azurite.connectionString);
  let created = 0;

  return {
    namespaces,
    refOf,
    setupSeconds,
    async grow(size) {
      if (size <= created) return;
      const added = Array.from({ length: size - created }, (_, i) => created + i);
      t = performance.now();
      await Promise.all(added.map((j) => limit(() => {
        const { namespace, deployment } = refOf(j);
        const labels = { app: deployment };
        return adminRequest(services, 'POST', `/apis/apps/v1/namespaces/${namespace}/deployments`, {
          metadata: { name: deployment },
          spec: { replicas: 0, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'worker', image: 'registry.k8s.io/pause:3.10' }] } } },
        });
      })));
      const deploymentsS = seconds(t);
      t = performance.now();
      await Promise.all(added.map((j) => limit(async () => {
        const queue = queues.getQueueClient(refOf(j).queue);
        await queue.create();
        for (let m = 0; m < depthOf(j); m++) await queue.sendMessage(`message ${m}`);
      })));
      const queuesS = seconds(t);
      setupSeconds.deployments += deploymentsS;
      setupSeconds.queues += queuesS;
      const messages = added.reduce((sum, j) => sum + depthOf(j), 0);
      log(`  +${added.length} Deployments over ${namespaceCount} namespaces in ${deploymentsS} s, +${added.length} queues (${messages} messages) in ${queuesS} s`);
      created = size;
    },
    async reset(below) {
      await Promise.all(Array.from({ length: below }, (_, j) => j).filter((j) => depthOf(j) > 0).map((j) => limit(() => {
        const { namespace, deployment } = refOf(j);
        return adminRequest(services, 'PATCH', `/apis/apps/v1/namespaces/${namespace}/deployments/${deployment}/scale`, { spec: { replicas: 0 } }, 'application/merge-patch+json');
      })));
    },
  };
}
