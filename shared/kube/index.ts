export type { Kube, ReplicasWriter, ScaleReading, WorkloadEvent, WorkloadKind, WorkloadRef } from './kube.js';
export { FIELD_MANAGER, checkScale, describeRef, readCheckedScale } from './kube.js';
export { AKS_SCOPE, KUBE_TIMEOUT_MS, ScaleConflictError, createKube, type KubeOptions } from './client-node.js';
