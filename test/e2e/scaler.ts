// A scaler runtime wired to the local services, with a clock the test moves.
import { randomBytes } from 'node:crypto';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import type { KubeConfig } from '@kubernetes/client-node';
import { AppsV1Api } from '@kubernetes/client-node';
import type { ScaleDecisionEvent, Telemetry } from '../../shared/telemetry/index.js';
import { createEvaluationLoop, type EvaluationLoop } from '../../shared/runtime/loop.js';
import { createRuntime, type Runtime } from '../../shared/runtime/wiring.js';
import type { TickResult } from '../../shared/runtime/evaluate-all.js';
import type { Azurite } from '../support/azurite.js';
import type { ControlPlaneInfo } from '../support/control-plane.js';

export const T0 = Date.parse('2026-11-27T10:00:00.000Z');

/** Telemetry that keeps what it is given, for assertions. */
export function recordingTelemetry(): Telemetry & { decisions: ScaleDecisionEvent[]; failures: unknown[] } {
  const decisions: ScaleDecisionEvent[] = [];
  const failures: unknown[] = [];
  return {
    decisions,
    failures,
    decision: (e) => void decisions.push(e),
    failure: (e) => void failures.push(e),
    flush: async () => {},
  };
}

export interface ScalerUnderTest {
  runtime: Runtime;
  loop: EvaluationLoop;
  telemetry: ReturnType<typeof recordingTelemetry>;
  clock: { now: number };
  /** Moves the clock by `seconds`, then runs one tick. */
  tickAfter(seconds: number): Promise<TickResult>;
}

export interface ScalerOptions {
  azurite: Azurite;
  controlPlane: ControlPlaneInfo;
  targets: unknown[];
  /** Extra clusters (name -> SCALER_CLUSTERS entry) next to `test`, the local control plane. */
  clusters?: Record<string, unknown>;
  /** Shared state table (several scalers racing); a fresh one by default. */
  table?: string;
  telemetry?: Telemetry;
  settings?: Record<string, string>;
}

export function clusterEntry(controlPlane: ControlPlaneInfo): { server: string; certificateAuthorityData: string } {
  return { server: controlPlane.server, certificateAuthorityData: Buffer.from(controlPlane.caPem).toString('base64') };
}

export function startScaler(options: ScalerOptions): ScalerUnderTest {
  const clock = { now: T0 };
  const telemetry = recordingTelemetry();
  const runtime = createRuntime(
    {
      SCALER_LOCAL_DEVELOPMENT: 'true',
      AzureWebJobsStorage: options.azurite.connectionString,
      QUEUES: options.azurite.connectionString,
      SCALER_STATE_TABLE: options.table ?? `state${randomBytes(4).toString('hex')}`,
      SCALER_CLUSTERS: JSON.stringify({ test: clusterEntry(options.controlPlane), ...options.clusters }),
      SCALER_TARGETS: JSON.stringify(options.targets),
      ...options.settings,
    },
    { telemetry: options.telemetry ?? telemetry, now: () => clock.now },
  );
  const loop = createEvaluationLoop(runtime);
  return {
    runtime,
    loop,
    telemetry,
    clock,
    async tickAfter(seconds) {
      clock.now += seconds * 1000;
      const result = await loop.tick();
      if (!result) throw new Error('tick skipped');
      return result;
    },
  };
}

/** A target on the local cluster reading `queueName` through the QUEUES connection string. */
export function queueTarget(namespace: string, name: string, queueName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    namespace,
    cluster: 'test',
    scaleTargetRef: { name, kind: extra.kind ?? 'Deployment' },
    triggers: [{ type: 'azure-queue', metadata: { queueName, connectionFromEnv: 'QUEUES', queueLength: '5' } }],
    ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== 'kind')),
  };
}

export async function createQueue(azurite: Azurite, messages = 0): Promise<QueueClient> {
  const queue = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient(`q${randomBytes(4).toString('hex')}`);
  await queue.create();
  await Promise.all(Array.from({ length: messages }, (_, i) => queue.sendMessage(`message ${i}`)));
  return queue;
}

export async function replicasOf(admin: KubeConfig, namespace: string, name: string, kind: 'Deployment' | 'StatefulSet' = 'Deployment'): Promise<number> {
  const apps = admin.makeApiClient(AppsV1Api);
  const workload = kind === 'Deployment' ? await apps.readNamespacedDeployment({ name, namespace }) : await apps.readNamespacedStatefulSet({ name, namespace });
  return workload.spec?.replicas ?? -1;
}
