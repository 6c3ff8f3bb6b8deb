// A tick killed mid-way (SIGKILL: the Functions host recycling the worker, an out-of-memory
// kill) leaves state that the next tick accepts. The tick runs in a child process (tick-child.ts,
// bundled with esbuild) against the real kube-apiserver and Azurite; it is killed at random
// moments, and right after a scale write before that evaluation's state is saved.
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { QueueClient } from '@azure/storage-queue';
import { build } from 'esbuild';
import { beforeAll, describe, expect, test } from 'vitest';
import { targetKey, createEvaluationLoop, createRuntime } from '../../shared/runtime/index.js';
import type { Workloads } from '../../local/kube-workloads.js';
import { SCALER_CLIENT_ID } from '../../local/test-identities.js';
import { useLocalServices } from '../support/vitest/local-services.js';
import { controlPlaneEnabled } from '../support/vitest/provided.js';
import { createQueue, queueTarget, recordingTelemetry, replicasOf, scalerSettings, T0 } from '../e2e/scaler.js';
import { recordCount } from './figures.js';
import { setReplicas } from './harness.js';

const TARGETS = 5;
/** Kills right after the n-th scale write of the tick, then kills at random moments. */
const AFTER_WRITE = [1, 3, 5];
const RANDOM_KILLS = 5;
/** Inside node_modules, so that the bundle's imports of packages resolve from the repository. */
const BUNDLE = fileURLToPath(new URL('../../node_modules/.cache/aks-queue-scaler-reliability/tick-child.mjs', import.meta.url));

interface ChildRun {
  /** The signal that ended it (SIGKILL when killed), or null when it exited. */
  signal: NodeJS.Signals | null;
  code: number | null;
  lines: string[];
  stderr: string;
  /** From "started" to "done" (the tick itself), when it got that far. */
  tickMs?: number;
}

