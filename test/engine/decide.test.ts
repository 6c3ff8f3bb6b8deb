// decide(): KEDA's executor (RequestScale, scaleFromZeroOrIdle, scaleToZeroOrIdle, fallback, pause)
// with the HPA folded in, as table tests. Time is always NOW; state timestamps are relative to it.
// Unless a row says otherwise the target has KEDA's defaults: min 0, max 100, cooldown 300 s,
// initialCooldown 0, one queue trigger with queueLength 5 and activation 0, and no behavior
// (the upstream no-behavior path: max(2x, 4) up, 300 s window down).
import { describe, expect, test } from 'vitest';
import { decide } from '../../shared/engine/decide.js';
import { FORCE_ACTIVATION, PAUSED, PAUSED_REPLICAS, PAUSED_SCALE_IN, PAUSED_SCALE_OUT } from '../../shared/engine/keda-annotations.js';
import type {
  Action,
  Decision,
  Fallback,
  FallbackBehavior,
  ReasonCode,
  ScalerState,
  ScalingSpec,
  TriggerResult,
} from '../../shared/engine/index.js';
import {
  activeAgo,
  ago,
  behavior,
  deepFreeze,
  defaultScaleDown,
  defaultScaleUp,
  event,
  failed,
  later,
  NOW,
  rec,
  rules,
  spec,
  trigger,
  value,
} from './fixtures.js';

interface Want {
  replicas: number;
  code?: ReasonCode;
  action?: Action;
  desired?: number;
  active?: boolean;
}

interface Row {
  name: string;
  spec?: Partial<ScalingSpec>;
  current: number;
  status?: number;
  /** Default: one empty queue. */
  triggers?: TriggerResult[];
  annotations?: Record<string, string>;
  state?: ScalerState;
  /** Why the stored history is not trusted (a row that did not read, a failed save). */
  historyNotTrusted?: string;
  want: Want;
}

function run(row: Omit<Row, 'want' | 'name'>, now = NOW): Decision {
  return decide(
    spec(row.spec),
    {
      specReplicas: row.current,
      statusReplicas: row.status,
      annotations: row.annotations,
      triggers: row.triggers ?? [value(0)],
      historyNotTrusted: row.historyNotTrusted,
    },
    row.state ?? {},
    now,
  );
}

function check(row: Row): Decision {
  const got = run(row);
  const picked: Want = { replicas: got.replicas };
  if (row.want.code !== undefined) picked.code = got.code;
  if (row.want.action !== undefined) picked.action = got.action;
  if (row.want.desired !== undefined) picked.desired = got.desiredReplicas;
  if (row.want.active !== undefined) picked.active = got.active;
  expect(picked).toEqual(row.want);
  expect(got.reason).not.toBe('');
  return got;
}

const table = (title: string, rows: Row[]) =>
  describe(title, () => {
    test.each(rows)('$name', (row) => {
      check(row);
    });
  });

const fallback = (behaviorName: FallbackBehavior, replicas = 6, failureThreshold = 3): Fallback => ({
  failureThreshold,
  replicas,
  behavior: behaviorName,
});
/** A state whose only trigger has failed `n` times in a row, with an empty HPA history. */
const failedTimes = (n: number, over: ScalerState = {}): ScalerState => ({
  recommendations: [],
  triggerFailures: [n],
  lastActiveTime: ago(10_000),
  createdTime: ago(86_400),
  ...over,
});

table('activity and the desired count', [
  {
    name: 'a value equal to activation is not active (strict >)',
    spec: { triggers: [trigger(5, 10)] },
    current: 0, triggers: [value(10)],
    want: { replicas: 0, code: 'ScalerNotActive', action: 'none', active: false },
  },
  {
    name: 'a value above activation wakes the target',
    spec: { triggers: [trigger(5, 10)] },
    current: 0, triggers: [value(11)],
    want: { replicas: 3, code: 'ScaleTargetActivated', action: 'activate', active: true, desired: 3 }, // ceil(11 / 5)
  },
  {
    name: 'activation wins over the target: 40 messages, queueLength 10, activation 50 stays at zero',
    spec: { triggers: [trigger(10, 50)] },
    current: 0, triggers: [value(40)],
    want: { replicas: 0, code: 'ScalerNotActive', active: false },
  },
  {
    name: 'activation wins over the target: the same queue scales a running target in after the cooldown',
    spec: { triggers: [trigger(10, 50)] },
    current: 3, triggers: [value(40)], state: activeAgo(301),
    want: { replicas: 0, code: 'ScaleTargetDeactivated', action: 'deactivate' },
  },
  {
    name: 'activity is OR across triggers',
    spec: { triggers: [trigger(5, 100), trigger(5, 0)] },
    current: 0, triggers: [value(50), value(1)],
    want: { replicas: 4, code: 'ScaleTargetActivated', active: true, desired: 10 }, // max(10, 1), legacy cap max(2 x 1, 4) from the floor
  },
  {
    name: 'no trigger above its activation: not active',
    spec: { triggers: [trigger(5, 100), trigger(5, 0)] },
    current: 0, triggers: [value(50), value(0)],
    want: { replicas: 0, code: 'ScalerNotActive', active: false },
  },
  {
    name: 'the desired count is the max across triggers',
    spec: { triggers: [trigger(5), trigger(10)] },
    current: 4, triggers: [value(10), value(80)], state: activeAgo(0, { recommendations: [] }),
    want: { replicas: 8, code: 'DesiredWithinRange', action: 'scale-up', desired: 8 }, // max(ceil(10/5), ceil(80/10))
  },
  {
    name: 'an active target at N follows the HPA: no behavior caps at max(2x, 4)',
    current: 3, triggers: [value(100)],
    want: { replicas: 6, code: 'ScaleUpLimit', action: 'scale-up', desired: 20 },
  },
]);

