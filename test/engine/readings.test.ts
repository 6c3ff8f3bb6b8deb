// Trigger results -> activity, failures, fallback and the HPA's per-trigger proposals; and
// computeReplicasForMetrics' rule for combining them (horizontal.go): the maximum over valid
// metrics, no scaling when all are invalid, or some are and the maximum would lower the count.
import { describe, expect, test } from 'vitest';
import { checkedResult, combineProposals, readTriggers, tolerancesOf } from '../../shared/engine/readings.js';
import type { TriggerResult } from '../../shared/engine/index.js';
import { decide } from '../../shared/engine/index.js';
import { behavior, defaultScaleDown, defaultScaleUp, failed, NOW, spec, trigger, value } from './fixtures.js';

describe('checkedResult: a reading the HPA cannot use is an error, never a zero', () => {
  const cases: { name: string; result: TriggerResult | undefined; error: boolean }[] = [
    { name: 'zero is a valid reading', result: value(0), error: false },
    { name: 'a fraction is a valid reading', result: value(2.5), error: false },
    { name: 'a large count is a valid reading', result: value(1e9), error: false },
    { name: 'negative', result: value(-1), error: true },
    { name: 'NaN', result: value(NaN), error: true },
    { name: '+Infinity', result: value(Infinity), error: true },
    { name: '-Infinity', result: value(-Infinity), error: true },
    { name: 'not a number at all (bad JSON)', result: { value: '5' as unknown as number }, error: true },
    { name: 'a missing result', result: undefined, error: true },
    { name: 'an error stays an error', result: failed('403 AuthorizationFailure'), error: true },
  ];
  test.each(cases)('$name', (c) => {
    const got = checkedResult(c.result);
    expect('error' in got).toBe(c.error);
    if (!c.error) expect(got).toEqual(c.result);
  });

  test('the error of a failed trigger is kept verbatim', () => {
    expect(checkedResult(failed('403 AuthorizationFailure'))).toEqual({ error: '403 AuthorizationFailure' });
  });

  test('an invalid value says what it was', () => {
    expect(checkedResult(value(-3))).toEqual({ error: expect.stringContaining('-3') });
  });
});

describe('tolerancesOf', () => {
  test('no behavior: the cluster default 0.1 both ways', () => {
    expect(tolerancesOf(spec())).toEqual({ scaleUp: 0.1, scaleDown: 0.1 });
  });
  test('behavior: each direction its own (KEP-4951)', () => {
    const b = behavior({ scaleUp: defaultScaleUp({ tolerance: 0.01 }), scaleDown: defaultScaleDown({ tolerance: 0.5 }) });
    expect(tolerancesOf(spec({ behavior: b }))).toEqual({ scaleUp: 0.01, scaleDown: 0.5 });
  });
});

describe('readTriggers', () => {
  const two = spec({ triggers: [trigger(5, 10), trigger(10, 0)] });
  const replicas = { spec: 3, status: 3 };

  const cases: {
    name: string;
    results: TriggerResult[];
    previous?: number[];
    want: { active: boolean; anyError: boolean; fallbackActive: boolean; failures: number[]; proposals: (number | undefined)[] };
  }[] = [
    {
      name: 'activity is strictly above activation: equal is not active',
      results: [value(10), value(0)],
      want: { active: false, anyError: false, fallbackActive: false, failures: [0, 0], proposals: [2, 0] }, // ceil(10/5), ceil(0/10)
    },
    {
      name: 'one trigger above its activation makes the target active (OR)',
      results: [value(11), value(0)],
      want: { active: true, anyError: false, fallbackActive: false, failures: [0, 0], proposals: [3, 0] },
    },
    {
      name: 'the other trigger alone makes it active too',
      results: [value(0), value(1)],
      want: { active: true, anyError: false, fallbackActive: false, failures: [0, 0], proposals: [0, 1] },
    },
    {
      name: 'an inactive trigger still proposes replicas to the HPA',
      results: [value(10), value(0)],
      want: { active: false, anyError: false, fallbackActive: false, failures: [0, 0], proposals: [2, 0] },
    },
    {
      name: 'a failure counts one more and proposes nothing',
      results: [failed(), value(30)],
      previous: [2, 5],
      want: { active: true, anyError: true, fallbackActive: false, failures: [3, 0], proposals: [undefined, 3] },
    },
    {
      name: 'a healthy reading resets its count',
      results: [value(15), failed()],
      previous: [4, 0],
      want: { active: true, anyError: true, fallbackActive: false, failures: [0, 1], proposals: [3, undefined] }, // 15/(5x3) = 1.0: within
    },
    {
      name: 'an invalid reading is a failure',
      results: [value(NaN), value(-1)],
      want: { active: false, anyError: true, fallbackActive: false, failures: [1, 1], proposals: [undefined, undefined] },
    },
    {
      name: 'a missing result (fewer results than triggers) is a failure',
      results: [value(0)],
      want: { active: false, anyError: true, fallbackActive: false, failures: [0, 1], proposals: [0, undefined] },
    },
  ];
  test.each(cases)('$name', (c) => {
    const got = readTriggers(two, c.results, c.previous, replicas);
    expect({
      active: got.active,
      anyError: got.anyError,
      fallbackActive: got.fallbackActive,
      failures: got.failures,
      proposals: got.proposals,
    }).toEqual(c.want);
    expect(got.notes).toHaveLength(2);
  });

  test('fallback replaces a failing trigger once failures exceed the threshold', () => {
    const s = spec({ triggers: [trigger(5)], fallback: { failureThreshold: 2, replicas: 7, behavior: 'static' } });
    const got = readTriggers(s, [failed()], [2], { spec: 3, status: 3 });
    // KEDA feeds the HPA target x replicas = 35; 35 / (5 x 3) = 2.33 -> ceil(35 / 5) = 7
    expect(got).toMatchObject({ fallbackActive: true, anyError: true, active: false, failures: [3], proposals: [7] });
    expect(got.notes[0]).toContain('fallback');
  });

  test('no fallback while failures equal the threshold', () => {
    const s = spec({ triggers: [trigger(5)], fallback: { failureThreshold: 2, replicas: 7, behavior: 'static' } });
    expect(readTriggers(s, [failed()], [1], replicas)).toMatchObject({ fallbackActive: false, failures: [2], proposals: [undefined] });
  });

  test('the proposal divides by statusReplicas, and falls back to ceil(total/target) at zero', () => {
    const s = spec({ triggers: [trigger(1000)] });
    expect(readTriggers(s, [value(5000)], [], { spec: 4, status: 5 }).proposals).toEqual([5]); // within: status
    expect(readTriggers(s, [value(1000)], [], { spec: 0, status: 0 }).proposals).toEqual([1]); // +Inf: ceil
  });
});

