// Which decisions App Insights receives (shared/telemetry/decision-record.ts): every change,
// every failure, and a heartbeat while nothing changes; the evaluations left out are counted.
import { describe, expect, test } from 'vitest';
import { createDecisionRecorder, HEARTBEAT_MS } from '../../shared/telemetry/decision-record.js';
import type { ScaleDecisionEvent } from '../../shared/telemetry/index.js';

const T0 = Date.parse('2026-12-01T00:00:00.000Z');

/** A steady hold at 2 replicas, as the engine says it; `over` changes it. */
function decision(over: Partial<ScaleDecisionEvent> = {}): ScaleDecisionEvent {
  return {
    target: 'prod/shop/worker', cluster: 'prod', namespace: 'shop', kind: 'Deployment', name: 'worker',
    triggerValues: [10], triggerErrors: [null], triggerMetrics: ['scaler.queue_length'],
    currentReplicas: 2, desiredReplicas: 2, finalReplicas: 2, action: 'none', code: 'DesiredWithinRange', reason: 'holds', applied: false, durationMs: 4,
    explain: {} as ScaleDecisionEvent['explain'],
    ...over,
  };
}

describe('createDecisionRecorder', () => {
  // Each row: the decisions of one target, 15 s apart (or at `at`), and what each one sends.
  const cases: { name: string; decisions: (Partial<ScaleDecisionEvent> & { at?: number })[]; sent: (string | undefined)[] }[] = [
    {
      name: 'the first decision is sent, the same one again is not',
      decisions: [{}, {}, {}],
      sent: ['change 0', undefined, undefined],
    },
    {
      name: 'a change of replicas, action or code is sent, counting the repeats before it',
      decisions: [{}, {}, {}, { desiredReplicas: 4, finalReplicas: 4, action: 'scale-up', code: 'DesiredWithinRange', applied: true }, { currentReplicas: 4, desiredReplicas: 4, finalReplicas: 4 }, { currentReplicas: 4, desiredReplicas: 3, finalReplicas: 4, code: 'ScaleDownLimit' }],
      sent: ['change 0', undefined, undefined, 'change 2', 'change 0', 'change 0'],
    },
    {
      name: 'a queue that moves without changing the outcome is not a change (the metrics carry it)',
      decisions: [{}, { triggerValues: [11], reason: 'holds at 11' }, { triggerValues: [9] }],
      sent: ['change 0', undefined, undefined],
    },
    {
      name: 'pausing and unpausing are changes of the action',
      decisions: [{}, { action: 'paused', code: 'Paused' }, { action: 'paused', code: 'Paused' }, {}],
      sent: ['change 0', 'change 0', undefined, 'change 1'],
    },
    {
      name: 'every failure is sent, repeated or not: an error, a trigger error, a fallback',
      decisions: [{}, { error: 'save failed' }, { error: 'save failed' }, { triggerValues: [null], triggerErrors: ['queue not found'], code: 'TriggerError' }, { triggerValues: [null], triggerErrors: ['queue not found'], code: 'TriggerError' }, { action: 'fallback', code: 'FallbackActive', triggerValues: [null], triggerErrors: ['x'] }],
      sent: ['change 0', 'failure 0', 'failure 0', 'failure 0', 'failure 0', 'failure 0'],
    },
    {
      name: 'after a failure, the same steady outcome is a change again',
      decisions: [{}, { error: 'save failed' }, {}],
      sent: ['change 0', 'failure 0', 'change 0'],
    },
    {
      name: 'nothing changes: a heartbeat every HEARTBEAT_MS, carrying the evaluations left out',
      decisions: [{ at: T0 }, { at: T0 + 15_000 }, { at: T0 + HEARTBEAT_MS - 1 }, { at: T0 + HEARTBEAT_MS }, { at: T0 + HEARTBEAT_MS + 15_000 }, { at: T0 + 2 * HEARTBEAT_MS }],
      sent: ['change 0', undefined, undefined, 'heartbeat 2', undefined, 'heartbeat 1'],
    },
  ];
  test.each(cases)('$name', ({ decisions, sent }) => {
    const recorder = createDecisionRecorder();
    const got = decisions.map(({ at, ...over }, i) => {
      const r = recorder.record(decision(over), at ?? T0 + i * 15_000);
      return r && `${r.record} ${r.unchangedBefore}`;
    });
    expect(got).toEqual(sent);
  });

  test('targets are counted apart', () => {
    const recorder = createDecisionRecorder();
    expect(recorder.record(decision(), T0)).toEqual({ record: 'change', unchangedBefore: 0 });
    expect(recorder.record(decision({ target: 'prod/shop/other' }), T0)).toEqual({ record: 'change', unchangedBefore: 0 });
    expect(recorder.record(decision(), T0 + 15_000)).toBeUndefined();
    expect(recorder.record(decision({ target: 'prod/shop/other' }), T0 + 15_000)).toBeUndefined();
  });
});
