// Runs a CLI command in process and captures what it writes.
import { vi } from 'vitest';
import type { Command } from '../../cli/command.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export async function runCli(command: Command, args: string[], stdin?: string): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => err.push(String(chunk)) > 0);
  const input = stdin === undefined ? undefined : vi.spyOn(process.stdin, Symbol.asyncIterator).mockImplementation(async function* () {
    yield Buffer.from(stdin);
  });
  try {
    const code = await command.run(args);
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
    input?.mockRestore();
  }
}
