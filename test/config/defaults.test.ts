// What a valid configuration loads as: KEDA's defaults, numbers given as strings, whole
// ScaledObject documents, HPA behavior defaults filled field by field, cloud suffixes, and the
// cluster a target lands on.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { loadConfig, parseTarget, type Config, type Settings, type Target } from '../../shared/config/index.js';
import { queueServiceUrl, type AzureQueueMetadata } from '../../shared/sources/azure-queue/metadata.js';

const AKS_ID = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/shop-rg/providers/Microsoft.ContainerService/managedClusters/shop-aks';
const CA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');
const ONE_CLUSTER = JSON.stringify({ prod: { resourceId: AKS_ID } });

type Json = Record<string, unknown>;
const queue = (metadata: Json = {}, extra: Json = {}): Json => ({ type: 'azure-queue', metadata: { queueName: 'orders', accountName: 'shopdata', ...metadata }, ...extra });
const target = (extra: Json = {}): Json => ({ namespace: 'shop', scaleTargetRef: { name: 'worker' }, triggers: [queue()], ...extra });
const withBehavior = (behavior: Json): Json => target({ advanced: { horizontalPodAutoscalerConfig: { behavior } } });

/** Loads settings that must be valid, and fails with the messages when they are not. */
function load(settings: Settings): Config {
  const config = loadConfig({ SCALER_CLUSTERS: ONE_CLUSTER, ...settings });
  expect(config.errors.map((e) => e.message)).toEqual([]);
  return config;
}
/** The first trigger's metadata, of an azure-queue trigger (every target here has one first). */
function queueMetadata(t: Target): AzureQueueMetadata {
  const trigger = t.triggers[0]!;
  if (trigger.type !== 'azure-queue') throw new Error(`triggers[0] is ${trigger.type}`);
  return trigger.metadata;
}

const only = (targets: unknown): Target => {
  const config = load({ SCALER_TARGETS: typeof targets === 'string' ? targets : JSON.stringify([targets]) });
  expect(config.targets).toHaveLength(1);
  return config.targets[0]!;
};

// The HPA's defaults (pkg/apis/autoscaling/v2/defaults.go), and the controller's 300 s
// scale-down window and 0.1 tolerance.
const UP = { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }], tolerance: 0.1 };
const DOWN = { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }], tolerance: 0.1 };

interface Row {
  name: string;
  /** A flat target, or the SCALER_TARGETS text. */
  input: unknown;
  pick: (t: Target) => unknown;
  want: unknown;
}

