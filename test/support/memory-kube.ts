// An in-memory Kube port with the API server's rules that the scaler relies on: a write against
// a stale resourceVersion is a 409 (ScaleConflictError), every change moves the resourceVersion,
// each workload has its uid, and the field manager of the last replicas write is kept (as
// metadata.managedFields would say). Its contract suite (test/kube/contract.ts) also runs
// against the real kube-apiserver, so it stays honest.
import { KubeError } from '../../shared/errors/index.js';
import { FIELD_MANAGER, ScaleConflictError, type Kube, type ReplicasWriter, type ScaleReading, type WorkloadEvent, type WorkloadRef } from '../../shared/kube/index.js';

interface Workload {
  replicas: number;
  annotations: Record<string, string>;
  version: number;
  uid: string;
  writer?: ReplicasWriter;
}

export interface MemoryKube extends Kube {
  /** Creates a workload (a Deployment or StatefulSet) at `replicas`. */
  create(ref: WorkloadRef, replicas: number, annotations?: Record<string, string>): void;
  /** Scales it as another field manager would (kubectl scale, an HPA). */
  scaleAs(ref: WorkloadRef, replicas: number, manager: string): void;
  /** The replicas it holds now. */
  replicasOf(ref: WorkloadRef): number;
  /** Every successful scale write through the port, in order. */
  writes: { ref: WorkloadRef; replicas: number }[];
  reads: number;
  /** Called before each write is checked: a test changes the workload there to stage a race. */
  beforeWrite?: (ref: WorkloadRef) => void;
  /** The events recorded on a workload, oldest first, as `kubectl describe` lists them. */
  eventsOf(ref: WorkloadRef): (WorkloadEvent & { from: string })[];
  /** Namespaces where the scaler may not create events (no optional events Role): a 403. */
  eventsForbidden: Set<string>;
}

const keyOf = (ref: WorkloadRef): string => `${ref.cluster}/${ref.namespace}/${ref.kind}/${ref.name}`;

/** Two refs in different clusters may name one workload (aliased cluster entries): `alias` maps a cluster to the one it really is. */
export function createMemoryKube(options: { alias?: Record<string, string> } = {}): MemoryKube {
  const workloads = new Map<string, Workload>();
  const events = new Map<string, (WorkloadEvent & { from: string })[]>();
  let version = 100;
  let uids = 0;
  const find = (ref: WorkloadRef): Workload => {
    const w = workloads.get(keyOf({ ...ref, cluster: options.alias?.[ref.cluster] ?? ref.cluster }));
    if (!w) throw new KubeError(`read ${ref.kind.toLowerCase()} ${ref.namespace}/${ref.name} in cluster ${ref.cluster}: not found`, 404);
    return w;
  };
  const kube: MemoryKube = {
    writes: [],
    reads: 0,
    eventsForbidden: new Set(),
    eventsOf: (ref) => events.get(find(ref).uid) ?? [],
    create(ref, replicas, annotations = {}) {
      workloads.set(keyOf(ref), { replicas, annotations, version: ++version, uid: `uid-${++uids}` });
    },
    scaleAs(ref, replicas, manager) {
      const w = find(ref);
      Object.assign(w, { replicas, version: ++version, writer: { manager, operation: 'Update', subresource: 'scale' } });
    },
    replicasOf: (ref) => find(ref).replicas,
    async readScale(ref): Promise<ScaleReading> {
      kube.reads++;
      const w = find(ref);
      return { specReplicas: w.replicas, statusReplicas: w.replicas, annotations: { ...w.annotations }, resourceVersion: String(w.version), uid: w.uid, replicasWriter: w.writer && { ...w.writer } };
    },
    async writeScale(ref, replicas, resourceVersion) {
      kube.beforeWrite?.(ref);
      const w = find(ref);
      if (String(w.version) !== resourceVersion) throw new ScaleConflictError(`scale ${ref.kind.toLowerCase()} ${ref.namespace}/${ref.name}: conflict, the scale changed since it was read`, 409);
      Object.assign(w, { replicas, version: ++version, writer: { manager: FIELD_MANAGER, operation: 'Update', subresource: 'scale' } });
      kube.writes.push({ ref, replicas });
      return String(w.version);
    },
    async recordEvent(ref, uid, event) {
      if (kube.eventsForbidden.has(ref.namespace)) throw new KubeError(`record an event on ${ref.kind.toLowerCase()} ${ref.namespace}/${ref.name}: forbidden`, 403);
      events.set(uid, [...(events.get(uid) ?? []), { ...event, from: FIELD_MANAGER }]);
    },
  };
  return kube;
}
