// The CLI as a user runs it: a child process of its own, in a working folder of the test's
// choosing (a fresh clone holds no local.settings.json), from the sources as they are
// (run-source.mjs), with its output read line by line as it comes.
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '..', '..');

export interface CliProcess {
  readonly pid: number;
  /** Every line so far, per stream. */
  readonly out: string[];
  readonly err: string[];
  /** Resolves with the first line (of either stream, or the one named) matching `pattern`, past or future. */
  waitFor(pattern: RegExp, timeoutMs?: number, stream?: 'out' | 'err'): Promise<string>;
  /** Ctrl-C (SIGINT), then its exit code. */
  interrupt(): Promise<number | null>;
  /** Its exit code, once it has exited. */
  readonly exited: Promise<number | null>;
}

/** Runs `aks-queue-scaler <args>` in `cwd`; `env` is added to this process's environment. */
export function startCli(args: readonly string[], options: { cwd: string; env?: Record<string, string | undefined> }): CliProcess {
  const child = spawn(process.execPath, ['--import', join(REPO, 'test/support/run-source.mjs'), join(REPO, 'cli/main.ts'), ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: string[] = [];
  const err: string[] = [];
  const waiting = new Set<(line: string, stream: 'out' | 'err') => void>();
  for (const [stream, lines, name] of [[child.stdout, out, 'out'], [child.stderr, err, 'err']] as const) {
    let partial = '';
    stream.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        for (const w of waiting) w(line, name);
      }
    });
  }
  const exited = new Promise<number | null>((done) => child.once('close', (code) => done(code)));
  const describe = (): string => `stdout:\n${out.join('\n')}\nstderr:\n${err.join('\n')}`;
  return {
    get pid() {
      return child.pid ?? -1;
    },
    out,
    err,
    exited,
    waitFor(pattern, timeoutMs = 60_000, only) {
      const seen = [...(only !== 'err' ? out : []), ...(only !== 'out' ? err : [])].find((l) => pattern.test(l));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((done, fail) => {
        const finish = (): void => {
          clearTimeout(timer);
          waiting.delete(onLine);
        };
        const onLine = (line: string, stream: 'out' | 'err'): void => {
          if ((only === undefined || only === stream) && pattern.test(line)) {
            finish();
            done(line);
          }
        };
        const timer = setTimeout(() => {
          finish();
          fail(new Error(`the CLI printed no line matching ${pattern} within ${timeoutMs} ms; ${describe()}`));
        }, timeoutMs);
        waiting.add(onLine);
        void exited.then((code) => {
          if (!waiting.has(onLine)) return;
          finish();
          fail(new Error(`the CLI exited (${code}) without a line matching ${pattern}; ${describe()}`));
        });
      });
    },
    async interrupt() {
      child.kill('SIGINT');
      return exited;
    },
  };
}

/** Runs `aks-queue-scaler <args>` to its end. */
export async function runCliProcess(args: readonly string[], options: { cwd: string; env?: Record<string, string | undefined> }): Promise<{ code: number | null; out: string[]; err: string[] }> {
  const cli = startCli(args, options);
  const code = await cli.exited;
  return { code, out: cli.out, err: cli.err };
}
