// `aks-queue-scaler run` the way a user runs it: a process of its own (test/support/cli-process.ts)
// in a working folder of its own. A fresh clone (no local.settings.json) gets the built-in sample;
// UseDevelopmentStorage=true is Azurite on its standard ports, the user's when it runs, else one
// that keeps its data in .azurite/; what is missing is said once per target with how to create
// it; --once fails when a target could not be evaluated; --json lines replay with explain; and
// a changed local.settings.json is reloaded, its changed targets evaluated at once.
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueServiceClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, test, type TestContext } from 'vitest';
import { explainCommand } from '../../cli/commands/explain.js';
import { startAzurite, type Azurite } from '../../local/azurite.js';
import { AUTOSCALER_USER, kubeToken } from '../../local/control-plane.js';
import { DEVELOPMENT_STORAGE_PORTS, probePort, useDevelopmentStorage } from '../../local/development-storage.js';
import { adminKubeConfig, kubeConfigWithToken } from '../../local/kube-clients.js';
import { createWorkloads, grantScaleRole, type Workloads } from '../../local/kube-workloads.js';
import { runCli } from '../cli/capture.js';
import { runCliProcess, startCli } from '../support/cli-process.js';
import { controlPlaneEnabled, sharedControlPlane } from '../support/vitest/provided.js';
import { createQueue, replicasOf } from './scaler.js';

/** Whether Azurite's standard ports are free for these tests to own, and if not, why. */
async function standardPorts(): Promise<string | undefined> {
  for (const service of ['blob', 'queue', 'table'] as const) {
    const port = DEVELOPMENT_STORAGE_PORTS[service];
    const answer = await probePort(port);
    if (answer.kind !== 'free') return `127.0.0.1:${port} is taken (${answer.kind === 'azurite' ? `an Azurite runs there: ${answer.server}` : answer.server}); stop it to run this test`;
  }
  return undefined;
}

/** Skips the test, saying why, when the standard ports are not free. */
async function needStandardPorts(ctx: TestContext): Promise<void> {
  const taken = await standardPorts();
  if (taken) ctx.skip(taken);
}

const devQueue = (name: string) => QueueServiceClient.fromConnectionString('UseDevelopmentStorage=true').getQueueClient(name);
const suffix = (): string => Math.random().toString(16).slice(2, 8);

