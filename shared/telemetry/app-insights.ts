// ScaleDecision events, queue-length and replica metrics, and exceptions to Application
// Insights through the applicationinsights 3.x classic API, authenticated with a managed
// identity (local auth is disabled on the resource).
import type { TokenCredential } from '@azure/identity';
import { TelemetryClient } from 'applicationinsights';
import { redactDecision, redactedError } from './redact.js';
import type { ScaleDecisionEvent, Telemetry } from './telemetry.js';

/** Custom dimensions of a ScaleDecision event (all strings, as App Insights stores them). */
export function decisionProperties(e: ScaleDecisionEvent): Record<string, string> {
  return {
    target: e.target,
    cluster: e.cluster,
    namespace: e.namespace,
    kind: e.kind,
    name: e.name,
    triggerValues: JSON.stringify(e.triggerValues),
    triggerErrors: JSON.stringify(e.triggerErrors),
    currentReplicas: String(e.currentReplicas),
    desiredReplicas: String(e.desiredReplicas),
    finalReplicas: String(e.finalReplicas),
    action: e.action,
    code: e.code,
    reason: e.reason,
    applied: String(e.applied),
    ...(e.error ? { error: e.error } : {}),
    durationMs: String(e.durationMs),
    explain: JSON.stringify(e.explain),
  };
}

export function createAppInsightsTelemetry(connectionString: string, credential: TokenCredential | undefined): Telemetry {
  // An isolated client: only our own track calls, no auto-collection of the host's traffic.
  const client = new TelemetryClient(connectionString, { useGlobalProviders: false });
  if (credential) client.config.aadTokenCredential = credential;
  client.config.enableAutoCollectRequests = false;
  client.config.enableAutoCollectDependencies = false;
  client.initialize();
  return {
    decision(event) {
      const e = redactDecision(event);
      const dimensions = { target: e.target, cluster: e.cluster, namespace: e.namespace, name: e.name };
      client.trackEvent({ name: 'ScaleDecision', properties: decisionProperties(e) });
      e.triggerValues.forEach((value, trigger) => {
        if (value !== null) client.trackMetric({ name: 'scaler.queue_length', value, properties: { ...dimensions, trigger: String(trigger) } });
      });
      client.trackMetric({ name: 'scaler.replicas', value: e.finalReplicas, properties: dimensions });
      client.trackMetric({ name: 'scaler.desired_replicas', value: e.desiredReplicas, properties: dimensions });
    },
    failure(error, context) {
      const exception = redactedError(error);
      client.trackException({ exception, properties: Object.fromEntries(Object.entries(context).filter(([, v]) => v !== undefined)) as Record<string, string> });
    },
    flush: () => client.flush(),
  };
}
