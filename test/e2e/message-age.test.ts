// messageAgeTarget end to end: an Azurite queue -> the reader's peek (the age against Azurite's
// own Date header) -> the engine -> kube-apiserver /scale, on a clock the test moves. Azurite
// stamps a message's insertion with its real clock, so the messages really wait: a few seconds,
// against an age target of 5 s (room for a slow tick on a loaded machine). A queue shorter than
// queueLength and activationQueueLength wakes its target once its oldest message has waited past
// the target; beside it, a target reading the same queue by its length alone stays asleep.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, test } from 'vitest';
import { replay } from '../../shared/runtime/index.js';
import { useLocalServices } from '../support/vitest/local-services.js';
import { controlPlaneEnabled } from '../support/vitest/provided.js';
import { createQueue, replicasOf, startScaler } from './scaler.js';

const AGE_TARGET_S = 5;

describe.runIf(controlPlaneEnabled)('message age end to end', () => {
  const services = useLocalServices();

  test('a short queue whose messages wait past the age target wakes its target; by length alone it would sleep', async () => {
    const w = await services.workloads({ replicas: 0 });
    const queue = await createQueue(services.azurite);
    const metadata = { queueName: queue.name, connectionFromEnv: 'QUEUES', queueLength: '5', activationQueueLength: '5' };
    const target = (kind: 'Deployment' | 'StatefulSet', name: string, extra: Record<string, string>) => ({
      namespace: w.namespace,
      cluster: 'test',
      scaleTargetRef: { name, kind },
      pollingInterval: 15,
      triggers: [{ type: 'azure-queue', metadata: { ...metadata, ...extra } }],
    });
    const scaler = startScaler({
      azurite: services.azurite,
      controlPlane: services.controlPlane,
      targets: [target('Deployment', w.deployment, { messageAgeTarget: String(AGE_TARGET_S) }), target('StatefulSet', w.statefulSet, {})],
    });
    const replicas = async () => [await replicasOf(services.admin, w.namespace, w.deployment), await replicasOf(services.admin, w.namespace, w.statefulSet, 'StatefulSet')];

    // An empty queue: length 0, age 0 (this tick also makes the connections and the token).
    await scaler.tickAfter(0);
    // Two messages, read at once: 2 is not above activationQueueLength 5, and they are younger than the target.
    await Promise.all([queue.sendMessage('a'), queue.sendMessage('b')]);
    const sentAt = Date.now();
    await scaler.tickAfter(15);
    expect(await replicas()).toEqual([0, 0]);
    // The same two messages, now older than the target (Azurite's clock is this machine's).
    await sleep(sentAt + (AGE_TARGET_S + 1) * 1000 + 100 - Date.now());
    await scaler.tickAfter(15);
    const [aged, byLength] = await replicas();

    const decisions = scaler.telemetry.decisions;
    expect(scaler.telemetry.failures).toEqual([]);
    const ofAged = decisions.filter((d) => d.kind === 'Deployment');
    const ofLength = decisions.filter((d) => d.kind === 'StatefulSet');
    expect(ofAged.map((d) => d.action)).toEqual(['none', 'none', 'activate']);
    expect(ofLength.map((d) => [d.action, d.triggerValues])).toEqual([['none', [0]], ['none', [2]], ['none', [2]]]);
    expect(byLength).toBe(0);
    // The length asks for 1 (2 / 5); at the activation floor of 1 the age asks for ceil(age / 5) >= 2.
    const age = (ofAged[2]!.explain.observation.triggers[0] as { age: number }).age;
    expect(age).toBeGreaterThan(AGE_TARGET_S);
    const wanted = Math.ceil(age / AGE_TARGET_S);
    // The no-behavior path's scale-up limit from the floor: max(2 x 1, 4).
    expect(aged).toBe(Math.min(wanted, 4));
    expect(aged).toBeGreaterThanOrEqual(2);
    expect(ofAged[2]!.reason).toContain(`value 2 (target 5, activation 5, not active) -> 1; message age ${age}s (Value target ${AGE_TARGET_S}s, activation ${AGE_TARGET_S}s, active) -> ${wanted}`);

    // Each ScaleDecision's replay document decides the same again, the age included.
    for (const event of decisions) {
      const again = replay(JSON.parse(JSON.stringify(event.explain)));
      expect({ replicas: again.replicas, action: again.action, code: again.code }).toEqual({ replicas: event.finalReplicas, action: event.action, code: event.code });
    }
  });
});