describe.runIf(controlPlaneEnabled)('run, as a user runs it', () => {
  let w: Workloads;
  let kubeconfig: string;
  beforeAll(async () => {
    const controlPlane = sharedControlPlane();
    const admin = adminKubeConfig(controlPlane);
    w = await createWorkloads(admin, { replicas: 0 });
    await grantScaleRole(admin, w.namespace);
    kubeconfig = join(await mkdtemp(join(tmpdir(), 'aqs-kubeconfig-')), 'kubeconfig');
    await writeFile(kubeconfig, kubeConfigWithToken(controlPlane, kubeToken(controlPlane, AUTOSCALER_USER)).exportConfig());
  });

  /** local.settings.json in `dir`: a target per entry, in the local cluster (a kubeconfig context). */
  async function writeSettings(dir: string, values: Record<string, string>, targets: unknown[]): Promise<string> {
    const file = join(dir, 'local.settings.json');
    await writeFile(file, JSON.stringify({
      IsEncrypted: false,
      Values: {
        SCALER_LOCAL_DEVELOPMENT: 'true',
        SCALER_CLUSTERS: JSON.stringify({ local: { context: 'local', kubeconfig } }),
        SCALER_TARGETS: JSON.stringify(targets),
        ...values,
      },
    }, null, 2));
    return file;
  }
  const target = (name: string, queueName: string, connection: string, extra: Record<string, unknown> = {}) => ({
    namespace: w.namespace,
    scaleTargetRef: { name, ...(name === w.statefulSet ? { kind: 'StatefulSet' } : {}) },
    triggers: [{ type: 'azure-queue', metadata: { queueName, connectionFromEnv: connection, queueLength: '5' } }],
    ...extra,
  });

  test('a fresh clone: with no local.settings.json, run starts the built-in sample and scales its Deployment 0 -> N -> 0', async (ctx) => {
    await needStandardPorts(ctx);
    const cwd = await mkdtemp(join(tmpdir(), 'aqs-fresh-clone-'));
    const started = Date.now();
    const cli = startCli(['run'], { cwd });
    let code: number | null;
    try {
      await cli.waitFor(/^run: no local\.settings\.json in .*, so this runs the built-in sample: /);
      await cli.waitFor(/^\[1\/4\] kube-apiserver and etcd: \//);
      await cli.waitFor(/^\[2\/4\] started etcd and kube-apiserver at https:\/\/127\.0\.0\.1:\d+ in [\d.]+ s/);
      await cli.waitFor(new RegExp(`^\\[3/4\\] UseDevelopmentStorage=true \\(AzureWebJobsStorage\\): no Azurite answered on 127\\.0\\.0\\.1:10001 \\(queue\\) and 10002 \\(table\\), so one was started for this run, keeping its data in ${cwd}/\\.azurite`));
      await cli.waitFor(/^\[4\/4\] created Deployment sample-[0-9a-f]+\/worker at 0 replicas .*queue "sample-orders" with 30 messages$/);
      await cli.waitFor(/^ {6}watch it: kubectl --kubeconfig \S+ -n sample-[0-9a-f]+ get deployment worker -w$/);
      const first = await cli.waitFor(/ sample\/sample-[0-9a-f]+\/worker {2}replicas 0 -> \d+ {2}queue 30 {2}activate \(ScaleTargetActivated\): activated at 1, then /, 90_000);
      ctx.annotate(`first decision ${((Date.now() - started) / 1000).toFixed(1)} s after start: ${first}`);
      // The simulated consumers drain the queue; after the 30 s cooldown it is back at 0.
      await cli.waitFor(/ sample\/sample-[0-9a-f]+\/worker {2}replicas \d+ -> 0 {2}queue 0 {2}deactivate \(ScaleTargetDeactivated\): /, 150_000);
    } finally {
      code = await cli.interrupt();
    }
    expect(code).toBe(0);
    expect(cli.out.at(-1)).toBe('stopped');
    expect(cli.err).toEqual([]);
    // Everything it started is stopped (the harness also checks no service process outlived the run).
    expect(await probePort(DEVELOPMENT_STORAGE_PORTS.queue)).toEqual({ kind: 'free' });
    expect(existsSync(join(cwd, '.azurite'))).toBe(true);
  }, 240_000);

  test('UseDevelopmentStorage=true uses the Azurite already running on the standard ports: run sees the user\'s queue, as plan does', async (ctx) => {
    await needStandardPorts(ctx);
    const users = await useDevelopmentStorage({ location: await mkdtemp(join(tmpdir(), 'aqs-users-azurite-')) });
    try {
      const queue = devQueue(`orders-${suffix()}`);
      await queue.create();
      for (let i = 0; i < 7; i++) await queue.sendMessage(`order ${i}`);
      const cwd = await mkdtemp(join(tmpdir(), 'aqs-run-'));
      await writeSettings(cwd, { AzureWebJobsStorage: 'UseDevelopmentStorage=true', SCALER_STATE_TABLE: `state${suffix()}` }, [target(w.deployment, queue.name, 'AzureWebJobsStorage')]);

      const { code, out, err } = await runCliProcess(['run', '--once'], { cwd });

      expect(err).toEqual([]);
      expect(out[0]).toBe('UseDevelopmentStorage=true (AzureWebJobsStorage): using the Azurite already running on 127.0.0.1:10001 (queue) and 10002 (table)');
      expect(out[1]).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d local/${w.namespace}/worker {2}replicas 0 -> 2 {2}queue 7 {2}activate \\(ScaleTargetActivated\\): activated at 1, then `));
      expect(out[2]).toBe('evaluated 1 target(s), 1 scaled, 0 failed, 0 not due');
      expect(code).toBe(0);
      expect(existsSync(join(cwd, '.azurite'))).toBe(false);
      const plan = await runCliProcess(['plan'], { cwd });
      expect(plan.out[1]).toMatch(new RegExp(`^local/${w.namespace}/worker\\s+2\\s+2\\s+none\\s`));
    } finally {
      await users.stop();
    }
    expect(await probePort(DEVELOPMENT_STORAGE_PORTS.queue)).toEqual({ kind: 'free' });
  }, 90_000);

  test('with no Azurite running, run starts one that keeps its data in .azurite: a second run --once sees the state the first left, and --json lines replay with explain', async (ctx) => {
    await needStandardPorts(ctx);
    const admin = adminKubeConfig(sharedControlPlane());
    const own = await createWorkloads(admin, { replicas: 0 });
    await grantScaleRole(admin, own.namespace);
    const cwd = await mkdtemp(join(tmpdir(), 'aqs-run-'));
    const location = join(cwd, '.azurite');
    // The user's queue, left in .azurite by an earlier session.
    const seed = await useDevelopmentStorage({ location });
    const queue = devQueue(`orders-${suffix()}`);
    await queue.create();
    for (let i = 0; i < 7; i++) await queue.sendMessage(`order ${i}`);
    await seed.stop();
    await writeSettings(cwd, { AzureWebJobsStorage: 'UseDevelopmentStorage=true' }, [{ ...target(own.deployment, queue.name, 'AzureWebJobsStorage'), namespace: own.namespace }]);

    const first = await runCliProcess(['run', '--once', '--json'], { cwd });
    const second = await runCliProcess(['run', '--once', '--json'], { cwd });

    for (const run of [first, second]) {
      expect(run.err[0]).toBe(`UseDevelopmentStorage=true (AzureWebJobsStorage): no Azurite answered on 127.0.0.1:10001 (queue) and 10002 (table), so one was started for this run, keeping its data in ${location} (stopped with the run)`);
      expect(run.out).toHaveLength(1);
      expect(run.code).toBe(0);
    }
    type Line = { type: string; currentReplicas: number; finalReplicas: number; code: string; triggerValues: number[]; explain: { now: string; state?: { lastActiveTime?: string } } };
    const one = JSON.parse(first.out[0]!) as Line;
    const two = JSON.parse(second.out[0]!) as Line;
    expect(one).toMatchObject({ type: 'ScaleDecision', currentReplicas: 0, finalReplicas: 2, code: 'ScaleTargetActivated', triggerValues: [7] });
    // The queue and the state row survived both restarts of Azurite: the second run decides on the first's lastActiveTime.
    expect(two).toMatchObject({ type: 'ScaleDecision', currentReplicas: 2, finalReplicas: 2, triggerValues: [7] });
    expect(two.explain.state?.lastActiveTime).toBe(one.explain.now);
    expect(await replicasOf(admin, own.namespace, own.deployment)).toBe(2);
    // A --json line is what explain replays, as it is.
    for (const [line, decision] of [[first.out[0]!, one], [second.out[0]!, two]] as const) {
      const replayed = await runCli(explainCommand, ['-'], line);
      expect(replayed.code).toBe(0);
      expect(JSON.parse(replayed.out)).toMatchObject({ replicas: decision.finalReplicas, code: decision.code });
    }
    expect(await probePort(DEVELOPMENT_STORAGE_PORTS.queue)).toEqual({ kind: 'free' });
  }, 90_000);

  describe('against the test\'s own Azurite', () => {
    let azurite: Azurite;
    beforeAll(async () => {
      azurite = await startAzurite();
    });
    afterAll(() => azurite?.stop());

    test('a missing kube context, Deployment or queue is said once per target with how to create it; --once exits 1 on it, and on a target left out', async () => {
      // A workload of its own: the earlier tests scaled the shared one, and a target above 0 is due every tick.
      const admin = adminKubeConfig(sharedControlPlane());
      const w = await createWorkloads(admin, { replicas: 0 });
      await grantScaleRole(admin, w.namespace);
      const cwd = await mkdtemp(join(tmpdir(), 'aqs-run-'));
      const work = await createQueue(azurite, 3);
      const nosuch = `nosuch-${suffix()}`;
      const mine = (name: string, queueName: string, extra: Record<string, unknown> = {}) => ({ ...target(name, queueName, 'QUEUES', extra), namespace: w.namespace });
      const file = await writeSettings(cwd, {
        AzureWebJobsStorage: azurite.connectionString,
        QUEUES: azurite.connectionString,
        SCALER_SCHEDULE: '*/5 * * * * *',
        SCALER_CLUSTERS: JSON.stringify({ local: { context: 'local', kubeconfig }, nowhere: { context: 'kind-nowhere', kubeconfig } }),
      }, [
        mine('missing', work.name, { cluster: 'local' }),
        mine(w.deployment, nosuch, { cluster: 'local' }),
        { ...target('worker', work.name, 'QUEUES'), namespace: 'elsewhere', cluster: 'nowhere' },
        mine(w.statefulSet, work.name, { cluster: 'local', pollingInterval: 'often' }),
      ]);
      const missingDeployment = `local/${w.namespace}/missing  error: read deployment ${w.namespace}/missing in cluster local: not found; `
        + `create it: kubectl --context local create namespace ${w.namespace} (if it is missing too), then kubectl --context local -n ${w.namespace} create deployment missing --image=<your worker's image> --replicas=0 (said once, until it is fixed)`;
      const missingQueue = `local/${w.namespace}/worker  trigger 0 cannot be read: queue "${nosuch}" does not exist (404 QueueNotFound); `
        + `create it: az storage queue create --name ${nosuch} --connection-string "<the connection string of app setting QUEUES>" (said once, until it is fixed)`;
      const missingContext = `nowhere/elsewhere/worker  error: cluster nowhere: the kubeconfig (${kubeconfig}) has no context "kind-nowhere" (its contexts: local); `
        + '`kind create cluster --name nowhere` makes it, or name an existing one (`kubectl config get-contexts`) in SCALER_CLUSTERS (said once, until it is fixed)';
      // The target at 0 with the missing queue is evaluated once per pollingInterval (30 s): at the start.
      const summary = 'evaluated 3 target(s), 0 scaled, 3 failed, 0 not due; 1 configuration error(s) above, 1 target(s) left out';
      const later = 'evaluated 2 target(s), 0 scaled, 2 failed, 1 not due; 1 configuration error(s) above, 1 target(s) left out';

      const cli = startCli(['run', '--settings', file], { cwd });
      try {
        // Three ticks: the one at start and two on the schedule.
        const deadline = Date.now() + 30_000;
        while (cli.out.filter((l) => l.startsWith('evaluated ')).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      } finally {
        expect(await cli.interrupt()).toBe(0);
      }
      expect(cli.out.filter((l) => l.startsWith('evaluated '))).toEqual([summary, later, later]);
      const said = (line: string): number => cli.out.filter((l) => l.slice(9) === line).length;
      expect({ deployment: said(missingDeployment), queue: said(missingQueue), context: said(missingContext) }).toEqual({ deployment: 1, queue: 1, context: 1 });
      expect(cli.out.filter((l) => l.includes(`target ${w.namespace}/${w.statefulSet}: pollingInterval:`))).toHaveLength(1);
      expect(cli.out.join('\n')).not.toContain('No active cluster');
      // The decision of the target that holds on its queue says why, without the how-to said above.
      expect(cli.out.filter((l) => l.includes(`local/${w.namespace}/worker  replicas`)).map((l) => l.slice(9))).toEqual([
        `local/${w.namespace}/worker  replicas 0  queue error  none (TriggerError): a trigger failed and no other is active: holding; trigger 0: error (1 in a row): queue "${nosuch}" does not exist (404 QueueNotFound)`,
      ]);

      // A new process polls every target on its first tick, the one at 0 too (docs/engine.md, "Polls").
      const once = await runCliProcess(['run', '--once', '--settings', file], { cwd });
      expect(once.out.at(-1)).toBe(summary);
      expect(once.code).toBe(1);

      // Only the configuration error left (and a new state table, so that the target is due): still exit code 1.
      await writeSettings(cwd, { AzureWebJobsStorage: azurite.connectionString, QUEUES: azurite.connectionString, SCALER_STATE_TABLE: `fresh${suffix()}` }, [
        mine(w.deployment, work.name, { minReplicaCount: 1 }),
        mine(w.statefulSet, work.name, { pollingInterval: 'often' }),
      ]);
      const leftOut = await runCliProcess(['run', '--once', '--settings', file], { cwd });
      expect(leftOut.out.at(-1)).toBe('evaluated 1 target(s), 1 scaled, 0 failed, 0 not due; 1 configuration error(s) above, 1 target(s) left out');
      expect(leftOut.code).toBe(1);
    }, 90_000);

    test('a changed local.settings.json is reloaded, and the targets that changed are evaluated at once', async () => {
      const admin = adminKubeConfig(sharedControlPlane());
      const own = await createWorkloads(admin, { replicas: 0 });
      await grantScaleRole(admin, own.namespace);
      const queue = await createQueue(azurite, 12);
      const cwd = await mkdtemp(join(tmpdir(), 'aqs-run-'));
      const mine = (name: string, queueLength: string, extra: Record<string, unknown> = {}) => ({
        ...target(name, queue.name, 'QUEUES', extra), namespace: own.namespace,
        triggers: [{ type: 'azure-queue', metadata: { queueName: queue.name, connectionFromEnv: 'QUEUES', queueLength } }],
      });
      // A schedule that does not fire during the test (00:00:00 on 1 January): whatever is evaluated after the start is the reload's.
      const values = { AzureWebJobsStorage: azurite.connectionString, QUEUES: azurite.connectionString, SCALER_SCHEDULE: '0 0 0 1 1 *' };
      await writeSettings(cwd, values, [mine(own.deployment, '5')]);

      const cli = startCli(['run'], { cwd });
      try {
        await cli.waitFor(new RegExp(`local/${own.namespace}/worker {2}replicas 0 -> 3 {2}queue 12 {2}activate`));
        await cli.waitFor(/^run: watching local\.settings\.json for changes$/);
        // Not JSON: said, and the settings read before keep running.
        await writeFile(join(cwd, 'local.settings.json'), '{ "Values": ');
        await cli.waitFor(/^run: \S*local\.settings\.json changed, but the settings cannot be read \(.*not valid JSON.*\); still running the settings read before$/, 10_000);
        const changedAt = Date.now();
        await writeSettings(cwd, values, [mine(own.deployment, '2'), mine(own.statefulSet, '4', { scaleTargetRef: { name: own.statefulSet, kind: 'StatefulSet' } })]);
        await cli.waitFor(/^run: \S*local\.settings\.json changed: reloading the settings$/, 10_000);
        await cli.waitFor(new RegExp(`^run: 2 target\\(s\\) new or changed \\(local/${own.namespace}/worker, local/${own.namespace}/worker-set\\), evaluated now$`));
        await cli.waitFor(new RegExp(`local/${own.namespace}/worker {2}replicas 3 -> 6 {2}queue 12 {2}scale-up \\(`));
        await cli.waitFor(new RegExp(`local/${own.namespace}/worker-set {2}replicas 0 -> 3 {2}queue 12 {2}activate \\(`));
        const seconds = (Date.now() - changedAt) / 1000;
        expect(seconds).toBeLessThan(10);
      } finally {
        expect(await cli.interrupt()).toBe(0);
      }
      expect(await replicasOf(admin, own.namespace, own.deployment)).toBe(6);
      expect(await replicasOf(admin, own.namespace, own.statefulSet, 'StatefulSet')).toBe(3);
      expect(cli.err).toEqual([]);
    }, 90_000);
  });
});
