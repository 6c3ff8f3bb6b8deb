import { describe, expect, test } from 'vitest';
import { loadConfig, type Config } from '../../shared/config/index.js';
import { StateError } from '../../shared/errors/index.js';
import {
  createWorkloadOwners, evaluateAll, evaluateShard, parseShardMessage, partition, shardCount, shardMessages, shardOf, ShardMessageError, targetKey, tickIdOf,
  workloadOf, type ConfiguredTarget, type ShardEntry, type TickDeps,
} from '../../shared/runtime/index.js';
import { createMemoryStore, type StateStore, type StoredRecord } from '../../shared/state/index.js';
import { recordingTelemetry, type RecordingTelemetry } from '../e2e/scaler.js';
import { createMemoryKube, type MemoryKube } from '../support/memory-kube.js';

const keys = (n: number, prefix = 'aks/shop'): string[] => Array.from({ length: n }, (_, i) => `${prefix}/worker-${i}`);

describe('shardOf: a stable hash of the target key', () => {
  test('the same key gets the same shard whatever else is configured, and in whatever order', () => {
    const all = keys(2_000);
    const first = new Map(all.map((k) => [k, shardOf(k, 7)]));
    const reversed = [...all].reverse().slice(0, 500);
    for (const k of reversed) expect(shardOf(k, 7)).toBe(first.get(k));
  });

  test.each([
    { targets: 1_000, shards: 2 },
    { targets: 10_000, shards: 13 },
    { targets: 10_000, shards: 50 },
  ])('$targets targets in $shards shards: every one in exactly one shard, each within 12% of the mean', ({ targets, shards }) => {
    const counts = new Array<number>(shards).fill(0);
    for (const k of keys(targets)) {
      const s = shardOf(k, shards);
      expect(Number.isInteger(s) && s >= 0 && s < shards).toBe(true);
      counts[s]!++;
    }
    expect(counts.reduce((a, b) => a + b, 0)).toBe(targets);
    const mean = targets / shards;
    expect(Math.max(...counts)).toBeLessThanOrEqual(mean * 1.12);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(mean * 0.88);
  });

  test('one more shard moves only the targets the new shard takes (about 1/(n+1) of them)', () => {
    const all = keys(10_000);
    const moved = all.filter((k) => shardOf(k, 12) !== shardOf(k, 13));
    expect(moved.every((k) => shardOf(k, 13) === 12)).toBe(true);
    expect(moved.length).toBeGreaterThan(10_000 / 13 * 0.85);
    expect(moved.length).toBeLessThan(10_000 / 13 * 1.15);
  });

  test.each([0, -1, 1.5, NaN])('%s shards is refused', (n) => {
    expect(() => shardOf('a/b/c', n)).toThrow(/shards must be a whole number >= 1/);
  });

  test.each([
    { targets: 1, size: 800, want: 1 },
    { targets: 800, size: 800, want: 1 },
    { targets: 801, size: 800, want: 2 },
    { targets: 10_000, size: 800, want: 13 },
  ])('shardCount($targets, $size) = $want', ({ targets, size, want }) => {
    expect(shardCount(targets, size)).toBe(want);
  });
});

const configOf = (names: string[], settings: Record<string, string> = {}): Config => {
  const config = loadConfig({
    SCALER_LOCAL_DEVELOPMENT: 'true',
    SCALER_CLUSTERS: JSON.stringify({ aks: { context: 'aks' } }),
    SCALER_TARGETS: JSON.stringify(names.map((name) => ({ namespace: 'shop', scaleTargetRef: { name }, triggers: [{ type: 'azure-queue', metadata: { queueName: 'orders', accountName: 'acct', queueLength: '5' } }] }))),
    ...settings,
  });
  expect(config.errors).toEqual([]);
  return config;
};

