import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AppsV1Api, AuthorizationV1Api, CoreV1Api, RbacAuthorizationV1Api,
  type KubeConfig, type V1PolicyRule, type V1PodTemplateSpec,
} from '@kubernetes/client-node';
import { AUTOSCALER_USER } from './control-plane.js';

/** The rules of the Role a file of infra/kubernetes/ ships. */
function shippedRules(file: 'rbac.yaml' | 'rbac-events.yaml'): V1PolicyRule[] {
  const yaml = readFileSync(fileURLToPath(new URL(`infra/kubernetes/${file}`, repoRootUrl())), 'utf8');
  const role = parseAllDocuments(yaml).map((d) => d.toJS() as { kind?: string; rules?: V1PolicyRule[] }).find((d) => d.kind === 'Role');
  if (!role?.rules) throw new Error(`infra/kubernetes/${file} has no Role with rules`);
  return role.rules;
}

/** The Role the project ships (infra/kubernetes/rbac.yaml): get the workloads, update their /scale. */
export const shippedScaleRoleRules = (): V1PolicyRule[] => shippedRules('rbac.yaml');

/**
 * What a recommended setup grants: the shipped Role and the optional one for Kubernetes Events
 * (infra/kubernetes/rbac-events.yaml). The scaler's tests run with exactly these rules, or with
 * the first alone where a test says so.
 */
export const shippedRoleRules = (): V1PolicyRule[] => [...shippedScaleRoleRules(), ...shippedRules('rbac-events.yaml')];

/** The repository root, from the sources (local/) or from the build (dist/local/). */
function repoRootUrl(): URL {
  let url = new URL('../', import.meta.url);
  if (fileURLToPath(url).endsWith(`${sep}dist${sep}`)) url = new URL('../', url);
  return url;
}

/**
 * The harness's own proof rules: read and patch /scale directly, as a user of the API
 * would. Broader than the shipped Role, which the scaler's tests use.
 */
export const SCALE_ROLE_RULES: V1PolicyRule[] = [
  { apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: ['get'] },
  { apiGroups: ['apps'], resources: ['deployments/scale', 'statefulsets/scale'], verbs: ['get', 'patch', 'update'] },
];
export const SCALE_ROLE_NAME = 'aks-queue-scaler';

export interface Workloads {
  namespace: string;
  deployment: string;
  statefulSet: string;
}

const RBAC_PROPAGATION_TIMEOUT_MS = 10_000;

/**
 * A fresh namespace (namespaces cannot be deleted without a controller-manager, so every test
 * gets its own) with a Deployment and a StatefulSet at `replicas`. No pods ever run: there is no
 * scheduler or kubelet, and status.replicas stays 0.
 */
export async function createWorkloads(admin: KubeConfig, options: { replicas: number; prefix?: string }): Promise<Workloads> {
  const namespace = `${options.prefix ?? 'aqs'}-${randomBytes(4).toString('hex')}`;
  const workloads = { namespace, deployment: 'worker', statefulSet: 'worker-set' };
  await admin.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
  const apps = admin.makeApiClient(AppsV1Api);
  const spec = (app: string): { replicas: number; selector: { matchLabels: Record<string, string> }; template: V1PodTemplateSpec } => ({
    replicas: options.replicas,
    selector: { matchLabels: { app } },
    template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'worker', image: 'registry.k8s.io/pause:3.10' }] } },
  });
  await apps.createNamespacedDeployment({ namespace, body: { metadata: { name: workloads.deployment }, spec: spec(workloads.deployment) } });
  await apps.createNamespacedStatefulSet({
    namespace,
    body: { metadata: { name: workloads.statefulSet }, spec: { ...spec(workloads.statefulSet), serviceName: workloads.statefulSet } },
  });
  return workloads;
}

/**
 * Binds `rules` (by default the shipped Roles) to `user` in `namespace` and waits until the
 * authorizer applies them: RBAC reads Roles through an informer, so a request right after the
 * create may still get 403.
 */
export async function grantScaleRole(admin: KubeConfig, namespace: string, user: string = AUTOSCALER_USER, rules: V1PolicyRule[] = shippedRoleRules()): Promise<void> {
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({ namespace, body: { metadata: { name: SCALE_ROLE_NAME }, rules } });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: `${SCALE_ROLE_NAME}-${user}` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: SCALE_ROLE_NAME },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
    },
  });
  const authorization = admin.makeApiClient(AuthorizationV1Api);
  const deadline = Date.now() + RBAC_PROPAGATION_TIMEOUT_MS;
  for (;;) {
    const review = await authorization.createSubjectAccessReview({
      body: { spec: { user, resourceAttributes: { namespace, group: 'apps', resource: 'deployments', subresource: 'scale', verb: 'update' } } },
    });
    if (review.status?.allowed === true) return;
    if (Date.now() > deadline) throw new Error(`RBAC: ${user} still cannot update deployments/scale in ${namespace} after ${RBAC_PROPAGATION_TIMEOUT_MS} ms`);
    await sleep(50);
  }
}
