// `aks-queue-scaler import` against kube-apiserver: three realistic ScaledObjects go in through
// the ScaledObject CRD, SCALER_TARGETS comes out, loads with loadConfig, and the report names
// exactly what was not carried.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import { beforeAll, describe, expect, test } from 'vitest';
import { importCommand } from '../../cli/commands/import.js';
import type { ImportNote } from '../../cli/import/scaled-objects.js';
import { loadConfig, type Target } from '../../shared/config/index.js';
import { runCli } from '../cli/capture.js';
import { BYSTANDER_USER, kubeToken, type ControlPlaneInfo } from '../../local/control-plane.js';
import { createScaledObject, installScaledObjectCrd } from '../support/keda-crd.js';
import { adminKubeConfig, kubeConfigWithToken } from '../../local/kube-clients.js';
import { createWorkloads } from '../../local/kube-workloads.js';
import { controlPlaneEnabled, sharedControlPlane } from '../support/vitest/provided.js';

const AKS_ID = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/shop-rg/providers/Microsoft.ContainerService/managedClusters/shop-aks';

// 1. Behavior, fallback, idleReplicaCount; workload identity through a TriggerAuthentication.
const orders = {
  metadata: { name: 'orders-scaler', labels: { app: 'orders' } },
  spec: {
    scaleTargetRef: { name: 'worker' },
    pollingInterval: 15,
    cooldownPeriod: 120,
    idleReplicaCount: 0,
    minReplicaCount: 1,
    maxReplicaCount: 30,
    fallback: { failureThreshold: 3, replicas: 6 },
    advanced: {
      restoreToOriginalReplicaCount: true,
      horizontalPodAutoscalerConfig: {
        name: 'keda-hpa-orders',
        behavior: {
          scaleUp: { policies: [{ type: 'Pods', value: 5, periodSeconds: 30 }] },
          scaleDown: { stabilizationWindowSeconds: 120, policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] },
        },
      },
    },
    triggers: [{
      type: 'azure-queue',
      name: 'orders',
      metadata: { queueName: 'orders', accountName: 'shopdata', queueLength: '20', activationQueueLength: '2', queueLengthStrategy: 'visibleonly' },
      authenticationRef: { name: 'shop-workload-identity' },
    }],
  },
};

// 2. A StatefulSet on a queue and CPU, with a scalingModifiers formula over the queue; paused on the ScaledObject.
const thumbnails = {
  metadata: { name: 'thumbnails-scaler', annotations: { 'autoscaling.keda.sh/paused': 'true' } },
  spec: {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'worker-set' },
    maxReplicaCount: 12,
    advanced: { scalingModifiers: { formula: 'queue / 2', target: '5', activationTarget: '1' } },
    triggers: [
      { type: 'azure-queue', name: 'queue', metadata: { queueName: 'thumbnails', accountName: 'mediadata', queueLength: '10' }, authenticationRef: { name: 'media-identity' } },
      { type: 'cpu', name: 'cpu', metricType: 'Utilization', metadata: { value: '70' } },
    ],
  },
};

// 3. A private cloud through a TriggerAuthentication, a legacy queue read with a connection
// string only, and a pause annotation that belongs on the Deployment.
const invoices = {
  metadata: { name: 'invoices-scaler', annotations: { 'autoscaling.keda.sh/paused-scale-in': 'true' } },
  spec: {
    scaleTargetRef: { name: 'invoice-worker' },
    cooldownPeriod: 600,
    maxReplicaCount: 8,
    triggers: [
      { type: 'azure-queue', metadata: { queueName: 'invoices', accountName: 'contosoinvoices', cloud: 'Private', endpointSuffix: 'queue.core.contoso.example' }, authenticationRef: { name: 'invoices-identity', kind: 'TriggerAuthentication' } },
      { type: 'azure-queue', metadata: { queueName: 'invoices-legacy', connectionFromEnv: 'LEGACY_STORAGE_CONNECTION' } },
    ],
  },
};

/** What import must write for them, field by field (sorted by name). */
const expected = (namespace: string, cluster?: string): Record<string, unknown>[] => {
  const where = (name: string) => ({ name, namespace, ...(cluster ? { cluster } : {}) });
  return [
    { ...where('invoices-scaler'), scaleTargetRef: { name: 'invoice-worker' }, cooldownPeriod: 600, maxReplicaCount: 8, triggers: [{ type: 'azure-queue', metadata: invoices.spec.triggers[0]!.metadata }] },
    { ...where('orders-scaler'), scaleTargetRef: { name: 'worker' }, pollingInterval: 15, cooldownPeriod: 120, idleReplicaCount: 0, minReplicaCount: 1, maxReplicaCount: 30, fallback: orders.spec.fallback, advanced: orders.spec.advanced, triggers: [{ type: 'azure-queue', name: 'orders', metadata: orders.spec.triggers[0]!.metadata }] },
    { ...where('thumbnails-scaler'), scaleTargetRef: thumbnails.spec.scaleTargetRef, maxReplicaCount: 12, advanced: thumbnails.spec.advanced, triggers: [{ type: 'azure-queue', name: 'queue', metadata: thumbnails.spec.triggers[0]!.metadata }], paused: true },
  ];
};

