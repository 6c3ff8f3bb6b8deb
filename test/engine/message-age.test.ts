// A trigger with an age target (azure-queue's messageAgeTarget): the age of its oldest waiting
// message is a second metric, a Value target for the whole queue, combined with the length by
// the larger answer (as the HPA combines metrics); either above its activation threshold makes
// the target active. docs/configuration.md, "Message age".
import { describe, expect, test } from 'vitest';
import { checkedResult, readTriggers, type ReplicaCounts } from '../../shared/engine/readings.js';
import { decide, type Fallback, type TriggerResult, type TriggerThresholds } from '../../shared/engine/index.js';
import { activeAgo, NOW, spec } from './fixtures.js';

/** queueLength 5 (activation `activation`), and an age target of `ageTarget` s (activation `ageActivation`, the target by default as the metadata gives it). */
const aged = (ageTarget: number, options: { activation?: number; ageActivation?: number } = {}): TriggerThresholds => ({
  targetValue: 5,
  activationTargetValue: options.activation ?? 0,
  age: { targetValue: ageTarget, activationTargetValue: options.ageActivation ?? ageTarget },
});

const reading = (value: number, age?: number): TriggerResult => (age === undefined ? { value } : { value, age });
const at = (n: number, ready = n): ReplicaCounts => ({ spec: n, status: n, ready });

describe('checkedResult: an age target needs a usable age', () => {
  const cases: { name: string; result: TriggerResult; trigger?: TriggerThresholds; error?: string }[] = [
    { name: 'a length and an age', result: reading(3, 40), trigger: aged(30) },
    { name: 'an empty queue: age 0', result: reading(0, 0), trigger: aged(30) },
    { name: 'no age, with an age target: an error, never age 0', result: reading(3), trigger: aged(30), error: 'the reading has no message age, and the trigger has an age target' },
    { name: 'a negative age', result: reading(3, -1), trigger: aged(30), error: 'invalid message age -1: not a finite, non-negative number of seconds' },
    { name: 'an infinite age', result: reading(3, Infinity), trigger: aged(30), error: 'invalid message age Infinity: not a finite, non-negative number of seconds' },
    { name: 'an invalid length fails first', result: reading(-2, 40), trigger: aged(30), error: 'invalid reading -2: not a finite, non-negative number' },
    { name: 'an age no target asks for is left alone', result: reading(3, 40), trigger: { targetValue: 5, activationTargetValue: 0 } },
  ];
  test.each(cases)('$name', ({ result, trigger, error }) => {
    expect(checkedResult(result, trigger)).toEqual(error === undefined ? result : { error });
  });
});

