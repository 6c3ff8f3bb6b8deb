// Every entry point on a Node older than package.json's engines stops at once with one line
// (scripts/check-node.mjs): the CLI's entry (cli/main.ts, as it is built), `npm start`,
// `npm test`, `npm run demo`, `npm run bench`, and vitest itself. Run with a real older Node of
// this machine (found on PATH, in /usr/local/bin or /usr/bin, or OLD_NODE=/path/to/node).
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { transform } from 'esbuild';
import { beforeAll, describe, expect, test } from 'vitest';
import { minimumOf, nodeVersionProblem, requiredRange } from '../../scripts/check-node.mjs';

const REPO = resolve(import.meta.dirname, '../..');

const executable = (file: string): boolean => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** A node on this machine older than engines.node, with its version. */
function findOldNode(): { node: string; version: string } | undefined {
  const candidates = [process.env.OLD_NODE, ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'node')), '/usr/local/bin/node', '/usr/bin/node']
    .filter((file): file is string => !!file && executable(file));
  for (const node of new Set(candidates)) {
    const version = spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout?.trim();
    if (version && nodeVersionProblem(version) !== undefined) return { node, version };
  }
  return undefined;
}

const old = findOldNode();
const minimum = minimumOf(requiredRange())![0];

describe.skipIf(!old)(`on Node ${old?.version ?? `older than ${minimum} (none found on this machine: set OLD_NODE)`}`, () => {
  const { node, version } = old!;
  const line = nodeVersionProblem(version, requiredRange(), node)!;
  // The older Node's own npm runs the scripts, and finds that node first on PATH.
  const env = { ...process.env, PATH: `${dirname(node)}${delimiter}${process.env.PATH ?? ''}` };
  const run = (command: string, args: string[], cwd: string) => {
    const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 60_000 });
    return { code: result.status, out: result.stdout, err: result.stderr };
  };
  /**
   * A copy holding only what the check needs: package.json, scripts/check-node.mjs and the CLI's
   * entry as it is built (dist/cli/main.js), none of the commands, tools or dependencies. Had the
   * check let the command through, it would fail there with another message.
   */
  let copy: string;
  beforeAll(async () => {
    copy = await mkdtemp(join(tmpdir(), 'aqs-old-node-'));
    await mkdir(join(copy, 'scripts'));
    await mkdir(join(copy, 'dist', 'cli'), { recursive: true });
    await copyFile(join(REPO, 'package.json'), join(copy, 'package.json'));
    await copyFile(join(REPO, 'scripts', 'check-node.mjs'), join(copy, 'scripts', 'check-node.mjs'));
    const main = await transform(await readFile(join(REPO, 'cli', 'main.ts'), 'utf8'), { loader: 'ts', format: 'esm', target: 'node22' });
    await writeFile(join(copy, 'dist', 'cli', 'main.js'), main.code);
  });

  test('the line says which Node is needed, which was found, and how to get it', () => {
    const range = requiredRange();
    const wanted = minimumOf(range)!.join('.').replace(/\.0\.0$/, '');
    expect(line).toContain(`needs Node.js ${wanted} or newer (package.json engines: "${range}")`);
    expect(line).toContain(`this is Node.js ${version} (${node})`);
    expect(line).toContain(`nvm install ${minimum}`);
    expect(line).toContain(`npx -p node@${minimum} npm start`);
    expect(line).not.toContain('\n');
  });

  test.each(['--help', 'run', 'plan --json'])('the CLI (dist/cli/main.js %s) stops with the line and exit code 1', (args) => {
    const { code, out, err } = run(node, [join(copy, 'dist', 'cli', 'main.js'), ...args.split(' ')], copy);
    expect({ code, out, err }).toEqual({ code: 1, out: '', err: `${line}\n` });
  });

  const npm = join(dirname(node), 'npm');
  test.runIf(executable(npm)).each(['start', 'test', 'run demo', 'run bench'])('npm %s stops with the line and exit code 1', (args) => {
    const { code, err } = run(npm, args.split(' '), copy);
    expect({ code, err: err.trim() }).toEqual({ code: 1, err: line });
  });

  test('vitest run (vitest.config.ts) stops with the line and exit code 1 before any test file loads', () => {
    const { code, err } = run(node, [join(REPO, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'test/engine/metric.test.ts'], REPO);
    expect({ code, err: err.trim() }).toEqual({ code: 1, err: line });
  });
});

describe('the check on this Node', () => {
  test.each([
    ['22.0.0', '>=22', false], ['22.23.3', '>=22', false], ['24.1.0', '>=22', false], ['20.20.2', '>=22', true],
    ['22.11.0', '>=22.12', true], ['22.12.0', '>=22.12.0', false], ['v18.19.1', '>= 22', true],
  ])('Node %s against %s: too old %s', (version, range, tooOld) => {
    expect(nodeVersionProblem(version, range, '/x/node') !== undefined).toBe(tooOld);
  });
  test('a range it does not read is not checked', () => expect(nodeVersionProblem('16.0.0', '^22 || ^24', '/x/node')).toBeUndefined());
  test('this Node passes', () => expect(nodeVersionProblem()).toBeUndefined());
});
