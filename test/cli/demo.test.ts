// The demo's pure parts (terminal line, chart, report) and what it does without the control
// plane. The demo itself runs in test/e2e/demo.test.ts.
import { describe, expect, test } from 'vitest';
import { demoCommand } from '../../cli/commands/demo.js';
import { tickCapacity } from '../../cli/demo/consumer.js';
import { axisMax, renderChart, renderReport } from '../../cli/demo/report.js';
import { runDemo } from '../../cli/demo/run.js';
import { demoTarget, describeScenario, SCENARIOS } from '../../cli/demo/scenario.js';
import { formatSeconds, tickHeader, tickLine, type DemoTick } from '../../cli/demo/tick.js';
import { parseTarget } from '../../shared/config/index.js';
import { runCli } from './capture.js';

const tick = (t: Partial<DemoTick> = {}): DemoTick => ({ tick: 3, seconds: 45, queue: 204, replicasBefore: 8, replicas: 10, desired: 21, action: 'scale-up', code: 'TooManyReplicas', reason: 'capped at maxReplicaCount', processed: 80, ...t });

describe('terminal view', () => {
  test.each([
    [0, '0:00'], [15, '0:15'], [75, '1:15'], [600, '10:00'],
  ])('formatSeconds(%i) is %s', (seconds, want) => expect(formatSeconds(seconds)).toBe(want));

  test.each([
    { name: 'a change shows before -> after and a bar of the replicas', t: tick(), want: '   3    0:45     204  8 -> 10    ██████████       21  scale-up     TooManyReplicas' },
    { name: 'no change shows the count once', t: tick({ replicasBefore: 10, action: 'none', code: 'ScalerCooldown', queue: 0, desired: 0 }), want: '   3    0:45       0  10         ██████████        0  none         ScalerCooldown' },
    { name: 'a tick with no evaluation shows - for desired', t: tick({ replicasBefore: 0, replicas: 0, desired: null, action: 'not due', code: '-' }), want: '   3    0:45     204  0                            -  not due      -' },
  ])('$name', ({ t, want }) => expect(tickLine(t, 10)).toBe(want));

  test('the header lines up with the columns', () => {
    const header = tickHeader(10);
    const line = tickLine(tick(), 10);
    expect(header.indexOf('desired') + 'desired'.length).toBe(line.indexOf('21') + 2);
    expect(header.indexOf('action')).toBe(line.indexOf('scale-up'));
    expect(header.indexOf('reason code')).toBe(line.indexOf('TooManyReplicas'));
  });

  test('consumers process in proportion to the replicas', () => {
    expect([0, 1, 4, 10].map((r) => tickCapacity(r, 8))).toEqual([0, 8, 32, 80]);
  });
});

describe('scenario', () => {
  test.each(Object.values(SCENARIOS))('the $name scenario\'s target loads', (s) => {
    const parsed = parseTarget(demoTarget(s, { namespace: 'demo-1', deployment: 'worker', queueName: 'orders' }));
    expect(parsed.ok && { cooldown: parsed.target.cooldownPeriod, window: parsed.target.behavior?.scaleDown.stabilizationWindowSeconds, queueLength: parsed.target.triggers[0]!.targetValue })
      .toEqual({ cooldown: s.cooldownPeriod, window: s.scaleDownWindowSeconds, queueLength: s.queueLength });
  });
  test('the screen says how fast the clock runs and that the cooldown is shortened', () => {
    expect(describeScenario(SCENARIOS.full)[0]).toBe('clock: one tick every 1 s of real time = 15 s of scaler time (15x)');
    expect(describeScenario(SCENARIOS.short)[0]).toBe('clock: one tick every 200 ms of real time = 15 s of scaler time (75x)');
    expect(describeScenario(SCENARIOS.full)[2]).toContain('cooldownPeriod 60 s (shortened for the demo; KEDA and HPA default to 300 s)');
  });
});

describe('report', () => {
  test.each([[0, 4], [4, 4], [5, 8], [10, 12], [60, 80], [300, 400], [401, 800]])('axisMax(%i) is %i', (n, want) => expect(axisMax(n)).toBe(want));

  test('the chart has a point per tick and series, with its value', () => {
    const ticks = [tick({ tick: 0, seconds: 0, queue: 300, replicasBefore: 0, replicas: 4 }), tick({ tick: 1, seconds: 15, queue: 268, replicasBefore: 4, replicas: 8 }), tick({ tick: 2, seconds: 30, queue: 0, replicasBefore: 8, replicas: 0 })];
    const svg = renderChart(ticks, 10);
    const values = (series: string): string[] => [...svg.matchAll(new RegExp(`<circle class="${series}" data-tick="(\\d+)" data-value="(\\d+)"`, 'g'))].map((m) => `${m[1]}:${m[2]}`);
    expect(values('replicas')).toEqual(['0:4', '1:8', '2:0']);
    expect(values('queue')).toEqual(['0:300', '1:268', '2:0']);
    // The replicas line starts at 0 (before the first decision) and steps at each tick:
    // x from 56 to 896 over 2 intervals; y = 24 + 292 * (1 - r / 12).
    expect(/id="replicas-line"[^>]*points="([^"]+)"/.exec(svg)![1]).toBe('56,316 56,218.7 476,218.7 476,121.3 896,121.3 896,316');
  });

  test('the page is self-contained and escapes what it shows', () => {
    const html = renderReport({ scenario: SCENARIOS.short, ticks: [tick({ reason: 'desired <b>21</b> & "more"' })], startedAt: '2026-11-27T10:00:00.000Z', workload: 'demo-1/worker', outcome: 'Scaled 0 -> 10 -> 0' });
    expect(html).toContain('<td>desired &#60;b&#62;21&#60;/b&#62; &#38; &#34;more&#34;</td>');
    expect(html).not.toMatch(/<script|<link|src=|@import/i);
    expect(html.match(/https?:\/\/[^"\s]+/g)).toEqual(['http://www.w3.org/2000/svg']);
  });
});

describe('without the control-plane binaries', () => {
  test('the demo says how to get them and starts nothing', async () => {
    const err: string[] = [];
    const out: string[] = [];
    const result = await runDemo({ short: true, env: { KUBEBUILDER_ASSETS: '/nonexistent' }, out: (l) => out.push(l), err: (l) => err.push(l) });
    expect(result).toMatchObject({ ok: false, ticks: [], pids: [] });
    expect(result.reportPath).toBeUndefined();
    expect(err).toEqual([
      'demo: the demo runs a local kube-apiserver and etcd, and found none: KUBEBUILDER_ASSETS=/nonexistent holds no executable kube-apiserver and etcd; run scripts/build-control-plane.sh (needs Go and the Go module proxy) or set KUBEBUILDER_ASSETS to a folder with both',
    ]);
    expect(out).toEqual([]);
  });
});

describe('demo command line', () => {
  test('--help prints the usage', async () => {
    const { code, out } = await runCli(demoCommand, ['-h']);
    expect(out).toMatch(/^Usage: aks-queue-scaler demo \[--short\] \[--report FILE\]/);
    expect(code).toBe(0);
  });
  test('an unknown option is a usage error', async () => {
    const { code, err } = await runCli(demoCommand, ['--fast']);
    expect(err).toMatch(/^Unknown option '--fast'/);
    expect(code).toBe(2);
  });
});
