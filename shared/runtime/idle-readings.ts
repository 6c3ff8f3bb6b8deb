// Readings of workloads the scaler left at zero, reused for a while. A target at zero is polled
// every pollingInterval, and while its triggers stay inactive the poll decides "stay at 0"
// whatever else its workload says: reading the workload on each poll was most of the scaler's
// Kubernetes requests (docs/engine.md, "Workload reads at zero"). A reused reading is only ever
// the basis of a decision that writes nothing (a decision to scale is taken again on a fresh
// read), or of the wake's scale write, which its resourceVersion proves current (wake.ts).
import type { ScaleReading } from '../kube/index.js';
import type { TargetRecord } from '../state/index.js';

/** The state row as the save that kept a reading left it. */
export interface KeptRow {
  /** Its etag: another writer of the row (the wake path) voids the reading for the loop. */
  etag: string;
  record: TargetRecord;
}

interface Kept {
  scale: ScaleReading;
  /** When the reading was made (by the runtime's clock): reuse never makes it younger. */
  readAt: number;
  row: KeptRow;
}

export interface IdleReadings {
  /**
   * The reading kept for `key`, if it is younger than the bound and the row is still at the etag
   * this process left it at (else forgotten).
   */
  reuse(key: string, rowEtag: string | undefined, now: number): { scale: ScaleReading; readAt: number } | undefined;
  /**
   * The reading kept for `key` and the row as it was kept, whatever their age and the row now:
   * for the wake path, whose writes prove them current (the scale's resourceVersion moves with
   * any change to the workload, an annotation's too; the row's etag with any write) or fail.
   */
  kept(key: string): { scale: ScaleReading; row: KeptRow } | undefined;
  /** Keeps a reading of a workload at zero (spec and status), made at `readAt`, with the row the save left. */
  keep(key: string, scale: ScaleReading, readAt: number, row: KeptRow): void;
  forget(key: string): void;
}

/**
 * Readings kept for `maxAgeMs` (SCALER_IDLE_READING_MAX_AGE). What it costs: a change made by
 * someone else to a workload at zero with inactive triggers (a pause annotation, `kubectl scale`)
 * is seen up to this late. A wake through the wake path is seen at once (it writes the target's
 * state row).
 */
export function createIdleReadings(maxAgeMs: number): IdleReadings {
  const kept = new Map<string, Kept>();
  return {
    reuse(key, rowEtag, now) {
      const k = kept.get(key);
      if (!k) return undefined;
      // A clock that went back makes the age negative: read again rather than trust it.
      const age = now - k.readAt;
      if (k.row.etag !== rowEtag || age < 0 || age >= maxAgeMs) {
        kept.delete(key);
        return undefined;
      }
      return { scale: k.scale, readAt: k.readAt };
    },
    kept(key) {
      const k = kept.get(key);
      return k && { scale: k.scale, row: k.row };
    },
    keep(key, scale, readAt, row) {
      if (scale.specReplicas !== 0 || scale.statusReplicas !== 0) kept.delete(key);
      else kept.set(key, { scale, readAt, row });
    },
    forget(key) {
      kept.delete(key);
    },
  };
}