table('wake from zero: KEDA\'s scale to max(min, 1) and the HPA\'s step from there, in one write', [
  {
    name: 'default behavior: the step from 1 allows max(1 + 4, 2 x 1) = 5, as KEDA\'s 0 -> 1 then the HPA',
    spec: { behavior: behavior() },
    current: 0, triggers: [value(100)],
    want: { replicas: 5, code: 'ScaleTargetActivated', action: 'activate', desired: 20 },
  },
  {
    name: 'no behavior: the step from 1 is max(2 x 1, 4) = 4',
    current: 0, triggers: [value(100)],
    want: { replicas: 4, code: 'ScaleTargetActivated', action: 'activate', desired: 20 },
  },
  {
    name: 'a custom policy goes further: Pods 10 per 60 s from 1',
    spec: { behavior: behavior({ scaleUp: rules({ pods: 10, podsPeriodS: 60 }) }) },
    current: 0, triggers: [value(500)],
    want: { replicas: 11, code: 'ScaleTargetActivated' },
  },
  {
    name: 'a recent scale-down event raises the start of the period (PR #109058)',
    spec: { behavior: behavior({ scaleUp: rules({ pods: 10, podsPeriodS: 60, percent: 100, percentPeriodS: 60 }) }) },
    current: 0, triggers: [value(500)], state: { scaleDownEvents: [event(6, 10)] },
    want: { replicas: 17, code: 'ScaleTargetActivated' }, // the period started at 1 + 6: max(7 + 10, 7 x 2) = 17
  },
  {
    name: 'never below min: min 3 and an HPA answer of 1',
    spec: { minReplicaCount: 3 },
    current: 0, triggers: [value(1)],
    want: { replicas: 3, code: 'ScaleTargetActivated', action: 'activate' },
  },
  {
    name: 'never below 1: force-activation with an empty queue',
    current: 0, triggers: [value(0)], annotations: { [FORCE_ACTIVATION]: 'true' },
    want: { replicas: 1, code: 'ScaleTargetActivated', action: 'activate', active: true },
  },
  {
    name: 'idle mode: active below min wakes to at least min',
    spec: { minReplicaCount: 3, idleReplicaCount: 1 },
    current: 1, triggers: [value(1)],
    want: { replicas: 3, code: 'ScaleTargetActivated', action: 'scale-up' },
  },
  {
    name: 'idle 0 and min 2: wakes with the HPA answer',
    spec: { minReplicaCount: 2, idleReplicaCount: 0 },
    current: 0, triggers: [value(50)],
    want: { replicas: 4, code: 'ScaleTargetActivated', action: 'activate' },
  },
  {
    name: 'the wake is capped by maxReplicaCount',
    spec: { maxReplicaCount: 2 },
    current: 0, triggers: [value(100)],
    want: { replicas: 2, code: 'ScaleTargetActivated' },
  },
  {
    name: 'paused-scale-out blocks the wake',
    current: 0, triggers: [value(100)], annotations: { [PAUSED_SCALE_OUT]: 'true' },
    want: { replicas: 0, code: 'Paused', action: 'none' },
  },
]);

table('inactive: cooldown, then idle or min (scale-down policies apply on the way down)', [
  {
    name: 'cooldown elapsed: to zero (no behavior: straight to 0, as KEDA)',
    current: 5, state: activeAgo(301),
    want: { replicas: 0, code: 'ScaleTargetDeactivated', action: 'deactivate', desired: 0, active: false },
  },
  {
    name: 'the cooldown test is strict: ending exactly now is still cooling down',
    current: 5, state: activeAgo(300),
    want: { replicas: 5, code: 'ScalerCooldown', action: 'none' },
  },
  {
    name: 'cooldown not elapsed: ScalerCooldown hold',
    current: 5, state: activeAgo(100),
    want: { replicas: 5, code: 'ScalerCooldown', action: 'none' },
  },
  {
    name: 'during the cooldown the HPA still scales down, to 1 at least',
    current: 5, state: activeAgo(100, { recommendations: [] }),
    want: { replicas: 1, code: 'TooFewReplicas', action: 'scale-down' },
  },
  {
    name: 'lastActiveTime null: the cooldown runs from createdTime + initialCooldownPeriod',
    spec: { initialCooldownPeriod: 120 },
    current: 5, state: { lastActiveTime: null, createdTime: ago(121) },
    want: { replicas: 0, code: 'ScaleTargetDeactivated' },
  },
  {
    name: 'lastActiveTime null: createdTime + initialCooldownPeriod exactly now still holds',
    spec: { initialCooldownPeriod: 120 },
    current: 5, state: { lastActiveTime: null, createdTime: ago(120) },
    want: { replicas: 5, code: 'ScalerCooldown' },
  },
  {
    name: 'initialCooldownPeriod 0 scales in right after creation (#5008)',
    current: 5, state: { lastActiveTime: null, createdTime: ago(1) },
    want: { replicas: 0, code: 'ScaleTargetDeactivated' },
  },
  {
    name: 'no createdTime yet: created before this first evaluation, so initialCooldownPeriod 0 scales in at once (as KEDA)',
    current: 5, state: {},
    want: { replicas: 0, code: 'ScaleTargetDeactivated' },
  },
  {
    name: 'no createdTime yet, initialCooldownPeriod 60: the first evaluation holds',
    spec: { initialCooldownPeriod: 60 },
    current: 5, state: {},
    want: { replicas: 5, code: 'ScalerCooldown' },
  },
  {
    name: 'lastActiveTime, when set, wins over createdTime',
    current: 5, state: { lastActiveTime: ago(10), createdTime: ago(100_000) },
    want: { replicas: 5, code: 'ScalerCooldown' },
  },
  {
    name: 'scale-down policies apply on the way to zero: Pods 2 per 60 s takes 10 to 8',
    spec: { behavior: behavior({ scaleDown: rules({ pods: 2, podsPeriodS: 60, windowS: 300 }) }) },
    current: 10, state: activeAgo(301),
    want: { replicas: 8, code: 'ScaleDownLimit', action: 'scale-down', desired: 0 },
  },
  {
    name: 'a second step inside the period is held by the first one',
    spec: { behavior: behavior({ scaleDown: rules({ pods: 2, podsPeriodS: 60, windowS: 300 }) }) },
    current: 8, state: activeAgo(400, { scaleDownEvents: [event(2, 15)] }),
    want: { replicas: 8, code: 'ScaleDownLimit', action: 'none' }, // start 8 + 2 = 10; floor 10 - 2 = 8
  },
  {
    name: 'the default behavior (100 % per 15 s) reaches zero in one step',
    spec: { behavior: behavior() },
    current: 10, state: activeAgo(301),
    want: { replicas: 0, code: 'ScaleTargetDeactivated', action: 'deactivate' },
  },
  {
    name: 'idleReplicaCount: to idle after the cooldown',
    spec: { minReplicaCount: 2, idleReplicaCount: 0 },
    current: 5, state: activeAgo(301),
    want: { replicas: 0, code: 'ScaleTargetDeactivated', action: 'deactivate' },
  },
  {
    name: 'idleReplicaCount 1',
    spec: { minReplicaCount: 3, idleReplicaCount: 1 },
    current: 5, state: activeAgo(301),
    want: { replicas: 1, code: 'ScaleTargetDeactivated', action: 'scale-down' },
  },
  {
    name: 'idle mode: above idle in the cooldown, the HPA keeps min',
    spec: { minReplicaCount: 3, idleReplicaCount: 0 },
    current: 5, state: activeAgo(100, { recommendations: [] }),
    want: { replicas: 3, code: 'TooFewReplicas', action: 'scale-down' },
  },
  {
    name: 'paused-scale-in blocks the scale to zero after the cooldown (the HPA holds)',
    current: 5, state: activeAgo(1000), annotations: { [PAUSED_SCALE_IN]: 'true' },
    want: { replicas: 5, code: 'ScalerCooldown', action: 'none' },
  },
  {
    name: 'paused-scale-in blocks the scale to zero after the cooldown (the HPA wants 1)',
    current: 5, state: activeAgo(1000, { recommendations: [] }), annotations: { [PAUSED_SCALE_IN]: 'true' },
    want: { replicas: 5, code: 'Paused', action: 'none' },
  },
]);

