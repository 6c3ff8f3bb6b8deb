import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Who may import whom (docs/architecture.md, "Parts"). Each folder of shared/ is a part; a part
// imports another only through its index.ts, and only the parts listed here. The engine imports
// nothing at all, not even packages.
const PARTS = {
  engine: [],
  errors: [],
  redact: [],
  schema: [],
  identity: ['errors', 'redact'],
  state: ['engine', 'errors', 'schema'],
  sources: ['engine', 'errors', 'identity', 'schema'],
  config: ['engine', 'errors', 'schema', 'sources'],
  kube: ['config', 'engine', 'errors', 'identity'],
  telemetry: ['engine', 'errors', 'redact', 'schema'],
  runtime: ['config', 'engine', 'errors', 'identity', 'kube', 'redact', 'schema', 'sources', 'state', 'telemetry'],
};
const ALL_PARTS = Object.keys(PARTS);
// The folders around shared/: the entry points, the command line, the benchmarks.
const OUTSIDE = {
  functions: ['runtime'],
  cli: ['config', 'engine', 'errors', 'runtime', 'schema', 'sources', 'telemetry'],
  bench: ALL_PARTS,
};
const SEE = '(docs/architecture.md, "Parts")';

const either = (names) => `(${names.join('|')})`;

/** One rule set for `files`: the import patterns it may not use, statically, with export-from, or with import(). */
function forbid(files, patterns) {
  return {
    files,
    rules: {
      'no-restricted-imports': ['error', { patterns }],
      'no-restricted-syntax': ['error', ...patterns.map(({ regex, message }) => ({ selector: `ImportExpression[source.value=/${regex.replaceAll('/', '\\/')}/]`, message }))],
    },
  };
}

/** What a part of shared/ may not import: other parts but those allowed, any part past its index, test/ and local/. */
function partRules(part, allowed) {
  const others = ALL_PARTS.filter((p) => p !== part && !allowed.includes(p));
  return forbid([`shared/${part}/**/*.ts`], [
    ...(others.length ? [{ regex: `^(\\.\\./)+${either(others)}/`, message: `shared/${part} may import only ${allowed.join(', ') || 'itself'} ${SEE}` }] : []),
    ...(allowed.length ? [{ regex: `^(\\.\\./)+${either(allowed)}/(?!index\\.js$)`, message: `import another part through its index.ts ${SEE}` }] : []),
    { regex: '(^|/)(test|local)/', message: `the app imports neither test/ nor local/ ${SEE}` },
    ...(part === 'engine' ? [{ regex: '^(?!\\./)', message: `the engine is pure: it imports nothing outside itself ${SEE}` }] : []),
  ]);
}

/**
 * The door each folder around shared/ imports a part through: its index.ts, but for the function
 * entry points, which import the runtime through host.ts alone (its index would load every
 * client at start-up: docs/architecture.md, "Parts").
 */
const DOOR = { functions: 'host' };

/** What a folder around shared/ may not import: parts but those allowed, any part past its door, test/ (and local/ for the app). */
function outsideRules(folder, allowed) {
  const others = ALL_PARTS.filter((p) => !allowed.includes(p));
  const door = DOOR[folder] ?? 'index';
  return forbid([`${folder}/**/*.ts`], [
    ...(others.length ? [{ regex: `^(\\.\\./)+shared/${either(others)}/`, message: `${folder}/ may import only ${allowed.join(', ')} of shared/ ${SEE}` }] : []),
    { regex: `^(\\.\\./)+shared/[a-z-]+/(?!${door}\\.js$)`, message: `import a part of shared/ through its ${door}.ts ${SEE}` },
    { regex: folder === 'functions' ? '(^|/)(test|local)/' : '(^|/)test/', message: `shipped code does not import test/${folder === 'functions' ? ' nor local/' : ': what it needs from there belongs in local/'} ${SEE}` },
  ]);
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  ...Object.entries(PARTS).map(([part, allowed]) => partRules(part, allowed)),
  ...Object.entries(OUTSIDE).map(([folder, allowed]) => outsideRules(folder, allowed)),
  // The local services stand in for the outside world, so they use none of the scaler's code.
  forbid(['local/**/*.ts'], [{ regex: '^\\.\\./', message: `local/ imports only local/ and packages ${SEE}` }]),
);
