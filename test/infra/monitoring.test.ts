// The workbook, the alert rules and docs/queries.kql hold the same KQL, and that KQL asks only
// for what the scaler's telemetry adapter really sends (names, dimensions, action values).
import { TelemetryClient } from 'applicationinsights';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { actions } from '../../shared/engine/index.js';
import { createAppInsightsTelemetry, type ScaleDecisionEvent } from '../../shared/telemetry/index.js';
import { blocks, readRepoFile } from './bicep-text.js';

interface WorkbookItem {
  type: number;
  name: string;
  content: { query?: string; title?: string; resourceType?: string; version?: string; parameters?: { name: string; query?: string }[] };
}

const docs = readRepoFile('docs/queries.kql').text;
const workbook = JSON.parse(readRepoFile('infra/workbook.json').text) as { version: string; items: WorkbookItem[] };
const queryItems = workbook.items.filter((i) => i.type === 3);

/** docs/queries.kql: each "// ## Title" line starts a query; its own comment lines are dropped. */
function docsQueries(text: string): Map<string, string> {
  const queries = new Map<string, string>();
  for (const part of text.split(/^\/\/ ## /m).slice(1)) {
    const [title, ...lines] = part.split('\n');
    queries.set(title!.trim(), lines.filter((l) => !l.startsWith('//')).join('\n').trim());
  }
  return queries;
}
const documented = docsQueries(docs);

/** The workbook's copy, without the lines that apply its Target picker. */
const withoutPicker = (query: string): string => query.split('\n').filter((l) => !l.includes('{Target}')).join('\n').trim();

describe('one KQL, three places', () => {
  test('every workbook chart and table is in docs/queries.kql under its title', () => {
    expect(queryItems.map((i) => i.content.title)).toEqual(['Replicas and queue length by target', 'Decisions by action', 'Recent decisions', 'Errors']);
    for (const item of queryItems) {
      expect(documented.get(item.content.title!), item.content.title).toBe(withoutPicker(item.content.query!));
      // ...and filters on the picker exactly once.
      expect(item.content.query!.match(/\{Target\}/g)).toHaveLength(2);
      expect(item.content).toMatchObject({ version: 'KqlItem/1.0', resourceType: 'microsoft.insights/components' });
    }
  });

  test('every alert rule loads its query from infra/queries/, which docs/queries.kql holds too', () => {
    const monitoring = readRepoFile('infra/app/monitoring.bicep');
    const loaded = [...monitoring.text.matchAll(/loadTextContent\('\.\.\/queries\/([\w-]+\.kql)'\)/g)].map((m) => m[1]!);
    expect(loaded).toEqual(['fallback-in-effect.kql', 'evaluation-failures.kql']);
    const titles: Record<string, string> = { 'fallback-in-effect.kql': 'Alert: fallback in effect', 'evaluation-failures.kql': 'Alert: evaluation failures' };
    for (const file of loaded) {
      const query = readRepoFile(`infra/queries/${file}`).text.trim();
      expect(documented.get(titles[file]!), file).toBe(query);
      // The rule splits by target: the query must keep that column.
      expect(query.split('\n').at(-1)).toMatch(/^\| project timestamp, target\b/);
    }
    const rules = blocks(monitoring).find((b) => b.type.startsWith('Microsoft.Insights/scheduledQueryRules@'))!;
    expect(rules.body).toMatch(/name: 'target'/);
    expect(rules.body).toMatch(/scopes: \[applicationInsights\.id\]/);
  });

  test('the fallback alert is about action fallback; the failure alert about exceptions and decision errors', () => {
    expect(documented.get('Alert: fallback in effect')).toMatch(/\| where action == 'fallback'/);
    const failures = documented.get('Alert: evaluation failures')!;
    expect(failures).toMatch(/^union\n\s+\(exceptions\b/);
    expect(failures).toMatch(/message = tostring\(customDimensions\.error\)\n\s+\| where isnotempty\(message\)/);
  });

  test('the comparison itself can fail', () => {
    const changed = queryItems[0]!.content.query!.replace('1m', '5m');
    expect(documented.get(queryItems[0]!.content.title!)).not.toBe(withoutPicker(changed));
  });
});

describe('the KQL asks for what the telemetry adapter sends', () => {
  const sent = { events: new Set<string>(), metrics: new Set<string>(), dimensions: new Set<string>() };
  const spies = [
    vi.spyOn(TelemetryClient.prototype, 'trackEvent').mockImplementation(function (e) {
      sent.events.add(e.name);
      for (const k of Object.keys(e.properties ?? {})) sent.dimensions.add(k);
    }),
    vi.spyOn(TelemetryClient.prototype, 'trackMetric').mockImplementation(function (m) {
      sent.metrics.add(m.name);
      for (const k of Object.keys(m.properties ?? {})) sent.dimensions.add(k);
    }),
    vi.spyOn(TelemetryClient.prototype, 'trackException').mockImplementation(function (x) {
      for (const k of Object.keys(x.properties ?? {})) sent.dimensions.add(k);
    }),
  ];
  afterAll(() => spies.forEach((s) => s.mockRestore()));

  const telemetry = createAppInsightsTelemetry('InstrumentationKey=33333333-3333-4333-8333-333333333333;IngestionEndpoint=https://127.0.0.1:9/', undefined);
  const event: ScaleDecisionEvent = {
    target: 'prod/shop/worker', cluster: 'prod', namespace: 'shop', kind: 'Deployment', name: 'worker',
    triggerValues: [42, 7], triggerErrors: [null, null], triggerMetrics: ['scaler.queue_length', 'scaler.active_message_count'], currentReplicas: 1, desiredReplicas: 5, finalReplicas: 5,
    action: 'scale-up', code: 'ScaleUpLimit', reason: 'r', applied: true, error: 'e', durationMs: 3,
    // An azure-queue and an azure-servicebus trigger: each reading goes out as its type's metric (the registry's).
    explain: { now: '2026-01-01T00:00:00Z', spec: { scaleTargetRef: { name: 'worker' }, triggers: [{ type: 'azure-queue', metadata: {} }, { type: 'azure-servicebus', metadata: {} }] }, observation: { specReplicas: 1, triggers: [] } as never, state: {} },
  };
  telemetry.decision(event);
  telemetry.scaledByOther({ target: 'prod/shop/worker', cluster: 'prod', namespace: 'shop', kind: 'Deployment', name: 'worker', expectedReplicas: 4, foundReplicas: 9, writer: { manager: 'kubectl', operation: 'Update', subresource: 'scale', time: '2026-01-01T00:00:00.000Z' } });
  telemetry.failure(new Error('boom'), { operation: 'evaluate', target: 'prod/shop/worker', cluster: 'prod' });

  const allQueries = [...documented.values(), ...queryItems.map((i) => i.content.query!)].join('\n');

  test('event and metric names', () => {
    expect(sent.events).toEqual(new Set(['ScaleDecision', 'ScaledByOther']));
    const names = [
      ...[...allQueries.matchAll(/\bname == '([^']+)'/g)].map((m) => m[1]!),
      ...[...allQueries.matchAll(/\bname in \(([^)]*)\)/g)].flatMap((m) => [...m[1]!.matchAll(/'([^']+)'/g)].map((x) => x[1]!)),
    ];
    expect(new Set(names)).toEqual(new Set(['ScaleDecision', 'ScaledByOther', 'scaler.replicas', 'scaler.queue_length', 'scaler.active_message_count']));
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect([...sent.events, ...sent.metrics], name).toContain(name);
  });

  test('custom dimensions', () => {
    const keys = new Set([...allQueries.matchAll(/customDimensions\.(\w+)/g)].map((m) => m[1]!));
    expect(keys.size).toBeGreaterThan(10);
    for (const key of keys) expect(sent.dimensions, key).toContain(key);
  });

  test('action values', () => {
    const compared = [...allQueries.matchAll(/\baction (?:==|!=) '([^']+)'/g)].map((m) => m[1]!);
    expect(compared).toEqual(expect.arrayContaining(['fallback', 'none']));
    for (const value of compared) expect(actions).toContain(value);
  });
});
