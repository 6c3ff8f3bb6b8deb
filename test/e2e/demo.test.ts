// `npm run demo -- --short`, in process: it starts its own kube-apiserver, etcd and Azurite,
// scales a Deployment 0 -> N -> 0 with the real evaluation loop, writes the HTML report, and
// leaves no process behind.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runDemo } from '../../cli/demo/run.js';
import { tickLine } from '../../cli/demo/tick.js';
import { controlPlaneEnabled } from '../support/vitest/provided.js';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.runIf(controlPlaneEnabled)('demo', () => {
  test('the short demo scales up from 0, drains the queue, comes back to 0 and charts every tick', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aqs-demo-test-'));
    const reportPath = join(dir, 'report.html');
    const out: string[] = [];
    const err: string[] = [];
    const result = await runDemo({ short: true, reportPath, out: (l) => out.push(l), err: (l) => err.push(l) });

    expect(err).toEqual([]);
    expect(result).toMatchObject({ ok: true, interrupted: false, reportPath });
    const { ticks, scenario } = result;
    expect(ticks[0]).toMatchObject({ replicasBefore: 0, action: 'activate', code: 'ScaleTargetActivated', queue: scenario.messages });
    expect(ticks[0]!.replicas).toBeGreaterThan(0);
    expect(result.peak).toBeGreaterThan(1);
    expect(ticks.at(-1)).toMatchObject({ replicas: 0, action: 'deactivate', code: 'ScaleTargetDeactivated', queue: 0 });
    // The consumers worked through the whole burst, in proportion to the replicas.
    expect(ticks.reduce((sum, t) => sum + t.processed, 0)).toBe(scenario.messages);
    for (const t of ticks) expect(t.processed).toBeLessThanOrEqual(t.replicas * scenario.perReplicaPerTick);
    // Scale-down went through at least one step above 0 (stabilization / HPA floor) before the cooldown.
    expect(ticks.some((t) => t.replicas > 0 && t.replicas < result.peak && t.replicasBefore > t.replicas)).toBe(true);
    // The clock moved 15 s per tick.
    expect(ticks.map((t) => t.seconds)).toEqual(ticks.map((_, i) => i * 15));

    // The live view said how time runs, then one line per tick.
    expect(out).toContain('      clock: one tick every 200 ms of real time = 15 s of scaler time (75x)');
    for (const t of ticks) expect(out).toContain(tickLine(t, scenario.maxReplicaCount));
    expect(out.at(-1)).toBe(`report: ${reportPath}`);

    // The report charts every tick's replicas and queue length, and lists every decision.
    const html = await readFile(reportPath, 'utf8');
    for (const t of ticks) {
      expect(html).toContain(`<circle class="replicas" data-tick="${t.tick}" data-value="${t.replicas}"`);
      expect(html).toContain(`<circle class="queue" data-tick="${t.tick}" data-value="${t.queue}"`);
    }
    expect(html.match(/<circle /g)).toHaveLength(ticks.length * 2);
    expect(html.match(/<tr><td>/g)).toHaveLength(ticks.length);
    expect(html).toContain(`Scaled 0 -&#62; ${result.peak} -&#62; 0 in ${ticks.length} ticks`);

    // Nothing it started is still running.
    expect(result.pids.length).toBeGreaterThanOrEqual(3);
    expect(result.pids.filter(alive)).toEqual([]);
  }, 180_000);

  test('an interrupted demo stops everything it started and reports what ran', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aqs-demo-test-'));
    const abort = new AbortController();
    const out: string[] = [];
    const result = await runDemo({
      short: true,
      reportPath: join(dir, 'report.html'),
      signal: abort.signal,
      // Ctrl-C right after the first tick is shown.
      out: (l) => {
        out.push(l);
        if (/^ {3}0 {4}0:00/.test(l)) abort.abort();
      },
      err: () => {},
    });
    expect(result).toMatchObject({ ok: false, interrupted: true });
    expect(result.ticks).toHaveLength(1);
    expect(await readFile(result.reportPath!, 'utf8')).toContain('Interrupted after 1 tick(s).');
    expect(out).toContain('stopping the identity endpoint, Azurite, kube-apiserver and etcd');
    expect(result.pids.filter(alive)).toEqual([]);
  }, 180_000);
});
