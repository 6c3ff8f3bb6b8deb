import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { beforeAll, describe, expect, test } from 'vitest';
import { AUTOSCALER_USER, kubeToken } from '../../../local/control-plane.js';
import { adminKubeConfig, kubeConfigWithToken } from '../../../local/kube-clients.js';
import { createWorkloads, grantScaleRole, SCALE_ROLE_RULES, type Workloads } from '../../../local/kube-workloads.js';
import { controlPlaneEnabled, sharedControlPlane } from '../../support/vitest/provided.js';

const forbidden = { code: 403 };
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

describe.runIf(controlPlaneEnabled)('kube-apiserver with RBAC, as the autoscaler user', () => {
  let admin: KubeConfig;
  let adminApps: AppsV1Api;
  let apps: AppsV1Api;
  let core: CoreV1Api;
  let granted: Workloads;
  let notGranted: Workloads;
  beforeAll(async () => {
    const controlPlane = sharedControlPlane();
    admin = adminKubeConfig(controlPlane);
    adminApps = admin.makeApiClient(AppsV1Api);
    granted = await createWorkloads(admin, { replicas: 2 });
    notGranted = await createWorkloads(admin, { replicas: 2 });
    await grantScaleRole(admin, granted.namespace, AUTOSCALER_USER, SCALE_ROLE_RULES);
    const scaler = kubeConfigWithToken(controlPlane, kubeToken(controlPlane, AUTOSCALER_USER));
    apps = scaler.makeApiClient(AppsV1Api);
    core = scaler.makeApiClient(CoreV1Api);
  });

  test('reads and patches the /scale of a Deployment', async () => {
    const { namespace, deployment: name } = granted;
    expect((await apps.readNamespacedDeploymentScale({ name, namespace })).spec?.replicas).toBe(2);

    await apps.patchNamespacedDeploymentScale({ name, namespace, body: [{ op: 'replace', path: '/spec/replicas', value: 5 }] });

    expect((await apps.readNamespacedDeploymentScale({ name, namespace })).spec?.replicas).toBe(5);
    expect((await adminApps.readNamespacedDeployment({ name, namespace })).spec?.replicas).toBe(5);
  });

  test('reads and patches the /scale of a StatefulSet', async () => {
    const { namespace, statefulSet: name } = granted;
    expect((await apps.readNamespacedStatefulSetScale({ name, namespace })).spec?.replicas).toBe(2);

    await apps.patchNamespacedStatefulSetScale({ name, namespace, body: { spec: { replicas: 0 } } }, mergePatch);

    expect((await adminApps.readNamespacedStatefulSet({ name, namespace })).spec?.replicas).toBe(0);
  });

  test('may read the Deployment itself but not change it', async () => {
    const { namespace, deployment: name } = granted;
    expect((await apps.readNamespacedDeployment({ name, namespace })).metadata?.name).toBe(name);

    await expect(apps.patchNamespacedDeployment({
      name, namespace, body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'evil:latest' }],
    })).rejects.toMatchObject(forbidden);
    await expect(apps.patchNamespacedDeployment({ name, namespace, body: { spec: { replicas: 9 } } }, mergePatch))
      .rejects.toMatchObject(forbidden);
  });

  test('may not read Secrets', async () => {
    const { namespace } = granted;
    await admin.makeApiClient(CoreV1Api).createNamespacedSecret({ namespace, body: { metadata: { name: 'db' }, stringData: { password: 'x' } } });

    await expect(core.readNamespacedSecret({ name: 'db', namespace })).rejects.toMatchObject(forbidden);
  });

  test('has no access in a namespace without its Role', async () => {
    const { namespace, deployment, statefulSet } = notGranted;
    await expect(apps.readNamespacedDeploymentScale({ name: deployment, namespace })).rejects.toMatchObject(forbidden);
    await expect(apps.patchNamespacedStatefulSetScale({ name: statefulSet, namespace, body: { spec: { replicas: 3 } } }, mergePatch))
      .rejects.toMatchObject(forbidden);
  });

  test('a write with a stale resourceVersion gets 409 Conflict', async () => {
    const { namespace, deployment: name } = granted;
    const stale = await apps.readNamespacedDeploymentScale({ name, namespace });
    await apps.patchNamespacedDeploymentScale({ name, namespace, body: { spec: { replicas: 7 } } }, mergePatch);

    await expect(apps.replaceNamespacedDeploymentScale({ name, namespace, body: { ...stale, spec: { replicas: 1 } } }))
      .rejects.toMatchObject({ code: 409 });
    expect((await apps.readNamespacedDeploymentScale({ name, namespace })).spec?.replicas).toBe(7);
  });
});
