// infra/kubernetes/rbac.yaml on a real kube-apiserver with RBAC, rendered with the very command
// the Bicep deployment prints. It is sufficient: the scaler's own kube adapter, signed in as the
// `autoscaler` user, reads and writes the scale of a Deployment and a StatefulSet with exactly
// it. It is minimal: without any one of its permissions, a named operation of the scaler fails
// with 403 (and the others still work). And it grants nothing else.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TokenCredential } from '@azure/identity';
import {
  ApiException, AppsV1Api, AuthorizationV1Api, CoreV1Api, KubernetesObjectApi,
  type KubeConfig, type KubernetesObject, type V1PolicyRule,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, test } from 'vitest';
import type { Cluster } from '../../shared/config/index.js';
import { createKube, type Kube, type WorkloadKind, type WorkloadRef } from '../../shared/kube/index.js';
import { rbacRenderCommand, REPO_ROOT } from '../infra/bicep-text.js';
import { AUTOSCALER_USER, kubeToken, type ControlPlaneInfo } from '../../local/control-plane.js';
import { adminKubeConfig, kubeConfigWithToken } from '../../local/kube-clients.js';
import { createWorkloads, type Workloads } from '../../local/kube-workloads.js';
import { controlPlaneEnabled, sharedControlPlane } from '../support/vitest/provided.js';

const CLUSTER = 'local';
const execFileAsync = promisify(execFile);
/** kubectl on PATH: the docs' checks run with it where it is installed. */
const hasKubectl = (() => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const RBAC_PROPAGATION_TIMEOUT_MS = 10_000;

/** One permission: a verb on a resource (subresource included) of an API group. */
interface Permission {
  group: string;
  resource: string;
  verb: string;
}
const describePermission = (p: Permission): string => `${p.verb} ${p.group ? `${p.group}/` : ''}${p.resource}`;

/** rbac.yaml for `namespace`, bound to `objectId`, rendered by the command the Bicep prints. */
function renderRbacYaml(namespace: string, objectId: string): KubernetesObject[] {
  const yaml = execFileSync('sh', ['-c', rbacRenderCommand(namespace, objectId)], { cwd: REPO_ROOT, encoding: 'utf8' });
  return parseAllDocuments(yaml).map((d) => d.toJS() as KubernetesObject);
}

const roleOf = (docs: KubernetesObject[]): KubernetesObject & { rules: V1PolicyRule[] } =>
  docs.find((d) => d.kind === 'Role') as KubernetesObject & { rules: V1PolicyRule[] };

/** The Role's rules as single permissions. */
function permissionsOf(rules: V1PolicyRule[]): Permission[] {
  return rules.flatMap((r) => (r.apiGroups ?? []).flatMap((group) => (r.resources ?? []).flatMap((resource) => r.verbs.map((verb) => ({ group, resource, verb })))));
}

/** The same documents with the Role holding every permission but `removed`, one rule each. */
function withoutPermission(docs: KubernetesObject[], removed: Permission): KubernetesObject[] {
  const kept = permissionsOf(roleOf(docs).rules).filter((p) => describePermission(p) !== describePermission(removed));
  return docs.map((d) => (d.kind === 'Role' ? { ...d, rules: kept.map((p) => ({ apiGroups: [p.group], resources: [p.resource], verbs: [p.verb] })) } : d));
}

async function apply(admin: KubeConfig, docs: KubernetesObject[]): Promise<void> {
  const client = KubernetesObjectApi.makeApiClient(admin);
  for (const doc of docs) await client.create(doc);
}

async function allowed(admin: KubeConfig, namespace: string, p: Permission): Promise<boolean> {
  const [resource, subresource] = p.resource.split('/');
  const review = await admin.makeApiClient(AuthorizationV1Api).createSubjectAccessReview({
    body: { spec: { user: AUTOSCALER_USER, resourceAttributes: { namespace, group: p.group, resource, subresource, verb: p.verb } } },
  });
  return review.status?.allowed === true;
}

/**
 * Waits until the authorizer applies the Role (RBAC reads Roles through an informer, so a
 * request right after the create may still be refused), as grantScaleRole does.
 */
async function waitForRbac(admin: KubeConfig, namespace: string, permissions: Permission[]): Promise<void> {
  const deadline = Date.now() + RBAC_PROPAGATION_TIMEOUT_MS;
  for (;;) {
    const results = await Promise.all(permissions.map((p) => allowed(admin, namespace, p)));
    if (results.every(Boolean)) return;
    if (Date.now() > deadline) throw new Error(`RBAC: ${AUTOSCALER_USER} still lacks ${permissions.filter((_, i) => !results[i]).map(describePermission).join(', ')} in ${namespace}`);
    await sleep(50);
  }
}

/** The scaler's own adapter, signed in as the autoscaler user (the scaler identity's Entra token in AKS). */
function scalerKube(controlPlane: ControlPlaneInfo): Kube {
  const token = kubeToken(controlPlane, AUTOSCALER_USER);
  const credential: TokenCredential = { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }) };
  const cluster: Cluster = { name: CLUSTER, kind: 'server', server: controlPlane.server, certificateAuthorityData: Buffer.from(controlPlane.caPem).toString('base64') };
  return createKube(new Map([[CLUSTER, cluster]]), () => credential);
}

