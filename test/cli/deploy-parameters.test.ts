// `deploy-parameters`: SCALER_TARGETS and SCALER_CLUSTERS (JSON or YAML, flat targets or
// ScaledObject documents) -> the plain lists infra/main.bicep grants from. The lists are what the
// app's own loader makes of the settings, in the shapes main.bicep declares (its user-defined
// types), and the example infra/scaler.parameters.json is the command's output for the example.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { deployParametersCommand } from '../../cli/commands/deploy-parameters.js';
import type { DeploymentParameters } from '../../cli/deploy/parameters.js';
import { readRepoFile, REPO_ROOT, stripComments } from '../infra/bicep-text.js';
import { runCli } from './capture.js';

const SUB = '00000000-0000-4000-8000-000000000001';
const aks = (group: string, name: string): string => `/subscriptions/${SUB}/resourceGroups/${group}/providers/Microsoft.ContainerService/managedClusters/${name}`;

const YAML_TARGETS = `# flat targets and ScaledObject documents in one YAML stream, as the app setting takes them
- namespace: shop
  cluster: prod
  scaleTargetRef: { name: orders-worker }
  wake: { queueName: orders-inbox, forwardTo: orders }
  triggers:
    - type: azure-queue
      metadata: { accountName: shopdata, queueName: orders }
    - type: azure-queue
      metadata: { accountName: shopdata, queueName: orders-priority }
- scaleTargetRef: { name: mailer }
  cluster: edge
  triggers:
    - type: azure-queue
      metadata: { accountName: maildata, queueName: outbox }
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: invoice-writer
  namespace: billing
  labels: { team: billing }
cluster: prod
spec:
  scaleTargetRef: { kind: StatefulSet, name: invoice-writer }
  wake: { accountName: shopdata, queueName: invoices-wake }
  triggers:
    - type: azure-queue
      metadata: { accountName: shopdata, queueName: invoices, queueLength: "50" }
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: { name: refunds, namespace: shop }
spec:
  cluster: prod
  scaleTargetRef: { kind: StatefulSet, name: refunds }
  wake: { queueName: orders-inbox, forwardTo: refunds }
  triggers:
    - type: azure-queue
      metadata: { accountName: shopdata, queueName: refunds }
`;

/** The same targets as flat JSON. */
const JSON_TARGETS = JSON.stringify([
  { namespace: 'shop', cluster: 'prod', scaleTargetRef: { name: 'orders-worker' }, wake: { queueName: 'orders-inbox', forwardTo: 'orders' }, triggers: [{ type: 'azure-queue', metadata: { accountName: 'shopdata', queueName: 'orders' } }, { type: 'azure-queue', metadata: { accountName: 'shopdata', queueName: 'orders-priority' } }] },
  { scaleTargetRef: { name: 'mailer' }, cluster: 'edge', triggers: [{ type: 'azure-queue', metadata: { accountName: 'maildata', queueName: 'outbox' } }] },
  { name: 'invoice-writer', namespace: 'billing', cluster: 'prod', scaleTargetRef: { kind: 'StatefulSet', name: 'invoice-writer' }, wake: { accountName: 'shopdata', queueName: 'invoices-wake' }, triggers: [{ type: 'azure-queue', metadata: { accountName: 'shopdata', queueName: 'invoices', queueLength: '50' } }] },
  { namespace: 'shop', cluster: 'prod', scaleTargetRef: { kind: 'StatefulSet', name: 'refunds' }, wake: { queueName: 'orders-inbox', forwardTo: 'refunds' }, triggers: [{ type: 'azure-queue', metadata: { accountName: 'shopdata', queueName: 'refunds' } }] },
]);

const YAML_CLUSTERS = `prod:
  resourceId: ${aks('shop-rg', 'shop-aks')}
edge:
  resourceId: ${aks('edge-rg', 'edge-aks')}
`;

