// Publishing from a fresh clone: `npm run publish:azure -- <app>` builds and runs
// `func azure functionapp publish` with what the Core Tools need, and no local.settings.json (it
// is git-ignored, so a clone has none). `func` cannot run here: a stand-in on PATH records the
// command line and environment it was given, and core-tools.ts reads them with the Core Tools'
// own rules (GlobalCoreToolsSettings.Init: the runtime flag; BaseFunctionAppAction.ParseArgs: the
// app name). What it would upload from the built clone is read with their .funcignore rules.
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { publishArguments, RUNTIME_FLAG } from '../../scripts/publish.mjs';
import { functionAppNameOf, GitIgnoreParser, localFiles, workerRuntimeOf } from './core-tools.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const APP = 'func-scaler-fresh';

const isGitWorkTree = (() => {
  try {
    return execFileSync('git', ['-C', ROOT, 'rev-parse', '--is-inside-work-tree'], { encoding: 'utf8' }).trim() === 'true';
  } catch {
    return false;
  }
})();

describe('the publish command line', () => {
  test('the app name first (the Core Tools take it from there), then the runtime flag, then the caller\'s options', () => {
    const args = publishArguments([APP, '--slot', 'staging']);
    expect(args).toEqual(['azure', 'functionapp', 'publish', APP, RUNTIME_FLAG, '--slot', 'staging']);
    expect(functionAppNameOf(args)).toBe(APP);
    // No environment and no local.settings.json: the flag alone names the runtime.
    expect(workerRuntimeOf(args, {})).toBe('node');
    // Without it, the same command line from a fresh clone has no runtime: publish stops.
    expect(workerRuntimeOf(args.filter((a) => a !== RUNTIME_FLAG), {})).toBe('none');
  });

  test.each([
    [[], 'the function app name comes first'],
    [['--slot', 'x'], 'the function app name comes first'],
    [[APP, '--build', 'remote'], '--build remote'],
    [[APP, '--build=remote'], '--build remote'],
    [[APP, '--python'], 'the app runs on node'],
  ])('refuses %j', (args, reason) => {
    expect(() => publishArguments(args)).toThrow(reason);
  });

  test('the stand-in reads the runtime as the Core Tools do: flag, then environment, then local.settings.json', () => {
    expect(workerRuntimeOf(['azure', 'functionapp', 'publish', APP, '--typescript'], {})).toBe('node');
    expect(workerRuntimeOf(['azure', 'functionapp', 'publish', APP, '--node'], { FUNCTIONS_WORKER_RUNTIME: 'python' })).toBe('node');
    expect(workerRuntimeOf(['azure', 'functionapp', 'publish', APP], { FUNCTIONS_WORKER_RUNTIME: 'node' })).toBe('node');
    expect(workerRuntimeOf(['azure', 'functionapp', 'publish', APP], {}, { FUNCTIONS_WORKER_RUNTIME: 'node' })).toBe('node');
    // --worker-runtime is an option of `func init` (and of azurecontainerapps deploy), not of publish.
    expect(workerRuntimeOf(['azure', 'functionapp', 'publish', APP, '--worker-runtime', 'node'], {})).toBe('none');
    expect(workerRuntimeOf(['azure', 'functionapp', 'publish', APP, '--JavaScript'], {})).toBe('none');
    expect(functionAppNameOf(['azure', 'functionapp', 'publish', '--javascript', APP])).toBeUndefined();
  });

  test('npm run publish:azure builds first, then publishes', () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['publish:azure']).toMatch(/&& npm run build && node scripts\/publish\.mjs$/);
    // Not "publish": npm runs a script of that name on `npm publish`.
    expect(scripts.publish).toBeUndefined();
  });
});

