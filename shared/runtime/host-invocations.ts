// What the Functions host's invocations run on: the runtime (clients, SDKs, telemetry), built
// once per worker process from its app settings and shared by the timer and the wake functions
// (or, in the shard workers' app, the shard function). host.ts imports this module on the first
// invocation, not at start-up.
import { evaluateShard } from './evaluate-all.js';
import { createEvaluationLoop, summarize, summarizeShard, tickWarnings, type EvaluationLoop } from './loop.js';
import { createWaker, type Waker } from './wake.js';
import { createRuntime, type Runtime } from './wiring.js';

let runtime: Runtime | undefined;
let loop: EvaluationLoop | undefined;
let waker: Waker | undefined;

export const hostRuntime = (): Runtime => (runtime ??= createRuntime(process.env));
export const hostWaker = (): Waker => (waker ??= createWaker(hostRuntime()));

/** One tick of the evaluation loop: what it did and its warnings, as the host logs them. */
export async function tick(): Promise<{ summary: string; warnings: string[] }> {
  loop ??= createEvaluationLoop(hostRuntime());
  const result = await loop.tick();
  return { summary: summarize(result), warnings: tickWarnings(result) };
}

/** One shard message of a tick that fanned out: what it did and its warnings, as the host logs them. */
export async function shard(text: string): Promise<{ summary: string; warnings: string[] }> {
  const result = await evaluateShard(hostRuntime(), text);
  return { summary: summarizeShard(result), warnings: tickWarnings(result) };
}