/** What main.bicep needs for these targets. */
const GRANTS: Omit<DeploymentParameters, 'scalerTargets' | 'scalerClusters'> = {
  queueReads: [
    { triggerType: 'azure-queue', accountName: 'maildata', queueNames: ['outbox'] },
    { triggerType: 'azure-queue', accountName: 'shopdata', queueNames: ['invoices', 'orders', 'orders-priority', 'refunds'] },
  ],
  queueSends: [{ triggerType: 'azure-queue', accountName: 'shopdata', queueNames: ['orders', 'refunds'] }],
  serviceBusReads: [],
  wakeQueues: [
    { accountName: '', queueNames: ['orders-inbox'] },
    { accountName: 'shopdata', queueNames: ['invoices-wake'] },
  ],
  clusters: [
    // A target without namespace or kind: default, Deployment, as the app reads it.
    { name: 'edge', subscriptionId: SUB, resourceGroup: 'edge-rg', clusterName: 'edge-aks', namespaces: [{ name: 'default', kinds: ['Deployment'] }] },
    { name: 'prod', subscriptionId: SUB, resourceGroup: 'shop-rg', clusterName: 'shop-aks', namespaces: [{ name: 'billing', kinds: ['StatefulSet'] }, { name: 'shop', kinds: ['Deployment', 'StatefulSet'] }] },
  ],
};

type ParametersFile = { $schema: string; contentVersion: string; parameters: Record<string, { value: unknown }> };
const valuesOf = (text: string): Record<string, unknown> => Object.fromEntries(Object.entries((JSON.parse(text) as ParametersFile).parameters).map(([k, v]) => [k, v.value]));