table('minReplicaCount, idleReplicaCount and counts out of range', [
  {
    name: 'min > 0 never goes below min: the HPA takes an inactive target down to min',
    spec: { minReplicaCount: 2 },
    current: 5, state: activeAgo(10_000, { recommendations: [] }),
    want: { replicas: 2, code: 'TooFewReplicas', action: 'scale-down', active: false },
  },
  {
    name: 'min > 0: the stabilization window still holds a fresh scale-down',
    spec: { minReplicaCount: 2 },
    current: 5, state: activeAgo(10_000),
    want: { replicas: 5, code: 'ScalerNotActive', action: 'none' }, // seeded with 5: max over 300 s is 5
  },
  {
    name: 'min > 0: activation is ignored, the HPA scales up below the activation threshold',
    spec: { minReplicaCount: 1, triggers: [trigger(1, 10)] },
    current: 1, triggers: [value(8)],
    want: { replicas: 4, code: 'ScaleUpLimit', action: 'scale-up', active: false }, // ceil(8 / 1) capped at max(2, 4)
  },
  {
    name: 'inactive below min without idle: raised to min',
    spec: { minReplicaCount: 3 },
    current: 1,
    want: { replicas: 3, code: 'TooFewReplicas', action: 'scale-up' },
  },
  {
    name: 'inactive at zero with min 3 and no idle: KEDA raises to min (the HPA alone stays paused, TestZeroReplicas)',
    spec: { minReplicaCount: 3, maxReplicaCount: 5 },
    current: 0,
    want: { replicas: 3, code: 'TooFewReplicas', action: 'activate' },
  },
  {
    name: 'inactive at idle stays there',
    spec: { minReplicaCount: 2, idleReplicaCount: 0 },
    current: 0,
    want: { replicas: 0, code: 'ScalerNotActive', action: 'none' },
  },
  {
    name: 'inactive at zero with min 0: nothing to do',
    current: 0,
    want: { replicas: 0, code: 'ScalerNotActive', action: 'none' },
  },
  {
    name: 'active above max: corrected to max without metrics (TestTooManyReplicas)',
    spec: { minReplicaCount: 3, maxReplicaCount: 5 },
    current: 10, triggers: [value(1000)],
    want: { replicas: 5, code: 'TooManyReplicas', action: 'scale-down' },
  },
  {
    name: 'active below min: raised to min (TestTooFewReplicas)',
    spec: { minReplicaCount: 3, maxReplicaCount: 5 },
    current: 2, triggers: [value(1)],
    want: { replicas: 3, code: 'TooFewReplicas', action: 'scale-up' },
  },
  {
    name: 'inactive above max during the cooldown: corrected to max',
    spec: { maxReplicaCount: 5 },
    current: 10, state: activeAgo(10),
    want: { replicas: 5, code: 'TooManyReplicas' },
  },
  {
    name: 'inactive above max with min 2: corrected to max',
    spec: { minReplicaCount: 2, maxReplicaCount: 5 },
    current: 10, state: activeAgo(10_000),
    want: { replicas: 5, code: 'TooManyReplicas', action: 'scale-down' },
  },
]);

