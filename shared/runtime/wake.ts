// The wake path: a message on a wake queue wakes its target(s) at once instead of at the next
// poll. Signal mode: the message is only a signal. Forward mode (wake.forwardTo): the wake queue
// is the producers' inbox and each message is passed on, byte for byte, to the work queue.
// In named steps: select the targets (wake-queues.ts) -> wake each, one wake per target at a
// time (at once: read the scale and the row, unless the loop kept them, read the triggers,
// record the activity; asleep, decide and write the scale, then record the wake) -> forward.
// It never scales down, and a target confirmed awake in the last few seconds costs no call
// (docs/wake.md).
import type { Target } from '../config/index.js';
import { decideWake, isAsleep, latestTime, recordDecidedChange, type Decision } from '../engine/index.js';
import { messageOf, ScalerError } from '../errors/index.js';
import { readCheckedScale, ScaleConflictError, type ScaleReading } from '../kube/index.js';
import { createSender, type Sender } from '../sources/index.js';
import { StateConflictError, updateRecord, type StateStore, type StoredRecord, type TargetRecord } from '../state/index.js';
import { decisionEvent, decisionInput } from './decision.js';
import type { KeptRow } from './idle-readings.js';
import { claimWorkload } from './owners.js';
import { recordScaleEvent } from './workload-events.js';
import { readSources, targetKey, workloadOf, type ConfiguredTarget } from './targets.js';
import type { WakeQueue } from './wake-functions.js';
import { selectTargets } from './wake-queues.js';
import type { Runtime } from './wiring.js';

/** How long a target confirmed awake needs no call at all. */
const WAKE_CONFIRM_MS = 5_000;

/**
 * How long after recording a message's activity a target is known to be awake: the evaluation
 * may take it down once its cooldown has run from that activity, so never longer than that.
 */
const confirmWindowMs = (t: Pick<Target, 'cooldownPeriod'>): number => Math.min(WAKE_CONFIRM_MS, t.cooldownPeriod * 1000);

export type WakeResult = 'woken' | 'awake' | 'recently-confirmed' | 'paused' | 'failed';

export interface WakeOutcome {
  target: string;
  result: WakeResult;
  replicas?: number;
  error?: string;
}

export interface HandledMessage {
  outcomes: WakeOutcome[];
  /** Queues the message was forwarded to. */
  forwarded: string[];
  /** Garbage, unknown targets, wakes that failed in forward mode: said, then settled. */
  warnings: string[];
}

export interface Waker {
  handle(queue: WakeQueue, text: string): Promise<HandledMessage>;
}

/** Sends `text` to queue `queueName` in the account of the target's first trigger. */
type QueueSender = (t: ConfiguredTarget, queueName: string, text: string) => Promise<void>;

/** What the wake path keeps between messages, in one instance. */
interface WakeContext {
  runtime: Runtime;
  configured: Map<string, ConfiguredTarget>;
  /** Until when each target is known to be awake. */
  confirmedUntil: Map<string, number>;
  /** The wake under way for each target: a burst waits for it instead of starting its own. */
  inFlight: Map<string, Promise<WakeOutcome>>;
  send: QueueSender;
}

/** The record with a message's activity at `at` (kept if the row holds a later one). */
const activeAt = (fresh: StoredRecord | undefined, at: string): TargetRecord => ({ ...fresh, state: fresh?.state ?? {}, lastWakeConfirmed: latestTime(fresh?.lastWakeConfirmed, at) });

/** The row as it was before a message's activity, and that activity as the row now holds it. */
interface ActiveRow {
  record: StoredRecord | undefined;
  /** The later of the message's time and an activity the row held. */
  activity: string;
  /** The time written: the message's, when the row was not read before the write. */
  written: string;
  /** The row as the write left it, when known (the row was as kept): the wake's record needs no read. */
  after?: StoredRecord;
}

/**
 * Records a message's activity at `iso` in the row, before anything else is written: the
 * cooldown runs again from it. Each way is one write of lastWakeConfirmed alone (record.ts reads
 * it as lastActiveTime). On the row the loop kept with its reading of the workload: written on
 * the condition that the row is still as kept, and not read. Otherwise, or when it changed
 * since: whatever the row's etag, sent after the row's read (which so sees a later activity
 * that this write replaces). A target never evaluated has no row: a read-modify-write creates it.
 */
async function recordActivity(store: StateStore, key: string, iso: string, kept: KeptRow | undefined): Promise<ActiveRow> {
  if (kept) {
    const activity = latestTime(kept.record.lastWakeConfirmed, iso);
    const etag = await store.recordWakeActivity(key, activity, kept.etag).catch((e: unknown) => {
      if (e instanceof StateConflictError) return undefined;
      throw e;
    });
    if (etag !== undefined) return { record: { ...kept.record, etag: kept.etag }, activity, written: activity, after: { ...kept.record, lastWakeConfirmed: activity, etag } };
  }
  const loaded = store.load(key);
  const written = store.recordWakeActivity(key, iso).then(async (etag) => {
    if (etag === undefined) await updateRecord(store, key, (fresh) => activeAt(fresh, iso));
  });
  const [record] = await Promise.all([loaded, written]);
  return { record, activity: latestTime(record?.lastWakeConfirmed, iso), written: iso };
}

