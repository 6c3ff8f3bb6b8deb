// Wake messages, fuzzed (fast-check): arbitrary text and bytes on a signal queue, and arbitrary
// text on a forward-mode inbox (forwarded through Azurite). The wake path runs as the host runs
// it (messageText of the bytes, then createWaker(runtime).handle) over an in-memory cluster and
// state: it never throws, every message wakes something or says why not, a valid signal wakes
// exactly the targets it names, nothing is scaled down, and every forwarded message arrives.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ScaleConflictError, type Kube, type ScaleReading } from '../../shared/kube/index.js';
import { messageText } from '../../shared/runtime/host.js';
import { createWaker, wakeQueuesOf, type HandledMessage, type WakeQueue, createRuntime, type Runtime } from '../../shared/runtime/index.js';
import { createMemoryStore } from '../../shared/state/index.js';
import { startAzurite, type Azurite } from '../../local/azurite.js';
import { createQueue, recordingTelemetry, T0 } from '../e2e/scaler.js';
import { recordCount } from './figures.js';

const RUNS = 800;
const FORWARD_RUNS = 120;
const CA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');
const NAMES = ['a', 'b', 'c'];

/** A cluster in memory: workloads at 0, the scale writes kept; a stale resourceVersion is a 409. */
function memoryKube(): Kube & { writes: { name: string; from: number; to: number }[] } {
  const workloads = new Map<string, { replicas: number; version: number }>();
  const writes: { name: string; from: number; to: number }[] = [];
  const get = (name: string): { replicas: number; version: number } => {
    if (!workloads.has(name)) workloads.set(name, { replicas: 0, version: 1 });
    return workloads.get(name)!;
  };
  return {
    writes,
    async readScale(ref): Promise<ScaleReading> {
      const w = get(ref.name);
      return { specReplicas: w.replicas, statusReplicas: w.replicas, annotations: {}, resourceVersion: String(w.version), uid: `uid-${ref.name}` };
    },
    async writeScale(ref, replicas, resourceVersion) {
      const w = get(ref.name);
      if (String(w.version) !== resourceVersion) throw new ScaleConflictError(`scale of ${ref.name} changed`, 409);
      writes.push({ name: ref.name, from: w.replicas, to: replicas });
      w.replicas = replicas;
      w.version++;
      return String(w.version);
    },
    recordEvent: async () => undefined,
  };
}

interface Scaler {
  runtime: Runtime;
  kube: ReturnType<typeof memoryKube>;
  queue: WakeQueue;
  handle(text: string): Promise<HandledMessage>;
}

/** Three targets sharing one wake queue, over an in-memory cluster and state; each queue holds 7 messages. */
function scaler(settings: Record<string, string>, wake: Record<string, string>): Scaler {
  const clock = { now: T0 };
  const runtime = createRuntime({
    SCALER_CLUSTERS: JSON.stringify({ test: { server: 'https://127.0.0.1:1', certificateAuthorityData: CA } }),
    SCALER_TARGETS: JSON.stringify(NAMES.map((name) => ({
      namespace: 'shop', scaleTargetRef: { name }, wake,
      triggers: [{ type: 'azure-queue', metadata: { queueName: `work-${name}`, accountName: 'shopdata' } }],
    }))),
    ...settings,
  }, { store: createMemoryStore(), telemetry: recordingTelemetry(), now: () => (clock.now += 1_000) });
  expect(runtime.config.errors).toEqual([]);
  const kube = memoryKube();
  runtime.kube = kube;
  for (const t of runtime.targets) t.sources = [{ read: async () => 7 }];
  const [queue] = wakeQueuesOf(runtime.config.targets);
  const waker = createWaker(runtime);
  return { runtime, kube, queue: queue!, handle: (text) => waker.handle(queue!, text) };
}

/** What a signal names, as the docs describe it: {"target": id} or {"targets": [ids]}; undefined when it names nothing. */
function namedIn(text: string): unknown[] | undefined {
  let signal: unknown;
  try {
    signal = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof signal !== 'object' || signal === null) return undefined;
  const named = (signal as { targets?: unknown }).targets ?? (signal as { target?: unknown }).target;
  if (named === undefined) return undefined;
  return Array.isArray(named) ? named : [named];
}

/** Characters XML 1.0 can carry (queue messages are XML text): no C0 controls but tab, LF, CR; no U+FFFE/U+FFFF. */
function isXmlText(text: string): boolean {
  for (const c of text) {
    const code = c.codePointAt(0)!;
    if ((code < 0x20 && code !== 0x9 && code !== 0xa && code !== 0xd) || code === 0xfffe || code === 0xffff) return false;
  }
  return true;
}

const ids = NAMES.flatMap((n) => [`shop/${n}`, n, `test/shop/${n}`]);
const nameArb = fc.oneof(fc.constantFrom(...ids), fc.string({ maxLength: 20 }), fc.constantFrom('', ' ', 'shop/', '/a', 'SHOP/A', 'a ', '__proto__'), fc.jsonValue({ maxDepth: 1 }));
/** Signals as producers write them, right or wrong, and everything else. */
const textArb = fc.oneof(
  nameArb.map((target) => JSON.stringify({ target })),
  fc.array(nameArb, { maxLength: 6 }).map((targets) => JSON.stringify({ targets })),
  fc.record({ targets: fc.array(nameArb, { maxLength: 3 }), target: nameArb }).map((r) => JSON.stringify(r)),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 100 }),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
  fc.constantFrom('', ' ', '\n', '{', '}', '[', 'null', '{}', '[]', '{"target":null}', '{"targets":[]}', '{"targets":{}}', '{"__proto__":{"target":"shop/a"}}',
    '{"targets":[{"toString":0}]}', '{"target":{"valueOf":null,"toString":null}}', '{"targets":[["shop/a"]]}',
    '['.repeat(60_000), `{"targets":[${Array.from({ length: 5_000 }, (_, i) => `"x${i}"`).join(',')}]}`, 'x'.repeat(70 * 1024)),
);

