// Odd answers from queues and clusters, fuzzed (fast-check). Through fake Source and Kube ports
// (any number, any shape, anything thrown) and a stored state row in any shape, a tick never
// throws, every scale write is a replica count within the target's bounds, and an error never
// scales down. Then through the real adapters: the apiserver's answer to the workload read
// rewritten by the fault proxy into odd shapes, against the real kube-apiserver.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig, type Target } from '../../shared/config/index.js';
import type { Kube, ScaleReading } from '../../shared/kube/index.js';
import { parseReplicaCount, PAUSED_REPLICAS } from '../../shared/engine/index.js';
import { evaluateAll, targetKey, createWorkloadOwners } from '../../shared/runtime/index.js';
import { createMemoryStore, type StoredRecord } from '../../shared/state/index.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { useLocalServices } from '../support/vitest/local-services.js';
import { controlPlaneEnabled, sharedTestCa } from '../support/vitest/provided.js';
import { createQueue, queueTarget, recordingTelemetry, replicasOf, T0 } from '../e2e/scaler.js';
import { recordCount } from './figures.js';
import { setReplicas, startReliabilityScaler } from './harness.js';

const RUNS = 1_500;
const PROXY_RUNS = 80;
const CA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');

/** Targets of every shape the bounds depend on: with and without idle, behavior, fallback, a floor above 0. */
const TARGETS: Target[] = loadConfig({
  SCALER_CLUSTERS: JSON.stringify({ test: { server: 'https://127.0.0.1:1', certificateAuthorityData: CA } }),
  SCALER_TARGETS: JSON.stringify([
    { namespace: 'shop', scaleTargetRef: { name: 'plain' }, maxReplicaCount: 10, triggers: [queueTrigger('a')] },
    { namespace: 'shop', scaleTargetRef: { name: 'floor' }, minReplicaCount: 2, maxReplicaCount: 6, cooldownPeriod: 0, triggers: [queueTrigger('a'), queueTrigger('b')] },
    { namespace: 'shop', scaleTargetRef: { name: 'idle' }, minReplicaCount: 3, idleReplicaCount: 1, maxReplicaCount: 30, cooldownPeriod: 0, triggers: [queueTrigger('a')] },
    { namespace: 'shop', scaleTargetRef: { name: 'behavior' }, maxReplicaCount: 50, cooldownPeriod: 0, advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } } }, triggers: [queueTrigger('a')] },
    { namespace: 'shop', scaleTargetRef: { name: 'fallback' }, minReplicaCount: 1, maxReplicaCount: 8, fallback: { failureThreshold: 0, replicas: 5 }, triggers: [queueTrigger('a')] },
  ]),
}).targets;

function queueTrigger(queueName: string): Record<string, unknown> {
  return { type: 'azure-queue', metadata: { queueName: `${queueName}-queue`, accountName: 'shopdata', queueLength: '5' } };
}

/** Numbers a misbehaving service may answer, and other things in their place. */
const oddNumber: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 60 }) },
  { weight: 1, arbitrary: fc.constantFrom(-1, -0, 0.5, 2.7, NaN, Infinity, -Infinity, 2 ** 31, 2 ** 53, 1e23, Number.MAX_VALUE) },
  { weight: 1, arbitrary: fc.constantFrom(undefined, null, '5', '', true, {}, [], [3]) },
  { weight: 1, arbitrary: fc.double() },
);

/** Anything a failing call may throw. */
const thrown: fc.Arbitrary<unknown> = fc.oneof(
  fc.string().map((m) => new Error(m)),
  fc.constantFrom(undefined, null, 'a string', 42, { message: 'not an Error' }, Object.create(null) as object),
);

const annotationsArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({}) },
  { weight: 2, arbitrary: fc.dictionary(fc.constantFrom(PAUSED_REPLICAS, 'autoscaling.keda.sh/paused', 'autoscaling.keda.sh/paused-scale-in', 'autoscaling.keda.sh/paused-scale-out', 'autoscaling.keda.sh/force-activation', 'other'), fc.oneof(fc.constantFrom('0', '3', 'true', 'false', '', ' 2 ', '-1', 'x'), fc.string({ maxLength: 5 }))) },
  { weight: 1, arbitrary: fc.constantFrom(undefined, null, { [PAUSED_REPLICAS]: 3 }, 'x') },
);

