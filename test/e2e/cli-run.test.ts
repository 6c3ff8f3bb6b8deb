// `aks-queue-scaler run` in process: local.settings.json, a kubeconfig context, one readable line
// per decision with its reason; the wake path. As a process of its own (the built-in sample,
// UseDevelopmentStorage=true, reloads, missing things): cli-run-process.test.ts.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { runCommand } from '../../cli/commands/run.js';
import { AUTOSCALER_USER, kubeToken } from '../../local/control-plane.js';
import { startAzurite, type Azurite } from '../../local/azurite.js';
import { adminKubeConfig, kubeConfigWithToken } from '../../local/kube-clients.js';
import { createWorkloads, grantScaleRole } from '../../local/kube-workloads.js';
import { controlPlaneEnabled, sharedControlPlane } from '../support/vitest/provided.js';
import { runCli } from '../cli/capture.js';
import { createQueue, replicasOf } from './scaler.js';

const run = (args: string[]) => runCli(runCommand, args);

describe.runIf(controlPlaneEnabled)('cli run', () => {
  let azurite: Azurite;
  let dir: string;
  beforeAll(async () => {
    azurite = await startAzurite();
    dir = await mkdtemp(join(tmpdir(), 'aqs-run-'));
  });
  afterAll(() => azurite?.stop());

  test('--once evaluates the targets of local.settings.json against a kubeconfig context', async () => {
    const controlPlane = sharedControlPlane();
    const admin = adminKubeConfig(controlPlane);
    const w = await createWorkloads(admin, { replicas: 0 });
    await grantScaleRole(admin, w.namespace);
    const queue = await createQueue(azurite, 7);
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, kubeConfigWithToken(controlPlane, kubeToken(controlPlane, AUTOSCALER_USER)).exportConfig());
    const settings = join(dir, 'local.settings.json');
    await writeFile(settings, JSON.stringify({
      IsEncrypted: false,
      Values: {
        // UseDevelopmentStorage=true (Azurite on its standard ports) is run's as a process: cli-run-process.test.ts.
        AzureWebJobsStorage: azurite.connectionString,
        QUEUES: azurite.connectionString,
        SCALER_LOCAL_DEVELOPMENT: 'true',
        SCALER_CLUSTERS: JSON.stringify({ local: { context: 'local', kubeconfig } }),
        SCALER_TARGETS: JSON.stringify([{ namespace: w.namespace, scaleTargetRef: { name: w.deployment }, triggers: [{ type: 'azure-queue', metadata: { queueName: queue.name, connectionFromEnv: 'QUEUES' } }] }]),
      },
    }));

    const { code, out } = await run(['--once', '--settings', settings]);

    expect(out).toContain(`local/${w.namespace}/${w.deployment}  replicas 0 -> 2  queue 7  activate (ScaleTargetActivated): activated at 1, then `);
    expect(out).toContain('evaluated 1 target(s), 1 scaled, 0 failed, 0 not due');
    expect(code).toBe(0);
    expect(await replicasOf(admin, w.namespace, w.deployment)).toBe(2);
  });

  test('without --once: wakes a target from a wake-queue message at once, then scales it by timer; Ctrl-C stops', async () => {
    const controlPlane = sharedControlPlane();
    const admin = adminKubeConfig(controlPlane);
    const w = await createWorkloads(admin, { replicas: 0 });
    await grantScaleRole(admin, w.namespace);
    const work = await createQueue(azurite);
    const wake = await createQueue(azurite);
    const kubeconfig = join(dir, 'kubeconfig-wake');
    await writeFile(kubeconfig, kubeConfigWithToken(controlPlane, kubeToken(controlPlane, AUTOSCALER_USER)).exportConfig());
    const settings = join(dir, 'wake.settings.json');
    await writeFile(settings, JSON.stringify({
      Values: {
        // The wake queue lives in the app's own storage (AzureWebJobsStorage), here the test's Azurite.
        AzureWebJobsStorage: azurite.connectionString,
        QUEUES: azurite.connectionString,
        SCALER_LOCAL_DEVELOPMENT: 'true',
        SCALER_SCHEDULE: '*/5 * * * * *', // the fastest schedule allowed
        SCALER_CLUSTERS: JSON.stringify({ local: { context: 'local', kubeconfig } }),
        SCALER_TARGETS: JSON.stringify([{
          namespace: w.namespace,
          scaleTargetRef: { name: w.deployment },
          pollingInterval: 300,
          wake: { queueName: wake.name },
          triggers: [{ type: 'azure-queue', metadata: { queueName: work.name, connectionFromEnv: 'QUEUES' } }],
        }]),
      },
    }));
    const out: string[] = [];
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
    const running = runCommand.run(['--settings', settings]);
    const until = async (what: () => Promise<boolean>): Promise<void> => {
      for (let i = 0; i < 300 && !(await what()); i++) await new Promise((r) => setTimeout(r, 100));
    };
    try {
      // The first tick sees an empty work queue and leaves the target at 0 for pollingInterval (300 s).
      await until(async () => out.join('').includes('replicas 0  queue 0'));
      await wake.sendMessage('wake up');
      await until(async () => (await replicasOf(admin, w.namespace, w.deployment)) > 0);
      expect(await replicasOf(admin, w.namespace, w.deployment)).toBe(1);
      expect(out.join('')).toContain(`woken by ${wake.name}: local/${w.namespace}/${w.deployment} -> 1`);
      // Awake, the target is evaluated on every tick: work arriving scales it by timer.
      await Promise.all(Array.from({ length: 20 }, () => work.sendMessage('job')));
      await until(async () => (await replicasOf(admin, w.namespace, w.deployment)) > 1);
      expect(await replicasOf(admin, w.namespace, w.deployment)).toBe(4); // 20 / 5, within the no-behavior cap of max(2 x 1, 4)
    } finally {
      process.emit('SIGINT');
    }
    const code = await running;
    stdout.mockRestore();
    expect(code).toBe(0);
    expect(out.join('')).toContain('stopped');
  }, 90_000);

  test('a settings file that does not exist is a clear error', async () => {
    const { code, err } = await run(['--once', '--settings', join(dir, 'missing.json')]);
    expect(code).toBe(1);
    expect(err).toMatch(/^run: .*missing\.json: cannot read/);
  });

  test('a kubeconfig context is refused without SCALER_LOCAL_DEVELOPMENT, and nothing runs', async () => {
    const settings = join(dir, 'prod.settings.json');
    await writeFile(settings, JSON.stringify({ Values: { AzureWebJobsStorage: azurite.connectionString, SCALER_CLUSTERS: '{"local": {"context": "local"}}', SCALER_TARGETS: '[]' } }));
    const { code, out, err } = await run(['--once', '--settings', settings]);
    expect(out).toContain('cluster local: context: is for local development only (set SCALER_LOCAL_DEVELOPMENT=true to use it)');
    expect(err).toContain('run: no valid targets in SCALER_TARGETS');
    expect(code).toBe(1);
  });
});