describe('partition: the due targets of a tick into shards', () => {
  const config = configOf(Array.from({ length: 300 }, (_, i) => `w${i}`));
  const targets: ConfiguredTarget[] = config.targets.map((target) => ({ target, sources: [] }));

  test('every due target in exactly one shard, its own by shardOf', () => {
    const due = targets.filter((_, i) => i % 3 !== 0).map((t, i) => ({ t, poll: i % 2 === 0 }));
    const shards = partition(targets, due, new Map(), 4);
    const seen = shards.flatMap((entries, shard) => entries.map((e) => ({ ...e, shard })));
    expect(seen.map((e) => e.key).sort()).toEqual(due.map((d) => targetKey(d.t.target)).sort());
    for (const e of seen) expect(e.shard).toBe(shardOf(e.key, 4));
    expect(seen.filter((e) => e.poll).length).toBe(due.filter((d) => d.poll).length);
  });

  test('targets whose rows name one workload (by uid) share the shard of the first of them', () => {
    const [a, b] = [targets[10]!, targets[200]!].map((t) => targetKey(t.target));
    const other = [...Array(50).keys()].map((n) => n + 3).find((n) => shardOf(a!, n) !== shardOf(b!, n))!;
    const records = new Map<string, StoredRecord>([a!, b!].map((k) => [k, { state: {}, etag: 'x', workloadUid: 'uid-1' }]));
    const shards = partition(targets, targets.map((t) => ({ t, poll: true })), records, other);
    const shardOfKey = (k: string): number => shards.findIndex((entries) => entries.some((e) => e.key === k));
    expect(shardOfKey(b!)).toBe(shardOf(a!, other));
    expect(shardOfKey(a!)).toBe(shardOf(a!, other));
  });
});

describe('shard messages', () => {
  const base = { tick: '2026-12-02T10:00:00.001Z', tickStart: '2026-12-02T10:00:00.000Z', shard: 2, shards: 5 };

  test('a shard too large for one queue message is sent in parts, each under 64 KiB, every entry once', () => {
    const entries: ShardEntry[] = keys(3_000, `aks/${'n'.repeat(60)}`).map((key, i) => ({ key, poll: i % 4 === 0 }));
    const texts = shardMessages(base, entries);
    expect(texts.length).toBeGreaterThan(1);
    const parsed = texts.map((t) => {
      expect(Buffer.byteLength(t)).toBeLessThanOrEqual(64 * 1024);
      return parseShardMessage(t);
    });
    expect(parsed.map((m) => [m.part, m.parts])).toEqual(texts.map((_, i) => [i, texts.length]));
    expect(parsed.flatMap((m) => m.poll).sort()).toEqual(entries.filter((e) => e.poll).map((e) => e.key).sort());
    expect(parsed.flatMap((m) => m.sync).sort()).toEqual(entries.filter((e) => !e.poll).map((e) => e.key).sort());
  });

  test('a small shard is one message', () => {
    expect(shardMessages(base, [{ key: 'aks/shop/a', poll: true }]).map(parseShardMessage)).toEqual([{ kind: 'aks-queue-scaler/shard', ...base, part: 0, parts: 1, poll: ['aks/shop/a'], sync: [] }]);
  });

  const good = { kind: 'aks-queue-scaler/shard', ...base, part: 0, parts: 1, poll: ['aks/shop/a'], sync: ['aks/shop/b'] };
  test.each([
    { name: 'not JSON', text: '{"kind":', want: /^shard message: not JSON/ },
    { name: 'a wake signal', text: '{"target":"shop/a"}', want: 'shard message: kind: must be "aks-queue-scaler/shard"' },
    { name: 'a list', text: '[]', want: /^shard message: / },
    { name: 'no tick', text: JSON.stringify({ ...good, tick: undefined }), want: 'shard message: tick: must be an ISO-8601 time' },
    { name: 'tick not a time', text: JSON.stringify({ ...good, tick: 'soon' }), want: 'shard message: tick: must be an ISO-8601 time' },
    { name: 'shard past shards', text: JSON.stringify({ ...good, shard: 5 }), want: 'shard message: shard: must be below shards (5)' },
    { name: 'negative shard', text: JSON.stringify({ ...good, shard: -1 }), want: 'shard message: shard: must be >= 0' },
    { name: 'zero shards', text: JSON.stringify({ ...good, shards: 0, shard: 0 }), want: 'shard message: shards: must be >= 1' },
    { name: 'part past parts', text: JSON.stringify({ ...good, part: 1 }), want: 'shard message: part: must be below parts (1)' },
    { name: 'a key not text', text: JSON.stringify({ ...good, poll: ['aks/shop/a', 7] }), want: 'shard message: poll[1]: must be a target key (text)' },
    { name: 'an empty key', text: JSON.stringify({ ...good, sync: [''] }), want: 'shard message: sync[0]: must not be empty' },
    { name: 'a key twice', text: JSON.stringify({ ...good, sync: ['aks/shop/a'] }), want: 'shard message: sync: names target "aks/shop/a" twice' },
    { name: 'an unknown field', text: JSON.stringify({ ...good, replicas: 0 }), want: /^shard message: .*replicas/ },
    { name: 'over 64 KiB', text: `"${'x'.repeat(70_000)}"`, want: 'shard message: 70002 bytes, more than a queue message holds' },
  ])('$name: a ShardMessageError saying what', ({ text, want }) => {
    expect(() => parseShardMessage(text)).toThrow(ShardMessageError);
    expect(() => parseShardMessage(text)).toThrow(want);
  });
});

