// KEDA ScaledObjects (keda.sh/v1alpha1, as the API server returns them) -> SCALER_TARGETS flat
// targets, with a note for every field that is not carried over. Pure: no I/O, no clock.
//
// What is carried, and what is not (docs/configuration.md, "Differences from KEDA"):
// - Triggers of the types the scaler knows (shared/sources registry), with their name and
//   useCachedMetrics; each type's own rules say which of KEDA's metadata keys carry over and how
//   the scaler's managed identity replaces KEDA's authentication (for azure-queue: with
//   metadata.accountName it is replaced, a note says which role to grant; without it the trigger
//   is kept out, saying what to add). Other trigger types are kept out of the target; a
//   ScaledObject with no trigger left is kept out.
// - metricType (AverageValue or Value) and advanced.scalingModifiers are carried: the scaler does
//   the HPA's math for both and evaluates the formula as KEDA does. Utilization, which KEDA
//   refuses for external metrics, is refused by the configuration (the trigger is kept out). A
//   formula naming a trigger that is kept out cannot be carried: the target is kept out.
// - autoscaling.keda.sh/paused on the ScaledObject becomes `paused: true` when KEDA would pause
//   (shared/engine/keda-annotations.ts); paused-replicas becomes `paused: true` too (the workload
//   stays where KEDA left it) but the count itself, like paused-scale-in/-out and
//   force-activation, goes on the Deployment: the note says how.
// - idleReplicaCount that KEDA itself refuses (its idle/min quirk): dropped.
// - Fields KEDA ignores too (unknown metadata keys, unknown spec fields): left out, noted as
//   `ignored`.
// - Anything else the configuration refuses: the trigger (or the target) is kept out with the
//   configuration's own message.
import { loadConfig, loadTargets, parseTarget } from '../../shared/config/index.js';
import type { Cluster } from '../../shared/config/index.js';
import { needToBePaused, PAUSED_REPLICAS, WORKLOAD_ANNOTATIONS } from '../../shared/engine/index.js';
import type { ConfigError } from '../../shared/errors/index.js';
import { isRecord, show } from '../../shared/schema/index.js';
import { definitionOf, isTriggerType, triggerTypeNames, type ImportOutcome } from '../../shared/sources/index.js';

/**
 * What happened to one field of a ScaledObject:
 * - `target-kept-out`: no target is written for this ScaledObject;
 * - `trigger-kept-out`: the target is written without this trigger;
 * - `dropped`: the target is written without this field, which changes its behaviour;
 * - `changed`: carried differently, with a difference the message names;
 * - `replaced`: carried by the scaler's own means (its managed identity), same scaling;
 * - `ignored`: KEDA ignores it too; left out with no change in behaviour.
 */
export type Outcome = 'target-kept-out' | ImportOutcome;

/** Outcomes after which the target scales as the ScaledObject did (exit code 0). */
const CARRIED: ReadonlySet<Outcome> = new Set(['replaced', 'ignored']);

export interface ImportNote {
  /** `namespace/name` of the ScaledObject. */
  scaledObject: string;
  /** The ScaledObject field, e.g. `spec.triggers[1]` or `metadata.annotations["autoscaling.keda.sh/paused-replicas"]`. */
  field: string;
  outcome: Outcome;
  /** False when the target does not scale as the ScaledObject did (the command exits 1). */
  carried: boolean;
  message: string;
}

/** One SCALER_TARGETS item, in the flat form (docs/configuration.md). */
export type FlatTarget = Record<string, unknown>;

export interface ImportResult {
  /** Sorted by namespace/name; each loads with loadConfig. */
  targets: FlatTarget[];
  report: ImportNote[];
}

export interface ImportOptions {
  /** The SCALER_CLUSTERS entry to set on every target; unset, the only cluster is used. */
  cluster?: string | undefined;
}

const KEDA_API_VERSION = 'keda.sh/v1alpha1';
/** The ScaledObject spec fields KEDA reads (v2.18). */
const SPEC_FIELDS = ['scaleTargetRef', 'pollingInterval', 'cooldownPeriod', 'initialCooldownPeriod', 'minReplicaCount', 'maxReplicaCount', 'idleReplicaCount', 'fallback', 'advanced', 'triggers'];
/** Copied as they are: the configuration accepts them with KEDA's meaning. */
const PLAIN_SPEC_FIELDS = ['pollingInterval', 'cooldownPeriod', 'initialCooldownPeriod', 'minReplicaCount', 'maxReplicaCount', 'idleReplicaCount', 'fallback'];
const TRIGGER_FIELDS = ['type', 'name', 'metadata', 'metricType', 'useCachedMetrics', 'authenticationRef'];

