// A configured target as the runtime holds it, and the names it is known by: the key of its
// state row, and the workload it scales.
import { createHash } from 'node:crypto';
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

/** JSON with every map's keys in order: the same spec gives the same text however it was written. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const fingerprints = new WeakMap<Target, string>();

/**
 * The fingerprint of a target's spec as written (Target.input): 16 hex digits of the SHA-256 of
 * its canonical JSON. Stored with its state, so that a changed target is polled at once.
 */
export function specFingerprint(t: Target): string {
  let hash = fingerprints.get(t);
  if (hash === undefined) fingerprints.set(t, (hash = createHash('sha256').update(canonicalJson(t.input)).digest('hex').slice(0, 16)));
  return hash;
}

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
        const reading = await source.read();
        return typeof reading === 'number' ? { value: reading } : { value: reading.value, age: reading.age };
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
