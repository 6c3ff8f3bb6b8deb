// KEDA's poll (observation.poll): KEDA's scale loop runs every pollingInterval and alone wakes a
// target at zero, takes one to zero (or idle) and refreshes lastActiveTime; the HPA syncs 1..N
// in between (here: every tick). An absent poll is a poll, so every other table keeps its
// meaning. docs/engine.md, "Polls".
import { describe, expect, test } from 'vitest';
import { decide } from '../../shared/engine/decide.js';
import { decideWake } from '../../shared/engine/wake.js';
import { FORCE_ACTIVATION, PAUSED_REPLICAS } from '../../shared/engine/keda-annotations.js';
import { decisionTable, type DecisionRow } from './decision-table.js';
import type { ScalerState, ScalingSpec } from '../../shared/engine/index.js';
import { activeAgo, ago, behavior, failed, NOW, rules, spec, trigger, value } from './fixtures.js';

/** A row without `poll` is the HPA's sync between KEDA's polls. */
const table = (title: string, rows: DecisionRow[]): void => decisionTable(title, rows, { poll: false });

const fallback = { failureThreshold: 3, replicas: 6, behavior: 'static' as const };

table('at zero, only a poll acts (the HPA is disabled at zero)', [
  { name: 'active, not a poll: stays at zero', current: 0, triggers: [value(20)], want: { replicas: 0, code: 'ScalingDisabled', action: 'none', lastActiveTime: null } },
  { name: 'active, a poll: wakes', current: 0, triggers: [value(20)], poll: true, want: { replicas: 4, code: 'ScaleTargetActivated', action: 'activate' } },
  { name: 'force-activation, not a poll: stays at zero', current: 0, annotations: { [FORCE_ACTIVATION]: 'true' }, want: { replicas: 0, code: 'ScalingDisabled' } },
  { name: 'fallback in effect, not a poll: stays at zero', spec: { fallback }, current: 0, triggers: [failed()], state: { triggerFailures: [3] }, want: { replicas: 0, code: 'ScalingDisabled' } },
  { name: 'inactive, min 3: KEDA raises it to min on its poll only', spec: { minReplicaCount: 3 }, current: 0, want: { replicas: 0, code: 'ScalingDisabled' } },
  { name: 'inactive, min 3, a poll: raised to min', spec: { minReplicaCount: 3 }, current: 0, poll: true, want: { replicas: 3, code: 'TooFewReplicas' } },
  { name: 'paused-replicas applies whatever the poll', current: 0, annotations: { [PAUSED_REPLICAS]: '2' }, want: { replicas: 2, code: 'PausedReplicas', action: 'paused' } },
]);

table('above zero, to zero (or idle) only on a poll; the HPA on every tick', [
  {
    name: 'cooldown over, not a poll: holds until the next poll',
    current: 3, state: activeAgo(301),
    want: { replicas: 3, code: 'ScalerCooldown', action: 'none' },
  },
  {
    name: 'cooldown over, a poll: to zero',
    current: 3, state: activeAgo(301), poll: true,
    want: { replicas: 0, code: 'ScaleTargetDeactivated', action: 'deactivate' },
  },
  {
    name: 'cooldown over, poll absent: a poll (the tables ported from upstream)',
    current: 3, state: activeAgo(301), poll: true,
    want: { replicas: 0, code: 'ScaleTargetDeactivated', action: 'deactivate' },
  },
  {
    name: 'cooldown over, not a poll: the HPA still takes it to its floor of 1',
    current: 3, state: activeAgo(301, { recommendations: [] }),
    want: { replicas: 1, code: 'TooFewReplicas', action: 'scale-down' },
  },
  {
    name: 'idleReplicaCount 0 (min 2): to idle on a poll only',
    spec: { minReplicaCount: 2, idleReplicaCount: 0 },
    current: 4, state: activeAgo(301),
    want: { replicas: 4, code: 'ScalerCooldown', action: 'none' },
  },
  {
    name: 'idle mode, active at 1 (below min 3, above idle 0), not a poll: the HPA raises it to min',
    spec: { minReplicaCount: 3, idleReplicaCount: 0 },
    current: 1, triggers: [value(20)],
    want: { replicas: 3, code: 'TooFewReplicas', action: 'scale-up' },
  },
  {
    name: 'active, not a poll: the HPA scales up',
    current: 2, triggers: [value(40)],
    want: { replicas: 4, code: 'ScaleUpLimit', action: 'scale-up' },
  },
]);

table('only a poll refreshes lastActiveTime (KEDA\'s status.lastActiveTime)', [
  { name: 'active between polls: kept', current: 2, triggers: [value(10)], state: activeAgo(20), want: { replicas: 2, code: 'DesiredWithinRange', lastActiveTime: ago(20) } },
  { name: 'active on a poll: now', current: 2, triggers: [value(10)], state: activeAgo(20), poll: true, want: { replicas: 2, code: 'DesiredWithinRange', lastActiveTime: ago(0) } },
]);

test('a wake-queue message wakes at once, poll or not (the wake path is ours, not KEDA\'s)', () => {
  const woken = decideWake(spec(), { specReplicas: 0, triggers: [value(0)], poll: false }, {}, NOW);
  expect({ replicas: woken.replicas, code: woken.code }).toEqual({ replicas: 1, code: 'ScaleTargetActivated' });
});

describe('over time: polls every 75 s, the HPA every 15 s', () => {
  /** Replicas after each tick; `depth(t)` is the queue at t seconds, KEDA polls when t % pollingInterval is 0. */
  function simulate(s: ScalingSpec, pollingInterval: number, start: number, depth: (t: number) => number, ticks: number): number[] {
    let replicas = start;
    let state: ScalerState = {};
    const seen: number[] = [];
    for (let i = 0; i < ticks; i++) {
      const t = i * 15;
      const d = decide(s, { specReplicas: replicas, triggers: [value(depth(t))], poll: t % pollingInterval === 0 }, state, NOW + t * 1000);
      replicas = d.replicas;
      state = d.state;
      seen.push(replicas);
    }
    return seen;
  }

  test('a cleared queue: the HPA goes to 1, and KEDA to 0 only at its next poll after the cooldown', () => {
    // cooldownPeriod 30: over after t=30, but the next poll is t=75 (before: 0 at t=45).
    const s = spec({ cooldownPeriod: 30, behavior: behavior({ scaleDown: rules({ percent: 100, percentPeriodS: 15, windowS: 0 }) }), triggers: [trigger(5)] });
    expect(simulate(s, 75, 2, (t) => (t === 0 ? 10 : 0), 7)).toEqual([2, 1, 1, 1, 1, 0, 0]);
  });

  test('work arriving at zero between polls waits for the next poll', () => {
    const s = spec({ triggers: [trigger(5)] });
    expect(simulate(s, 75, 0, (t) => (t >= 15 ? 10 : 0), 7)).toEqual([0, 0, 0, 0, 0, 2, 2]);
  });
});
