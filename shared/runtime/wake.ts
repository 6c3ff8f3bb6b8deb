// The wake path: a message on a wake queue wakes its target(s) at once instead of at the next
// poll. Signal mode: the message is only a signal. Forward mode (wake.forwardTo): the wake queue
// is the producers' inbox and each message is passed on, byte for byte, to the work queue.
// It never scales down, and a target confirmed awake in the last few seconds costs no call.
import { RestError } from '@azure/core-rest-pipeline';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import { appSettings, connectionOf, type Settings } from '../config/index.js';
import type { CredentialFactory } from '../identity.js';
import { decideWake, isAsleep, latestTime, recordScaleChange } from '../engine/index.js';
import { messageOf, ScalerError } from '../errors.js';
import { readCheckedScale, ScaleConflictError } from '../kube/index.js';
import { deadline, queueClientIn, QUEUE_TIMEOUT_MS } from '../sources/azure-queue.js';
import { updateRecord, type StoredRecord, type TargetRecord } from '../state/index.js';
import type { Target } from '../config/index.js';
import type { ConfiguredTarget } from './evaluate-all.js';
import { eventOf, observe, readTriggers, targetKey, workloadOf } from './evaluate-target.js';
import type { ExplainInput } from './explain.js';
import { claimWorkload } from './owners.js';
import type { Runtime } from './wiring.js';

/** How long a target confirmed awake needs no call at all. */
export const WAKE_CONFIRM_MS = 5_000;

/**
 * How long after recording a message's activity a target is known to be awake: the evaluation
 * may take it down once its cooldown has run from that activity, so never longer than that.
 */
export const confirmWindowMs = (t: Pick<Target, 'cooldownPeriod'>): number => Math.min(WAKE_CONFIRM_MS, t.cooldownPeriod * 1000);
/** Queue messages are at most 64 KiB; anything larger was not meant as a signal. */
const SIGNAL_MAX_BYTES = 64 * 1024;

export interface WakeQueue {
  /** Stable across restarts: wake-<queue>, or wake-<account>--<queue> for another account. */
  functionName: string;
  queueName: string;
  accountName?: string | undefined;
  /** The Functions connection prefix: the app's own storage, or SCALER_WAKE_<account>. */
  connection: string;
  targets: Target[];
  /** Forward mode when any of its targets forwards. */
  forwards: boolean;
}

/** Depends on the configuration only, so the host can register the functions at start-up. */
export function wakeQueuesOf(targets: Target[]): WakeQueue[] {
  const queues = new Map<string, WakeQueue>();
  for (const t of targets) {
    const wake = t.wake;
    if (!wake) continue;
    const id = `${wake.accountName ?? ''}/${wake.queueName}`;
    let queue = queues.get(id);
    if (!queue) {
      queue = {
        // Queue names never hold "--", so wake-<account>--<queue> cannot collide with wake-<queue>.
        functionName: wake.accountName ? `wake-${wake.accountName}--${wake.queueName}` : `wake-${wake.queueName}`,
        queueName: wake.queueName,
        accountName: wake.accountName,
        connection: wake.accountName ? `SCALER_WAKE_${wake.accountName}` : 'AzureWebJobsStorage',
        targets: [],
        forwards: false,
      };
      queues.set(id, queue);
    }
    queue.targets.push(t);
    queue.forwards ||= wake.forwardTo !== undefined;
  }
  return [...queues.values()];
}

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

/** Which targets a signal names: `{"target": "ns/name"}` or `{"targets": [...]}`, else all. */
function selectTargets(queue: WakeQueue, text: string): { targets: Target[]; warnings: string[] } {
  const all = { targets: queue.targets, warnings: [] as string[] };
  if (queue.forwards) return all;
  if (text.trim() === '') return { ...all, warnings: [`empty message on wake queue ${queue.queueName}: waking all its targets`] };
  if (Buffer.byteLength(text) > SIGNAL_MAX_BYTES) {
    return { ...all, warnings: [`message of ${Buffer.byteLength(text)} bytes on wake queue ${queue.queueName} is not a signal: waking all its targets`] };
  }
  let signal: unknown;
  try {
    signal = JSON.parse(text);
  } catch {
    return { ...all, warnings: [`message on wake queue ${queue.queueName} is not JSON: waking all its targets`] };
  }
  const named = typeof signal === 'object' && signal !== null ? ((signal as { targets?: unknown }).targets ?? (signal as { target?: unknown }).target) : undefined;
  if (named === undefined) return all;
  // Names as text: String() throws on some parsed JSON ({"toString": 0}), JSON.stringify does not.
  const names = (Array.isArray(named) ? named : [named]).map((n) => (typeof n === 'string' ? n : JSON.stringify(n) ?? String(n)));
  // Said, not settled in silence: the producer meant to wake something.
  if (names.length === 0) return { targets: [], warnings: [`signal on wake queue ${queue.queueName} names no target (an empty list): nothing woken`] };
  const matches = (t: Target, name: string): boolean => [t.id, t.name, targetKey(t)].includes(name);
  const warnings = names
    .filter((n) => !queue.targets.some((t) => matches(t, n)))
    .map((n) => `signal on wake queue ${queue.queueName} names unknown target "${n.slice(0, 200)}" (its targets: ${queue.targets.map((t) => t.id).join(', ')})`);
  return { targets: queue.targets.filter((t) => names.some((n) => matches(t, n))), warnings };
}

