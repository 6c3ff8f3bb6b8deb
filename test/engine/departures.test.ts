// What KEDA v2.20.2 does where this engine used to differ (docs/engine.md, "Departures from KEDA
// and the HPA"): (a) an inactive target with a failing trigger: the HPA still corrects a count out
// of range; (b) fallback.replicas 0: the failing target scales in after the cooldown; (c)
// initialCooldownPeriod 0: the first evaluation scales in. Each as KEDA's executor
// (scale_scaledobjects.go, RequestScale) and the HPA (horizontal.go) would, except where that
// would take a workload below its minimum on an error.
import { expect, test } from 'vitest';
import { decide } from '../../shared/engine/decide.js';
import type { Fallback } from '../../shared/engine/index.js';
import { decisionTable, type DecisionRow } from './decision-table.js';
import { activeAgo, ago, failed, later, NOW, spec, trigger, value } from './fixtures.js';

/** A row without `poll` is one of KEDA's polls. */
const table = (title: string, rows: DecisionRow[]): void => decisionTable(title, rows, { poll: true });

/** Long inactive, with an empty HPA history: nothing but the rule under test holds the count. */
const idleLong = activeAgo(10_000, { recommendations: [] });
const withFallback = (replicas: number, failureThreshold = 3): Fallback => ({ failureThreshold, replicas, behavior: 'static' });

table('(a) inactive with a failing trigger: never to zero, but the HPA still corrects the range', [
  { name: 'within range, cooldown long over: holds', current: 5, triggers: [failed()], state: idleLong, want: { replicas: 5, code: 'TriggerError', action: 'none' } },
  { name: 'above max: corrected to max', spec: { maxReplicaCount: 3 }, current: 5, triggers: [failed()], state: idleLong, want: { replicas: 3, code: 'TooManyReplicas', action: 'scale-down' } },
  { name: 'below min: raised to min', spec: { minReplicaCount: 4 }, current: 2, triggers: [failed()], state: idleLong, want: { replicas: 4, code: 'TooFewReplicas', action: 'scale-up' } },
  { name: 'between polls too (the HPA syncs every tick)', spec: { maxReplicaCount: 3 }, current: 5, triggers: [failed()], state: idleLong, poll: false, want: { replicas: 3, code: 'TooManyReplicas' } },
  { name: 'at zero with min 2: holds (KEDA leaves an erroring target; the HPA is disabled at zero)', spec: { minReplicaCount: 2 }, current: 0, triggers: [failed()], want: { replicas: 0, code: 'TriggerError', action: 'none' } },
  { name: 'idle mode at 2, between idle 0 and min 3: the HPA raises it to min', spec: { minReplicaCount: 3, idleReplicaCount: 0 }, current: 2, triggers: [failed()], state: idleLong, want: { replicas: 3, code: 'TooFewReplicas' } },
  { name: 'idle mode above min: holds, never to idle', spec: { minReplicaCount: 3, idleReplicaCount: 0 }, current: 5, triggers: [failed()], state: idleLong, want: { replicas: 5, code: 'TriggerError' } },
  {
    name: 'a healthy trigger below its activation that the HPA would scale up on: up (the HPA uses the metrics it has)',
    spec: { triggers: [trigger(5, 100), trigger(5)] },
    current: 5, triggers: [value(50), failed()], state: idleLong,
    want: { replicas: 10, code: 'DesiredWithinRange', action: 'scale-up' },
  },
  {
    name: 'a healthy inactive trigger that wants fewer: holds (the HPA does not scale down on partial metrics)',
    spec: { triggers: [trigger(5), trigger(5)] },
    current: 5, triggers: [value(0), failed()], state: idleLong,
    want: { replicas: 5, code: 'TriggerError', action: 'none' },
  },
]);

