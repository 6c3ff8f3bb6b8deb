// `run`'s terminal (cli/decision-lines.ts, cli/run/hints.ts): a line per decision with its reason;
// each problem of a target said once, with how to fix it, until the target is fine again.
import { describe, expect, test } from 'vitest';
import { createDecisionLines } from '../../cli/decision-lines.js';
import { createWorkloadCommand, workloadHint } from '../../cli/run/hints.js';
import { loadConfig } from '../../shared/config/index.js';
import { KubeError } from '../../shared/errors/index.js';
import { createRuntime } from '../../shared/runtime/index.js';
import { createQueueCommand } from '../../shared/sources/azure-queue/reader.js';
import { azureQueueMetadataSchema } from '../../shared/sources/azure-queue/metadata.js';
import type { ScaleDecisionEvent } from '../../shared/telemetry/index.js';

const NOW = '2026-11-27T10:00:05.000Z';
const missingQueue = 'queue "orders" does not exist (404 QueueNotFound); create it: az storage queue create --name orders --connection-string "UseDevelopmentStorage=true"';

function decision(over: Partial<ScaleDecisionEvent> = {}): ScaleDecisionEvent {
  return {
    target: 'local/shop/worker', cluster: 'local', namespace: 'shop', kind: 'Deployment', name: 'worker',
    triggerValues: [12], triggerErrors: [null], triggerMetrics: ['scaler.queue_length'],
    currentReplicas: 0, desiredReplicas: 3, finalReplicas: 3, action: 'activate', code: 'ScaleTargetActivated', reason: 'activated: trigger 0: value 12 -> 3',
    applied: true, durationMs: 5, explain: { now: NOW, spec: {}, observation: { specReplicas: 0, triggers: [] } } as unknown as ScaleDecisionEvent['explain'],
    ...over,
  };
}
const holding = (): ScaleDecisionEvent => decision({
  triggerValues: [null], triggerErrors: [missingQueue], finalReplicas: 0, desiredReplicas: 0, action: 'none', code: 'TriggerError', applied: false,
  reason: `a trigger failed and no other is active: holding; trigger 0: error (1 in a row): ${missingQueue}`,
});

function terminal(options: Parameters<typeof createDecisionLines>[1] = {}) {
  const lines: string[] = [];
  return { lines, telemetry: createDecisionLines((l) => void lines.push(l.replace(/\n$/, '')), options) };
}

describe('decision lines', () => {
  test('a decision: time, target, replicas, the queue, action, code and reason', () => {
    const { lines, telemetry } = terminal();
    telemetry.decision(decision());
    expect(lines).toEqual(['10:00:05 local/shop/worker  replicas 0 -> 3  queue 12  activate (ScaleTargetActivated): activated: trigger 0: value 12 -> 3']);
  });

  test('with scalingModifiers the line shows the composite value after the queues', () => {
    const { lines, telemetry } = terminal();
    telemetry.decision(decision({ triggerValues: [30, 10], triggerErrors: [null, null], triggerMetrics: ['scaler.queue_length', 'scaler.queue_length'], composite: 20, finalReplicas: 5, reason: 'activated' }));
    telemetry.decision(decision({ composite: null, finalReplicas: 0, action: 'none', code: 'TriggerError', reason: 'holding' }));
    expect(lines).toEqual([
      '10:00:05 local/shop/worker  replicas 0 -> 5  queue 30,10  composite 20  activate (ScaleTargetActivated): activated',
      '10:00:05 local/shop/worker  replicas 0  queue 12  composite none  none (TriggerError): holding',
    ]);
  });

  test('a trigger that cannot be read: said once with how to fix it, then the decision without the how-to; again only once it was fine in between', () => {
    const { lines, telemetry } = terminal();
    telemetry.decision(holding());
    telemetry.decision(holding());
    const short = 'a trigger failed and no other is active: holding; trigger 0: error (1 in a row): queue "orders" does not exist (404 QueueNotFound)';
    expect(lines).toEqual([
      `10:00:05 local/shop/worker  trigger 0 cannot be read: ${missingQueue} (said once, until it is fixed)`,
      `10:00:05 local/shop/worker  replicas 0  queue error  none (TriggerError): ${short}`,
      `10:00:05 local/shop/worker  replicas 0  queue error  none (TriggerError): ${short}`,
    ]);
    lines.length = 0;
    telemetry.decision(decision());
    telemetry.decision(holding());
    expect(lines[1]).toBe(`10:00:05 local/shop/worker  trigger 0 cannot be read: ${missingQueue} (said once, until it is fixed)`);
  });

  test('a failed evaluation: said once per target and message, with the hint', () => {
    const { lines, telemetry } = terminal({ hint: (e, target) => (e instanceof KubeError && e.status === 404 ? `create it (${target})` : undefined) });
    const notFound = new KubeError('read deployment shop/worker in cluster local: not found', 404);
    for (let i = 0; i < 3; i++) telemetry.failure(notFound, { operation: 'evaluate', target: 'local/shop/worker' });
    telemetry.failure(notFound, { operation: 'evaluate', target: 'local/shop/other' });
    telemetry.failure(new KubeError('read deployment shop/worker in cluster local: forbidden', 403), { operation: 'evaluate', target: 'local/shop/worker' });
    expect(lines.map((l) => l.slice(9))).toEqual([
      'local/shop/worker  error: read deployment shop/worker in cluster local: not found; create it (local/shop/worker) (said once, until it is fixed)',
      'local/shop/other  error: read deployment shop/worker in cluster local: not found; create it (local/shop/other) (said once, until it is fixed)',
      'local/shop/worker  error: read deployment shop/worker in cluster local: forbidden (said once, until it is fixed)',
    ]);
  });

  test('with decisions off (--json), only the problems are said', () => {
    const { lines, telemetry } = terminal({ decisions: false });
    telemetry.decision(decision());
    telemetry.decision(holding());
    expect(lines).toEqual([`10:00:05 local/shop/worker  trigger 0 cannot be read: ${missingQueue} (said once, until it is fixed)`]);
  });
});

