// Bad configuration, fuzzed (fast-check): arbitrary JSON and YAML-ish text in SCALER_TARGETS and
// SCALER_CLUSTERS, and random mutations of valid targets. loadConfig never throws; every error
// names where (the setting, the cluster or the target) and why; a bad target never stops a good
// one; what loads keeps KEDA's bounds; a connection string is never repeated in a message.
import fc from 'fast-check';
import { stringify } from 'yaml';
import { afterAll, describe, expect, test } from 'vitest';
import { loadConfig, type Config, type Settings } from '../../shared/config/index.js';
import { ConfigError } from '../../shared/errors/index.js';
import { recordCount } from './figures.js';

const RUNS = 600;
const AKS_ID = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks';
const CLUSTERS = JSON.stringify({ prod: { resourceId: AKS_ID } });

const GOOD = { namespace: 'shop', name: 'good', scaleTargetRef: { name: 'good' }, triggers: [{ type: 'azure-queue', metadata: { queueName: 'orders', accountName: 'shopdata' } }] };

/** A valid target using most fields, to be mutated. */
const RICH = {
  namespace: 'shop',
  name: 'worker',
  cluster: 'prod',
  scaleTargetRef: { name: 'worker', kind: 'Deployment', apiVersion: 'apps/v1' },
  pollingInterval: 15,
  cooldownPeriod: '120',
  initialCooldownPeriod: 0,
  minReplicaCount: 1,
  maxReplicaCount: 20,
  idleReplicaCount: 0,
  fallback: { failureThreshold: 3, replicas: 2, behavior: 'currentReplicasIfHigher' },
  advanced: {
    horizontalPodAutoscalerConfig: {
      behavior: {
        scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }], tolerance: '50m' },
        scaleDown: { stabilizationWindowSeconds: 60, policies: [{ type: 'Percent', value: 50, periodSeconds: 30 }] },
      },
    },
    scalingModifiers: { formula: 'orders > 100 ? max(orders, returns) : (orders + returns) / 2', target: '10', activationTarget: '1.5', metricType: 'AverageValue' },
  },
  triggers: [
    { type: 'azure-queue', name: 'orders', metadata: { queueName: 'orders', accountName: 'shopdata', queueLength: '10', activationQueueLength: '1', queueLengthStrategy: 'all', cloud: 'AzurePublicCloud' } },
    { type: 'azure-queue', name: 'returns', metadata: { queueName: 'returns', accountName: 'shopdata', identityClientId: '00000000-0000-0000-0000-0000000000aa' } },
  ],
  wake: { queueName: 'orders-wake', forwardTo: 'orders' },
};

/** The same target as a pasted ScaledObject. */
const RICH_DOCUMENT = (() => {
  const { namespace, name, cluster, ...spec } = RICH;
  return { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name, namespace, labels: { app: 'x' } }, cluster, spec };
})();

let cases = 0;
const counted = <T>(subject: string, runs: number, property: fc.IAsyncProperty<[T]> | fc.IProperty<[T]>): void => {
  fc.assert(property as fc.IProperty<[T]>, { numRuns: runs });
  cases += runs;
  counts.push([subject, runs]);
};
const counts: [string, number][] = [];

/** Every error says where and why, in the shape the docs promise; and loadConfig did not throw. */
function expectWellFormed(config: Config, settings: Settings): void {
  for (const e of config.errors) {
    expect(e).toBeInstanceOf(ConfigError);
    // One line naming the setting, the cluster or the target (as written, or #index before a name is known).
    expect(e.where).toMatch(/^(target (#\d+|.*\/.*\S.*)|cluster .*\S.*|SCALER_TARGETS|SCALER_CLUSTERS|SCALER_LOCAL_DEVELOPMENT|AZURE_CLIENT_ID)$/);
    expect(e.where.length).toBeLessThan(600);
    expect(e.reason.trim().length).toBeGreaterThan(0);
    expect(e.message).toBe(`${e.where}: ${e.path ? `${e.path}: ` : ''}${e.reason}`);
    // Nothing leaked from the implementation into the message.
    expect(e.message).not.toMatch(/\[object Object\]|undefined|Invalid input|ZodError|at Object\.|TypeError/);
    // A message names values, it does not dump documents.
    expect(e.message.length).toBeLessThan(2_000 + (settings.SCALER_TARGETS?.length ?? 0) / 10);
  }
  // What loads keeps KEDA's bounds.
  for (const t of config.targets) {
    expect(Number.isSafeInteger(t.minReplicaCount) && Number.isSafeInteger(t.maxReplicaCount)).toBe(true);
    expect(t.minReplicaCount).toBeLessThanOrEqual(t.maxReplicaCount);
    expect(t.maxReplicaCount).toBeGreaterThanOrEqual(1);
    if (t.idleReplicaCount !== undefined) expect(t.idleReplicaCount).toBeLessThan(Math.max(t.minReplicaCount, 1));
    expect(t.pollingInterval).toBeGreaterThanOrEqual(1);
    for (const trigger of t.triggers) expect(trigger.targetValue).toBeGreaterThanOrEqual(1);
    // A composite target the HPA can be given (thousandths), and a formula over the target's own triggers.
    if (t.scalingModifiers) {
      expect(t.scalingModifiers.target).toBeGreaterThanOrEqual(0.001);
      expect(JSON.stringify(t.scalingModifiers.expression).match(/"index":\d+/g)?.every((m) => Number(m.slice(8)) < t.triggers.length) ?? true).toBe(true);
    }
    expect(config.clusters.has(t.cluster)).toBe(true);
  }
}

function load(settings: Settings): Config {
  let config: Config | undefined;
  expect(() => (config = loadConfig(settings))).not.toThrow();
  expectWellFormed(config!, settings);
  return config!;
}

// ---- mutations of a valid target ---------------------------------------------------------------

type Json = unknown;
type Path = (string | number)[];

/** Every path in a JSON value (objects and arrays), the root included. */
function pathsOf(value: Json, prefix: Path = []): Path[] {
  const here = [prefix];
  if (Array.isArray(value)) return [...here, ...value.flatMap((v, i) => pathsOf(v, [...prefix, i]))];
  if (value && typeof value === 'object') return [...here, ...Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...prefix, k]))];
  return here;
}

