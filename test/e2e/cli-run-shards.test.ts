// `aks-queue-scaler run` with SCALER_SHARD_SIZE, as a process of its own on Azurite and
// kube-apiserver: a tick with more due targets fans out to the shard queue, and run's shard
// workers take the shards one at a time, as the shard workers' app does in Azure; `--once`
// evaluates in the one process.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAzurite, type Azurite } from '../../local/azurite.js';
import { AUTOSCALER_USER, kubeToken } from '../../local/control-plane.js';
import { adminKubeConfig, kubeConfigWithToken } from '../../local/kube-clients.js';
import { createWorkloads, grantScaleRole } from '../../local/kube-workloads.js';
import { runCliProcess, startCli } from '../support/cli-process.js';
import { controlPlaneEnabled, sharedControlPlane } from '../support/vitest/provided.js';
import { createQueue, replicasOf } from './scaler.js';

const TARGETS = 60;

describe.runIf(controlPlaneEnabled)('run: fan-out', () => {
  let azurite: Azurite;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(() => azurite?.stop());

  test(`${TARGETS} targets in shards of 50: the tick sends 2 shards, 2 shard workers evaluate each target once; --once evaluates here`, async () => {
    const controlPlane = sharedControlPlane();
    const admin = adminKubeConfig(controlPlane);
    const w = await createWorkloads(admin, { replicas: 0 });
    await grantScaleRole(admin, w.namespace);
    const apps = admin.makeApiClient(AppsV1Api);
    const names = Array.from({ length: TARGETS }, (_, i) => `w${i}`);
    const limit = pLimit(16);
    await Promise.all(names.map((name) => limit(() => apps.createNamespacedDeployment({
      namespace: w.namespace,
      body: { metadata: { name }, spec: { replicas: 0, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'worker', image: 'registry.k8s.io/pause:3.10' }] } } } },
    }))));
    const queue = await createQueue(azurite, 7);
    const cwd = await mkdtemp(join(tmpdir(), 'aqs-run-shards-'));
    const kubeconfig = join(cwd, 'kubeconfig');
    await writeFile(kubeconfig, kubeConfigWithToken(controlPlane, kubeToken(controlPlane, AUTOSCALER_USER)).exportConfig());
    await writeFile(join(cwd, 'local.settings.json'), JSON.stringify({
      Values: {
        AzureWebJobsStorage: azurite.connectionString,
        QUEUES: azurite.connectionString,
        SCALER_LOCAL_DEVELOPMENT: 'true',
        SCALER_SCHEDULE: '0 0 * * * *',
        SCALER_STATE_TABLE: `shards${Date.now()}`,
        SCALER_SHARD_SIZE: '50',
        SCALER_CLUSTERS: JSON.stringify({ local: { context: 'local', kubeconfig } }),
        SCALER_TARGETS: JSON.stringify(names.map((name) => ({ namespace: w.namespace, scaleTargetRef: { name }, triggers: [{ type: 'azure-queue', metadata: { queueName: queue.name, connectionFromEnv: 'QUEUES' } }] }))),
      },
    }));

    const cli = startCli(['run', '--shard-workers', '2'], { cwd });
    try {
      await cli.waitFor(/^ticks with more than 50 due targets fan out to queue scaler-shards: 2 shard worker\(s\) polling it$/);
      await cli.waitFor(new RegExp(`^sent ${TARGETS} due target\\(s\\) to 2 shard\\(s\\) in 2 message\\(s\\), 0 not due$`));
      const shardLine = /^shard (\d)\/2 of tick \S+: evaluated (\d+) target\(s\), (\d+) scaled, 0 failed$/;
      while (cli.out.filter((l) => shardLine.test(l)).length < 2) await new Promise((r) => setTimeout(r, 200));
      const shards = cli.out.filter((l) => shardLine.test(l)).map((l) => shardLine.exec(l)!);
      expect(shards.map((m) => Number(m[1])).sort()).toEqual([1, 2]);
      expect(shards.reduce((n, m) => n + Number(m[2]), 0)).toBe(TARGETS);
      expect(shards.reduce((n, m) => n + Number(m[3]), 0)).toBe(TARGETS);
    } finally {
      expect(await cli.interrupt(), [...cli.out, ...cli.err].slice(-20).join('\n')).toBe(0);
    }
    // One decision line per target: none evaluated twice.
    const decided = cli.out.filter((l) => l.includes(`local/${w.namespace}/w`) && l.includes('replicas 0 -> 2'));
    expect(decided).toHaveLength(TARGETS);
    expect(new Set(decided.map((l) => l.split(/\s+/)[1]))).toHaveProperty('size', TARGETS);
    for (const name of names) expect(await replicasOf(admin, w.namespace, name)).toBe(2);
    expect(cli.err).toEqual([]);

    // --once: one evaluation in this process, never fanned out (nothing would be left to take the shards).
    const once = await runCliProcess(['run', '--once'], { cwd });
    expect(once.out.at(-1)).toBe(`evaluated ${TARGETS} target(s), 0 scaled, 0 failed, 0 not due`);
    expect(once.code).toBe(0);
  }, 180_000);
});
