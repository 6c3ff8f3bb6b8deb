// A production ScaledObject pasted into SCALER_TARGETS as kubectl prints it: its trigger reads the
// queue through a TriggerAuthentication (workload identity), which the scaler cannot follow. The
// target loads; authenticationRef is dropped with a warning that says what reads the queue
// instead, the same text `import` reports for the same object; a TriggerAuthentication pasted
// with it is no target, and says so.
import { stringify as toYaml } from 'yaml';
import { describe, expect, test } from 'vitest';
import { importScaledObjects } from '../../cli/import/scaled-objects.js';
import { loadConfig } from '../../shared/config/index.js';
import { ConfigWarning } from '../../shared/errors/index.js';

const AKS_ID = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/orders-rg/providers/Microsoft.ContainerService/managedClusters/orders-aks';
const CLUSTERS = JSON.stringify({ prod: { resourceId: AKS_ID } });

const HELM = { 'meta.helm.sh/release-name': 'orders', 'meta.helm.sh/release-namespace': 'orders' };
const LABELS = { 'app.kubernetes.io/name': 'orders-worker', 'app.kubernetes.io/managed-by': 'Helm', 'helm.sh/chart': 'orders-1.14.2' };

/** `kubectl get triggerauthentication orders-queue-auth -n orders -o yaml`: workload identity. */
const triggerAuthentication = {
  apiVersion: 'keda.sh/v1alpha1',
  kind: 'TriggerAuthentication',
  metadata: {
    name: 'orders-queue-auth',
    namespace: 'orders',
    annotations: HELM,
    labels: LABELS,
    creationTimestamp: '2025-03-04T09:12:44Z',
    generation: 1,
    resourceVersion: '48213377',
    uid: '3b8d7c1e-52a4-4f0e-9a61-0c2f7be1d9a4',
  },
  spec: { podIdentity: { provider: 'azure-workload', identityId: '6f1c2e54-8a7b-4c3d-9e0f-1a2b3c4d5e6f' } },
};

/** `kubectl get scaledobject orders-worker -n orders -o yaml`, status and all. */
const scaledObject = {
  apiVersion: 'keda.sh/v1alpha1',
  kind: 'ScaledObject',
  metadata: {
    name: 'orders-worker',
    namespace: 'orders',
    annotations: HELM,
    labels: { ...LABELS, 'scaledobject.keda.sh/name': 'orders-worker' },
    creationTimestamp: '2025-03-04T09:12:44Z',
    finalizers: ['finalizer.keda.sh'],
    generation: 3,
    resourceVersion: '51877012',
    uid: '9e2f6a3b-1c4d-4e5f-8a9b-0c1d2e3f4a5b',
  },
  spec: {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'orders-worker' },
    pollingInterval: 15,
    cooldownPeriod: 300,
    minReplicaCount: 0,
    maxReplicaCount: 40,
    fallback: { failureThreshold: 3, replicas: 4 },
    advanced: {
      restoreToOriginalReplicaCount: false,
      horizontalPodAutoscalerConfig: {
        name: 'keda-hpa-orders-worker',
        behavior: { scaleDown: { stabilizationWindowSeconds: 120, policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] } },
      },
    },
    triggers: [
      {
        type: 'azure-queue',
        name: 'orders-queue',
        metadata: { queueName: 'orders', queueLength: '25', activationQueueLength: '1', accountName: 'stordersprod' },
        authenticationRef: { name: 'orders-queue-auth' },
      },
    ],
  },
  status: {
    conditions: [
      { type: 'Ready', status: 'True', reason: 'ScaledObjectReady', message: 'ScaledObject is defined correctly and is ready for scaling' },
      { type: 'Active', status: 'False', reason: 'ScalerNotActive', message: 'Scaling is not performed because triggers are not active' },
      { type: 'Fallback', status: 'False', reason: 'NoFallbackFound', message: 'No fallbacks are active on this scaled object' },
    ],
    externalMetricNames: ['s0-azure-queue-orders'],
    health: { 's0-azure-queue-orders': { numberOfFailures: 0, status: 'Happy' } },
    hpaName: 'keda-hpa-orders-worker',
    lastActiveTime: '2025-06-11T07:41:30Z',
    originalReplicaCount: 2,
    scaleTargetGVKR: { group: 'apps', kind: 'Deployment', resource: 'deployments', version: 'v1' },
    scaleTargetKind: 'apps/v1.Deployment',
  },
};

const DROPPED = 'target orders/orders-worker: spec.triggers[0].authenticationRef: is dropped: the scaler reads queue "orders" of account "stordersprod" with its managed identity instead of TriggerAuthentication "orders-queue-auth": grant its identity Storage Queue Data Reader on the queue (set metadata.identityClientId to pick a user-assigned identity)';
const NOT_A_TARGET = 'TriggerAuthentication orders/orders-queue-auth: is not a target: ignored. The scaler reads queues with its managed identity, and drops the authenticationRef of every trigger that names it (see their warnings)';

