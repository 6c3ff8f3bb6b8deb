// The workbook, the alert rules and docs/queries.kql against recorded telemetry: the evaluation
// loop on the local services (kube-apiserver, an Azurite queue and state table, the Service Bus
// management stand-in), on a simulated clock, sends through the real applicationinsights SDK to
// the local ingestion endpoint for 50 minutes of a target's life (a scale-up, a steady stretch
// past the heartbeat, failing reads into its fallback, recovery with one scale write refused),
// and every event name, metric name, custom dimension and compared value the KQL names must be
// in what arrived. No KQL engine runs offline: this is the contract the queries rely on.
import type { QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { actions } from '../../shared/engine/index.js';
import { KubeError } from '../../shared/errors/index.js';
import type { Kube } from '../../shared/kube/index.js';
import { createEvaluationLoop, createRuntime, replay } from '../../shared/runtime/index.js';
import { createAppInsightsTelemetry } from '../../shared/telemetry/index.js';
import { startTelemetrySink, type TelemetryEnvelope, type TelemetrySink } from '../../local/telemetry-sink.js';
import { queueClient, scalerSettings } from '../e2e/scaler.js';
import { allQueries } from '../infra/queries.js';
import { startServiceBusEndpoint, type ServiceBusEndpoint } from '../support/servicebus-endpoint.js';
import { useLocalServices } from '../support/vitest/local-services.js';
import { controlPlaneEnabled, sharedTestCa } from '../support/vitest/provided.js';

const T0 = Date.parse('2026-12-01T00:00:00.000Z');
const TICK_MS = 15_000;
const MINUTES = 50;

/**
 * The messages on the target's queue at minute `m`: work, then steady, then no queue at all (its
 * reads fail), then a little work.
 */
function queueAt(m: number): number | 'deleted' {
  if (m < 2) return 12;
  if (m < 38) return 11;
  if (m < 41) return 'deleted';
  return 4;
}

/** Puts the queue in the state queueAt asks for. */
async function setQueue(queue: QueueClient, want: number | 'deleted'): Promise<void> {
  if (want === 'deleted') {
    await queue.deleteIfExists();
    return;
  }
  await queue.createIfNotExists();
  await queue.clearMessages();
  for (let i = 0; i < want; i++) await queue.sendMessage(`order ${i}`);
}

/** App Insights' tables as the queries see them: the envelopes' names, dimensions and values. */
interface Rows {
  events: { name: string; customDimensions: Record<string, string> }[];
  metrics: { name: string; customDimensions: Record<string, string>; valueSum: number; valueCount: number }[];
  exceptions: { customDimensions: Record<string, string> }[];
}

function rowsOf(envelopes: TelemetryEnvelope[]): Rows {
  const rows: Rows = { events: [], metrics: [], exceptions: [] };
  for (const e of envelopes) {
    const data = e.data?.baseData;
    const customDimensions = data?.properties ?? {};
    if (e.data?.baseType === 'EventData') rows.events.push({ name: data!.name!, customDimensions });
    if (e.data?.baseType === 'ExceptionData') rows.exceptions.push({ customDimensions });
    if (e.data?.baseType === 'MetricData') {
      const [metric] = data!.metrics!;
      rows.metrics.push({ name: metric!.name, customDimensions, valueSum: metric!.value, valueCount: metric!.count ?? 1 });
    }
  }
  return rows;
}

describe.runIf(controlPlaneEnabled)('the KQL against recorded telemetry', () => {
  const services = useLocalServices();
  let sink: TelemetrySink;
  let bus: ServiceBusEndpoint;
  let rows: Rows;
  let evaluations = 0;
  let targetKey = '';

  beforeAll(async () => {
    // Statsbeat would report to Microsoft's own endpoint, which this machine cannot reach.
    process.env.APPLICATIONINSIGHTS_STATSBEAT_DISABLED = 'true';
    sink = await startTelemetrySink(await sharedTestCa());
    bus = await startServiceBusEndpoint({ ca: await sharedTestCa(), entities: [{ path: 'payments', activeMessageCount: 0 }], acceptsToken: () => false });
    const w = await services.workloads({ replicas: 1 });
    targetKey = `test/${w.namespace}/${w.deployment}`;
    const queue = queueClient(services.azurite);
    const clock = { now: T0 };
    const telemetry = createAppInsightsTelemetry(sink.connectionString, undefined);
    const runtime = createRuntime(scalerSettings({
      azurite: services.azurite,
      controlPlane: services.controlPlane,
      settings: { SERVICEBUS: bus.connectionString },
      targets: [{
        namespace: w.namespace, cluster: 'test', scaleTargetRef: { name: w.deployment }, minReplicaCount: 1, fallback: { failureThreshold: 2, replicas: 4 },
        // One trigger of each type: each reading goes out as its type's metric (the registry's).
        triggers: [
          { type: 'azure-queue', metadata: { queueName: queue.name, connectionFromEnv: 'QUEUES', queueLength: '5' } },
          { type: 'azure-servicebus', metadata: { queueName: 'payments', connectionFromEnv: 'SERVICEBUS', messageCount: '5' } },
        ],
      }],
    }), { telemetry, now: () => clock.now });
    expect(runtime.config.errors).toEqual([]);
    // The first scale write after minute 44 is refused: a decision that could not be applied.
    let refused = false;
    const kube: Kube = runtime.kube;
    runtime.kube = {
      ...kube,
      async writeScale(ref, replicas, resourceVersion) {
        if (!refused && clock.now >= T0 + 44 * 60_000) {
          refused = true;
          throw new KubeError(`write scale of ${ref.name}: the API server answered 500`, 500);
        }
        return kube.writeScale(ref, replicas, resourceVersion);
      },
    };
    // The loop flushes the telemetry after every tick, as the timer function does.
    const loop = createEvaluationLoop(runtime);
    let messages: number | 'deleted' | undefined;
    for (let at = T0; at < T0 + MINUTES * 60_000; at += TICK_MS) {
      clock.now = at;
      const want = queueAt(Math.floor((at - T0) / 60_000));
      if (want !== messages) await setQueue(queue, (messages = want));
      const tick = await loop.tick();
      evaluations += tick?.evaluated.filter((e) => e.event).length ?? 0;
    }
    telemetry.scaledByOther({ target: targetKey, cluster: 'test', namespace: w.namespace, kind: 'Deployment', name: w.deployment, expectedReplicas: 4, foundReplicas: 9, writer: { manager: 'kubectl', operation: 'Update', subresource: 'scale', time: new Date(T0).toISOString() } });
    telemetry.failure(new Error('boom'), { operation: 'evaluate', target: targetKey, cluster: 'test' });
    await telemetry.flush();
    await sink.waitForEnvelope((e) => e.data?.baseType === 'ExceptionData');
    rows = rowsOf(sink.envelopes);
  }, 180_000);
  afterAll(async () => {
    await sink?.stop();
    await bus?.stop();
  });

  const queries = allQueries().join('\n');

  test('the target lived its scenario: a scale-up, a heartbeat, failures into the fallback, every decision not sent', () => {
    const decisions = rows.events.filter((e) => e.name === 'ScaleDecision').map((e) => e.customDimensions);
    expect(evaluations).toBe(MINUTES * 4);
    expect(decisions.length).toBeLessThan(evaluations / 5);
    expect(decisions.map((d) => d.record)).toEqual(expect.arrayContaining(['change', 'heartbeat', 'failure']));
    expect(decisions.filter((d) => d.error)).toEqual([expect.objectContaining({ record: 'failure', error: expect.stringContaining('the API server answered 500') })]);
    expect(decisions.map((d) => d.action)).toEqual(expect.arrayContaining(['scale-up', 'fallback', 'none']));
    // Every evaluation is accounted for: sent, or counted on the next event sent.
    expect(decisions.reduce((sum, d) => sum + 1 + Number(d.unchangedBefore), 0)).toBeLessThanOrEqual(evaluations);
    expect(decisions.reduce((sum, d) => sum + 1 + Number(d.unchangedBefore), 0)).toBeGreaterThan(evaluations - 60);
  });

  test('every ScaleDecision that arrived replays to its own decision', () => {
    const decisions = rows.events.filter((e) => e.name === 'ScaleDecision');
    expect(decisions.length).toBeGreaterThan(3);
    for (const row of decisions) {
      const again = replay(row);
      expect({ action: again.action, code: again.code, desired: String(again.desiredReplicas) })
        .toEqual({ action: row.customDimensions.action, code: row.customDimensions.code, desired: row.customDimensions.desiredReplicas });
    }
  });

  test('the metrics arrive pre-aggregated: one row per metric per window, counting its evaluations', () => {
    const replicas = rows.metrics.filter((m) => m.name === 'scaler.replicas');
    expect(replicas.length).toBeGreaterThan(3);
    expect(replicas.length).toBeLessThan(MINUTES);
    expect(Math.max(...replicas.map((m) => m.valueCount))).toBeGreaterThan(4);
    // Every evaluation is in some window but the open one (at most 15 minutes of them).
    const counted = replicas.reduce((sum, m) => sum + m.valueCount, 0);
    expect(counted).toBeLessThanOrEqual(evaluations);
    expect(counted).toBeGreaterThanOrEqual(evaluations - 60);
    for (const m of rows.metrics) expect(m.customDimensions.target).toBe(targetKey);
  });

  test('event and metric names', () => {
    const names = [
      ...[...queries.matchAll(/\bname == '([^']+)'/g)].map((m) => m[1]!),
      ...[...queries.matchAll(/\bname in \(([^)]*)\)/g)].flatMap((m) => [...m[1]!.matchAll(/'([^']+)'/g)].map((x) => x[1]!)),
    ];
    expect(new Set(names)).toEqual(new Set(['ScaleDecision', 'ScaledByOther', 'scaler.replicas', 'scaler.desired_replicas', 'scaler.queue_length', 'scaler.active_message_count']));
    const received = new Set([...rows.events.map((e) => e.name), ...rows.metrics.map((m) => m.name)]);
    for (const name of names) expect(received, name).toContain(name);
  });

  test('custom dimensions', () => {
    const keys = new Set([...queries.matchAll(/customDimensions\.(\w+)/g)].map((m) => m[1]!));
    expect(keys.size).toBeGreaterThan(10);
    const received = new Set([...rows.events, ...rows.metrics, ...rows.exceptions].flatMap((r) => Object.keys(r.customDimensions)));
    for (const key of keys) expect(received, key).toContain(key);
  });

  test('compared values: actions, and why a decision was recorded', () => {
    const comparedActions = [...queries.matchAll(/\baction (?:==|!=) '([^']+)'/g)].map((m) => m[1]!);
    expect(comparedActions).toEqual(expect.arrayContaining(['fallback', 'none']));
    for (const value of comparedActions) expect(actions).toContain(value);
    const comparedRecords = [...queries.matchAll(/customDimensions\.record\) (?:==|!=) '([^']+)'/g)].map((m) => m[1]!);
    expect(comparedRecords).toEqual(['heartbeat', 'heartbeat']);
    const received = new Set(rows.events.map((e) => e.customDimensions.record));
    for (const value of comparedRecords) expect(received).toContain(value);
  });
});