const ref = (w: Workloads, kind: WorkloadKind): WorkloadRef => ({ cluster: CLUSTER, namespace: w.namespace, kind, name: kind === 'Deployment' ? w.deployment : w.statefulSet });

/** The scaler's operations, each named for what it does (shared/kube: readScale, writeScale). */
type Operation = (kube: Kube, admin: KubeConfig, w: Workloads) => Promise<unknown>;
const readScale = (kind: WorkloadKind): Operation => (kube, _admin, w) => kube.readScale(ref(w, kind));
const writeScale = (kind: WorkloadKind): Operation => async (kube, admin, w) => {
  // The resourceVersion comes from the admin, so this needs nothing but the write.
  const apps = admin.makeApiClient(AppsV1Api);
  const params = { name: ref(w, kind).name, namespace: w.namespace };
  const current = kind === 'Deployment' ? await apps.readNamespacedDeployment(params) : await apps.readNamespacedStatefulSet(params);
  return kube.writeScale(ref(w, kind), (current.spec?.replicas ?? 0) + 1, current.metadata!.resourceVersion!);
};

/** Each permission in rbac.yaml, and the scaler operation that breaks without it. */
const NEEDED_FOR: Record<string, { operation: string; run: Operation }> = {
  'get apps/deployments': { operation: 'readScale(Deployment)', run: readScale('Deployment') },
  'get apps/statefulsets': { operation: 'readScale(StatefulSet)', run: readScale('StatefulSet') },
  'update apps/deployments/scale': { operation: 'writeScale(Deployment)', run: writeScale('Deployment') },
  'update apps/statefulsets/scale': { operation: 'writeScale(StatefulSet)', run: writeScale('StatefulSet') },
};

const status = (e: unknown): number | undefined => (e instanceof ApiException ? e.code : (e as { status?: number }).status);
async function expectForbidden(call: Promise<unknown>): Promise<void> {
  const outcome = await call.then(() => 'allowed', (e: unknown) => status(e));
  expect(outcome).toBe(403);
}

