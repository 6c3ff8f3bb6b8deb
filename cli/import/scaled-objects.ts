// KEDA ScaledObjects (keda.sh/v1alpha1, as the API server returns them) -> SCALER_TARGETS flat
// targets, with a note for every field that is not carried over. Pure: no I/O, no clock.
//
// What is carried, and what is not (docs/configuration.md, "Differences from KEDA"):
// - azure-queue triggers, with their metadata, name and useCachedMetrics. Other trigger types
//   are kept out of the target; a ScaledObject with no azure-queue trigger left is kept out.
// - Authentication: the scaler reads queues with its own managed identity, so it needs the
//   storage account. A trigger with metadata.accountName is carried and its authenticationRef /
//   connectionFromEnv is *replaced* by the managed identity (a note says to grant it a reader
//   role). A trigger with only a connection string (connection, connectionFromEnv, or a
//   TriggerAuthentication) and no accountName is kept out, with a note saying what to add:
//   a placeholder account would load and then read the wrong account, or none.
// - metricType Value / Utilization: the trigger is kept out (the HPA math differs).
// - advanced.scalingModifiers: dropped; each trigger scales on its own and the highest wins.
// - autoscaling.keda.sh/paused on the ScaledObject becomes `paused: true`; paused-replicas
//   becomes `paused: true` too (the workload stays where KEDA left it) but the count itself,
//   like paused-scale-in/-out and force-activation, goes on the Deployment: the note says how.
// - idleReplicaCount that KEDA itself refuses (its idle/min quirk): dropped.
// - Fields KEDA ignores too (unknown metadata keys, endpointSuffix without cloud: Private,
//   unknown spec fields): left out, noted as `ignored`.
// - Anything else the configuration refuses: the trigger (or the target) is kept out with the
//   configuration's own message.
import { loadConfig, loadTargets, parseTarget } from '../../shared/config/index.js';
import type { Cluster } from '../../shared/config/index.js';
import type { ConfigError } from '../../shared/errors.js';
import { isRecord, show } from '../../shared/config/values.js';

/**
 * What happened to one field of a ScaledObject:
 * - `target-kept-out`: no target is written for this ScaledObject;
 * - `trigger-kept-out`: the target is written without this trigger;
 * - `dropped`: the target is written without this field, which changes its behaviour;
 * - `changed`: carried differently, with a difference the message names;
 * - `replaced`: carried by the scaler's own means (its managed identity), same scaling;
 * - `ignored`: KEDA ignores it too; left out with no change in behaviour.
 */
export const outcomes = ['target-kept-out', 'trigger-kept-out', 'dropped', 'changed', 'replaced', 'ignored'] as const;
export type Outcome = (typeof outcomes)[number];

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
const ANNOTATION = 'autoscaling.keda.sh/';
/** Read by the engine from the scale target; on a ScaledObject they cannot be carried. */
const WORKLOAD_ANNOTATIONS = ['paused-replicas', 'paused-scale-in', 'paused-scale-out', 'force-activation'];
/** The ScaledObject spec fields KEDA reads (v2.18). */
const SPEC_FIELDS = ['scaleTargetRef', 'pollingInterval', 'cooldownPeriod', 'initialCooldownPeriod', 'minReplicaCount', 'maxReplicaCount', 'idleReplicaCount', 'fallback', 'advanced', 'triggers'];
/** Copied as they are: the configuration accepts them with KEDA's meaning. */
const PLAIN_SPEC_FIELDS = ['pollingInterval', 'cooldownPeriod', 'initialCooldownPeriod', 'minReplicaCount', 'maxReplicaCount', 'idleReplicaCount', 'fallback'];
const TRIGGER_FIELDS = ['type', 'name', 'metadata', 'metricType', 'useCachedMetrics', 'authenticationRef'];
/** The azure-queue metadata keys KEDA reads (azure_queue_scaler.go); it ignores any other. */
const QUEUE_METADATA = ['queueName', 'queueLength', 'activationQueueLength', 'queueLengthStrategy', 'accountName', 'cloud', 'endpointSuffix', 'connectionFromEnv', 'connection'];
const IDENTITY_HINT = 'grant its identity Storage Queue Data Reader on the queue (set metadata.identityClientId to pick a user-assigned identity)';

