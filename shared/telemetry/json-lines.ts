// No App Insights configured: structured JSON lines on stdout, which the Functions host and any
// log collector keep.
import { messageOf } from '../errors/index.js';
import { redactSecrets } from '../redact/index.js';
import { redactDecision } from './redact-decision.js';
import type { Telemetry } from './telemetry.js';

export function createJsonLinesTelemetry(write: (line: string) => void = (l) => process.stdout.write(l)): Telemetry {
  return {
    decision(event) {
      write(`${JSON.stringify({ type: 'ScaleDecision', time: event.explain.now, ...redactDecision(event) })}\n`);
    },
    scaledByOther(event) {
      write(`${JSON.stringify({ type: 'ScaledByOther', time: new Date().toISOString(), ...event })}\n`);
    },
    failure(error, context) {
      write(`${JSON.stringify({ type: 'Failure', time: new Date().toISOString(), ...context, error: redactSecrets(messageOf(error)) })}\n`);
    },
    warning(message, context) {
      write(`${JSON.stringify({ type: 'Warning', time: new Date().toISOString(), ...context, warning: redactSecrets(message) })}\n`);
    },
    async flush() {},
  };
}