describe.runIf(controlPlaneEnabled)('a tick killed mid-way', () => {
  const services = useLocalServices();
  beforeAll(async () => {
    await mkdir(new URL('.', `file://${BUNDLE}`), { recursive: true });
    await build({
      entryPoints: [fileURLToPath(new URL('./tick-child.ts', import.meta.url))],
      outfile: BUNDLE, bundle: true, format: 'esm', platform: 'node', target: 'node22', packages: 'external', logLevel: 'warning',
    });
  }, 120_000);

  /** Runs the child; `killAfterMs` kills it (SIGKILL) that long after it said "started". */
  function runChild(settings: Record<string, string>, now: number, options: { dieAfterWrite?: number; killAfterMs?: number }): Promise<ChildRun> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BUNDLE], {
        env: { ...process.env, TICK_CHILD_INPUT: JSON.stringify({ settings, now, dieAfterWrite: options.dieAfterWrite }) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const lines: string[] = [];
      let stderr = '';
      let startedAt = 0;
      let tickMs: number | undefined;
      let buffered = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const parts = buffered.split('\n');
        buffered = parts.pop()!;
        for (const line of parts) {
          lines.push(line);
          if (line === 'started') startedAt = Date.now();
          if (line.startsWith('done ')) tickMs = Date.now() - startedAt;
          if (line === 'started' && options.killAfterMs !== undefined) setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
        }
      });
      child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal, lines, stderr, tickMs }));
    });
  }

  test(`killed ${AFTER_WRITE.length} times right after a scale write and ${RANDOM_KILLS} times at random: the next tick accepts the state and agrees with the cluster`, async () => {
    const seed = Number(process.env.KILL_SEED ?? Date.now() % 1_000_000);
    let rnd = seed;
    const random = (): number => ((rnd = (rnd * 16807) % 2147483647) / 2147483647);
    const workloads: Workloads[] = [];
    const queues: QueueClient[] = [];
    for (let i = 0; i < TARGETS; i++) {
      const w = await services.workloads({ replicas: 0, prefix: 'rel' });
      workloads.push(w);
      queues.push(await createQueue(services.azurite));
    }
    const settings = scalerSettings({
      azurite: services.azurite, controlPlane: services.controlPlane, table: `killed${Date.now()}`,
      targets: workloads.map((w, i) => queueTarget(w.namespace, w.deployment, queues[i]!.name, { cooldownPeriod: 30, advanced: { horizontalPodAutoscalerConfig: { behavior: {} } } })),
    });
    const env = { ...settings, AZURE_CLIENT_ID: SCALER_CLIENT_ID };
    const clock = { now: T0 };
    const telemetry = recordingTelemetry();
    const runtime = createRuntime(settings, { telemetry, now: () => clock.now });
    const loop = createEvaluationLoop(runtime);

    /** New work each round: some queues fill, some drain, so the tick has scale writes to make. */
    async function changeWork(): Promise<void> {
      await Promise.all(queues.map(async (q) => {
        if (random() < 0.4) return q.clearMessages();
        await Promise.all(Array.from({ length: 1 + Math.floor(random() * 12) }, () => q.sendMessage('work')));
      }));
    }

    /** The next tick, in this process: no error anywhere, and the state agrees with the cluster. */
    async function expectAccepted(round: string): Promise<void> {
      clock.now += 15_000;
      const result = await loop.tick();
      expect(result?.error, round).toBeUndefined();
      expect(result!.evaluated.filter((e) => e.error).map((e) => e.error), round).toEqual([]);
      const records = await runtime.store.loadAll();
      for (const [i, w] of workloads.entries()) {
        const key = targetKey(runtime.targets[i]!.target);
        expect(records.get(key)?.lastReplicas, `${round}: ${w.namespace}`).toBe(await replicasOf(services.admin, w.namespace, w.deployment));
      }
    }

    // A first tick that runs to the end: how long a tick takes here, for the random kills.
    await changeWork();
    clock.now += 15_000;
    const whole = await runChild(env, clock.now, {});
    const tickMs = whole.tickMs!;
    expect(whole.lines.at(-1), whole.stderr).toMatch(/^done \{"evaluated":5,"failed":\[\]\}$/);
    await expectAccepted('after a whole tick');

    let killed = 0;
    let killedAfterWrite = 0;
    for (const n of AFTER_WRITE) {
      // Every workload at 0 (an operator's doing) with work waiting: every target has a scale write to make.
      for (const w of workloads) await setReplicas(services.admin, w.namespace, w.deployment, 0);
      await Promise.all(queues.map((q) => q.sendMessage('work')));
      clock.now += 31_000; // past pollingInterval: targets at 0 are due

      const run = await runChild(env, clock.now, { dieAfterWrite: n });
      expect(run.signal, run.stderr).toBe('SIGKILL');
      expect(run.lines.filter((l) => l.startsWith('wrote '))).toHaveLength(n);
      killed++;
      killedAfterWrite++;
      await expectAccepted(`killed after write ${n}`);
    }
    for (let k = 0; k < RANDOM_KILLS; k++) {
      await changeWork();
      clock.now += 15_000;
      // Somewhere in the first 60% of a tick's usual length, so that most kills land inside it.
      const run = await runChild(env, clock.now, { killAfterMs: Math.floor(random() * 0.6 * tickMs) });
      // Killed before its end, or (the kill came too late) ended normally.
      if (!run.lines.some((l) => l.startsWith('done '))) {
        expect(run.signal, run.stderr).toBe('SIGKILL');
        killed++;
      }
      await expectAccepted(`random kill ${k}`);
      await sleep(10);
    }
    expect(killed).toBeGreaterThanOrEqual(AFTER_WRITE.length + 1);
    recordCount('killed-ticks', 'tick in a child process, SIGKILL after a scale write or at a random moment', killed,
      `seed ${seed}: ${killedAfterWrite} right after a scale write (before its state save), ${killed - killedAfterWrite} at random moments of a ${tickMs} ms tick; the next tick accepted the state every time`);
  }, 180_000);
});