describe.runIf(controlPlaneEnabled)('infra/kubernetes/rbac.yaml on kube-apiserver', () => {
  let controlPlane: ControlPlaneInfo;
  let admin: KubeConfig;
  let kube: Kube;
  let granted: Workloads;
  let permissions: Permission[];

  beforeAll(async () => {
    controlPlane = sharedControlPlane();
    admin = adminKubeConfig(controlPlane);
    kube = scalerKube(controlPlane);
    granted = await createWorkloads(admin, { replicas: 2, prefix: 'rbac' });
    const docs = renderRbacYaml(granted.namespace, AUTOSCALER_USER);
    permissions = permissionsOf(roleOf(docs).rules);
    await apply(admin, docs);
    await waitForRbac(admin, granted.namespace, permissions);
  });

  test('the command the Bicep prints fills in the namespace and the object id', () => {
    const docs = renderRbacYaml('shop', '00000000-0000-0000-0000-0000000000aa');
    expect(docs.map((d) => `${d.kind} ${d.metadata?.namespace}/${d.metadata?.name}`)).toEqual(['Role shop/aks-queue-scaler', 'RoleBinding shop/aks-queue-scaler']);
    expect(docs[1]).toMatchObject({
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'aks-queue-scaler' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: '00000000-0000-0000-0000-0000000000aa' }],
    });
  });

  test('sufficient: the scaler reads and writes the scale of a Deployment and a StatefulSet', async () => {
    for (const kind of ['Deployment', 'StatefulSet'] as const) {
      const reading = await kube.readScale(ref(granted, kind));
      expect(reading.specReplicas).toBe(2);
      await kube.writeScale(ref(granted, kind), 0, reading.resourceVersion);
      const zero = await kube.readScale(ref(granted, kind));
      expect(zero.specReplicas).toBe(0);
      await kube.writeScale(ref(granted, kind), 3, zero.resourceVersion);
      expect((await kube.readScale(ref(granted, kind))).specReplicas).toBe(3);
    }
  });

  test('every permission in the Role is named for the scaler operation that needs it', () => {
    expect(permissions.map(describePermission).sort()).toEqual(Object.keys(NEEDED_FOR).sort());
  });

  test.each(Object.entries(NEEDED_FOR).map(([p, { operation }]) => [p, operation]))('minimal: without %s, %s is refused (and only it)', async (removed) => {
    const permission = permissions.find((p) => describePermission(p) === removed)!;
    const w = await createWorkloads(admin, { replicas: 1, prefix: 'rbac' });
    await apply(admin, withoutPermission(renderRbacYaml(w.namespace, AUTOSCALER_USER), permission));
    await waitForRbac(admin, w.namespace, permissions.filter((p) => p !== permission));
    expect(await allowed(admin, w.namespace, permission)).toBe(false);
    for (const [name, { run }] of Object.entries(NEEDED_FOR)) {
      if (name === removed) await expectForbidden(run(kube, admin, w));
      else await run(kube, admin, w);
    }
  });

  test('it grants no Secrets, no pod template changes and no other namespace', async () => {
    const scaler = kubeConfigWithToken(controlPlane, kubeToken(controlPlane, AUTOSCALER_USER));
    const core = scaler.makeApiClient(CoreV1Api);
    const apps = scaler.makeApiClient(AppsV1Api);
    const ns = granted.namespace;
    await admin.makeApiClient(CoreV1Api).createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'db' }, stringData: { password: 'hunter2' } } });
    await expectForbidden(core.readNamespacedSecret({ name: 'db', namespace: ns }));
    await expectForbidden(core.listNamespacedSecret({ namespace: ns }));
    // A new image through a patch, or a whole-object update: the pod template is out of reach.
    const image = [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'registry.example/evil:1' }];
    await expectForbidden(apps.patchNamespacedDeployment({ name: granted.deployment, namespace: ns, body: image }));
    const deployment = await admin.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: granted.deployment, namespace: ns });
    await expectForbidden(apps.replaceNamespacedDeployment({ name: granted.deployment, namespace: ns, body: deployment }));
    await expectForbidden(apps.listNamespacedDeployment({ namespace: ns }));
    await expectForbidden(core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'registry.example/evil:1' }] } } }));
    // Another namespace, with workloads but without the Role: nothing.
    const other = await createWorkloads(admin, { replicas: 1, prefix: 'rbac' });
    await expectForbidden(kube.readScale(ref(other, 'Deployment')));
    await expectForbidden(writeScale('StatefulSet')(kube, admin, other));
    // And the authorizer agrees, verb by verb, on what was not asked for.
    const notGranted: Permission[] = [
      { group: '', resource: 'secrets', verb: 'get' },
      { group: '', resource: 'pods', verb: 'create' },
      { group: '', resource: 'pods/exec', verb: 'create' },
      { group: '', resource: 'configmaps', verb: 'get' },
      { group: 'apps', resource: 'deployments', verb: 'patch' },
      { group: 'apps', resource: 'deployments', verb: 'update' },
      { group: 'apps', resource: 'deployments', verb: 'delete' },
      { group: 'apps', resource: 'deployments', verb: 'list' },
      { group: 'apps', resource: 'deployments', verb: 'watch' },
      { group: 'apps', resource: 'deployments/scale', verb: 'patch' },
      { group: 'apps', resource: 'statefulsets', verb: 'update' },
      { group: 'rbac.authorization.k8s.io', resource: 'roles', verb: 'create' },
      { group: 'rbac.authorization.k8s.io', resource: 'rolebindings', verb: 'create' },
    ];
    for (const p of notGranted) expect(await allowed(admin, ns, p), describePermission(p)).toBe(false);
    for (const p of permissions) expect(await allowed(admin, other.namespace, p), `${describePermission(p)} in another namespace`).toBe(false);
  });

  // docs/deploy.md, step 6: each `kubectl auth can-i` line, run with kubectl as written there
  // (its context, namespace and the scaler's object id swapped for this cluster's), answers what
  // its comment says. `update deployments/scale` asks about a Deployment named "scale": "no".
  test.runIf(hasKubectl)('the checks of docs/deploy.md, run with kubectl as written, answer as the page says', async () => {
    const checks = [...readFileSync(join(REPO_ROOT, 'docs', 'deploy.md'), 'utf8').matchAll(/^kubectl --context shop-aks auth can-i (.+?)\s+# (yes|no)$/gm)];
    expect(checks.length).toBeGreaterThanOrEqual(4);
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'aqs-kubectl-')), 'config');
    writeFileSync(kubeconfig, admin.exportConfig());
    const canI = async (args: string[]): Promise<string> => {
      const run = await execFileAsync('kubectl', ['--kubeconfig', kubeconfig, 'auth', 'can-i', ...args]).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
      return run.stdout.trim();
    };
    const asHere = (line: string): string[] =>
      line.split(/\s+/).map((a) => (a === '"$SCALER_PRINCIPAL_ID"' ? AUTOSCALER_USER : a)).map((a, i, all) => (all[i - 1] === '-n' && a === 'shop' ? granted.namespace : a));
    for (const [, line, answer] of checks) expect(await canI(asHere(line!)), line).toBe(answer);
    expect(await canI(['update', 'deployments/scale', '-n', granted.namespace, '--as', AUTOSCALER_USER])).toBe('no');
  });
});