const given = (v: unknown): boolean => v !== undefined && v !== null && v !== '';

/** Collects the notes of one ScaledObject. */
class Notes {
  readonly list: ImportNote[] = [];
  readonly scaledObject: string;
  constructor(scaledObject: string) {
    this.scaledObject = scaledObject;
  }
  add(field: string, outcome: Outcome, message: string): void {
    this.list.push({ scaledObject: this.scaledObject, field, outcome, carried: CARRIED.has(outcome), message });
  }
  /** Forgets what was carried under `field` (all of it when empty): it is left out after all. */
  forgetCarried(field = ''): void {
    const under = (f: string): boolean => !field || f === field || f.startsWith(`${field}.`) || f.startsWith(`${field}[`);
    this.list.splice(0, this.list.length, ...this.list.filter((n) => !(n.carried && under(n.field))));
  }
}

interface Converted {
  id: string;
  target?: FlatTarget;
  notes: ImportNote[];
  /** Output trigger index -> ScaledObject trigger index, for the configuration's paths. */
  triggerIndex: number[];
}

/** One trigger, or undefined when it is kept out (with a note saying why). */
function convertTrigger(raw: unknown, field: string, notes: Notes): FlatTarget | undefined {
  if (!isRecord(raw)) {
    notes.add(field, 'trigger-kept-out', `is ${show(raw)}, not a trigger`);
    return undefined;
  }
  if (!isTriggerType(raw.type)) {
    notes.add(field, 'trigger-kept-out', `trigger type ${show(raw.type)} is not supported: only ${triggerTypeNames.join(', ')} triggers are imported`);
    return undefined;
  }
  const trigger: FlatTarget = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!TRIGGER_FIELDS.includes(key)) notes.add(`${field}.${key}`, 'ignored', 'is not a trigger field KEDA reads');
    else if (key !== 'authenticationRef' && key !== 'metadata') trigger[key] = value;
  }
  // The metadata, and what stands for KEDA's authentication: the type's own rules.
  const imported = definitionOf(raw.type).importTrigger(raw);
  for (const note of imported.notes) notes.add(note.path ? `${field}.${note.path}` : field, note.outcome, note.message);
  return imported.metadata ? { ...trigger, metadata: imported.metadata } : undefined;
}

/**
 * KEDA's CheckReplicaCountBoundsAreValid on idleReplicaCount: compared with 0 when
 * minReplicaCount is omitted, with max(min, 1) when given. KEDA refuses such a ScaledObject.
 */
function idleRefused(spec: Record<string, unknown>): string | undefined {
  const idle = Number(spec.idleReplicaCount);
  if (!given(spec.idleReplicaCount) || !Number.isInteger(idle)) return undefined;
  const min = given(spec.minReplicaCount) ? Math.max(Number(spec.minReplicaCount), 1) : 0;
  if (!Number.isFinite(min) || idle < min) return undefined;
  return `${idle} is not less than minReplicaCount (${given(spec.minReplicaCount) ? `${show(spec.minReplicaCount)}, counted as at least 1` : '0 when omitted'}), so KEDA refuses this ScaledObject; dropped: the target scales between minReplicaCount and maxReplicaCount${idle === 0 ? ' (idle 0 with min 0 means the same)' : ''}`;
}

/** The configuration's path of a flat target -> the ScaledObject's field. */
function scaledObjectField(path: string, triggerIndex: readonly number[]): string {
  const trigger = /^triggers\[(\d+)\](.*)$/.exec(path);
  if (trigger) return `spec.triggers[${triggerIndex[Number(trigger[1])] ?? trigger[1]}]${trigger[2]}`;
  if (path === 'name' || path === 'namespace') return `metadata.${path}`;
  if (path === 'cluster') return '--cluster';
  return path ? `spec.${path}` : 'spec';
}

