// What every CLI command provides. Exit codes: 0 success, 1 the input was rejected or the work
// failed, 2 the command line itself was wrong.
import { readFile } from 'node:fs/promises';

export interface Command {
  name: string;
  summary: string;
  run(args: string[]): Promise<number>;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Reads a file, or standard input when the path is `-` or absent. */
export async function readInput(path: string | undefined): Promise<string> {
  if (path && path !== '-') return readFile(path, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
