// `aks-queue-scaler plan`: a dry run against the real queues, cluster and state; changes nothing.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { explainCommand } from '../../cli/commands/explain.js';
import { planCommand } from '../../cli/commands/plan.js';
import { TableClient } from '@azure/data-tables';
import { runCli } from '../cli/capture.js';
import { startAzurite, type Azurite } from '../../local/azurite.js';
import { AUTOSCALER_USER, kubeToken } from '../../local/control-plane.js';
import { adminKubeConfig, kubeConfigWithToken } from '../../local/kube-clients.js';
import { createWorkloads, grantScaleRole } from '../../local/kube-workloads.js';
import { controlPlaneEnabled, sharedControlPlane } from '../support/vitest/provided.js';
import { createQueue } from './scaler.js';

describe.runIf(controlPlaneEnabled)('cli plan', () => {
  let azurite: Azurite;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(() => azurite?.stop());

  test('prints what each target would do and why, and writes nothing', async () => {
    const controlPlane = sharedControlPlane();
    const admin = adminKubeConfig(controlPlane);
    const w = await createWorkloads(admin, { replicas: 0 });
    await grantScaleRole(admin, w.namespace);
    const queue = await createQueue(azurite, 12);
    const dir = await mkdtemp(join(tmpdir(), 'aqs-plan-'));
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, kubeConfigWithToken(controlPlane, kubeToken(controlPlane, AUTOSCALER_USER)).exportConfig());
    const settings = join(dir, 'local.settings.json');
    await writeFile(settings, JSON.stringify({
      Values: {
        AzureWebJobsStorage: azurite.connectionString,
        SCALER_STATE_TABLE: 'planstate',
        SCALER_LOCAL_DEVELOPMENT: 'true',
        SCALER_CLUSTERS: JSON.stringify({ local: { context: 'local', kubeconfig } }),
        SCALER_TARGETS: JSON.stringify([
          { namespace: w.namespace, scaleTargetRef: { name: w.deployment }, triggers: [{ type: 'azure-queue', metadata: { queueName: queue.name, connectionFromEnv: 'AzureWebJobsStorage' } }] },
          { namespace: w.namespace, scaleTargetRef: { name: 'missing' }, triggers: [{ type: 'azure-queue', metadata: { queueName: queue.name, connectionFromEnv: 'AzureWebJobsStorage' } }] },
        ]),
      },
    }));
    const apps = admin.makeApiClient(AppsV1Api);
    const before = (await apps.readNamespacedDeployment({ name: w.deployment, namespace: w.namespace })).metadata?.resourceVersion;

    const { code, out } = await runCli(planCommand, ['--settings', settings]);

    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^TARGET\s+NOW\s+WOULD BE\s+ACTION\s+WHY$/);
    // The reason code and its text: why, with each trigger's reading.
    expect(lines[1]).toMatch(new RegExp(`^local/${w.namespace}/worker\\s+0\\s+3\\s+activate\\s+ScaleTargetActivated: activated at 1, then HPA wants 3: .*trigger 0: value 12 `));
    expect(lines[2]).toMatch(new RegExp(`^local/${w.namespace}/missing\\s+-\\s+-\\s+error\\s+read deployment ${w.namespace}/missing in cluster local: (not found|forbidden)`));
    expect(code).toBe(1); // one target could not be read
    // Nothing changed: not the Deployment, not the state, not the queue.
    expect((await apps.readNamespacedDeployment({ name: w.deployment, namespace: w.namespace })).metadata?.resourceVersion).toBe(before);
    expect(await TableClient.fromConnectionString(azurite.connectionString, 'planstate', { allowInsecureConnection: true }).getAccessPolicy().then(() => 'exists', (e: { statusCode?: number }) => e.statusCode)).toBe(404);
    expect((await queue.getProperties()).approximateMessagesCount).toBe(12);

    // --json: one line per target; each decision's line, fed as it is to `explain -`, decides the same.
    const json = await runCli(planCommand, ['--settings', settings, '--json']);
    const planned = json.out.trimEnd().split('\n');
    expect(planned.map((l) => { const p = JSON.parse(l) as { type: string; target: string }; return [p.type, p.target]; })).toEqual([
      ['PlannedDecision', `local/${w.namespace}/worker`],
      ['PlanFailure', `local/${w.namespace}/missing`],
    ]);
    expect(json.code).toBe(1);
    const decided = JSON.parse(planned[0]!) as Record<string, unknown>;
    expect(decided).toMatchObject({ current: 0, triggerValues: [12], replicas: 3, action: 'activate', code: 'ScaleTargetActivated', explain: { observation: { specReplicas: 0, triggers: [{ value: 12 }] } } });
    const replayed = await runCli(explainCommand, ['-'], planned[0]!);
    expect(replayed.code).toBe(0);
    const again = JSON.parse(replayed.out) as Record<string, unknown>;
    const { replicas, desiredReplicas, action, code: reasonCode, reason, active } = again;
    expect({ replicas, desiredReplicas, action, code: reasonCode, reason, active }).toEqual({
      replicas: decided.replicas, desiredReplicas: decided.desiredReplicas, action: decided.action, code: decided.code, reason: decided.reason, active: decided.active,
    });
    // A target that could not be read has no decision: explain says so, and why.
    const none = await runCli(explainCommand, ['-'], planned[1]!);
    expect(none.err).toMatch(new RegExp(`^explain: explain input: holds no decision to replay for local/${w.namespace}/missing: read deployment ${w.namespace}/missing in cluster local: `));
    expect(none.code).toBe(1);

    // --targets reads SCALER_TARGETS from a file over the settings' (the same option as validate's and status's).
    const only = join(dir, 'targets.yaml');
    await writeFile(only, `- namespace: ${w.namespace}\n  scaleTargetRef: { name: ${w.deployment} }\n  triggers: [ { type: azure-queue, metadata: { queueName: ${queue.name}, connectionFromEnv: AzureWebJobsStorage } } ]\n`);
    const one = await runCli(planCommand, ['--settings', settings, '--targets', only, '--json']);
    expect(one.out.trimEnd().split('\n').map((l) => (JSON.parse(l) as { type: string }).type)).toEqual(['PlannedDecision']);
    expect(one.code).toBe(0);
    // Still nothing written.
    expect(await TableClient.fromConnectionString(azurite.connectionString, 'planstate', { allowInsecureConnection: true }).getAccessPolicy().then(() => 'exists', (e: { statusCode?: number }) => e.statusCode)).toBe(404);
  });
});
