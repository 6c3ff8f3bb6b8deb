export type { FailureContext, ScaleDecisionEvent, ScaledByOtherEvent, Telemetry } from './telemetry.js';
export { createJsonLinesTelemetry } from './json-lines.js';
export { createAppInsightsTelemetry, decisionProperties } from './app-insights.js';
export { redactAzureSdkLogs, redactDecision, redactedError, redactSecrets, rememberConnectionString, rememberSecret, rememberSettingsSecrets } from './redact.js';
