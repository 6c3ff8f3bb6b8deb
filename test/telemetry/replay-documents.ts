// Replay documents for the telemetry round trips: one of an exact size, and the largest the
// state allows (each history list at its bound, MAX_HISTORY_ENTRIES, spread and varied so that it
// compresses no better than a real one).
import type { ScaleEvent } from '../../shared/engine/index.js';
import { MAX_HISTORY_ENTRIES } from '../../shared/engine/history-limit.js';
import type { ReplayDocument } from '../../shared/engine/index.js';
import type { ScaleDecisionEvent } from '../../shared/telemetry/index.js';
import { explainJson } from '../../shared/telemetry/explain-dimensions.js';

/** The bound the state puts on each history list (recommendations, scaleUpEvents, scaleDownEvents). */
export const HISTORY_BOUND = MAX_HISTORY_ENTRIES;

const NOW = Date.parse('2026-11-27T10:00:00.000Z');

const spec = {
  namespace: 'shop',
  scaleTargetRef: { name: 'orders-worker' },
  minReplicaCount: 1,
  maxReplicaCount: 9_999,
  advanced: {
    horizontalPodAutoscalerConfig: {
      behavior: {
        scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent', value: 100, periodSeconds: 1_800 }] },
        scaleDown: { stabilizationWindowSeconds: 3_600, policies: [{ type: 'Percent', value: 10, periodSeconds: 1_800 }] },
      },
    },
  },
  triggers: [{ type: 'azure-queue', metadata: { queueName: 'orders', accountName: 'shopdata', queueLength: '5' } }],
};

/**
 * A small document whose explainJson is exactly `chars` characters: a second trigger failed,
 * with an error text of `padding` repeated as often as it fits, then "x" to the exact length.
 */
export function documentOfLength(chars: number, padding = 'x'): ReplayDocument {
  const withError = (error: string): ReplayDocument => ({
    now: new Date(NOW).toISOString(),
    spec: { ...spec, triggers: [spec.triggers[0], spec.triggers[0]] },
    observation: { specReplicas: 4, statusReplicas: 4, annotations: {}, triggers: [{ value: 30 }, { error }] },
    state: { recommendations: [{ replicas: 4, timestamp: new Date(NOW - 60_000).toISOString() }], lastActiveTime: new Date(NOW - 60_000).toISOString(), triggerFailures: [0, 1] },
  });
  const base = explainJson(withError('')).length;
  const unit = explainJson(padding).length - 2; // one padding in the JSON, without the quotes
  if (chars < base) throw new Error(`documentOfLength: no document of ${chars} characters (the smallest is ${base})`);
  const times = Math.floor((chars - base) / unit);
  return withError(padding.repeat(times) + 'x'.repeat(chars - base - times * unit));
}

/** A document with `entries` in each history list (HISTORY_BOUND: the worst case). */
export function documentWithHistory(entries: number): ReplayDocument {
  let seed = 20_261_127;
  const random = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
  const at = (i: number): string => new Date(NOW - (entries - i) * 15_000 + Math.floor(random() * 1_000)).toISOString();
  const count = (): number => 1_000 + Math.floor(random() * 9_000);
  const events = (): ScaleEvent[] => Array.from({ length: entries }, (_, i) => ({ change: count(), timestamp: at(i), outdated: random() < 0.5 }));
  return {
    now: new Date(NOW).toISOString(),
    spec,
    observation: { specReplicas: 5_000, statusReplicas: 5_000, annotations: { 'autoscaling.keda.sh/paused': 'false' }, triggers: [{ value: 60_000 }] },
    state: {
      recommendations: Array.from({ length: entries }, (_, i) => ({ replicas: count(), timestamp: at(i) })),
      scaleUpEvents: events(),
      scaleDownEvents: events(),
      lastActiveTime: at(entries - 1),
      createdTime: new Date(NOW - 30 * 86_400_000).toISOString(),
      triggerFailures: [0],
      scaledToZero: false,
    },
  };
}

/** A ScaleDecision carrying `explain`, its other fields as a real one has them. */
export function decisionEvent(explain: ReplayDocument): ScaleDecisionEvent {
  const triggers = explain.observation.triggers;
  return {
    target: 'prod/shop/orders-worker', cluster: 'prod', namespace: 'shop', kind: 'Deployment', name: 'orders-worker',
    triggerValues: triggers.map((t) => ('value' in t ? t.value : null)),
    triggerErrors: triggers.map((t) => ('error' in t ? t.error.slice(0, 200) : null)),
    triggerMetrics: triggers.map(() => 'scaler.queue_length'),
    currentReplicas: explain.observation.specReplicas, desiredReplicas: 6, finalReplicas: 6,
    action: 'scale-up', code: 'ScaleUpLimit', reason: 'HPA wants 6: trigger 0: value 30 (target 5, activation 0, active) -> 6', applied: true,
    durationMs: 41, explain,
  };
}
