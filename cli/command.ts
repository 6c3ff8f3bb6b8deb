// What every CLI command provides. Exit codes: 0 success, 1 the input was rejected or the work
// failed, 2 the command line itself was wrong.
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Settings } from '../shared/config/index.js';
import { loadSettings } from './local-settings.js';

export interface Command {
  name: string;
  summary: string;
  run(args: string[]): Promise<number>;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

/** Reads a file, or standard input when the path is `-` or absent. */
export async function readInput(path: string | undefined): Promise<string> {
  if (path && path !== '-') return readFile(path, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The version of this package (package.json "version"), found upwards from this file: cli/ when
 * run from source, dist/cli/ when built.
 */
export function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return String((JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version ?? 'unknown');
    if (dirname(dir) === dir) return 'unknown';
  }
}

/**
 * Where the settings come from, the same for every command that reads them (run, plan, validate,
 * status): local.settings.json "Values" (or --settings FILE) under the environment, which wins;
 * --targets and --clusters read SCALER_TARGETS / SCALER_CLUSTERS from a file instead.
 */
export const INPUT_OPTIONS = {
  settings: { type: 'string' },
  targets: { type: 'string' },
  clusters: { type: 'string' },
} as const;

/** The input options on a usage line. */
export const INPUT_USAGE = '[--settings FILE] [--targets FILE] [--clusters FILE]';

/** The input options in a command's help, for its Options list. */
export const INPUT_HELP = `  --settings FILE   local settings file: its "Values", under the environment, which wins
                    (default: local.settings.json, if present)
  --targets FILE    read SCALER_TARGETS from this JSON or YAML file instead (a list of
                    targets, or ScaledObjects as kubectl prints them)
  --clusters FILE   read SCALER_CLUSTERS from this JSON or YAML file instead`;

export interface InputOptions {
  settings?: string | undefined;
  targets?: string | undefined;
  clusters?: string | undefined;
}

/** The settings the input options name: the file and the environment, then --targets and --clusters over them. */
export async function readSettings(options: InputOptions): Promise<Settings> {
  let settings = await loadSettings(options.settings);
  if (options.targets !== undefined) settings = { ...settings, SCALER_TARGETS: await readFile(options.targets, 'utf8') };
  if (options.clusters !== undefined) settings = { ...settings, SCALER_CLUSTERS: await readFile(options.clusters, 'utf8') };
  return settings;
}

type Options = NonNullable<ParseArgsConfig['options']>;
const HELP_OPTION = { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean' } } as const;
type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O & typeof HELP_OPTION; allowPositionals: true }>>;

/**
 * Parses a command's arguments (plus -h/--help and --version). Returns the parsed values, or the
 * exit code after printing the help or the version: on --help to stdout (0), on --version the
 * package's version to stdout (0), on a usage mistake to stderr with the reason (2). `check` adds
 * the command's own rules and returns what is wrong.
 */
export function parseCommandLine<const O extends Options>(
  args: string[],
  options: O,
  help: string,
  check: (parsed: Parsed<O>) => string | undefined = () => undefined,
): Parsed<O> | number {
  let parsed: Parsed<O>;
  try {
    parsed = parseArgs({ args, options: { ...options, ...HELP_OPTION }, allowPositionals: true }) as Parsed<O>;
    const problem = check(parsed);
    if (problem) throw new Error(problem);
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n\n${help}\n`);
    return EXIT_USAGE;
  }
  const asked = parsed.values as { help?: boolean; version?: boolean };
  if (asked.help || asked.version) {
    process.stdout.write(asked.help ? `${help}\n` : `aks-queue-scaler ${packageVersion()}\n`);
    return EXIT_OK;
  }
  return parsed;
}

/** A `check` for commands that take no positional arguments. */
export const noPositionals = ({ positionals }: { positionals: string[] }): string | undefined =>
  positionals.length > 0 ? `unexpected argument: ${positionals[0]}` : undefined;

/** The list of commands, as `aks-queue-scaler`, `--help` and `help` print it. */
export function usage(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length), 'help'.length);
  return [
    'Usage: aks-queue-scaler <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    `  ${'help'.padEnd(width)}  this list, or a command's options: help <command> (the same as <command> --help)`,
    '',
    'Options: -h, --help (this list, or with a command its options); --version (the version).',
    'Run `aks-queue-scaler help <command>` for a command\'s options and exit codes.',
  ].join('\n');
}

/**
 * The command line: `<command> [args]`; `help` or `--help` (the list), `help <command>` (its
 * --help); `--version`. Returns the exit code: an unknown command or help topic is a usage
 * error (2), with the list on stderr.
 */
export async function runCommandLine(commands: readonly Command[], argv: readonly string[]): Promise<number> {
  const [name, ...args] = argv;
  const find = (n: string | undefined): Command | undefined => commands.find((c) => c.name === n);
  const unknown = (what: string): number => {
    process.stderr.write(`${what}\n\n${usage(commands)}\n`);
    return EXIT_USAGE;
  };
  if (name === '--version') {
    process.stdout.write(`aks-queue-scaler ${packageVersion()}\n`);
    return EXIT_OK;
  }
  if (name === 'help' && args.length > 0) {
    const topic = find(args[0]);
    if (!topic || args.length > 1) return unknown(args.length > 1 ? `help takes one command, not ${args.length}` : `unknown command: ${args[0]}`);
    return topic.run(['--help']);
  }
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(`${usage(commands)}\n`);
    return EXIT_OK;
  }
  const command = find(name);
  return command ? command.run([...args]) : unknown(`unknown command: ${name}`);
}
