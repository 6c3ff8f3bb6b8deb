// The Kube port's contract on the client-node adapter against the real kube-apiserver, as the
// scaler's managed identity with the shipped Role: the same suite the in-memory stand-in passes
// (test/kube/memory-kube.test.ts).
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { describe } from 'vitest';
import type { Cluster } from '../../shared/config/index.js';
import { createCredentialFactory } from '../../shared/identity/index.js';
import { createKube } from '../../shared/kube/index.js';
import { runKubeContract } from '../kube/contract.js';
import { controlPlaneEnabled } from '../support/vitest/provided.js';
import { useLocalServices } from '../support/vitest/local-services.js';

describe.runIf(controlPlaneEnabled)('the client-node adapter on kube-apiserver', () => {
  const services = useLocalServices();
  runKubeContract('kube-apiserver', async () => {
    const { controlPlane, admin } = services;
    const cluster: Cluster = { name: 'test', kind: 'server', server: controlPlane.server, certificateAuthorityData: Buffer.from(controlPlane.caPem).toString('base64') };
    const kube = createKube(new Map([['test', cluster]]), createCredentialFactory({}, false));
    const apps = admin.makeApiClient(AppsV1Api);
    return {
      kube,
      async create(replicas, annotations = {}) {
        const w = await services.workloads({ replicas, prefix: 'contract' });
        if (Object.keys(annotations).length > 0) {
          await apps.patchNamespacedDeployment({ name: w.deployment, namespace: w.namespace, body: { metadata: { annotations } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
        }
        return { cluster: 'test', namespace: w.namespace, kind: 'Deployment', name: w.deployment };
      },
      async scaleAs(ref, replicas, manager) {
        await apps.patchNamespacedDeploymentScale({ name: ref.name, namespace: ref.namespace, fieldManager: manager, body: { spec: { replicas } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
      },
      async events(ref) {
        const list = await admin.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: ref.namespace, fieldSelector: `involvedObject.kind=${ref.kind},involvedObject.name=${ref.name}` });
        return list.items.map((e) => ({ type: e.type ?? '', reason: e.reason ?? '', message: e.message ?? '', from: e.source?.component ?? e.reportingComponent ?? '' }));
      },
    };
  });
});
