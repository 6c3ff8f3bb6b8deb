// The Kubernetes port: read a workload's scale (with the annotations the engine reads), write its
// /scale subresource, and record why on the workload as a Kubernetes Event (where `kubectl
// describe` shows it). The runtime's apply step and the wake path are the only writers.
import { ENGINE_ANNOTATIONS } from '../engine/index.js';
import { KubeError } from '../errors/index.js';

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
  /** status.readyReplicas (0 when the API server leaves it out): the HPA's Value math multiplies by it. */
  readyReplicas?: number | undefined;
  /**
   * The workload's annotations the engine reads (ENGINE_ANNOTATIONS, the KEDA pause keys), and
   * no other: the rest may hold anything (kubectl's last-applied-configuration carries the whole
   * manifest, env values included) and would travel on into every decision's telemetry.
   */
  annotations: Record<string, string>;
  /** Written back with the scale so a concurrent change is a 409, not a lost update. */
  resourceVersion: string;
  /** metadata.uid: the workload itself, whatever cluster entry or URL it was reached through. */
  uid: string;
  /** Who last set spec.replicas, when the API server says (metadata.managedFields). */
  replicasWriter?: ReplicasWriter | undefined;
}

/** A field manager that set spec.replicas: the scaler (FIELD_MANAGER), kubectl, an HPA (kube-controller-manager), ... */
export interface ReplicasWriter {
  manager: string;
  /** Update or Apply. */
  operation?: string | undefined;
  /** "scale" when written through the /scale subresource. */
  subresource?: string | undefined;
  /** When, to the second. */
  time?: string | undefined;
}

/** The field manager the scaler's scale writes carry, so that its own writes are told from others'. */
export const FIELD_MANAGER = 'aks-queue-scaler';

/** What a Kubernetes Event on a workload says: `kubectl describe` shows Type, Reason, From (FIELD_MANAGER) and Message. */
export interface WorkloadEvent {
  type: 'Normal' | 'Warning';
  /** A reason code (the engine's: ScaleTargetActivated, ScaleUpLimit, ...). */
  reason: string;
  message: string;
}

export interface Kube {
  /** Throws KubeError (404 missing workload, 403 RBAC, unreachable cluster...). */
  readScale(ref: WorkloadRef): Promise<ScaleReading>;
  /** Throws ScaleConflictError when resourceVersion is stale. Returns the new resourceVersion. */
  writeScale(ref: WorkloadRef, replicas: number, resourceVersion: string): Promise<string>;
  /**
   * Records `event` on the workload whose uid is `uid`. Throws KubeError: 403 without the optional
   * events Role (infra/kubernetes/rbac-events.yaml).
   */
  recordEvent(ref: WorkloadRef, uid: string, event: WorkloadEvent): Promise<void>;
}

export const describeRef = (ref: WorkloadRef): string =>
  `${ref.kind.toLowerCase()} ${ref.namespace}/${ref.name} in cluster ${ref.cluster}`;

const isReplicaCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/**
 * `reading` if it holds what a stored workload always has, else a KubeError saying what is
 * missing: no decision is made on a guess. spec.replicas read as 1 (the create-time default)
 * would make a busy workload look small and be scaled down; a write without the resourceVersion
 * would overwrite whatever changed meanwhile; a count that is not a whole number would be
 * carried into the write. Of the annotations, only those the engine reads are kept.
 */
export function checkScale(ref: WorkloadRef, reading: Partial<Record<keyof ScaleReading, unknown>>): ScaleReading {
  const bad = (what: string): KubeError => new KubeError(`read ${describeRef(ref)}: the answer ${what}; the target holds`);
  const { specReplicas, statusReplicas, readyReplicas, resourceVersion, annotations, uid, replicasWriter } = reading;
  if (!isReplicaCount(specReplicas)) throw bad(specReplicas === undefined ? 'has no spec.replicas' : `has spec.replicas ${String(JSON.stringify(specReplicas))}, not a replica count`);
  if (!isReplicaCount(statusReplicas)) throw bad(`has status.replicas ${String(JSON.stringify(statusReplicas))}, not a replica count`);
  if (readyReplicas !== undefined && !isReplicaCount(readyReplicas)) throw bad(`has status.readyReplicas ${String(JSON.stringify(readyReplicas))}, not a replica count`);
  if (typeof resourceVersion !== 'string' || resourceVersion === '') throw bad('has no metadata.resourceVersion');
  if (typeof uid !== 'string' || uid === '') throw bad('has no metadata.uid');
  if (typeof annotations !== 'object' || annotations === null || Array.isArray(annotations) || Object.values(annotations).some((v) => typeof v !== 'string')) {
    throw bad('has metadata.annotations that are not a map of strings');
  }
  return {
    specReplicas,
    statusReplicas,
    ...(readyReplicas !== undefined ? { readyReplicas } : {}),
    resourceVersion,
    uid,
    annotations: engineAnnotations(annotations as Record<string, string>),
    replicasWriter: isWriter(replicasWriter) ? replicasWriter : undefined,
  };
}

const isWriter = (w: unknown): w is ReplicasWriter => typeof w === 'object' && w !== null && typeof (w as ReplicasWriter).manager === 'string';

/**
 * Only the annotations the engine reads. Every reading passes through checkScale, so this is the
 * one place where the others are dropped: nothing after it (the evaluation, the wake path, plan,
 * the replay document in telemetry and logs) can carry them further.
 */
function engineAnnotations(annotations: Record<string, string>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const key of ENGINE_ANNOTATIONS) if (Object.hasOwn(annotations, key)) kept[key] = annotations[key]!;
  return kept;
}

/** readScale through any Kube port, checked (checkScale): the runtime decides on nothing else. */
export async function readCheckedScale(kube: Kube, ref: WorkloadRef): Promise<ScaleReading> {
  return checkScale(ref, await kube.readScale(ref));
}