table('(b) fallback.replicas 0: before the fallback, the failing target scales in as if inactive (KEDA skips its hold)', [
  { name: 'cooldown over, a poll: to zero', spec: { fallback: withFallback(0) }, current: 4, triggers: [failed()], state: { ...idleLong, triggerFailures: [1] }, want: { replicas: 0, code: 'ScaleTargetDeactivated', action: 'deactivate' } },
  { name: 'in the cooldown: holds', spec: { fallback: withFallback(0) }, current: 4, triggers: [failed()], state: activeAgo(10, { recommendations: [] }), want: { replicas: 4, code: 'ScalerCooldown', action: 'none' } },
  { name: 'cooldown over, not a poll: holds until the poll', spec: { fallback: withFallback(0) }, current: 4, triggers: [failed()], state: idleLong, poll: false, want: { replicas: 4, code: 'ScalerCooldown', action: 'none' } },
  { name: 'fallback.replicas 3: holds (KEDA waits for the fallback)', spec: { fallback: withFallback(3) }, current: 4, triggers: [failed()], state: idleLong, want: { replicas: 4, code: 'TriggerError', action: 'none' } },
  { name: 'with idleReplicaCount: holds (idle is below minReplicaCount; an error never goes below min)', spec: { fallback: withFallback(0), minReplicaCount: 2, idleReplicaCount: 0 }, current: 4, triggers: [failed()], state: idleLong, want: { replicas: 4, code: 'TriggerError' } },
  { name: 'with minReplicaCount 2: never below it', spec: { fallback: withFallback(0), minReplicaCount: 2 }, current: 4, triggers: [failed()], state: idleLong, want: { replicas: 4, code: 'ScalerNotActive' } },
  { name: 'at zero, before the fallback: stays, and says why', spec: { fallback: withFallback(0) }, current: 0, triggers: [failed()], state: { triggerFailures: [1] }, want: { replicas: 0, code: 'TriggerError', action: 'none' } },
  {
    name: 'the fallback in effect counts as active (KEDA): the HPA takes it to its floor of 1, not 0',
    spec: { fallback: withFallback(0) }, current: 4, triggers: [failed()], state: { ...idleLong, triggerFailures: [3] },
    want: { replicas: 1, code: 'TooFewReplicas', action: 'fallback' },
  },
  {
    name: 'the fallback in effect at zero wakes it to 1 (KEDA)',
    spec: { fallback: withFallback(0) }, current: 0, triggers: [failed()], state: { triggerFailures: [3] },
    want: { replicas: 1, code: 'ScaleTargetActivated', action: 'fallback' },
  },
]);

table('(c) initialCooldownPeriod: the target existed before its first evaluation', [
  { name: 'initialCooldownPeriod 0, first evaluation (no state): to zero at once', current: 3, want: { replicas: 0, code: 'ScaleTargetDeactivated', action: 'deactivate' } },
  { name: 'initialCooldownPeriod 0, first evaluation, not a poll: at the first poll', current: 3, poll: false, want: { replicas: 3, code: 'ScalerCooldown' } },
  { name: 'initialCooldownPeriod 30, first evaluation: holds', spec: { initialCooldownPeriod: 30 }, current: 3, want: { replicas: 3, code: 'ScalerCooldown' } },
  { name: 'initialCooldownPeriod 30, created 31 s ago: to zero', spec: { initialCooldownPeriod: 30 }, current: 3, state: { lastActiveTime: null, createdTime: ago(31) }, want: { replicas: 0, code: 'ScaleTargetDeactivated' } },
  { name: 'a new target that is active: lastActiveTime wins, no scale-in', current: 3, triggers: [value(15)], want: { replicas: 3, code: 'DesiredWithinRange' } },
]);

test('(c) the first evaluation stores createdTime, from which initialCooldownPeriod runs', () => {
  const s = spec({ initialCooldownPeriod: 30 });
  const first = decide(s, { specReplicas: 3, triggers: [value(0)] }, {}, NOW);
  expect(first.state.createdTime).toBe(ago(0));
  expect(decide(s, { specReplicas: 3, triggers: [value(0)] }, first.state, later(30)).replicas).toBe(3); // strict: created + 30 s < now
  expect(decide(s, { specReplicas: 3, triggers: [value(0)] }, first.state, later(30.001)).replicas).toBe(0);
});
