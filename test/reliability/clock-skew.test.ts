// Two instances share the state table, one with a clock three hours ahead of the other, against
// the real kube-apiserver and Azurite. Everything the fast clock writes (lastEvaluated,
// lastActiveTime, scale events, recommendations, lastWakeConfirmed) lies hours in the future for
// the other one; none of it may keep a target from being evaluated, woken, scaled up or scaled in.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { targetKey, createWaker, wakeQueuesOf } from '../../shared/runtime/index.js';
import type { Workloads } from '../../local/kube-workloads.js';
import { useLocalServices } from '../support/vitest/local-services.js';
import { controlPlaneEnabled } from '../support/vitest/provided.js';
import { createQueue, queueClient, queueTarget, replicasOf } from '../e2e/scaler.js';
import type { QueueClient } from '@azure/storage-queue';
import { recordCount } from './figures.js';
import { startReliabilityScaler, type ReliabilityScaler } from './harness.js';

const TIMEOUT_MS = 3_000;
const SKEW_MS = 3 * 3_600_000;
const COOLDOWN_S = 300;

describe.runIf(controlPlaneEnabled)('clock skew between instances: a clock three hours ahead', () => {
  const services = useLocalServices();
  let ahead: ReliabilityScaler;
  let reader: ReliabilityScaler;
  let w: Workloads;
  let queue: QueueClient;
  let key: string;
  let checks = 0;

  beforeAll(async () => {
    w = await services.workloads({ replicas: 0, prefix: 'rel' });
    queue = await createQueue(services.azurite, 0);
    // The behavior path (autoscaling/v2 defaults made explicit): scale events and both windows count.
    const targets = [queueTarget(w.namespace, w.deployment, queue.name, {
      cooldownPeriod: COOLDOWN_S,
      wake: { queueName: queueClient(services.azurite).name },
      advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleUp: { stabilizationWindowSeconds: 0 }, scaleDown: { stabilizationWindowSeconds: 300 } } } },
    })];
    const table = `skew${Date.now().toString(36)}`;
    ahead = startReliabilityScaler({ azurite: services.azurite, controlPlane: services.controlPlane, targets, table, timeoutMs: TIMEOUT_MS });
    reader = startReliabilityScaler({ azurite: services.azurite, controlPlane: services.controlPlane, targets, table, timeoutMs: TIMEOUT_MS });
    ahead.clock.now += SKEW_MS;
    key = targetKey(reader.runtime.targets[0]!.target);
  }, 120_000);
  afterAll(async () => {
    recordCount('security-checks', 'a state row written by an instance whose clock is 3 h ahead: evaluated, scaled up, scaled in, woken (real Table Storage and kube-apiserver)', checks);
  });

  const replicas = (): Promise<number> => replicasOf(services.admin, w.namespace, w.deployment);
  const fill = async (n: number): Promise<void> => {
    await queue.clearMessages();
    for (let i = 0; i < n; i++) await queue.sendMessage(`m${i}`);
  };

  test('evaluated: a target at zero is due although its lastEvaluated lies three hours ahead', async () => {
    await ahead.tick(0);
    const stored = await reader.runtime.store.load(key);
    expect(Date.parse(stored!.lastEvaluated!)).toBeGreaterThan(reader.clock.now + SKEW_MS / 2);
    await fill(20);
    const tick = await reader.tick(15);
    expect(tick.result.skipped).toBe(0);
    expect(await replicas()).toBe(4);
    checks += 2;
  }, 60_000);

  test('scaled up: a recommendation three hours ahead does not hold the scale-up window shut', async () => {
    // The fast clock evaluates the busy target: a recommendation of 4 and lastActiveTime three hours ahead.
    await ahead.tick(15);
    await fill(40);
    // Read as it is, that recommendation would sit in the scale-up window for three hours and hold 4.
    await reader.tick(15);
    expect(await replicas()).toBe(8);
    checks += 1;
  }, 60_000);

  test('scaled in: the cooldown runs from the reader\'s now, not from an activity three hours ahead', async () => {
    await ahead.tick(15); // active, three hours ahead
    await fill(0);
    await reader.tick(15);
    expect(await replicas()).toBeGreaterThan(0);
    await reader.tick(COOLDOWN_S + 30);
    expect(await replicas()).toBe(0);
    checks += 1;
  }, 60_000);

  test('woken: a message wakes the target although its activity and confirmation lie three hours ahead', async () => {
    const queues = wakeQueuesOf(reader.runtime.config.targets);
    // The fast clock's wake path records the activity; then the target is back at zero.
    await createWaker(ahead.runtime).handle(queues[0]!, '{}');
    expect(await replicas()).toBe(1);
    expect(Date.parse((await reader.runtime.store.load(key))!.lastWakeConfirmed!)).toBeGreaterThan(reader.clock.now + SKEW_MS / 2);
    await reader.tick(15);
    await reader.tick(COOLDOWN_S + 30);
    expect(await replicas()).toBe(0);
    // Read as now by the first evaluation, and saved so: the skew has left the row.
    expect(Date.parse((await reader.runtime.store.load(key))!.lastWakeConfirmed!)).toBeLessThanOrEqual(reader.clock.now);
    const handled = await createWaker(reader.runtime).handle(queues[0]!, '{}');
    expect(handled.outcomes.map((o) => o.result)).toEqual(['woken']);
    expect(await replicas()).toBeGreaterThan(0);
    checks += 4;
  }, 60_000);
});