describe.runIf(process.platform !== 'win32' && isGitWorkTree)('npm run publish:azure in a fresh clone', () => {
  let tmp: string;
  let clone: string;
  let record: { args: string[]; cwd: string; FUNCTIONS_WORKER_RUNTIME: string | null; localSettings: boolean };
  let output: string;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'aqs-publish-'));
    clone = join(tmp, 'repo');
    execFileSync('git', ['clone', '--quiet', ROOT, clone]);
    // The clone as it will be once this working tree is committed: changed and new files that
    // git does not ignore are copied in, deleted ones removed (nothing, on a clean tree).
    const changed = execFileSync('git', ['-C', ROOT, 'ls-files', '-z', '--modified', '--others', '--exclude-standard'], { encoding: 'utf8' }).split('\0').filter(Boolean);
    for (const file of changed) {
      if (existsSync(join(ROOT, file))) {
        mkdirSync(dirname(join(clone, file)), { recursive: true });
        copyFileSync(join(ROOT, file), join(clone, file));
      } else rmSync(join(clone, file), { force: true });
    }
    // `npm ci` would fetch the same packages; this test takes the installed ones.
    symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir');
    // The stand-in for func: records what it was given, and succeeds.
    const bin = join(tmp, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'func'), [
      '#!/usr/bin/env node',
      "const { existsSync, writeFileSync } = require('node:fs');",
      'writeFileSync(process.env.FUNC_RECORD, JSON.stringify({ args: process.argv.slice(2), cwd: process.cwd(),',
      "  FUNCTIONS_WORKER_RUNTIME: process.env.FUNCTIONS_WORKER_RUNTIME ?? null, localSettings: existsSync('local.settings.json') }));",
      '',
    ].join('\n'));
    chmodSync(join(bin, 'func'), 0o755);
    writeFileSync(join(bin, 'package.json'), '{ "type": "commonjs" }');
    const env: Record<string, string | undefined> = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, FUNC_RECORD: join(tmp, 'func.json') };
    delete env.FUNCTIONS_WORKER_RUNTIME;
    const { stdout, stderr } = await run('npm', ['run', 'publish:azure', '--', APP], { cwd: clone, env, maxBuffer: 16 * 1024 * 1024 });
    output = stdout + stderr;
    record = JSON.parse(readFileSync(join(tmp, 'func.json'), 'utf8')) as typeof record;
  }, 300_000);
  afterAll(() => {
    // The node_modules link goes, not what it points to.
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test('a fresh clone has no local.settings.json: git ignores it', () => {
    expect(execFileSync('git', ['-C', clone, 'check-ignore', 'local.settings.json'], { encoding: 'utf8' }).trim()).toBe('local.settings.json');
    expect(existsSync(join(clone, 'local.settings.json'))).toBe(false);
  });

  test('func ran in the clone with the app name first and node as the worker runtime, from the command line alone', () => {
    expect(output).toContain(`+ func azure functionapp publish ${APP} ${RUNTIME_FLAG}`);
    expect(record).toEqual({ args: ['azure', 'functionapp', 'publish', APP, RUNTIME_FLAG], cwd: realpathSync(clone), FUNCTIONS_WORKER_RUNTIME: null, localSettings: false });
    expect(functionAppNameOf(record.args)).toBe(APP);
    expect(workerRuntimeOf(record.args, { FUNCTIONS_WORKER_RUNTIME: record.FUNCTIONS_WORKER_RUNTIME ?? undefined })).toBe('node');
  });

  test('what it uploads from the built clone: host.json, package.json and every file the bundle wrote', () => {
    const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
    const bundle = walk(join(clone, 'dist', 'app')).map((f) => relative(clone, f).split(sep).join('/'));
    expect(bundle.length).toBeGreaterThan(2);
    // The build also compiled the CLI, local/ and the benchmarks into dist/: none of it goes.
    expect(existsSync(join(clone, 'dist', 'cli', 'main.js'))).toBe(true);
    const uploaded = localFiles(clone, new GitIgnoreParser(readFileSync(join(clone, '.funcignore'), 'utf8')));
    expect(uploaded.sort()).toEqual(['host.json', 'package.json', ...bundle].sort());
  });
});
