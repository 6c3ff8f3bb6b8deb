// A configured target as the runtime holds it, and the names it is known by: the key of its
// state row, and the workload it scales.
import type { Target } from '../config/index.js';
import type { TriggerResult } from '../engine/index.js';
import { messageOf } from '../errors/index.js';
import { readCheckedScale, type Kube, type ScaleReading, type WorkloadRef } from '../kube/index.js';
import type { Source } from '../sources/index.js';

export interface ConfiguredTarget {
  target: Target;
  /** One per trigger, in spec order. */
  sources: Source[];
}

/** State rows are keyed by cluster, namespace and name: the same name may live in several clusters. */
export const targetKey = (t: Target): string => `${t.cluster}/${t.namespace}/${t.name}`;

/** How telemetry names a target and its workload: the key, and where the workload is. */
export const targetDimensions = (t: Target): { target: string; cluster: string; namespace: string; kind: string; name: string } => ({
  target: targetKey(t),
  cluster: t.cluster,
  namespace: t.namespace,
  kind: t.scaleTargetRef.kind,
  name: t.scaleTargetRef.name,
});

export const workloadOf = (t: Target): WorkloadRef => ({
  cluster: t.cluster,
  namespace: t.namespace,
  kind: t.scaleTargetRef.kind,
  name: t.scaleTargetRef.name,
});

/** Reads every source at once; a failure becomes that trigger's error, never a thrown exception. */
export function readSources(sources: Source[]): Promise<TriggerResult[]> {
  return Promise.all(
    sources.map(async (source): Promise<TriggerResult> => {
      try {
        return { value: await source.read() };
      } catch (e) {
        return { error: messageOf(e) };
      }
    }),
  );
}

/** What is read of a target before any decision: its workload's scale and every source, at once. */
export interface Observed {
  scale: ScaleReading;
  triggers: TriggerResult[];
}

/** Reads the workload (a failure throws: no observation, no decision) and every source. */
export async function readTarget(kube: Kube, { target, sources }: ConfiguredTarget): Promise<Observed> {
  const [scale, triggers] = await Promise.all([readCheckedScale(kube, workloadOf(target)), readSources(sources)]);
  return { scale, triggers };
}