type KubeAnswer = { ok: ScaleReading } | { throws: unknown };
const kubeAnswer: fc.Arbitrary<KubeAnswer> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ specReplicas: oddNumber, statusReplicas: oddNumber, annotations: annotationsArb, resourceVersion: fc.oneof(fc.constant('7'), fc.constantFrom('', undefined as unknown as string)), uid: fc.oneof({ weight: 5, arbitrary: fc.constant('4f1c-uid') }, { weight: 1, arbitrary: fc.constantFrom('', undefined, 7) }) }).map((ok) => ({ ok: ok as unknown as ScaleReading })) },
  { weight: 1, arbitrary: thrown.map((e) => ({ throws: e })) },
);
type SourceAnswer = { value: unknown } | { throws: unknown };
const sourceAnswer: fc.Arbitrary<SourceAnswer> = fc.oneof({ weight: 5, arbitrary: oddNumber.map((value) => ({ value })) }, { weight: 1, arbitrary: thrown.map((e) => ({ throws: e })) });

/** A stored state row as it may be after a hand edit or an older version: any shape. */
const storedArb: fc.Arbitrary<StoredRecord | undefined> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 2, arbitrary: fc.record({ state: fc.record({ lastActiveTime: fc.constantFrom(new Date(T0 - 60_000).toISOString(), 'yesterday', ''), recommendations: fc.constantFrom([], [{ replicas: 4, timestamp: new Date(T0 - 30_000).toISOString() }]), triggerFailures: fc.constantFrom([0], [7, 7], []) }, { requiredKeys: [] }), lastReplicas: fc.option(fc.integer({ min: 0, max: 9 }), { nil: undefined }) }) as fc.Arbitrary<StoredRecord> },
  { weight: 1, arbitrary: fc.record({ state: fc.jsonValue({ maxDepth: 2 }), lastReplicas: oddNumber, lastEvaluated: fc.constantFrom('garbage', undefined) }) as unknown as fc.Arbitrary<StoredRecord> },
);

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

