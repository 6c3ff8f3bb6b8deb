// App settings -> validated configuration. Every problem is collected with the target, the
// field path and the reason; a bad target never stops the good ones.
import { ConfigError, ConfigWarning } from '../errors/index.js';
import { formatPath, isRecord, parseConfig, type Settings } from '../schema/index.js';
import { definitionOf } from '../sources/index.js';
import { appSettings as appSettingsOf, checkAppSettings, type AppSettings } from './app-settings.js';
import { CLUSTER_NAME, clusterIdentity, clusterNameRule, clusterSchema, toCluster, type Cluster } from './clusters.js';
import { parseList, parseNamedMap } from './document.js';
import { checkQueueGraph } from './queue-graph.js';
import { describeRaw, parseTarget, type Target } from './target.js';

export type { Settings } from '../schema/index.js';

/**
 * The configuration: the targets and clusters that loaded, every problem, and the checked app
 * settings. `warnings` are fields that were dropped, each saying what takes its place: their
 * targets load (a pasted ScaledObject's authenticationRef, a TriggerAuthentication document).
 */
export interface Config extends AppSettings {
  targets: Target[];
  clusters: Map<string, Cluster>;
  errors: ConfigError[];
  warnings: ConfigWarning[];
}

/** The valid clusters, and the names of the entries that were refused (their errors are reported). */
interface Clusters {
  valid: Map<string, Cluster>;
  refused: ReadonlySet<string>;
  /** SCALER_CLUSTERS itself could not be read. */
  unreadable?: boolean;
}