table('errors never scale down', [
  {
    name: 'an inactive target with a failing trigger holds, long after the cooldown',
    current: 5, triggers: [failed()], state: activeAgo(10_000, { recommendations: [] }),
    want: { replicas: 5, code: 'TriggerError', action: 'none' },
  },
  {
    name: 'a failing trigger beside an inactive one still holds (never to zero)',
    spec: { triggers: [trigger(5), trigger(5)] },
    current: 5, triggers: [value(0), failed()], state: activeAgo(10_000, { recommendations: [] }),
    want: { replicas: 5, code: 'TriggerError' },
  },
  {
    name: 'a failing trigger at zero stays at zero',
    current: 0, triggers: [failed()],
    want: { replicas: 0, code: 'TriggerError', action: 'none' },
  },
  {
    name: 'with min > 0 a failing trigger holds too',
    spec: { minReplicaCount: 2 },
    current: 5, triggers: [failed()], state: activeAgo(10_000, { recommendations: [] }),
    want: { replicas: 5, code: 'TriggerError' },
  },
  {
    name: 'partial error: the valid maximum below current holds (the HPA rule)',
    spec: { triggers: [trigger(5), trigger(5)] },
    current: 5, triggers: [value(10), failed()], state: activeAgo(0, { recommendations: [] }),
    want: { replicas: 5, code: 'TriggerError', action: 'none', active: true }, // valid max ceil(10/5) = 2 < 5
  },
  {
    name: 'partial error: the valid maximum above current scales up',
    spec: { triggers: [trigger(5), trigger(5)] },
    current: 5, triggers: [value(50), failed()], state: activeAgo(0, { recommendations: [] }),
    want: { replicas: 10, code: 'DesiredWithinRange', action: 'scale-up' },
  },
  {
    name: 'partial error at zero with an active trigger wakes',
    spec: { triggers: [trigger(5), trigger(5)] },
    current: 0, triggers: [value(10), failed()],
    want: { replicas: 2, code: 'ScaleTargetActivated', action: 'activate' },
  },
  {
    name: 'a negative reading is an error, not an empty queue',
    current: 5, triggers: [value(-1)], state: activeAgo(10_000, { recommendations: [] }),
    want: { replicas: 5, code: 'TriggerError' },
  },
  {
    name: 'NaN is an error',
    current: 5, triggers: [value(NaN)], state: activeAgo(10_000, { recommendations: [] }),
    want: { replicas: 5, code: 'TriggerError' },
  },
  {
    name: 'Infinity is an error',
    current: 5, triggers: [value(Infinity)], state: activeAgo(10_000, { recommendations: [] }),
    want: { replicas: 5, code: 'TriggerError' },
  },
  {
    name: 'a negative reading at zero never wakes',
    current: 0, triggers: [value(-5)],
    want: { replicas: 0, code: 'TriggerError', active: false },
  },
  {
    name: 'a missing trigger result is an error',
    spec: { triggers: [trigger(5), trigger(5)] },
    current: 5, triggers: [value(0)], state: activeAgo(10_000, { recommendations: [] }),
    want: { replicas: 5, code: 'TriggerError' },
  },
]);

table('fallback after more than failureThreshold failures', [
  {
    name: 'failures equal to the threshold: no fallback yet, hold',
    spec: { fallback: fallback('static') },
    current: 5, triggers: [failed()], state: failedTimes(2),
    want: { replicas: 5, code: 'TriggerError', action: 'none' },
  },
  {
    name: 'failures above the threshold (strictly): static fallback',
    spec: { fallback: fallback('static') },
    current: 5, triggers: [failed()], state: failedTimes(3),
    want: { replicas: 6, code: 'FallbackActive', action: 'fallback', desired: 6 },
  },
  {
    name: 'static fallback below current scales down to it',
    spec: { fallback: fallback('static') },
    current: 10, triggers: [failed()], state: failedTimes(3),
    want: { replicas: 6, code: 'FallbackActive', action: 'fallback' },
  },
  {
    name: 'currentReplicas holds the current count',
    spec: { fallback: fallback('currentReplicas') },
    current: 10, triggers: [failed()], state: failedTimes(3),
    want: { replicas: 10, code: 'FallbackActive', action: 'fallback' },
  },
  {
    name: 'currentReplicasIfHigher: 4 running, fallback 6 -> 6',
    spec: { fallback: fallback('currentReplicasIfHigher') },
    current: 4, triggers: [failed()], state: failedTimes(3),
    want: { replicas: 6, action: 'fallback' },
  },
  {
    name: 'currentReplicasIfHigher: 10 running, fallback 6 -> 10',
    spec: { fallback: fallback('currentReplicasIfHigher') },
    current: 10, triggers: [failed()], state: failedTimes(3),
    want: { replicas: 10, action: 'fallback' },
  },
  {
    name: 'currentReplicasIfLower: 10 running, fallback 6 -> 6',
    spec: { fallback: fallback('currentReplicasIfLower') },
    current: 10, triggers: [failed()], state: failedTimes(3),
    want: { replicas: 6, action: 'fallback' },
  },
  {
    name: 'currentReplicasIfLower: 4 running, fallback 6 -> 4',
    spec: { fallback: fallback('currentReplicasIfLower') },
    current: 4, triggers: [failed()], state: failedTimes(3),
    want: { replicas: 4, action: 'fallback' },
  },
  {
    name: 'fallback wakes from zero (KEDA #7244), rate-limited like any wake',
    spec: { fallback: fallback('static') },
    current: 0, triggers: [failed()], state: failedTimes(3),
    want: { replicas: 4, code: 'ScaleTargetActivated', action: 'fallback', desired: 6 }, // legacy cap max(2 x 1, 4) from the floor
  },
  {
    name: 'currentReplicas fallback at zero wakes to 1',
    spec: { fallback: fallback('currentReplicas') },
    current: 0, triggers: [failed()], state: failedTimes(3),
    want: { replicas: 1, code: 'ScaleTargetActivated', action: 'fallback' },
  },
  {
    name: 'fallback beside a healthy trigger: the max of both',
    spec: { fallback: fallback('static'), triggers: [trigger(5), trigger(5)] },
    current: 5, triggers: [value(50), failed()], state: failedTimes(0, { triggerFailures: [0, 3] }),
    want: { replicas: 10, code: 'FallbackActive', action: 'fallback' }, // max(ceil(50/5), 6)
  },
  {
    name: 'fallback replicas above max are capped',
    spec: { fallback: fallback('static', 60), maxReplicaCount: 8 },
    current: 5, triggers: [failed()], state: failedTimes(3),
    want: { replicas: 8, code: 'TooManyReplicas', action: 'fallback' },
  },
  {
    name: 'a healthy reading ends the fallback',
    spec: { fallback: fallback('static') },
    current: 6, triggers: [value(30)], state: failedTimes(9),
    want: { replicas: 6, code: 'DesiredWithinRange', action: 'none' }, // 30 / (5 x 6) = 1: within tolerance
  },
]);

