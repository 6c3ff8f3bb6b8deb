// Forwarding never deletes a message it did not deliver: in forward mode, a message with no
// destination to send it to fails the invocation (the host retries it, then keeps it in
// <queue>-poison) instead of being settled. A configuration that loads cannot ask for this (a
// wake queue serves forward-mode targets only, shared/config/queue-graph.ts); the wake path
// holds on its own anyway.
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../shared/config/index.js';
import type { Kube } from '../../shared/kube/index.js';
import { createWaker, wakeQueuesOf, createRuntime, type Runtime } from '../../shared/runtime/index.js';
import { createMemoryStore } from '../../shared/state/index.js';
import type { Telemetry } from '../../shared/telemetry/index.js';

const AKS_ID = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks';

function runtimeFor(wake: Record<string, string>) {
  const settings = {
    SCALER_CLUSTERS: JSON.stringify({ aks: { resourceId: AKS_ID } }),
    AzureWebJobsStorage__accountName: 'scalerapp',
    SCALER_TARGETS: JSON.stringify([{ name: 'a', namespace: 'shop', scaleTargetRef: { name: 'a' }, triggers: [{ type: 'azure-queue', metadata: { queueName: 'orders', accountName: 'shopdata' } }], wake }]),
  };
  const config = loadConfig(settings);
  expect(config.errors).toEqual([]);
  const calls = { reads: 0, writes: 0 };
  const kube: Kube = {
    readScale: async () => (calls.reads++, { specReplicas: 1, statusReplicas: 1, annotations: {}, resourceVersion: '1', uid: 'uid-a' }),
    writeScale: async () => (calls.writes++, '2'),
    recordEvent: async () => undefined,
  };
  const telemetry = { decision: () => undefined, scaledByOther: () => undefined, failure: () => undefined, flush: async () => undefined } as unknown as Telemetry;
  // The runtime the host builds, with a Kubernetes port that answers from memory.
  const runtime: Runtime = { ...createRuntime(settings, { telemetry, store: createMemoryStore(), now: () => Date.parse('2026-11-27T10:00:00Z') }), kube };
  return { runtime, calls, queue: wakeQueuesOf(config.targets)[0]! };
}

describe('forward mode never settles a message it did not send on', () => {
  test('a forwarding queue whose targets name no forwardTo: the invocation fails, after the wake', async () => {
    const { runtime, calls, queue } = runtimeFor({ queueName: 'inbox' });
    expect(queue.forwards).toBe(false);
    await expect(createWaker(runtime).handle({ ...queue, forwards: true }, 'order 1')).rejects.toThrow(
      'wake queue inbox: forward mode, but none of its targets (shop/a) has a forwardTo to send the message to; the message is left for a retry',
    );
    expect(calls.reads).toBe(1);
  });

  test('a queue naming a target this instance did not load: the invocation fails, nothing is settled', async () => {
    const { runtime, calls, queue } = runtimeFor({ queueName: 'inbox', forwardTo: 'orders' });
    const stranger = { ...queue.targets[0]!, id: 'shop/stranger', name: 'stranger' };
    await expect(createWaker(runtime).handle({ ...queue, targets: [stranger] }, 'order 1')).rejects.toThrow(
      "wake queue inbox: shop/stranger not in this instance's configuration; the message is left for a retry",
    );
    expect(calls).toEqual({ reads: 0, writes: 0 });
  });

  test('signal mode is unchanged: the signal is settled once its target is awake', async () => {
    const { runtime, queue } = runtimeFor({ queueName: 'inbox' });
    const handled = await createWaker(runtime).handle(queue, '{"target": "shop/a"}');
    expect(handled).toEqual({ outcomes: [{ target: 'aks/shop/a', result: 'awake', replicas: 1 }], forwarded: [], warnings: [] });
  });
});