/**
 * The row held a later activity than the one written (another instance's, or one from a clock
 * ahead of this one), which that write replaced: it is put back. A later activity written while
 * the write was on its way can still be lost (the cooldown then runs from this message).
 */
async function keepLaterActivity(store: StateStore, key: string, { activity, written }: ActiveRow): Promise<void> {
  if (activity !== written) await updateRecord(store, key, (fresh) => activeAt(fresh, activity));
}

/** The record after the wake's scale write: the change recorded, the activity kept. */
const wokenAt = (fresh: StoredRecord | undefined, t: ConfiguredTarget, scale: ScaleReading, decision: Decision, now: number, activity: string): TargetRecord => ({
  ...fresh,
  state: { ...recordDecidedChange(t.target, fresh?.state ?? {}, scale.specReplicas, decision.replicas, now), lastActiveTime: latestTime(fresh?.state.lastActiveTime, activity), scaledToZero: false },
  lastReplicas: decision.replicas,
  lastWakeConfirmed: latestTime(fresh?.lastWakeConfirmed, activity),
  workloadUid: scale.uid,
});

/**
 * Wakes one target. At once: reads the scale, reads the triggers, and records the message as
 * activity (the cooldown starts again) — kept whatever the scale turns out to be. Awake (or
 * paused), that is all. Asleep, decides (the engine with force-activation) and writes the scale —
 * after the activity is in the row, so an evaluation that reads the woken scale finds it too and
 * cannot take the target back down on an older lastActiveTime — (a 409 means someone else
 * changed it, often another wake: look again, once) and records the wake. A workload the loop
 * left at zero in this process is not read again: the reading it kept (idle-readings.ts) is
 * written against, and a 409 or a decision not to write sends the wake back for a fresh read.
 * The handler's latency is its round trips one after the other: one before the scale is written.
 */
async function wakeOne(ctx: WakeContext, t: ConfiguredTarget, queue: WakeQueue): Promise<{ outcome: WakeOutcome; activeAt?: number }> {
  const { kube, store, telemetry, idleReadings } = ctx.runtime;
  const key = targetKey(t.target);
  const ref = workloadOf(t.target);
  const startedAt = ctx.runtime.now();
  const iso = new Date(startedAt).toISOString();
  const kept = idleReadings?.kept(key);
  const triggers = readSources(t.sources); // never rejects: a failed read is a trigger error
  const recorded = recordActivity(store, key, iso, kept?.row);
  for (let lookedAgain = false, keptScale = kept?.scale; ;) {
    const now = ctx.runtime.now();
    const [scale, row] = await Promise.all([keptScale ?? readCheckedScale(kube, ref), recorded]);
    claimWorkload(ctx.runtime.owners, key, ref, scale.uid);
    if (!isAsleep(t.target, scale.specReplicas)) {
      await keepLaterActivity(store, key, row);
      return { outcome: { target: key, result: 'awake', replicas: scale.specReplicas }, activeAt: startedAt };
    }
    const input = decisionInput(t, row.record, undefined, scale, await triggers, now, true);
    const decision = decideWake(t.target, input.observation, input.state, now);
    const writes = decision.action !== 'paused' && decision.replicas > scale.specReplicas;
    let refused = false;
    if (writes) refused = await kube.writeScale(ref, decision.replicas, scale.resourceVersion).then(() => false, (e: unknown) => {
      if (e instanceof ScaleConflictError && (keptScale || !lookedAgain)) return true;
      throw e;
    });
    if (keptScale && (refused || !writes)) {
      // A kept reading refused by the write (409), or not written against (a pause it shows may
      // have been lifted since), proved nothing: the workload is read.
      idleReadings?.forget(key);
      keptScale = undefined;
      continue;
    }
    if (refused) {
      // Someone else changed the scale since it was read, often another wake: look again, once.
      lookedAgain = true;
      continue;
    }
    if (!writes) {
      await keepLaterActivity(store, key, row);
      return { outcome: { target: key, result: 'paused' } };
    }
    idleReadings?.forget(key);
    await updateRecord(store, key, (fresh) => wokenAt(fresh, t, scale, decision, now, row.activity), row.after);
    const why = `woken by a message on wake queue ${queue.queueName}: ${decision.reason}`;
    telemetry.decision({ ...decisionEvent(t, input, decision, true, ctx.runtime.now() - startedAt), reason: why });
    await recordScaleEvent(ctx.runtime, t, scale.uid, scale.specReplicas, decision, why);
    return { outcome: { target: key, result: 'woken', replicas: decision.replicas }, activeAt: startedAt };
  }
}

