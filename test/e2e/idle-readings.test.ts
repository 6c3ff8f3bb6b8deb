// Workload reads at zero, end to end on kube-apiserver and Azurite: a target at zero whose queue
// is inactive reuses its workload's last reading for SCALER_IDLE_READING_MAX_AGE, so most polls send
// no Kubernetes request; a change made meanwhile by someone else is seen within that bound, and
// a decision to scale is always taken on a fresh read (docs/engine.md, "Workload reads at zero").
import { AppsV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { describe, expect, test } from 'vitest';
import { DEFAULT_IDLE_READING_MAX_AGE_S } from '../../shared/config/index.js';
import { createEvaluationLoop, targetKey } from '../../shared/runtime/index.js';
import { useLocalServices } from '../support/vitest/local-services.js';
import { controlPlaneEnabled } from '../support/vitest/provided.js';
import { countingKube, createQueue, queueTarget, replicasOf, startScaler } from './scaler.js';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const BOUND_S = DEFAULT_IDLE_READING_MAX_AGE_S;
/** The default pollingInterval: a target at zero is evaluated (polled) every 30 s, on a 15 s schedule. */
const POLL_S = 30;

describe.runIf(controlPlaneEnabled)('workload reads at zero', () => {
  const services = useLocalServices();

  /** A scaler whose Kubernetes requests are counted; `tick(s)` moves its clock by s seconds and runs one tick. */
  function countedScaler(targets: unknown[], settings: Record<string, string> = {}) {
    const scaler = startScaler({ azurite: services.azurite, controlPlane: services.controlPlane, targets, settings });
    const kube = countingKube(scaler.runtime.kube);
    const loop = createEvaluationLoop({ ...scaler.runtime, kube });
    let evaluations = 0;
    return {
      scaler,
      kube,
      get evaluations() {
        return evaluations;
      },
      async tick(seconds: number) {
        scaler.clock.now += seconds * 1000;
        const result = await loop.tick();
        if (!result) throw new Error('tick skipped');
        evaluations += result.evaluated.length;
        return result;
      },
    };
  }

  test.each<{ name: string; settings: Record<string, string>; bound: number }>([
    { name: 'the default bound', settings: {}, bound: BOUND_S },
    { name: 'SCALER_IDLE_READING_MAX_AGE 60', settings: { SCALER_IDLE_READING_MAX_AGE: '60' }, bound: 60 },
    { name: 'SCALER_IDLE_READING_MAX_AGE 0: every poll reads', settings: { SCALER_IDLE_READING_MAX_AGE: '0' }, bound: 0 },
  ])('steady state ($name): 4 targets at zero with empty queues, 10 minutes of 15 s ticks: one read per target per bound, no write', async ({ settings, bound }) => {
    const workloads = await Promise.all(Array.from({ length: 4 }, () => services.workloads({ replicas: 0 })));
    const queue = await createQueue(services.azurite, 0);
    const s = countedScaler(workloads.map((w) => queueTarget(w.namespace, w.deployment, queue.name)), settings);
    await s.tick(0);
    for (let t = 15; t <= 600; t += 15) await s.tick(15);
    // Polls at 0, 30, ..., 600 (21 per target); reads when the kept one is `bound` old (0, 120, ..., 600 by default), or at every poll.
    const polls = 600 / POLL_S + 1;
    const readsPerTarget = bound === 0 ? polls : Math.floor(600 / bound) + 1;
    expect(s.evaluations).toBe(4 * polls);
    expect(s.kube.reads).toBe(4 * readsPerTarget);
    if (bound === BOUND_S) expect(s.kube.reads / s.evaluations).toBeLessThanOrEqual(0.5);
    expect(s.kube.writes).toBe(0);
    expect(s.scaler.telemetry.failures).toEqual([]);
  });

  // Each change is made at t=45 s, after the read at t=0 was kept (and reused at t=30).
  test.each([
    {
      change: 'kubectl scale 0 -> 2',
      make: (apps: AppsV1Api, namespace: string, name: string) => apps.patchNamespacedDeploymentScale({ name, namespace, fieldManager: 'kubectl', body: { spec: { replicas: 2 } } }, mergePatch),
      // KEDA's answer, once seen: inactive for longer than the cooldown, so back to zero.
      seen: { currentReplicas: 2, finalReplicas: 0 },
    },
    {
      change: 'a paused-replicas annotation of 3',
      make: (apps: AppsV1Api, namespace: string, name: string) => apps.patchNamespacedDeployment({ name, namespace, body: { metadata: { annotations: { 'autoscaling.keda.sh/paused-replicas': '3' } } } }, mergePatch),
      seen: { currentReplicas: 0, finalReplicas: 3 },
    },
  ])('$change while at zero and inactive: seen at the first poll after the kept reading is SCALER_IDLE_READING_MAX_AGE old (by default), not later, and nothing written before', async ({ make, seen }) => {
    const w = await services.workloads({ replicas: 0 });
    const queue = await createQueue(services.azurite, 0);
    const s = countedScaler([queueTarget(w.namespace, w.deployment, queue.name)]);
    await s.tick(0);
    await s.tick(30);
    await s.tick(15);
    await make(services.admin.makeApiClient(AppsV1Api), w.namespace, w.deployment);
    const decisions: { t: number; currentReplicas: number; finalReplicas: number; writesBefore: number }[] = [];
    for (let t = 60; t <= 45 + BOUND_S + POLL_S; t += 15) {
      const writesBefore = s.kube.writes;
      const event = (await s.tick(15)).evaluated[0]?.event;
      if (event) decisions.push({ t, currentReplicas: event.currentReplicas, finalReplicas: event.finalReplicas, writesBefore });
    }
    // Read at t=0; the reading is reused until it is BOUND_S old, so the poll at t=BOUND_S reads
    // again and is the first to decide on the change; before it, nothing was written.
    const first = decisions.findIndex((d) => d.currentReplicas !== 0 || d.finalReplicas !== 0);
    expect(decisions[first]).toEqual({ t: BOUND_S, ...seen, writesBefore: 0 });
    expect(await replicasOf(services.admin, w.namespace, w.deployment)).toBe(seen.finalReplicas);
    expect(s.scaler.telemetry.failures).toEqual([]);
  });

  test('messages arrive after the workload changed (its resourceVersion moved): the kept reading is not written on; the scale-up reads first and succeeds', async () => {
    const w = await services.workloads({ replicas: 0 });
    const queue = await createQueue(services.azurite, 0);
    const s = countedScaler([queueTarget(w.namespace, w.deployment, queue.name)]);
    await s.tick(0);
    await s.tick(30);
    expect(s.kube.reads).toBe(1);
    // Any change moves the resourceVersion: a write with the kept one would be a 409.
    await services.admin.makeApiClient(AppsV1Api).patchNamespacedDeployment({ name: w.deployment, namespace: w.namespace, body: { metadata: { labels: { changed: 'yes' } } } }, mergePatch);
    await Promise.all(Array.from({ length: 10 }, (_, i) => queue.sendMessage(`message ${i}`)));
    await s.tick(30);
    expect(s.kube.reads).toBe(2);
    expect(s.kube.writes).toBe(1);
    expect(await replicasOf(services.admin, w.namespace, w.deployment)).toBeGreaterThan(0);
    expect(s.scaler.telemetry.decisions.at(-1)).toMatchObject({ action: 'activate', currentReplicas: 0, applied: true });
    expect(s.scaler.telemetry.failures).toEqual([]);
  });

  test('the state row written by another writer (the wake path records activity there): the next poll reads the workload', async () => {
    const w = await services.workloads({ replicas: 0 });
    const queue = await createQueue(services.azurite, 0);
    const target = queueTarget(w.namespace, w.deployment, queue.name);
    const s = countedScaler([target]);
    await s.tick(0);
    await s.tick(30);
    expect(s.kube.reads).toBe(1);
    const [key, row] = [...(await s.scaler.runtime.store.loadAll())][0]!;
    expect(key).toBe(targetKey(s.scaler.runtime.config.targets[0]!));
    await s.scaler.runtime.store.save(key, { ...row, lastWakeConfirmed: new Date(s.scaler.clock.now).toISOString() }, row.etag);
    await s.tick(30);
    expect(s.kube.reads).toBe(2);
  });
});