table('pause', [
  {
    name: 'paused in configuration: left alone',
    spec: { paused: true },
    current: 5, triggers: [value(100)],
    want: { replicas: 5, code: 'Paused', action: 'paused' },
  },
  {
    name: 'autoscaling.keda.sh/paused: left alone',
    current: 5, triggers: [value(100)], annotations: { [PAUSED]: 'true' },
    want: { replicas: 5, code: 'Paused', action: 'paused' },
  },
  {
    name: 'paused: "false" does not pause',
    current: 5, triggers: [value(100)], annotations: { [PAUSED]: 'false' },
    want: { replicas: 10, code: 'ScaleUpLimit', action: 'scale-up' },
  },
  {
    name: 'paused-replicas sets the count',
    current: 5, triggers: [value(100)], annotations: { [PAUSED_REPLICAS]: '2' },
    want: { replicas: 2, code: 'PausedReplicas', action: 'paused' },
  },
  {
    name: 'paused-replicas wins over paused',
    current: 5, annotations: { [PAUSED]: 'true', [PAUSED_REPLICAS]: '7' },
    want: { replicas: 7, code: 'PausedReplicas', action: 'paused' },
  },
  {
    name: 'paused-replicas that is not a number pauses at the current count',
    current: 5, annotations: { [PAUSED_REPLICAS]: 'abc' },
    want: { replicas: 5, code: 'Paused', action: 'paused' },
  },
  {
    name: 'a paused target at zero is not woken',
    current: 0, triggers: [value(100)], annotations: { [PAUSED]: 'true' },
    want: { replicas: 0, code: 'Paused', action: 'paused', active: false },
  },
  {
    name: 'paused-scale-in blocks a scale-down',
    current: 10, triggers: [value(5)], state: activeAgo(0, { recommendations: [] }), annotations: { [PAUSED_SCALE_IN]: 'true' },
    want: { replicas: 10, code: 'Paused', action: 'none' }, // the HPA wants ceil(5/5) = 1
  },
  {
    name: 'paused-scale-in still scales up',
    current: 2, triggers: [value(50)], annotations: { [PAUSED_SCALE_IN]: 'true' },
    want: { replicas: 4, code: 'ScaleUpLimit', action: 'scale-up' },
  },
  {
    name: 'paused-scale-out blocks a scale-up',
    current: 2, triggers: [value(50)], annotations: { [PAUSED_SCALE_OUT]: 'true' },
    want: { replicas: 2, code: 'Paused', action: 'none' },
  },
  {
    name: 'paused-scale-out still scales down',
    current: 10, triggers: [value(5)], state: activeAgo(0, { recommendations: [] }), annotations: { [PAUSED_SCALE_OUT]: 'true' },
    want: { replicas: 1, code: 'DesiredWithinRange', action: 'scale-down' },
  },
  {
    name: 'force-activation keeps a target from scaling to zero after the cooldown',
    current: 5, state: activeAgo(10_000, { recommendations: [] }), annotations: { [FORCE_ACTIVATION]: 'true' },
    want: { replicas: 1, code: 'TooFewReplicas', active: true }, // the HPA part: 0 -> max(min, 1)
  },
]);

