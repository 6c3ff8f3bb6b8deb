// The Kubernetes port: read a workload's scale (with its annotations) and write its /scale
// subresource. The runtime's apply step is the only caller of writeScale.

export type WorkloadKind = 'Deployment' | 'StatefulSet';

export interface WorkloadRef {
  cluster: string;
  namespace: string;
  kind: WorkloadKind;
  name: string;
}

export interface ScaleReading {
  specReplicas: number;
  statusReplicas: number;
  annotations: Record<string, string>;
  /** Written back with the scale so a concurrent change is a 409, not a lost update. */
  resourceVersion: string;
}

export interface Kube {
  /** Throws KubeError (404 missing workload, 403 RBAC, unreachable cluster...). */
  readScale(ref: WorkloadRef): Promise<ScaleReading>;
  /** Throws ScaleConflictError when resourceVersion is stale. Returns the new resourceVersion. */
  writeScale(ref: WorkloadRef, replicas: number, resourceVersion: string): Promise<string>;
}

export const describeRef = (ref: WorkloadRef): string =>
  `${ref.kind.toLowerCase()} ${ref.namespace}/${ref.name} in cluster ${ref.cluster}`;