/** KEDA's getBoolAnnotation: present and not "false" counts as true. */
const annotationSet = (annotations: Record<string, unknown>, key: string): boolean =>
  key in annotations && String(annotations[key]).trim().toLowerCase() !== 'false';

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
  if (raw.type !== 'azure-queue') {
    notes.add(field, 'trigger-kept-out', `trigger type ${show(raw.type)} is not supported: only azure-queue triggers are imported`);
    return undefined;
  }
  if (raw.metricType === 'Value' || raw.metricType === 'Utilization') {
    const why = raw.metricType === 'Value'
      ? 'a Value target is the whole queue length across all replicas, which the scaler does not do (it scales to queue length / queueLength per replica); remove metricType to carry it with that meaning'
      : 'KEDA refuses Utilization for azure-queue too';
    notes.add(`${field}.metricType`, 'trigger-kept-out', `${show(raw.metricType)} is not supported, only AverageValue: ${why}`);
    return undefined;
  }
  const trigger: FlatTarget = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!TRIGGER_FIELDS.includes(key)) notes.add(`${field}.${key}`, 'ignored', 'is not a trigger field KEDA reads');
    else if (key !== 'authenticationRef' && key !== 'metadata') trigger[key] = value;
  }
  const source = isRecord(raw.metadata) ? raw.metadata : {};
  const metadata: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) {
    if (!QUEUE_METADATA.includes(key)) notes.add(`${field}.metadata.${key}`, 'ignored', 'is not an azure-queue metadata key KEDA reads');
    else if (key !== 'connection' && key !== 'connectionFromEnv') metadata[key] = value;
  }
  // KEDA ignores endpointSuffix unless cloud is Private; the configuration refuses it.
  if (given(source.endpointSuffix) && String(source.cloud ?? '').trim().toLowerCase() !== 'private') {
    delete metadata.endpointSuffix;
    notes.add(`${field}.metadata.endpointSuffix`, 'ignored', `is only used with cloud: Private (KEDA ignores it with ${given(source.cloud) ? `cloud ${show(source.cloud)}` : 'the default cloud'})`);
  }
  // Who reads the queue: the scaler's managed identity, which needs the account name.
  const ref = isRecord(raw.authenticationRef) ? raw.authenticationRef : undefined;
  const means = [
    ...(raw.authenticationRef !== undefined ? [{ path: `${field}.authenticationRef`, what: `${typeof ref?.kind === 'string' ? ref.kind : 'TriggerAuthentication'} ${show(ref?.name)}` }] : []),
    ...(given(source.connectionFromEnv) ? [{ path: `${field}.metadata.connectionFromEnv`, what: `the connection string in the workload's environment variable ${show(source.connectionFromEnv)}` }] : []),
    // The value is an account key: never repeated.
    ...(given(source.connection) ? [{ path: `${field}.metadata.connection`, what: 'a connection string in metadata.connection' }] : []),
  ];
  if (!given(source.accountName)) {
    const how = means.length > 0 ? `reads its queue with ${means.map((m) => m.what).join(' and ')}` : 'gives no way to reach its queue';
    notes.add(field, 'trigger-kept-out', `${how} and names no accountName. The scaler reads queues with its managed identity, so it needs the storage account: add metadata.accountName (the AccountName of that connection string), and ${IDENTITY_HINT}`);
    return undefined;
  }
  for (const m of means) {
    notes.add(m.path, 'replaced', `the scaler reads queue ${show(source.queueName)} of account ${show(source.accountName)} with its managed identity instead of ${m.what}: ${IDENTITY_HINT}`);
  }
  return { ...trigger, metadata };
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
      if (key === 'scalingModifiers') {
        const formula = isRecord(value) && typeof value.formula === 'string' ? ` (formula ${show(value.formula)})` : '';
        notes.add('spec.advanced.scalingModifiers', 'dropped', `scaling modifiers${formula} are not supported: each trigger scales on its own and the highest answer wins`);
      } else if (key === 'horizontalPodAutoscalerConfig' || key === 'restoreToOriginalReplicaCount') {
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

  // 4. Pause annotations: the ScaledObject's own is `paused`; the others belong on the workload.
  const annotations = isRecord(meta.annotations) ? meta.annotations : {};
  const workload = `${String(kind).toLowerCase()} ${String(ref.name)} -n ${namespace}`;
  if (annotationSet(annotations, `${ANNOTATION}paused`)) target.paused = true;
  for (const suffix of WORKLOAD_ANNOTATIONS) {
    const key = `${ANNOTATION}${suffix}`;
    if (!(key in annotations)) continue;
    const field = `metadata.annotations[${JSON.stringify(key)}]`;
    const move = `the scaler reads it from the ${kind}: kubectl annotate ${workload} ${key}=${String(annotations[key])}`;
    if (suffix === 'paused-replicas') {
      target.paused = true;
      notes.add(field, 'changed', `carried as paused: true, which holds the replicas where they are; to hold exactly ${String(annotations[key])}, ${move}`);
    } else {
      notes.add(field, 'dropped', `is not carried: ${move}`);
    }
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
export const DEFAULT_CLUSTER_NAME = 'imported';

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
