// App settings -> validated configuration. Every problem is collected with the target, the
// field path and the reason; a bad target never stops the good ones.
import { ConfigError } from '../errors.js';
import { clusterSchema, toCluster, type Cluster } from './clusters.js';
import { parseList, parseNamedMap } from './document.js';
import { describeRaw, formatPath, parseTarget, type Target } from './target.js';

export type Settings = Record<string, string | undefined>;

export interface Config {
  targets: Target[];
  clusters: Map<string, Cluster>;
  errors: ConfigError[];
  /** SCALER_LOCAL_DEVELOPMENT: connection strings, explicit endpoints and kubeconfig contexts. */
  localDevelopment: boolean;
}

const isTrue = (v: string | undefined): boolean => /^(true|1|yes)$/i.test(v?.trim() ?? '');

function loadClusters(settings: Settings, local: boolean, errors: ConfigError[]): Map<string, Cluster> {
  const clusters = new Map<string, Cluster>();
  const text = settings.SCALER_CLUSTERS;
  if (!text?.trim()) return clusters;
  const doc = parseNamedMap(text);
  if (!doc.ok) {
    errors.push(new ConfigError('SCALER_CLUSTERS', '', doc.reason));
    return clusters;
  }
  for (const [name, raw] of doc.entries) {
    const parsed = clusterSchema.safeParse(raw);
    if (!parsed.success) {
      for (const i of parsed.error.issues) errors.push(new ConfigError(`cluster ${name}`, formatPath(i.path), i.message));
      continue;
    }
    const cluster = toCluster(name, parsed.data);
    const localOnly = cluster.kind === 'kubeconfig' ? 'context' : cluster.kind === 'aks' && cluster.armEndpoint ? 'armEndpoint' : undefined;
    if (localOnly && !local) {
      errors.push(new ConfigError(`cluster ${name}`, localOnly, 'is for local development only (set SCALER_LOCAL_DEVELOPMENT=true to use it)'));
      continue;
    }
    clusters.set(name, cluster);
  }
  return clusters;
}

/** Cross-field checks that need the other settings: the cluster exists, local-only fields. */
function checkTarget(target: Target, clusters: Map<string, Cluster>, local: boolean): { path: string; reason: string }[] {
  const issues: { path: string; reason: string }[] = [];
  if (!target.cluster && clusters.size === 1) target.cluster = [...clusters.keys()][0]!;
  if (!target.cluster) {
    issues.push({ path: 'cluster', reason: clusters.size === 0 ? 'no clusters are configured in SCALER_CLUSTERS' : `is required: SCALER_CLUSTERS names ${[...clusters.keys()].join(', ')}` });
  } else if (!clusters.has(target.cluster)) {
    issues.push({ path: 'cluster', reason: `"${target.cluster}" is not in SCALER_CLUSTERS${clusters.size ? ` (known: ${[...clusters.keys()].join(', ')})` : ''}` });
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

export function loadTargets(text: string | undefined, clusters: Map<string, Cluster>, local: boolean, errors: ConfigError[]): Target[] {
  if (!text?.trim()) return [];
  const doc = parseList(text);
  if (!doc.ok) {
    errors.push(new ConfigError('SCALER_TARGETS', '', doc.reason));
    return [];
  }
  const targets: Target[] = [];
  const seen = new Map<string, number>();
  doc.items.forEach((raw, index) => {
    const parsed = parseTarget(raw);
    const issues = parsed.ok ? checkTarget(parsed.target, clusters, local) : parsed.issues;
    const where = parsed.ok ? `target ${parsed.target.id}` : describeRaw(raw, index);
    if (parsed.ok && seen.has(parsed.target.id)) {
      issues.push({ path: '', reason: `duplicate target: #${seen.get(parsed.target.id)} has the same namespace/name` });
    }
    if (issues.length > 0) {
      for (const i of issues) errors.push(new ConfigError(where, i.path, i.reason));
      return;
    }
    if (parsed.ok) {
      seen.set(parsed.target.id, index);
      targets.push(parsed.target);
    }
  });
  return targets;
}

export function loadConfig(settings: Settings): Config {
  const errors: ConfigError[] = [];
  const localDevelopment = isTrue(settings.SCALER_LOCAL_DEVELOPMENT);
  const clusters = loadClusters(settings, localDevelopment, errors);
  const targets = loadTargets(settings.SCALER_TARGETS, clusters, localDevelopment, errors);
  return { targets, clusters, errors, localDevelopment };
}
