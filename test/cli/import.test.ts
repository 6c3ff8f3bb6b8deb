// ScaledObject -> SCALER_TARGETS conversion (cli/import/scaled-objects.ts): what is carried as
// it is, what is replaced by the scaler's own means, and what is reported as not carried.
import { describe, expect, test } from 'vitest';
import { importCommand } from '../../cli/commands/import.js';
import { allCarried, checkTargetsText, importScaledObjects, type ImportOptions, type Outcome } from '../../cli/import/scaled-objects.js';

import { runCli } from './capture.js';

type Json = Record<string, unknown>;
const queue = (metadata: Json = {}, extra: Json = {}): Json => ({ type: 'azure-queue', metadata: { queueName: 'orders', accountName: 'shopdata', ...metadata }, ...extra });
const cpu: Json = { type: 'cpu', metricType: 'Utilization', metadata: { value: '60' } };
const bus = (metadata: Json = {}, extra: Json = {}): Json => ({ type: 'azure-servicebus', metadata: { namespace: 'shopbus', topicName: 'events', subscriptionName: 'billing', ...metadata }, ...extra });
/** A ScaledObject as the API server returns it, with spec fields and metadata overridden. */
const so = (spec: Json = {}, metadata: Json = {}): Json => ({
  apiVersion: 'keda.sh/v1alpha1',
  kind: 'ScaledObject',
  metadata: { name: 'orders', namespace: 'shop', uid: '4f1c', resourceVersion: '812', generation: 1, ...metadata },
  spec: { scaleTargetRef: { name: 'worker' }, triggers: [queue()], ...spec },
  status: { conditions: [{ type: 'Ready', status: 'True' }] },
});
/** The flat target of so() with the same overrides. */
const target = (extra: Json = {}): Json => ({ name: 'orders', namespace: 'shop', scaleTargetRef: { name: 'worker' }, triggers: [queue()], ...extra });
const annotated = (annotations: Record<string, string>, spec: Json = {}): Json => so(spec, { annotations });

interface Row {
  name: string;
  input: Json | Json[];
  options?: ImportOptions;
  /** The targets written, exactly. */
  want: Json[];
  /** [field, outcome] of every note, in order. */
  notes: [string, Outcome][];
  /** A part of the first note's message. */
  says?: string;
}

const behavior = { scaleDown: { stabilizationWindowSeconds: 60, policies: [{ type: 'Percent', value: 50, periodSeconds: 30 }] } };

