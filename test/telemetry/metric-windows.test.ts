// The per-target metric windows (shared/telemetry/metric-windows.ts): a window a minute while
// values move, up to STEADY_WINDOW_MS while they do not; each closed window's samples together.
import { describe, expect, test } from 'vitest';
import { createMetricWindows, STEADY_WINDOW_MS, type MetricReading } from '../../shared/telemetry/metric-windows.js';

const T0 = Date.parse('2026-12-01T00:00:00.000Z');
const replicas = (value: number): MetricReading[] => [{ name: 'scaler.replicas', value, dimensions: { target: 't' } }];

describe('createMetricWindows', () => {
  // Each row: samples (seconds after T0, value) of one target, and the values of each window
  // closed by each sample (empty when none).
  const cases: { name: string; samples: [number, number][]; closed: number[][] }[] = [
    {
      name: 'moving values: one window per minute',
      samples: [[0, 1], [15, 2], [30, 3], [45, 4], [60, 5], [75, 6], [120, 6]],
      closed: [[], [], [], [], [1, 2, 3, 4], [], [5, 6]],
    },
    {
      name: 'steady values: one window per STEADY_WINDOW_MS',
      samples: Array.from({ length: 62 }, (_, i): [number, number] => [i * 15, 2]),
      closed: Array.from({ length: 62 }, (_, i) => (i === 60 ? Array.from({ length: 60 }, () => 2) : [])),
    },
    {
      name: 'a change ends a steady stretch at once: the steady window holds only the steady value',
      samples: [[0, 2], [60, 2], [120, 2], [135, 7], [150, 7], [180, 8]],
      closed: [[], [], [], [2, 2, 2], [], [7, 7]],
    },
    {
      name: 'within its first minute a window takes any value; then it is no longer steady',
      samples: [[0, 2], [30, 3], [60, 3], [90, 3]],
      closed: [[], [], [2, 3], []],
    },
  ];
  test.each(cases)('$name', ({ samples, closed }) => {
    const windows = createMetricWindows();
    const got = samples.map(([s, value]) => windows.add('t', T0 + s * 1000, replicas(value)).map((r) => r[0]!.value));
    expect(got).toEqual(closed);
  });

  test('targets have windows of their own', () => {
    const windows = createMetricWindows();
    windows.add('a', T0, replicas(1));
    windows.add('b', T0, replicas(9));
    expect(windows.add('a', T0 + 60_000, replicas(2))).toEqual([replicas(1)]);
    expect(windows.add('b', T0 + STEADY_WINDOW_MS, replicas(9))).toEqual([replicas(9)]);
  });
});