function convertScaledObject(raw: unknown, index: number, options: ImportOptions): Converted {
  const meta = isRecord(raw) && isRecord(raw.metadata) ? raw.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : undefined;
  const namespace = typeof meta.namespace === 'string' ? meta.namespace : 'default';
  const id = name ? `${namespace}/${name}` : `#${index}`;
  const notes = new Notes(id);
  const out = (field: string, message: string): Converted => {
    notes.forgetCarried();
    notes.add(field, 'target-kept-out', message);
    return { id, notes: notes.list, triggerIndex: [] };
  };
  if (!isRecord(raw)) return out('', `is ${show(raw)}, not a ScaledObject`);
  if (raw.apiVersion !== undefined && raw.apiVersion !== KEDA_API_VERSION) return out('apiVersion', `${show(raw.apiVersion)} is not ${KEDA_API_VERSION}`);
  if (raw.kind !== undefined && raw.kind !== 'ScaledObject') return out('kind', `${show(raw.kind)} is not a ScaledObject`);
  if (!name) return out('metadata.name', 'is missing');
  if (!isRecord(raw.spec)) return out('spec', 'is missing');
  const spec = raw.spec;

  // 1. Where: the workload, which must be an apps/v1 Deployment or StatefulSet.
  const ref = isRecord(spec.scaleTargetRef) ? spec.scaleTargetRef : {};
  const kind = ref.kind ?? 'Deployment';
  const apiVersion = ref.apiVersion ?? 'apps/v1';
  if ((kind !== 'Deployment' && kind !== 'StatefulSet') || apiVersion !== 'apps/v1') {
    return out('spec.scaleTargetRef', `scales a ${show(kind)} (${show(apiVersion)}): only apps/v1 Deployments and StatefulSets can be scaled`);
  }
  const target: FlatTarget = { name, namespace, ...(options.cluster ? { cluster: options.cluster } : {}), scaleTargetRef: spec.scaleTargetRef };

  // 2. The spec fields, as they are.
  for (const key of Object.keys(spec)) {
    if (!SPEC_FIELDS.includes(key)) notes.add(`spec.${key}`, 'ignored', 'is not a ScaledObject field KEDA reads');
  }
  for (const key of PLAIN_SPEC_FIELDS) if (spec[key] !== undefined) target[key] = spec[key];
  const idle = idleRefused(spec);
  if (idle) {
    delete target.idleReplicaCount;
    notes.add('spec.idleReplicaCount', 'dropped', idle);
  }
  if (isRecord(spec.advanced)) {
    const advanced: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(spec.advanced)) {
      if (key === 'horizontalPodAutoscalerConfig' || key === 'restoreToOriginalReplicaCount' || key === 'scalingModifiers') {
        advanced[key] = value;
      } else {
        notes.add(`spec.advanced.${key}`, 'ignored', 'is not an advanced field KEDA reads');
      }
    }
    if (Object.keys(advanced).length > 0) target.advanced = advanced;
  } else if (spec.advanced !== undefined) {
    target.advanced = spec.advanced;
  }

  // 3. The triggers.
  if (!Array.isArray(spec.triggers) || spec.triggers.length === 0) return out('spec.triggers', 'lists no trigger');
  const triggers: FlatTarget[] = [];
  const triggerIndex: number[] = [];
  spec.triggers.forEach((t: unknown, i: number) => {
    const trigger = convertTrigger(t, `spec.triggers[${i}]`, notes);
    if (trigger) {
      triggers.push(trigger);
      triggerIndex.push(i);
    }
  });
  target.triggers = triggers;

  // 4. Pause annotations, read as KEDA reads them: the ScaledObject's own pause (paused, or
  // paused-replicas present: NeedToBePausedByAnnotation) is `paused`; the annotations the engine
  // reads from the workload belong there.
  const annotations = isRecord(meta.annotations) ? Object.fromEntries(Object.entries(meta.annotations).filter((e): e is [string, string] => typeof e[1] === 'string')) : {};
  const workload = `${String(kind).toLowerCase()} ${String(ref.name)} -n ${namespace}`;
  if (needToBePaused(annotations)) target.paused = true;
  for (const key of WORKLOAD_ANNOTATIONS) {
    if (!Object.hasOwn(annotations, key)) continue;
    const field = `metadata.annotations[${JSON.stringify(key)}]`;
    const move = `the scaler reads it from the ${kind}: kubectl annotate ${workload} ${key}=${annotations[key]}`;
    if (key === PAUSED_REPLICAS) notes.add(field, 'changed', `carried as paused: true, which holds the replicas where they are; to hold exactly ${annotations[key]}, ${move}`);
    else notes.add(field, 'dropped', `is not carried: ${move}`);
  }

  // 5. What the configuration still refuses: the trigger, or else the whole target, is kept out.
  for (;;) {
    if (triggers.length === 0) return out('spec.triggers', 'has no trigger that can be carried (see the notes on its triggers)');
    const parsed = parseTarget(target);
    if (parsed.ok) return { id, target, notes: notes.list, triggerIndex };
    const byTrigger = new Map<number, string[]>();
    const other: string[] = [];
    for (const issue of parsed.issues) {
      const t = /^triggers\[(\d+)\]/.exec(issue.path);
      if (t) byTrigger.set(Number(t[1]), [...(byTrigger.get(Number(t[1])) ?? []), `${scaledObjectField(issue.path, triggerIndex)}: ${issue.reason}`]);
      else other.push(`${scaledObjectField(issue.path, triggerIndex)}: ${issue.reason}`);
    }
    if (other.length > 0 || byTrigger.size === 0) return out('spec', `the configuration refuses it: ${other.join('; ') || 'no reason given'}`);
    for (const k of [...byTrigger.keys()].sort((a, b) => b - a)) {
      notes.forgetCarried(`spec.triggers[${triggerIndex[k]}]`);
      notes.add(`spec.triggers[${triggerIndex[k]}]`, 'trigger-kept-out', `the configuration refuses it: ${byTrigger.get(k)!.join('; ')}`);
      triggers.splice(k, 1);
      triggerIndex.splice(k, 1);
    }
  }
}

