// `npm run bench`: every benchmark in turn, one clear line per section, figures to stdout and to
// bench/results/<date>.json with the machine's facts. A section that cannot run (no
// control-plane binaries) says why and the others still run. Benchmarks never fail on a time.
//
//   node dist/bench/run.js [--only cold-start,queue-read,tick,wake,telemetry] [--sizes 100,1000] [--concurrency 16,32] [--fan-out 1000]
//                          [--shard-size 800] [--shard-workers 3] [--age 1000] [--schedule 0,15,30] [--cpu-prof] [--live-heap] [--app-insights]
//                          [--node-flags=--max-semi-space-size=4] [--hours 6]
import { existsSync, mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runColdStart } from './cold-start.js';
import { loadAverage, machine, ROOT, writeResults } from './results-file.js';
import { runQueueRead } from './queue-read.js';
import { runTelemetry } from './telemetry.js';
import { runTickScale, type FanOutSummary, type TickSummary } from './tick.js';

const root = ROOT;
const { values: args } = parseArgs({
  options: {
    only: { type: 'string' },
    sizes: { type: 'string' },
    concurrency: { type: 'string' },
    'fan-out': { type: 'string' },
    'shard-size': { type: 'string' },
    'shard-workers': { type: 'string' },
    age: { type: 'string' },
    'cpu-prof': { type: 'boolean' },
    'live-heap': { type: 'boolean' },
    'app-insights': { type: 'boolean' },
    schedule: { type: 'string' },
    'node-flags': { type: 'string' },
    hours: { type: 'string' },
  },
});
const numbers = (text: string | undefined): number[] | undefined => text?.split(',').map(Number).filter((n) => n > 0);
const sections = args.only?.split(',') ?? ['cold-start', 'queue-read', 'tick', 'wake', 'telemetry'];

/** bench/results/profiles, created. */
function profileDir(): string {
  const dir = join(root, 'bench', 'results', 'profiles');
  mkdirSync(dir, { recursive: true });
  return dir;
}


const results: Record<string, unknown> = { date: new Date().toISOString(), machine: machine() };
const line = (text: string): void => console.log(text);
const ms = (x: number): string => `${x.toLocaleString('en-US')} ms`;
const mb = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MB`;

async function section(name: string, run: () => Promise<void>): Promise<void> {
  if (!sections.includes(name)) return;
  line(`\n== ${name}`);
  const started = Date.now();
  try {
    await run();
  } catch (e) {
    results[name] = { error: e instanceof Error ? e.message : String(e) };
    line(`${name}: FAILED: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  }
  line(`(${name}: ${Math.round((Date.now() - started) / 1000)} s; load average now ${loadavg().map((x) => x.toFixed(2)).join(' ')})`);
}

function tickLine(s: TickSummary): string {
  const w = s.callsPerTarget.warm;
  const who = `${String(s.size).padStart(5)} targets, concurrency ${String(s.concurrency).padStart(3)}`;
  return `${who}: cold ${ms(s.coldMs)} (${s.scaledCold} scaled), warm all due ${ms(s.warmAllDueMs)} (${s.warmMsPerTarget} ms/target), awake only ${ms(s.warmAwakeMs)}; `
    + `scaler CPU cold ${ms(s.coldCpuMs)}, warm ${ms(s.warmCpuMs)} (${s.warmCpuMsPerTarget} ms/target)`
    + `${s.steadyWindow ? `, steady window (${s.steadyWindow.ticks} ticks, ${s.steadyWindow.seconds} s) ${s.steadyCpuMsPerEvaluation} ms per evaluation` : ''}; peak RSS ${s.maxRssMB} MB (${s.readyRssMB} MB before the first tick); `
    + `warm calls per target: queue ${w.queueReads}, kube read ${w.kubeReads}, kube write ${w.kubeWrites}, state rows ${round(w.stateSaves + w.stateBatchRows)} in ${round(w.stateSaves + w.stateBatches)} requests; `
    + `state query ${w.stateLoadAlls} per tick; load ${s.loadAverage1m}${s.failed ? `; ${s.failed} FAILED evaluations` : ''}`;
}

const round = (x: number): number => Math.round(x * 100) / 100;

function fanOutLines(s: FanOutSummary): string[] {
  return [
    `${s.size} targets in shards of ${s.shardSize}, ${s.workers} shard worker processes (peak RSS ${s.workerMaxRssMB.join(' / ')} MB; timer ${s.timerMaxRssMB} MB):`,
    ...s.ticks.map((t) => `  t=${t.atSeconds}s (${t.kind}): ${t.due} due -> ${t.shards} shards, ${t.messages} messages; ${ms(t.totalMs)} to the last shard (timer ${ms(t.timerMs)}, CPU ${ms(t.timerCpuMs)}); `
      + `${t.evaluated} evaluated, ${t.duplicates} twice, ${t.alreadyEvaluated} skipped as done, ${t.failed} failed; per shard: ${t.shardTargets.min}-${t.shardTargets.max} targets, `
      + `CPU max ${ms(t.shardCpuMs.max)} (mean ${ms(t.shardCpuMs.mean)}), wall max ${ms(t.shardWallMs.max)}; state rows ${t.saves.rows} in ${t.saves.transactions} transactions `
      + `(${t.saves.perShardTransactions} per shard) + ${t.saves.singleRequests} single; per target: queue ${t.perTarget.queueReads}, kube ${t.perTarget.kubeReads}, row-read requests ${t.perTarget.stateLoads}; load ${t.loadAverage1m}`),
  ];
}