/** The record with a message's activity at `iso`: the cooldown runs again from it. */
const activeAt = (fresh: StoredRecord | undefined, iso: string, workloadUid: string): TargetRecord => ({
  ...fresh,
  state: { ...fresh?.state, lastActiveTime: latestTime(fresh?.state.lastActiveTime, iso) },
  lastWakeConfirmed: latestTime(fresh?.lastWakeConfirmed, iso),
  workloadUid,
});

export interface Waker {
  handle(queue: WakeQueue, text: string): Promise<HandledMessage>;
}

export function createWaker(runtime: Runtime): Waker {
  const { kube, store, telemetry } = runtime;
  const confirmedUntil = new Map<string, number>();
  const inFlight = new Map<string, Promise<WakeOutcome>>();
  const forwardClients = new Map<string, QueueClient>();
  const configured = new Map(runtime.targets.map((t) => [targetKey(t.target), t]));
  const hostCredential = runtime.credentialFor(runtime.config.storage.clientId);

  /** Reads the scale; at zero (or idle) decides and writes the wake; records activity either way. */
  async function wakeTarget(t: ConfiguredTarget, queue: WakeQueue): Promise<{ outcome: WakeOutcome; activeAt?: number }> {
    const key = targetKey(t.target);
    const ref = workloadOf(t.target);
    const startedAt = runtime.now();
    for (let attempt = 1; ; attempt++) {
      const scale = await readCheckedScale(kube, ref);
      claimWorkload(runtime.owners, key, ref, scale.uid);
      const now = runtime.now();
      const iso = new Date(now).toISOString();
      if (!isAsleep(t.target, scale.specReplicas)) {
        // Awake: a message means activity, so the cooldown starts again from now.
        await updateRecord(store, key, (fresh) => activeAt(fresh, iso, scale.uid));
        return { outcome: { target: key, result: 'awake', replicas: scale.specReplicas }, activeAt: now };
      }
      const record = await store.load(key);
      const input: ExplainInput = { now: iso, spec: t.spec, observation: observe(scale, await readTriggers(t.sources)), state: record?.state ?? {} };
      const decision = decideWake(t.target, input.observation, input.state, now);
      if (decision.action === 'paused' || decision.replicas <= scale.specReplicas) return { outcome: { target: key, result: 'paused' } };
      // The activity is recorded before the scale is written: an evaluation that reads the woken
      // scale then finds it too (it re-reads the row before any scale-down), so it cannot take
      // the target back down on a lastActiveTime read before this wake.
      await updateRecord(store, key, (fresh) => activeAt(fresh, iso, scale.uid), record);
      try {
        await kube.writeScale(ref, decision.replicas, scale.resourceVersion);
      } catch (e) {
        // Someone else changed the scale meanwhile (often another wake): look again, once.
        if (e instanceof ScaleConflictError && attempt === 1) continue;
        throw e;
      }
      await updateRecord(store, key, (fresh) => ({
        ...fresh,
        state: { ...recordScaleChange(t.target.behavior, fresh?.state ?? {}, scale.specReplicas, decision.replicas, now), lastActiveTime: latestTime(fresh?.state.lastActiveTime, iso), scaledToZero: false },
        lastReplicas: decision.replicas,
        lastWakeConfirmed: latestTime(fresh?.lastWakeConfirmed, iso),
        workloadUid: scale.uid,
      }));
      telemetry.decision({
        ...eventOf(t.target, input, decision, true, startedAt, runtime.now()),
        reason: `woken by a message on wake queue ${queue.queueName}: ${decision.reason}`,
      });
      return { outcome: { target: key, result: 'woken', replicas: decision.replicas }, activeAt: now };
    }
  }

  /** One wake per target at a time; a burst waits for it and then costs nothing for a while. */
  function wake(t: ConfiguredTarget, queue: WakeQueue): Promise<WakeOutcome> {
    const key = targetKey(t.target);
    if ((confirmedUntil.get(key) ?? 0) > runtime.now()) return Promise.resolve({ target: key, result: 'recently-confirmed' });
    let pending = inFlight.get(key);
    if (!pending) {
      pending = wakeTarget(t, queue)
        .then(({ outcome, activeAt }) => {
          // Confirmed from the activity recorded, for no longer than the cooldown running from
          // it (a paused target recorded none, and a message after its unpause must not wait).
          if (activeAt !== undefined) confirmedUntil.set(key, activeAt + confirmWindowMs(t.target));
          return outcome;
        })
        .catch((e: unknown): WakeOutcome => {
          telemetry.failure(e, { operation: 'wake', target: key, cluster: t.target.cluster });
          return { target: key, result: 'failed', error: messageOf(e) };
        })
        .finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    return pending;
  }

  function forwardClient(t: ConfiguredTarget, queueName: string): QueueClient {
    const metadata = t.target.triggers[0]!.metadata;
    const id = `${metadata.connectionFromEnv ?? metadata.queueServiceUri ?? metadata.accountName}/${queueName}`;
    let client = forwardClients.get(id);
    if (!client) {
      client = queueClientIn(metadata, queueName, hostCredential, runtime.settings);
      forwardClients.set(id, client);
    }
    return client;
  }

  return {
    async handle(queue, text) {
      const selected = selectTargets(queue, text);
      const warnings = selected.warnings;
      const missing = selected.targets.filter((t) => !configured.has(targetKey(t)));
      // Not settled: the host retries, then moves the message to <queue>-poison, where it waits.
      if (missing.length > 0) throw new ScalerError(`wake queue ${queue.queueName}: ${missing.map((t) => t.id).join(', ')} not in this instance's configuration; the message is left for a retry`);
      const targets = selected.targets.map((t) => configured.get(targetKey(t))!);
      const outcomes = await Promise.all(targets.map((t) => wake(t, queue)));
      const failed = outcomes.filter((o) => o.result === 'failed');
      if (!queue.forwards) {
        // Signal mode: fail the invocation so the host retries the signal later.
        if (failed.length > 0) throw new Error(`wake queue ${queue.queueName}: ${failed.map((f) => `${f.target}: ${f.error}`).join('; ')}`);
        return { outcomes, forwarded: [], warnings };
      }
      // Forward mode: the message matters more than the wake (the loop wakes at its next poll).
      warnings.push(...failed.map((f) => `wake of ${f.target} failed, forwarding anyway: ${f.error}`));
      const destinations = new Map(targets.filter((t) => t.target.wake?.forwardTo).map((t) => [t.target.wake!.forwardTo!, t] as const));
      // Settling a message that was sent nowhere would delete it: fail, so it is retried and then kept in <queue>-poison.
      if (destinations.size === 0) {
        throw new ScalerError(`wake queue ${queue.queueName}: forward mode, but none of its targets (${queue.targets.map((t) => t.id).join(', ') || 'none'}) has a forwardTo to send the message to; the message is left for a retry`);
      }
      // A failed send fails the invocation: the host retries, and after maxDequeueCount the
      // message lands in <queue>-poison. Nothing is lost; a retry may duplicate (at-least-once).
      await Promise.all(
        [...destinations].map(([queueName, t]) =>
          forwardClient(t, queueName).sendMessage(text, { abortSignal: deadline(runtime.timeoutMs ?? QUEUE_TIMEOUT_MS) }).catch((e: unknown) => {
            const code = e instanceof RestError && e.code ? ` (${e.code})` : '';
            throw new ScalerError(`wake queue ${queue.queueName}: forwarding the message to queue ${queueName} failed: ${messageOf(e)}${code}`, { cause: e });
          }),
        ),
      );
      return { outcomes, forwarded: [...destinations.keys()], warnings };
    },
  };
}

/**
 * A wake queue and its poison queue as the Functions host would open them from the function's
 * connection: the setting itself as a connection string (local development), or
 * <connection>__queueServiceUri (or __accountName) with the identity of <connection>__clientId.
 */
export function wakeQueueClients(queue: WakeQueue, settings: Settings, credentialFor: CredentialFactory): { queue: QueueClient; poison: QueueClient } {
  // As checked at load (shared/config/app-settings.ts): a bad value was reported there, and is not used.
  const { connectionString, accountName, queueServiceUri, serviceUri, clientId } = connectionOf(appSettings(settings), queue.connection);
  const poisonName = `${queue.queueName}-poison`;
  if (connectionString) {
    const service = QueueServiceClient.fromConnectionString(connectionString);
    return { queue: service.getQueueClient(queue.queueName), poison: service.getQueueClient(poisonName) };
  }
  const uri = queueServiceUri ?? serviceUri ?? (accountName ? `https://${accountName}.queue.core.windows.net` : undefined);
  if (!uri) throw new Error(`wake queue ${queue.queueName}: connection ${queue.connection} is not set (${queue.connection}, or ${queue.connection}__queueServiceUri with __credential and __clientId)`);
  const service = new QueueServiceClient(uri, credentialFor(clientId));
  return { queue: service.getQueueClient(queue.queueName), poison: service.getQueueClient(poisonName) };
}
