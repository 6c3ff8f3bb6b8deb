// Telemetry for a terminal: one readable line per decision.
import { messageOf } from '../shared/errors/index.js';
import { describeScaledByOther } from '../shared/runtime/index.js';
import type { Telemetry } from '../shared/telemetry/index.js';

export function createDecisionLines(write: (line: string) => void = (l) => process.stdout.write(l)): Telemetry {
  return {
    decision(e) {
      const time = e.explain.now.slice(11, 19);
      const values = e.triggerValues.map((v, i) => (v === null ? `error(${e.triggerErrors[i]})` : String(v))).join(',');
      const change = e.finalReplicas === e.currentReplicas ? `${e.currentReplicas}` : `${e.currentReplicas} -> ${e.finalReplicas}`;
      write(`${time} ${e.target}  replicas ${change}  queue ${values}  ${e.action} (${e.code})${e.error ? `  FAILED: ${e.error}` : ''}\n`);
    },
    scaledByOther(e) {
      write(`${new Date().toISOString().slice(11, 19)} WARNING ${describeScaledByOther(e)}\n`);
    },
    failure(error, context) {
      write(`${new Date().toISOString().slice(11, 19)} ${context.target ?? context.operation}  error: ${messageOf(error)}\n`);
    },
    async flush() {},
  };
}