const rows: Row[] = [
  // Carried as they are
  { name: 'a plain azure-queue ScaledObject is carried with nothing to report', input: so(), want: [target()], notes: [] },
  {
    name: 'every spec field KEDA and the scaler share is carried verbatim',
    input: so({ pollingInterval: 15, cooldownPeriod: 120, initialCooldownPeriod: 60, minReplicaCount: 1, maxReplicaCount: 30, idleReplicaCount: 0, fallback: { failureThreshold: 3, replicas: 6, behavior: 'currentReplicasIfHigher' }, advanced: { restoreToOriginalReplicaCount: true, horizontalPodAutoscalerConfig: { name: 'keda-hpa-orders', behavior } } }),
    want: [target({ pollingInterval: 15, cooldownPeriod: 120, initialCooldownPeriod: 60, minReplicaCount: 1, maxReplicaCount: 30, idleReplicaCount: 0, fallback: { failureThreshold: 3, replicas: 6, behavior: 'currentReplicasIfHigher' }, advanced: { restoreToOriginalReplicaCount: true, horizontalPodAutoscalerConfig: { name: 'keda-hpa-orders', behavior } } })],
    notes: [],
  },
  {
    name: 'trigger name, useCachedMetrics, metricType AverageValue and every queue key are carried',
    input: so({ triggers: [queue({ queueLength: '20', activationQueueLength: '2', queueLengthStrategy: 'visibleonly', cloud: 'AzureUSGovernmentCloud' }, { name: 'orders', useCachedMetrics: true, metricType: 'AverageValue' })] }),
    want: [target({ triggers: [queue({ queueLength: '20', activationQueueLength: '2', queueLengthStrategy: 'visibleonly', cloud: 'AzureUSGovernmentCloud' }, { name: 'orders', useCachedMetrics: true, metricType: 'AverageValue' })] })],
    notes: [],
  },
  {
    name: 'a StatefulSet target is carried',
    input: so({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'worker-set', envSourceContainerName: 'main' } }),
    want: [target({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'worker-set', envSourceContainerName: 'main' } })],
    notes: [],
  },
  { name: 'cloud Private with its endpointSuffix is carried', input: so({ triggers: [queue({ cloud: 'Private', endpointSuffix: 'queue.core.contoso.example' })] }), want: [target({ triggers: [queue({ cloud: 'Private', endpointSuffix: 'queue.core.contoso.example' })] })], notes: [] },
  { name: '--cluster sets cluster on every target', input: so(), options: { cluster: 'prod' }, want: [target({ cluster: 'prod' })], notes: [] },
  { name: 'the ScaledObject in the default namespace', input: so({}, { namespace: undefined }), want: [target({ namespace: 'default' })], notes: [] },

  // Pause annotations
  { name: 'autoscaling.keda.sh/paused on the ScaledObject becomes paused: true', input: annotated({ 'autoscaling.keda.sh/paused': 'true' }), want: [target({ paused: true })], notes: [] },
  { name: 'paused: "false" is not a pause, as in KEDA', input: annotated({ 'autoscaling.keda.sh/paused': 'false' }), want: [target()], notes: [] },
  {
    name: 'paused-replicas becomes paused: true, and the count is reported with where it goes',
    input: annotated({ 'autoscaling.keda.sh/paused-replicas': '2' }),
    want: [target({ paused: true })],
    notes: [['metadata.annotations["autoscaling.keda.sh/paused-replicas"]', 'changed']],
    says: 'kubectl annotate deployment worker -n shop autoscaling.keda.sh/paused-replicas=2',
  },
  {
    name: 'paused-scale-in on the ScaledObject is dropped: it goes on the Deployment',
    input: annotated({ 'autoscaling.keda.sh/paused-scale-in': 'true', 'kubectl.kubernetes.io/last-applied-configuration': '{}' }),
    want: [target()],
    notes: [['metadata.annotations["autoscaling.keda.sh/paused-scale-in"]', 'dropped']],
    says: 'kubectl annotate deployment worker -n shop autoscaling.keda.sh/paused-scale-in=true',
  },

  // Triggers kept out, and targets with none left
  { name: 'a cpu trigger next to an azure-queue one is left out', input: so({ triggers: [queue(), cpu] }), want: [target()], notes: [['spec.triggers[1]', 'trigger-kept-out']], says: 'trigger type "cpu" is not supported' },
  {
    name: 'a ScaledObject with only other trigger types is not imported',
    input: so({ triggers: [cpu, { type: 'kafka', metadata: { topic: 'orders' } }] }),
    want: [],
    notes: [['spec.triggers[0]', 'trigger-kept-out'], ['spec.triggers[1]', 'trigger-kept-out'], ['spec.triggers', 'target-kept-out']],
  },
  { name: 'metricType Value is carried', input: so({ triggers: [queue(), queue({ queueName: 'returns' }, { metricType: 'Value' })] }), want: [target({ triggers: [queue(), queue({ queueName: 'returns' }, { metricType: 'Value' })] })], notes: [] },
  {
    name: 'metricType Utilization is left out, with the configuration\'s reason (KEDA refuses it for external metrics)',
    input: so({ triggers: [queue(), queue({ queueName: 'returns' }, { metricType: 'Utilization' })] }),
    want: [target()],
    notes: [['spec.triggers[1]', 'trigger-kept-out']],
    says: 'spec.triggers[1].metricType: "Utilization" is not supported, only AverageValue or Value (KEDA refuses Utilization for external metrics too)',
  },
  { name: 'a ScaledObject with no triggers is not imported', input: so({ triggers: [] }), want: [], notes: [['spec.triggers', 'target-kept-out']] },

  // Authentication: accountName + the scaler's managed identity
  {
    name: 'authenticationRef next to accountName is replaced by the managed identity',
    input: so({ triggers: [queue({}, { authenticationRef: { name: 'shop-workload-identity' } })] }),
    want: [target()],
    notes: [['spec.triggers[0].authenticationRef', 'replaced']],
    says: 'instead of TriggerAuthentication "shop-workload-identity": grant its identity Storage Queue Data Reader',
  },
  {
    name: 'a ClusterTriggerAuthentication is named as such',
    input: so({ triggers: [queue({}, { authenticationRef: { name: 'shared', kind: 'ClusterTriggerAuthentication' } })] }),
    want: [target()],
    notes: [['spec.triggers[0].authenticationRef', 'replaced']],
    says: 'ClusterTriggerAuthentication "shared"',
  },
  { name: 'connectionFromEnv next to accountName is replaced by the managed identity', input: so({ triggers: [queue({ connectionFromEnv: 'STORAGE' })] }), want: [target()], notes: [['spec.triggers[0].metadata.connectionFromEnv', 'replaced']] },
  {
    name: 'a trigger with only connectionFromEnv is left out, saying to add accountName',
    input: so({ triggers: [queue(), queue({ queueName: 'returns', accountName: undefined, connectionFromEnv: 'STORAGE' })] }),
    want: [target()],
    notes: [['spec.triggers[1]', 'trigger-kept-out']],
    says: 'reads its queue with the connection string in the workload\'s environment variable "STORAGE" and names no accountName',
  },
  {
    name: 'a trigger whose only authentication is a TriggerAuthentication, without accountName, is left out and so is the target',
    input: so({ triggers: [queue({ accountName: undefined }, { authenticationRef: { name: 'orders-connection' } })] }),
    want: [],
    notes: [['spec.triggers[0]', 'trigger-kept-out'], ['spec.triggers', 'target-kept-out']],
    says: 'add metadata.accountName',
  },
  {
    name: 'a connection string in metadata is never repeated',
    input: so({ triggers: [queue({ connection: 'DefaultEndpointsProtocol=https;AccountName=shopdata;AccountKey=c2VjcmV0' })] }),
    want: [target()],
    notes: [['spec.triggers[0].metadata.connection', 'replaced']],
    says: 'a connection string in metadata.connection',
  },

  // Fields KEDA ignores
  { name: 'endpointSuffix without cloud: Private is ignored, as KEDA ignores it', input: so({ triggers: [queue({ endpointSuffix: 'queue.core.windows.net' })] }), want: [target()], notes: [['spec.triggers[0].metadata.endpointSuffix', 'ignored']] },
  { name: 'an unknown metadata key is ignored, as KEDA ignores it', input: so({ triggers: [queue({ useAAdPodIdentity: 'true' })] }), want: [target()], notes: [['spec.triggers[0].metadata.useAAdPodIdentity', 'ignored']] },
  { name: 'an unknown spec field is ignored', input: so({ minReplicas: 2 }), want: [target()], notes: [['spec.minReplicas', 'ignored']] },
  // Ours, not KEDA's: a ScaledObject in a cluster scales on its length only, and so does what import makes of it.
  { name: 'messageAgeTarget in a cluster\'s ScaledObject is ignored, as KEDA ignores it', input: so({ triggers: [queue({ messageAgeTarget: '30', activationMessageAge: '10' })] }), want: [target()], notes: [['spec.triggers[0].metadata.messageAgeTarget', 'ignored'], ['spec.triggers[0].metadata.activationMessageAge', 'ignored']] },

  // Other spec fields
  {
    name: 'scalingModifiers are carried as they are, with the fallback that goes with them',
    input: so({ triggers: [queue({}, { name: 'orders' }), queue({ queueName: 'returns' }, { name: 'returns' })], fallback: { failureThreshold: 3, replicas: 10, behavior: 'scalingModifiers' }, advanced: { scalingModifiers: { formula: 'orders ?? returns ?? 8', target: '2', activationTarget: '1', metricType: 'Value' } } }),
    want: [target({ triggers: [queue({}, { name: 'orders' }), queue({ queueName: 'returns' }, { name: 'returns' })], fallback: { failureThreshold: 3, replicas: 10, behavior: 'scalingModifiers' }, advanced: { scalingModifiers: { formula: 'orders ?? returns ?? 8', target: '2', activationTarget: '1', metricType: 'Value' } } })],
    notes: [],
  },
  {
    name: 'a trigger left out that the formula does not name: the rest is carried',
    input: so({ triggers: [queue({}, { name: 'q' }), cpu], advanced: { scalingModifiers: { formula: 'q * 2', target: '5' } } }),
    want: [target({ triggers: [queue({}, { name: 'q' })], advanced: { scalingModifiers: { formula: 'q * 2', target: '5' } } })],
    notes: [['spec.triggers[1]', 'trigger-kept-out']],
  },
  {
    name: 'a formula naming a trigger that is left out: the ScaledObject is not imported, saying why',
    input: so({ triggers: [queue({}, { name: 'q' }), { ...cpu, name: 'cpu' }], advanced: { scalingModifiers: { formula: 'q + cpu', target: '5' } } }),
    want: [],
    notes: [['spec.triggers[1]', 'trigger-kept-out'], ['spec', 'target-kept-out']],
    says: 'trigger type "cpu" is not supported',
  },
  {
    name: 'a formula KEDA would refuse too keeps the ScaledObject out with the configuration\'s message',
    input: so({ triggers: [queue({}, { name: 'q' })], advanced: { scalingModifiers: { formula: 'q.constructor', target: '5' } } }),
    want: [],
    notes: [['spec', 'target-kept-out']],
    says: 'spec.advanced.scalingModifiers.formula: member access (.constructor) is not supported',
  },
  { name: 'idleReplicaCount 0 without minReplicaCount (refused by KEDA) is dropped', input: so({ idleReplicaCount: 0 }), want: [target()], notes: [['spec.idleReplicaCount', 'dropped']], says: '0 when omitted' },
  { name: 'idleReplicaCount equal to minReplicaCount (refused by KEDA) is dropped', input: so({ minReplicaCount: 2, idleReplicaCount: 2, maxReplicaCount: 5 }), want: [target({ minReplicaCount: 2, maxReplicaCount: 5 })], notes: [['spec.idleReplicaCount', 'dropped']] },
  { name: 'a Rollout is not imported', input: so({ scaleTargetRef: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'worker' } }), want: [], notes: [['spec.scaleTargetRef', 'target-kept-out']], says: 'only apps/v1 Deployments and StatefulSets' },

  // What the configuration refuses
  { name: 'a trigger the configuration refuses is left out with its message', input: so({ triggers: [queue(), queue({ queueName: 'returns', queueLength: 'AA' })] }), want: [target()], notes: [['spec.triggers[1]', 'trigger-kept-out']], says: 'spec.triggers[1].metadata.queueLength: "AA" is not an integer' },
  {
    name: 'a refused trigger takes its notes with it: nothing is said to be replaced in a trigger that is left out',
    input: so({ triggers: [queue(), queue({ queueName: 'returns', queueLength: 'AA', connectionFromEnv: 'STORAGE' }, { authenticationRef: { name: 'wi' } })] }),
    want: [target()],
    notes: [['spec.triggers[1]', 'trigger-kept-out']],
  },
  {
    name: 'a target left out says nothing about what it would have replaced',
    input: so({ minReplicaCount: 5, maxReplicaCount: 2, triggers: [queue({}, { authenticationRef: { name: 'wi' } })] }),
    want: [],
    notes: [['spec', 'target-kept-out']],
  },
  { name: 'a cloud the configuration refuses leaves the target out when it is the only trigger', input: so({ triggers: [queue({ cloud: 'AzureGermanCloud' })] }), want: [], notes: [['spec.triggers[0]', 'trigger-kept-out'], ['spec.triggers', 'target-kept-out']] },
  { name: 'a spec field the configuration refuses leaves the target out', input: so({ minReplicaCount: 5, maxReplicaCount: 2 }), want: [], notes: [['spec', 'target-kept-out']], says: 'spec.minReplicaCount: 5 is more than maxReplicaCount (2)' },
  {
    name: 'two ScaledObjects on one Deployment: the second is not imported',
    input: [so({}, { name: 'orders-b' }), so({}, { name: 'orders-a' })],
    want: [target({ name: 'orders-a' })],
    notes: [['spec', 'target-kept-out']],
    says: 'is already scaled by target shop/orders-a',
  },
  // azure-servicebus (the second trigger type): the same rules, from its folder's import rules
  {
    name: 'an azure-servicebus trigger with every KEDA key the scaler takes is carried',
    input: so({ triggers: [bus({ messageCount: '10', activationMessageCount: '2', cloud: 'AzureChinaCloud', operation: 'sum', useRegex: 'false' })] }),
    want: [target({ triggers: [bus({ messageCount: '10', activationMessageCount: '2', cloud: 'AzureChinaCloud', operation: 'sum', useRegex: 'false' })] })],
    notes: [],
  },
  { name: 'a Service Bus queue next to a storage queue: both carried', input: so({ triggers: [queue(), bus({ topicName: undefined, subscriptionName: undefined, queueName: 'refunds' })] }), want: [target({ triggers: [queue(), bus({ topicName: undefined, subscriptionName: undefined, queueName: 'refunds' })] })], notes: [] },
  {
    name: 'azure-servicebus: authenticationRef (workload identity) next to namespace is replaced by the managed identity, naming the role',
    input: so({ triggers: [bus({}, { authenticationRef: { name: 'sb-auth' } })] }),
    want: [target({ triggers: [bus()] })],
    notes: [['spec.triggers[0].authenticationRef', 'replaced']],
    says: 'the scaler reads subscription "billing" of topic "events" of namespace "shopbus" with its managed identity instead of TriggerAuthentication "sb-auth": grant the scaler\'s identity Azure Service Bus Data Owner on the subscription',
  },
  {
    name: 'azure-servicebus: connectionFromEnv without namespace keeps the trigger out, saying what to add',
    input: so({ triggers: [queue(), bus({ namespace: undefined, connectionFromEnv: 'SB_CONNECTION' })] }),
    want: [target()],
    notes: [['spec.triggers[1]', 'trigger-kept-out']],
    says: 'and names no namespace. The scaler reads Service Bus with its managed identity, so it needs the namespace: add metadata.namespace',
  },
  {
    name: 'azure-servicebus: useRegex true keeps the trigger out',
    input: so({ triggers: [queue(), bus({ useRegex: 'true', operation: 'max' })] }),
    want: [target()],
    notes: [['spec.triggers[1]', 'trigger-kept-out']],
    says: 'has useRegex: true',
  },
  {
    name: 'azure-servicebus: endpointSuffix without cloud Private is ignored, as KEDA ignores it',
    input: so({ triggers: [bus({ endpointSuffix: 'servicebus.example.net' })] }),
    want: [target({ triggers: [bus()] })],
    notes: [['spec.triggers[0].metadata.endpointSuffix', 'ignored']],
  },
  { name: 'a ScaledJob is not imported', input: { ...so(), kind: 'ScaledJob' }, want: [], notes: [['kind', 'target-kept-out']] },
  { name: 'targets come out sorted by namespace/name', input: [so({ scaleTargetRef: { name: 'b' } }, { name: 'zeta' }), so({ scaleTargetRef: { name: 'a' } }, { name: 'alpha' })], want: [target({ name: 'alpha', scaleTargetRef: { name: 'a' } }), target({ name: 'zeta', scaleTargetRef: { name: 'b' } })], notes: [] },
];