const clone = <T>(v: T): T => structuredClone(v);

function at(root: Json, path: Path): { parent: Record<string | number, Json> | Json[]; key: string | number } | undefined {
  if (path.length === 0) return undefined;
  let node = root as Record<string | number, Json>;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, Json>;
  return { parent: node, key: path.at(-1)! };
}

/** Odd values a hand-edited setting may hold. */
const oddValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e21, -0, '', ' ', '10', '-3', '1e3', '0x10', 'NaN', 'Infinity', '五', '<script>', '${ENV}', 'AA', [], {}, [null], { '': 1 }),
  fc.integer({ min: -1e6, max: 1e6 }),
  fc.double({ noNaN: true }),
  fc.string({ maxLength: 30 }),
  fc.jsonValue({ maxDepth: 2 }),
);

type Mutation = { kind: 'delete' } | { kind: 'replace'; value: Json } | { kind: 'add'; key: string; value: Json } | { kind: 'rename'; to: string };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant({ kind: 'delete' as const }),
  oddValue.map((value) => ({ kind: 'replace' as const, value })),
  fc.tuple(fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.constantFrom('maxReplicasCount', 'minReplicas', 'queuelength', 'scaleTargetref', 'connection', 'authenticationRef', 'scalingModifiers', '__proto__', 'constructor')), oddValue)
    .map(([key, value]) => ({ kind: 'add' as const, key, value })),
  fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.constantFrom('maxReplicasCount', 'QueueName', 'pollinginterval')).map((to) => ({ kind: 'rename' as const, to })),
);

function mutate(doc: Json, path: Path, m: Mutation): Json {
  const copy = clone(doc);
  if (path.length === 0) return m.kind === 'replace' ? m.value : copy;
  const place = at(copy, path)!;
  const parent = place.parent as Record<string | number, Json>;
  if (m.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(place.key as number, 1);
    else delete parent[place.key];
  } else if (m.kind === 'replace') {
    parent[place.key] = m.value;
  } else if (m.kind === 'add') {
    const target = parent[place.key];
    if (target && typeof target === 'object' && !Array.isArray(target)) Object.defineProperty(target, m.key, { value: m.value, enumerable: true, configurable: true, writable: true });
    else parent[place.key] = { [m.key]: m.value };
  } else if (!Array.isArray(parent)) {
    const value = parent[place.key];
    delete parent[place.key];
    Object.defineProperty(parent, m.to, { value, enumerable: true, configurable: true, writable: true });
  }
  return copy;
}

/** A valid document, one to three mutations at random places in it. */
const mutatedArb = (doc: Json): fc.Arbitrary<Json> => {
  const paths = pathsOf(doc);
  const step = fc.tuple(fc.constantFrom(...paths), mutationArb);
  return fc.array(step, { minLength: 1, maxLength: 3 }).map((steps) =>
    steps.reduce((d, [path, m]) => {
      try {
        return mutate(d, path, m);
      } catch {
        return d; // the path went away with an earlier mutation
      }
    }, doc),
  );
};

