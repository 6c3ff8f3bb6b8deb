// One target, one evaluation: read -> decide -> apply -> record (house rule 7). The scale
// write in `apply` is the only Kubernetes write of the evaluation loop.
import type { Target } from '../config/target.js';
import { decide, type Decision, type Observation, type TriggerResult } from '../engine/index.js';
import { messageOf } from '../errors.js';
import { ScaleConflictError, type Kube, type ScaleReading, type WorkloadRef } from '../kube/index.js';
import type { Source } from '../sources/index.js';
import { StateConflictError, type StateStore, type StoredRecord } from '../state/index.js';
import type { ScaleDecisionEvent, Telemetry } from '../telemetry/index.js';
import type { ExplainInput } from './explain.js';

export interface TargetDeps {
  kube: Kube;
  store: StateStore;
  telemetry: Telemetry;
  now: () => number;
}

export interface EvaluatedTarget {
  target: Target;
  /** Present when a decision was made. */
  event?: ScaleDecisionEvent;
  /** Present when the target could not be evaluated or its decision not applied. */
  error?: string;
}

/** State rows are keyed by cluster, namespace and name: the same name may live in several clusters. */
export const targetKey = (t: Target): string => `${t.cluster}/${t.namespace}/${t.name}`;

export const workloadOf = (t: Target): WorkloadRef => ({
  cluster: t.cluster,
  namespace: t.namespace,
  kind: t.scaleTargetRef.kind,
  name: t.scaleTargetRef.name,
});

/** Reads every trigger; a failure becomes that trigger's error, never a thrown exception. */
export async function readTriggers(sources: Source[]): Promise<TriggerResult[]> {
  return Promise.all(
    sources.map(async (source): Promise<TriggerResult> => {
      try {
        return { value: await source.read() };
      } catch (e) {
        return { error: messageOf(e) };
      }
    }),
  );
}

function observe(scale: ScaleReading, triggers: TriggerResult[]): Observation {
  return { specReplicas: scale.specReplicas, statusReplicas: scale.statusReplicas, annotations: scale.annotations, triggers };
}

function eventOf(target: Target, input: ExplainInput, decision: Decision, applied: boolean, startedAt: number, now: number, error?: string): ScaleDecisionEvent {
  const triggers = input.observation.triggers;
  return {
    target: targetKey(target),
    cluster: target.cluster,
    namespace: target.namespace,
    kind: target.scaleTargetRef.kind,
    name: target.scaleTargetRef.name,
    triggerValues: triggers.map((r) => ('value' in r ? r.value : null)),
    triggerErrors: triggers.map((r) => ('error' in r ? r.error : null)),
    currentReplicas: input.observation.specReplicas,
    desiredReplicas: decision.desiredReplicas,
    finalReplicas: applied || decision.replicas === input.observation.specReplicas ? decision.replicas : input.observation.specReplicas,
    action: decision.action,
    code: decision.code,
    reason: decision.reason,
    applied,
    error,
    durationMs: Math.max(0, now - startedAt),
    explain: input,
  };
}

/** State saves that lose an ETag race re-read and decide again, this many times at most. */
const STATE_ATTEMPTS = 3;

export async function evaluateTarget(
  target: Target,
  sources: Source[],
  record: StoredRecord | undefined,
  deps: TargetDeps,
  /** The target as written in SCALER_TARGETS, recorded for replay. */
  spec: unknown,
): Promise<EvaluatedTarget> {
  const startedAt = deps.now();
  const ref = workloadOf(target);
  const key = targetKey(target);
  let current = record;
  let scaleConflictRetried = false;
  for (let attempt = 1; ; attempt++) {
    // 1. Read the scale and the triggers at once.
    let scale: ScaleReading;
    let triggers: TriggerResult[];
    try {
      [scale, triggers] = await Promise.all([deps.kube.readScale(ref), readTriggers(sources)]);
    } catch (e) {
      // No observation, no decision: the workload is left as it is.
      deps.telemetry.failure(e, { operation: 'evaluate', target: key, cluster: target.cluster });
      return { target, error: messageOf(e) };
    }
    // 2. Decide.
    const now = deps.now();
    const state = current?.state ?? {};
    const input: ExplainInput = { now: new Date(now).toISOString(), spec, observation: observe(scale, triggers), state };
    const decision = decide(target, input.observation, state, now);
    // 3. Apply: write the scale only when it changes, against the resourceVersion just read.
    let applied = false;
    if (decision.replicas !== scale.specReplicas) {
      try {
        await deps.kube.writeScale(ref, decision.replicas, scale.resourceVersion);
        applied = true;
      } catch (e) {
        if (e instanceof ScaleConflictError && !scaleConflictRetried) {
          scaleConflictRetried = true;
          current = await deps.store.load(key);
          continue;
        }
        const event = eventOf(target, input, decision, false, startedAt, deps.now(), messageOf(e));
        deps.telemetry.decision(event);
        deps.telemetry.failure(e, { operation: 'evaluate', target: key, cluster: target.cluster });
        return { target, event, error: messageOf(e) };
      }
    }
    // 4. Record the state the decision assumed, conditional on the version read.
    try {
      await deps.store.save(
        key,
        { state: decision.state, lastEvaluated: input.now, lastReplicas: decision.replicas, lastWakeConfirmed: current?.lastWakeConfirmed },
        current?.etag,
      );
    } catch (e) {
      if (e instanceof StateConflictError && attempt < STATE_ATTEMPTS) {
        current = await deps.store.load(key);
        continue;
      }
      const event = eventOf(target, input, decision, applied, startedAt, deps.now(), messageOf(e));
      deps.telemetry.decision(event);
      deps.telemetry.failure(e, { operation: 'evaluate', target: key, cluster: target.cluster });
      return { target, event, error: messageOf(e) };
    }
    const event = eventOf(target, input, decision, applied, startedAt, deps.now());
    deps.telemetry.decision(event);
    return { target, event };
  }
}