const rows: Row[] = [
  // KEDA's ScaledObject defaults
  { name: 'pollingInterval defaults to 30', input: target(), pick: (t) => t.pollingInterval, want: 30 },
  { name: 'cooldownPeriod defaults to 300', input: target(), pick: (t) => t.cooldownPeriod, want: 300 },
  { name: 'initialCooldownPeriod defaults to 0', input: target(), pick: (t) => t.initialCooldownPeriod, want: 0 },
  { name: 'minReplicaCount defaults to 0', input: target(), pick: (t) => t.minReplicaCount, want: 0 },
  { name: 'maxReplicaCount defaults to 100', input: target(), pick: (t) => t.maxReplicaCount, want: 100 },
  { name: 'idleReplicaCount is unset by default', input: target(), pick: (t) => t.idleReplicaCount, want: undefined },
  { name: 'fallback is unset by default', input: target(), pick: (t) => t.fallback, want: undefined },
  { name: 'without behavior the engine takes the no-behavior path', input: target(), pick: (t) => t.behavior, want: undefined },
  { name: 'paused defaults to false', input: target(), pick: (t) => t.paused, want: false },
  { name: 'scaleTargetRef defaults to an apps/v1 Deployment', input: target(), pick: (t) => t.scaleTargetRef, want: { name: 'worker', kind: 'Deployment', apiVersion: 'apps/v1' } },
  { name: 'a StatefulSet is accepted', input: target({ scaleTargetRef: { name: 'worker', kind: 'StatefulSet' } }), pick: (t) => t.scaleTargetRef.kind, want: 'StatefulSet' },
  { name: 'namespace defaults to default', input: target({ namespace: undefined }), pick: (t) => t.id, want: 'default/worker' },
  { name: 'name defaults to scaleTargetRef.name', input: target(), pick: (t) => [t.id, t.name], want: ['shop/worker', 'worker'] },
  { name: 'name overrides the id', input: target({ name: 'worker-orders' }), pick: (t) => [t.id, t.scaleTargetRef.name], want: ['shop/worker-orders', 'worker'] },
  { name: 'fallback behavior defaults to static', input: target({ fallback: { failureThreshold: 3, replicas: 6 } }), pick: (t) => t.fallback, want: { failureThreshold: 3, replicas: 6, behavior: 'static' } },
  { name: 'idle 0 with minReplicaCount given as 0 passes, as in KEDA', input: target({ minReplicaCount: 0, idleReplicaCount: 0 }), pick: (t) => [t.minReplicaCount, t.idleReplicaCount], want: [0, 0] },

  // azure-queue metadata defaults (azure_queue_scaler.go tags)
  { name: 'queueLength defaults to 5 (the AverageValue target)', input: target(), pick: (t) => t.triggers[0]!.targetValue, want: 5 },
  { name: 'activationQueueLength defaults to 0', input: target(), pick: (t) => t.triggers[0]!.activationTargetValue, want: 0 },
  { name: 'queueLengthStrategy defaults to all', input: target(), pick: (t) => queueMetadata(t).queueLengthStrategy, want: 'all' },
  { name: 'metricType defaults to AverageValue', input: target(), pick: (t) => t.triggers[0]!.metricType, want: 'AverageValue' },
  { name: 'metricType Value is kept for the engine', input: target({ triggers: [queue({}, { metricType: 'Value' })] }), pick: (t) => t.triggers[0]!.metricType, want: 'Value' },

  // advanced.scalingModifiers (KEDA's composite metric)
  { name: 'no scalingModifiers by default', input: target(), pick: (t) => t.scalingModifiers, want: undefined },
  {
    name: 'scalingModifiers: activationTarget defaults to 0, metricType to AverageValue, names resolve to trigger indexes',
    input: target({ triggers: [queue({}, { name: 'a' }), queue({ queueName: 'returns' }, { name: 'b' })], advanced: { scalingModifiers: { formula: 'max(a, b) / 2', target: '5' } } }),
    pick: (t) => t.scalingModifiers,
    want: { formula: 'max(a, b) / 2', target: 5, activationTarget: 0, metricType: 'AverageValue', expression: { kind: 'binary', op: '/', left: { kind: 'call', fn: 'max', args: [{ kind: 'trigger', index: 0 }, { kind: 'trigger', index: 1 }] }, right: { kind: 'number', value: 2 } } },
  },
  {
    name: 'scalingModifiers: numbers as strings or numbers, target cut to thousandths as KEDA gives it to the HPA',
    input: target({ triggers: [queue({}, { name: 'a' })], advanced: { scalingModifiers: { formula: 'a', target: '2.50049', activationTarget: 1.5, metricType: 'Value' } } }),
    pick: (t) => [t.scalingModifiers?.target, t.scalingModifiers?.activationTarget, t.scalingModifiers?.metricType],
    want: [2.5, 1.5, 'Value'],
  },
  { name: 'fallback behavior scalingModifiers is kept', input: target({ triggers: [queue({}, { name: 'a' })], fallback: { failureThreshold: 2, replicas: 3, behavior: 'scalingModifiers' }, advanced: { scalingModifiers: { formula: 'a ?? 4', target: '2' } } }), pick: (t) => t.fallback?.behavior, want: 'scalingModifiers' },
  { name: 'an empty metadata value counts as missing, as in KEDA', input: target({ triggers: [queue({ queueLength: '', cloud: '' })] }), pick: (t) => [t.triggers[0]!.targetValue, t.triggers[0]!.metadata.endpointSuffix], want: [5, 'queue.core.windows.net'] },
  { name: 'queueLengthStrategy visibleonly', input: target({ triggers: [queue({ queueLengthStrategy: 'visibleonly' })] }), pick: (t) => queueMetadata(t).queueLengthStrategy, want: 'visibleonly' },
  { name: 'trigger name and identityClientId are kept', input: target({ triggers: [queue({ identityClientId: '00000000-0000-0000-0000-0000000000aa' }, { name: 'orders' })] }), pick: (t) => [t.triggers[0]!.name, t.triggers[0]!.metadata.identityClientId], want: ['orders', '00000000-0000-0000-0000-0000000000aa'] },

  // numbers given as strings, as a ScaledObject's metadata always is
  {
    name: 'numbers given as strings',
    input: target({ pollingInterval: '15', cooldownPeriod: '60', initialCooldownPeriod: '120', minReplicaCount: '1', maxReplicaCount: '10', triggers: [queue({ queueLength: '20', activationQueueLength: '3' })] }),
    pick: (t) => [t.pollingInterval, t.cooldownPeriod, t.initialCooldownPeriod, t.minReplicaCount, t.maxReplicaCount, t.triggers[0]!.targetValue, t.triggers[0]!.activationTargetValue],
    want: [15, 60, 120, 1, 10, 20, 3],
  },
  { name: 'fallback counts given as strings', input: target({ fallback: { failureThreshold: '3', replicas: '6', behavior: 'currentReplicasIfHigher' } }), pick: (t) => t.fallback, want: { failureThreshold: 3, replicas: 6, behavior: 'currentReplicasIfHigher' } },
  { name: 'behavior numbers given as strings', input: withBehavior({ scaleUp: { stabilizationWindowSeconds: '30', policies: [{ type: 'Pods', value: '2', periodSeconds: '60' }] } }), pick: (t) => t.behavior?.scaleUp, want: { ...UP, stabilizationWindowSeconds: 30, policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] } },

  // behavior: defaults per direction, field by field (copyHPAScalingRules)
  { name: 'an empty behavior takes every HPA default', input: withBehavior({}), pick: (t) => t.behavior, want: { scaleUp: UP, scaleDown: DOWN } },
  { name: 'scaleDown only: scaleUp takes its defaults', input: withBehavior({ scaleDown: { stabilizationWindowSeconds: 60 } }), pick: (t) => t.behavior, want: { scaleUp: UP, scaleDown: { ...DOWN, stabilizationWindowSeconds: 60 } } },
  { name: 'selectPolicy overrides only itself', input: withBehavior({ scaleUp: { selectPolicy: 'Min' } }), pick: (t) => t.behavior?.scaleUp, want: { ...UP, selectPolicy: 'Min' } },
  { name: 'selectPolicy Disabled', input: withBehavior({ scaleDown: { selectPolicy: 'Disabled' } }), pick: (t) => t.behavior?.scaleDown, want: { ...DOWN, selectPolicy: 'Disabled' } },
  {
    name: 'policies replace the default list and nothing else',
    input: withBehavior({ scaleDown: { policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } }),
    pick: (t) => t.behavior?.scaleDown,
    want: { ...DOWN, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] },
  },
  { name: 'scale-up window 3600 and period 1800 are the upper bounds', input: withBehavior({ scaleUp: { stabilizationWindowSeconds: 3600, policies: [{ type: 'Percent', value: 1, periodSeconds: 1800 }] } }), pick: (t) => t.behavior?.scaleUp.stabilizationWindowSeconds, want: 3600 },
  { name: 'tolerance "50m" is 0.05', input: withBehavior({ scaleUp: { tolerance: '50m' } }), pick: (t) => [t.behavior?.scaleUp.tolerance, t.behavior?.scaleDown.tolerance], want: [0.05, 0.1] },
  { name: 'tolerance as a number, and 0', input: withBehavior({ scaleUp: { tolerance: 0.25 }, scaleDown: { tolerance: 0 } }), pick: (t) => [t.behavior?.scaleUp.tolerance, t.behavior?.scaleDown.tolerance], want: [0.25, 0] },
  { name: 'tolerance as a decimal string', input: withBehavior({ scaleDown: { tolerance: '0.2' } }), pick: (t) => t.behavior?.scaleDown.tolerance, want: 0.2 },

  // clouds (KEDA's azure_cloud_environment.go; names are case-insensitive)
  ...(
    [
      [undefined, 'queue.core.windows.net'],
      ['AzurePublicCloud', 'queue.core.windows.net'],
      ['AzureCloud', 'queue.core.windows.net'],
      ['AzureUSGovernmentCloud', 'queue.core.usgovcloudapi.net'],
      ['AZUREUSGOVERNMENT', 'queue.core.usgovcloudapi.net'],
      ['azurechinacloud', 'queue.core.chinacloudapi.cn'],
    ] as const
  ).map(([cloud, suffix]): Row => ({
    name: `cloud ${cloud ?? '(omitted)'} reads from *.${suffix}`,
    input: target({ triggers: [queue(cloud ? { cloud } : {})] }),
    pick: (t) => queueServiceUrl(queueMetadata(t)),
    want: `https://shopdata.${suffix}`,
  })),
  {
    name: 'cloud Private uses endpointSuffix as given',
    input: target({ triggers: [queue({ cloud: 'Private', endpointSuffix: 'queue.core.contoso.example' })] }),
    pick: (t) => queueServiceUrl(queueMetadata(t)),
    want: 'https://shopdata.queue.core.contoso.example',
  },
  {
    name: 'cloud private in lower case',
    input: target({ triggers: [queue({ cloud: 'private', endpointSuffix: 'queue.azurestack.local' })] }),
    pick: (t) => t.triggers[0]!.metadata.endpointSuffix,
    want: 'queue.azurestack.local',
  },

  // documents: YAML, streams, kind: List, ScaledObjects
  {
    name: 'a YAML list of flat targets',
    input: '- scaleTargetRef: {name: worker}\n  namespace: shop\n  maxReplicaCount: 7\n  triggers:\n    - type: azure-queue\n      metadata: {queueName: orders, accountName: shopdata, queueLength: "8"}\n',
    pick: (t) => [t.id, t.maxReplicaCount, t.triggers[0]!.targetValue],
    want: ['shop/worker', 7, 8],
  },
  {
    name: 'a single flat target, not in a list',
    input: JSON.stringify(target()),
    pick: (t) => t.id,
    want: 'shop/worker',
  },
  {
    name: 'a pasted ScaledObject takes metadata.name and namespace',
    input: `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: orders-scaler
  namespace: shop
  labels: {app: worker}
  resourceVersion: "4711"
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: worker
  minReplicaCount: 0
  maxReplicaCount: 20
  cooldownPeriod: 120
  triggers:
    - type: azure-queue
      metadata:
        queueName: orders
        accountName: shopdata
        queueLength: "10"
        activationQueueLength: "1"
status:
  lastActiveTime: "2026-01-01T00:00:00Z"
`,
    pick: (t) => [t.id, t.name, t.namespace, t.scaleTargetRef.name, t.maxReplicaCount, t.cooldownPeriod, t.triggers[0]!.targetValue, t.triggers[0]!.activationTargetValue],
    want: ['shop/orders-scaler', 'orders-scaler', 'shop', 'worker', 20, 120, 10, 1],
  },
  {
    name: 'a ScaledObject without namespace lands in default',
    input: 'apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: orders-scaler}\nspec:\n  scaleTargetRef: {name: worker}\n  triggers: [{type: azure-queue, metadata: {queueName: orders, accountName: shopdata}}]\n',
    pick: (t) => t.id,
    want: 'default/orders-scaler',
  },
  {
    name: 'the ScaledObject pause annotation sets paused',
    input: 'apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: worker\n  annotations: {autoscaling.keda.sh/paused: "true"}\nspec:\n  scaleTargetRef: {name: worker}\n  triggers: [{type: azure-queue, metadata: {queueName: orders, accountName: shopdata}}]\n',
    pick: (t) => t.paused,
    want: true,
  },
  {
    name: 'the ScaledObject pause annotation "false" does not',
    input: 'apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: worker\n  annotations: {autoscaling.keda.sh/paused: "false"}\nspec:\n  scaleTargetRef: {name: worker}\n  triggers: [{type: azure-queue, metadata: {queueName: orders, accountName: shopdata}}]\n',
    pick: (t) => t.paused,
    want: false,
  },
  {
    name: 'a ScaledObject behavior is defaulted like a flat one',
    input: 'apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: worker, namespace: shop}\nspec:\n  scaleTargetRef: {name: worker}\n  advanced:\n    horizontalPodAutoscalerConfig:\n      behavior:\n        scaleDown: {stabilizationWindowSeconds: 30}\n  triggers: [{type: azure-queue, metadata: {queueName: orders, accountName: shopdata}}]\n',
    pick: (t) => t.behavior,
    want: { scaleUp: UP, scaleDown: { ...DOWN, stabilizationWindowSeconds: 30 } },
  },
];

