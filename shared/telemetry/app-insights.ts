// ScaleDecision events, trigger-reading (e.g. queue-length) and replica metrics, and exceptions
// to Application Insights through the applicationinsights 3.x classic API, authenticated with a
// managed identity (local auth is disabled on the resource). Not every decision is sent whole:
// decision-record.ts says which are, metric-windows.ts how the metrics are aggregated. The SDK
// (with OpenTelemetry, 5 MB of the bundle and about 40 MB of memory once loaded) is imported
// only when App Insights is configured: bench/README.md, goal 4.
import { gzipSync } from 'node:zlib';
import type { TokenCredential } from '@azure/identity';
import type { TelemetryClient } from 'applicationinsights';
import {
  EXPLAIN,
  EXPLAIN_ENCODING,
  EXPLAIN_OMITTED,
  EXPLAIN_PARTS,
  explainJson,
  explainPartName,
  ITEM_PROPERTIES_BYTES,
  PART_CHARS,
  type ExplainEncoding,
} from './explain-dimensions.js';
import { redactedError, redactSecrets } from '../redact/index.js';
import { createDecisionRecorder } from './decision-record.js';
import { createMetricWindows, type MetricReading } from './metric-windows.js';
import { redactDecision } from './redact-decision.js';
import type { ScaleDecisionEvent, Telemetry } from './telemetry.js';

/** Bytes that `properties` take in an envelope's JSON. */
const bytesOf = (properties: Record<string, string>): number => Buffer.byteLength(JSON.stringify(properties));

/** `text` cut in parts of PART_CHARS, as dimensions explain, explain.2, ... with their count and encoding. */
function explainParts(text: string, encoding: ExplainEncoding): Record<string, string> {
  const count = Math.ceil(text.length / PART_CHARS);
  const parts: Record<string, string> = {};
  for (let n = 1; n <= count; n++) parts[explainPartName(n)] = text.slice((n - 1) * PART_CHARS, n * PART_CHARS);
  return { ...parts, [EXPLAIN_PARTS]: String(count), [EXPLAIN_ENCODING]: encoding };
}

/**
 * Custom dimensions of a ScaleDecision event (all strings, as App Insights stores them). The
 * replay document (docs/engine.md; explain-dimensions.ts) is `explain`, plain JSON, when it fits
 * in one value; otherwise parts explain, explain.2, ... with explainParts and explainEncoding:
 * plain JSON while the item stays within its size, else gzip + base64; else, never expected
 * with the state's bounded lists, explainOmitted says why it is not there. replayInputOf
 * (explain-dimensions.ts) reads them back.
 */
export function decisionProperties(e: ScaleDecisionEvent): Record<string, string> {
  const properties: Record<string, string> = {
    target: e.target,
    cluster: e.cluster,
    namespace: e.namespace,
    kind: e.kind,
    name: e.name,
    triggerValues: JSON.stringify(e.triggerValues),
    triggerErrors: JSON.stringify(e.triggerErrors),
    ...(e.composite !== undefined ? { composite: String(e.composite) } : {}),
    currentReplicas: String(e.currentReplicas),
    desiredReplicas: String(e.desiredReplicas),
    finalReplicas: String(e.finalReplicas),
    action: e.action,
    code: e.code,
    reason: e.reason,
    applied: String(e.applied),
    ...(e.error ? { error: e.error } : {}),
    durationMs: String(e.durationMs),
  };
  const json = explainJson(e.explain);
  if (json.length <= PART_CHARS) return { ...properties, [EXPLAIN]: json };
  const room = ITEM_PROPERTIES_BYTES - bytesOf(properties);
  const plain = explainParts(json, 'json');
  if (bytesOf(plain) <= room) return { ...properties, ...plain };
  const packed = gzipSync(json, { level: 9 }).toString('base64');
  const compressed = explainParts(packed, 'gzip+base64');
  if (bytesOf(compressed) <= room) return { ...properties, ...compressed };
  return {
    ...properties,
    [EXPLAIN_OMITTED]: `the replay document is ${json.length} characters, ${packed.length} as gzip + base64: more than the ${Math.max(0, room)} bytes left in the App Insights item; JSON lines (no APPLICATIONINSIGHTS_CONNECTION_STRING) keep it whole`,
  };
}

/**
 * The metrics of one decision, each with the target as its dimension (cluster, namespace and
 * name are in it): each trigger's reading as its type's metric (scaler.queue_length for
 * azure-queue) with the trigger's index; the scalingModifiers formula's value, as KEDA's
 * composite-metric; the replicas after the decision and the desired replicas.
 */
