// What the redaction takes out of texts that leave the process, and what it leaves alone.
import { describe, expect, test } from 'vitest';
import { decisionProperties } from '../../shared/telemetry/app-insights.js';
import { createJsonLinesTelemetry } from '../../shared/telemetry/json-lines.js';
import { redactedError, redactSecrets, rememberConnectionString, rememberSecret } from '../../shared/redact/index.js';
import { redactDecision } from '../../shared/telemetry/index.js';
import { decisionEvent, documentOfLength } from './replay-documents.js';

const JWT = 'eyJhbGciOiJub25lIn0.eyJhdWQiOiJodHRwczovL3N0b3JhZ2UuYXp1cmUuY29tIn0.';

const ROWS: { name: string; text: string; want: string }[] = [
  { name: 'a bearer token in an echoed header', text: 'gateway: {"authorization":"Bearer autoscaler-1-0a1b2c3d4e5f"}', want: 'gateway: {"authorization":"Bearer [redacted]"}' },
  { name: 'a SharedKey signature', text: 'Authorization: SharedKey devstoreaccount1:kQ2e4n5Hx7bL9m0pRsT1uVwX3yZ=', want: 'Authorization: SharedKey devstoreaccount1:[redacted]' },
  { name: 'a JWT on its own', text: `token ${JWT} refused`, want: 'token [redacted] refused' },
  { name: 'a key in a connection string', text: 'AccountName=a;AccountKey=Eby8vdM02xNOcqFlqUwJ==;QueueEndpoint=http://x', want: 'AccountName=a;AccountKey=[redacted];QueueEndpoint=http://x' },
  { name: 'a SAS in a connection string', text: 'QueueEndpoint=https://q;SharedAccessSignature=sv=2024-08-04&ss=q&sig=abc%2Bdef', want: 'QueueEndpoint=https://q;SharedAccessSignature=[redacted]' },
  { name: 'a SAS signature in a URL', text: 'GET https://acct.queue.core.windows.net/orders?sv=2024-08-04&sp=r&sig=Zm9vYmFyYmF6cXV4%3D failed', want: 'GET https://acct.queue.core.windows.net/orders?sv=2024-08-04&sp=r&sig=[redacted] failed' },
  { name: 'the identity header by name', text: 'bad request x-identity-header=256ab4e62fc718a4 (api-version)', want: 'bad request x-identity-header=[redacted] (api-version)' },
  { name: 'ordinary messages are left alone', text: 'read deployment shop/worker in cluster prod: HTTP 500: etcdserver: request timed out', want: 'read deployment shop/worker in cluster prod: HTTP 500: etcdserver: request timed out' },
  { name: 'words that only look like a scheme are left alone', text: 'Basic tier; no Bearer token given', want: 'Basic tier; no Bearer token given' },
];

describe('redactSecrets', () => {
  test.each(ROWS.map((r) => [r.name, r] as const))('%s', (_, row) => {
    expect(redactSecrets(row.text)).toBe(row.want);
  });

  test('a remembered value is redacted wherever it appears, whatever its shape', () => {
    rememberSecret('opaque-kube-token-7f3a9c');
    expect(redactSecrets('401 for token opaque-kube-token-7f3a9c at /apis')).toBe('401 for token [redacted] at /apis');
  });

  test('the key and the SAS signature of a remembered connection string are redacted alone too', () => {
    rememberConnectionString('QueueEndpoint=https://q;SharedAccessSignature=sv=2024-08-04&sig=c2lnbmF0dXJlLXZhbHVl%3D');
    rememberConnectionString('AccountName=a;AccountKey=a2V5LXZhbHVlLWZvci10ZXN0cw==');
    expect(redactSecrets('signature c2lnbmF0dXJlLXZhbHVl= and key a2V5LXZhbHVlLWZvci10ZXN0cw== echoed')).toBe('signature [redacted] and key [redacted] echoed');
  });

  test('an error keeps its name, and loses the secret in its message and stack', () => {
    const e = new TypeError('failed with Bearer abcdefghijklmnop');
    const safe = redactedError(e);
    expect(safe.name).toBe('TypeError');
    expect(safe.message).toBe('failed with Bearer [redacted]');
    expect(safe.stack).not.toContain('abcdefghijklmnop');
  });
});

describe('redactDecision', () => {
  const signature = 'SharedKeyLite devstoreaccount1:Y/9vfXq2mN8pL4rT6wZ1bC3dE5fG7hJ=';
  const document = documentOfLength(2_000);
  const observed = {
    ...document.observation,
    triggers: [{ value: 30 }, { error: `queue orders: 403 Authorization: ${signature}` }],
    historyNotTrusted: `the last save of its state failed (gateway refused PUT with headers {"authorization":"${signature}"})`,
  };
  const event = { ...decisionEvent({ ...document, observation: observed }), error: `save failed: ${signature}` };

  test('every text the observation holds is redacted, in the event and in what App Insights and JSON lines get', () => {
    const lines: string[] = [];
    createJsonLinesTelemetry((l) => lines.push(l)).decision(event);
    for (const text of [JSON.stringify(redactDecision(event)), JSON.stringify(decisionProperties(redactDecision(event))), lines.join('')]) {
      expect(text).not.toContain('Y/9vfXq2mN8pL4rT6wZ1bC3dE5fG7hJ');
      expect(text).toContain('SharedKeyLite devstoreaccount1:[redacted]');
    }
    expect(redactDecision(event).explain.observation.historyNotTrusted).toBe('the last save of its state failed (gateway refused PUT with headers {"authorization":"SharedKeyLite devstoreaccount1:[redacted]"})');
  });

  test('the rest of the replay document is left as it is', () => {
    const redacted = redactDecision(event).explain;
    expect({ ...redacted, observation: { ...redacted.observation, triggers: [], historyNotTrusted: '' } }).toEqual({ ...event.explain, observation: { ...observed, triggers: [], historyNotTrusted: '' } });
    expect(redacted.observation.triggers[0]).toEqual({ value: 30 });
  });
});