describe('defaults and accepted forms', () => {
  test.each(rows)('$name', (row) => {
    expect(row.pick(only(row.input))).toEqual(row.want);
  });

  test('a YAML stream of ScaledObjects loads each document', () => {
    const so = (name: string, queueName: string) =>
      `apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: ${name}\n  namespace: shop\nspec:\n  scaleTargetRef:\n    name: ${name}\n  triggers:\n    - type: azure-queue\n      metadata:\n        queueName: ${queueName}\n        accountName: shopdata\n`;
    const config = load({ SCALER_TARGETS: `${so('orders', 'orders')}---\n${so('returns', 'returns')}` });
    expect(config.targets.map((t) => [t.id, t.triggers[0]!.metadata.queueName])).toEqual([
      ['shop/orders', 'orders'],
      ['shop/returns', 'returns'],
    ]);
  });

  test('a kind: List (kubectl get scaledobjects -o yaml) loads its items', () => {
    const list = {
      apiVersion: 'v1',
      kind: 'List',
      items: ['orders', 'returns'].map((name) => ({ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name, namespace: 'shop' }, spec: { scaleTargetRef: { name }, triggers: [queue({ queueName: name })] } })),
    };
    const config = load({ SCALER_TARGETS: JSON.stringify(list) });
    expect(config.targets.map((t) => t.id)).toEqual(['shop/orders', 'shop/returns']);
  });

  test('empty settings give no targets and no errors', () => {
    const config = loadConfig({});
    expect(config).toEqual({
      targets: [], clusters: new Map(), errors: [], warnings: [], localDevelopment: false,
      concurrency: 32, schedule: '*/15 * * * * *', stateTable: 'scalerstate', shardQueue: 'scaler-shards', shardSize: undefined, shardWorker: false, idleReadingMaxAgeSeconds: 120, storage: {}, wakeConnections: new Map(),
    });
  });
});

