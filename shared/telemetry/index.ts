export type { FailureContext, ScaleDecisionEvent, ScaledByOtherEvent, Telemetry, WarningContext } from './telemetry.js';
export { createJsonLinesTelemetry } from './json-lines.js';
export { createAppInsightsTelemetry, decisionProperties } from './app-insights.js';
export { redactDecision } from './redact-decision.js';
export { replayInputOf } from './explain-dimensions.js';