/** rbac-events.yaml for `namespace`, bound to `objectId`, filled in as its header says (sed). */
function renderEventsYaml(namespace: string, objectId: string): KubernetesObject[] {
  const command = `sed -e 's/\${NAMESPACE}/${namespace}/g' -e 's/\${OBJECT_ID}/${objectId}/g' infra/kubernetes/rbac-events.yaml`;
  return parseAllDocuments(execFileSync('sh', ['-c', command], { cwd: REPO_ROOT, encoding: 'utf8' })).map((d) => d.toJS() as KubernetesObject);
}

describe.runIf(controlPlaneEnabled)('infra/kubernetes/rbac-events.yaml (optional) on kube-apiserver', () => {
  let controlPlane: ControlPlaneInfo;
  let admin: KubeConfig;
  let kube: Kube;
  const recordEvent = async (w: Workloads): Promise<unknown> => {
    const { uid } = await kube.readScale(ref(w, 'Deployment'));
    return kube.recordEvent(ref(w, 'Deployment'), uid, { type: 'Normal', reason: 'ScaleTargetActivated', message: 'Scaled from 0 to 1: activated' });
  };

  beforeAll(() => {
    controlPlane = sharedControlPlane();
    admin = adminKubeConfig(controlPlane);
    kube = scalerKube(controlPlane);
  });

  test('it is one Role, create on events, and its binding, filled in like rbac.yaml', () => {
    const docs = renderEventsYaml('shop', '00000000-0000-0000-0000-0000000000aa');
    expect(docs.map((d) => `${d.kind} ${d.metadata?.namespace}/${d.metadata?.name}`)).toEqual(['Role shop/aks-queue-scaler-events', 'RoleBinding shop/aks-queue-scaler-events']);
    expect(permissionsOf(roleOf(docs).rules).map(describePermission)).toEqual(['create events']);
  });

  test('necessary: with rbac.yaml alone the scaler scales, and recording an event is refused, naming this file', async () => {
    const w = await createWorkloads(admin, { replicas: 1, prefix: 'rbac' });
    const docs = renderRbacYaml(w.namespace, AUTOSCALER_USER);
    await apply(admin, docs);
    await waitForRbac(admin, w.namespace, permissionsOf(roleOf(docs).rules));
    await writeScale('Deployment')(kube, admin, w);
    await expect(recordEvent(w)).rejects.toThrow(/forbidden; the scaler identity needs create on events in namespace rbac-[0-9a-f]+, the optional Role of infra\/kubernetes\/rbac-events.yaml/);
  });

  test('sufficient and nothing more: with it, the event is recorded; events can still not be read, changed or deleted', async () => {
    const w = await createWorkloads(admin, { replicas: 1, prefix: 'rbac' });
    const docs = [...renderRbacYaml(w.namespace, AUTOSCALER_USER), ...renderEventsYaml(w.namespace, AUTOSCALER_USER)];
    await apply(admin, docs);
    await waitForRbac(admin, w.namespace, [...permissionsOf(roleOf(docs.slice(0, 2)).rules), { group: '', resource: 'events', verb: 'create' }]);
    await recordEvent(w);
    const listed = await admin.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: w.namespace });
    expect(listed.items.map((e) => [e.reason, e.involvedObject.name, e.source?.component])).toEqual([['ScaleTargetActivated', w.deployment, 'aks-queue-scaler']]);
    for (const verb of ['get', 'list', 'watch', 'patch', 'update', 'delete']) {
      expect(await allowed(admin, w.namespace, { group: '', resource: 'events', verb }), `${verb} events`).toBe(false);
    }
    expect(await allowed(admin, w.namespace, { group: 'events.k8s.io', resource: 'events', verb: 'create' })).toBe(false);
  });
});
