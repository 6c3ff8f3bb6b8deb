// metricType: Value end to end: an Azurite queue -> the HPA's Value math on the workload's ready
// pods -> kube-apiserver /scale, on a clock the test moves. With no kubelet here, the test plays the
// controllers: it writes the workload's status (replicas, readyReplicas) as they would.
import { AppsV1Api } from '@kubernetes/client-node';
import { describe, expect, test } from 'vitest';
import { replay } from '../../shared/runtime/index.js';
import { useLocalServices } from '../support/vitest/local-services.js';
import { controlPlaneEnabled } from '../support/vitest/provided.js';
import { createQueue, queueTarget, replicasOf, startScaler } from './scaler.js';

describe.runIf(controlPlaneEnabled)('metricType Value end to end', () => {
  const services = useLocalServices();

  test('the whole queue against one target: ceil(ratio) from zero, then ratio x ready pods, holding within the tolerance', async () => {
    const w = await services.workloads({ replicas: 0 });
    const queue = await createQueue(services.azurite, 45);
    const apps = services.admin.makeApiClient(AppsV1Api);
    const setStatus = async (replicas: number, readyReplicas: number): Promise<void> => {
      const d = await apps.readNamespacedDeployment({ name: w.deployment, namespace: w.namespace });
      await apps.replaceNamespacedDeploymentStatus({ name: w.deployment, namespace: w.namespace, body: { ...d, status: { replicas, readyReplicas } } });
    };
    const scaler = startScaler({
      azurite: services.azurite,
      controlPlane: services.controlPlane,
      targets: [queueTarget(w.namespace, w.deployment, queue.name, {
        pollingInterval: 15,
        triggers: [{ type: 'azure-queue', metricType: 'Value', metadata: { queueName: queue.name, connectionFromEnv: 'QUEUES', queueLength: '10' } }],
        advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleUp: { policies: [{ type: 'Pods', value: 100, periodSeconds: 15 }] } } } },
      })],
    });
    const step = async (seconds: number): Promise<number> => {
      await scaler.tickAfter(seconds);
      return replicasOf(services.admin, w.namespace, w.deployment);
    };

    // From 0: 45 / 10 = 4.5, ceil = 5 (an AverageValue target of 10 would ask for the same).
    expect(await step(0)).toBe(5);
    // 5 pods, 2 of them ready: 4.5 x 2 = 9 (AverageValue would divide by the 5 and hold at 5).
    await setStatus(5, 2);
    expect(await step(15)).toBe(9);
    // 9 pods, all ready, 10 messages: the ratio 10 / 10 = 1 is within the 0.1 tolerance: hold at 9
    // (the metric is at its target; an AverageValue target would ask for 1).
    await setStatus(9, 9);
    await queue.clearMessages();
    await Promise.all(Array.from({ length: 10 }, (_, i) => queue.sendMessage(`more ${i}`)));
    expect(await step(15)).toBe(9);

    const decisions = scaler.telemetry.decisions;
    expect(decisions.map((d) => [d.action, d.desiredReplicas, d.triggerValues])).toEqual([
      ['activate', 5, [45]],
      ['scale-up', 9, [45]],
      ['none', 9, [10]],
    ]);
    expect(decisions[1]!.reason).toContain('value 45 (Value target 10, activation 0, active) -> 9');
    expect(decisions[1]!.explain.observation).toMatchObject({ specReplicas: 5, statusReplicas: 5, readyReplicas: 2 });
    for (const d of decisions) expect(replay(JSON.parse(JSON.stringify(d.explain))).replicas).toBe(d.finalReplicas);
    expect(scaler.telemetry.failures).toEqual([]);
  });
});
