// The evaluation loop end to end: Azurite queues -> decide -> kube-apiserver /scale, with state
// in Azurite's Table service, as the scaler's managed identity, on a clock the test moves.
import { describe, expect, test } from 'vitest';
import { replay } from '../../shared/runtime/index.js';
import { useLocalServices } from '../support/vitest/local-services.js';
import { controlPlaneEnabled } from '../support/vitest/provided.js';
import { clusterEntry, createQueue, queueTarget, replicasOf, startScaler } from './scaler.js';

describe.runIf(controlPlaneEnabled)('evaluation loop end to end', () => {
  const services = useLocalServices();

  test.each(['Deployment', 'StatefulSet'] as const)('a %s goes 0 -> burst -> policies -> drain -> stabilization -> cooldown -> 0', async (kind) => {
    const w = await services.workloads({ replicas: 0 });
    const name = kind === 'Deployment' ? w.deployment : w.statefulSet;
    const queue = await createQueue(services.azurite, 100);
    const scaler = startScaler({
      azurite: services.azurite,
      controlPlane: services.controlPlane,
      targets: [queueTarget(w.namespace, name, queue.name, {
        kind,
        cooldownPeriod: 60,
        advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } } },
      })],
    });
    const replicas: number[] = [];
    const step = async (seconds: number): Promise<void> => {
      await scaler.tickAfter(seconds);
      replicas.push(await replicasOf(services.admin, w.namespace, name, kind));
    };
    // 100 messages / queueLength 5 = 20 wanted; default scale-up: max(4 pods, 100%) per 15 s.
    await step(0); // 0 -> 5: KEDA's 0 -> 1 and the HPA's step from 1, max(1 + 4, 2 x 1), in one write
    for (let i = 0; i < 4; i++) await step(15); // 10, 20, 20, 20
    await queue.clearMessages();
    // Empty: the 60 s down window holds 20 until the last proposal of 20 (t=60) is 60 s old;
    // at t=120 the HPA alone goes to its floor of 1; the cooldown (60 s after the last active
    // poll at t=60) ends strictly after t=120, and KEDA's next poll (every 30 s) is t=150: 0.
    for (let i = 0; i < 6; i++) await step(15);
    expect(replicas).toEqual([5, 10, 20, 20, 20, 20, 20, 20, 1, 1, 0]);
    const actions = scaler.telemetry.decisions.map((d) => d.action);
    expect(actions[0]).toBe('activate');
    expect(actions.at(-1)).toBe('deactivate');
    expect(scaler.telemetry.failures).toEqual([]);
  });

  test('from zero, never behind KEDA + HPA: 100 messages on the default behavior go 5, 10, 20 where KEDA + HPA has 1, 5, 10', async () => {
    const w = await services.workloads({ replicas: 0 });
    const queue = await createQueue(services.azurite, 100);
    const scaler = startScaler({
      azurite: services.azurite,
      controlPlane: services.controlPlane,
      targets: [queueTarget(w.namespace, w.deployment, queue.name, { advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: 300 } } } } })],
    });
    // KEDA's poll scales 0 -> 1; the HPA then steps every 15 s from 1 with the default scale-up
    // (max(4 pods, 100 %) per 15 s) toward 100 / 5 = 20.
    const kedaPlusHpa = [1, 5, 10, 20];
    const replicas: number[] = [];
    const upEvents: (number | undefined)[][] = [];
    for (const seconds of [0, 15, 15, 15]) {
      await scaler.tickAfter(seconds);
      replicas.push(await replicasOf(services.admin, w.namespace, w.deployment));
      upEvents.push([...(await scaler.runtime.store.loadAll()).values()].flatMap((r) => (r.state.scaleUpEvents ?? []).map((e) => e.change)));
    }
    expect(replicas).toEqual([5, 10, 20, 20]);
    replicas.forEach((r, i) => expect(r).toBeGreaterThanOrEqual(kedaPlusHpa[i]!));
    // The wake's step is stored as the HPA's 1 -> 5 (+4), not 0 -> 5: KEDA's 0 -> 1 is not an HPA event.
    expect(upEvents[0]).toEqual([4]);
    expect(scaler.telemetry.decisions[0]).toMatchObject({ action: 'activate', currentReplicas: 0, finalReplicas: 5 });
    expect(scaler.telemetry.decisions[0]!.reason).toContain('activated at 1, then HPA wants 20');
    expect(scaler.telemetry.failures).toEqual([]);
  });

  test('queue errors hold the replicas, then fallback, then recovery', async () => {
    const w = await services.workloads({ replicas: 2 });
    const target = queueTarget(w.namespace, w.deployment, 'not-created-yet', { fallback: { failureThreshold: 2, replicas: 3 } });
    const scaler = startScaler({ azurite: services.azurite, controlPlane: services.controlPlane, targets: [target] });
    const step = async (seconds: number) => {
      await scaler.tickAfter(seconds);
      return replicasOf(services.admin, w.namespace, w.deployment);
    };
    expect(await step(0)).toBe(2); // failure 1: hold
    expect(await step(15)).toBe(2); // failure 2: hold (fallback needs more than failureThreshold)
    expect(await step(15)).toBe(3); // failure 3 > 2: fallback replicas
    const [hold, , fallback] = scaler.telemetry.decisions;
    expect(hold).toMatchObject({ action: 'none', code: 'TriggerError', triggerValues: [null] });
    expect(hold!.triggerErrors[0]).toContain('queue "not-created-yet" does not exist');
    expect(fallback).toMatchObject({ action: 'fallback', finalReplicas: 3 });

    const queue = (await import('@azure/storage-queue')).QueueServiceClient.fromConnectionString(services.azurite.connectionString).getQueueClient('not-created-yet');
    await queue.create();
    await Promise.all(Array.from({ length: 40 }, () => queue.sendMessage('m')));
    expect(await step(15)).toBe(6); // 40 / 5 = 8, limited by max(2 x 3, 4) = 6
    expect(scaler.telemetry.decisions.at(-1)).toMatchObject({ action: 'scale-up', triggerValues: [40] });
    const row = await scaler.runtime.store.loadAll();
    expect([...row.values()][0]?.state.triggerFailures).toEqual([0]);
  });

  test('an unreachable cluster fails its targets only; the others scale', async () => {
    const w = await services.workloads({ replicas: 0 });
    const queue = await createQueue(services.azurite, 12);
    const scaler = startScaler({
      azurite: services.azurite,
      controlPlane: services.controlPlane,
      clusters: { down: { ...clusterEntry(services.controlPlane), server: 'https://127.0.0.1:1' } },
      targets: [queueTarget(w.namespace, w.deployment, queue.name), { ...queueTarget(w.namespace, 'elsewhere', queue.name), cluster: 'down' }],
    });
    const result = await scaler.tickAfter(0);
    expect(await replicasOf(services.admin, w.namespace, w.deployment)).toBe(3);
    const failed = result.evaluated.filter((e) => e.error);
    expect(failed.map((e) => e.target.cluster)).toEqual(['down']);
    expect(failed[0]!.error).toContain('cannot reach the cluster');
  });

  test('two evaluations racing on one target lose no update', async () => {
    const w = await services.workloads({ replicas: 0 });
    const queue = await createQueue(services.azurite, 100);
    const table = `race${Date.now()}`;
    const target = queueTarget(w.namespace, w.deployment, queue.name, { advanced: { horizontalPodAutoscalerConfig: { behavior: {} } } });
    const a = startScaler({ azurite: services.azurite, controlPlane: services.controlPlane, table, targets: [target] });
    const b = startScaler({ azurite: services.azurite, controlPlane: services.controlPlane, table, targets: [target] });
    let before = 0;
    for (let i = 0; i < 4; i++) {
      const seconds = i === 0 ? 0 : 15;
      const [ra, rb] = await Promise.all([a.tickAfter(seconds), b.tickAfter(seconds)]);
      expect([...ra.evaluated, ...rb.evaluated].filter((e) => e.error)).toEqual([]);
      const replicas = await replicasOf(services.admin, w.namespace, w.deployment);
      const record = [...(await a.runtime.store.loadAll()).values()][0]!;
      // Every change that reached the cluster in this tick is in the state, whichever
      // evaluation made it and whichever saved first (a wake from its floor of 1: KEDA's 0 -> 1
      // is not an HPA event).
      const now = new Date(a.clock.now).toISOString();
      const recorded = (record.state.scaleUpEvents ?? []).filter((e) => e.timestamp === now).reduce((sum, e) => sum + e.change, 0);
      expect({ tick: i, recorded, lastReplicas: record.lastReplicas }).toEqual({ tick: i, recorded: replicas - (i === 0 ? 1 : before), lastReplicas: replicas });
      before = replicas;
    }
    expect(before).toBeGreaterThan(0);
  });

  test('each ScaleDecision carries an explain input that replays to the same decision', async () => {
    const w = await services.workloads({ replicas: 1 });
    const queue = await createQueue(services.azurite, 33);
    const scaler = startScaler({ azurite: services.azurite, controlPlane: services.controlPlane, targets: [queueTarget(w.namespace, w.deployment, queue.name, { minReplicaCount: 1 })] });
    await scaler.tickAfter(0);
    await scaler.tickAfter(15);
    expect(scaler.telemetry.decisions).toHaveLength(2);
    for (const event of scaler.telemetry.decisions) {
      const again = replay(JSON.parse(JSON.stringify(event.explain)));
      expect({ replicas: again.replicas, action: again.action, code: again.code }).toEqual({ replicas: event.finalReplicas, action: event.action, code: event.code });
    }
  });
});