describe('configuration documents, fuzzed', () => {
  afterAll(() => {
    for (const [subject, count] of counts) recordCount('fuzz-cases', `loadConfig: ${subject}`, count);
  });

  test('arbitrary JSON in SCALER_TARGETS and SCALER_CLUSTERS: no throw, every error says where and why', () => {
    counted('arbitrary JSON in SCALER_TARGETS / SCALER_CLUSTERS', RUNS, fc.property(fc.tuple(fc.jsonValue({ maxDepth: 5 }), fc.jsonValue({ maxDepth: 4 }), fc.boolean()), ([targets, clusters, local]) => {
      const config = load({ SCALER_TARGETS: JSON.stringify(targets), SCALER_CLUSTERS: JSON.stringify(clusters), SCALER_LOCAL_DEVELOPMENT: String(local) });
      // Nothing sensible in it: either nothing loads or whatever does is well formed (checked above).
      expect(config.targets.length).toBeLessThanOrEqual(Array.isArray(targets) ? targets.length : 1);
    }));
  });

  test('YAML-ish text (random text, and valid YAML with characters inserted, deleted or swapped)', () => {
    const yamlText = stringify([RICH, RICH_DOCUMENT, GOOD]);
    const edited = fc.array(fc.tuple(fc.nat(yamlText.length), fc.constantFrom('insert', 'delete', 'swap'), fc.constantFrom(':', '-', ' ', '\n', '\t', '"', "'", '{', '[', '#', '&', '*', '!', '|', '>', '%', '@', '`', 'x', '0')), { minLength: 1, maxLength: 6 })
      .map((edits) => edits.reduce((text, [i, kind, c]) => (kind === 'insert' ? text.slice(0, i) + c + text.slice(i) : kind === 'delete' ? text.slice(0, i) + text.slice(i + 1) : text.slice(0, i) + c + text.slice(i + 1)), yamlText));
    const text = fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }), edited, fc.constantFrom('---', '- - -', '[', '{', '&a [*a]', '!!binary AAAA', 'a: &x 1\nb: *y', '? [a]\n: b', '%YAML 1.2\n---\n[]', 'null', '~', '- ~'));
    counted('YAML-ish text in SCALER_TARGETS', RUNS, fc.property(text, (targets) => {
      load({ SCALER_TARGETS: targets, SCALER_CLUSTERS: CLUSTERS });
    }));
    counted('YAML-ish text in SCALER_CLUSTERS', RUNS / 2, fc.property(text, (clusters) => {
      load({ SCALER_TARGETS: JSON.stringify([GOOD]), SCALER_CLUSTERS: clusters });
    }));
  });

  test.each([['a flat target', RICH], ['a pasted ScaledObject', RICH_DOCUMENT]] as const)('mutations of %s: the good neighbour still loads, the errors are the mutated target\'s', (_, valid) => {
    // The unmutated document loads, so every error below comes from a mutation.
    expect(loadConfig({ SCALER_TARGETS: JSON.stringify([GOOD, valid]), SCALER_CLUSTERS: CLUSTERS }).errors).toEqual([]);
    counted(`mutations of ${_}`, RUNS, fc.property(mutatedArb(valid), (mutated) => {
      const config = load({ SCALER_TARGETS: JSON.stringify([GOOD, mutated]), SCALER_CLUSTERS: CLUSTERS });
      // One bad target never stops the good one.
      expect(config.targets.map((t) => t.id)).toContain('shop/good');
      // Every error is about the mutated target (named, or #1 before a name is known).
      for (const e of config.errors) expect(e.where).not.toBe('target shop/good');
      if (config.targets.length === 1) expect(config.errors.length).toBeGreaterThan(0);
    }));
  });

  test('a connection string in trigger metadata is refused and never repeated', () => {
    const secret = fc.string({ minLength: 12, maxLength: 60 }).filter((s) => s.trim().length >= 12);
    counted('connection strings in metadata (never echoed)', RUNS / 2, fc.property(fc.tuple(secret, fc.boolean()), ([value, local]) => {
      const connection = `DefaultEndpointsProtocol=https;AccountName=shopdata;AccountKey=${value}`;
      const bad = { ...GOOD, name: 'bad', triggers: [{ type: 'azure-queue', metadata: { queueName: 'orders', accountName: 'shopdata', connection } }] };
      const config = load({ SCALER_TARGETS: JSON.stringify([GOOD, bad]), SCALER_CLUSTERS: CLUSTERS, SCALER_LOCAL_DEVELOPMENT: String(local) });
      expect(config.errors.map((e) => e.message)).toContain('target shop/bad: triggers[0].metadata.connection: is refused: a connection string in settings is a secret in plain text; use accountName with a managed identity (or connectionFromEnv for local development)');
      for (const e of config.errors) {
        expect(e.message).not.toContain(value);
        expect(e.message).not.toContain('AccountKey');
      }
    }));
  });

  test('the figures', () => {
    expect(cases).toBeGreaterThanOrEqual(4 * RUNS);
  });
});
