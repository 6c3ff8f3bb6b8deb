// advanced.scalingModifiers end to end: two Azurite queues -> the formula -> kube-apiserver /scale,
// state in Azurite's Table service, on a clock the test moves. The formula decides the count and
// the activity, not the triggers one by one; each decision replays to itself, composite included.
import { describe, expect, test } from 'vitest';
import { replay } from '../../shared/runtime/index.js';
import { useLocalServices } from '../support/vitest/local-services.js';
import { controlPlaneEnabled } from '../support/vitest/provided.js';
import { createQueue, queueTarget, replicasOf, startScaler } from './scaler.js';

describe.runIf(controlPlaneEnabled)('scalingModifiers end to end', () => {
  const services = useLocalServices();

  test('a target with two queues scales, wakes and sleeps as its formula says', async () => {
    const w = await services.workloads({ replicas: 0 });
    const orders = await createQueue(services.azurite, 30);
    const returns = await createQueue(services.azurite, 10);
    const queue = (name: string, queueName: string) => ({ type: 'azure-queue', name, metadata: { queueName, connectionFromEnv: 'QUEUES', queueLength: '5' } });
    const scaler = startScaler({
      azurite: services.azurite,
      controlPlane: services.controlPlane,
      targets: [queueTarget(w.namespace, w.deployment, orders.name, {
        // Every tick is a poll, and nothing holds the way down: the formula alone shows.
        pollingInterval: 15,
        cooldownPeriod: 0,
        triggers: [queue('orders', orders.name), queue('returns', returns.name)],
        advanced: {
          scalingModifiers: { formula: '(orders + returns) / 2', target: '4', activationTarget: '2.5' },
          horizontalPodAutoscalerConfig: { behavior: { scaleUp: { policies: [{ type: 'Pods', value: 100, periodSeconds: 15 }] }, scaleDown: { stabilizationWindowSeconds: 0 } } },
        },
      })],
    });
    const step = async (seconds: number): Promise<number> => {
      await scaler.tickAfter(seconds);
      return replicasOf(services.admin, w.namespace, w.deployment);
    };

    // (30 + 10) / 2 = 20 against 4: 5 replicas (each queue on its own would ask for max(30 / 5, 10 / 5) = 6).
    expect(await step(0)).toBe(5);
    // (0 + 10) / 2 = 5: 2 replicas.
    await orders.clearMessages();
    expect(await step(15)).toBe(2);
    // (0 + 4) / 2 = 2, not above activationTarget 2.5: not active, though the returns queue is
    // above its own activation (0); the cooldown (0 s) has passed: to zero, with 4 messages waiting.
    await returns.clearMessages();
    await Promise.all(Array.from({ length: 4 }, () => returns.sendMessage('m')));
    expect(await step(15)).toBe(0);

    const decisions = scaler.telemetry.decisions;
    expect(decisions.map((d) => [d.action, d.composite, d.triggerValues])).toEqual([
      ['activate', 20, [30, 10]],
      ['scale-down', 5, [0, 10]],
      ['deactivate', 2, [0, 4]],
    ]);
    expect(decisions[0]!.reason).toContain('composite: formula "(orders + returns) / 2" = 20 (AverageValue target 4, activation 2.5, active) -> 5');
    expect(decisions[2]!.reason).toContain('composite: formula "(orders + returns) / 2" = 2 (AverageValue target 4, activation 2.5, not active) -> 1');
    expect(scaler.telemetry.failures).toEqual([]);

    // Each ScaleDecision's replay document decides the same again, composite included.
    for (const event of decisions) {
      const again = replay(JSON.parse(JSON.stringify(event.explain)));
      expect({ replicas: again.replicas, action: again.action, code: again.code, composite: again.composite }).toEqual({ replicas: event.finalReplicas, action: event.action, code: event.code, composite: event.composite });
    }
  });

  test('a failing queue holds the target: the formula needs every trigger', async () => {
    const w = await services.workloads({ replicas: 3 });
    const orders = await createQueue(services.azurite, 40);
    const scaler = startScaler({
      azurite: services.azurite,
      controlPlane: services.controlPlane,
      targets: [queueTarget(w.namespace, w.deployment, orders.name, {
        cooldownPeriod: 0,
        triggers: [
          { type: 'azure-queue', name: 'orders', metadata: { queueName: orders.name, connectionFromEnv: 'QUEUES' } },
          { type: 'azure-queue', name: 'missing', metadata: { queueName: 'not-created', connectionFromEnv: 'QUEUES' } },
        ],
        advanced: { scalingModifiers: { formula: 'orders', target: '5' } },
      })],
    });
    await scaler.tickAfter(0);
    expect(await replicasOf(services.admin, w.namespace, w.deployment)).toBe(3);
    expect(scaler.telemetry.decisions[0]).toMatchObject({ action: 'none', code: 'TriggerError', composite: null, triggerValues: [40, null] });
    expect(scaler.telemetry.decisions[0]!.reason).toContain('composite: none: a trigger failed (no fallback past failureThreshold)');
  });
});