describe('combineProposals (computeReplicasForMetrics)', () => {
  const cases: { name: string; proposals: (number | undefined)[]; current: number; want: number | undefined }[] = [
    { name: 'the maximum over valid metrics', proposals: [2, 8, 5], current: 4, want: 8 },
    { name: 'all valid and below current: scale down to the max', proposals: [2, 1], current: 4, want: 2 },
    { name: 'all invalid: do not scale', proposals: [undefined, undefined], current: 4, want: undefined },
    { name: 'some invalid and the max below current: do not scale', proposals: [undefined, 3], current: 4, want: undefined },
    { name: 'some invalid and the max equal to current: hold by the math', proposals: [undefined, 4], current: 4, want: 4 },
    { name: 'some invalid and the max above current: scale up', proposals: [7, undefined], current: 4, want: 7 },
    { name: 'some invalid at zero: any valid proposal counts', proposals: [undefined, 0], current: 0, want: 0 },
    { name: 'no triggers at all: do not scale', proposals: [], current: 4, want: undefined },
  ];
  test.each(cases)('$name', (c) => {
    expect(combineProposals(c.proposals, c.current)).toBe(c.want);
  });
});

describe('readTriggers: a trigger with metricType Value (GetExternalMetricReplicas)', () => {
  const valueTrigger = (targetValue: number) => ({ targetValue, activationTargetValue: 0, metricType: 'Value' as const });

  test('the value over the target, times the ready pods; within tolerance, spec.replicas', () => {
    const s = spec({ triggers: [valueTrigger(10)] });
    expect(readTriggers(s, [value(40)], [], { spec: 3, status: 3, ready: 2 }).proposals).toEqual([8]); // ratio 4 x 2 ready
    expect(readTriggers(s, [value(40)], [], { spec: 3, status: 3 }).proposals).toEqual([12]); // ready defaults to status
    expect(readTriggers(s, [value(10)], [], { spec: 4, status: 5, ready: 5 }).proposals).toEqual([4]); // ratio 1: spec.replicas
    expect(readTriggers(s, [value(25)], [], { spec: 0, status: 0, ready: 0 }).proposals).toEqual([3]); // from zero: ceil(2.5)
  });

  test('no pods to count: no answer, an invalid metric (not a failure of the trigger)', () => {
    const got = readTriggers(spec({ triggers: [valueTrigger(10)] }), [value(40)], [], { spec: 3, status: 0, ready: 0 });
    expect(got).toMatchObject({ proposals: [undefined], anyError: false, failures: [0], active: true });
    expect(got.notes[0]).toContain('no answer (the workload has no pods to count)');
  });

  test('fallback: target x replicas over the ready pods, so the HPA lands on the fallback replicas', () => {
    const s = spec({ triggers: [valueTrigger(5)], fallback: { failureThreshold: 1, replicas: 7, behavior: 'static' } });
    expect(readTriggers(s, [failed()], [1], { spec: 3, status: 3, ready: 3 })).toMatchObject({ proposals: [7], fallbackActive: true });
  });

  test('fallback with no ready pod: none (KEDA cannot do it either); the error stands', () => {
    const s = spec({ triggers: [valueTrigger(5)], fallback: { failureThreshold: 1, replicas: 7, behavior: 'static' } });
    const got = readTriggers(s, [failed()], [1], { spec: 3, status: 3, ready: 0 });
    expect(got).toMatchObject({ proposals: [undefined], fallbackActive: false, anyError: true });
    expect(got.notes[0]).toContain('no fallback: a Value target divides it by the ready pods, and none is ready');
  });

  test('next to an AverageValue trigger, the highest answer wins as ever', () => {
    const s = spec({ triggers: [valueTrigger(10), trigger(5)] });
    expect(readTriggers(s, [value(40), value(30)], [], { spec: 3, status: 3, ready: 1 }).proposals).toEqual([4, 6]);
  });
});

describe('decide: the observation\'s readyReplicas reaches the Value math', () => {
  test('40 against a Value target of 10 with 1 of 3 pods ready: 4 (12 if all were)', () => {
    const s = spec({ triggers: [{ targetValue: 10, activationTargetValue: 0, metricType: 'Value' }], behavior: behavior() });
    const at = (readyReplicas?: number) => decide(s, { specReplicas: 3, statusReplicas: 3, readyReplicas, triggers: [value(40)] }, { recommendations: [] }, NOW).replicas;
    expect(at(1)).toBe(4);
    expect(at(undefined)).toBe(7); // ready defaults to status: 12 wanted, limited to 3 + 4 pods per 15 s
  });
});
