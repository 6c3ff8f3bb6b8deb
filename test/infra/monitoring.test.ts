// The workbook, the alert rules and docs/queries.kql hold the same KQL (that it asks only for
// what the scaler really sends: test/integration/telemetry-queries.test.ts).
import { describe, expect, test } from 'vitest';
import { blocks, readRepoFile } from './bicep-text.js';
import { documented, queryItems } from './queries.js';

/** The workbook's copy, without the lines that apply its Target picker. */
const withoutPicker = (query: string): string => query.split('\n').filter((l) => !l.includes('{Target}')).join('\n').trim();

describe('one KQL, three places', () => {
  test('every workbook chart and table is in docs/queries.kql under its title', () => {
    expect(queryItems.map((i) => i.content.title)).toEqual(['Replicas and queue length by target', 'Decisions by action', 'Where each target stands', 'Recent decisions', 'Errors']);
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
