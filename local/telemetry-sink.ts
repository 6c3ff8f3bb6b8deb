// A local Application Insights ingestion endpoint: what the applicationinsights SDK sends, as
// App Insights would receive it. Used by the tests (what arrives, and in what shape) and by the
// telemetry benchmark (how many bytes arrive).
import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { listenHttps, readBody, sendJson } from './loopback-server.js';
import type { TestCa } from './test-ca.js';

/** An Application Insights envelope as the ingestion endpoint receives it (fields tests read). */
export interface TelemetryEnvelope {
  /** e.g. Microsoft.ApplicationInsights.Event, …Metric, …Exception, …Statsbeat */
  name: string;
  time: string;
  iKey: string;
  tags?: Record<string, string>;
  data?: {
    baseType?: string;
    baseData?: {
      name?: string;
      /** customDimensions in App Insights. */
      properties?: Record<string, string>;
      measurements?: Record<string, number>;
      metrics?: { name: string; value: number; count?: number }[];
      [field: string]: unknown;
    };
  };
}

/** What the sink received, in bytes. */
export interface ReceivedBytes {
  /** POST requests to /v2.1/track. */
  requests: number;
  /** Request bodies as they came over the wire (the exporter gzips them). */
  wire: number;
  /** The same bodies after gunzip: the JSON App Insights ingests. */
  json: number;
}

export interface TelemetrySink {
  instrumentationKey: string;
  /** For APPLICATIONINSIGHTS_CONNECTION_STRING / the TelemetryClient. */
  connectionString: string;
  /** Every envelope received, oldest first. */
  envelopes: TelemetryEnvelope[];
  /** Bytes received so far (counters that only grow). */
  received: ReceivedBytes;
  /** The first envelope, received before or after the call, for which `predicate` is true. */
  waitForEnvelope(predicate: (envelope: TelemetryEnvelope) => boolean, timeoutMs?: number): Promise<TelemetryEnvelope>;
  stop(): Promise<void>;
}

/** Matches the custom event `eventName` (trackEvent). */
export const isEvent = (eventName: string) => (envelope: TelemetryEnvelope): boolean =>
  envelope.data?.baseType === 'EventData' && envelope.data.baseData?.name === eventName;

const DEFAULT_WAIT_MS = 10_000;

/**
 * A local Application Insights ingestion endpoint: POST /v2.1/track with a JSON array (or
 * newline-delimited JSON) of envelopes, gzip or plain. HTTPS because the SDK rewrites an http://
 * IngestionEndpoint to https://, so clients must trust the test CA (local/trust-ca.ts).
 */
export async function startTelemetrySink(ca: TestCa): Promise<TelemetrySink> {
  const instrumentationKey = randomUUID();
  const envelopes: TelemetryEnvelope[] = [];
  const received: ReceivedBytes = { requests: 0, wire: 0, json: 0 };
  const waiters = new Set<() => void>();
  const server = await listenHttps(ca, 'telemetry-sink', async (request, response) => {
    if (request.method !== 'POST' || new URL(request.url ?? '/', 'https://localhost').pathname !== '/v2.1/track') {
      sendJson(response, 404, { error: `${request.method} ${request.url} is not served by the telemetry sink` });
      return;
    }
    const raw = await readBody(request);
    const body = request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
    received.requests++;
    received.wire += raw.length;
    received.json += body.length;
    const text = body.toString('utf8').trim();
    let batch: TelemetryEnvelope[];
    try {
      batch = text.startsWith('[') ? JSON.parse(text) as TelemetryEnvelope[] : text.split('\n').map((line) => JSON.parse(line) as TelemetryEnvelope);
    } catch (error) {
      sendJson(response, 400, { itemsReceived: 0, itemsAccepted: 0, errors: [{ index: 0, statusCode: 400, message: String(error) }] });
      return;
    }
    envelopes.push(...batch);
    for (const wake of waiters) wake();
    sendJson(response, 200, { itemsReceived: batch.length, itemsAccepted: batch.length, errors: [] });
  });
  return {
    instrumentationKey,
    connectionString: `InstrumentationKey=${instrumentationKey};IngestionEndpoint=${server.url}/;LiveEndpoint=${server.url}/`,
    envelopes,
    received,
    waitForEnvelope(predicate, timeoutMs = DEFAULT_WAIT_MS) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const found = envelopes.find(predicate);
          if (found === undefined) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          const names = envelopes.map((e) => e.data?.baseData?.name ?? e.name);
          reject(new Error(`telemetry sink: no matching envelope within ${timeoutMs} ms; received ${envelopes.length}: ${names.join(', ')}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    stop: server.close,
  };
}