table('HPA controller cases where they apply (horizontal_test.go)', [
  {
    name: 'TestScaleUpFromZeroCMObject: 20 / 15 at zero -> 2',
    spec: { maxReplicaCount: 6, triggers: [trigger(15)] },
    current: 0, triggers: [value(20)],
    want: { replicas: 2, action: 'activate' },
  },
  {
    name: 'TestScaleUpFromZeroIgnoresToleranceCMObject: 1 / 1 at zero -> 1 (tolerance ignored)',
    spec: { maxReplicaCount: 6, triggers: [trigger(1)] },
    current: 0, triggers: [value(1)],
    want: { replicas: 1, action: 'activate' },
  },
  {
    name: 'TestScaleUpFromZeroWhenMinReplicasIncreased: 10 / 15 -> 1, raised to min 2',
    spec: { minReplicaCount: 2, maxReplicaCount: 6, triggers: [trigger(15)] },
    current: 0, triggers: [value(10)],
    want: { replicas: 2, action: 'activate' },
  },
  {
    name: "TestScaleDownToZeroCMExternal: 5 -> 0 once KEDA's cooldown has passed",
    spec: { maxReplicaCount: 6, triggers: [trigger(14.4)] },
    current: 5, triggers: [value(0)], state: activeAgo(301, { recommendations: [] }),
    want: { replicas: 0, action: 'deactivate' },
  },
  {
    name: 'TestScaleUpFromZeroWithoutCondition: nothing active at zero stays at zero',
    spec: { maxReplicaCount: 6, triggers: [trigger(15)] },
    current: 0, triggers: [value(0)],
    want: { replicas: 0, action: 'none' },
  },
  {
    name: 'TestManualScaleToZeroDisablesHPA: min 1 at zero, nothing active: KEDA raises it to min',
    spec: { minReplicaCount: 1, maxReplicaCount: 6 },
    current: 0,
    want: { replicas: 1, code: 'TooFewReplicas' },
  },
  {
    name: 'TestScaleUpPerPodCMExternal: 3 -> 4',
    spec: { minReplicaCount: 2, maxReplicaCount: 6, triggers: [trigger(2222)] },
    current: 3, triggers: [value(8600)],
    want: { replicas: 4, action: 'scale-up' }, // ceil(8600 / 2222)
  },
  {
    name: 'TestScaleDownPerPodCMExternal: 5 -> 3 with an empty history',
    spec: { minReplicaCount: 2, maxReplicaCount: 6, triggers: [trigger(3000)] },
    current: 5, triggers: [value(8600)], state: { recommendations: [] },
    want: { replicas: 3, action: 'scale-down' }, // ceil(8600 / 3000)
  },
  {
    name: 'TestTolerancePerPodCMExternal: 4 stays 4',
    spec: { minReplicaCount: 2, maxReplicaCount: 6, triggers: [trigger(2200)] },
    current: 4, triggers: [value(8600)],
    want: { replicas: 4, code: 'DesiredWithinRange', action: 'none' }, // 8600 / 8800 = 0.977
  },
  {
    name: 'TestScaleDownStabilizeInitialSize: no history is seeded with the current count, which holds',
    spec: { minReplicaCount: 2, maxReplicaCount: 6, triggers: [trigger(3000)] },
    current: 5, triggers: [value(8600)], state: {},
    want: { replicas: 5, action: 'none', desired: 3 },
  },
  {
    name: 'TestConfigurableTolerance: a 1 % scale-up tolerance scales 3 -> 4',
    spec: {
      minReplicaCount: 1, maxReplicaCount: 5, triggers: [trigger(1000)],
      behavior: behavior({ scaleUp: defaultScaleUp({ tolerance: 0.01 }) }),
    },
    current: 3, triggers: [value(3060)],
    want: { replicas: 4, action: 'scale-up' }, // ratio 1.02 > 1.01
  },
  {
    name: 'TestConfigurableTolerance: the default tolerance holds the same load',
    spec: { minReplicaCount: 1, maxReplicaCount: 5, triggers: [trigger(1000)] },
    current: 3, triggers: [value(3060)],
    want: { replicas: 3, action: 'none' },
  },
  {
    name: 'TestConfigurableTolerance: a 90 % scale-down tolerance holds',
    spec: {
      minReplicaCount: 1, maxReplicaCount: 5, triggers: [trigger(1000)],
      behavior: behavior({ scaleDown: defaultScaleDown({ tolerance: 0.9 }) }),
    },
    current: 3, triggers: [value(900)], state: { recommendations: [] },
    want: { replicas: 3, action: 'none' }, // ratio 0.3 >= 0.1
  },
  {
    name: 'TestUpscaleCap: 700 % per 60 s from 3 -> 24',
    spec: { minReplicaCount: 1, maxReplicaCount: 100, triggers: [trigger(1)], behavior: behavior({ scaleUp: rules({ percent: 700, percentPeriodS: 60 }) }) },
    current: 3, triggers: [value(1000)],
    want: { replicas: 24, code: 'ScaleUpLimit' },
  },
  {
    name: 'TestUpscaleCapGreaterThanMaxReplicas: -> 20',
    spec: { minReplicaCount: 1, maxReplicaCount: 20, triggers: [trigger(1)], behavior: behavior({ scaleUp: rules({ percent: 700, percentPeriodS: 60 }) }) },
    current: 3, triggers: [value(1000)],
    want: { replicas: 20, code: 'TooManyReplicas' },
  },
  {
    name: 'TestMinReplicas: a scale-down is clamped to min',
    spec: { minReplicaCount: 2, maxReplicaCount: 5, triggers: [trigger(1000)] },
    current: 3, triggers: [value(100)], state: { recommendations: [] },
    want: { replicas: 2, code: 'TooFewReplicas' },
  },
  {
    name: 'TestMaxReplicas: a scale-up is clamped to max',
    spec: { minReplicaCount: 2, maxReplicaCount: 5, triggers: [trigger(1000)] },
    current: 3, triggers: [value(100_000)],
    want: { replicas: 5, code: 'TooManyReplicas' },
  },
  {
    name: 'within tolerance the AverageValue path answers statusReplicas (5 during a surge), not spec (4)',
    spec: { maxReplicaCount: 8, triggers: [trigger(1000)] },
    current: 4, status: 5, triggers: [value(5000)],
    want: { replicas: 5, desired: 5 },
  },
]);

// A history the scaler cannot trust never leads to a scale-down; everything else still happens.
table('history not trusted', [
  { name: 'cooldown over, not active: holds instead of scaling to zero', current: 4, state: activeAgo(600), historyNotTrusted: 'the last save failed', want: { replicas: 4, code: 'HistoryNotTrusted', action: 'none' } },
  { name: 'the HPA wants fewer: holds', spec: { minReplicaCount: 1 }, current: 10, triggers: [value(5)], state: activeAgo(0, { recommendations: [] }), historyNotTrusted: 'the row did not read', want: { replicas: 10, code: 'HistoryNotTrusted' } },
  { name: 'the HPA wants more: scales up', current: 2, triggers: [value(40)], state: activeAgo(0), historyNotTrusted: 'the last save failed', want: { replicas: 4, code: 'ScaleUpLimit', action: 'scale-up' } },
  { name: 'at zero with messages: wakes', current: 0, triggers: [value(12)], historyNotTrusted: 'the row did not read', want: { replicas: 3, action: 'activate' } },
  { name: 'paused-replicas below the count: the annotation still wins', current: 5, annotations: { [PAUSED_REPLICAS]: '1' }, historyNotTrusted: 'the last save failed', want: { replicas: 1, code: 'PausedReplicas' } },
]);

