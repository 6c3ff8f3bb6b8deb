import { describe, expect, test } from 'vitest';
import { parseTarget, type Target } from '../../shared/config/index.js';
import { isDue } from '../../shared/runtime/index.js';

const target = (pollingInterval: number): Target => {
  const parsed = parseTarget({ scaleTargetRef: { name: 'w' }, pollingInterval, triggers: [{ type: 'azure-queue', metadata: { queueName: 'orders', accountName: 'acct' } }] });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.target;
};
const T = Date.parse('2026-11-27T10:00:00Z');
const at = (seconds: number): string => new Date(T + seconds * 1000).toISOString();

describe('isDue: pollingInterval at zero, every tick above zero (the HPA sync)', () => {
  test.each([
    { name: 'never evaluated', record: undefined, now: 0, want: true },
    { name: 'no lastEvaluated yet', record: { state: {}, etag: 'x' }, now: 0, want: true },
    { name: 'above zero: every tick', record: { state: {}, etag: 'x', lastEvaluated: at(0), lastReplicas: 3 }, now: 1, want: true },
    { name: 'at zero, 15 s after: not yet (30 s)', record: { state: {}, etag: 'x', lastEvaluated: at(0), lastReplicas: 0 }, now: 15, want: false },
    { name: 'at zero, 30 s after: due', record: { state: {}, etag: 'x', lastEvaluated: at(0), lastReplicas: 0 }, now: 30, want: true },
    // Timers fire a little early; within a second counts.
    { name: 'at zero, 29.5 s after: due', record: { state: {}, etag: 'x', lastEvaluated: at(0), lastReplicas: 0 }, now: 29.5, want: true },
    { name: 'at zero, 28.9 s after: not yet', record: { state: {}, etag: 'x', lastEvaluated: at(0), lastReplicas: 0 }, now: 28.9, want: false },
  ])('$name', ({ record, now, want }) => {
    expect(isDue(target(30), record, T + now * 1000)).toBe(want);
  });
});
