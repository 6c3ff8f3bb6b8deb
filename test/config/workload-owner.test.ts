// One owner per workload, whatever the SCALER_CLUSTERS entries are called: two entries for one
// cluster are one cluster, so two targets on one Deployment through them are refused (they would
// flip it 4 -> 0 -> 4 every tick). The later target is refused, naming the earlier one and both
// cluster entries.
import { describe, expect, test } from 'vitest';
import { loadConfig, type Settings } from '../../shared/config/index.js';

const CA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');
const AKS = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/shop-rg/providers/Microsoft.ContainerService/managedClusters/shop-aks';

type Json = Record<string, unknown>;
const server = (url: string): Json => ({ server: url, certificateAuthorityData: CA });
/** Target shop/<name> on Deployment `workload` in `cluster`. */
const target = (name: string, cluster: string, workload = 'worker', extra: Json = {}): Json => ({
  name, namespace: 'shop', cluster, scaleTargetRef: { name: workload },
  triggers: [{ type: 'azure-queue', metadata: { queueName: 'orders', accountName: 'shopdata' } }],
  ...extra,
});

interface Row {
  name: string;
  clusters: Record<string, Json>;
  targets: Json[];
  settings?: Settings;
  errors: string[];
  loads: string[];
}

const already = (kind = 'Deployment', workload = 'worker'): string => `target shop/b: scaleTargetRef: ${kind} shop/${workload} is already scaled by target shop/a (#0)`;

const rows: Row[] = [
  {
    name: 'one cluster name twice (as before)',
    clusters: { a: server('https://k8s.example.net') },
    targets: [target('a', 'a'), target('b', 'a')],
    errors: [already()],
    loads: ['shop/a'],
  },
  {
    name: 'two names for one server URL',
    clusters: { a: server('https://k8s.example.net:6443'), b: server('https://k8s.example.net:6443') },
    targets: [target('a', 'a'), target('b', 'b')],
    errors: [`${already()}: cluster b is the same cluster as a (same server https://k8s.example.net:6443)`],
    loads: ['shop/a'],
  },
  {
    name: 'the server URL written differently: case, default port, trailing slashes',
    clusters: { a: server('https://k8s.example.net'), b: server('HTTPS://K8S.Example.NET:443//') },
    targets: [target('a', 'a'), target('b', 'b')],
    errors: [`${already()}: cluster b is the same cluster as a (same server https://k8s.example.net)`],
    loads: ['shop/a'],
  },
  {
    name: 'one AKS resource id in two cases',
    clusters: { a: { resourceId: AKS }, b: { resourceId: AKS.toLowerCase() } },
    targets: [target('a', 'a'), target('b', 'b')],
    errors: [`${already()}: cluster b is the same cluster as a (same resourceId ${AKS.toLowerCase()})`],
    loads: ['shop/a'],
  },
  {
    name: 'one kubeconfig context through the default kubeconfig',
    clusters: { a: { context: 'kind-dev' }, b: { context: 'kind-dev' } },
    targets: [target('a', 'a'), target('b', 'b')],
    settings: { SCALER_LOCAL_DEVELOPMENT: 'true' },
    errors: [`${already()}: cluster b is the same cluster as a (same context kind-dev in the default kubeconfig)`],
    loads: ['shop/a'],
  },
  {
    name: 'one kubeconfig file written two ways',
    clusters: { a: { context: 'kind-dev', kubeconfig: '/home/me/.kube/config' }, b: { context: 'kind-dev', kubeconfig: '/home/me/.kube/../.kube/config' } },
    targets: [target('a', 'a'), target('b', 'b')],
    settings: { SCALER_LOCAL_DEVELOPMENT: 'true' },
    errors: [`${already()}: cluster b is the same cluster as a (same context kind-dev in /home/me/.kube/../.kube/config)`],
    loads: ['shop/a'],
  },
  {
    name: 'a StatefulSet, with a third target elsewhere that keeps working',
    clusters: { a: server('https://k8s.example.net'), b: server('https://k8s.example.net/') },
    targets: [target('a', 'a', 'db', { scaleTargetRef: { name: 'db', kind: 'StatefulSet' } }), target('b', 'b', 'db', { scaleTargetRef: { name: 'db', kind: 'StatefulSet' } }), target('c', 'b', 'other')],
    errors: [`${already('StatefulSet', 'db')}: cluster b is the same cluster as a (same server https://k8s.example.net)`],
    loads: ['shop/a', 'shop/c'],
  },
  // Rows that must still load.
  {
    name: 'two servers',
    clusters: { a: server('https://k8s.example.net'), b: server('https://k8s.example.net:6443') },
    targets: [target('a', 'a'), target('b', 'b')],
    errors: [],
    loads: ['shop/a', 'shop/b'],
  },
  {
    name: 'two AKS clusters',
    clusters: { a: { resourceId: AKS }, b: { resourceId: AKS.replace('shop-aks', 'edge-aks') } },
    targets: [target('a', 'a'), target('b', 'b')],
    errors: [],
    loads: ['shop/a', 'shop/b'],
  },
  {
    name: 'one context name in two kubeconfig files',
    clusters: { a: { context: 'dev', kubeconfig: '/home/me/a.yaml' }, b: { context: 'dev', kubeconfig: '/home/me/b.yaml' } },
    targets: [target('a', 'a'), target('b', 'b')],
    settings: { SCALER_LOCAL_DEVELOPMENT: 'true' },
    errors: [],
    loads: ['shop/a', 'shop/b'],
  },
  {
    name: 'one cluster by two names, two Deployments',
    clusters: { a: server('https://k8s.example.net'), b: server('https://K8S.example.net') },
    targets: [target('a', 'a', 'worker'), target('b', 'b', 'other')],
    errors: [],
    loads: ['shop/a', 'shop/b'],
  },
  {
    name: 'a Deployment and a StatefulSet of one name',
    clusters: { a: server('https://k8s.example.net'), b: server('https://k8s.example.net') },
    targets: [target('a', 'a'), target('b', 'b', 'worker', { scaleTargetRef: { name: 'worker', kind: 'StatefulSet' } })],
    errors: [],
    loads: ['shop/a', 'shop/b'],
  },
];

describe('one owner per workload, whatever the cluster entries are called', () => {
  test.each(rows)('$name', (row) => {
    const config = loadConfig({ SCALER_CLUSTERS: JSON.stringify(row.clusters), SCALER_TARGETS: JSON.stringify(row.targets), ...row.settings });
    expect(config.errors.map((e) => e.message)).toEqual(row.errors);
    expect(config.targets.map((t) => t.id)).toEqual(row.loads);
  });
});
