// What `func azure functionapp publish` uploads from this repository: .funcignore read with the
// Core Tools' own rules (the stand-in in core-tools.ts), first checked against the Core Tools'
// own expectations of those rules, then over this working tree and over a built layout. The
// fresh clone, built with `npm run publish:azure`, is checked in publish.test.ts.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { GitIgnoreParser, localFiles } from './core-tools.js';

const ROOT = join(import.meta.dirname, '..', '..');
const funcignore = new GitIgnoreParser(readFileSync(join(ROOT, '.funcignore'), 'utf8'));

/** What the Functions host and its Node worker need: host.json, package.json ("main", "type") and the files "main" loads, with their chunks. */
const shipped = (path: string): boolean => path === 'host.json' || path === 'package.json' || path.startsWith('dist/app/');

describe('the stand-in reads .funcignore as the Core Tools do', () => {
  // The Core Tools' own unit tests of the class (test/Cli/Func.UnitTests/ParserTests/GitIgnoreParserTests.cs), case by case.
  const upstream = new GitIgnoreParser([
    '# This is a comment in a .gitignore file!', 'node_modules', '*.log', '', '# Ignore this nonexistent file', 'nonexistent', '',
    '# Do not ignore this file', '!/nonexistent/foo', '', '# Ignore some files', '', '/baz', '', 'foo/*.wat', '', '/test1', '', 'test2', '',
    '# Ignore some deep sub folders', 'othernonexistent/**/what', '', '# Unignore some other sub folders', '!/othernonexistent/**/what/foo', '', '', '*.swp', '',
  ].join('\n'));
  const noNegatives = new GitIgnoreParser('node_modules');
  test.each([
    ['test/index.js', true], ['wat/test/index.js', true], ['/othernonexistent/blah/adsasd/whatads', true],
    ['/othernonexistent/blah/adsasd/what/foo', true], ['test2', false], ['test1File.wat', true],
    ['test.swp', false], ['node_modules/what.js', false], ['foo/bar.wat', false], ['othernonexistent/blah/what', false],
    ['nonexistent', false], ['nonexistent/bar', false], ['nonexistent/foo', true], ['nonexistent/foo/wat', true],
  ])('%s: accepted %s', (path, accepted) => {
    expect(upstream.accepts(path)).toBe(accepted);
    expect(upstream.denies(path)).toBe(!accepted);
  });
  test('without negatives', () => {
    expect(noNegatives.accepts('test/index.js')).toBe(true);
    expect(noNegatives.accepts('node_modules/wat.js')).toBe(false);
    expect(noNegatives.accepts('node_modules')).toBe(false);
  });

  test('a negative pattern is a prefix ending at a word boundary, and it beats every positive one', () => {
    // The .funcignore this repository had: `!dist/` accepts every file under dist/.
    const before = new GitIgnoreParser('*\n!host.json\n!package.json\n!dist/\n!dist/app/\n!dist/app/**\n');
    expect(['dist/cli/main.js', 'dist/local/azurite.js', 'dist/bench/run.js', 'dist/app/evaluate.js'].filter((p) => before.accepts(p))).toHaveLength(4);
    const p = new GitIgnoreParser('*\n!dist/app/');
    expect(p.accepts('dist/app/evaluate.js')).toBe(true);
    expect(p.accepts('dist/app/chunks/chunk-ABC.js')).toBe(true);
    expect(p.accepts('dist/app')).toBe(false); // a directory is never offered, only its files
    expect(p.accepts('dist/cli/main.js')).toBe(false);
    expect(p.accepts('dist/application.js')).toBe(false);
    // A name that only starts like a pattern passes at a word boundary: host.json.bak is host.json's prefix + '.'.
    expect(new GitIgnoreParser('*\n!host.json').accepts('host.json.bak')).toBe(true);
    expect(new GitIgnoreParser('*\n!package.json').accepts('package-lock.json')).toBe(false);
  });
});

describe('.funcignore uploads host.json, package.json and dist/app only', () => {
  test('over this working tree (whatever it holds now, built or not)', () => {
    const uploaded = localFiles(ROOT, funcignore);
    expect(uploaded.filter((p) => !shipped(p))).toEqual([]);
    expect(uploaded).toEqual(expect.arrayContaining(['host.json', 'package.json']));
  });

  test('over the layout a build and a developer leave: the bundle, the compiled CLI and tests, dependencies, local settings', () => {
    const root = mkdtempSync(join(tmpdir(), 'aqs-funcignore-'));
    const files = [
      'host.json', 'package.json', 'package-lock.json', 'local.settings.json', 'local.settings.example.json', '.gitignore', '.funcignore',
      'README.md', 'tsconfig.json', 'functions/evaluate.ts', 'shared/config/index.ts', 'scripts/bundle.mjs', 'infra/main.bicep',
      'dist/app/evaluate.js', 'dist/app/wake.js', 'dist/app/chunks/chunk-25T3NPD6.js', 'dist/app/chunks/getMachineId-linux-3FW7PR6L.js',
      'dist/cli/main.js', 'dist/shared/config/index.js', 'dist/local/azurite.js', 'dist/bench/run.js', 'dist/functions/evaluate.js', 'dist/test/x.test.js',
      'node_modules/yaml/package.json', 'node_modules/.bin/tsc', '.git/HEAD', '.vscode/settings.json', '__azurite_db_queue__.json', 'demo-report.html',
      'coverage/index.html', 'bench/results/tick.json',
    ];
    for (const f of files) {
      mkdirSync(dirname(join(root, f)), { recursive: true });
      writeFileSync(join(root, f), '');
    }
    writeFileSync(join(root, '.funcignore'), readFileSync(join(ROOT, '.funcignore')));
    expect(localFiles(root, funcignore).sort()).toEqual([
      'dist/app/chunks/chunk-25T3NPD6.js', 'dist/app/chunks/getMachineId-linux-3FW7PR6L.js', 'dist/app/evaluate.js', 'dist/app/wake.js', 'host.json', 'package.json',
    ]);
    // local.settings.json never leaves, with or without .funcignore.
    expect(localFiles(root, undefined)).not.toContain('local.settings.json');
  });

  test('package.json loads the bundle: "main" names dist/app files, "type" makes them ES modules', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { main: string; type: string };
    expect(pkg.main).toBe('dist/app/*.js');
    expect(pkg.type).toBe('module');
  });
});

describe('the remote-build .funcignore of docs/deploy.md', () => {
  const docs = readFileSync(join(ROOT, 'docs', 'deploy.md'), 'utf8');
  const block = /Replace `\.funcignore` with this one[\s\S]*?\n```\n([\s\S]*?)```/.exec(docs)?.[1];

  test('uploads the sources and build files, neither node_modules nor dist, and everything the bundle script imports', () => {
    expect(block).toBeDefined();
    const remote = new GitIgnoreParser(block!);
    const uploaded = localFiles(ROOT, remote);
    expect(uploaded.filter((p) => /^(node_modules|dist|test|cli|bench|local)\//.test(p))).toEqual([]);
    for (const file of ['host.json', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'functions/evaluate.ts', 'shared/runtime/index.ts', 'scripts/bundle.mjs']) {
      expect(uploaded, file).toContain(file);
    }
    // `npm run build` on Azure runs scripts/bundle.mjs: what it imports from scripts/ must be there too.
    const imports = [...readFileSync(join(ROOT, 'scripts', 'bundle.mjs'), 'utf8').matchAll(/from '\.\/([^']+)'/g)].map((m) => `scripts/${m[1]}`);
    expect(imports.length).toBeGreaterThan(0);
    for (const file of imports) expect(uploaded, file).toContain(file);
  });
});

