// Timestamps another instance stored from a clock hours ahead: each counts as now, so none keeps
// a target from being evaluated, scaled up or scaled in (clock-skew.ts).
import { describe, expect, test } from 'vitest';
import { clampStateToNow } from '../../shared/engine/clock-skew.js';
import { decide } from '../../shared/engine/decide.js';
import type { ScalerState } from '../../shared/engine/index.js';
import { ago, behavior, event, later, NOW, rec, spec, value } from './fixtures.js';

const HOURS_AHEAD = -3 * 3600;
const now = new Date(NOW).toISOString();

describe('clampStateToNow', () => {
  const rows: { name: string; state: ScalerState; want: ScalerState }[] = [
    { name: 'lastActiveTime ahead', state: { lastActiveTime: ago(HOURS_AHEAD) }, want: { lastActiveTime: now } },
    { name: 'createdTime ahead', state: { createdTime: ago(HOURS_AHEAD) }, want: { createdTime: now } },
    { name: 'a recommendation ahead, one behind', state: { recommendations: [rec(7, HOURS_AHEAD), rec(2, 30)] }, want: { recommendations: [{ replicas: 7, timestamp: now }, rec(2, 30)] } },
    { name: 'scale events ahead', state: { scaleUpEvents: [event(4, HOURS_AHEAD)], scaleDownEvents: [event(1, HOURS_AHEAD, true)] }, want: { scaleUpEvents: [{ change: 4, timestamp: now, outdated: false }], scaleDownEvents: [{ change: 1, timestamp: now, outdated: true }] } },
  ];
  test.each(rows)('$name: moved back to now', ({ state, want }) => {
    expect(JSON.parse(JSON.stringify(clampStateToNow(state, NOW)))).toEqual(want);
  });

  test('a state with no time ahead is returned as it is', () => {
    const state: ScalerState = { lastActiveTime: ago(10), createdTime: ago(99), recommendations: [rec(1, 5)], scaleUpEvents: [event(1, 5)] };
    expect(clampStateToNow(state, NOW)).toBe(state);
  });
});

describe('decide() with a state written by a clock three hours ahead', () => {
  const ahead: ScalerState = {
    lastActiveTime: ago(HOURS_AHEAD),
    createdTime: ago(HOURS_AHEAD),
    recommendations: [rec(4, HOURS_AHEAD)],
    scaleUpEvents: [event(4, HOURS_AHEAD)],
    scaleDownEvents: [],
  };

  test('scaled in once the cooldown has run from now, not from three hours ahead', () => {
    const target = spec({ cooldownPeriod: 300 });
    const first = decide(target, { specReplicas: 4, triggers: [value(0)] }, ahead, NOW);
    expect(first.replicas).toBe(4);
    expect(first.code).toBe('ScalerCooldown');
    const after = decide(target, { specReplicas: 4, triggers: [value(0)] }, first.state, later(301));
    expect(after.replicas).toBe(0);
  });

  test('scaled up: a scale event ahead counts as one made now, so it limits one policy period, no longer', () => {
    const target = spec({ behavior: behavior() });
    // The +4 event "just now" puts the period start at 4 - 4 = 0: Pods 4 per 15 s allows 4.
    const first = decide(target, { specReplicas: 4, triggers: [value(100)] }, ahead, NOW);
    expect([first.replicas, first.code]).toEqual([4, 'ScaleUpLimit']);
    // 16 s later the event is out of the 15 s period: 4 -> 8 (Max of +4 pods and +100 %).
    const next = decide(target, { specReplicas: 4, triggers: [value(100)] }, first.state, later(16));
    expect(next.replicas).toBe(8);
  });

  test('the saved state holds no time after now', () => {
    const d = decide(spec(), { specReplicas: 4, triggers: [value(0)] }, ahead, NOW);
    const times = JSON.stringify(d.state).match(/\d{4}-\d\d-\d\dT[\d:.]+Z/g) ?? [];
    expect(times.length).toBeGreaterThan(0);
    for (const t of times) expect(Date.parse(t)).toBeLessThanOrEqual(NOW);
  });
});
