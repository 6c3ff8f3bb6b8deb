import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Forbids `files` to import modules whose path matches `regex` (a RegExp source, slashes
 * unescaped), statically, with export-from, or with import(). docs/architecture.md says who may
 * import what.
 */
function forbidImports(files, regex, message) {
  return {
    files,
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex, message }] }],
      'no-restricted-syntax': ['error', { selector: `ImportExpression[source.value=/${regex.replaceAll('/', '\\/')}/]`, message }],
    },
  };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-imports': 'off',
    },
  },
  // What ships never imports the tests; the tests import it. The app (functions, shared) does not
  // start local services either: only the CLI and the benchmarks (compiled into dist/ as well) do.
  forbidImports(['functions/**/*.ts', 'shared/**/*.ts'], '(^|/)(test|local)/',
    'the app (functions/, shared/) imports neither test/ nor local/ (docs/architecture.md)'),
  forbidImports(['cli/**/*.ts', 'bench/**/*.ts'], '(^|/)test/',
    'shipped code does not import test/: what it needs from there belongs in local/ (docs/architecture.md)'),
  // The local services stand in for the outside world, so they use none of the scaler's code.
  forbidImports(['local/**/*.ts'], '^\\.\\./',
    'local/ imports only local/ and packages: not test/, nor the scaler\'s own code (docs/architecture.md)'),
  {
    // The engine is pure: it imports nothing outside itself (docs/architecture.md). These patterns
    // replace the ones above for shared/engine, and forbid every path out of it.
    files: ['shared/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['../*', 'node:*', '@*', '!./*'] }],
    },
  },
);