describe('readTriggers: the age is a metric of its own', () => {
  const cases: {
    name: string;
    trigger: TriggerThresholds;
    result: TriggerResult;
    replicas: ReplicaCounts;
    want: { active: boolean; proposals: (number | undefined)[]; note: string };
  }[] = [
    {
      name: 'at zero, a young queue: active by its length (activation 0), the age asks for 1 (ceil of 10 / 30)',
      trigger: aged(30),
      result: reading(3, 10),
      replicas: at(0),
      want: { active: true, proposals: [1, 1], note: 'value 3 (target 5, activation 0, active) -> 1; message age 10s (Value target 30s, activation 30s, not active) -> 1' },
    },
    {
      name: 'below activationQueueLength and younger than the activation age: not active',
      trigger: aged(30, { activation: 10 }),
      result: reading(3, 30),
      replicas: at(0),
      want: { active: false, proposals: [1, 1], note: 'value 3 (target 5, activation 10, not active) -> 1; message age 30s (Value target 30s, activation 30s, not active) -> 1' },
    },
    {
      name: 'below activationQueueLength, older than the activation age: active by its age',
      trigger: aged(30, { activation: 10 }),
      result: reading(3, 31),
      replicas: at(0),
      want: { active: true, proposals: [1, 2], note: 'value 3 (target 5, activation 10, not active) -> 1; message age 31s (Value target 30s, activation 30s, active) -> 2' },
    },
    {
      name: 'an activation age of its own, below the target',
      trigger: aged(30, { activation: 10, ageActivation: 5 }),
      result: reading(1, 6),
      replicas: at(0),
      want: { active: true, proposals: [1, 1], note: 'value 1 (target 5, activation 10, not active) -> 1; message age 6s (Value target 30s, activation 5s, active) -> 1' },
    },
    {
      name: 'an empty queue: age 0, no replicas asked by either',
      trigger: aged(30),
      result: reading(0, 0),
      replicas: at(3),
      want: { active: false, proposals: [0, 0], note: 'value 0 (target 5, activation 0, not active) -> 0; message age 0s (Value target 30s, activation 30s, not active) -> 0' },
    },
    {
      name: 'at 2 ready replicas, a short queue waiting 60 s against 30 s: 60 / 30 x 2 = 4, the length asks for 1',
      trigger: aged(30),
      result: reading(4, 60),
      replicas: at(2),
      want: { active: true, proposals: [1, 4], note: 'value 4 (target 5, activation 0, active) -> 1; message age 60s (Value target 30s, activation 30s, active) -> 4' },
    },
    {
      name: 'within the tolerance (31 / 30 = 1.03): the current count',
      trigger: aged(30),
      result: reading(2, 31),
      replicas: at(3),
      want: { active: true, proposals: [1, 3], note: 'value 2 (target 5, activation 0, active) -> 1; message age 31s (Value target 30s, activation 30s, active) -> 3' },
    },
    {
      name: 'the Value math counts the ready pods: 90 / 30 x 1 ready of 3 = 3',
      trigger: aged(30),
      result: reading(0, 90),
      replicas: at(3, 1),
      want: { active: true, proposals: [0, 3], note: 'value 0 (target 5, activation 0, not active) -> 0; message age 90s (Value target 30s, activation 30s, active) -> 3' },
    },
    {
      name: 'no pods yet (status 0 at spec 2): the age gives no answer, as a Value metric does',
      trigger: aged(30),
      result: reading(20, 90),
      replicas: { spec: 2, status: 0 },
      want: { active: true, proposals: [4, undefined], note: 'value 20 (target 5, activation 0, active) -> 4; message age 90s (Value target 30s, activation 30s, active) -> no answer (the workload has no pods to count)' },
    },
  ];
  test.each(cases)('$name', ({ trigger, result, replicas, want }) => {
    const got = readTriggers(spec({ triggers: [trigger] }), [result], undefined, replicas);
    expect({ active: got.active, proposals: got.proposals, note: got.notes[0] }).toEqual({ ...want, note: `trigger 0: ${want.note}` });
  });

  test('a trigger without an age target gives one metric; beside one with, the proposals line up per metric', () => {
    const got = readTriggers(spec({ triggers: [{ targetValue: 10, activationTargetValue: 0 }, aged(20)] }), [reading(30), reading(1, 40)], undefined, at(2));
    expect(got.proposals).toEqual([3, 1, 4]);
  });

  test('a failing trigger in fallback stands as one answer, the fallback count', () => {
    const fallback: Fallback = { failureThreshold: 1, replicas: 6, behavior: 'static' };
    const got = readTriggers(spec({ triggers: [aged(30)], fallback }), [{ error: 'timeout' }], [1], at(2));
    expect({ proposals: got.proposals, fallbackActive: got.fallbackActive }).toEqual({ proposals: [6], fallbackActive: true });
  });
});

describe('decide with an age target', () => {
  const cases: {
    name: string;
    trigger: TriggerThresholds;
    current: number;
    result: TriggerResult;
    want: { replicas: number; action: string; code: string; reason?: string };
  }[] = [
    {
      name: 'at zero, 2 messages under activationQueueLength 5 but waiting 40 s against 30 s: woken, and at the floor the age asks for 2',
      trigger: aged(30, { activation: 5 }),
      current: 0,
      result: reading(2, 40),
      want: { replicas: 2, action: 'activate', code: 'ScaleTargetActivated', reason: 'message age 40s (Value target 30s, activation 30s, active)' },
    },
    {
      name: 'at zero, the same 2 messages waiting 20 s: not active, stays at zero',
      trigger: aged(30, { activation: 5 }),
      current: 0,
      result: reading(2, 20),
      want: { replicas: 0, action: 'none', code: 'ScalerNotActive' },
    },
    {
      name: 'at 2, one message waiting 45 s: 45 / 30 x 2 = 3, though the length asks for 1',
      trigger: aged(30),
      current: 2,
      result: reading(1, 45),
      want: { replicas: 3, action: 'scale-up', code: 'DesiredWithinRange' },
    },
    {
      name: 'at 2, a deep young queue: the length decides (50 / 5 = 10, limited to 4 by the no-behavior path)',
      trigger: aged(30),
      current: 2,
      result: reading(50, 3),
      want: { replicas: 4, action: 'scale-up', code: 'ScaleUpLimit' },
    },
  ];
  test.each(cases)('$name', ({ trigger, current, result, want }) => {
    const d = decide(spec({ triggers: [trigger] }), { specReplicas: current, triggers: [result] }, activeAgo(10, { recommendations: [] }), NOW);
    expect({ replicas: d.replicas, action: d.action, code: d.code }).toEqual({ replicas: want.replicas, action: want.action, code: want.code });
    if (want.reason) expect(d.reason).toContain(want.reason);
  });

  test('a reading with no age for a trigger with an age target is an error: the target holds', () => {
    const d = decide(spec({ triggers: [aged(30)] }), { specReplicas: 3, triggers: [reading(0)] }, activeAgo(1000, { recommendations: [] }), NOW);
    expect({ replicas: d.replicas, code: d.code }).toEqual({ replicas: 3, code: 'TriggerError' });
    expect(d.reason).toContain('the reading has no message age, and the trigger has an age target');
  });
});
