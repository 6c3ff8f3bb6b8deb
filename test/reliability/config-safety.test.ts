// Configuration that would let one target damage another, on the real local services: Azurite's
// queues and a kube-apiserver with RBAC. The configuration loads with the offending target
// refused (shared/config/queue-graph.ts, and the workload-owner rule of shared/config/settings.ts)
// and the others working: the wake queues of what loaded are polled as the Functions host polls
// them, and the evaluation loop ticks, and nothing happens to the other target's queue or
// workload.
import { readFileSync } from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { targetKey } from '../../shared/runtime/evaluate-target.js';
import { pollOnce, queueTriggerSettings, type QueueTriggerSettings } from '../../shared/runtime/queue-poller.js';
import { createWaker, wakeQueueClients, wakeQueuesOf } from '../../shared/runtime/wake.js';
import { startAzurite, type Azurite } from '../support/azurite.js';
import type { ControlPlaneInfo } from '../support/control-plane.js';
import { startIdentityEndpoint, useIdentityEndpoint, type IdentityEndpoint } from '../support/identity-endpoint.js';
import { adminKubeConfig } from '../support/kube-clients.js';
import { createWorkloads, grantScaleRole } from '../support/kube-workloads.js';
import { SCALER_CLIENT_ID, testIdentities } from '../support/test-identities.js';
import { controlPlaneEnabled, sharedControlPlane } from '../support/vitest/provided.js';
import { clusterEntry, createQueue, queueTarget, replicasOf, startScaler, type ScalerUnderTest } from '../e2e/scaler.js';
import { recordCount } from './figures.js';

/** host.json's queue settings, the retry delay set to 0 to keep the test fast. */
const HOST_QUEUES: QueueTriggerSettings = { ...queueTriggerSettings(JSON.parse(readFileSync(new URL('../../host.json', import.meta.url), 'utf8'))), visibilityTimeoutMs: 0 };

/** Polls every wake queue of what loaded, `rounds` times, as the Functions host (and `run`) would. */
async function pollWakeQueues(scaler: ScalerUnderTest, rounds: number): Promise<{ queues: string[]; handled: number }> {
  const queues = wakeQueuesOf(scaler.runtime.config.targets);
  const waker = createWaker(scaler.runtime);
  let handled = 0;
  for (let i = 0; i < rounds; i++) {
    for (const queue of queues) {
      const { queue: client, poison } = wakeQueueClients(queue, scaler.runtime.settings, scaler.runtime.credentialFor);
      const result = await pollOnce(client, poison, HOST_QUEUES, async (body) => void (await waker.handle(queue, body.toString('utf8'))));
      handled += result.handled;
    }
  }
  return { queues: queues.map((q) => q.queueName), handled };
}