/** What a trigger variant costs a warm tick: queue requests, the read's latency, the scaler's CPU. */
function ageLine(s: TickSummary): string {
  const queue = s.httpPerTick.warm.queue ?? 0;
  const read = s.warmQueueRead;
  return `${String(s.size).padStart(5)} targets, ${s.trigger.padEnd(17)}: warm ${queue} queue requests (${round(queue / s.size)} per target), `
    + `queue read p50 ${read.p50Ms} ms, p99 ${read.p99Ms} ms; warm all due ${ms(s.warmAllDueMs)}, scaler CPU ${ms(s.warmCpuMs)}; `
    + `${s.scaledCold} scaled cold; load ${s.loadAverage1m}${s.failed ? `; ${s.failed} FAILED evaluations` : ''}`;
}

await section('cold-start', async () => {
  const r = await runColdStart(root);
  results['cold-start'] = r;
  line(`import (median of ${r.importMsRuns.length}): bundled ${ms(r.bundledImportMsMedian)}, unbundled ${ms(r.importMsMedian)} (goal < 500 ms)`);
  line(`publish size: bundled ${mb(r.publish.bundled)}, unbundled ${mb(r.publish.unbundled)} (${r.publish.productionPackages} production packages)`);
});

await section('queue-read', async () => {
  const r = await runQueueRead({ log: line });
  results['queue-read'] = r;
  line(`(${r.queues} queues, ${r.messages} messages in the account, ${r.rounds} interleaved rounds; load ${r.loadAverage1m})`);
});

await section('tick', async () => {
  const r = await runTickScale(root, {
    sizes: numbers(args.sizes),
    concurrencies: numbers(args.concurrency),
    fanOutSizes: numbers(args['fan-out']),
    shardSize: numbers(args['shard-size'])?.[0],
    shardWorkers: numbers(args['shard-workers'])?.[0],
    ageSizes: numbers(args.age),
    profileDir: args['cpu-prof'] ? profileDir() : undefined,
    liveHeap: args['live-heap'],
    appInsights: args['app-insights'],
    nodeFlags: args['node-flags']?.split(' ').filter(Boolean),
    schedule: args.schedule?.split(',').map(Number),
    log: line,
  });
  results.tick = r;
  if (r.skipped) {
    line(`tick: SKIPPED: ${r.skipped}`);
    return;
  }
  line(`setup: ${JSON.stringify(r.setupSeconds)} s; ${r.depths.perHundred}`);
  for (const s of r.summaries) line(tickLine(s));
  if (r.summaries.length > 1) {
    const [first, last] = [r.summaries[0]!, r.summaries.at(-1)!];
    line(`growth ${first.size} -> ${last.size} targets: warm ${first.warmMsPerTarget} -> ${last.warmMsPerTarget} ms/target, `
      + `scaler CPU ${first.warmCpuMsPerTarget} -> ${last.warmCpuMsPerTarget} ms/target (flat or falling = no worse than linear)`);
  }
  if (r.sweep.length > 0) line('SCALER_CONCURRENCY sweep:');
  for (const s of r.sweep) line(tickLine(s));
  if (r.fanOut.length > 0) line('fan-out (a timer process and shard worker processes, sharing this machine):');
  for (const s of r.fanOut) for (const l of fanOutLines(s)) line(l);
  if (r.messageAge.length > 0) line('message age (the same targets, each trigger read by length, or with messageAgeTarget):');
  for (const s of r.messageAge) line(ageLine(s));
});

await section('wake', async () => {
  // The wake-latency benchmark, when present (bench/wake.ts).
  const wakeModule = join(import.meta.dirname, 'wake.js');
  if (!existsSync(wakeModule)) {
    results.wake = { skipped: 'bench/wake.ts is not built' };
    line('wake: SKIPPED: bench/wake.ts is not built');
    return;
  }
  const { runWake } = (await import(wakeModule)) as { runWake: (options: { log: (line: string) => void }) => Promise<unknown> };
  results.wake = await runWake({ log: line });
});

await section('telemetry', async () => {
  results.telemetry = await runTelemetry({ hours: numbers(args.hours)?.[0], log: line });
});

results.machineAfter = { loadAverage: loadAverage() };
const file = writeResults(results, new Date().toISOString());
line(`\nresults: ${file}`);