describe('cli deploy-parameters', () => {
  let dir: string;
  const file = async (name: string, text: string): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aqs-deploy-parameters-'));
  });

  test('YAML with flat targets and ScaledObject documents: the settings as given, and what they need granted', async () => {
    const targets = await file('targets.yaml', YAML_TARGETS);
    const clusters = await file('clusters.yaml', YAML_CLUSTERS);
    const { code, out, err } = await runCli(deployParametersCommand, ['--targets', targets, '--clusters', clusters]);
    expect(code).toBe(0);
    const parsed = JSON.parse(out) as ParametersFile;
    expect(parsed.$schema).toBe('https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#');
    expect(parsed.contentVersion).toBe('1.0.0.0');
    expect(valuesOf(out)).toEqual({ scalerTargets: YAML_TARGETS, scalerClusters: YAML_CLUSTERS, ...GRANTS });
    expect(err.split('\n')).toEqual([
      'storageAccounts in infra/main.bicepparam must place: maildata, shopdata',
      'deploy-parameters: 5 queue(s) read, 2 wake queue(s), 2 forward queue(s), 2 cluster(s)',
      '',
    ]);
  });

  test('Service Bus triggers: each queue and topic subscription, per namespace, on the list of their scope', async () => {
    const targets = await file('servicebus.yaml', `- namespace: shop
  cluster: prod
  scaleTargetRef: { name: billing }
  wake: { queueName: billing-wake }
  triggers:
    - type: azure-servicebus
      metadata: { namespace: shopbus, topicName: events, subscriptionName: billing }
    - type: azure-servicebus
      metadata: { namespace: shopbus, queueName: refunds }
    - type: azure-queue
      metadata: { accountName: shopdata, queueName: orders }
`);
    const clusters = await file('clusters.yaml', YAML_CLUSTERS);
    const { code, out, err } = await runCli(deployParametersCommand, ['--targets', targets, '--clusters', clusters]);
    expect(code).toBe(0);
    const values = valuesOf(out);
    expect(values.serviceBusReads).toEqual([{ triggerType: 'azure-servicebus', accountName: 'shopbus', queueNames: ['events/Subscriptions/billing', 'refunds'] }]);
    expect(values.queueReads).toEqual([{ triggerType: 'azure-queue', accountName: 'shopdata', queueNames: ['orders'] }]);
    expect(values.queueSends).toEqual([]);
    expect(err.split('\n')).toEqual([
      'note: cluster edge: no target runs there, so the scaler identity is granted nothing on it',
      'storageAccounts in infra/main.bicepparam must place: shopdata',
      'serviceBusNamespaces in infra/main.bicepparam must place: shopbus',
      'deploy-parameters: 1 queue(s) read, 2 Service Bus queue(s) or subscription(s) read, 1 wake queue(s), 0 forward queue(s), 1 cluster(s)',
      '',
    ]);
  });

  test('the same targets as flat JSON need the same grants', async () => {
    const targets = await file('targets.json', JSON_TARGETS);
    const clusters = await file('clusters.yaml', YAML_CLUSTERS);
    const { code, out } = await runCli(deployParametersCommand, ['--targets', targets, '--clusters', clusters]);
    expect(code).toBe(0);
    expect(valuesOf(out)).toEqual({ scalerTargets: JSON_TARGETS, scalerClusters: YAML_CLUSTERS, ...GRANTS });
  });

  test('with one cluster, a target that names none runs there, as the app reads it', async () => {
    const clusters = await file('one.json', JSON.stringify({ only: { resourceId: aks('rg', 'only-aks') } }));
    const targets = await file('bare.yaml', 'scaleTargetRef: { name: worker }\ntriggers: [{ type: azure-queue, metadata: { accountName: acct, queueName: work } }]\n');
    const { code, out } = await runCli(deployParametersCommand, ['--targets', targets, '--clusters', clusters]);
    expect(code).toBe(0);
    expect(valuesOf(out).clusters).toEqual([{ name: 'only', subscriptionId: SUB, resourceGroup: 'rg', clusterName: 'only-aks', namespaces: [{ name: 'default', kinds: ['Deployment'] }] }]);
  });

  test('--out writes the file; notes say what the deployment leaves to you', async () => {
    const entry = { server: 'https://k8s.example.net:6443', certificateAuthorityData: Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64') };
    const clusters = await file('mixed.json', JSON.stringify({ prod: { resourceId: aks('shop-rg', 'shop-aks'), identityClientId: '11111111-1111-4111-8111-111111111111' }, edge: entry, spare: { resourceId: aks('rg', 'spare') } }));
    const targets = await file('few.json', JSON.stringify([
      { namespace: 'shop', cluster: 'prod', scaleTargetRef: { name: 'a' }, triggers: [{ type: 'azure-queue', metadata: { accountName: 'shopdata', queueName: 'queue-a' } }] },
      { namespace: 'shop', cluster: 'edge', scaleTargetRef: { name: 'b' }, triggers: [{ type: 'azure-queue', metadata: { accountName: 'shopdata', queueName: 'queue-b' } }] },
    ]));
    const out = join(dir, 'out.parameters.json');
    const run = await runCli(deployParametersCommand, ['--targets', targets, '--clusters', clusters, '--out', out]);
    expect(run.code).toBe(0);
    expect(run.out).toBe('');
    const values = valuesOf(await readFile(out, 'utf8'));
    expect((values.clusters as { name: string }[]).map((c) => c.name)).toEqual(['prod']);
    expect(run.err).toContain('note: cluster edge: reached by its server URL, not an AKS resource id: no Azure role is granted');
    expect(run.err).toContain('note: cluster prod: identityClientId is given: the deployment grants its roles to the scaler identity, not to that one');
    expect(run.err).toContain('note: cluster spare: no target runs there, so the scaler identity is granted nothing on it');
    expect(run.err).toContain(`: ${out}\n`);
  });

  test('any problem in the settings: each printed, exit 1, nothing written', async () => {
    const clusters = await file('clusters.yaml', YAML_CLUSTERS);
    const targets = await file('bad.yaml', `- namespace: shop
  cluster: prod
  scaleTargetRef: { name: okay }
  triggers: [{ type: azure-queue, metadata: { accountName: shopdata, queueName: okay } }]
- namespace: shop
  cluster: prod
  scaleTargetRef: { name: local }
  triggers: [{ type: azure-queue, metadata: { queueName: local, connectionFromEnv: STORAGE } }]
- namespace: shop
  scaleTargetRef: { name: lost }
  triggers: [{ type: azure-queue, metadata: { accountName: shopdata, queueName: lost } }]
`);
    const { code, out, err } = await runCli(deployParametersCommand, ['--targets', targets, '--clusters', clusters]);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err.split('\n')).toEqual([
      'error: target shop/local: triggers[0].metadata.connectionFromEnv: is for local development only (set SCALER_LOCAL_DEVELOPMENT=true to use it)',
      'error: target shop/lost: cluster: is required when SCALER_CLUSTERS names several clusters (prod, edge)',
      'deploy-parameters: 2 problem(s): nothing written',
      '',
    ]);
  });

  test.each([
    [[], '--targets FILE is required'],
    [['--targets', 'x'], '--clusters FILE is required'],
    [['--targets', 'x', '--clusters', 'y', 'z'], 'unexpected argument: z'],
  ])('usage %j: exit 2', async (args, reason) => {
    const { code, err } = await runCli(deployParametersCommand, args);
    expect(code).toBe(2);
    expect(err).toContain(reason);
  });

  test('a file that cannot be read: exit 1', async () => {
    const { code, err } = await runCli(deployParametersCommand, ['--targets', join(dir, 'missing.yaml'), '--clusters', join(dir, 'missing.json')]);
    expect(code).toBe(1);
    expect(err).toMatch(/^deploy-parameters: ENOENT/);
  });
});

