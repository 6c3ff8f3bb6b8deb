// Telemetry for a terminal (`run`): one readable line per decision, with its reason. A target's
// problem (an evaluation that failed, a trigger that could not be read) is said once, with how
// to fix it where that is known, and not again until the target is fine: a missing queue or
// Deployment does not fill the screen every tick (the tick's summary line still counts it).
import { messageOf } from '../shared/errors/index.js';
import { describeScaledByOther } from '../shared/runtime/index.js';
import type { Telemetry } from '../shared/telemetry/index.js';

export interface DecisionLinesOptions {
  /** How to fix a target's failure, when known (e.g. the command that creates what is missing). */
  hint?: (error: unknown, target: string) => string | undefined;
  /** false: no line per decision, only the problems (with --json the decisions go out as JSON). */
  decisions?: boolean;
}

const clock = (iso: string = new Date().toISOString()): string => iso.slice(11, 19);

/** Tells the reader that a problem is said once. */
const ONCE = '(said once, until it is fixed)';

export function createDecisionLines(write: (line: string) => void = (l) => process.stdout.write(l), options: DecisionLinesOptions = {}): Telemetry {
  /** Per target (or operation), the problems already said. */
  const said = new Map<string, Set<string>>();
  const firstTime = (who: string, problem: string): boolean => {
    const problems = said.get(who) ?? new Set<string>();
    said.set(who, problems);
    if (problems.has(problem)) return false;
    problems.add(problem);
    return true;
  };
  return {
    decision(e) {
      const time = clock(e.explain.now);
      if (!e.error && e.triggerErrors.every((t) => t === null)) {
        // Fine again: a problem that comes back is said again.
        said.delete(e.target);
        said.delete('tick');
      }
      e.triggerErrors.forEach((error, i) => {
        if (error !== null && firstTime(e.target, error)) write(`${time} ${e.target}  trigger ${i} cannot be read: ${error} ${ONCE}\n`);
      });
      if (options.decisions !== false) {
        const values = e.triggerValues.map((v) => (v === null ? 'error' : String(v))).join(',') + (e.composite === undefined ? '' : `  composite ${e.composite === null ? 'none' : e.composite}`);
        const change = e.finalReplicas === e.currentReplicas ? `${e.currentReplicas}` : `${e.currentReplicas} -> ${e.finalReplicas}`;
        // The reason repeats each trigger's error; what to do about it was said once, above.
        const reason = e.triggerErrors.reduce<string>((text, error) => (error === null ? text : text.split(error).join(error.split('; ')[0]!)), e.reason);
        write(`${time} ${e.target}  replicas ${change}  queue ${values}  ${e.action} (${e.code}): ${reason}${e.error ? `  FAILED: ${e.error}` : ''}\n`);
      }
    },
    scaledByOther(e) {
      write(`${clock()} WARNING ${describeScaledByOther(e)}\n`);
    },
    failure(error, context) {
      const who = context.target ?? context.operation;
      const message = messageOf(error);
      if (!firstTime(who, message)) return;
      const hint = context.target === undefined ? undefined : options.hint?.(error, context.target);
      write(`${clock()} ${who}  error: ${message}${hint ? `; ${hint}` : ''}${context.target === undefined ? '' : ` ${ONCE}`}\n`);
    },
    warning(message) {
      write(`${clock()} WARNING ${message}\n`);
    },
    async flush() {},
  };
}
