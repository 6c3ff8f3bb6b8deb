// One owner per workload, by the workload's own identity. The configuration refuses two targets
// on one workload when it can see it (config/workload-owners); what it cannot see — two server
// URLs for one API server (localhost and 127.0.0.1), an AKS resource id and a server URL of the
// same cluster, two kubeconfig contexts — shows up here: both targets read the same
// metadata.uid. The target listed first in SCALER_TARGETS keeps the workload; the other one
// holds and says why, so the two never scale it in turn.
import type { Target } from '../config/index.js';
import { ScalerError } from '../errors/index.js';
import { describeRef, type WorkloadRef } from '../kube/index.js';
import type { StoredRecord } from '../state/index.js';
import { targetKey } from './targets.js';

export interface WorkloadOwners {
  /** Target `key` read workload `uid` (replacing what it read before). */
  note(key: string, uid: string): void;
  /** The uids recorded in the state rows, for targets this process has not read yet. */
  seed(records: ReadonlyMap<string, StoredRecord>): void;
  /** The target that owns workload `uid` when it is not `key` (an earlier target read it too). */
  ownerOf(key: string, uid: string): string | undefined;
}

export function createWorkloadOwners(targets: readonly Target[]): WorkloadOwners {
  const order = new Map(targets.map((t, i) => [targetKey(t), i]));
  const uidOf = new Map<string, string>();
  const readersOf = new Map<string, Set<string>>();
  const note = (key: string, uid: string): void => {
    const before = uidOf.get(key);
    if (before === uid) return;
    if (before !== undefined) readersOf.get(before)?.delete(key);
    uidOf.set(key, uid);
    readersOf.set(uid, (readersOf.get(uid) ?? new Set()).add(key));
  };
  return {
    note,
    seed(records) {
      for (const [key, record] of records) {
        if (record.workloadUid && order.has(key) && !uidOf.has(key)) note(key, record.workloadUid);
      }
    },
    ownerOf(key, uid) {
      let owner = key;
      for (const other of readersOf.get(uid) ?? []) {
        if ((order.get(other) ?? Infinity) < (order.get(owner) ?? Infinity)) owner = other;
      }
      return owner === key ? undefined : owner;
    },
  };
}

/**
 * Notes that target `key` read workload `uid`, and throws when an earlier target owns it: the
 * caller writes nothing to it.
 */
export function claimWorkload(owners: WorkloadOwners, key: string, ref: WorkloadRef, uid: string): void {
  owners.note(key, uid);
  const owner = owners.ownerOf(key, uid);
  if (owner) {
    throw new ScalerError(`${describeRef(ref)} is the workload (uid ${uid}) that target ${owner} scales, reached through another cluster entry: only ${owner} scales it, and target ${key} holds. Give each workload one target`);
  }
}
