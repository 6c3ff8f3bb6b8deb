// A decision event as it may leave the process: the texts in it redacted (shared/redact).
import { redactSecrets, redactTexts } from '../redact/index.js';
import type { ScaleDecisionEvent } from './telemetry.js';

/**
 * A decision event with the texts that may carry what a service answered redacted: the reason,
 * the error, each trigger's error, and inside the replay document every text of the observation
 * (trigger errors, why the history is not trusted, ...). The rest is numbers, times and the
 * configuration, which holds no secrets (connection strings are refused in it).
 */
export function redactDecision(e: ScaleDecisionEvent): ScaleDecisionEvent {
  return {
    ...e,
    reason: redactSecrets(e.reason),
    ...(e.error === undefined ? {} : { error: redactSecrets(e.error) }),
    triggerErrors: e.triggerErrors.map((t) => (t === null ? null : redactSecrets(t))),
    explain: { ...e.explain, observation: redactTexts(e.explain.observation) },
  };
}
