// What operators and other controllers do to the workloads the scaler owns, against the real
// kube-apiserver and Azurite: two cluster entries for one API server (one owner per workload,
// told by the workload's uid), and replicas changed by someone else (kubectl, an HPA) between
// the scaler's write and its next read.
import { AppsV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, describe, expect, test } from 'vitest';
import { targetKey, tickWarnings } from '../../shared/runtime/index.js';
import type { Workloads } from '../../local/kube-workloads.js';
import { useLocalServices } from '../support/vitest/local-services.js';
import { controlPlaneEnabled } from '../support/vitest/provided.js';
import { clusterEntry, createQueue, queueTarget, replicasOf } from '../e2e/scaler.js';
import { recordCount } from './figures.js';
import { startReliabilityScaler } from './harness.js';

const TIMEOUT_MS = 3_000;
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** Scales a Deployment through /scale as field manager `manager` would (kubectl scale, an HPA). */
async function scaleAs(admin: KubeConfig, manager: string, w: Workloads, replicas: number): Promise<void> {
  await admin.makeApiClient(AppsV1Api).patchNamespacedDeploymentScale({ name: w.deployment, namespace: w.namespace, fieldManager: manager, body: { spec: { replicas } } }, mergePatch);
}

describe.runIf(controlPlaneEnabled)('operators and other writers', () => {
  const services = useLocalServices();
  let checks = 0;

  afterAll(async () => {
    recordCount('security-checks', 'one owner per workload through aliased cluster entries, and writers other than the scaler (real kube-apiserver)', checks);
  });

  test('two cluster entries for one API server (127.0.0.1 and localhost): only the first target scales the workload, on every tick and after a restart', async () => {
    const w = await services.workloads({ replicas: 2, prefix: 'rel' });
    const busy = await createQueue(services.azurite, 20);
    const empty = await createQueue(services.azurite, 0);
    // The configuration cannot tell these two servers apart; the workload's uid can.
    const alias = { ...clusterEntry(services.controlPlane), server: services.controlPlane.server.replace('127.0.0.1', 'localhost') };
    const targets = [
      { ...queueTarget(w.namespace, w.deployment, busy.name), name: 'first' },
      { ...queueTarget(w.namespace, w.deployment, empty.name, { cooldownPeriod: 0 }), name: 'second', cluster: 'alias' },
    ];
    const table = `owners${Date.now().toString(36)}`;
    const scaler = startReliabilityScaler({ azurite: services.azurite, controlPlane: services.controlPlane, targets, clusters: { alias }, table, timeoutMs: TIMEOUT_MS });
    const [first, second] = scaler.runtime.targets.map((t) => targetKey(t.target));
    const seen: number[] = [];
    for (let i = 0; i < 6; i++) {
      const tick = await scaler.tick(15);
      seen.push(await replicasOf(services.admin, w.namespace, w.deployment));
      const byKey = new Map(tick.result.evaluated.map((e) => [targetKey(e.target), e]));
      expect(byKey.get(first!)?.error).toBeUndefined();
      // From the second tick on (the first reads both at once), the second target holds and says why.
      if (i > 0) expect(byKey.get(second!)?.error).toMatch(new RegExp(`is the workload \\(uid [0-9a-f-]+\\) that target ${first} scales`));
      if (i > 0) expect(byKey.get(second!)?.event).toBeUndefined();
    }
    // 20 messages, queueLength 5: 4, never taken to 0 by the target of the empty queue.
    expect(seen).toEqual([4, 4, 4, 4, 4, 4]);
    // A new instance (a restart) knows the owner from the state rows before it reads anything.
    const restarted = startReliabilityScaler({ azurite: services.azurite, controlPlane: services.controlPlane, targets, clusters: { alias }, table, timeoutMs: TIMEOUT_MS });
    const tick = await restarted.tick(15);
    expect(tick.result.evaluated.find((e) => targetKey(e.target) === second)?.error).toMatch(/is the workload/);
    expect(await replicasOf(services.admin, w.namespace, w.deployment)).toBe(4);
    checks += seen.length + 2;
  }, 60_000);

  test.each([
    { writer: 'kubectl', hint: /by kubectl through \/scale/ },
    { writer: 'kube-controller-manager', hint: /by kube-controller-manager through \/scale( at \S+)? \(a HorizontalPodAutoscaler; a KEDA ScaledObject makes one named keda-hpa-<name>\)/ },
  ])('replicas changed by $writer: noticed once (event and warning), and decided from the new count', async ({ writer, hint }) => {
    const w = await services.workloads({ replicas: 2, prefix: 'rel' });
    const queue = await createQueue(services.azurite, 20);
    const scaler = startReliabilityScaler({ azurite: services.azurite, controlPlane: services.controlPlane, targets: [queueTarget(w.namespace, w.deployment, queue.name)], timeoutMs: TIMEOUT_MS });
    await scaler.tick(0);
    expect(await replicasOf(services.admin, w.namespace, w.deployment)).toBe(4);
    // The scaler's own writes are not another writer.
    await scaler.tick(15);
    expect(scaler.telemetry.scaledByOthers).toEqual([]);

    await scaleAs(services.admin, writer, w, 9);
    const tick = await scaler.tick(15);
    const key = targetKey(scaler.runtime.targets[0]!.target);
    expect(scaler.telemetry.scaledByOthers).toEqual([
      expect.objectContaining({ target: key, expectedReplicas: 4, foundReplicas: 9, writer: expect.objectContaining({ manager: writer, subresource: 'scale' }) }),
    ]);
    const warnings = tickWarnings(tick.result);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`^target ${key}: deployment ${w.namespace}/${w.deployment} was scaled 4 -> 9 `));
    expect(warnings[0]).toMatch(hint);
    // Decided from 9, as the HPA would: its history (4 for the last minutes) brings it back to 4.
    expect(tick.result.evaluated[0]!.event).toMatchObject({ currentReplicas: 9 });
    // Said once: the next tick finds what it left.
    await scaler.tick(15);
    expect(scaler.telemetry.scaledByOthers).toHaveLength(1);
    checks += 4;
  }, 60_000);

  test('a scale written by another instance of the scaler (same field manager) is not another writer', async () => {
    const w = await services.workloads({ replicas: 2, prefix: 'rel' });
    const queue = await createQueue(services.azurite, 20);
    const targets = [queueTarget(w.namespace, w.deployment, queue.name)];
    const table = `peers${Date.now().toString(36)}`;
    const a = startReliabilityScaler({ azurite: services.azurite, controlPlane: services.controlPlane, targets, table, timeoutMs: TIMEOUT_MS });
    const b = startReliabilityScaler({ azurite: services.azurite, controlPlane: services.controlPlane, targets, table, timeoutMs: TIMEOUT_MS });
    await a.tick(0);
    // Instance b writes the scale and dies before it records it.
    const ref = { cluster: 'test', namespace: w.namespace, kind: 'Deployment' as const, name: w.deployment };
    const read = await b.runtime.kube.readScale(ref);
    await b.runtime.kube.writeScale(ref, 6, read.resourceVersion);
    await a.tick(15);
    expect(a.telemetry.scaledByOthers).toEqual([]);
    checks += 1;
  }, 60_000);
});
