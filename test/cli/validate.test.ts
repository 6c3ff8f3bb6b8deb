import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { validateCommand } from '../../cli/commands/validate.js';
import { runCli } from './capture.js';

const good = { scaleTargetRef: { name: 'worker' }, namespace: 'shop', triggers: [{ type: 'azure-queue', metadata: { queueName: 'orders', accountName: 'acct' } }] };
const clusters = JSON.stringify({ prod: { resourceId: '/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks' } });

describe('cli validate', () => {
  let dir: string;
  const settingsFile = async (name: string, values: Record<string, string>): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, JSON.stringify({ Values: values }));
    return path;
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aqs-validate-'));
  });

  test('good settings: exit 0 and a summary', async () => {
    const settings = await settingsFile('good.json', { SCALER_CLUSTERS: clusters, SCALER_TARGETS: JSON.stringify([good]) });
    const { code, out } = await runCli(validateCommand, ['--settings', settings]);
    expect(out).toBe('1 valid target(s), 1 cluster(s), 0 problem(s)\n');
    expect(code).toBe(0);
  });

  test('bad settings: every problem with target, field and reason, exit 1; the good target still counts', async () => {
    const bad = { ...good, scaleTargetRef: { name: 'other' }, minReplicaCount: 5, maxReplicaCount: 2, triggers: [{ type: 'azure-queue', metadata: { queueName: 'orders', accountName: 'acct', queueLength: 'AA' } }] };
    const settings = await settingsFile('bad.json', { SCALER_CLUSTERS: clusters, SCALER_TARGETS: JSON.stringify([good, bad]) });
    const { code, out } = await runCli(validateCommand, ['--settings', settings]);
    expect(out.split('\n')).toEqual([
      'error: target shop/other: triggers[0].metadata.queueLength: "AA" is not an integer',
      'error: target shop/other: minReplicaCount: 5 is more than maxReplicaCount (2)',
      '1 valid target(s), 1 cluster(s), 2 problem(s)',
      '',
    ]);
    expect(code).toBe(1);
  });

  test('targets that could damage each other, a cluster alias and a bad setting: each shown, exit 1', async () => {
    const entry = { server: 'https://k8s.example.net:6443', certificateAuthorityData: Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64') };
    const waker = { ...good, scaleTargetRef: { name: 'waker' }, triggers: [{ type: 'azure-queue', metadata: { queueName: 'invoices', accountName: 'acct' } }], wake: { queueName: 'orders', accountName: 'acct' } };
    const twin = { ...good, name: 'twin', cluster: 'edge2' };
    const settings = await settingsFile('graph.json', {
      SCALER_CLUSTERS: JSON.stringify({ edge: entry, edge2: { ...entry, server: 'https://K8S.example.net:6443/' } }),
      SCALER_TARGETS: JSON.stringify([{ ...good, cluster: 'edge' }, { ...waker, cluster: 'edge' }, twin]),
      SCALER_CONCURRENCY: '0',
    });
    const { code, out } = await runCli(validateCommand, ['--settings', settings]);
    expect(out.split('\n')).toEqual([
      'error: SCALER_CONCURRENCY: "0" is not a whole number from 1 to 1000; using the default (32)',
      'error: target shop/waker: wake.queueName: "orders" in account acct is the work queue of targets shop/worker, shop/twin: a wake function deletes every message of its queue, so they would lose their work. Use a queue of its own',
      'error: target shop/twin: scaleTargetRef: Deployment shop/worker is already scaled by target shop/worker (#0): cluster edge2 is the same cluster as edge (same server https://k8s.example.net:6443)',
      '1 valid target(s), 2 cluster(s), 3 problem(s)',
      '',
    ]);
    expect(code).toBe(1);
  });

  test('--targets reads a YAML file of ScaledObjects; --json for scripts', async () => {
    const targets = join(dir, 'targets.yaml');
    await writeFile(targets, ['apiVersion: keda.sh/v1alpha1', 'kind: ScaledObject', 'metadata: { name: worker, namespace: shop }', 'spec:', '  scaleTargetRef: { name: worker }', '  pollingInterval: 0', '  triggers: [ { type: azure-queue, metadata: { queueName: orders, accountName: acct } } ]'].join('\n'));
    const settings = await settingsFile('clusters.json', { SCALER_CLUSTERS: clusters });
    const { code, out } = await runCli(validateCommand, ['--settings', settings, '--targets', targets, '--json']);
    expect(JSON.parse(out)).toEqual({
      valid: false,
      targets: [],
      errors: [{ where: 'target shop/worker', path: 'spec.pollingInterval', reason: '0 is less than 1', message: 'target shop/worker: spec.pollingInterval: 0 is less than 1' }],
      warnings: [],
    });
    expect(code).toBe(1);
  });

  test('a pasted ScaledObject whose trigger names a TriggerAuthentication: a warning, and exit 0', async () => {
    const targets = join(dir, 'production.yaml');
    await writeFile(targets, [
      'apiVersion: keda.sh/v1alpha1',
      'kind: ScaledObject',
      'metadata: { name: worker, namespace: shop }',
      'spec:',
      '  scaleTargetRef: { name: worker }',
      '  triggers:',
      '    - type: azure-queue',
      '      metadata: { queueName: orders, accountName: acct }',
      '      authenticationRef: { name: orders-workload-identity }',
    ].join('\n'));
    const settings = await settingsFile('clusters-only.json', { SCALER_CLUSTERS: clusters });
    const warning = 'target shop/worker: spec.triggers[0].authenticationRef: is dropped: the scaler reads queue "orders" of account "acct" with its managed identity instead of TriggerAuthentication "orders-workload-identity": grant its identity Storage Queue Data Reader on the queue (set metadata.identityClientId to pick a user-assigned identity)';
    const text = await runCli(validateCommand, ['--settings', settings, '--targets', targets]);
    expect(text.out.split('\n')).toEqual([`warning: ${warning}`, '1 valid target(s), 1 cluster(s), 0 problem(s), 1 warning(s)', '']);
    expect(text.code).toBe(0);
    const json = await runCli(validateCommand, ['--settings', settings, '--targets', targets, '--json']);
    expect(JSON.parse(json.out)).toEqual({
      valid: true,
      targets: ['prod/shop/worker'],
      errors: [],
      warnings: [{ where: 'target shop/worker', path: 'spec.triggers[0].authenticationRef', reason: warning.slice('target shop/worker: spec.triggers[0].authenticationRef: '.length), message: warning }],
    });
    expect(json.code).toBe(0);
  });

  test('--clusters reads SCALER_CLUSTERS from a file, over the settings', async () => {
    const file = join(dir, 'clusters.yaml');
    await writeFile(file, 'edge:\n  resourceId: /subscriptions/00000000-0000-4000-8000-000000000002/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/edge\n');
    const settings = await settingsFile('both.json', { SCALER_CLUSTERS: clusters, SCALER_TARGETS: JSON.stringify([good]) });
    const { code, out } = await runCli(validateCommand, ['--settings', settings, '--clusters', file, '--json']);
    expect(JSON.parse(out)).toMatchObject({ valid: true, targets: ['edge/shop/worker'] });
    expect(code).toBe(0);
  });

  test('no SCALER_TARGETS at all is a problem', async () => {
    const settings = await settingsFile('empty.json', {});
    const { code, out } = await runCli(validateCommand, ['--settings', settings]);
    expect(out).toContain('error: SCALER_TARGETS: is not set');
    expect(code).toBe(1);
  });

  test('a wrong option is a usage error with the help text', async () => {
    const { code, err } = await runCli(validateCommand, ['--nope']);
    expect(err).toContain('Usage: aks-queue-scaler validate');
    expect(code).toBe(2);
  });
});