/** A stand-in for SCALER_CLUSTERS when checking targets: the cluster's entry does not matter. */
const PLACEHOLDER_CLUSTER = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/import/providers/Microsoft.ContainerService/managedClusters/import';
const DEFAULT_CLUSTER_NAME = 'imported';

function placeholderClusters(name: string): Map<string, Cluster> {
  return new Map([[name, { name, kind: 'aks', resourceId: PLACEHOLDER_CLUSTER, subscriptionId: '00000000-0000-0000-0000-000000000000', resourceGroup: 'import', clusterName: 'import' }]]);
}

/**
 * Converts ScaledObjects into SCALER_TARGETS. Every target returned loads with no error;
 * everything that could not be carried, or was carried differently, is in the report.
 */
export function importScaledObjects(objects: readonly unknown[], options: ImportOptions = {}): ImportResult {
  const converted = objects.map((o, i) => convertScaledObject(o, i, options)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  let report = converted.flatMap((c) => c.notes);
  let kept = converted.filter((c) => c.target !== undefined);
  // Rules across targets (e.g. two ScaledObjects on one workload): the later one is kept out.
  for (;;) {
    const errors: ConfigError[] = [];
    loadTargets(JSON.stringify(kept.map((c) => c.target)), placeholderClusters(options.cluster ?? DEFAULT_CLUSTER_NAME), false, errors);
    const refused = new Map<string, string[]>();
    for (const e of errors) {
      const c = kept.find((k) => e.where === `target ${k.id}`) ?? kept[0]!;
      refused.set(c.id, [...(refused.get(c.id) ?? []), `${e.path ? `${scaledObjectField(e.path, c.triggerIndex)}: ` : ''}${e.reason}`]);
    }
    if (refused.size === 0) break;
    for (const [id, reasons] of refused) {
      report = report.filter((n) => !(n.carried && n.scaledObject === id));
      report.push({ scaledObject: id, field: 'spec', outcome: 'target-kept-out', carried: false, message: `the configuration refuses it: ${reasons.join('; ')}` });
    }
    kept = kept.filter((c) => !refused.has(c.id));
  }
  return { targets: kept.map((c) => c.target!), report };
}

/** Whether every ScaledObject was carried with the same scaling (the command's exit code 0). */
export const allCarried = (report: readonly ImportNote[]): boolean => report.every((n) => n.carried);

/**
 * The last check before output is written: the SCALER_TARGETS text loads with loadConfig, with
 * no error, into `count` targets. Returns the problems (empty when it loads).
 */
export function checkTargetsText(text: string, count: number, cluster: string | undefined): string[] {
  const name = cluster ?? DEFAULT_CLUSTER_NAME;
  const config = loadConfig({ SCALER_TARGETS: text, SCALER_CLUSTERS: JSON.stringify({ [name]: { resourceId: PLACEHOLDER_CLUSTER } }) });
  const problems = config.errors.map((e) => e.message);
  if (problems.length === 0 && config.targets.length !== count) problems.push(`SCALER_TARGETS: loads as ${config.targets.length} target(s), not ${count}`);
  return problems;
}