describe('odd answers from queues and clusters, fuzzed', () => {
  const counts: [string, number][] = [];
  afterAll(() => {
    for (const [subject, count] of counts) recordCount('fuzz-cases', subject, count);
  });

  test('fake ports: any answer, any throw, any stored state: no crash, writes within bounds, errors never scale down', async () => {
    const caseArb = fc.record({
      target: fc.constantFrom(...TARGETS),
      kube: kubeAnswer,
      sources: fc.array(sourceAnswer, { minLength: 2, maxLength: 2 }),
      stored: storedArb,
      writeFails: fc.boolean(),
    });
    await fc.assert(fc.asyncProperty(caseArb, async (c) => {
      const writes: number[] = [];
      const kube: Kube = {
        readScale: async () => {
          if ('throws' in c.kube) throw c.kube.throws;
          return structuredClone(c.kube.ok);
        },
        writeScale: async (_ref, replicas) => {
          writes.push(replicas);
          if (c.writeFails) throw new Error('write refused');
          return '8';
        },
        recordEvent: async () => undefined,
      };
      const sources = c.target.triggers.map((_, i) => ({
        read: async (): Promise<number> => {
          const answer = c.sources[i]!;
          if ('throws' in answer) throw answer.throws;
          return answer.value as number;
        },
      }));
      const store = createMemoryStore();
      const key = targetKey({ ...c.target, cluster: 'test' });
      if (c.stored) await store.save(key, c.stored, undefined);
      const telemetry = recordingTelemetry();
      const target = { ...c.target, cluster: 'test' };
      const result = await evaluateAll({ targets: [{ target, sources }], kube, store, telemetry, now: () => T0, concurrency: 4, config: { errors: [] }, owners: createWorkloadOwners([target]), saveFailures: new Map(), eventsRefused: new Set() });
      expect(result.evaluated).toHaveLength(1);
      if (writes.length === 0) return;
      // A write happened: it is a replica count within the target's bounds (or the paused-replicas count asked for) ...
      const reading = 'ok' in c.kube ? c.kube.ok : undefined;
      const annotations = (reading?.annotations ?? {}) as Record<string, unknown>;
      // paused-replicas as KEDA parses it (strconv.ParseInt); a negative count is never written.
      const asked = typeof annotations[PAUSED_REPLICAS] === 'string' ? parseReplicaCount(annotations[PAUSED_REPLICAS]) : undefined;
      const pausedAt = asked !== undefined && asked >= 0 ? asked : undefined;
      for (const replicas of writes) {
        expect(isCount(replicas), `wrote ${replicas}`).toBe(true);
        if (pausedAt !== undefined) expect(replicas).toBe(pausedAt);
        else {
          expect(replicas).toBeLessThanOrEqual(c.target.maxReplicaCount);
          expect(replicas).toBeGreaterThanOrEqual(Math.min(c.target.idleReplicaCount ?? c.target.minReplicaCount, c.target.minReplicaCount));
        }
      }
      // ... and an error (a failed read, or a value that is not a count) never scales down, unless fallback says so.
      // (The real adapter refuses a spec.replicas that is not a count; a port that passes one on
      // breaks its contract, and then only the bounds above are promised.)
      // (An error to the engine: a thrown read, or a value that is not a finite, non-negative number.)
      const usable = (a: SourceAnswer): boolean => 'value' in a && typeof a.value === 'number' && Number.isFinite(a.value) && a.value >= 0;
      const failed = c.target.triggers.some((_, i) => !usable(c.sources[i]!));
      if (failed && !c.target.fallback && pausedAt === undefined && isCount(reading?.specReplicas)) {
        // (A count above maxReplicaCount is still brought down to it, as the HPA does.)
        for (const replicas of writes) expect(replicas).toBeGreaterThanOrEqual(Math.min(reading.specReplicas, c.target.maxReplicaCount));
      }
    }), { numRuns: RUNS });
    counts.push(['evaluation: odd kube answers, queue values and stored state (fake ports)', RUNS]);
  }, 120_000);

  describe.runIf(controlPlaneEnabled)('the real kube adapter, its answers rewritten by a proxy', () => {
    const services = useLocalServices();
    let proxy: FaultProxy;
    beforeAll(async () => {
      const ca = await sharedTestCa();
      proxy = await startFaultProxy({ target: services.controlPlane.server, targetCaPem: services.controlPlane.caPem, tls: await ca.issue('kube-proxy') });
    });
    afterAll(async () => {
      await proxy?.stop();
    });

    test('odd shapes of the workload read: a clear error and a hold, or a write within bounds', async () => {
      const w = await services.workloads({ replicas: 3, prefix: 'rel' });
      const queue = await createQueue(services.azurite, 20); // wants 4
      const scaler = startReliabilityScaler({
        azurite: services.azurite, controlPlane: services.controlPlane, timeoutMs: 5_000,
        targets: [{ ...queueTarget(w.namespace, w.deployment, queue.name, { maxReplicaCount: 6 }), cluster: 'proxied' }],
        clusters: { proxied: { server: proxy.url, certificateAuthorityData: Buffer.from(services.controlPlane.caPem).toString('base64') } },
      });
      const field = fc.constantFrom('spec.replicas', 'status.replicas', 'metadata.resourceVersion', 'metadata.annotations', 'spec', 'metadata');
      const value = fc.oneof(oddNumber.filter((v) => v !== undefined), fc.constant('__delete__'), fc.string({ maxLength: 8 }));
      let held = 0;
      await fc.assert(fc.asyncProperty(fc.array(fc.tuple(field, value), { minLength: 1, maxLength: 3 }), async (edits) => {
        await setReplicas(services.admin, w.namespace, w.deployment, 3);
        proxy.inject({
          match: (r) => r.method === 'GET',
          fault: {
            kind: 'rewrite',
            answer: (a) => {
              const body = JSON.parse(a.body.toString()) as Record<string, Record<string, unknown>>;
              for (const [path, v] of edits) {
                const [top, leaf] = path.split('.') as [string, string | undefined];
                if (leaf === undefined) {
                  if (v === '__delete__') delete body[top];
                  else body[top] = v as Record<string, unknown>;
                } else if (body[top] && typeof body[top] === 'object') {
                  if (v === '__delete__') delete body[top][leaf];
                  else body[top][leaf] = v;
                }
              }
              return { ...a, body: Buffer.from(JSON.stringify(body)) };
            },
          },
        });
        let tick;
        try {
          tick = await scaler.tick(15);
        } finally {
          await proxy.heal();
        }
        const e = tick.result.evaluated[0]!;
        const replicas = await replicasOf(services.admin, w.namespace, w.deployment);
        if (e.error) {
          held++;
          // A hold: nothing written, and the message says what was wrong with the answer.
          expect(replicas).toBe(3);
          expect(e.error).toMatch(/(read|scale) deployment .*(the answer|cannot reach|HTTP \d+|conflict)/);
        } else {
          // The answer was usable (a field the scaler does not read, or a valid value): 3 -> 4 at most 6.
          expect(replicas).toBeGreaterThanOrEqual(1);
          expect(replicas).toBeLessThanOrEqual(6);
        }
      }), { numRuns: PROXY_RUNS });
      expect(held).toBeGreaterThan(0);
      counts.push(['evaluation: workload reads rewritten into odd shapes (real apiserver and adapter)', PROXY_RUNS]);
    }, 180_000);
  });
});
