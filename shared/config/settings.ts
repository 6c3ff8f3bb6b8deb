// App settings -> validated configuration. Every problem is collected with the target, the
// field path and the reason; a bad target never stops the good ones.
import { ConfigError } from '../errors.js';
import { clusterSchema, toCluster, type Cluster } from './clusters.js';
import { parseList, parseNamedMap } from './document.js';
import { describeRaw, formatPath, parseTarget, type Target } from './target.js';
import { GUID, parseConfig } from './values.js';

export type Settings = Record<string, string | undefined>;

export interface Config {
  targets: Target[];
  clusters: Map<string, Cluster>;
  errors: ConfigError[];
  /** SCALER_LOCAL_DEVELOPMENT: connection strings, explicit endpoints and kubeconfig contexts. */
  localDevelopment: boolean;
}

const TRUE = /^(true|1|yes)$/i;
const FALSE = /^(false|0|no)?$/i;

/** A boolean app setting; anything else is reported and counts as false. */
function readFlag(settings: Settings, key: string, errors: ConfigError[]): boolean {
  const value = settings[key]?.trim() ?? '';
  if (TRUE.test(value)) return true;
  if (!FALSE.test(value)) errors.push(new ConfigError(key, '', `${JSON.stringify(value)} is not true or false`));
  return false;
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
    const where = name.trim() ? `cluster ${name}` : `cluster ${JSON.stringify(name)}`;
    const issues: { path: string; reason: string }[] = unnamed ? [{ path: 'name', reason: unnamed }] : [];
    if (!name.trim()) issues.push({ path: '', reason: 'has an empty name: targets refer to clusters by name' });
    if (clusters.valid.has(name) || refused.has(name)) issues.push({ path: '', reason: 'is listed twice in SCALER_CLUSTERS' });
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

/** Cross-field checks that need the other settings: the cluster exists, local-only fields. */
function checkTarget(target: Target, clusters: Clusters, local: boolean): { path: string; reason: string }[] {
  const issues: { path: string; reason: string }[] = [];
  const names = [...clusters.valid.keys(), ...clusters.refused];
  // The only cluster is the default, even when it was refused (the target then says so).
  if (!target.cluster && names.length === 1) target.cluster = names[0]!;
  if (!target.cluster) {
    issues.push({ path: 'cluster', reason: clusters.unreadable ? 'cannot be chosen: SCALER_CLUSTERS could not be read' : names.length === 0 ? 'is required, and SCALER_CLUSTERS names no cluster' : `is required when SCALER_CLUSTERS names several clusters (${names.join(', ')})` });
  } else if (clusters.refused.has(target.cluster)) {
    issues.push({ path: 'cluster', reason: `${JSON.stringify(target.cluster)} is not usable: its SCALER_CLUSTERS entry has errors` });
  } else if (!clusters.valid.has(target.cluster)) {
    issues.push({ path: 'cluster', reason: `${JSON.stringify(target.cluster)} is not in SCALER_CLUSTERS${names.length ? ` (known: ${names.join(', ')})` : ''}` });
  }
  if (!local) {
    target.triggers.forEach((t, i) => {
      for (const key of ['connectionFromEnv', 'queueServiceUri'] as const) {
        if (t.metadata[key] !== undefined) {
          issues.push({ path: `triggers[${i}].metadata.${key}`, reason: 'is for local development only (set SCALER_LOCAL_DEVELOPMENT=true to use it)' });
        }
      }
    });
  }
  return issues;
}

/**
 * Validates SCALER_TARGETS against the valid clusters. Problems are appended to `errors`, one
 * per field; the targets that have none are returned. `clusterErrors.refused` names the
 * SCALER_CLUSTERS entries that had errors, and `unreadable` says SCALER_CLUSTERS could not be
 * read at all, so that their targets say why rather than "not in SCALER_CLUSTERS".
 */
export function loadTargets(
  text: string | undefined,
  clusters: Map<string, Cluster>,
  local: boolean,
  errors: ConfigError[],
  clusterErrors: { refused?: ReadonlySet<string>; unreadable?: boolean } = {},
): Target[] {
  if (!text?.trim()) return [];
  const doc = parseList(text);
  if (!doc.ok) {
    errors.push(new ConfigError('SCALER_TARGETS', '', doc.reason));
    return [];
  }
  const targets: Target[] = [];
  const ids = new Map<string, number>();
  const workloads = new Map<string, { index: number; id: string }>();
  doc.items.forEach((raw, index) => {
    const parsed = parseTarget(raw);
    if (!parsed.ok) {
      const where = describeRaw(raw, index);
      for (const i of parsed.issues) errors.push(new ConfigError(where, i.path, i.reason));
      return;
    }
    const target = parsed.target;
    const issues = checkTarget(target, { valid: clusters, refused: clusterErrors.refused ?? new Set(), unreadable: clusterErrors.unreadable }, local);
    const sameId = ids.get(target.id);
    if (sameId !== undefined) {
      issues.push({ path: '', reason: `is defined twice: #${sameId} has the same namespace/name (set name to tell them apart)` });
    } else {
      ids.set(target.id, index);
      // KEDA refuses two ScaledObjects on one workload: they would fight over its replicas.
      const ref = target.scaleTargetRef;
      const workload = `${target.cluster}|${target.namespace}|${ref.kind}|${ref.name}`;
      const other = workloads.get(workload);
      if (other) issues.push({ path: 'scaleTargetRef', reason: `${ref.kind} ${target.namespace}/${ref.name} is already scaled by target ${other.id} (#${other.index})` });
      else workloads.set(workload, { index, id: target.id });
    }
    if (issues.length > 0) {
      for (const i of issues) errors.push(new ConfigError(`target ${target.id}`, i.path, i.reason));
      return;
    }
    targets.push(target);
  });
  return targets;
}

export function loadConfig(settings: Settings): Config {
  const errors: ConfigError[] = [];
  const localDevelopment = readFlag(settings, 'SCALER_LOCAL_DEVELOPMENT', errors);
  const clientId = settings.AZURE_CLIENT_ID?.trim();
  if (clientId && !GUID.test(clientId)) errors.push(new ConfigError('AZURE_CLIENT_ID', '', `${JSON.stringify(clientId)} is not a client id (a GUID)`));
  const clusters = loadClusters(settings, localDevelopment, errors);
  const targets = loadTargets(settings.SCALER_TARGETS, clusters.valid, localDevelopment, errors, clusters);
  return { targets, clusters: clusters.valid, errors, localDevelopment };
}
