// A dry run of one tick: what each target would do now and why. It reads the queues, the
// clusters and the state, and writes nothing.
import pLimit from 'p-limit';
import { decide, type Decision, type ReplayDocument } from '../engine/index.js';
import { messageOf } from '../errors/index.js';
import { redactSecrets, redactTexts } from '../redact/index.js';
import type { StoredRecord } from '../state/index.js';
import { decisionInput } from './decision.js';
import { isPollDue } from './evaluate-all.js';
import { claimWorkload } from './owners.js';
import { readTarget, targetKey, workloadOf, type ConfiguredTarget } from './targets.js';
import type { Runtime } from './wiring.js';

export interface PlannedTarget {
  target: string;
  current?: number;
  triggerValues?: (number | string)[];
  decision?: Decision;
  /**
   * What the decision was made on, as every ScaleDecision event carries it (docs/engine.md):
   * `aks-queue-scaler explain` makes the same decision from it. Its texts are redacted.
   */
  explain?: ReplayDocument;
  /** The target could not be read; nothing would be decided. */
  error?: string;
}

async function planTarget(runtime: Runtime, t: ConfiguredTarget, record: StoredRecord | undefined): Promise<PlannedTarget> {
  const target = targetKey(t.target);
  try {
    const { scale, triggers } = await readTarget(runtime.kube, t);
    // A target that would hold because another one owns its workload says so.
    claimWorkload(runtime.owners, target, workloadOf(t.target), scale.uid);
    const now = runtime.now();
    // Whether the running scaler's next tick would poll it (by its schedule, not this process's start).
    const input = decisionInput(t, record, runtime.saveFailures.get(target), scale, triggers, now, isPollDue(t.target, record, now));
    const decision = decide(t.target, input.observation, input.state, now);
    // Redacted as a ScaleDecision is: the observation's texts may hold what a service answered.
    const explain = { ...input, observation: redactTexts(input.observation) };
    return { target, current: scale.specReplicas, triggerValues: triggers.map((r) => ('value' in r ? r.value : `error: ${redactSecrets(r.error)}`)), decision: { ...decision, reason: redactSecrets(decision.reason) }, explain };
  } catch (e) {
    return { target, error: redactSecrets(messageOf(e)) };
  }
}

export async function planAll(runtime: Runtime): Promise<{ planned: PlannedTarget[]; stateError?: string }> {
  let records = new Map<string, StoredRecord>();
  let stateError: string | undefined;
  try {
    records = await runtime.store.loadAll();
  } catch (e) {
    // Without state the plan still shows what the metrics say; the cooldowns are unknown.
    stateError = redactSecrets(messageOf(e));
  }
  runtime.owners.seed(records);
  const limit = pLimit(runtime.concurrency);
  const planned = await Promise.all(runtime.targets.map((t) => limit(() => planTarget(runtime, t, records.get(targetKey(t.target))))));
  return { planned, stateError };
}
