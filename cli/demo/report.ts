// The demo's HTML report: one self-contained file (inline CSS and SVG, no script) with a chart
// of replicas and queue length over scaler time, and the table of decisions. Pure.
import { describeScenario, type DemoScenario } from './scenario.js';
import { formatSeconds, type DemoTick } from './tick.js';

export interface DemoReport {
  scenario: DemoScenario;
  ticks: DemoTick[];
  /** When the demo ran (ISO). */
  startedAt: string;
  /** The target, e.g. demo-1a2b/worker. */
  workload: string;
  /** One line: how it ended. */
  outcome: string;
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const CHART = { width: 960, height: 360, left: 56, right: 64, top: 24, bottom: 44 };
const COLORS = { replicas: '#2563eb', queue: '#ea580c' };

/** The top of an axis: the least 4 x (1, 2, 3 or 5) x 10^k at or above `n`, so that each quarter is a round integer. */
export function axisMax(n: number): number {
  if (n <= 4) return 4;
  const power = 10 ** Math.floor(Math.log10(n / 4));
  return [1, 2, 3, 5, 10].map((m) => 4 * m * power).find((m) => m >= n)!;
}

const round = (n: number): number => Math.round(n * 10) / 10;

/** The SVG chart: replicas as a step line (left axis), queue length as a line (right axis). */
export function renderChart(ticks: readonly DemoTick[], maxReplicaCount: number): string {
  const { width, height, left, right, top, bottom } = CHART;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const rMax = axisMax(Math.max(maxReplicaCount, ...ticks.map((t) => t.replicas)));
  const qMax = axisMax(Math.max(1, ...ticks.map((t) => t.queue)));
  const x = (i: number): number => round(left + (ticks.length > 1 ? (i * plotW) / (ticks.length - 1) : plotW / 2));
  const yR = (r: number): number => round(top + plotH - (r * plotH) / rMax);
  const yQ = (q: number): number => round(top + plotH - (q * plotH) / qMax);
  // Replicas change at each decision and hold until the next: a step line, from where they were.
  const steps = ticks.flatMap((t, i) => [`${x(i)},${yR(t.replicasBefore)}`, `${x(i)},${yR(t.replicas)}`]);
  const queue = ticks.map((t, i) => `${x(i)},${yQ(t.queue)}`);
  const grid = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const y = round(top + plotH - f * plotH);
    return `<line class="grid" x1="${left}" x2="${left + plotW}" y1="${y}" y2="${y}"/>`
      + `<text class="axis" x="${left - 8}" y="${y + 4}" text-anchor="end" fill="${COLORS.replicas}">${f * rMax}</text>`
      + `<text class="axis" x="${left + plotW + 8}" y="${y + 4}" fill="${COLORS.queue}">${f * qMax}</text>`;
  });
  const every = Math.max(1, Math.ceil(ticks.length / 12));
  const labels = ticks.map((t, i) => (i % every === 0 || i === ticks.length - 1 ? `<text class="axis" x="${x(i)}" y="${top + plotH + 18}" text-anchor="middle">${formatSeconds(t.seconds)}</text>` : ''));
  const points = ticks.map((t, i) => {
    const title = `tick ${t.tick} at ${formatSeconds(t.seconds)}: queue ${t.queue}, replicas ${t.replicasBefore} -> ${t.replicas}, ${t.action} (${t.code})`;
    return `<circle class="replicas" data-tick="${t.tick}" data-value="${t.replicas}" cx="${x(i)}" cy="${yR(t.replicas)}" r="3"><title>${escapeHtml(title)}</title></circle>`
      + `<circle class="queue" data-tick="${t.tick}" data-value="${t.queue}" cx="${x(i)}" cy="${yQ(t.queue)}" r="3"><title>${escapeHtml(title)}</title></circle>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-label="Replicas and queue length over time">`,
    ...grid,
    ...labels,
    `<text class="axis" x="${left + plotW / 2}" y="${height - 6}" text-anchor="middle">scaler time (m:ss)</text>`,
    `<text class="axis" x="14" y="${top + plotH / 2}" transform="rotate(-90 14 ${top + plotH / 2})" text-anchor="middle" fill="${COLORS.replicas}">replicas</text>`,
    `<text class="axis" x="${width - 10}" y="${top + plotH / 2}" transform="rotate(90 ${width - 10} ${top + plotH / 2})" text-anchor="middle" fill="${COLORS.queue}">queue length</text>`,
    `<polyline id="queue-line" fill="none" stroke="${COLORS.queue}" stroke-width="2" points="${queue.join(' ')}"/>`,
    `<polyline id="replicas-line" fill="none" stroke="${COLORS.replicas}" stroke-width="2.5" points="${steps.join(' ')}"/>`,
    ...points,
    '</svg>',
  ].join('\n');
}

export function renderReport(report: DemoReport): string {
  const { scenario, ticks } = report;
  const rows = ticks.map((t) => `<tr><td>${t.tick}</td><td>${formatSeconds(t.seconds)}</td><td>${t.queue}</td><td>${t.processed}</td>`
    + `<td>${t.replicas === t.replicasBefore ? t.replicas : `${t.replicasBefore} &rarr; ${t.replicas}`}</td><td>${t.desired ?? '-'}</td>`
    + `<td>${escapeHtml(t.action)}</td><td><code>${escapeHtml(t.code)}</code></td><td>${escapeHtml(t.reason)}</td></tr>`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>aks-queue-scaler demo</title>
<style>
  body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1040px; color: #1f2937; padding: 0 1rem; }
  h1 { font-size: 1.4rem; margin-bottom: .2rem; }
  .muted { color: #6b7280; }
  svg { width: 100%; height: auto; border: 1px solid #e5e7eb; border-radius: 6px; background: #fff; }
  .grid { stroke: #e5e7eb; }
  .axis { font-size: 11px; fill: #4b5563; }
  circle.replicas { fill: ${COLORS.replicas}; }
  circle.queue { fill: ${COLORS.queue}; }
  .legend span { display: inline-block; width: 14px; height: 3px; vertical-align: middle; margin: 0 .3rem 0 1rem; }
  table { border-collapse: collapse; width: 100%; margin-top: 1rem; font-size: 13px; }
  th, td { border-bottom: 1px solid #e5e7eb; padding: .25rem .5rem; text-align: right; }
  th:nth-last-child(-n+3), td:nth-last-child(-n+3) { text-align: left; }
  code { font-size: 12px; }
</style>
</head>
<body>
<h1>aks-queue-scaler demo</h1>
<p class="muted">${escapeHtml(report.startedAt)} &middot; ${escapeHtml(report.workload)} &middot; ${scenario.name} run</p>
<p><strong>${escapeHtml(report.outcome)}</strong></p>
<ul>
${describeScenario(scenario).map((line) => `  <li>${escapeHtml(line)}</li>`).join('\n')}
</ul>
<p class="legend"><span style="background:${COLORS.replicas}"></span>replicas (left axis)<span style="background:${COLORS.queue}"></span>queue length (right axis)</p>
${renderChart(ticks, scenario.maxReplicaCount)}
<h2>Decisions</h2>
<table>
<thead><tr><th>tick</th><th>time</th><th>queue</th><th>processed</th><th>replicas</th><th>desired</th><th>action</th><th>code</th><th>reason</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
<p class="muted">Each decision is the real engine's (shared/engine) against a real kube-apiserver and Azurite; only the clock is accelerated and the consumers are simulated.</p>
</body>
</html>
`;
}