describe('the returned state', () => {
  test('lastActiveTime is set when active without error', () => {
    const d = run({ current: 5, triggers: [value(25)], state: activeAgo(1000) });
    expect(d.state.lastActiveTime).toBe(ago(0));
  });

  test('lastActiveTime is set on a wake', () => {
    expect(run({ current: 0, triggers: [value(1)] }).state.lastActiveTime).toBe(ago(0));
  });

  test('lastActiveTime is set under force-activation (KEDA refreshes it)', () => {
    const d = run({ current: 5, state: activeAgo(1000), annotations: { [FORCE_ACTIVATION]: 'true' } });
    expect(d.state.lastActiveTime).toBe(ago(0));
  });

  test('lastActiveTime is kept when inactive', () => {
    expect(run({ current: 5, state: activeAgo(100) }).state.lastActiveTime).toBe(ago(100));
    expect(run({ current: 5, state: {} }).state.lastActiveTime).toBeNull();
  });

  test('lastActiveTime is kept when active with a partial error (PartialTriggerError)', () => {
    const d = run({
      spec: { triggers: [trigger(5), trigger(5)] },
      current: 5,
      triggers: [value(50), failed()],
      state: activeAgo(1000),
    });
    expect(d.active).toBe(true);
    expect(d.state.lastActiveTime).toBe(ago(1000));
  });

  test('lastActiveTime is set when active even if paused-scale-out blocks the scale-up', () => {
    const d = run({
      current: 2,
      triggers: [value(50)],
      state: activeAgo(1000, { recommendations: [] }),
      annotations: { [PAUSED_SCALE_OUT]: 'true' },
    });
    expect(d.replicas).toBe(2);
    expect(d.state.lastActiveTime).toBe(ago(0));
    // KEDA disables the HPA's scale-up; the HPA still records its proposal
    expect(d.state.recommendations).toEqual([rec(10, 0)]);
  });

  test('lastActiveTime is set when active even if paused-scale-in blocks the scale-down', () => {
    const d = run({
      current: 10,
      triggers: [value(5)],
      state: activeAgo(1000, { recommendations: [] }),
      annotations: { [PAUSED_SCALE_IN]: 'true' },
    });
    expect(d.replicas).toBe(10);
    expect(d.state.lastActiveTime).toBe(ago(0));
  });

  test('createdTime is seeded when absent and kept when present, paused or not', () => {
    expect(run({ current: 0, state: {} }).state.createdTime).toBe(ago(0));
    expect(run({ current: 0, state: { createdTime: ago(50) } }).state.createdTime).toBe(ago(50));
    expect(run({ current: 0, state: {}, spec: { paused: true } }).state.createdTime).toBe(ago(0));
    expect(run({ current: 0, state: { createdTime: ago(50) }, spec: { paused: true } }).state.createdTime).toBe(ago(50));
  });

  test('recommendations are seeded with the current count only when absent', () => {
    const seeded = run({ current: 5, triggers: [value(15)], state: {} });
    expect(seeded.replicas).toBe(5); // max(3, seeded 5)
    expect(seeded.state.recommendations).toEqual([rec(5, 0), rec(3, 0)]);

    const empty = run({ current: 5, triggers: [value(15)], state: { recommendations: [] } });
    expect(empty.replicas).toBe(3);
    expect(empty.state.recommendations).toEqual([rec(3, 0)]);

    const held = run({ current: 0, state: {} }); // a hold stores the seed, for the next evaluation
    expect(held.state.recommendations).toEqual([rec(0, 0)]);
  });

  test('scale events are recorded on the behavior path only', () => {
    const legacy = run({ current: 2, triggers: [value(50)], state: { scaleUpEvents: [], scaleDownEvents: [] } });
    expect(legacy.replicas).toBe(4);
    expect(legacy.state.scaleUpEvents).toEqual([]);
    expect(legacy.state.scaleDownEvents).toEqual([]);

    const up = run({ spec: { behavior: behavior() }, current: 2, triggers: [value(50)] });
    expect(up.replicas).toBe(6); // max(2 + 4, 2 x 2)
    expect(up.state.scaleUpEvents).toEqual([event(4, 0)]);
    expect(up.state.scaleDownEvents).toEqual([]);

    const down = run({
      spec: { behavior: behavior({ scaleDown: rules({ pods: 2, podsPeriodS: 60, windowS: 300 }) }) },
      current: 10,
      state: activeAgo(301),
    });
    expect(down.replicas).toBe(8);
    expect(down.state.scaleDownEvents).toEqual([event(2, 0)]);
    expect(down.state.scaleUpEvents).toEqual([]);

    const same = run({ spec: { behavior: behavior() }, current: 4, triggers: [value(20)] });
    expect(same.replicas).toBe(4);
    expect(same.state.scaleUpEvents).toEqual([]);
  });

  test('a wake on the behavior path is an up event from the floor: KEDA\'s 0 -> 1 is not the HPA\'s', () => {
    const d = run({ spec: { behavior: behavior() }, current: 0, triggers: [value(100)] });
    expect(d.replicas).toBe(5);
    expect(d.state.scaleUpEvents).toEqual([event(4, 0)]);
    const fromIdle = run({ spec: { behavior: behavior(), minReplicaCount: 3, idleReplicaCount: 1 }, current: 1, triggers: [value(100)] });
    expect(fromIdle.replicas).toBe(7); // max(3 + 4, 2 x 3)
    expect(fromIdle.state.scaleUpEvents).toEqual([event(4, 0)]);
    const atFloor = run({ spec: { behavior: behavior() }, current: 0, triggers: [value(1)] });
    expect([atFloor.replicas, atFloor.state.scaleUpEvents]).toEqual([1, []]);
  });

  test('a wake keeps no recommendation: the HPA\'s first sync comes after KEDA\'s wake', () => {
    const d = run({ spec: { behavior: behavior() }, current: 0, triggers: [value(100)], state: { recommendations: [rec(0, 60)] } });
    expect(d.state.recommendations).toEqual([rec(0, 60)]);
  });

  test('history is pruned to what the windows and periods can still count', () => {
    const legacy = run({
      current: 5,
      triggers: [value(25)],
      state: { recommendations: [rec(9, 400), rec(8, 350), rec(7, 300), rec(5, 10)] },
    });
    expect(legacy.state.recommendations).toEqual([rec(5, 0), rec(7, 300), rec(5, 10)]); // 8 replaced, 9 dropped
    expect(legacy.replicas).toBe(7); // the entry exactly 300 s old still counts

    const withBehavior = run({
      spec: { behavior: behavior() }, // longest window 300 s, longest period 15 s
      current: 5,
      triggers: [value(25)],
      state: {
        recommendations: [rec(9, 301), rec(5, 10)],
        scaleUpEvents: [event(3, 16), event(1, 15)],
        scaleDownEvents: [event(2, 100)],
      },
    });
    expect(withBehavior.state.recommendations).toEqual([rec(5, 0), rec(5, 10)]);
    expect(withBehavior.state.scaleUpEvents).toEqual([event(1, 15)]);
    expect(withBehavior.state.scaleDownEvents).toEqual([]);
  });

  test('scaledToZero is set when scaled to zero, kept at zero, cleared on a wake', () => {
    const down = run({ current: 5, state: activeAgo(301) });
    expect(down.state.scaledToZero).toBe(true);
    const stay = run({ current: 0, state: down.state });
    expect(stay.state.scaledToZero).toBe(true);
    const wake = run({ current: 0, triggers: [value(10)], state: stay.state });
    expect(wake.replicas).toBe(4); // the HPA wants 2, but its 300 s window still remembers 5 (capped at max(2 x 1, 4) from the floor)
    expect(wake.state.scaledToZero).toBe(false);
    expect(run({ current: 0, state: {} }).state.scaledToZero).toBe(false); // zero by someone else
  });

  test('failure counts increment and reset, one per trigger', () => {
    const s = { triggers: [trigger(5), trigger(5)] };
    const first = run({ spec: s, current: 5, triggers: [failed(), value(3)], state: { triggerFailures: [2, 4] } });
    expect(first.state.triggerFailures).toEqual([3, 0]);
    const second = run({ spec: s, current: 5, triggers: [value(3), failed()], state: first.state });
    expect(second.state.triggerFailures).toEqual([0, 1]);
  });

  test('a paused target keeps its state: no failure counted, no history written', () => {
    const state: ScalerState = { triggerFailures: [2], recommendations: [rec(4, 30)], createdTime: ago(60), lastActiveTime: ago(30) };
    const d = run({ current: 5, triggers: [failed()], state, annotations: { [PAUSED]: 'true' } });
    expect(d.state).toEqual(state);
  });

  test('the reason names each trigger', () => {
    const d = run({ spec: { triggers: [trigger(5), trigger(5)] }, current: 5, triggers: [value(50), failed('boom')] });
    expect(d.reason).toContain('trigger 0');
    expect(d.reason).toContain('trigger 1');
    expect(d.reason).toContain('boom');
  });

  test('the decision is plain JSON and the inputs are not mutated', () => {
    const state = deepFreeze(activeAgo(301, { recommendations: [rec(3, 10)], scaleUpEvents: [event(1, 5)] }));
    const s = deepFreeze(spec({ behavior: behavior() }));
    const obs = deepFreeze({ specReplicas: 5, triggers: [value(0)] });
    const d = decide(s, obs, state, NOW);
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
  });
});

