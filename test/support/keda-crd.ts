import { setTimeout as sleep } from 'node:timers/promises';
import { ApiException, ApiextensionsV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';

export const SCALED_OBJECT_CRD = 'scaledobjects.keda.sh';
const SCALED_OBJECTS = { group: 'keda.sh', version: 'v1alpha1', plural: 'scaledobjects' } as const;
const READY_TIMEOUT_MS = 15_000;

/**
 * A minimal ScaledObject CRD (keda.sh/v1alpha1, namespaced, every field kept): enough for the
 * API server to store and list ScaledObjects as KEDA's own CRD would. No webhook validates them,
 * so tests can also store ones KEDA would refuse. Idempotent (several test files may install it);
 * returns once ScaledObjects can be created.
 */
export async function installScaledObjectCrd(admin: KubeConfig): Promise<void> {
  const crds = admin.makeApiClient(ApiextensionsV1Api);
  try {
    await crds.createCustomResourceDefinition({
      body: {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: SCALED_OBJECT_CRD },
        spec: {
          group: SCALED_OBJECTS.group,
          scope: 'Namespaced',
          names: { kind: 'ScaledObject', listKind: 'ScaledObjectList', plural: 'scaledobjects', singular: 'scaledobject', shortNames: ['so'] },
          versions: [{ name: SCALED_OBJECTS.version, served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } } }],
        },
      },
    });
  } catch (e) {
    if (!(e instanceof ApiException && e.code === 409)) throw e;
  }
  // Established first, then served: a create right after Established may still get a 404.
  const objects = admin.makeApiClient(CustomObjectsApi);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const crd = await crds.readCustomResourceDefinition({ name: SCALED_OBJECT_CRD });
    const established = crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
    const served = established && (await objects.listClusterCustomObject(SCALED_OBJECTS).then(() => true, () => false));
    if (served) return;
    if (Date.now() > deadline) throw new Error(`CRD ${SCALED_OBJECT_CRD} not served after ${READY_TIMEOUT_MS} ms`);
    await sleep(100);
  }
}

/** Creates a ScaledObject (any object: the CRD keeps every field) in `namespace`. */
export async function createScaledObject(admin: KubeConfig, namespace: string, body: Record<string, unknown>): Promise<void> {
  await admin.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({ ...SCALED_OBJECTS, namespace, body: { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', ...body } });
}