describe.runIf(controlPlaneEnabled)('one target cannot damage another, on Azurite and kube-apiserver', () => {
  let controlPlane: ControlPlaneInfo;
  let identity: IdentityEndpoint;
  let azurite: Azurite;
  let admin: KubeConfig;
  let checks = 0;

  beforeAll(async () => {
    controlPlane = sharedControlPlane();
    identity = await startIdentityEndpoint({ identities: testIdentities(controlPlane) });
    useIdentityEndpoint(identity, SCALER_CLIENT_ID);
    azurite = await startAzurite();
    admin = adminKubeConfig(controlPlane);
  });
  afterAll(async () => {
    recordCount('security-checks', 'configurations where one target could damage another, run on Azurite and kube-apiserver: the offender refused, the other target\'s queue and workload untouched (polls and ticks)', checks);
    await azurite?.stop();
    await identity?.stop();
  });

  test("a wake queue that is another target's work queue: refused; the work stays, and its target is not scaled to 0", async () => {
    const w = await createWorkloads(admin, { replicas: 2, prefix: 'rel' });
    await grantScaleRole(admin, w.namespace);
    const work = await createQueue(azurite, 12);
    const other = await createQueue(azurite);
    const signals = await createQueue(azurite);
    // A reads `work`. B's wake queue is `work` too (the app's own storage is the same Azurite
    // account): one poll of B's wake function used to delete all of A's messages. C has a proper
    // wake queue, so a wake function does run.
    const scaler = startScaler({
      azurite, controlPlane, timeoutMs: 5_000,
      targets: [
        queueTarget(w.namespace, w.deployment, work.name, { name: 'a', cooldownPeriod: 0 }),
        queueTarget(w.namespace, w.statefulSet, other.name, { name: 'b', kind: 'StatefulSet', wake: { queueName: work.name } }),
        queueTarget(w.namespace, 'absent', other.name, { name: 'c', wake: { queueName: signals.name } }),
      ],
    });
    expect(scaler.runtime.config.errors.map((e) => e.message)).toEqual([
      `target ${w.namespace}/b: wake.queueName: "${work.name}" in account devstoreaccount1 is the work queue of target ${w.namespace}/a (triggers[0]): a wake function deletes every message of its queue, so target ${w.namespace}/a would lose its work. Use a queue of its own`,
    ]);
    expect(scaler.runtime.config.targets.map((t) => t.id)).toEqual([`${w.namespace}/a`, `${w.namespace}/c`]);

    // The wake functions of what loaded poll, several rounds, and the loop ticks in between.
    const replicas: number[] = [];
    for (let round = 0; round < 4; round++) {
      const polled = await pollWakeQueues(scaler, 3);
      expect(polled).toEqual({ queues: [signals.name], handled: 0 });
      await scaler.tickAfter(15);
      replicas.push(await replicasOf(admin, w.namespace, w.deployment));
      expect((await work.getProperties()).approximateMessagesCount).toBe(12);
      checks++;
    }
    // 12 messages, queueLength 5: 3 replicas, never 0.
    expect(replicas).toEqual([3, 3, 3, 3]);
    const peeked = await work.peekMessages({ numberOfMessages: 32 });
    expect(peeked.peekedMessageItems.map((m) => m.messageText).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `message ${i}`).sort());
  }, 120_000);

  test('forwarding that loops between two targets: both refused; a message on either wake queue stays put', async () => {
    const w = await createWorkloads(admin, { replicas: 1, prefix: 'rel' });
    await grantScaleRole(admin, w.namespace);
    const [work, inboxA, inboxB] = await Promise.all([createQueue(azurite), createQueue(azurite), createQueue(azurite)]);
    // Both wake queues named in the account of the triggers (the Azurite account), as forwardTo is.
    const scaler = startScaler({
      azurite, controlPlane, timeoutMs: 5_000,
      settings: { SCALER_WAKE_devstoreaccount1: azurite.connectionString },
      targets: [
        queueTarget(w.namespace, w.deployment, work.name, { name: 'a', wake: { queueName: inboxA.name, accountName: 'devstoreaccount1', forwardTo: inboxB.name } }),
        queueTarget(w.namespace, w.statefulSet, work.name, { name: 'b', kind: 'StatefulSet', wake: { queueName: inboxB.name, accountName: 'devstoreaccount1', forwardTo: inboxA.name } }),
      ],
    });
    expect(scaler.runtime.config.errors.map((e) => e.message)).toEqual([
      `target ${w.namespace}/a: wake.forwardTo: "${inboxB.name}" is the wake queue of target ${w.namespace}/b, and the forwards loop back: ${inboxA.name} (${w.namespace}/a) -> ${inboxB.name} (${w.namespace}/b) -> ${inboxA.name}: each message would go round the loop forever`,
      `target ${w.namespace}/b: wake.forwardTo: "${inboxA.name}" is the wake queue of target ${w.namespace}/a, and the forwards loop back: ${inboxB.name} (${w.namespace}/b) -> ${inboxA.name} (${w.namespace}/a) -> ${inboxB.name}: each message would go round the loop forever`,
    ]);
    await inboxA.sendMessage('order 1');
    expect(await pollWakeQueues(scaler, 3)).toEqual({ queues: [], handled: 0 });
    expect((await inboxA.getProperties()).approximateMessagesCount).toBe(1);
    expect((await inboxB.getProperties()).approximateMessagesCount).toBe(0);
    checks++;
  }, 60_000);

  test('two cluster names for one API server: only one target scales the Deployment, tick after tick', async () => {
    const w = await createWorkloads(admin, { replicas: 0, prefix: 'rel' });
    await grantScaleRole(admin, w.namespace);
    const busy = await createQueue(azurite, 20);
    const idle = await createQueue(azurite);
    // `alias` is the same server written another way (scheme in capitals, trailing slashes).
    const entry = clusterEntry(controlPlane);
    const alias = { ...entry, server: `${entry.server.replace(/^https:/, 'HTTPS:')}//` };
    const scaler = startScaler({
      azurite, controlPlane, timeoutMs: 5_000,
      clusters: { alias },
      targets: [
        queueTarget(w.namespace, w.deployment, busy.name, { name: 'busy' }),
        // Wants 0 (an empty queue, no cooldown): with both loaded, the Deployment flipped 4 -> 0 -> 4.
        { ...queueTarget(w.namespace, w.deployment, idle.name, { name: 'idle', cooldownPeriod: 0 }), cluster: 'alias' },
      ],
    });
    const server = new URL(entry.server);
    expect(scaler.runtime.config.errors.map((e) => e.message)).toEqual([
      `target ${w.namespace}/idle: scaleTargetRef: Deployment ${w.namespace}/${w.deployment} is already scaled by target ${w.namespace}/busy (#0): cluster alias is the same cluster as test (same server https://${server.host})`,
    ]);
    const replicas: number[] = [];
    for (let tick = 0; tick < 6; tick++) {
      await scaler.tickAfter(15);
      replicas.push(await replicasOf(admin, w.namespace, w.deployment));
      checks++;
    }
    // 20 messages, queueLength 5: 4, and it stays there.
    expect(replicas).toEqual([4, 4, 4, 4, 4, 4]);
    expect(new Set(scaler.telemetry.decisions.map((d) => d.target))).toEqual(new Set([targetKey(scaler.runtime.config.targets[0]!)]));
  }, 120_000);
});