describe('how to create what is missing', () => {
  const runtimeOf = (clusters: Record<string, unknown>, targets: unknown[]) => {
    const settings = { SCALER_LOCAL_DEVELOPMENT: 'true', AzureWebJobsStorage: 'UseDevelopmentStorage=true', SCALER_CLUSTERS: JSON.stringify(clusters), SCALER_TARGETS: JSON.stringify(targets) };
    expect(loadConfig(settings).errors).toEqual([]);
    return createRuntime(settings, { telemetry: { decision() {}, scaledByOther() {}, failure() {}, warning() {}, async flush() {} } });
  };
  const trigger = [{ type: 'azure-queue', metadata: { queueName: 'orders', accountName: 'shopdata' } }];

  test.each([
    { name: 'a Deployment in the default namespace, by kube context', clusters: { dev: { context: 'kind-dev' } }, target: { scaleTargetRef: { name: 'worker' } }, key: 'dev/default/worker',
      want: 'create it: kubectl --context kind-dev -n default create deployment worker --image=<your worker\'s image> --replicas=0' },
    { name: 'a Deployment in another namespace', clusters: { dev: { context: 'kind-dev' } }, target: { namespace: 'shop', scaleTargetRef: { name: 'worker' } }, key: 'dev/shop/worker',
      want: 'create it: kubectl --context kind-dev create namespace shop (if it is missing too), then kubectl --context kind-dev -n shop create deployment worker --image=<your worker\'s image> --replicas=0' },
    { name: 'a StatefulSet in a cluster reached by server', clusters: { aks: { server: 'https://aks.example:443', certificateAuthorityData: Buffer.from('-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n').toString('base64') } },
      target: { scaleTargetRef: { name: 'db', kind: 'StatefulSet' } }, key: 'aks/default/db', want: 'create it: kubectl -n default apply -f <a manifest of StatefulSet db>' },
  ])('$name', ({ clusters, target, key, want }) => {
    const runtime = runtimeOf(clusters, [{ ...target, triggers: trigger }]);
    expect(createWorkloadCommand(runtime, key)).toBe(want);
    expect(workloadHint(runtime)(new KubeError(`read x: not found`, 404), key)).toBe(want);
    expect(workloadHint(runtime)(new KubeError(`read x: forbidden`, 403), key)).toBeUndefined();
  });

  test.each([
    { name: 'Azurite, written out', metadata: { queueName: 'orders', connectionFromEnv: 'AzureWebJobsStorage' }, settings: { AzureWebJobsStorage: 'UseDevelopmentStorage=true' },
      want: 'az storage queue create --name orders --connection-string "UseDevelopmentStorage=true"' },
    { name: 'any other connection string, named by its setting (a secret)', metadata: { queueName: 'orders', connectionFromEnv: 'QUEUES' }, settings: { QUEUES: 'AccountName=a;AccountKey=c2VjcmV0' },
      want: 'az storage queue create --name orders --connection-string "<the connection string of app setting QUEUES>"' },
    { name: 'an account, with the signed-in user', metadata: { queueName: 'orders', accountName: 'shopdata' }, settings: {},
      want: 'az storage queue create --name orders --account-name shopdata --auth-mode login' },
  ])('the queue: $name', ({ metadata, settings, want }) => {
    expect(createQueueCommand(azureQueueMetadataSchema.parse(metadata), settings)).toBe(want);
  });
});