describe('importScaledObjects', () => {
  test.each(rows)('$name', (row) => {
    const { targets, report } = importScaledObjects(Array.isArray(row.input) ? row.input : [row.input], row.options);
    expect(targets).toEqual(row.want);
    expect(report.map((n) => [n.field, n.outcome])).toEqual(row.notes);
    if (row.says) expect(report[0]?.message).toContain(row.says);
    // What is written always loads, and the exit code follows the outcomes.
    expect(checkTargetsText(JSON.stringify(targets), targets.length, row.options?.cluster)).toEqual([]);
    expect(allCarried(report)).toBe(report.every((n) => n.outcome === 'replaced' || n.outcome === 'ignored'));
  });

  test('no note ever repeats a connection string', () => {
    const secret = 'AccountKey=c2VjcmV0';
    const { report } = importScaledObjects([so({ triggers: [queue({ accountName: undefined, connection: `AccountName=shopdata;${secret}` })] })]);
    expect(report.length).toBeGreaterThan(0);
    expect(JSON.stringify(report)).not.toContain(secret);
  });

  test('each note names its ScaledObject', () => {
    const { report } = importScaledObjects([so({ triggers: [queue(), cpu] }, { name: 'a' }), so({ triggers: [queue(), cpu], scaleTargetRef: { name: 'other' } }, { name: 'b', namespace: 'media' })]);
    expect(report.map((n) => n.scaledObject)).toEqual(['media/b', 'shop/a']);
  });
});