/** One wake per target at a time; a burst waits for it and then costs nothing for a while. */
function wakeOnce(ctx: WakeContext, t: ConfiguredTarget, queue: WakeQueue): Promise<WakeOutcome> {
  const key = targetKey(t.target);
  if ((ctx.confirmedUntil.get(key) ?? 0) > ctx.runtime.now()) return Promise.resolve({ target: key, result: 'recently-confirmed' });
  let pending = ctx.inFlight.get(key);
  if (!pending) {
    pending = wakeOne(ctx, t, queue)
      .then(({ outcome, activeAt }) => {
        // Confirmed from the activity recorded, for no longer than the cooldown running from
        // it (a paused target recorded none, and a message after its unpause must not wait).
        if (activeAt !== undefined) ctx.confirmedUntil.set(key, activeAt + confirmWindowMs(t.target));
        return outcome;
      })
      .catch((e: unknown): WakeOutcome => {
        ctx.runtime.telemetry.failure(e, { operation: 'wake', target: key, cluster: t.target.cluster });
        return { target: key, result: 'failed', error: messageOf(e) };
      })
      .finally(() => ctx.inFlight.delete(key));
    ctx.inFlight.set(key, pending);
  }
  return pending;
}

/**
 * Forward mode: the message goes on to each forwardTo of the queue's targets. A failed send
 * fails the invocation, and so does a message with nowhere to go: the host retries, and after
 * maxDequeueCount the message lands in <queue>-poison. Nothing is lost, nothing is settled
 * before it is delivered; a retry may duplicate (at-least-once).
 */
async function forward(ctx: WakeContext, queue: WakeQueue, targets: ConfiguredTarget[], text: string): Promise<string[]> {
  const destinations = new Map(targets.filter((t) => t.target.wake?.forwardTo).map((t) => [t.target.wake!.forwardTo!, t] as const));
  if (destinations.size === 0) {
    throw new ScalerError(`wake queue ${queue.queueName}: forward mode, but none of its targets (${queue.targets.map((t) => t.id).join(', ') || 'none'}) has a forwardTo to send the message to; the message is left for a retry`);
  }
  await Promise.all(
    [...destinations].map(([queueName, t]) =>
      ctx.send(t, queueName, text).catch((e: unknown) => {
        throw new ScalerError(`wake queue ${queue.queueName}: ${messageOf(e)}`, { cause: e });
      }),
    ),
  );
  return [...destinations.keys()];
}

/** The sender of forward mode: the host's identity, to the place the target's first trigger reads from. */
function queueSender(runtime: Runtime): QueueSender {
  const senders = new Map<string, Sender>();
  const deps = { credential: runtime.credentialFor(runtime.config.storage.clientId), settings: runtime.settings, timeoutMs: runtime.timeoutMs };
  return (t, queueName, text) => {
    const key = targetKey(t.target);
    let sender = senders.get(key);
    if (!sender) senders.set(key, (sender = createSender(t.target.triggers[0]!, deps)));
    return sender.send(queueName, text);
  };
}

export function createWaker(runtime: Runtime, send: QueueSender = queueSender(runtime)): Waker {
  const ctx: WakeContext = {
    runtime,
    configured: new Map(runtime.targets.map((t) => [targetKey(t.target), t])),
    confirmedUntil: new Map(),
    inFlight: new Map(),
    send,
  };
  return {
    async handle(queue, text) {
      const { targets: selected, warnings } = selectTargets(queue, text);
      const missing = selected.filter((t) => !ctx.configured.has(targetKey(t)));
      // Not settled: the host retries, then moves the message to <queue>-poison, where it waits.
      if (missing.length > 0) throw new ScalerError(`wake queue ${queue.queueName}: ${missing.map((t) => t.id).join(', ')} not in this instance's configuration; the message is left for a retry`);
      const targets = selected.map((t) => ctx.configured.get(targetKey(t))!);
      const outcomes = await Promise.all(targets.map((t) => wakeOnce(ctx, t, queue)));
      const failed = outcomes.filter((o) => o.result === 'failed');
      if (!queue.forwards) {
        // Signal mode: fail the invocation so the host retries the signal later.
        if (failed.length > 0) throw new ScalerError(`wake queue ${queue.queueName}: ${failed.map((f) => `${f.target}: ${f.error}`).join('; ')}`);
        return { outcomes, forwarded: [], warnings };
      }
      // Forward mode: the message matters more than the wake (the loop wakes at its next poll).
      warnings.push(...failed.map((f) => `wake of ${f.target} failed, forwarding anyway: ${f.error}`));
      return { outcomes, forwarded: await forward(ctx, queue, targets, text), warnings };
    },
  };
}
