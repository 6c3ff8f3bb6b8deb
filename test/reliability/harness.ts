// A scaler on the local services for the reliability suite: the e2e scaler (test/e2e/scaler.ts)
// with short call timeouts, and telemetry that notes when each target's evaluation ended.
import { performance } from 'node:perf_hooks';
import { AppsV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { type TickResult } from '../../shared/runtime/index.js';
import type { Azurite } from '../../local/azurite.js';
import type { FaultProxy } from '../support/fault-proxy.js';
import { recordingTelemetry, startScaler, type ScalerOptions, type ScalerUnderTest } from '../e2e/scaler.js';

/** Telemetry that keeps decisions and failures, and when (wall clock) each target last reported. */
export function timedTelemetry() {
  const inner = recordingTelemetry();
  const { decision, failure } = inner;
  const reportedAt = new Map<string, number>();
  return Object.assign(inner, {
    reportedAt,
    decision(e: Parameters<typeof decision>[0]) {
      reportedAt.set(e.target, performance.now());
      decision(e);
    },
    failure(e: unknown, context: Parameters<typeof failure>[1]) {
      if (context.target) reportedAt.set(context.target, performance.now());
      failure(e, context);
    },
  });
}

export interface TimedTick {
  result: TickResult;
  wallMs: number;
  /** Per target key: wall time from the start of the tick to its decision or failure. */
  doneMs: Map<string, number>;
}

export interface ReliabilityScaler extends ScalerUnderTest<ReturnType<typeof timedTelemetry>> {
  /** Moves the clock by `seconds`, then runs one tick and times it. */
  tick(seconds: number): Promise<TimedTick>;
}

/** The e2e scaler's options, with the bound on each outside call required. */
export type ReliabilityScalerOptions = ScalerOptions & { timeoutMs: number };

export function startReliabilityScaler(options: ReliabilityScalerOptions): ReliabilityScaler {
  const telemetry = timedTelemetry();
  const scaler = startScaler(options, telemetry);
  if (scaler.runtime.config.errors.length > 0) throw new Error(`configuration: ${scaler.runtime.config.errors.map((e) => e.message).join('; ')}`);
  return {
    ...scaler,
    async tick(seconds) {
      telemetry.reportedAt.clear();
      const started = performance.now();
      const result = await scaler.tickAfter(seconds);
      const wallMs = performance.now() - started;
      return { result, wallMs, doneMs: new Map([...telemetry.reportedAt].map(([k, at]) => [k, at - started])) };
    },
  };
}

/** Sets a Deployment's replicas as an operator would (the admin, through /scale). */
export async function setReplicas(admin: KubeConfig, namespace: string, name: string, replicas: number): Promise<void> {
  await admin.makeApiClient(AppsV1Api).patchNamespacedDeploymentScale({ name, namespace, body: { spec: { replicas } } }, mergePatch);
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** Azurite's connection string with its queue and/or table endpoint replaced by a proxy's. */
export function throughProxies(azurite: Azurite, proxies: { queue?: FaultProxy; table?: FaultProxy }): string {
  let text = azurite.connectionString;
  if (proxies.queue) text = text.replace(/QueueEndpoint=[^;]+/, `QueueEndpoint=${proxies.queue.url}/${azurite.accountName}`);
  if (proxies.table) text = text.replace(/TableEndpoint=[^;]+/, `TableEndpoint=${proxies.table.url}/${azurite.accountName}`);
  return text;
}

/** The origin (scheme, host and port) of a service URL, which is what a proxy forwards to. */
export const originOf = (url: string): string => new URL(url).origin;

/** Shortens a message for the report: namespaces and queue names made generic. */
export function generic(message: string | undefined): string {
  return (message ?? '')
    .replace(/\b(aqs|rel)-[0-9a-f]{8}\b/g, '<ns>')
    .replace(/\bq[0-9a-f]{8}\b/g, '<queue>')
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>')
    .replace(/\s+/g, ' ')
    .slice(0, 220);
}
