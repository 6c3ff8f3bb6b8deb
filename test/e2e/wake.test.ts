// The wake path end to end: messages on Azurite queues -> the queue-triggered function, invoked
// as the Functions host invokes it (the message's bytes, dataType binary, and an
// InvocationContext) -> kube-apiserver /scale, with state in Azurite's Table service.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { QueueClient } from '@azure/storage-queue';
import { AppsV1Api } from '@kubernetes/client-node';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { loadConfig } from '../../shared/config/index.js';
import { decideWake } from '../../shared/engine/wake.js';
import { targetKey, createWaker, wakeQueuesOf, type WakeQueue } from '../../shared/runtime/index.js';
import { pollOnce, queueTriggerSettings, type PollResult, type QueueTriggerSettings } from '../../shared/runtime/queue-poller.js';
import { createTableStore, type StateStore, type StoredRecord } from '../../shared/state/index.js';
import type { Workloads } from '../../local/kube-workloads.js';
import { useLocalServices } from '../support/vitest/local-services.js';
import { controlPlaneEnabled } from '../support/vitest/provided.js';
import {
  countingKube, createQueue, hostInvocation, queueClient, queueTarget, replicasOf, scalerSettings, startScaler, T0,
  type HostLogLine, type ScaleWrite,
} from './scaler.js';

/** host.json's queue settings, as the host reads them; the retry delay set to 0 to keep the tests fast. */
const HOST_QUEUES: QueueTriggerSettings = { ...queueTriggerSettings(JSON.parse(readFileSync(new URL('../../host.json', import.meta.url), 'utf8'))), visibilityTimeoutMs: 0 };

const fresh = (prefix: string): string => `${prefix}${randomBytes(4).toString('hex')}`;

