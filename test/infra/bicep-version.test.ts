// The least Bicep release infra/ compiles with, said in infra/bicepconfig.json, infra/main.bicep
// and docs/deploy.md (Bicep has no setting that enforces one). No Bicep compiler runs here, so the
// minimum is the newest of the language features the templates use, each with the first Bicep
// release (a vX.Y.Z tag of github.com/Azure/bicep) whose source has it. A template that starts
// using a newer feature fails here until the three places say so.
import { describe, expect, test } from 'vitest';
import { readInfraFiles, readRepoFile, stripComments, type SourceFile } from './bicep-text.js';

type Version = [number, number, number];

interface Feature {
  what: string;
  /** Where it is used: in the text of a .bicep or .bicepparam file, comments blanked. */
  used: (file: SourceFile, code: string) => boolean;
  since: Version;
  /** The change in Azure/bicep that shipped it (or removed its experimental flag). */
  source: string;
}

const bicep = (file: SourceFile): boolean => file.path.endsWith('.bicep');
const params = (file: SourceFile): boolean => file.path.endsWith('.bicepparam');
const calls = (name: string) => (file: SourceFile, code: string): boolean => new RegExp(`\\b${name}\\(`).test(code);

const FEATURES: Feature[] = [
  { what: 'loadTextContent', used: calls('loadTextContent'), since: [0, 4, 1008], source: '#4532' },
  { what: 'items()', used: calls('items'), since: [0, 4, 1008], source: 'SystemNamespaceType "items"' },
  { what: 'loadJsonContent', used: calls('loadJsonContent'), since: [0, 7, 4], source: '#6563' },
  { what: 'lambdas (map, filter, reduce, sort)', used: (_, code) => /\w\s*=>/.test(code) || /\(\s*\w+\s*,\s*\w+\s*\)\s*=>/.test(code), since: [0, 10, 2], source: '#7867, lambdas enabled' },
  { what: 'the safe-dereference operator .? / [?]', used: (_, code) => /\.\?\w|\[\?/.test(code), since: [0, 15, 31], source: '#9368' },
  { what: '.bicepparam files (using)', used: (file, code) => params(file) && /^using '/m.test(code), since: [0, 18, 4], source: '#10871, feature flag removed' },
  { what: 'readEnvironmentVariable in .bicepparam', used: calls('readEnvironmentVariable'), since: [0, 18, 4], source: '#10726' },
  { what: 'var in .bicepparam', used: (file, code) => params(file) && /^var /m.test(code), since: [0, 21, 1], source: '#11438' },
  { what: 'user-defined types', used: (file, code) => bicep(file) && /^type \w+ =/m.test(code), since: [0, 21, 1], source: '#11461, feature flag removed' },
  {
    what: 'AVM modules (compiled to languageVersion 2.0, with user-defined type definitions)',
    used: (_, code) => code.includes("'br/public:avm/"),
    since: [0, 21, 1],
    source: '#11461',
  },
  { what: 'compile-time imports (import, @export)', used: (_, code) => /^import |@export\(\)/m.test(code), since: [0, 25, 3], source: '#13150, feature flag removed' },
  { what: 'groupBy, objectKeys, mapValues', used: (_, code) => /\b(groupBy|objectKeys|mapValues)\(/.test(code), since: [0, 27, 1], source: 'SystemNamespaceType "groupBy", "objectKeys", "mapValues"' },
  { what: 'fail()', used: calls('fail'), since: [0, 33, 13], source: '#15958' },
];

const compare = (a: Version, b: Version): number => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
const show = (v: Version): string => v.join('.');
const files = readInfraFiles();

/** The features the templates use, and the least release that has them all. */
function needed(sources: SourceFile[]): { used: string[]; minimum: Version } {
  const used = FEATURES.filter((f) => sources.some((file) => f.used(file, stripComments(file.text))));
  return { used: used.map((f) => `${f.what} (${show(f.since)})`), minimum: used.map((f) => f.since).reduce((a, b) => (compare(a, b) >= 0 ? a : b), [0, 0, 0]) };
}

describe('the least Bicep release', () => {
  const { used, minimum } = needed(files);

  test('is 0.21.1: the templates use user-defined types and var in main.bicepparam, and nothing newer', () => {
    expect(show(minimum)).toBe('0.21.1');
    expect(used).toEqual(expect.arrayContaining(['user-defined types (0.21.1)', 'var in .bicepparam (0.21.1)', 'loadJsonContent (0.7.4)']));
    expect(used.some((u) => u.startsWith('groupBy'))).toBe(false);
  });

  test.each([
    ['infra/bicepconfig.json', /^\s*\/\/ Bicep (\d+\.\d+\.\d+) or later\b/m],
    ['infra/main.bicep', /\bBicep (\d+\.\d+\.\d+) or later \(bicepconfig\.json\)/],
    ['docs/deploy.md', /\bBicep (\d+\.\d+\.\d+) or later\b/],
  ])('%s says so', (path, pattern) => {
    expect(pattern.exec(readRepoFile(path).text)?.[1], path).toBe(show(minimum));
  });

  test('a template using a newer feature raises it', () => {
    const withGroupBy: SourceFile = { path: 'infra/x.bicep', text: "var byAccount = groupBy(queues, q => q.accountName) // 'not in a comment'" };
    expect(show(needed([...files, withGroupBy]).minimum)).toBe('0.27.1');
    const commented: SourceFile = { path: 'infra/x.bicep', text: '// groupBy(queues, q => q.accountName) would need 0.27.1' };
    expect(show(needed([...files, commented]).minimum)).toBe('0.21.1');
  });

  test('bicepconfig.json is JSON with comments, as Bicep reads it', () => {
    const text = readRepoFile('infra/bicepconfig.json').text;
    const config = JSON.parse(text.split('\n').filter((l) => !l.trim().startsWith('//')).join('\n')) as { analyzers?: { core?: { enabled?: boolean } } };
    expect(config.analyzers?.core?.enabled).toBe(true);
  });
});