/** [scaledObject, field, outcome] of every note that says something was not carried, sorted. */
const notCarried = (report: ImportNote[]): string[][] => report.filter((n) => !n.carried).map((n) => [n.scaledObject, n.field, n.outcome]).sort();

describe.runIf(controlPlaneEnabled)('cli import', () => {
  let controlPlane: ControlPlaneInfo;
  let admin: KubeConfig;
  let kubeconfig: string;
  let namespace: string;

  beforeAll(async () => {
    controlPlane = sharedControlPlane();
    admin = adminKubeConfig(controlPlane);
    await installScaledObjectCrd(admin);
    namespace = (await createWorkloads(admin, { replicas: 1, prefix: 'import' })).namespace;
    for (const so of [orders, thumbnails, invoices]) await createScaledObject(admin, namespace, so);
    const dir = await mkdtemp(join(tmpdir(), 'aqs-import-'));
    kubeconfig = join(dir, 'kubeconfig');
    // The admin user's kubeconfig, as a cluster admin would run import; its context is "local".
    await writeFile(kubeconfig, admin.exportConfig());
  });

  test('three ScaledObjects round-trip into targets that load, and the report names what was not carried', async () => {
    const { code, out, err } = await runCli(importCommand, ['--kubeconfig', kubeconfig, '--context', 'local', '--namespace', namespace, '--cluster', 'prod', '--json']);
    const { targets, report } = JSON.parse(out) as { targets: Record<string, unknown>[]; report: ImportNote[] };

    expect(targets).toEqual(expected(namespace, 'prod'));
    expect(notCarried(report)).toEqual([
      [`${namespace}/invoices-scaler`, 'metadata.annotations["autoscaling.keda.sh/paused-scale-in"]', 'dropped'],
      [`${namespace}/invoices-scaler`, 'spec.triggers[1]', 'trigger-kept-out'],
      [`${namespace}/thumbnails-scaler`, 'spec.triggers[1]', 'trigger-kept-out'],
    ]);
    // Carried by the scaler's managed identity instead: said, but not counted as lost.
    expect(report.filter((n) => n.carried).map((n) => [n.scaledObject, n.field, n.outcome]).sort()).toEqual([
      [`${namespace}/invoices-scaler`, 'spec.triggers[0].authenticationRef', 'replaced'],
      [`${namespace}/orders-scaler`, 'spec.triggers[0].authenticationRef', 'replaced'],
      [`${namespace}/thumbnails-scaler`, 'spec.triggers[0].authenticationRef', 'replaced'],
    ]);
    expect(code).toBe(1);

    // The targets load with no error, with KEDA's meaning.
    const config = loadConfig({ SCALER_TARGETS: JSON.stringify(targets), SCALER_CLUSTERS: JSON.stringify({ prod: { resourceId: AKS_ID } }) });
    expect(config.errors.map((e) => e.message)).toEqual([]);
    const byName = new Map(config.targets.map((t): [string, Target] => [t.name, t]));
    expect(byName.get('orders-scaler')).toMatchObject({
      id: `${namespace}/orders-scaler`, cluster: 'prod', pollingInterval: 15, cooldownPeriod: 120, minReplicaCount: 1, maxReplicaCount: 30, idleReplicaCount: 0, paused: false,
      fallback: { failureThreshold: 3, replicas: 6, behavior: 'static' },
      behavior: {
        // Given fields override, the rest keep autoscaling/v2's defaults.
        scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 5, periodSeconds: 30 }], tolerance: 0.1 },
        scaleDown: { stabilizationWindowSeconds: 120, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }], tolerance: 0.1 },
      },
      triggers: [{ name: 'orders', targetValue: 20, activationTargetValue: 2, metadata: { queueName: 'orders', accountName: 'shopdata', queueLengthStrategy: 'visibleonly', endpointSuffix: 'queue.core.windows.net' } }],
    });
    expect(byName.get('thumbnails-scaler')).toMatchObject({
      paused: true, maxReplicaCount: 12, minReplicaCount: 0, behavior: undefined,
      scaleTargetRef: { kind: 'StatefulSet', name: 'worker-set' },
      triggers: [{ name: 'queue', targetValue: 10, metadata: { queueName: 'thumbnails', accountName: 'mediadata' } }],
      // The formula carried as KEDA has it; the CPU trigger it does not name is left out.
      scalingModifiers: { formula: 'queue / 2', target: 5, activationTarget: 1, metricType: 'AverageValue' },
    });
    expect(byName.get('thumbnails-scaler')!.triggers).toHaveLength(1);
    expect(byName.get('invoices-scaler')).toMatchObject({
      cooldownPeriod: 600, maxReplicaCount: 8, paused: false,
      triggers: [{ targetValue: 5, metadata: { queueName: 'invoices', accountName: 'contosoinvoices', endpointSuffix: 'queue.core.contoso.example' } }],
    });
    expect(byName.get('invoices-scaler')!.triggers).toHaveLength(1);

    // Standard error says the same, one line per note, and the summary.
    expect(err).toContain(`import: ${namespace}/thumbnails-scaler: spec.triggers[1]: trigger left out: trigger type "cpu" is not supported`);
    expect(err).toContain(`import: ${namespace}/invoices-scaler: spec.triggers[1]: trigger left out: reads its queue with the connection string in the workload's environment variable "LEGACY_STORAGE_CONNECTION" and names no accountName`);
    expect(err).toContain(`import: 3 ScaledObject(s) read from namespace ${namespace}, 3 target(s) written; 3 field(s) of 2 ScaledObject(s) not carried`);
  });

  test('plain output is SCALER_TARGETS itself, in JSON or YAML, and lands in the only cluster', async () => {
    const json = await runCli(importCommand, ['--kubeconfig', kubeconfig, '-n', namespace]);
    const yaml = await runCli(importCommand, ['--kubeconfig', kubeconfig, '-n', namespace, '--yaml']);
    expect(json.code).toBe(1);
    expect(yaml.code).toBe(1);
    expect(JSON.parse(json.out)).toEqual(expected(namespace));
    expect(parseYaml(yaml.out)).toEqual(expected(namespace));
    expect(yaml.out).toContain('queueLength: "20"');
    for (const text of [json.out, yaml.out]) {
      const config = loadConfig({ SCALER_TARGETS: text, SCALER_CLUSTERS: JSON.stringify({ prod: { resourceId: AKS_ID } }) });
      expect(config.errors.map((e) => e.message)).toEqual([]);
      expect(config.targets.map((t) => `${t.cluster}/${t.id}`).sort()).toEqual(['invoices-scaler', 'orders-scaler', 'thumbnails-scaler'].map((n) => `prod/${namespace}/${n}`));
    }
  });

  test('without --namespace every namespace is read', async () => {
    const { out } = await runCli(importCommand, ['--kubeconfig', kubeconfig, '--json']);
    const { targets } = JSON.parse(out) as { targets: { namespace: string; name: string }[] };
    expect(targets.filter((t) => t.namespace === namespace).map((t) => t.name)).toEqual(['invoices-scaler', 'orders-scaler', 'thumbnails-scaler']);
  });

  test('a namespace whose ScaledObjects all carry over exits 0, still naming the role to grant', async () => {
    const other = (await createWorkloads(admin, { replicas: 1, prefix: 'import' })).namespace;
    await createScaledObject(admin, other, orders);
    const { code, out, err } = await runCli(importCommand, ['--kubeconfig', kubeconfig, '-n', other]);
    expect(JSON.parse(out)).toEqual([expected(other)[1]]);
    expect(err).toContain(`import: ${other}/orders-scaler: spec.triggers[0].authenticationRef: replaced: the scaler reads queue "orders" of account "shopdata" with its managed identity instead of TriggerAuthentication "shop-workload-identity": grant its identity Storage Queue Data Reader`);
    expect(err).toContain(`import: 1 ScaledObject(s) read from namespace ${other}, 1 target(s) written; everything carried`);
    expect(code).toBe(0);
  });

  test('a user who may not list ScaledObjects gets a clear error and no output', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aqs-import-'));
    const bystander = join(dir, 'kubeconfig');
    await writeFile(bystander, kubeConfigWithToken(controlPlane, kubeToken(controlPlane, BYSTANDER_USER)).exportConfig());
    const { code, out, err } = await runCli(importCommand, ['--kubeconfig', bystander, '-n', namespace]);
    expect(out).toBe('');
    expect(err).toMatch(new RegExp(`^import: cannot list ScaledObjects \\(scaledobjects\\.keda\\.sh/v1alpha1\\) in namespace ${namespace} of https://127\\.0\\.0\\.1:\\d+ \\(context local\\): forbidden; the kubeconfig user needs list on scaledobjects\\.keda\\.sh: `));
    expect(code).toBe(1);
  });

  test('a context that is not in the kubeconfig is named, with the ones that are', async () => {
    const { code, err } = await runCli(importCommand, ['--kubeconfig', kubeconfig, '--context', 'prod']);
    expect(err).toBe(`import: context "prod" is not in ${kubeconfig} (contexts: local)\n`);
    expect(code).toBe(1);
  });
});