describe('runs over time (one evaluation every 15 s)', () => {
  /** Applies each decision as the next observation's replica count. */
  function simulate(s: ScalingSpec, steps: number, readings: (t: number) => TriggerResult[], start: { current: number; state: ScalerState }) {
    let current = start.current;
    let state = start.state;
    const seen: number[] = [];
    for (let i = 0; i < steps; i++) {
      const d = decide(s, { specReplicas: current, triggers: readings(i * 15) }, state, later(i * 15));
      current = d.replicas;
      state = d.state;
      seen.push(current);
    }
    return seen;
  }

  test('a Pods policy of 2 per 60 s takes 10 to 0 in steps of 2 a minute', () => {
    const s = spec({ behavior: behavior({ scaleDown: rules({ pods: 2, podsPeriodS: 60, windowS: 300 }) }) });
    const seen = simulate(s, 17, () => [value(0)], { current: 10, state: activeAgo(301) });
    expect(seen).toEqual([8, 8, 8, 8, 6, 6, 6, 6, 4, 4, 4, 4, 2, 2, 2, 2, 0]);
  });

  test('no behavior: from zero the count doubles each evaluation (4, 8, 16, ...) up to max', () => {
    const seen = simulate(spec(), 7, () => [value(1000)], { current: 0, state: {} });
    expect(seen).toEqual([4, 8, 16, 32, 64, 100, 100]);
  });

  test('default behavior: from the floor 1, max(1 + 4, 2 x 1) = 5, then doubling each 15 s period', () => {
    const seen = simulate(spec({ behavior: behavior() }), 7, () => [value(1000)], { current: 0, state: {} });
    expect(seen).toEqual([5, 10, 20, 40, 80, 100, 100]);
  });

  test('a drained queue scales to zero one cooldown after the last active evaluation', () => {
    // active until t = 30, empty afterwards; cooldown 60 s: still up at t = 90, zero at t = 105
    const s = spec({ cooldownPeriod: 60 });
    const seen = simulate(s, 9, (t) => [value(t <= 30 ? 20 : 0)], { current: 4, state: { createdTime: ago(1000) } });
    expect(seen).toEqual([4, 4, 4, 4, 4, 4, 4, 0, 0]);
  });
});
