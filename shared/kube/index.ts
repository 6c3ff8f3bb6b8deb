export type { Kube, ScaleReading, WorkloadKind, WorkloadRef } from './kube.js';
export { describeRef } from './kube.js';
export { AKS_SCOPE, ScaleConflictError, createKube } from './client-node.js';