function expectHandled(s: Scaler, text: string, handled: HandledMessage): void {
  const woken = handled.outcomes.map((o) => o.target.split('/').at(-1));
  // Nothing failed, and every outcome is one of the queue's targets.
  expect(handled.outcomes.filter((o) => o.result === 'failed')).toEqual([]);
  for (const name of woken) expect(NAMES).toContain(name);
  // A message wakes something, or says why it did not.
  if (handled.outcomes.length === 0) expect(handled.warnings.length).toBeGreaterThan(0);
  for (const w of handled.warnings) {
    expect(w).toContain(s.queue.queueName);
    expect(w.length).toBeLessThan(1_000);
  }
  const named = namedIn(text);
  if (named === undefined) {
    // Not a signal naming targets: all of the queue's targets are woken.
    expect(new Set(woken)).toEqual(new Set(NAMES));
  } else {
    // A signal: exactly the targets it names (by namespace/name, name or cluster/namespace/name); nothing valid dropped.
    const wanted = new Set(NAMES.filter((n) => named.some((x) => typeof x === 'string' && [`shop/${n}`, n, `test/shop/${n}`].includes(x))));
    expect(new Set(woken)).toEqual(wanted);
  }
  // Never a scale-down: every write raises the replicas.
  for (const w of s.kube.writes) expect(w.to).toBeGreaterThan(w.from);
}

describe('wake messages, fuzzed', () => {
  let azurite: Azurite;
  const counts: [string, number][] = [];
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(async () => {
    for (const [subject, count] of counts) recordCount('fuzz-cases', `wake path: ${subject}`, count);
    await azurite?.stop();
  });

  test('signal mode, arbitrary text: never a crash, every message wakes something or says why, a signal wakes exactly what it names', async () => {
    await fc.assert(fc.asyncProperty(textArb, async (text) => {
      const s = scaler({}, { queueName: 'signals' });
      expectHandled(s, text, await s.handle(text));
    }), { numRuns: RUNS });
    counts.push(['arbitrary text on a signal queue', RUNS]);
  });

  test('signal mode, arbitrary bytes as the host delivers them (dataType binary)', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 200 }), textArb.map((t) => new TextEncoder().encode(t))), async (bytes) => {
      const s = scaler({}, { queueName: 'signals' });
      const text = messageText(Buffer.from(bytes));
      expectHandled(s, text, await s.handle(text));
    }), { numRuns: RUNS / 2 });
    counts.push(['arbitrary bytes on a signal queue', RUNS / 2]);
  });

  test('a burst: the same targets woken once, the rest of the burst costs nothing and is settled', async () => {
    await fc.assert(fc.asyncProperty(fc.array(textArb, { minLength: 2, maxLength: 20 }), async (texts) => {
      const s = scaler({}, { queueName: 'signals' });
      const all = await Promise.all(texts.map((t) => s.handle(t)));
      all.forEach((handled, i) => expectHandled(s, texts[i]!, handled));
      // Each target is written at most once: 0 -> its wake answer (7 messages / 5 -> 2).
      const perTarget = new Map<string, number>();
      for (const w of s.kube.writes) perTarget.set(w.name, (perTarget.get(w.name) ?? 0) + 1);
      for (const [name, n] of perTarget) expect(n, name).toBe(1);
      for (const w of s.kube.writes) expect(w.to).toBe(2);
    }), { numRuns: RUNS / 4 });
    counts.push(['bursts of arbitrary signals (2-20 at once)', RUNS / 4]);
  });

  test('forward mode, arbitrary text: every message lands on the work queue as it came', async () => {
    const work = await createQueue(azurite);
    const inbox = `${work.name}-in`;
    const s = scaler({ QUEUES: azurite.connectionString }, { queueName: inbox, forwardTo: work.name });
    // Point the first trigger (whose account forwards are sent to) at Azurite.
    for (const t of s.runtime.config.targets) {
      const first = t.triggers[0]!;
      if (first.type === 'azure-queue') first.metadata = { ...first.metadata, accountName: undefined, connectionFromEnv: 'QUEUES' };
    }
    const forwarder = createWaker(s.runtime);
    // Queue messages are XML text: characters XML 1.0 cannot carry never reach a queue.
    const xmlText = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 300 }).filter(isXmlText);
    await fc.assert(fc.asyncProperty(fc.oneof(xmlText, textArb.filter((t) => t.length > 0 && t.length < 8_000 && isXmlText(t))), async (text) => {
      const handled = await forwarder.handle(s.queue, text);
      expect(handled.forwarded).toEqual([work.name]);
      const received = await work.receiveMessages({ numberOfMessages: 1 });
      expect(received.receivedMessageItems.map((m) => m.messageText)).toEqual([text]);
      await work.deleteMessage(received.receivedMessageItems[0]!.messageId, received.receivedMessageItems[0]!.popReceipt);
    }), { numRuns: FORWARD_RUNS });
    counts.push(['arbitrary text on a forward-mode inbox (forwarded through Azurite)', FORWARD_RUNS]);
  }, 120_000);
});