describe('clusters', () => {
  const TWO = JSON.stringify({ prod: { resourceId: AKS_ID }, edge: { server: 'https://edge.example:6443', certificateAuthorityData: CA } });

  test('the single cluster is used when a target names none', () => {
    expect(load({ SCALER_TARGETS: JSON.stringify([target()]) }).targets[0]!.cluster).toBe('prod');
  });

  test('a target names one of several clusters', () => {
    const config = load({ SCALER_CLUSTERS: TWO, SCALER_TARGETS: JSON.stringify([target({ cluster: 'edge' }), target({ name: 'w2', scaleTargetRef: { name: 'w2' }, cluster: 'prod' })]) });
    expect(config.targets.map((t) => [t.id, t.cluster])).toEqual([
      ['shop/worker', 'edge'],
      ['shop/w2', 'prod'],
    ]);
  });

  test('a ScaledObject names its cluster at the top of the document', () => {
    const doc = `cluster: edge\napiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: worker, namespace: shop}\nspec:\n  scaleTargetRef: {name: worker}\n  triggers: [{type: azure-queue, metadata: {queueName: orders, accountName: shopdata}}]\n`;
    expect(load({ SCALER_CLUSTERS: TWO, SCALER_TARGETS: doc }).targets[0]!.cluster).toBe('edge');
  });

  test('the same Deployment in two clusters is two workloads', () => {
    const config = load({ SCALER_CLUSTERS: TWO, SCALER_TARGETS: JSON.stringify([target({ name: 'w-prod', cluster: 'prod' }), target({ name: 'w-edge', cluster: 'edge' })]) });
    expect(config.targets.map((t) => t.id)).toEqual(['shop/w-prod', 'shop/w-edge']);
  });

  test('each cluster kind is parsed', () => {
    const clusters = {
      prod: { resourceId: AKS_ID, identityClientId: '00000000-0000-0000-0000-0000000000aa' },
      edge: { server: 'https://edge.example:6443', certificateAuthorityData: CA },
      dev: { context: 'kind-dev', kubeconfig: '/home/dev/.kube/config' },
    };
    const config = load({ SCALER_LOCAL_DEVELOPMENT: 'true', SCALER_CLUSTERS: JSON.stringify(clusters) });
    expect(Object.fromEntries(config.clusters)).toEqual({
      prod: { name: 'prod', kind: 'aks', resourceId: AKS_ID, subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'shop-rg', clusterName: 'shop-aks', identityClientId: '00000000-0000-0000-0000-0000000000aa', armEndpoint: undefined },
      edge: { name: 'edge', kind: 'server', server: 'https://edge.example:6443', certificateAuthorityData: CA, identityClientId: undefined },
      dev: { name: 'dev', kind: 'kubeconfig', context: 'kind-dev', kubeconfig: '/home/dev/.kube/config' },
    });
  });

  test('SCALER_CLUSTERS as a YAML list of named entries', () => {
    const config = load({ SCALER_CLUSTERS: `- name: prod\n  resourceId: ${AKS_ID}\n` });
    expect([...config.clusters.keys()]).toEqual(['prod']);
  });
});

