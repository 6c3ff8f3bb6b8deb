// The built-in sample: what `run` (and so `npm start`) runs when there are no settings, on a
// fresh clone. The services of local/ (a kube-apiserver + etcd with RBAC, Azurite for
// UseDevelopmentStorage=true, a managed identity endpoint that signs the scaler in), a
// Deployment at 0 replicas and a queue with a burst of messages, simulated consumers (no pods
// run: there is no kubelet), and the app settings of a scaler for them. Then `run` runs its
// real loop on those settings, on the real clock. Everything started here is stopped by stop().
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import { AppsV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Settings } from '../../shared/config/index.js';
import { messageOf } from '../../shared/errors/index.js';
import { ensureControlPlaneBinaries } from '../../local/control-plane-binaries.js';
import { startControlPlane } from '../../local/control-plane.js';
import type { DevelopmentStorage } from '../../local/development-storage.js';
import { startIdentityEndpoint, useIdentityEndpoint } from '../../local/identity-endpoint.js';
import { adminKubeConfig } from '../../local/kube-clients.js';
import { createWorkloads, grantScaleRole, SCALE_ROLE_NAME } from '../../local/kube-workloads.js';
import { createTestCa } from '../../local/test-ca.js';
import { SCALER_CLIENT_ID, testIdentities } from '../../local/test-identities.js';
import { consumeMessages, tickCapacity } from '../demo/consumer.js';
import { ensureDevelopmentStorage } from './storage.js';

/** What the sample sets up; the scaler's own settings are in `sampleSettings`. */
export const SAMPLE = {
  cluster: 'sample',
  queueName: 'sample-orders',
  stateTable: 'samplestate',
  /** The fastest schedule the scaler allows, so that something happens every few seconds. */
  schedule: '*/5 * * * * *',
  messages: 30,
  queueLength: 5,
  maxReplicaCount: 10,
  /** Shorter than KEDA's and the HPA's 300 s, so that it is back at 0 in about two minutes. */
  cooldownPeriod: 30,
  scaleDownWindowSeconds: 30,
  /** Messages one simulated replica processes per consumer round. */
  perReplica: 2,
  consumerIntervalMs: 5_000,
} as const;

/** The sample's app settings: a scaler for `namespace`/worker on the local cluster, reading the sample queue from Azurite. */
export function sampleSettings(cluster: { server: string; caPem: string }, namespace: string): Settings {
  return {
    SCALER_LOCAL_DEVELOPMENT: 'true',
    AZURE_CLIENT_ID: SCALER_CLIENT_ID,
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    SCALER_STATE_TABLE: SAMPLE.stateTable,
    SCALER_SCHEDULE: SAMPLE.schedule,
    SCALER_CLUSTERS: JSON.stringify({ [SAMPLE.cluster]: { server: cluster.server, certificateAuthorityData: Buffer.from(cluster.caPem).toString('base64') } }),
    SCALER_TARGETS: JSON.stringify([{
      namespace,
      scaleTargetRef: { name: 'worker' },
      pollingInterval: 5,
      cooldownPeriod: SAMPLE.cooldownPeriod,
      maxReplicaCount: SAMPLE.maxReplicaCount,
      advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: SAMPLE.scaleDownWindowSeconds } } } },
      triggers: [{ type: 'azure-queue', metadata: { queueName: SAMPLE.queueName, connectionFromEnv: 'AzureWebJobsStorage', queueLength: String(SAMPLE.queueLength) } }],
    }]),
  };
}

export interface Sample {
  /** The app settings `run` runs the scaler with. */
  settings: Settings;
  /** The Azurite the sample's queue and the scaler's state are in. */
  storage: DevelopmentStorage | undefined;
  /** The service processes started (kube-apiserver, etcd, Azurite when started). */
  pids: number[];
  /** The Deployment, as namespace/name. */
  workload: string;
  /** Stops the consumers and every service started, and removes the temporary files. */
  stop(): Promise<void>;
}

export interface SampleOptions {
  /** Progress lines. */
  out: (line: string) => void;
  /** Ctrl-C while it starts: what was started is stopped, and startSample rejects. */
  signal?: AbortSignal;
  /** Where a started Azurite keeps its data (default: .azurite of the current folder). */
  storageLocation?: string;
}

const STEPS = 4;

