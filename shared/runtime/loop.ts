// The evaluation loop as the Functions host and `cli run` drive it: a tick never overlaps
// itself (a slow tick makes the next one skip, as a timer singleton would).
import { redactSecrets } from '../redact/index.js';
import { evaluateAll, type ShardResult, type TickOptions, type TickResult } from './evaluate-all.js';
import type { EvaluatedTarget } from './evaluate-target.js';
import type { Runtime } from './wiring.js';

export interface EvaluationLoop {
  /** Runs one tick, or returns undefined when the previous one is still running. */
  tick(options?: TickOptions): Promise<TickResult | undefined>;
}

export function createEvaluationLoop(runtime: Runtime): EvaluationLoop {
  let running = false;
  return {
    async tick(options) {
      if (running) return undefined;
      running = true;
      try {
        const result = await evaluateAll(runtime, options);
        await runtime.telemetry.flush();
        return result;
      } finally {
        running = false;
      }
    },
  };
}

/** The warnings of a tick for the host's log (another writer changed a workload's replicas), redacted. */
export const tickWarnings = (result: Pick<TickResult, 'evaluated'> | undefined): string[] => (result?.evaluated ?? []).flatMap((e) => e.warnings ?? []).map(redactSecrets);

/** The evaluation failed, or decided without reading every trigger (the target held on the error). */
export const failedEvaluation = (e: EvaluatedTarget): boolean => e.error !== undefined || (e.event?.triggerErrors.some((t) => t !== null) ?? false);

/** One line for the host's log: what the tick did. */
export function summarize(result: TickResult | undefined): string {
  if (!result) return 'tick skipped: the previous tick is still running';
  if (result.error) return `tick failed: ${redactSecrets(result.error)}`;
  const deleted = result.deletedRows?.length ? `; deleted the state rows of ${result.deletedRows.length} target(s) no longer configured (${result.deletedRows.join(', ')})` : '';
  if (result.fannedOut) {
    const { targets, shards, messages, failed } = result.fannedOut;
    const unsent = failed > 0 ? `, ${failed} of them not sent (their targets wait for the next tick)` : '';
    return `sent ${targets} due target(s) to ${shards} shard(s) in ${messages} message(s)${unsent}, ${result.skipped} not due${deleted}`;
  }
  const changed = result.evaluated.filter((e) => e.event?.applied).length;
  // A target whose trigger could not be read held on an error: it failed too.
  const failed = result.evaluated.filter(failedEvaluation).length;
  return `evaluated ${result.evaluated.length} target(s), ${changed} scaled, ${failed} failed, ${result.skipped} not due${deleted}`;
}

/** One line for the host's log: what a shard worker did with a shard message. */
export function summarizeShard(result: ShardResult): string {
  const { tick, shard, shards, part, parts } = result.message;
  const changed = result.evaluated.filter((e) => e.event?.applied).length;
  const failed = result.evaluated.filter(failedEvaluation).length;
  const done = result.alreadyEvaluated.length > 0 ? `, ${result.alreadyEvaluated.length} evaluated by this tick already` : '';
  const unknown = result.unknown.length > 0 ? `, ${result.unknown.length} not in this instance's configuration (${result.unknown.slice(0, 5).join(', ')}${result.unknown.length > 5 ? ', ...' : ''})` : '';
  return `shard ${shard + 1}/${shards}${parts > 1 ? ` part ${part + 1}/${parts}` : ''} of tick ${tick}: evaluated ${result.evaluated.length} target(s), ${changed} scaled, ${failed} failed${done}${unknown}`;
}