describe('tickIdOf: tick ids only grow', () => {
  const T = Date.parse('2026-12-02T10:00:00Z');
  test.each([
    { name: 'no rows', lastTicks: [], want: T },
    { name: 'rows of earlier ticks', lastTicks: [T - 15_000, T - 30_000], want: T },
    { name: 'a row of a tick from a clock ahead', lastTicks: [T - 15_000, T + 20_000], want: T + 20_001 },
    { name: 'a row of this very id', lastTicks: [T], want: T + 1 },
  ])('$name', ({ lastTicks, want }) => {
    const records = new Map<string, StoredRecord>(lastTicks.map((t, i) => [`k${i}`, { state: {}, etag: 'x', lastTick: new Date(t).toISOString() }]));
    records.set('unparsed', { state: {}, etag: 'x' });
    expect(tickIdOf(T, records)).toBe(new Date(want).toISOString());
  });
});

interface Harness {
  deps: TickDeps;
  kube: MemoryKube;
  store: StateStore;
  telemetry: RecordingTelemetry;
  sent: string[];
  clock: { now: number };
}

/** `n` targets at 0 replicas, each with `depth(i)` messages; a shard queue that collects what is sent. */
function harness(n: number, shardSize: number, depth: (i: number) => number, missing: (i: number) => boolean = () => false): Harness {
  const config = configOf(Array.from({ length: n }, (_, i) => `w${i}`), { SCALER_SHARD_SIZE: String(shardSize) });
  const kube = createMemoryKube();
  config.targets.forEach((t, i) => {
    if (!missing(i)) kube.create(workloadOf(t), 0);
  });
  const clock = { now: Date.parse('2026-12-02T10:00:00Z') };
  const store = createMemoryStore({ now: () => clock.now });
  const telemetry = recordingTelemetry();
  const sent: string[] = [];
  const deps: TickDeps = {
    kube, store, telemetry, now: () => clock.now, owners: createWorkloadOwners(config.targets), saveFailures: new Map(), eventsRefused: new Set(),
    targets: config.targets.map((target, i) => ({ target, sources: [{ read: async () => depth(i) }] })), concurrency: 8, config,
    shardQueue: { shardSize, send: async (text) => void sent.push(text) },
  };
  return { deps, kube, store, telemetry, sent, clock };
}

/** Each shard worker has its own process: its own runtime state (owners, save failures), the same store and cluster. */
const workerDeps = (h: Harness): TickDeps => ({ ...h.deps, owners: createWorkloadOwners(h.deps.config.errors.length ? [] : h.deps.targets.map((t) => t.target)), saveFailures: new Map(), eventsRefused: new Set() });

const decisionsPerTarget = (t: RecordingTelemetry): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const d of t.decisions) counts.set(d.target, (counts.get(d.target) ?? 0) + 1);
  return counts;
};

