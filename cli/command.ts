// What every CLI command provides. Exit codes: 0 success, 1 the input was rejected or the work
// failed, 2 the command line itself was wrong.
import { readFile } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';

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

type Options = NonNullable<ParseArgsConfig['options']>;
const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;
type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O & typeof HELP_OPTION; allowPositionals: true }>>;

/**
 * Parses a command's arguments (plus -h/--help). Returns the parsed values, or the exit code
 * after printing the help: on --help to stdout (0), on a usage mistake to stderr with the
 * reason (2). `check` adds the command's own rules and returns what is wrong.
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
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(`${help}\n`);
    return EXIT_OK;
  }
  return parsed;
}

/** A `check` for commands that take no positional arguments. */
export const noPositionals = ({ positionals }: { positionals: string[] }): string | undefined =>
  positionals.length > 0 ? `unexpected argument: ${positionals[0]}` : undefined;
