// A scaler runtime wired to the local services, with a clock the test moves.
import { randomBytes, randomUUID } from 'node:crypto';
import { InvocationContext, type LogLevel } from '@azure/functions';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import type { KubeConfig } from '@kubernetes/client-node';
import { AppsV1Api } from '@kubernetes/client-node';
import type { Kube, WorkloadRef } from '../../shared/kube/index.js';
import type { ScaleDecisionEvent, ScaledByOtherEvent, Telemetry } from '../../shared/telemetry/index.js';
import { createEvaluationLoop, type EvaluationLoop, createRuntime, type Runtime, type TickResult } from '../../shared/runtime/index.js';
import type { Azurite } from '../../local/azurite.js';
import type { ControlPlaneInfo } from '../../local/control-plane.js';

export const T0 = Date.parse('2026-11-27T10:00:00.000Z');

/** Telemetry that keeps what it is given, for assertions. */
export function recordingTelemetry(): Telemetry & { decisions: ScaleDecisionEvent[]; scaledByOthers: ScaledByOtherEvent[]; failures: unknown[]; failed: string[]; warnings: string[] } {
  const decisions: ScaleDecisionEvent[] = [];
  const scaledByOthers: ScaledByOtherEvent[] = [];
  const failures: unknown[] = [];
  /** Each failure as `operation target: message`, for readable assertions. */
  const failed: string[] = [];
  const warnings: string[] = [];
  return {
    decisions,
    scaledByOthers,
    failures,
    failed,
    warnings,
    decision: (e) => void decisions.push(e),
    scaledByOther: (e) => void scaledByOthers.push(e),
    failure: (e, context) => {
      failures.push(e);
      failed.push(`${context.operation} ${context.target ?? ''}: ${e instanceof Error ? e.message : String(e)}`);
    },
    warning: (message) => void warnings.push(message),
    flush: async () => {},
  };
}

export type RecordingTelemetry = ReturnType<typeof recordingTelemetry>;

export interface ScalerUnderTest<T extends RecordingTelemetry = RecordingTelemetry> {
  runtime: Runtime;
  loop: EvaluationLoop;
  telemetry: T;
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
  settings?: Record<string, string>;
  /** Bound of each outside call; a race test raises it so a loaded machine is not a failure. */
  timeoutMs?: number;
}

export function clusterEntry(controlPlane: ControlPlaneInfo): { server: string; certificateAuthorityData: string } {
  return { server: controlPlane.server, certificateAuthorityData: Buffer.from(controlPlane.caPem).toString('base64') };
}

/** The app settings of a scaler on the local services (also what the Functions host would read from process.env). */
export function scalerSettings(options: ScalerOptions): Record<string, string> {
  return {
    SCALER_LOCAL_DEVELOPMENT: 'true',
    AzureWebJobsStorage: options.azurite.connectionString,
    QUEUES: options.azurite.connectionString,
    SCALER_STATE_TABLE: options.table ?? `state${randomBytes(4).toString('hex')}`,
    SCALER_CLUSTERS: JSON.stringify({ test: clusterEntry(options.controlPlane), ...options.clusters }),
    SCALER_TARGETS: JSON.stringify(options.targets),
    ...options.settings,
  };
}

/** A scaler on the local services with a clock the test moves; `telemetry` records what it is given. */
export function startScaler(options: ScalerOptions): ScalerUnderTest;
export function startScaler<T extends RecordingTelemetry>(options: ScalerOptions, telemetry: T): ScalerUnderTest<T>;
export function startScaler(options: ScalerOptions, telemetry: RecordingTelemetry = recordingTelemetry()): ScalerUnderTest {
  const clock = { now: T0 };
  const runtime = createRuntime(scalerSettings(options), {
    telemetry,
    now: () => clock.now,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
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

/** A queue client on Azurite, named `name` or q + 8 random hex digits; not created. */
export function queueClient(azurite: Azurite, name = `q${randomBytes(4).toString('hex')}`): QueueClient {
  return QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient(name);
}

export async function createQueue(azurite: Azurite, messages = 0): Promise<QueueClient> {
  const queue = queueClient(azurite);
  await queue.create();
  await Promise.all(Array.from({ length: messages }, (_, i) => queue.sendMessage(`message ${i}`)));
  return queue;
}

/** One Kubernetes scale write seen by a countingKube. */
export interface ScaleWrite {
  /** Who wrote (the label given to countingKube). */
  by: string;
  replicas: number;
  /** The scaler's clock when the write was made. */
  at: number;
}

/** The Kube port with its calls counted; writes are logged (shared `log`) in completion order. */
export function countingKube(kube: Kube, options: { by?: string; now?: () => number; log?: ScaleWrite[] } = {}): Kube & { reads: number; writes: number; log: ScaleWrite[] } {
  const log = options.log ?? [];
  const counting = {
    reads: 0,
    writes: 0,
    log,
    async readScale(ref: WorkloadRef) {
      counting.reads++;
      return kube.readScale(ref);
    },
    async writeScale(ref: WorkloadRef, replicas: number, resourceVersion: string) {
      counting.writes++;
      const at = options.now?.() ?? Date.now();
      const version = await kube.writeScale(ref, replicas, resourceVersion);
      log.push({ by: options.by ?? 'kube', replicas, at });
      return version;
    },
    recordEvent: (...args: Parameters<Kube['recordEvent']>) => kube.recordEvent(...args),
  };
  return counting;
}

export interface HostLogLine {
  level: LogLevel;
  message: string;
}

/**
 * The InvocationContext the Functions host gives a queue-triggered function (trigger metadata as
 * the host sets it), with what the function logs kept in `logs`.
 */
export function hostInvocation(functionName: string, message: { id: string; dequeueCount: number; text?: string }): { context: InvocationContext; logs: HostLogLine[] } {
  const logs: HostLogLine[] = [];
  const now = new Date();
  const context = new InvocationContext({
    functionName,
    invocationId: randomUUID(),
    logHandler: (level, ...args) => void logs.push({ level, message: args.map(String).join(' ') }),
    triggerMetadata: {
      id: message.id,
      dequeueCount: message.dequeueCount,
      queueTrigger: message.text,
      insertionTime: now.toISOString(),
      expirationTime: new Date(now.getTime() + 7 * 86_400_000).toISOString(),
      nextVisibleTime: new Date(now.getTime() + 600_000).toISOString(),
      popReceipt: randomUUID(),
    },
  });
  return { context, logs };
}

export async function replicasOf(admin: KubeConfig, namespace: string, name: string, kind: 'Deployment' | 'StatefulSet' = 'Deployment'): Promise<number> {
  const apps = admin.makeApiClient(AppsV1Api);
  const workload = kind === 'Deployment' ? await apps.readNamespacedDeployment({ name, namespace }) : await apps.readNamespacedStatefulSet({ name, namespace });
  return workload.spec?.replicas ?? -1;
}