function metricReadings(e: ScaleDecisionEvent): MetricReading[] {
  const target = { target: e.target };
  const readings: MetricReading[] = [];
  e.triggerValues.forEach((value, trigger) => {
    const name = e.triggerMetrics[trigger];
    if (value !== null && name) readings.push({ name, value, dimensions: { ...target, trigger: String(trigger) } });
  });
  if (typeof e.composite === 'number') readings.push({ name: 'scaler.composite', value: e.composite, dimensions: target });
  readings.push({ name: 'scaler.replicas', value: e.finalReplicas, dimensions: target });
  readings.push({ name: 'scaler.desired_replicas', value: e.desiredReplicas, dimensions: target });
  return readings;
}

/** A context's properties that are set, as App Insights' custom properties. */
const defined = (context: object): Record<string, string> =>
  Object.fromEntries(Object.entries(context).filter((entry): entry is [string, string] => entry[1] !== undefined));

/** The SDK's client, loaded on first use, and configured. */
async function loadClient(connectionString: string, credential: TokenCredential | undefined): Promise<TelemetryClient> {
  // A CommonJS package: its exports are the module's default (the only export of its chunk in the bundle).
  const { TelemetryClient } = (await import('applicationinsights')).default;
  // An isolated client: only our own track calls, no auto-collection of the host's traffic.
  const client = new TelemetryClient(connectionString, { useGlobalProviders: false });
  if (credential) client.config.aadTokenCredential = credential;
  client.config.enableAutoCollectRequests = false;
  client.config.enableAutoCollectDependencies = false;
  client.initialize();
  return client;
}

export function createAppInsightsTelemetry(connectionString: string, credential: TokenCredential | undefined): Telemetry {
  const loading = loadClient(connectionString, credential);
  // Track calls made while the SDK loads wait for it, in order; after that they go straight to it.
  // A failed load is the flush's error (every tick awaits the flush); from then on, and for the
  // calls waiting, there is nothing to send with: they are dropped, not kept.
  let client: TelemetryClient | 'failed' | undefined;
  const waiting: ((c: TelemetryClient) => void)[] = [];
  const track = (call: (c: TelemetryClient) => void): void => {
    if (client === undefined) waiting.push(call);
    else if (client !== 'failed') call(client);
  };
  loading.then((loaded) => {
    client = loaded;
    for (const call of waiting.splice(0)) call(loaded);
  }, () => {
    client = 'failed';
    waiting.length = 0;
  });
  const recorder = createDecisionRecorder();
  const windows = createMetricWindows();
  return {
    decision(event) {
      const at = Date.parse(event.explain.now);
      // A closed window's samples, recorded together: the next export sends each metric's sum,
      // count, min and max over the window as one item. Metrics carry numbers and the target's
      // key only: nothing in them to redact.
      for (const sample of windows.add(event.target, at, metricReadings(event))) {
        for (const m of sample) track((c) => c.trackMetric({ name: m.name, value: m.value, properties: m.dimensions }));
      }
      const recorded = recorder.record(event, at);
      // Redacted only when sent: most decisions of a steady target are counted, not sent.
      if (recorded) {
        const properties = { ...decisionProperties(redactDecision(event)), record: recorded.record, unchangedBefore: String(recorded.unchangedBefore) };
        track((c) => c.trackEvent({ name: 'ScaleDecision', properties }));
      }
    },
    scaledByOther(e) {
      const { writer, ...fields } = e;
      const properties = {
        ...fields,
        expectedReplicas: String(e.expectedReplicas),
        foundReplicas: String(e.foundReplicas),
        ...(writer ? { writer: writer.manager, writerOperation: writer.operation ?? '', writerSubresource: writer.subresource ?? '', writerTime: writer.time ?? '' } : {}),
      };
      track((c) => c.trackEvent({ name: 'ScaledByOther', properties }));
    },
    failure(error, context) {
      const exception = redactedError(error);
      const properties = defined(context);
      track((c) => c.trackException({ exception, properties }));
    },
    // A trace at severity Warning (the traces table, severityLevel 2), as the host's own warnings land.
    warning(message, context) {
      const properties = defined(context);
      const text = redactSecrets(message);
      track((c) => c.trackTrace({ message: text, severity: 'Warning', properties }));
    },
    flush: async () => (await loading).flush(),
  };
}
