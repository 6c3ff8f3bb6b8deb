// KEDA's timing and its error rules end to end (docs/engine.md, "Polls" and "Departures"): the
// evaluation loop on Azurite (queues and the state table) and kube-apiserver, as the scaler's
// managed identity, on a clock the test moves. Only KEDA's poll (every pollingInterval, from the
// tick start of the last one) wakes a target or takes it to zero; the HPA acts on every tick; a
// new process and a changed spec poll at once; a failing trigger never takes a workload to zero,
// but its range is still corrected; fallback.replicas 0 and initialCooldownPeriod 0 as KEDA.
import { describe, expect, test } from 'vitest';
import { createEvaluationLoop, createRuntime, replay, specFingerprint, targetKey, type Runtime } from '../../shared/runtime/index.js';
import { useLocalServices } from '../support/vitest/local-services.js';
import { controlPlaneEnabled } from '../support/vitest/provided.js';
import { createQueue, queueTarget, recordingTelemetry, replicasOf, scalerSettings, startScaler, T0, type ScalerOptions } from './scaler.js';

describe.runIf(controlPlaneEnabled)('KEDA\'s timing, end to end', () => {
  const services = useLocalServices();
  const options = (targets: unknown[], table?: string): ScalerOptions => ({ azurite: services.azurite, controlPlane: services.controlPlane, targets, ...(table ? { table } : {}) });

  test('pollingInterval 75: a cleared queue goes to 1 by the HPA, and to 0 only at the poll 75 s after the last', async () => {
    const w = await services.workloads({ replicas: 0 });
    const queue = await createQueue(services.azurite, 10);
    const target = queueTarget(w.namespace, w.deployment, queue.name, {
      pollingInterval: 75, cooldownPeriod: 30, advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } } },
    });
    const scaler = startScaler(options([target]));
    const replicas: number[] = [];
    for (const seconds of [0, 15, 15, 15, 15, 15]) {
      await scaler.tickAfter(seconds);
      if (seconds === 0) await queue.clearMessages();
      replicas.push(await replicasOf(services.admin, w.namespace, w.deployment));
    }
    // The cooldown is over after t=30; KEDA's next poll is t=75 (before: 0 at t=45).
    expect(replicas).toEqual([2, 1, 1, 1, 1, 0]);
    const decisions = scaler.telemetry.decisions;
    expect(decisions.map((d) => [d.explain.observation.poll, d.code])).toEqual([
      [true, 'ScaleTargetActivated'], [false, 'TooFewReplicas'], [false, 'ScalerCooldown'], [false, 'ScalerCooldown'], [false, 'ScalerCooldown'], [true, 'ScaleTargetDeactivated'],
    ]);
    for (const d of decisions) expect(replay(JSON.parse(JSON.stringify(d.explain))).replicas).toBe(d.finalReplicas);
    const row = [...(await scaler.runtime.store.loadAll()).values()][0]!;
    expect(row).toMatchObject({ lastPolled: new Date(T0 + 75_000).toISOString(), specHash: specFingerprint(scaler.runtime.targets[0]!.target) });
    expect(scaler.telemetry.failures).toEqual([]);
  });

  test('a changed spec is polled on the next tick, an unchanged one waits for its pollingInterval, and a new process polls every target', async () => {
    const w = await services.workloads({ replicas: 0 });
    const [changing, waiting] = [await createQueue(services.azurite), await createQueue(services.azurite)];
    const table = `polls${Date.now()}`;
    const spec = (queueLength: string) => [
      { ...queueTarget(w.namespace, w.deployment, changing.name, { pollingInterval: 300 }), triggers: [{ type: 'azure-queue', metadata: { queueName: changing.name, connectionFromEnv: 'QUEUES', queueLength } }] },
      queueTarget(w.namespace, w.statefulSet, waiting.name, { kind: 'StatefulSet', pollingInterval: 300 }),
    ];
    const clock = { now: T0 };
    const started = (targets: unknown[], startedAt: number): { runtime: Runtime; tick: (at: number) => Promise<string[]> } => {
      const runtime = createRuntime(scalerSettings(options(targets, table)), { telemetry: recordingTelemetry(), now: () => clock.now, startedAt });
      const loop = createEvaluationLoop(runtime);
      return {
        runtime,
        tick: async (at) => {
          clock.now = T0 + at * 1000;
          const result = await loop.tick();
          expect(result?.error).toBeUndefined();
          return (result?.evaluated ?? []).map((e) => `${e.target.scaleTargetRef.name} ${e.event?.action}`);
        },
      };
    };
    const replicas = async () => [await replicasOf(services.admin, w.namespace, w.deployment), await replicasOf(services.admin, w.namespace, w.statefulSet, 'StatefulSet')];
    // The first process polls both at zero with empty queues; then work arrives.
    const first = started(spec('5'), T0);
    expect(await first.tick(0)).toEqual(['worker none', 'worker-set none']);
    await Promise.all([...Array.from({ length: 12 }, () => changing.sendMessage('job')), ...Array.from({ length: 12 }, () => waiting.sendMessage('job'))]);
    expect(await first.tick(15)).toEqual([]);
    // The settings reloaded in the same process (as `run` does: not a restart), one target changed:
    // that one is polled (its fingerprint differs from the one in its row) and woken.
    const reloaded = started(spec('4'), T0);
    expect(await reloaded.tick(30)).toEqual(['worker activate']);
    expect(await replicas()).toEqual([3, 0]);
    const row = (await reloaded.runtime.store.load(targetKey(reloaded.runtime.targets[0]!.target)))!;
    expect(row.specHash).toBe(specFingerprint(reloaded.runtime.targets[0]!.target));
    expect(row.specHash).not.toBe(specFingerprint(first.runtime.targets[0]!.target));
    // A new process (a restart) polls the other one too, long before its pollingInterval.
    const restarted = started(spec('4'), T0 + 40_000);
    expect(await restarted.tick(45)).toEqual(['worker none', 'worker-set activate']);
    expect(await replicas()).toEqual([3, 3]);
    // Its next tick keeps the schedule: the one above zero is evaluated (the HPA), not polled.
    expect(await restarted.tick(60)).toEqual(['worker none', 'worker-set none']);
  });

  test('(a) a failing trigger never takes a workload to zero, but above max it is corrected to max and below min raised to min', async () => {
    const [above, below, within] = [await services.workloads({ replicas: 5 }), await services.workloads({ replicas: 1 }), await services.workloads({ replicas: 4 })];
    const missing = `missing${Date.now()}`;
    const scaler = startScaler(options([
      queueTarget(above.namespace, above.deployment, missing, { maxReplicaCount: 3 }),
      queueTarget(below.namespace, below.deployment, missing, { minReplicaCount: 2 }),
      queueTarget(within.namespace, within.deployment, missing, { cooldownPeriod: 0 }),
    ]));
    const seen: number[][] = [];
    for (const seconds of [0, 30, 30]) {
      await scaler.tickAfter(seconds);
      seen.push(await Promise.all([above, below, within].map((w) => replicasOf(services.admin, w.namespace, w.deployment))));
    }
    expect(seen).toEqual([[3, 2, 4], [3, 2, 4], [3, 2, 4]]);
    const first = scaler.telemetry.decisions.slice(0, 3);
    expect([above, below, within].map((w) => first.find((d) => d.namespace === w.namespace)?.code)).toEqual(['TooManyReplicas', 'TooFewReplicas', 'TriggerError']);
    expect(scaler.telemetry.decisions.every((d) => d.triggerErrors[0]?.includes('does not exist'))).toBe(true);
  });

  test('(b) fallback.replicas 0: before the fallback the failing target goes to 0 after its cooldown, as KEDA; the fallback then counts as active and wakes it to 1', async () => {
    const w = await services.workloads({ replicas: 2 });
    const scaler = startScaler(options([queueTarget(w.namespace, w.deployment, `missing${Date.now()}`, {
      cooldownPeriod: 0, fallback: { failureThreshold: 2, replicas: 0 }, advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } } },
    })]));
    const seen: number[] = [];
    for (const seconds of [0, 30, 30]) {
      await scaler.tickAfter(seconds);
      seen.push(await replicasOf(services.admin, w.namespace, w.deployment));
    }
    // Failure 1 (<= 2): inactive, never active, initialCooldownPeriod 0: to 0. Failure 2: at 0.
    // Failure 3 (> 2): the fallback, active as KEDA counts it: woken to max(min, 1).
    expect(seen).toEqual([0, 0, 1]);
    expect(scaler.telemetry.decisions.map((d) => [d.action, d.code])).toEqual([['deactivate', 'ScaleTargetDeactivated'], ['none', 'TriggerError'], ['fallback', 'ScaleTargetActivated']]);
  });

  test('(c) initialCooldownPeriod 0: a new target with nothing to do goes to zero on its first poll; 60: at the first poll after 60 s', async () => {
    const w = await services.workloads({ replicas: 3 });
    const queue = await createQueue(services.azurite);
    const scaler = startScaler(options([
      queueTarget(w.namespace, w.deployment, queue.name),
      queueTarget(w.namespace, w.statefulSet, queue.name, { kind: 'StatefulSet', initialCooldownPeriod: 60 }),
    ]));
    const seen: number[][] = [];
    for (const seconds of [0, 30, 30, 15, 15]) {
      await scaler.tickAfter(seconds);
      seen.push([await replicasOf(services.admin, w.namespace, w.deployment), await replicasOf(services.admin, w.namespace, w.statefulSet, 'StatefulSet')]);
    }
    // The StatefulSet: created (first evaluated) at 0; 0 + 60 < now is strict, so not at 60;
    // 75 is no poll (pollingInterval 30); 90 is.
    expect(seen).toEqual([[0, 3], [0, 3], [0, 3], [0, 3], [0, 0]]);
    expect(scaler.telemetry.decisions.find((d) => d.name === w.deployment)).toMatchObject({ action: 'deactivate', code: 'ScaleTargetDeactivated', currentReplicas: 3 });
  });
});