describe('a production ScaledObject with a TriggerAuthentication, pasted into SCALER_TARGETS', () => {
  test.each([
    { form: 'JSON, the ScaledObject alone (kubectl get -o json)', text: JSON.stringify(scaledObject, null, 2), warnings: [DROPPED] },
    { form: 'YAML, the ScaledObject alone (kubectl get -o yaml)', text: toYaml(scaledObject), warnings: [DROPPED] },
    { form: 'YAML, a kind: List with its TriggerAuthentication (kubectl get scaledobject,triggerauthentication -o yaml)', text: toYaml({ apiVersion: 'v1', kind: 'List', items: [triggerAuthentication, scaledObject], metadata: { resourceVersion: '' } }), warnings: [NOT_A_TARGET, DROPPED] },
    { form: 'YAML, a stream of both as a Helm chart writes them', text: `${toYaml(triggerAuthentication)}---\n${toYaml(scaledObject)}`, warnings: [NOT_A_TARGET, DROPPED] },
  ])('$form: loads with no error, a warning per dropped field', ({ text, warnings }) => {
    const config = loadConfig({ SCALER_TARGETS: text, SCALER_CLUSTERS: CLUSTERS });
    expect(config.errors.map((e) => e.message)).toEqual([]);
    expect(config.warnings.map((w) => w.message)).toEqual(warnings);
    for (const w of config.warnings) expect(w).toBeInstanceOf(ConfigWarning);
    expect(config.targets).toHaveLength(1);
    const [target] = config.targets;
    expect(target).toMatchObject({
      id: 'orders/orders-worker',
      cluster: 'prod',
      scaleTargetRef: { name: 'orders-worker', kind: 'Deployment' },
      pollingInterval: 15,
      maxReplicaCount: 40,
      triggers: [{ type: 'azure-queue', name: 'orders-queue', metadata: { queueName: 'orders', accountName: 'stordersprod', queueLength: 25, activationQueueLength: 1 }, targetValue: 25 }],
    });
    expect(target!.triggers[0]).not.toHaveProperty('authenticationRef');
    expect(target!.behavior?.scaleDown.stabilizationWindowSeconds).toBe(120);
  });

  test('the warning carries where, path and reason, as an error does', () => {
    const [warning] = loadConfig({ SCALER_TARGETS: JSON.stringify(scaledObject), SCALER_CLUSTERS: CLUSTERS }).warnings;
    expect(warning).toMatchObject({ where: 'target orders/orders-worker', path: 'spec.triggers[0].authenticationRef' });
    expect(warning!.reason).toMatch(/^is dropped: the scaler reads queue "orders" of account "stordersprod" with its managed identity/);
  });

  test('one mapping: import says the same of the same object, and its target loads with the same trigger', () => {
    const { targets, report } = importScaledObjects([scaledObject]);
    expect(report.map((n) => [n.field, n.outcome])).toEqual([['spec.triggers[0].authenticationRef', 'replaced']]);
    const [warning] = loadConfig({ SCALER_TARGETS: JSON.stringify(scaledObject), SCALER_CLUSTERS: CLUSTERS }).warnings;
    expect(warning!.reason).toBe(`is dropped: ${report[0]!.message}`);
    const imported = loadConfig({ SCALER_TARGETS: JSON.stringify(targets), SCALER_CLUSTERS: CLUSTERS });
    const pasted = loadConfig({ SCALER_TARGETS: JSON.stringify(scaledObject), SCALER_CLUSTERS: CLUSTERS });
    expect(imported.targets[0]!.triggers).toEqual(pasted.targets[0]!.triggers);
  });

  test('without accountName the queue cannot be read in its place: an error, as import keeps the trigger out', () => {
    const noAccount = structuredClone(scaledObject);
    delete (noAccount.spec.triggers[0]!.metadata as Record<string, string>).accountName;
    const config = loadConfig({ SCALER_TARGETS: toYaml(noAccount), SCALER_CLUSTERS: CLUSTERS });
    expect(config.targets).toEqual([]);
    expect(config.warnings).toEqual([]);
    expect(config.errors.map((e) => e.message)).toEqual([
      'target orders/orders-worker: spec.triggers[0].metadata.accountName: is required: the storage account that holds the queue (KEDA: "no accountName given")',
      'target orders/orders-worker: spec.triggers[0].authenticationRef: cannot be replaced: the trigger reads its queue with TriggerAuthentication "orders-queue-auth" and names no accountName. The scaler reads queues with its managed identity, so it needs the storage account: add metadata.accountName (the storage account that holds the queue), and grant its identity Storage Queue Data Reader on the queue (set metadata.identityClientId to pick a user-assigned identity)',
    ]);
    expect(importScaledObjects([noAccount]).report.map((n) => [n.field, n.outcome])).toEqual([['spec.triggers[0]', 'trigger-kept-out'], ['spec.triggers', 'target-kept-out']]);
  });

  test('a ClusterTriggerAuthentication document is no target either', () => {
    const cluster = { ...triggerAuthentication, kind: 'ClusterTriggerAuthentication', metadata: { name: 'shared-queue-auth' } };
    const config = loadConfig({ SCALER_TARGETS: `${toYaml(cluster)}---\n${toYaml(scaledObject)}`, SCALER_CLUSTERS: CLUSTERS });
    expect(config.errors).toEqual([]);
    expect(config.warnings.map((w) => w.message)[0]).toBe(NOT_A_TARGET.replace('TriggerAuthentication orders/orders-queue-auth', 'ClusterTriggerAuthentication shared-queue-auth'));
    expect(config.targets.map((t) => t.id)).toEqual(['orders/orders-worker']);
  });
});