describe.runIf(controlPlaneEnabled)('wake path end to end', () => {
  const services = useLocalServices();
  /** process.env values replaced by a host started in the current test. */
  const replacedEnv = new Map<string, string | undefined>();
  afterEach(() => {
    for (const [name, value] of replacedEnv) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    replacedEnv.clear();
  });

  const resourceVersionOf = async (w: Workloads, name = w.deployment): Promise<string | undefined> =>
    (await services.admin.makeApiClient(AppsV1Api).readNamespacedDeployment({ name, namespace: w.namespace })).metadata?.resourceVersion;

  async function texts(queue: QueueClient): Promise<string[]> {
    if (!(await queue.exists())) return [];
    const peeked = await queue.peekMessages({ numberOfMessages: 32 });
    return peeked.peekedMessageItems.map((m) => m.messageText);
  }

  /** Every message on `queue` (receives and deletes them), in no particular order. */
  async function drain(queue: QueueClient): Promise<string[]> {
    const out: string[] = [];
    for (;;) {
      const batch = await queue.receiveMessages({ numberOfMessages: 32 });
      if (batch.receivedMessageItems.length === 0) return out;
      for (const m of batch.receivedMessageItems) {
        out.push(m.messageText);
        await queue.deleteMessage(m.messageId, m.popReceipt);
      }
    }
  }

  /**
   * The Functions host for `targets`: SCALER_TARGETS and the other app settings in process.env,
   * then functions/wake.ts imported afresh (it builds the process-wide runtime from process.env
   * and registers one function per wake queue at import, as in the host).
   */
  async function startHost(targets: unknown[]) {
    const settings = scalerSettings({ azurite: services.azurite, controlPlane: services.controlPlane, targets });
    for (const [name, value] of Object.entries(settings)) {
      if (!replacedEnv.has(name)) replacedEnv.set(name, process.env[name]);
      process.env[name] = value;
    }
    vi.resetModules();
    const { wakeHandler } = await import('../../functions/wake.js');
    const { hostWakeQueues } = await import('../../shared/runtime/host.js');
    const queues = hostWakeQueues();
    const queueNamed = (name: string): WakeQueue => {
      const queue = queues.find((q) => q.queueName === name);
      if (!queue) throw new Error(`no function for wake queue ${name}: ${queues.map((q) => q.functionName).join(', ')}`);
      return queue;
    };
    const store = createTableStore({ connectionString: services.azurite.connectionString, table: settings.SCALER_STATE_TABLE! });
    const config = loadConfig(settings);
    const invocations: { functionName: string; dequeueCount: number; logs: HostLogLine[]; error?: unknown }[] = [];
    /** One invocation as the host makes it: the message's bytes and an InvocationContext. */
    async function invoke(queueName: string, body: Buffer, message: { id: string; dequeueCount: number } = { id: randomUUID(), dequeueCount: 1 }): Promise<HostLogLine[]> {
      const queue = queueNamed(queueName);
      const { context, logs } = hostInvocation(queue.functionName, { ...message, text: body.toString('utf8') });
      const invocation: (typeof invocations)[number] = { functionName: queue.functionName, dequeueCount: message.dequeueCount, logs };
      invocations.push(invocation);
      try {
        await wakeHandler(queue)(body, context);
      } catch (e) {
        invocation.error = e;
        throw e;
      }
      return logs;
    }
    return {
      settings,
      config,
      queues,
      invocations,
      invoke,
      /** One poll of the queue trigger with host.json's settings (visibility timeout 0). */
      poll: (queueName: string): Promise<PollResult> =>
        pollOnce(queueClient(services.azurite, queueName), queueClient(services.azurite, `${queueName}-poison`), HOST_QUEUES, (body, message) => invoke(queueName, body, message).then(() => undefined)),
      record: (target: { id: string }): Promise<StoredRecord | undefined> => store.load(targetKey(config.targets.find((t) => t.id === target.id)!)),
      logsOf: (level: HostLogLine['level']): string[] => invocations.flatMap((i) => i.logs.filter((l) => l.level === level).map((l) => l.message)),
    };
  }

  /** Polls until `queue` has no visible message left; returns the sum of the results. */
  async function pollUntilEmpty(poll: () => Promise<PollResult>): Promise<PollResult> {
    const total: PollResult = { handled: 0, failed: 0, poisoned: 0 };
    for (let i = 0; i < 1000; i++) {
      const r = await poll();
      if (r.handled + r.failed + r.poisoned === 0) return total;
      total.handled += r.handled;
      total.failed += r.failed;
      total.poisoned += r.poisoned;
    }
    throw new Error('the queue never emptied');
  }

  describe('signal and forward mode', () => {
    test('signal mode: one message wakes a Deployment at 0 straight to the wake answer, and records it', async () => {
      const w = await services.workloads({ replicas: 0 });
      const work = await createQueue(services.azurite, 12);
      const wake = await createQueue(services.azurite);
      const host = await startHost([queueTarget(w.namespace, w.deployment, work.name, { wake: { queueName: wake.name } })]);
      const target = host.config.targets[0]!;

      const before = Date.now();
      await wake.sendMessage(JSON.stringify({ target: target.id }));
      expect(await host.poll(wake.name)).toEqual({ handled: 1, failed: 0, poisoned: 0 });
      const after = Date.now();

      // 12 messages / queueLength 5 -> 3; from the floor 1 the no-behavior path allows max(2 x 1, 4) = 4.
      expect(await replicasOf(services.admin, w.namespace, w.deployment)).toBe(3);
      const wanted = decideWake(target, { specReplicas: 0, statusReplicas: 0, annotations: {}, triggers: [{ value: 12 }] }, {}, before);
      expect({ replicas: wanted.replicas, action: wanted.action }).toEqual({ replicas: 3, action: 'activate' });
      const record = (await host.record(target))!;
      expect(record.lastReplicas).toBe(3);
      expect(Date.parse(record.state.lastActiveTime!)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(record.state.lastActiveTime!)).toBeLessThanOrEqual(after);
      expect(host.logsOf('information')).toEqual([`${wake.name}: ${targetKey(target)} woken`]);
      // The signal is settled; the work queue is the workload's, untouched.
      expect(await texts(wake)).toEqual([]);
      expect((await work.getProperties()).approximateMessagesCount).toBe(12);

      // A second message right after: the target was just confirmed awake, no API call at all.
      const version = await resourceVersionOf(w);
      await host.invoke(wake.name, Buffer.from('again'));
      expect(host.logsOf('information').at(-1)).toBe(`${wake.name}: ${targetKey(target)} recently-confirmed`);
      expect(await resourceVersionOf(w)).toBe(version);
    });

    test('forward mode: the message wakes the Deployment and lands on the work queue', async () => {
      const w = await services.workloads({ replicas: 0 });
      const work = await createQueue(services.azurite, 12);
      const inbox = await createQueue(services.azurite);
      const host = await startHost([queueTarget(w.namespace, w.deployment, work.name, { wake: { queueName: inbox.name, forwardTo: work.name } })]);
      const target = host.config.targets[0]!;

      await inbox.sendMessage('order 13');
      expect(await host.poll(inbox.name)).toEqual({ handled: 1, failed: 0, poisoned: 0 });

      // The wake read the work queue before forwarding: 12 -> 3, as in signal mode.
      expect(await replicasOf(services.admin, w.namespace, w.deployment)).toBe(3);
      expect(host.logsOf('information')).toEqual([`${inbox.name}: ${targetKey(target)} woken; forwarded to ${work.name}`]);
      expect(await texts(inbox)).toEqual([]);
      const onWork = await drain(work);
      expect(onWork).toHaveLength(13);
      expect(onWork.filter((t) => t === 'order 13')).toHaveLength(1);
    });

    test.each([
      { name: 'paused: true in the configuration', paused: true, annotation: false },
      { name: 'the autoscaling.keda.sh/paused annotation', paused: false, annotation: true },
    ])('a paused target at 0 is left alone ($name)', async ({ paused, annotation }) => {
      const w = await services.workloads({ replicas: 0 });
      if (annotation) {
        await services.admin.makeApiClient(AppsV1Api).patchNamespacedDeployment({
          name: w.deployment,
          namespace: w.namespace,
          body: [{ op: 'add', path: '/metadata/annotations', value: { 'autoscaling.keda.sh/paused': 'true' } }],
        });
      }
      const work = await createQueue(services.azurite, 12);
      const wake = await createQueue(services.azurite);
      const host = await startHost([queueTarget(w.namespace, w.deployment, work.name, { paused, wake: { queueName: wake.name } })]);
      const version = await resourceVersionOf(w);

      await wake.sendMessage('wake up');
      expect(await host.poll(wake.name)).toEqual({ handled: 1, failed: 0, poisoned: 0 });

      expect(await replicasOf(services.admin, w.namespace, w.deployment)).toBe(0);
      expect(await resourceVersionOf(w)).toBe(version);
      expect(host.logsOf('information')).toEqual([`${wake.name}: ${targetKey(host.config.targets[0]!)} paused`]);
      expect(await texts(wake)).toEqual([]);
    });

    test('a target at its idleReplicaCount is asleep too: woken to the wake answer', async () => {
      const w = await services.workloads({ replicas: 1 });
      const work = await createQueue(services.azurite, 22);
      const wake = await createQueue(services.azurite);
      const host = await startHost([queueTarget(w.namespace, w.deployment, work.name, { minReplicaCount: 3, idleReplicaCount: 1, wake: { queueName: wake.name } })]);
      const target = host.config.targets[0]!;

      await wake.sendMessage('wake up');
      expect(await host.poll(wake.name)).toEqual({ handled: 1, failed: 0, poisoned: 0 });

      // 22 / 5 -> 5: from the floor, minReplicaCount 3, the no-behavior cap is max(2 x 3, 4) = 6.
      expect(await replicasOf(services.admin, w.namespace, w.deployment)).toBe(5);
      const wanted = decideWake(target, { specReplicas: 1, statusReplicas: 0, annotations: {}, triggers: [{ value: 22 }] }, {}, Date.now());
      expect(wanted.replicas).toBe(5);
      expect(host.logsOf('information')).toEqual([`${wake.name}: ${targetKey(target)} woken`]);
    });

    test('a target already awake: lastActiveTime is recorded, and no scale is written', async () => {
      const w = await services.workloads({ replicas: 2 });
      const work = await createQueue(services.azurite);
      const wake = await createQueue(services.azurite);
      const host = await startHost([queueTarget(w.namespace, w.deployment, work.name, { wake: { queueName: wake.name } })]);
      const target = host.config.targets[0]!;
      const version = await resourceVersionOf(w);

      const before = Date.now();
      await wake.sendMessage('');
      expect(await host.poll(wake.name)).toEqual({ handled: 1, failed: 0, poisoned: 0 });

      expect(await replicasOf(services.admin, w.namespace, w.deployment)).toBe(2);
      expect(await resourceVersionOf(w)).toBe(version);
      const record = (await host.record(target))!;
      expect(Date.parse(record.state.lastActiveTime!)).toBeGreaterThanOrEqual(before);
      expect(host.logsOf('information')).toEqual([`${wake.name}: ${targetKey(target)} awake`]);
    });
  });

  describe('forwarding is byte for byte, and never loses a message', () => {
    const PAYLOADS: Record<string, string> = {
      'raw text': 'order 42 for customer 7',
      'JSON with big integers and odd whitespace': '{"id": 12345678901234567890123 ,\t"amount":1.10,\n  "exp": 1e400,   "neg": -0.0 ,"nested":{ }}  \n\n',
      'leading and trailing white space': '   \t  padded\t \n',
      'base64 of random bytes': randomBytes(3000).toString('base64'),
      'unicode (BOM, accents, CJK, emoji, combining, RTL, zero width)': '\uFEFFünïcødé 日本語 🚀👩‍💻 e\u0301 עברית a\u200bb',
      'XML-looking text': '<msg a="1">&amp; &lt; \' " ]]></msg>',
      'an empty message': '',
      'a message of 48 KiB': 'x'.repeat(48 * 1024),
    };

    test('what arrives on the work queue equals what was sent to the wake queue', async () => {
      const w = await services.workloads({ replicas: 0 });
      const work = await createQueue(services.azurite);
      const inbox = await createQueue(services.azurite);
      const host = await startHost([queueTarget(w.namespace, w.deployment, work.name, { wake: { queueName: inbox.name, forwardTo: work.name } })]);
      const sent = Object.values(PAYLOADS);
      for (const text of sent) await inbox.sendMessage(text);

      expect(await pollUntilEmpty(() => host.poll(inbox.name))).toEqual({ handled: sent.length, failed: 0, poisoned: 0 });

      // The function got the message as bytes: exactly the UTF-8 of what was sent.
      expect(host.invocations.map((i) => i.error)).toEqual(sent.map(() => undefined));
      const received = await drain(work);
      const named = (list: string[]): string[] => list.map((t) => Object.keys(PAYLOADS).find((k) => PAYLOADS[k] === t) ?? `unexpected: ${JSON.stringify(t.slice(0, 80))}`).sort();
      expect(named(received)).toEqual(Object.keys(PAYLOADS).sort());
      expect(received.sort()).toEqual([...sent].sort());
      expect(await texts(queueClient(services.azurite, `${inbox.name}-poison`))).toEqual([]);
    });

    test('a carriage return changes only as a direct send and receive through the storage client changes it', async () => {
      // @azure/storage-queue writes "\r" raw into its XML and reads Azurite's "&#xD;" back
      // literally, so "\r" does not survive even without the wake path (docs/wake.md): the
      // forward must add no change of its own.
      const text = 'line 1\r\nline 2\r';
      const control = await createQueue(services.azurite);
      await control.sendMessage(text);
      const direct = await drain(control);
      const w = await services.workloads({ replicas: 0 });
      const work = await createQueue(services.azurite);
      const inbox = await createQueue(services.azurite);
      const host = await startHost([queueTarget(w.namespace, w.deployment, work.name, { wake: { queueName: inbox.name, forwardTo: work.name } })]);
      await inbox.sendMessage(text);
      expect(await host.poll(inbox.name)).toEqual({ handled: 1, failed: 0, poisoned: 0 });
      expect(await drain(work)).toEqual(direct);
    });

    test('a failed forward fails the invocation; the message stays for the retry, which forwards it once', async () => {
      const w = await services.workloads({ replicas: 0 });
      const work = queueClient(services.azurite); // not created yet: the forward fails
      const inbox = await createQueue(services.azurite);
      const host = await startHost([queueTarget(w.namespace, w.deployment, work.name, { wake: { queueName: inbox.name, forwardTo: work.name } })]);
      const payload = PAYLOADS['JSON with big integers and odd whitespace']!;
      await inbox.sendMessage(payload);

      expect(await host.poll(inbox.name)).toEqual({ handled: 0, failed: 1, poisoned: 0 });
      expect(await host.poll(inbox.name)).toEqual({ handled: 0, failed: 1, poisoned: 0 });
      expect(host.invocations.map((i) => [i.dequeueCount, i.error !== undefined])).toEqual([[1, true], [2, true]]);
      expect(String(host.invocations[0]!.error)).toMatch(new RegExp(`^ScalerError: wake queue ${inbox.name}: forwarding the message to queue ${work.name} failed: .*404`));
      // Still there, unchanged; the wake itself went through (work queue unreadable: min 1).
      expect(await texts(inbox)).toEqual([payload]);
      expect(await replicasOf(services.admin, w.namespace, w.deployment)).toBe(1);

      await work.create();
      expect(await host.poll(inbox.name)).toEqual({ handled: 1, failed: 0, poisoned: 0 });
      expect(await drain(work)).toEqual([payload]);
      expect(await texts(inbox)).toEqual([]);
      expect(await queueClient(services.azurite, `${inbox.name}-poison`).exists()).toBe(false);
    });

    test('after maxDequeueCount failed forwards the message lands in <queue>-poison, unchanged', async () => {
      expect(HOST_QUEUES.maxDequeueCount).toBe(5);
      const w = await services.workloads({ replicas: 0 });
      const work = queueClient(services.azurite); // never created
      const inbox = await createQueue(services.azurite);
      const host = await startHost([queueTarget(w.namespace, w.deployment, work.name, { wake: { queueName: inbox.name, forwardTo: work.name } })]);
      const payload = PAYLOADS['base64 of random bytes']!;
      await inbox.sendMessage(payload);

      const results: PollResult[] = [];
      for (let i = 0; i < 6; i++) results.push(await host.poll(inbox.name));
      const failed = { handled: 0, failed: 1, poisoned: 0 };
      expect(results).toEqual([failed, failed, failed, failed, { handled: 0, failed: 0, poisoned: 1 }, { handled: 0, failed: 0, poisoned: 0 }]);
      expect(host.invocations.map((i) => i.dequeueCount)).toEqual([1, 2, 3, 4, 5]);
      expect(await texts(inbox)).toEqual([]);
      expect(await drain(queueClient(services.azurite, `${inbox.name}-poison`))).toEqual([payload]);
    });
  });

  describe('a burst costs a handful of Kubernetes calls', () => {
    test('1,000 concurrent signals for one target at 0: one read, one write, the wake answer', async () => {
      const w = await services.workloads({ replicas: 0 });
      const work = await createQueue(services.azurite, 12);
      const scaler = startScaler({ azurite: services.azurite, controlPlane: services.controlPlane, targets: [queueTarget(w.namespace, w.deployment, work.name, { wake: { queueName: fresh('w') } })] });
      const kube = countingKube(scaler.runtime.kube);
      const waker = createWaker({ ...scaler.runtime, kube });
      const [queue] = wakeQueuesOf(scaler.runtime.targets.map((t) => t.target));

      const handled = await Promise.all(Array.from({ length: 1000 }, () => waker.handle(queue!, 'wake')));

      expect({ reads: kube.reads, writes: kube.writes }).toEqual({ reads: 1, writes: 1 });
      expect(await replicasOf(services.admin, w.namespace, w.deployment)).toBe(3);
      const results = handled.flatMap((h) => h.outcomes.map((o) => o.result));
      expect(results.filter((r) => r !== 'woken' && r !== 'recently-confirmed')).toEqual([]);
      expect(scaler.telemetry.decisions.map((d) => [d.action, d.finalReplicas])).toEqual([['activate', 3]]);
      expect(scaler.telemetry.failures).toEqual([]);
    });

    test('1,000 messages through the queue trigger (batches of 32, forward mode): every one forwarded, a handful of calls', { timeout: 120_000 }, async () => {
      const w = await services.workloads({ replicas: 0 });
      const work = await createQueue(services.azurite, 12);
      const inbox = await createQueue(services.azurite);
      const scaler = startScaler({ azurite: services.azurite, controlPlane: services.controlPlane, targets: [queueTarget(w.namespace, w.deployment, work.name, { wake: { queueName: inbox.name, forwardTo: work.name } })] });
      // The real clock from here on: the confirmation window expires as it would in the host.
      const started = performance.now();
      Object.defineProperty(scaler.clock, 'now', { get: () => T0 + (performance.now() - started) });
      const kube = countingKube(scaler.runtime.kube);
      const waker = createWaker({ ...scaler.runtime, kube });
      const [queue] = wakeQueuesOf(scaler.runtime.targets.map((t) => t.target));
      const sent = Array.from({ length: 1000 }, (_, i) => `burst ${i}`);
      for (let i = 0; i < sent.length; i += 100) await Promise.all(sent.slice(i, i + 100).map((t) => inbox.sendMessage(t)));

      let largest = 0;
      const poison = queueClient(services.azurite, `${inbox.name}-poison`);
      const total = await pollUntilEmpty(async () => {
        let inBatch = 0;
        const r = await pollOnce(inbox, poison, HOST_QUEUES, async (body) => {
          largest = Math.max(largest, ++inBatch);
          await waker.handle(queue!, body.toString('utf8'));
        });
        return r;
      });
      const seconds = (performance.now() - started) / 1000;

      expect(total).toEqual({ handled: 1000, failed: 0, poisoned: 0 });
      expect(largest).toBe(32);
      expect(kube.writes).toBe(1);
      // One read, then one more each time the 5 s confirmation window runs out.
      expect(kube.reads).toBeLessThanOrEqual(1 + Math.ceil(seconds / 5));
      expect(kube.reads).toBeLessThanOrEqual(5);
      expect(await replicasOf(services.admin, w.namespace, w.deployment)).toBe(3);
      const forwarded = (await drain(work)).filter((t) => t.startsWith('burst '));
      expect(forwarded.sort()).toEqual([...sent].sort());
    });
  });

  describe('garbage on a signal queue is said and settled', () => {
    /** Two targets (a Deployment and a StatefulSet) at 0 sharing one signal queue. */
    async function twoTargets() {
      const w = await services.workloads({ replicas: 0 });
      const work = await createQueue(services.azurite, 12);
      const wakeName = fresh('w');
      const host = await startHost([
        queueTarget(w.namespace, w.deployment, work.name, { wake: { queueName: wakeName } }),
        queueTarget(w.namespace, w.statefulSet, work.name, { kind: 'StatefulSet', wake: { queueName: wakeName } }),
      ]);
      const replicas = async (): Promise<[number, number]> => [await replicasOf(services.admin, w.namespace, w.deployment), await replicasOf(services.admin, w.namespace, w.statefulSet, 'StatefulSet')];
      return { w, host, wakeName, replicas };
    }

    test('a JSON signal naming one of two targets sharing the queue wakes only that one', async () => {
      const { w, host, wakeName, replicas } = await twoTargets();
      expect(host.queues.map((q) => [q.functionName, q.targets.length])).toEqual([[`wake-${wakeName}`, 2]]);

      await host.invoke(wakeName, Buffer.from(JSON.stringify({ target: `${w.namespace}/${w.deployment}` })));
      expect(await replicas()).toEqual([3, 0]);
      await host.invoke(wakeName, Buffer.from(JSON.stringify({ targets: [`${w.namespace}/${w.statefulSet}`] })));
      expect(await replicas()).toEqual([3, 3]);
      expect(host.logsOf('warning')).toEqual([]);
    });

    test.each([
      { name: 'an empty message', body: Buffer.alloc(0), warning: /^empty message on wake queue w[0-9a-f]{8}: waking all its targets$/, wakes: true },
      { name: 'a huge message (70 KB)', body: Buffer.alloc(70 * 1024, 'x'), warning: /^message of 71680 bytes on wake queue w[0-9a-f]{8} is not a signal: waking all its targets$/, wakes: true },
      { name: 'not JSON', body: Buffer.from('{"target": "ns/'), warning: /^message on wake queue w[0-9a-f]{8} is not JSON: waking all its targets$/, wakes: true },
      { name: 'bytes that are not UTF-8', body: Buffer.from([0xff, 0xfe, 0x00, 0xc3]), warning: /is not JSON: waking all its targets$/, wakes: true },
      { name: 'JSON naming an unknown target', body: Buffer.from('{"target": "elsewhere/nobody"}'), warning: /^signal on wake queue w[0-9a-f]{8} names unknown target "elsewhere\/nobody" \(its targets: aqs-[0-9a-f]{8}\/worker, aqs-[0-9a-f]{8}\/worker-set\)$/, wakes: false },
    ])('$name: a clear warning, settled', async ({ body, warning, wakes }) => {
      const { host, wakeName, replicas } = await twoTargets();
      await expect(host.invoke(wakeName, body)).resolves.toBeDefined();
      const warnings = host.logsOf('warning');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(warning);
      // Anything that is not a valid signal naming nobody still wakes: nothing valid is dropped.
      expect(await replicas()).toEqual(wakes ? [3, 3] : [0, 0]);
    });
  });

  test('a cooldown shorter than the confirmation window: a message after the scale-down wakes again', async () => {
    const w = await services.workloads({ replicas: 0 });
    const work = await createQueue(services.azurite);
    const scaler = startScaler({ azurite: services.azurite, controlPlane: services.controlPlane, targets: [queueTarget(w.namespace, w.deployment, work.name, { cooldownPeriod: 2, pollingInterval: 1, wake: { queueName: fresh('w') } })] });
    const waker = createWaker(scaler.runtime);
    const [queue] = wakeQueuesOf(scaler.runtime.targets.map((t) => t.target));
    const results = async (): Promise<string[]> => (await waker.handle(queue!, 'wake')).outcomes.map((o) => o.result);

    expect(await results()).toEqual(['woken']);
    expect(await replicasOf(services.admin, w.namespace, w.deployment)).toBe(1);
    await scaler.tickAfter(3); // empty queue, 3 s > cooldown 2 s since the wake: to 0
    expect(await replicasOf(services.admin, w.namespace, w.deployment)).toBe(0);
    scaler.clock.now += 1000; // 4 s after the wake
    expect(await results()).toEqual(['woken']);
    expect(await replicasOf(services.admin, w.namespace, w.deployment)).toBe(1);
  });

  test('two instances recording activity at once: lastActiveTime only moves forward', async () => {
    const w = await services.workloads({ replicas: 2 });
    const work = await createQueue(services.azurite);
    const scaler = startScaler({ azurite: services.azurite, controlPlane: services.controlPlane, targets: [queueTarget(w.namespace, w.deployment, work.name, { wake: { queueName: fresh('w') } })] });
    const [queue] = wakeQueuesOf(scaler.runtime.targets.map((t) => t.target));
    const key = targetKey(scaler.runtime.targets[0]!.target);
    // Instance A's first state write is held until instance B has recorded a later activity.
    const base = scaler.runtime.store;
    let entered!: () => void;
    let release!: () => void;
    const saving = new Promise<void>((resolve) => (entered = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    let held = false;
    const slowStore: StateStore = {
      loadAll: () => base.loadAll(),
      load: (k) => base.load(k),
      maxLoad: base.maxLoad,
      loadMany: (keys) => base.loadMany(keys),
      delete: (k, etag) => base.delete(k, etag),
      recordWakeActivity: (k, at, etag) => base.recordWakeActivity(k, at, etag),
      async save(k, record, etag) {
        if (!held) {
          held = true;
          entered();
          await gate;
        }
        return base.save(k, record, etag);
      },
    };
    const a = createWaker({ ...scaler.runtime, store: slowStore });
    const b = createWaker(scaler.runtime);

    const first = a.handle(queue!, 'a'); // sees the target awake at T0
    await saving;
    scaler.clock.now += 1000;
    expect((await b.handle(queue!, 'b')).outcomes.map((o) => o.result)).toEqual(['awake']);
    release();
    expect((await first).outcomes.map((o) => o.result)).toEqual(['awake']);

    expect((await base.load(key))!.state.lastActiveTime).toBe(new Date(T0 + 1000).toISOString());
  });

  test('wake and evaluation racing on one target: never back to 0 inside the cooldown, no state write lost', { timeout: 120_000 }, async () => {
    const COOLDOWN_S = 10;
    const w = await services.workloads({ replicas: 0 });
    const work = await createQueue(services.azurite); // empty: the evaluation alone would keep it at 0
    const scaler = startScaler({
      azurite: services.azurite,
      controlPlane: services.controlPlane,
      // The race is about logic, not latency: 300 rounds against one Azurite on a busy machine
      // must not turn a slow answer into a failed evaluation.
      timeoutMs: 60_000,
      targets: [queueTarget(w.namespace, w.deployment, work.name, {
        cooldownPeriod: COOLDOWN_S,
        pollingInterval: 1,
        advanced: { horizontalPodAutoscalerConfig: { behavior: {} } }, // scale events are recorded
        wake: { queueName: fresh('w') },
      })],
    });
    const log: ScaleWrite[] = [];
    const now = (): number => scaler.clock.now;
    const base = scaler.runtime.kube;
    scaler.runtime.kube = countingKube(base, { by: 'evaluation', now, log });
    // Two instances of the function app: two wakers, each with its own confirmation window.
    const wakers = [0, 1].map(() => createWaker({ ...scaler.runtime, kube: countingKube(base, { by: 'wake', now, log }) }));
    const [queue] = wakeQueuesOf(scaler.runtime.targets.map((t) => t.target));
    const key = targetKey(scaler.runtime.targets[0]!.target);

    // A deterministic schedule: clock steps around the cooldown, a tick every round, wakes in
    // most rounds, each started after a random few milliseconds so that their calls interleave,
    // and the clock moving on by 50 ms now and then while they run.
    let seed = 42;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const later = <T>(f: () => Promise<T> | T): Promise<T> => new Promise((resolve, reject) => {
      setTimeout(() => Promise.resolve().then(f).then(resolve, reject), Math.floor(random() * 25));
    });
    const STEPS_S = [0.5, 2, 6, COOLDOWN_S + 1];
    let lastActive = 0;
    let replicas = 0;
    const problems: string[] = [];
    for (let round = 0; round < 300; round++) {
      const from = scaler.clock.now;
      scaler.clock.now += STEPS_S[Math.floor(random() * STEPS_S.length)]! * 1000;
      const writesBefore = log.length;
      const ops: Promise<unknown>[] = [later(() => scaler.loop.tick())];
      if (random() < 0.7) {
        for (let m = 1 + Math.floor(random() * 3); m > 0; m--) ops.push(later(() => wakers[Math.floor(random() * 2)]!.handle(queue!, 'wake')));
      }
      for (let b = Math.floor(random() * 3); b > 0; b--) ops.push(later(() => void (scaler.clock.now += 50)));
      await Promise.all(ops);
      const to = scaler.clock.now;

      const record = (await scaler.runtime.store.load(key))!;
      const actual = await replicasOf(services.admin, w.namespace, w.deployment);
      const active = Date.parse(record.state.lastActiveTime ?? new Date(0).toISOString());
      if (active < lastActive) problems.push(`round ${round}: lastActiveTime went back from ${new Date(lastActive).toISOString()} to ${record.state.lastActiveTime}`);
      lastActive = Math.max(lastActive, active);
      // Every change that reached the cluster in this round is recorded as a scale event (one
      // from 0 counts from the floor 1: KEDA's 0 -> 1 is not an HPA event).
      const sum = (events: { change: number; timestamp: string }[] | undefined): number =>
        (events ?? []).filter((e) => Date.parse(e.timestamp) > from && Date.parse(e.timestamp) <= to).reduce((s, e) => s + e.change, 0);
      let up = 0;
      let down = 0;
      for (const write of log.slice(writesBefore)) {
        if (write.replicas > replicas) up += write.replicas - Math.max(replicas, 1);
        else down += replicas - write.replicas;
        replicas = write.replicas;
      }
      if (replicas !== actual) problems.push(`round ${round}: the writes say ${replicas}, the cluster ${actual}`);
      const recorded = { up: sum(record.state.scaleUpEvents), down: sum(record.state.scaleDownEvents), lastReplicas: record.lastReplicas };
      if (recorded.up !== up || recorded.down !== down || recorded.lastReplicas !== actual) {
        problems.push(`round ${round}: made up ${up} down ${down} -> ${actual}, recorded ${JSON.stringify(recorded)}`);
      }
    }

    // The evaluation never scaled a target woken by the wake path back to 0 inside its cooldown.
    for (const [i, write] of log.entries()) {
      if (write.by !== 'evaluation' || write.replicas !== 0) continue;
      const woken = log.slice(0, i).filter((x) => x.by === 'wake').at(-1);
      if (woken && write.at <= woken.at + COOLDOWN_S * 1000) {
        problems.push(`woken at +${(woken.at - T0) / 1000}s, scaled to 0 by the evaluation at +${(write.at - T0) / 1000}s (cooldown ${COOLDOWN_S}s)`);
      }
    }
    expect(problems).toEqual([]);
    // The schedule did race: both sides wrote many times (about 20 each; the count moves with how
    // many calls a wake makes, since the interleaving is timed).
    expect(log.filter((x) => x.by === 'wake').length).toBeGreaterThan(15);
    expect(log.filter((x) => x.by === 'evaluation' && x.replicas === 0).length).toBeGreaterThan(15);
    expect(scaler.telemetry.failed).toEqual([]);
  });
});
