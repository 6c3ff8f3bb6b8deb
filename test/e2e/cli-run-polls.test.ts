// `aks-queue-scaler run` as a process of its own, on Azurite and kube-apiserver: a target at zero
// is polled once per pollingInterval (messages arriving in between wait), but a target whose
// configuration changes is polled at once when the settings are reloaded, and a new process (a
// restart) polls every target on its first tick (docs/engine.md, "Polls"); and the departures
// from KEDA decided (docs/engine.md, "Departures"): a failing trigger, fallback.replicas 0,
// initialCooldownPeriod 0.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAzurite, type Azurite } from '../../local/azurite.js';
import { AUTOSCALER_USER, kubeToken } from '../../local/control-plane.js';
import { adminKubeConfig, kubeConfigWithToken } from '../../local/kube-clients.js';
import { createWorkloads, grantScaleRole } from '../../local/kube-workloads.js';
import { runCliProcess, startCli } from '../support/cli-process.js';
import { controlPlaneEnabled, sharedControlPlane } from '../support/vitest/provided.js';
import { createQueue, replicasOf } from './scaler.js';

describe.runIf(controlPlaneEnabled)('run: polls', () => {
  let azurite: Azurite;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(() => azurite?.stop());

  test('a target at zero with messages waits for its pollingInterval, is polled at once when its configuration changes, and a restart polls the other one', async () => {
    const controlPlane = sharedControlPlane();
    const admin = adminKubeConfig(controlPlane);
    const w = await createWorkloads(admin, { replicas: 0 });
    await grantScaleRole(admin, w.namespace);
    const cwd = await mkdtemp(join(tmpdir(), 'aqs-run-polls-'));
    const kubeconfig = join(cwd, 'kubeconfig');
    await writeFile(kubeconfig, kubeConfigWithToken(controlPlane, kubeToken(controlPlane, AUTOSCALER_USER)).exportConfig());
    const [orders, invoices] = [await createQueue(azurite), await createQueue(azurite)];
    const target = (name: string, queueName: string, queueLength: string, extra: Record<string, unknown> = {}) => ({
      namespace: w.namespace, scaleTargetRef: { name, ...extra }, pollingInterval: 300,
      triggers: [{ type: 'azure-queue', metadata: { queueName, connectionFromEnv: 'QUEUES', queueLength } }],
    });
    const table = `polls${Date.now()}`;
    const writeSettings = (ordersQueueLength: string) => writeFile(join(cwd, 'local.settings.json'), JSON.stringify({
      Values: {
        AzureWebJobsStorage: azurite.connectionString,
        QUEUES: azurite.connectionString,
        SCALER_LOCAL_DEVELOPMENT: 'true',
        SCALER_SCHEDULE: '*/5 * * * * *',
        SCALER_STATE_TABLE: table,
        SCALER_CLUSTERS: JSON.stringify({ local: { context: 'local', kubeconfig } }),
        SCALER_TARGETS: JSON.stringify([target(w.deployment, orders.name, ordersQueueLength), target(w.statefulSet, invoices.name, '5', { kind: 'StatefulSet' })]),
      },
    }));
    await writeSettings('5');
    const [deployment, statefulSet] = [`local/${w.namespace}/${w.deployment}`, `local/${w.namespace}/${w.statefulSet}`];
    const replicas = async () => [await replicasOf(admin, w.namespace, w.deployment), await replicasOf(admin, w.namespace, w.statefulSet, 'StatefulSet')];

    const cli = startCli(['run'], { cwd });
    try {
      // The first tick polls both, at zero with empty queues.
      await cli.waitFor(/^evaluated 2 target\(s\), 0 scaled, 0 failed, 0 not due$/);
      await Promise.all([...Array.from({ length: 12 }, () => orders.sendMessage('order')), ...Array.from({ length: 12 }, () => invoices.sendMessage('invoice'))]);
      // Two ticks later neither has been polled again (pollingInterval 300 s): the work waits.
      const notDue = (): number => cli.out.filter((l) => l === 'evaluated 0 target(s), 0 scaled, 0 failed, 2 not due').length;
      while (notDue() < 2) await new Promise((r) => setTimeout(r, 200));
      expect(await replicas()).toEqual([0, 0]);
      // The Deployment's target changes: polled at once, and woken; the StatefulSet's waits still.
      await writeSettings('4');
      await cli.waitFor(new RegExp(`^run: 1 target\\(s\\) new or changed \\(${deployment}\\), evaluated now$`), 10_000);
      await cli.waitFor(new RegExp(`^\\d\\d:\\d\\d:\\d\\d ${deployment} {2}replicas 0 -> 3 {2}queue 12 {2}activate \\(ScaleTargetActivated\\): `), 10_000);
      // A reload is no restart: on the next scheduled tick the one above zero is evaluated, the other is not due.
      await cli.waitFor(/^evaluated 1 target\(s\), 0 scaled, 0 failed, 1 not due$/, 15_000);
      expect(await replicas()).toEqual([3, 0]);
    } finally {
      expect(await cli.interrupt()).toBe(0);
    }
    expect(cli.err).toEqual([]);

    // A new process polls every target on its first tick, whatever the schedule says.
    const restarted = await runCliProcess(['run', '--once'], { cwd });
    expect(restarted.out).toContainEqual(expect.stringMatching(new RegExp(`^\\d\\d:\\d\\d:\\d\\d ${statefulSet} {2}replicas 0 -> 3 {2}queue 12 {2}activate \\(ScaleTargetActivated\\): `)));
    expect(restarted.out.at(-1)).toBe('evaluated 2 target(s), 1 scaled, 0 failed, 0 not due');
    expect(restarted.code).toBe(0);
    expect(await replicas()).toEqual([3, 3]);
  }, 120_000);

  test('run --once, as KEDA would: a failing trigger corrects the range but never scales to zero, fallback.replicas 0 scales in before the fallback, initialCooldownPeriod 0 scales in a new target at once', async () => {
    const controlPlane = sharedControlPlane();
    const admin = adminKubeConfig(controlPlane);
    const workloads = async (replicas: number) => {
      const w = await createWorkloads(admin, { replicas });
      await grantScaleRole(admin, w.namespace);
      return w;
    };
    const [five, one, two] = [await workloads(5), await workloads(1), await workloads(2)];
    const cwd = await mkdtemp(join(tmpdir(), 'aqs-run-departures-'));
    const kubeconfig = join(cwd, 'kubeconfig');
    await writeFile(kubeconfig, kubeConfigWithToken(controlPlane, kubeToken(controlPlane, AUTOSCALER_USER)).exportConfig());
    const empty = await createQueue(azurite);
    const missing = `missing${Date.now()}`;
    const target = (namespace: string, name: string, queueName: string, extra: Record<string, unknown> = {}) => ({
      namespace, scaleTargetRef: { name, ...(name === 'worker-set' ? { kind: 'StatefulSet' } : {}) }, cooldownPeriod: 0,
      triggers: [{ type: 'azure-queue', metadata: { queueName, connectionFromEnv: 'QUEUES', queueLength: '5' } }], ...extra,
    });
    const targets = [
      target(five.namespace, five.deployment, missing, { maxReplicaCount: 3 }), // (a) above max
      target(one.namespace, one.deployment, missing, { minReplicaCount: 2 }), // (a) below min
      target(five.namespace, five.statefulSet, missing), // (a) in range, cooldown long over
      // (b); no scale-down window, which would hold the HPA's last proposal of 2 for 300 s.
      target(two.namespace, two.deployment, missing, { fallback: { failureThreshold: 1, replicas: 0 }, advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } } } }),
      target(two.namespace, two.statefulSet, empty.name), // (c) initialCooldownPeriod 0
      target(one.namespace, one.statefulSet, empty.name, { initialCooldownPeriod: 3600 }), // (c) 3600
    ];
    await writeFile(join(cwd, 'local.settings.json'), JSON.stringify({
      Values: {
        AzureWebJobsStorage: azurite.connectionString,
        QUEUES: azurite.connectionString,
        SCALER_LOCAL_DEVELOPMENT: 'true',
        SCALER_STATE_TABLE: `departures${Date.now()}`,
        SCALER_CLUSTERS: JSON.stringify({ local: { context: 'local', kubeconfig } }),
        SCALER_TARGETS: JSON.stringify(targets),
      },
    }));
    const names = [[five, 'worker'], [one, 'worker'], [five, 'worker-set'], [two, 'worker'], [two, 'worker-set'], [one, 'worker-set']] as const;
    /** One `run --once --json`: each target's decision as [replicas before -> after, code], in the order above. */
    const once = async (): Promise<string[]> => {
      const { out, code } = await runCliProcess(['run', '--once', '--json'], { cwd });
      expect(code).toBe(1); // some triggers cannot be read
      const decisions = out.map((l) => JSON.parse(l) as { target: string; currentReplicas: number; finalReplicas: number; code: string });
      return names.map(([w, name]) => {
        const d = decisions.find((e) => e.target === `local/${w.namespace}/${name}`)!;
        return `${d.currentReplicas} -> ${d.finalReplicas} ${d.code}`;
      });
    };
    expect(await once()).toEqual([
      '5 -> 3 TooManyReplicas',
      '1 -> 2 TooFewReplicas',
      '5 -> 5 TriggerError',
      '2 -> 0 ScaleTargetDeactivated', // failure 1 of failureThreshold 1: no fallback yet, and fallback.replicas is 0
      '2 -> 0 ScaleTargetDeactivated',
      '1 -> 1 ScalerCooldown',
    ]);
    // A second process: it polls every target at once (the ones at 0 too).
    expect(await once()).toEqual([
      '3 -> 3 TriggerError',
      '2 -> 2 TriggerError',
      '5 -> 5 TriggerError',
      '0 -> 1 ScaleTargetActivated', // failure 2 > 1: the fallback, active as KEDA counts it, wakes it to max(min, 1)
      '0 -> 0 ScalerNotActive',
      '1 -> 1 ScalerCooldown',
    ]);
    expect(await Promise.all(names.map(([w, name]) => replicasOf(admin, w.namespace, name, name === 'worker-set' ? 'StatefulSet' : 'Deployment')))).toEqual([3, 2, 5, 1, 0, 1]);
  }, 120_000);
});