/** Starts the sample's services, workload, queue and consumers; see the module comment. */
export async function startSample(options: SampleOptions): Promise<Sample> {
  const { out, signal } = options;
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((e: unknown) => out(`run: while stopping the sample: ${messageOf(e)}`));
  };
  let step = 0;
  const next = (): string => {
    signal?.throwIfAborted();
    return `[${++step}/${STEPS}]`;
  };
  const pids: number[] = [];
  try {
    const binDir = await ensureControlPlaneBinaries({ out: (line) => out(`      ${line}`), signal });
    out(`${next()} kube-apiserver and etcd: ${binDir}`);

    const dir = await mkdtemp(join(tmpdir(), 'aqs-sample-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const ca = await createTestCa(dir);
    const controlPlane = await startControlPlane({ binDir, ca });
    cleanups.push(controlPlane.stop);
    pids.push(...controlPlane.pids);
    out(`${next()} started etcd and kube-apiserver at ${controlPlane.server} in ${(controlPlane.startupMs / 1000).toFixed(1)} s (RBAC on; a throw-away CA from openssl)`);

    signal?.throwIfAborted();
    const storage = await ensureDevelopmentStorage({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' }, (line) => out(`${next()} ${line}`), options.storageLocation);
    if (storage) {
      cleanups.push(storage.stop);
      pids.push(...storage.pids);
    }

    signal?.throwIfAborted();
    // The scaler signs in to the cluster with a managed identity, as in Azure: this endpoint hands
    // it the token of the cluster's user "autoscaler", which has only the shipped Role.
    const identity = await startIdentityEndpoint({ identities: testIdentities(controlPlane) });
    cleanups.push(identity.stop);
    useIdentityEndpoint(identity, SCALER_CLIENT_ID);
    const admin = adminKubeConfig(controlPlane);
    const w = await createWorkloads(admin, { replicas: 0, prefix: 'sample' });
    await grantScaleRole(admin, w.namespace);
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, admin.exportConfig(), { mode: 0o600 });
    const queue = QueueServiceClient.fromConnectionString('UseDevelopmentStorage=true').getQueueClient(SAMPLE.queueName);
    await queue.createIfNotExists();
    await queue.clearMessages();
    for (let i = 0; i < SAMPLE.messages; i++) await queue.sendMessage(`order ${i + 1}`);
    out(`${next()} created Deployment ${w.namespace}/${w.deployment} at 0 replicas (the scaler may only read it and update its scale: Role ${SCALE_ROLE_NAME}), `
      + `and queue "${SAMPLE.queueName}" with ${SAMPLE.messages} messages`);
    out(`      no pods run (there is no kubelet): simulated consumers take ${SAMPLE.perReplica} messages per replica every ${SAMPLE.consumerIntervalMs / 1000} s`);
    out(`      target: ${SAMPLE.queueLength} messages per replica, 0..${SAMPLE.maxReplicaCount} replicas, back to 0 ${SAMPLE.cooldownPeriod} s after the queue is empty (KEDA's default: 300 s)`);
    out(`      watch it: kubectl --kubeconfig ${kubeconfig} -n ${w.namespace} get deployment ${w.deployment} -w`);
    out(`      add work: az storage message put --connection-string "UseDevelopmentStorage=true" --queue-name ${SAMPLE.queueName} --content hello`);

    const consumers = startConsumers(admin, w.namespace, w.deployment, queue, (e) => out(`run: sample consumers: ${messageOf(e)}`));
    cleanups.push(consumers);
    return { settings: sampleSettings(controlPlane, w.namespace), storage, pids, workload: `${w.namespace}/${w.deployment}`, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Every consumerIntervalMs, the replicas the Deployment has work through the queue; returns a stop. */
function startConsumers(admin: KubeConfig, namespace: string, name: string, queue: QueueClient, onError: (e: unknown) => void): () => Promise<void> {
  const apps = admin.makeApiClient(AppsV1Api);
  let round: Promise<void> = Promise.resolve();
  let failing = false;
  const timer = setInterval(() => {
    round = round.then(async () => {
      try {
        const replicas = (await apps.readNamespacedDeployment({ name, namespace })).spec?.replicas ?? 0;
        await consumeMessages(queue, tickCapacity(replicas, SAMPLE.perReplica));
        failing = false;
      } catch (e) {
        if (!failing) onError(e);
        failing = true;
      }
    });
  }, SAMPLE.consumerIntervalMs);
  return async () => {
    clearInterval(timer);
    await round;
  };
}