describe('a tick that fans out, and its shard workers', () => {
  test('each due target evaluated exactly once, across shards; a redelivered message evaluates nothing again', async () => {
    const h = harness(240, 50, (i) => (i % 10 === 0 ? 12 : 0));
    const tick = await evaluateAll(h.deps);
    expect(tick.evaluated).toEqual([]);
    expect(tick.fannedOut).toEqual({ targets: 240, shards: 5, messages: 5, failed: 0 });
    expect(h.telemetry.decisions).toEqual([]);

    const results = await Promise.all(h.sent.map((text) => evaluateShard(workerDeps(h), text)));
    expect(results.flatMap((r) => r.evaluated.map((e) => targetKey(e.target))).sort()).toEqual(h.deps.targets.map((t) => targetKey(t.target)).sort());
    expect([...decisionsPerTarget(h.telemetry).values()].every((n) => n === 1)).toBe(true);
    expect(h.telemetry.decisions).toHaveLength(240);
    // Scaled from zero where there were messages: 12 at queueLength 5 -> 3.
    expect(h.deps.targets.filter((_, i) => i % 10 === 0).map((t) => h.kube.replicasOf(workloadOf(t.target)))).toEqual(new Array(24).fill(3));
    const tickOf = parseShardMessage(h.sent[0]!).tick;
    for (const t of h.deps.targets) expect((await h.store.load(targetKey(t.target)))?.lastTick).toBe(tickOf);

    // The host delivers a message again (its first run's invocation failed after the saves).
    const again = await evaluateShard(workerDeps(h), h.sent[1]!);
    expect(again.evaluated).toEqual([]);
    expect(again.alreadyEvaluated.sort()).toEqual([...parseShardMessage(h.sent[1]!).poll, ...parseShardMessage(h.sent[1]!).sync].sort());
    expect(h.telemetry.decisions).toHaveLength(240);
  });

  test('two deliveries of one message at once: each target decided and recorded once', async () => {
    const h = harness(120, 50, (i) => (i % 3 === 0 ? 7 : 0));
    await evaluateAll(h.deps);
    const text = h.sent[0]!;
    const [a, b] = await Promise.all([evaluateShard(workerDeps(h), text), evaluateShard(workerDeps(h), text)]);
    const message = parseShardMessage(text);
    const inShard = [...message.poll, ...message.sync];
    const evaluated = [...a.evaluated, ...b.evaluated].map((e) => targetKey(e.target));
    expect(evaluated.sort()).toEqual([...inShard].sort());
    expect([...a.alreadyEvaluated, ...b.alreadyEvaluated].sort()).toEqual([...inShard].sort());
    expect([...decisionsPerTarget(h.telemetry).values()].every((n) => n === 1)).toBe(true);
  });

  test('a late shard of an earlier tick evaluates none of what the next tick evaluated', async () => {
    const h = harness(120, 50, () => 4);
    await evaluateAll(h.deps);
    const first = [...h.sent];
    h.sent.length = 0;
    h.clock.now += 15_000;
    await evaluateAll(h.deps);
    // The next tick's shards run first (above zero now: every target due), then the old one arrives.
    for (const text of h.sent) await evaluateShard(workerDeps(h), text);
    const before = h.telemetry.decisions.length;
    const late = await Promise.all(first.map((text) => evaluateShard(workerDeps(h), text)));
    expect(late.flatMap((r) => r.evaluated)).toEqual([]);
    expect(late.flatMap((r) => r.alreadyEvaluated)).toHaveLength(120);
    expect(h.telemetry.decisions.length).toBe(before);
  });

  test('a failing target fails in its shard only; other shards and targets are evaluated', async () => {
    const h = harness(150, 50, () => 0, (i) => i === 7);
    await evaluateAll(h.deps);
    const results = await Promise.all(h.sent.map((text) => evaluateShard(workerDeps(h), text)));
    const failed = results.flatMap((r) => r.evaluated.filter((e) => e.error !== undefined).map((e) => targetKey(e.target)));
    expect(failed).toEqual([targetKey(h.deps.targets[7]!.target)]);
    expect(results.flatMap((r) => r.evaluated)).toHaveLength(150);
    expect(h.telemetry.decisions).toHaveLength(149);
  });

  test('a shard reads its rows a query per maxLoad keys; a failed query fails its targets only, naming each', async () => {
    const h = harness(120, 50, () => 0);
    await evaluateAll(h.deps);
    const text = h.sent[0]!;
    const inShard = [...parseShardMessage(text).poll, ...parseShardMessage(text).sync];
    const queries: string[][] = [];
    const store = h.deps.store;
    const worker = { ...workerDeps(h), store: { ...store, loadMany: async (keys: string[]) => {
      queries.push(keys);
      if (queries.length === 2) throw new StateError(`state of ${keys[0]} and ${keys.length - 1} more targets: HTTP 503 server busy`);
      return store.loadMany(keys);
    } } };
    const result = await evaluateShard(worker, text);
    expect(queries.flat().sort()).toEqual([...inShard].sort());
    expect(queries.every((q) => q.length <= store.maxLoad)).toBe(true);
    expect(queries).toHaveLength(Math.ceil(inShard.length / store.maxLoad));
    const failed = result.evaluated.filter((e) => e.error !== undefined);
    expect(failed.map((e) => targetKey(e.target)).sort()).toEqual([...queries[1]!].sort());
    expect(failed.every((e) => e.error!.includes('HTTP 503 server busy'))).toBe(true);
    expect(h.telemetry.decisions).toHaveLength(inShard.length - queries[1]!.length);
  });

  test('a bad shard message: a clear error, nothing read, saved or scaled', async () => {
    const h = harness(60, 50, () => 30);
    const message = { kind: 'aks-queue-scaler/shard', tick: 'yesterday', tickStart: '2026-12-02T10:00:00Z', shard: 0, shards: 1, part: 0, parts: 1, poll: h.deps.targets.map((t) => targetKey(t.target)), sync: [] };
    await expect(evaluateShard(workerDeps(h), JSON.stringify(message))).rejects.toThrow('shard message: tick: must be an ISO-8601 time');
    expect(await h.store.loadAll()).toEqual(new Map());
    expect(h.deps.targets.map((t) => h.kube.replicasOf(workloadOf(t.target)))).toEqual(new Array(60).fill(0));
    expect(h.telemetry.decisions).toEqual([]);
  });

  test('keys the worker\'s configuration does not hold are said, not evaluated', async () => {
    const h = harness(60, 50, () => 0);
    await evaluateAll(h.deps);
    const message = JSON.parse(h.sent[0]!) as { poll: string[] };
    message.poll.push('aks/shop/gone');
    const result = await evaluateShard(workerDeps(h), JSON.stringify(message));
    expect(result.unknown).toEqual(['aks/shop/gone']);
    expect(result.evaluated.some((e) => targetKey(e.target) === 'aks/shop/gone')).toBe(false);
  });

  test.each([
    { name: 'due targets within SCALER_SHARD_SIZE: evaluated by the timer itself', n: 50, size: 50, fansOut: false },
    { name: 'one more: fanned out', n: 51, size: 50, fansOut: true },
  ])('$name', async ({ n, size, fansOut }) => {
    const h = harness(n, size, () => 0);
    const tick = await evaluateAll(h.deps);
    expect(tick.fannedOut !== undefined).toBe(fansOut);
    expect(tick.evaluated).toHaveLength(fansOut ? 0 : n);
    expect(h.sent.length > 0).toBe(fansOut);
  });

  test('a shard message that cannot be sent: its targets wait, the other shards go', async () => {
    const h = harness(200, 50, () => 0);
    let calls = 0;
    h.deps.shardQueue = { shardSize: 50, send: async (text) => { if (calls++ === 1) throw new Error('queue unavailable'); h.sent.push(text); } };
    const tick = await evaluateAll(h.deps);
    expect(tick.fannedOut).toMatchObject({ shards: 4, messages: 4, failed: 1 });
    expect(h.sent).toHaveLength(3);
    expect(h.telemetry.failed).toEqual(['tick : queue unavailable']);
  });
});
