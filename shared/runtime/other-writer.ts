// Another writer changed a workload's replicas between the scaler's write and its next read: a
// `kubectl scale`, an HPA, a KEDA ScaledObject left behind (docs/engine.md, "Another writer").
import { FIELD_MANAGER, type ScaleReading } from '../kube/index.js';
import type { StoredRecord } from '../state/index.js';
import type { ScaledByOtherEvent } from '../telemetry/index.js';
import { targetDimensions, type ConfiguredTarget } from './targets.js';

/** What a writer's field manager most likely is, for the warning. */
function writerHint(manager: string): string {
  if (manager === 'kube-controller-manager') return ' (a HorizontalPodAutoscaler; a KEDA ScaledObject makes one named keda-hpa-<name>)';
  if (/keda/i.test(manager)) return ' (KEDA)';
  return '';
}

/**
 * The replicas changed since this scaler last left them, and not by this scaler. Undefined when
 * the stored count is unknown or not to be trusted (an invalid row, a failed save), or the
 * change is the scaler's own (another instance, the wake path: they write as FIELD_MANAGER).
 */
export function scaledByOther({ target }: ConfiguredTarget, record: StoredRecord | undefined, scale: ScaleReading, saveFailed: boolean): ScaledByOtherEvent | undefined {
  const expected = record?.lastReplicas;
  if (expected === undefined || record?.invalid || saveFailed || expected === scale.specReplicas) return undefined;
  if (scale.replicasWriter?.manager === FIELD_MANAGER) return undefined;
  return {
    ...targetDimensions(target),
    expectedReplicas: expected,
    foundReplicas: scale.specReplicas,
    writer: scale.replicasWriter,
  };
}

/** The warning line for the host's log. */
export function describeScaledByOther(e: ScaledByOtherEvent): string {
  const w = e.writer;
  const by = w ? `by ${w.manager}${w.subresource ? ` through /${w.subresource}` : ''}${w.time ? ` at ${w.time}` : ''}${writerHint(w.manager)}` : 'by another writer';
  return `target ${e.target}: ${e.kind.toLowerCase()} ${e.namespace}/${e.name} was scaled ${e.expectedReplicas} -> ${e.foundReplicas} ${by}, not by the scaler; deciding from ${e.foundReplicas}. Two autoscalers on one workload undo each other's work (docs/engine.md, "Another writer")`;
}