describe('local development', () => {
  test('SCALER_LOCAL_DEVELOPMENT=true allows connectionFromEnv, queueServiceUri, context and armEndpoint', () => {
    const clusters = { dev: { context: 'kind-dev' }, arm: { resourceId: AKS_ID, armEndpoint: 'https://127.0.0.1:8443' } };
    const config = load({
      SCALER_LOCAL_DEVELOPMENT: 'true',
      SCALER_CLUSTERS: JSON.stringify(clusters),
      SCALER_TARGETS: JSON.stringify([
        target({ cluster: 'dev', triggers: [{ type: 'azure-queue', metadata: { queueName: 'orders', connectionFromEnv: 'STORAGE_CONNECTION' } }] }),
        target({ name: 'w2', cluster: 'arm', triggers: [queue({ queueServiceUri: 'http://127.0.0.1:10001/devstoreaccount1' })] }),
      ]),
    });
    expect(config.localDevelopment).toBe(true);
    expect(config.targets.map((t) => [t.id, t.cluster])).toEqual([
      ['shop/worker', 'dev'],
      ['shop/w2', 'arm'],
    ]);
    expect(queueServiceUrl(queueMetadata(config.targets[1]!))).toBe('http://127.0.0.1:10001/devstoreaccount1');
  });

  test.each([
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['false', false],
    ['', false],
    [undefined, false],
  ] as const)('SCALER_LOCAL_DEVELOPMENT=%s reads as %s', (value, want) => {
    expect(load({ SCALER_LOCAL_DEVELOPMENT: value }).localDevelopment).toBe(want);
  });
});