/** main.bicep's user-defined object types: type name -> property name -> its type text. */
function bicepTypes(): Map<string, Map<string, string>> {
  const code = stripComments(readRepoFile('infra/main.bicep').text);
  const types = new Map<string, Map<string, string>>();
  for (const m of code.matchAll(/^type (\w+) = \{\n([\s\S]*?)^\}/gm)) {
    const properties = new Map<string, string>();
    for (const p of m[2]!.matchAll(/^\s+(\w+): (.+)$/gm)) properties.set(p[1]!, p[2]!.trim());
    types.set(m[1]!, properties);
  }
  return types;
}

/** Whether `value` has exactly the shape of Bicep type `type` (string, string[], a union of literals, a declared object type, T[]). */
function conforms(value: unknown, type: string, types: Map<string, Map<string, string>>, path: string): string[] {
  if (type.endsWith('[]')) {
    if (!Array.isArray(value)) return [`${path}: not an array`];
    return value.flatMap((v, i) => conforms(v, type.slice(0, -2).replace(/^\((.*)\)$/, '$1'), types, `${path}[${i}]`));
  }
  if (type === 'string') return typeof value === 'string' ? [] : [`${path}: not a string`];
  if (type.startsWith("'")) {
    const literals = type.split('|').map((l) => l.trim().replace(/^'|'$/g, ''));
    return literals.includes(value as string) ? [] : [`${path}: ${JSON.stringify(value)} is not one of ${literals.join(', ')}`];
  }
  const properties = types.get(type);
  if (!properties) return [`${path}: unknown type ${type}`];
  if (typeof value !== 'object' || value === null) return [`${path}: not an object`];
  const keys = Object.keys(value);
  const problems = [...properties.keys()].filter((k) => !keys.includes(k)).map((k) => `${path}: no ${k}`);
  problems.push(...keys.filter((k) => !properties.has(k)).map((k) => `${path}: ${k} is not in ${type}`));
  for (const [k, t] of properties) if (keys.includes(k)) problems.push(...conforms((value as Record<string, unknown>)[k], t, types, `${path}.${k}`));
  return problems;
}

describe('what infra/main.bicep takes', () => {
  const types = bicepTypes();
  const params = new Map([...readRepoFile('infra/main.bicep').text.matchAll(/^param (\w+) (\S+)/gm)].map((m) => [m[1]!, m[2]!]));

  test('the output has main.bicep\'s parameters, each in the shape of its declared type', async () => {
    expect([...types.keys()]).toEqual(['queueGrant', 'wakeQueueGrant', 'namespaceGrant', 'clusterGrant', 'serviceBusGrant']);
    const dir = await mkdtemp(join(tmpdir(), 'aqs-deploy-shape-'));
    await writeFile(join(dir, 't.yaml'), YAML_TARGETS);
    await writeFile(join(dir, 'c.yaml'), YAML_CLUSTERS);
    const { out } = await runCli(deployParametersCommand, ['--targets', join(dir, 't.yaml'), '--clusters', join(dir, 'c.yaml')]);
    const values = valuesOf(out);
    for (const [name, value] of Object.entries(values)) {
      expect(params.has(name), `main.bicep has no param ${name}`).toBe(true);
      expect(conforms(value, params.get(name)!, types, name)).toEqual([]);
    }
    // Every list main.bicep takes is written.
    for (const [name, type] of params) if (type.endsWith('Grant[]')) expect(values, name).toHaveProperty(name);
  });

  test('the shape check can fail', () => {
    expect(conforms([{ name: 'x', kinds: ['Job'] }], 'namespaceGrant[]', types, 'n')).toEqual(['n[0].kinds[0]: "Job" is not one of Deployment, StatefulSet']);
    expect(conforms([{ accountName: 'a', queueNames: ['q'] }], 'queueGrant[]', types, 'q')).toEqual(['q[0]: no triggerType']);
    expect(conforms([{ accountName: 'a', queueNames: ['q'], extra: 1 }], 'wakeQueueGrant[]', types, 'w')).toEqual(['w[0]: extra is not in wakeQueueGrant']);
  });

  test('infra/scaler.parameters.json is the command\'s output for infra/targets.yaml and infra/clusters.json (else: regenerate it, docs/deploy.md step 1)', async () => {
    const { code, out } = await runCli(deployParametersCommand, ['--targets', join(REPO_ROOT, 'infra/targets.yaml'), '--clusters', join(REPO_ROOT, 'infra/clusters.json')]);
    expect(code).toBe(0);
    expect(readRepoFile('infra/scaler.parameters.json').text).toBe(out);
  });
});
