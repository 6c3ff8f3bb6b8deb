// The per-target metrics (each trigger's reading, the composite, the replicas and the desired
// replicas), held back per target and released a window at a time, so that App Insights gets
// one customMetrics row per metric per target per window instead of one per evaluation. The
// SDK's metric aggregation turns a window's samples into that row (valueSum, valueCount,
// valueMin, valueMax): applicationinsights 3.x records trackMetric in an OpenTelemetry histogram
// and exports what was recorded since its last export (delta), one item per metric and set of
// dimensions, at each flush and every 60 s. Windows end on the minute while values move, and
// stretch up to STEADY_WINDOW_MS while every sample is the same.

/** One value of one metric, with the custom dimensions of its row. */
export interface MetricReading {
  name: string;
  value: number;
  dimensions: Record<string, string>;
}

/** The longest window: a steady target still gets a point this often. */
export const STEADY_WINDOW_MS = 15 * 60_000;
const MINUTE_MS = 60_000;

interface Window {
  start: number;
  /** The first sample, as text, while every sample since is the same. */
  steady: string | undefined;
  samples: MetricReading[][];
}

/**
 * `add` takes the readings of one evaluation of `target` at `at` (its `now`) and returns the
 * samples of the window it closes, to record now: none while the window is open. A window
 * closes when a sample falls in a later minute than its start, unless the window and the sample
 * are all the same value and the window is younger than STEADY_WINDOW_MS; the sample opens the
 * next window.
 */
export function createMetricWindows(): { add(target: string, at: number, readings: MetricReading[]): MetricReading[][] } {
  const windows = new Map<string, Window>();
  return {
    add(target, at, readings) {
      const text = JSON.stringify(readings);
      const open = windows.get(target);
      const minuteOf = (t: number): number => Math.floor(t / MINUTE_MS);
      const stays = open !== undefined && (minuteOf(at) <= minuteOf(open.start) || (open.steady === text && at - open.start < STEADY_WINDOW_MS));
      if (stays) {
        open.samples.push(readings);
        if (open.steady !== text) open.steady = undefined;
        return [];
      }
      windows.set(target, { start: at, steady: text, samples: [readings] });
      return open?.samples ?? [];
    },
  };
}
