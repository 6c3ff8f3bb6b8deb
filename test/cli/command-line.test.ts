// The command line as cli/dispatch.ts runs it (runCommandLine): help, --version, and the input
// options every command that reads the settings shares.
import { readFile } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import { INPUT_HELP, INPUT_USAGE, runCommandLine, usage, type Command } from '../../cli/command.js';
import { demoCommand } from '../../cli/commands/demo.js';
import { explainCommand } from '../../cli/commands/explain.js';
import { importCommand } from '../../cli/commands/import.js';
import { planCommand } from '../../cli/commands/plan.js';
import { runCommand } from '../../cli/commands/run.js';
import { statusCommand } from '../../cli/commands/status.js';
import { validateCommand } from '../../cli/commands/validate.js';
import { runCli } from './capture.js';

const commands: Command[] = [validateCommand, planCommand, statusCommand, explainCommand, runCommand, importCommand, demoCommand];
/** The whole command line, as a Command for runCli. */
const cli: Command = { name: 'aks-queue-scaler', summary: '', run: (args) => runCommandLine(commands, args) };
const version = async (): Promise<string> => (JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

describe('the command line', () => {
  test('--version prints the version of package.json', async () => {
    const { code, out } = await runCli(cli, ['--version']);
    expect(out).toBe(`aks-queue-scaler ${await version()}\n`);
    expect(code).toBe(0);
  });

  test.each(commands.map((c) => [c.name]))('%s --version prints it too, and does nothing else', async (name) => {
    const { code, out, err } = await runCli(cli, [name, '--version']);
    expect({ code, out, err }).toEqual({ code: 0, out: `aks-queue-scaler ${await version()}\n`, err: '' });
  });

  test.each([[[]], [['help']], [['--help']], [['-h']]])('%j prints the list of commands', async (args) => {
    const { code, out } = await runCli(cli, args);
    expect(out).toBe(`${usage(commands)}\n`);
    expect(out).toMatch(/^ {2}status {4}what the state table says of each target/m);
    expect(out).toMatch(/^ {2}help {6}this list, or a command's options: help <command>/m);
    expect(code).toBe(0);
  });

  test.each(commands.map((c) => [c.name]))('help %s is %s --help', async (name) => {
    const help = await runCli(cli, ['help', name]);
    const own = await runCli(cli, [name, '--help']);
    expect(help).toEqual(own);
    expect(help.out).toMatch(new RegExp(`^Usage: aks-queue-scaler ${name}`));
    expect(help.code).toBe(0);
  });

  test.each([
    { args: ['nope'], says: 'unknown command: nope' },
    { args: ['help', 'nope'], says: 'unknown command: nope' },
    { args: ['help', 'plan', 'status'], says: 'help takes one command, not 2' },
  ])('$args is a usage error with the list', async ({ args, says }) => {
    const { code, out, err } = await runCli(cli, args);
    expect(err).toBe(`${says}\n\n${usage(commands)}\n`);
    expect(out).toBe('');
    expect(code).toBe(2);
  });
});

describe('one set of input options', () => {
  test.each([[validateCommand], [planCommand], [statusCommand]])('$name takes --settings, --targets and --clusters, and says so in its help', async (command) => {
    const { out } = await runCli(command, ['--help']);
    expect(out.split('\n')[0]).toBe(`Usage: aks-queue-scaler ${command.name} ${INPUT_USAGE} [--json]`);
    expect(out).toContain(INPUT_HELP);
  });

  test.each([[planCommand], [statusCommand]])('$name reads --targets and --clusters from files: a missing one is an error, exit 1', async (command) => {
    const { code, err } = await runCli(command, ['--settings', '/nonexistent/local.settings.json']);
    expect(err).toMatch(new RegExp(`^${command.name}: /nonexistent/local.settings.json: cannot read`));
    expect(code).toBe(1);
    const targets = await runCli(command, ['--targets', '/nonexistent/targets.yaml']);
    expect(targets.err).toMatch(new RegExp(`^${command.name}: ENOENT: no such file or directory, open '/nonexistent/targets.yaml'`));
    expect(targets.code).toBe(1);
  });
});
