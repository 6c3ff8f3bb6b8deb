// The Kubernetes port: read a workload's scale (with its annotations) and write its /scale
// subresource. The runtime's apply step is the only caller of writeScale.
import { KubeError } from '../errors.js';

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

const isReplicaCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/**
 * `reading` if it holds what a stored workload always has, else a KubeError saying what is
 * missing: no decision is made on a guess. spec.replicas read as 1 (the create-time default)
 * would make a busy workload look small and be scaled down; a write without the resourceVersion
 * would overwrite whatever changed meanwhile; a count that is not a whole number would be
 * carried into the write.
 */
export function checkScale(ref: WorkloadRef, reading: Partial<Record<keyof ScaleReading, unknown>>): ScaleReading {
  const bad = (what: string): KubeError => new KubeError(`read ${describeRef(ref)}: the answer ${what}; the target holds`);
  const { specReplicas, statusReplicas, resourceVersion, annotations } = reading;
  if (!isReplicaCount(specReplicas)) throw bad(specReplicas === undefined ? 'has no spec.replicas' : `has spec.replicas ${String(JSON.stringify(specReplicas))}, not a replica count`);
  if (!isReplicaCount(statusReplicas)) throw bad(`has status.replicas ${String(JSON.stringify(statusReplicas))}, not a replica count`);
  if (typeof resourceVersion !== 'string' || resourceVersion === '') throw bad('has no metadata.resourceVersion');
  if (typeof annotations !== 'object' || annotations === null || Array.isArray(annotations) || Object.values(annotations).some((v) => typeof v !== 'string')) {
    throw bad('has metadata.annotations that are not a map of strings');
  }
  return { specReplicas, statusReplicas, resourceVersion, annotations: annotations as Record<string, string> };
}

/** readScale through any Kube port, checked (checkScale): the runtime decides on nothing else. */
export async function readCheckedScale(kube: Kube, ref: WorkloadRef): Promise<ScaleReading> {
  return checkScale(ref, await kube.readScale(ref));
}
