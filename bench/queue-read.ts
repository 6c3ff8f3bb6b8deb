// One queue read's requests on their own: Get Queue Metadata (the length, `all`), Peek Messages
// of one (what messageAgeTarget adds to `all`) and of 32 (`visibleonly`), against Azurite, with
// the tick benchmark's mix of queue depths. Rounds interleave the three, so each sees the same
// load; the client's CPU is this process's (Azurite runs in its own). Run after `npm run build`.
import { performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import pLimit from 'p-limit';
import { startAzurite } from '../local/azurite.js';
import { depthOf } from './tick-fixtures.js';

export const QUEUE_CALLS = {
  'Get Queue Metadata': (q: QueueClient) => q.getProperties(),
  'Peek Messages (1)': (q: QueueClient) => q.peekMessages({ numberOfMessages: 1 }),
  'Peek Messages (32)': (q: QueueClient) => q.peekMessages({ numberOfMessages: 32 }),
} satisfies Record<string, (q: QueueClient) => Promise<unknown>>;
export type QueueCall = keyof typeof QUEUE_CALLS;

export interface QueueCallFigure {
  call: QueueCall;
  calls: number;
  /** Wall time per call, one at a time: the round trip to Azurite, its work included. */
  wallMsPerCall: number;
  /** This process's CPU per call: the SDK's pipeline, parsing the answer. */
  clientCpuMsPerCall: number;
}

export interface QueueReadResult {
  queues: number;
  messages: number;
  rounds: number;
  figures: QueueCallFigure[];
  loadAverage1m: number;
}

export async function runQueueRead(options: { queues?: number; rounds?: number; log?: (line: string) => void } = {}): Promise<QueueReadResult> {
  const count = options.queues ?? 1000;
  const rounds = options.rounds ?? 3;
  const azurite = await startAzurite();
  try {
    const service = QueueServiceClient.fromConnectionString(azurite.connectionString);
    const limit = pLimit(32);
    const queues = await Promise.all(Array.from({ length: count }, (_, j) => limit(async () => {
      const queue = service.getQueueClient(`read${j}`);
      await queue.create();
      for (let m = 0; m < depthOf(j); m++) await queue.sendMessage(`message ${m}`);
      return queue;
    })));
    const totals = new Map<QueueCall, { wallMs: number; cpuMs: number; calls: number }>();
    const calls = Object.keys(QUEUE_CALLS) as QueueCall[];
    // Round 0 warms the connections and the JIT; it is not counted.
    for (let round = 0; round <= rounds; round++) {
      for (const call of calls) {
        const cpu = process.cpuUsage();
        const start = performance.now();
        for (const queue of queues) await QUEUE_CALLS[call](queue);
        const wallMs = performance.now() - start;
        const used = process.cpuUsage(cpu);
        if (round === 0) continue;
        const total = totals.get(call) ?? { wallMs: 0, cpuMs: 0, calls: 0 };
        totals.set(call, { wallMs: total.wallMs + wallMs, cpuMs: total.cpuMs + (used.user + used.system) / 1000, calls: total.calls + queues.length });
      }
    }
    const round3 = (x: number): number => Math.round(x * 1000) / 1000;
    const figures = calls.map((call) => {
      const t = totals.get(call)!;
      return { call, calls: t.calls, wallMsPerCall: round3(t.wallMs / t.calls), clientCpuMsPerCall: round3(t.cpuMs / t.calls) };
    });
    for (const f of figures) options.log?.(`  ${f.call.padEnd(18)}: ${f.wallMsPerCall} ms per call, client CPU ${f.clientCpuMsPerCall} ms per call (${f.calls} calls)`);
    return { queues: count, messages: queues.reduce((sum, _, j) => sum + depthOf(j), 0), rounds, figures, loadAverage1m: Math.round(loadavg()[0]! * 100) / 100 };
  } finally {
    await azurite.stop();
  }
}