describe('checkTargetsText', () => {
  test('says why a text does not load', () => {
    expect(checkTargetsText('[{"namespace": "shop", "triggers": []}]', 1, undefined)).toEqual([
      'target #0: scaleTargetRef: is required',
      'target #0: triggers: must list at least one trigger',
    ]);
  });
  test('a text that loads into fewer targets than written is refused', () => {
    expect(checkTargetsText('[]', 1, 'prod')).toEqual(['SCALER_TARGETS: loads as 0 target(s), not 1']);
  });
});

describe('import command line', () => {
  test('--help prints the usage and exits 0', async () => {
    const { code, out } = await runCli(importCommand, ['--help']);
    expect(out).toMatch(/^Usage: aks-queue-scaler import \[--kubeconfig FILE\]/);
    expect(code).toBe(0);
  });
  test.each([
    [['--yaml', '--json'], '--yaml and --json cannot be combined'],
    [['--cluster', ' '], '--cluster must not be empty'],
    [['--output', 'x'], "Unknown option '--output'"],
    [['shop'], "unexpected argument: shop"],
  ])('%j is a usage error (exit 2) with the help', async (args, message) => {
    const { code, out, err } = await runCli(importCommand, args);
    expect(err).toContain(message);
    expect(err).toContain('Usage: aks-queue-scaler import');
    expect(out).toBe('');
    expect(code).toBe(2);
  });
  test('a kubeconfig that cannot be read is named', async () => {
    const { code, out, err } = await runCli(importCommand, ['--kubeconfig', '/nonexistent/kubeconfig']);
    expect(err).toMatch(/^import: cannot read \/nonexistent\/kubeconfig: .*ENOENT/);
    expect(out).toBe('');
    expect(code).toBe(1);
  });
});