function loadClusters(settings: Settings, local: boolean, errors: ConfigError[]): Clusters {
  const refused = new Set<string>();
  const clusters = { valid: new Map<string, Cluster>(), refused, unreadable: false };
  const text = settings.SCALER_CLUSTERS;
  if (!text?.trim()) return clusters;
  const doc = parseNamedMap(text);
  if (!doc.ok) {
    errors.push(new ConfigError('SCALER_CLUSTERS', '', doc.reason));
    clusters.unreadable = true;
    return clusters;
  }
  for (const { name, value, unnamed } of doc.entries) {
    const where = name.trim() && !/[\s"]/.test(name) ? `cluster ${name}` : `cluster ${JSON.stringify(name)}`;
    const issues: { path: string; reason: string }[] = unnamed ? [{ path: 'name', reason: unnamed }] : [];
    if (!name.trim()) issues.push({ path: '', reason: 'has an empty name: targets refer to clusters by name' });
    if (clusters.valid.has(name) || refused.has(name)) issues.push({ path: '', reason: 'is listed twice in SCALER_CLUSTERS' });
    else if (name.trim() && !unnamed && !CLUSTER_NAME.test(name)) issues.push({ path: '', reason: `is not a valid cluster name (${clusterNameRule})` });
    const parsed = parseConfig(clusterSchema, value);
    if (!parsed.success) issues.push(...parsed.error.issues.map((i) => ({ path: formatPath(i.path), reason: i.message })));
    if (parsed.success) {
      const c = parsed.data;
      const localOnly = c.context !== undefined ? 'context' : c.armEndpoint !== undefined ? 'armEndpoint' : undefined;
      if (localOnly && !local) issues.push({ path: localOnly, reason: 'is for local development only (set SCALER_LOCAL_DEVELOPMENT=true to use it)' });
    }
    if (issues.length > 0 || !parsed.success) {
      for (const i of issues) errors.push(new ConfigError(where, i.path, i.reason));
      if (!clusters.valid.has(name)) refused.add(name);
      continue;
    }
    clusters.valid.set(name, toCluster(name, parsed.data));
  }
  return clusters;
}

/** The target with its cluster: the only one SCALER_CLUSTERS names when it gives none (even a refused one: the check then says so). */
function withDefaultCluster(target: Target, clusters: Clusters): Target {
  const names = [...clusters.valid.keys(), ...clusters.refused];
  return !target.cluster && names.length === 1 ? { ...target, cluster: names[0]! } : target;
}

/** Cross-field checks that need the other settings: the cluster exists, and each trigger type's local-only keys and settings. */
function checkTarget(target: Target, clusters: Clusters, local: boolean, settings: Settings): { path: string; reason: string }[] {
  const issues: { path: string; reason: string }[] = [];
  const names = [...clusters.valid.keys(), ...clusters.refused];
  if (!target.cluster) {
    issues.push({ path: 'cluster', reason: clusters.unreadable ? 'cannot be chosen: SCALER_CLUSTERS could not be read' : names.length === 0 ? 'is required, and SCALER_CLUSTERS names no cluster' : `is required when SCALER_CLUSTERS names several clusters (${names.join(', ')})` });
  } else if (clusters.refused.has(target.cluster)) {
    issues.push({ path: 'cluster', reason: `${JSON.stringify(target.cluster)} is not usable: its SCALER_CLUSTERS entry has errors` });
  } else if (!clusters.valid.has(target.cluster)) {
    issues.push({ path: 'cluster', reason: `${JSON.stringify(target.cluster)} is not in SCALER_CLUSTERS${names.length ? ` (known: ${names.join(', ')})` : ''}` });
  }
  target.triggers.forEach((t, i) => {
    const definition = definitionOf(t.type);
    const metadata = t.metadata as Record<string, unknown>;
    const localOnly = local ? [] : definition.localOnly.filter((key) => metadata[key] !== undefined);
    for (const key of localOnly) issues.push({ path: `triggers[${i}].metadata.${key}`, reason: 'is for local development only (set SCALER_LOCAL_DEVELOPMENT=true to use it)' });
    if (localOnly.length > 0) return;
    for (const issue of definition.checkSettings(t.metadata, settings)) issues.push({ path: formatPath(['triggers', i, 'metadata', ...issue.path]), reason: issue.message });
  });
  return issues;
}

type Issue = { path: string; reason: string };

/** Where a workload is, by cluster identity: two entries for one cluster are one place. */
function workloadKey(target: Target, clusters: Map<string, Cluster>): { key: string; cluster?: Cluster } {
  const cluster = clusters.get(target.cluster);
  const ref = target.scaleTargetRef;
  return { key: `${cluster ? clusterIdentity(cluster).key : `name ${target.cluster}`}|${target.namespace}|${ref.kind}|${ref.name}`, cluster };
}

/** What the queue graph needs beyond the targets: connectionFromEnv settings and the wake connections. */
interface QueueSettings {
  settings: Settings;
  app: AppSettings;
}

const TRIGGER_AUTHENTICATIONS = ['TriggerAuthentication', 'ClusterTriggerAuthentication'];

/**
 * A KEDA TriggerAuthentication pasted next to its ScaledObjects (`kubectl get
 * scaledobject,triggerauthentication -o yaml`): named, for its warning; not a target.
 */
function triggerAuthenticationOf(raw: unknown): string | undefined {
  if (!isRecord(raw) || raw.apiVersion !== 'keda.sh/v1alpha1' || !TRIGGER_AUTHENTICATIONS.includes(String(raw.kind))) return undefined;
  const meta = isRecord(raw.metadata) ? raw.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : '(unnamed)';
  return `${String(raw.kind)} ${raw.kind === 'TriggerAuthentication' && typeof meta.namespace === 'string' ? `${meta.namespace}/` : ''}${name}`;
}

/**
 * Validates SCALER_TARGETS against the valid clusters. Problems are appended to `errors`, one
 * per field, in the order of the targets; the targets that have none are returned. Fields that
 * are dropped with a word on what replaces them are appended to `warnings`.
 * `clusterErrors.refused` names the SCALER_CLUSTERS entries that had errors, and `unreadable`
 * says SCALER_CLUSTERS could not be read at all, so that their targets say why rather than "not
 * in SCALER_CLUSTERS". `queues` tells the queue graph which accounts the queues are in (unknown
 * accounts are compared by queue name).
 */
export function loadTargets(
  text: string | undefined,
  clusters: Map<string, Cluster>,
  local: boolean,
  errors: ConfigError[],
  clusterErrors: { refused?: ReadonlySet<string>; unreadable?: boolean } = {},
  queues: QueueSettings = { settings: {}, app: appSettingsOf({}) },
  warnings: ConfigWarning[] = [],
): Target[] {
  if (!text?.trim()) return [];
  const doc = parseList(text);
  if (!doc.ok) {
    errors.push(new ConfigError('SCALER_TARGETS', '', doc.reason));
    return [];
  }
  for (const problem of doc.problems) errors.push(new ConfigError('SCALER_TARGETS', '', problem));
  const refusedClusters = { valid: clusters, refused: clusterErrors.refused ?? new Set<string>(), unreadable: clusterErrors.unreadable };
  /** Per item: where it is named, and its issues; parsed targets in `parsed`. */
  const found: { where: string; issues: Issue[] }[] = [];
  const parsed: { index: number; target: Target }[] = [];
  const ids = new Map<string, number>();
  const workloads = new Map<string, { index: number; id: string; cluster?: Cluster }>();
  doc.items.forEach((item, index) => {
    if (item.error !== undefined) {
      found.push({ where: describeRaw(item.value, index), issues: [{ path: '', reason: item.error }] });
      return;
    }
    const authentication = triggerAuthenticationOf(item.value);
    if (authentication) {
      warnings.push(new ConfigWarning(authentication, '', 'is not a target: ignored. The scaler reads queues with its managed identity, and drops the authenticationRef of every trigger that names it (see their warnings)'));
      found.push({ where: authentication, issues: [] });
      return;
    }
    const result = parseTarget(item.value);
    if (!result.ok) {
      found.push({ where: describeRaw(item.value, index), issues: result.issues });
      return;
    }
    const target = withDefaultCluster(result.target, refusedClusters);
    for (const w of result.warnings) warnings.push(new ConfigWarning(`target ${target.id}`, w.path, w.reason));
    const issues = checkTarget(target, refusedClusters, local, queues.settings);
    found.push({ where: `target ${target.id}`, issues });
    const sameId = ids.get(target.id);
    if (sameId !== undefined) {
      issues.push({ path: '', reason: `is defined twice: #${sameId} has the same namespace/name (set name to tell them apart)` });
      return;
    }
    ids.set(target.id, index);
    parsed.push({ index, target });
    // KEDA refuses two ScaledObjects on one workload: they would fight over its replicas. Two
    // SCALER_CLUSTERS entries for one cluster are one cluster.
    const ref = target.scaleTargetRef;
    const { key, cluster } = workloadKey(target, clusters);
    const other = workloads.get(key);
    if (!other) {
      workloads.set(key, { index, id: target.id, cluster });
      return;
    }
    const alias = other.cluster && cluster && other.cluster.name !== cluster.name ? `: cluster ${cluster.name} is the same cluster as ${other.cluster.name} (${clusterIdentity(cluster).same})` : '';
    issues.push({ path: 'scaleTargetRef', reason: `${ref.kind} ${target.namespace}/${ref.name} is already scaled by target ${other.id} (#${other.index})${alias}` });
  });
  for (const [index, issues] of checkQueueGraph(parsed, queues.settings, queues.app)) found[index]!.issues.push(...issues);
  const targets: Target[] = [];
  const loaded = new Map(parsed.map((p) => [p.index, p.target]));
  found.forEach(({ where, issues }, index) => {
    for (const i of issues) errors.push(new ConfigError(where, i.path, i.reason));
    const target = loaded.get(index);
    if (issues.length === 0 && target) targets.push(target);
  });
  return targets;
}

export function loadConfig(settings: Settings): Config {
  const { values, errors } = checkAppSettings(settings);
  const clusters = loadClusters(settings, values.localDevelopment, errors);
  const warnings: ConfigWarning[] = [];
  const targets = loadTargets(settings.SCALER_TARGETS, clusters.valid, values.localDevelopment, errors, clusters, { settings, app: values }, warnings);
  return { ...values, targets, clusters: clusters.valid, errors, warnings };
}