describe('replay', () => {
  test('parseTarget(target.input) gives the loaded target again (explain replays it)', () => {
    const so = 'apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: orders, namespace: shop}\nspec:\n  scaleTargetRef: {name: orders}\n  triggers: [{type: azure-queue, metadata: {queueName: orders, accountName: shopdata, queueLength: "7"}}]\n';
    const config = load({ SCALER_TARGETS: `${JSON.stringify(target({ cluster: 'prod', minReplicaCount: '1' }))}\n---\n${so}` });
    expect(config.targets).toHaveLength(2);
    for (const loaded of config.targets) {
      const again = parseTarget(loaded.input);
      expect(again.ok && { ...again.target, cluster: loaded.cluster }).toEqual(loaded);
    }
  });
});

describe('docs/configuration.md examples', () => {
  /** The first fenced block under the heading `title`. */
  const example = (title: string): string => {
    const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    const section = doc.split(/^#+ /m).find((s) => s.startsWith(`${title}\n`));
    const block = section && /```\w*\n([\s\S]*?)```/.exec(section);
    if (!block) throw new Error(`no example under "${title}"`);
    return block[1]!;
  };

  test('the flat target loads', () => {
    expect(load({ SCALER_TARGETS: example('A flat target (JSON)') }).targets.map((t) => t.id)).toEqual(['shop/worker']);
  });

  test('the pasted ScaledObjects load', () => {
    expect(load({ SCALER_TARGETS: example('A pasted ScaledObject (YAML)') }).targets.map((t) => t.id)).toEqual(['shop/orders-scaler', 'shop/returns-scaler']);
  });

  test('each cluster example loads', () => {
    const ca = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');
    const clusters = [example('AKS, by resource id'), example('Any cluster, by server URL and CA').replace(/LS0t\S+/, ca), example('Local development, by kubeconfig context')];
    const kinds = clusters.map((text) => [...load({ SCALER_LOCAL_DEVELOPMENT: 'true', SCALER_CLUSTERS: text }).clusters.values()].map((c) => c.kind));
    expect(kinds).toEqual([['aks'], ['server'], ['kubeconfig']]);
  });
});
