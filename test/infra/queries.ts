// The KQL the project ships, read as the tests compare it: docs/queries.kql (one query per
// "// ## Title" line), the workbook's queries and the alert rules' files.
import { readRepoFile } from './bicep-text.js';

export interface WorkbookItem {
  type: number;
  name: string;
  content: { query?: string; title?: string; resourceType?: string; version?: string; parameters?: { name: string; query?: string }[] };
}

/** docs/queries.kql: each "// ## Title" line starts a query; its own comment lines are dropped. */
export function docsQueries(text: string): Map<string, string> {
  const queries = new Map<string, string>();
  for (const part of text.split(/^\/\/ ## /m).slice(1)) {
    const [title, ...lines] = part.split('\n');
    queries.set(title!.trim(), lines.filter((l) => !l.startsWith('//')).join('\n').trim());
  }
  return queries;
}

export const documented = docsQueries(readRepoFile('docs/queries.kql').text);
export const workbook = JSON.parse(readRepoFile('infra/workbook.json').text) as { version: string; items: WorkbookItem[] };
/** The workbook's charts and tables. */
export const queryItems = workbook.items.filter((i) => i.type === 3);

/** Every query: docs/queries.kql's (the alert rules' among them), the workbook's and its Target picker's. */
export const allQueries = (): string[] => [
  ...documented.values(),
  ...queryItems.map((i) => i.content.query!),
  ...workbook.items.flatMap((i) => i.content.parameters?.flatMap((p) => (p.query ? [p.query] : [])) ?? []),
];
