import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { HARNESS_RUN_ENV, HARNESS_SERVICE_ENV, harnessRunId } from './harness-run.js';

export interface ServiceSpec {
  /** Short name used in messages and in the leftover-process marker, e.g. "etcd". */
  name: string;
  command: string;
  args: readonly string[];
  /** Added to (and overriding) this process's environment. */
  env?: Record<string, string | undefined>;
  /** What stop() asks it to end with first (default SIGTERM); a program that saves its data on that signal only says which. */
  stopSignal?: NodeJS.Signals;
}

export interface ServiceProcess {
  readonly name: string;
  readonly pid: number;
  /** Resolves with the match of the first output line (stdout or stderr) that matches. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /**
   * Resolves once `probe` returns true; polls it until then. Rejects, with the last output, when
   * the process exits or `timeoutMs` passes first.
   */
  waitUntilReady(probe: () => Promise<boolean>, timeoutMs: number): Promise<void>;
  /** The last lines of output, for error messages. */
  outputTail(): string;
  /** Stops the whole process group: SIGTERM (or the spec's stopSignal), then SIGKILL after a grace period. */
  stop(): Promise<void>;
}

const TAIL_LINES = 60;
const STOP_GRACE_MS = 5_000;
const PROBE_INTERVAL_MS = 100;

// Process groups still running; killed synchronously if this process exits without stopping
// them (an uncaught error, a vitest worker torn down early), so services never outlive it.
const liveGroups = new Set<number>();
process.once('exit', () => {
  for (const pgid of liveGroups) killGroup(pgid, 'SIGKILL');
});

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/**
 * Starts a long-running program in its own process group (so stop() also reaches anything it
 * forks), keeps reading its output for as long as it runs (a service blocked on a full pipe, or
 * killed by EPIPE, looks like a hung or crashed service), and marks it for the leftover check.
 */
export function startService(spec: ServiceSpec): ServiceProcess {
  const child = spawn(spec.command, spec.args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...spec.env, [HARNESS_RUN_ENV]: harnessRunId(), [HARNESS_SERVICE_ENV]: spec.name },
  });
  const lines: string[] = [];
  // Called with each output line, and with undefined once the process has exited.
  const listeners = new Set<(line: string | undefined) => void>();
  let exitReason: string | undefined;
  const exited = new Promise<void>((resolve) => {
    const finish = (reason: string): void => {
      exitReason ??= reason;
      if (child.pid !== undefined) liveGroups.delete(child.pid);
      for (const listener of listeners) listener(undefined);
      resolve();
    };
    child.once('error', (error) => finish(`could not start ${spec.command}: ${error.message}`));
    child.once('exit', (code, signal) => finish(`exited with ${signal ?? `code ${code}`}`));
  });
  if (child.pid !== undefined) liveGroups.add(child.pid);
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        if (lines.length > TAIL_LINES) lines.shift();
        for (const listener of listeners) listener(line);
      }
    });
  }
  const outputTail = (): string => lines.join('\n');
  const describe = (problem: string): Error =>
    new Error(`${spec.name} (${spec.command}) ${problem}; last output:\n${outputTail()}`);

  return {
    name: spec.name,
    get pid() {
      return child.pid ?? -1;
    },
    outputTail,
    waitForOutput(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const done = (): void => {
          clearTimeout(timer);
          listeners.delete(onLine);
        };
        const onLine = (line: string | undefined): void => {
          const match = line === undefined ? null : pattern.exec(line);
          if (match !== null) {
            done();
            resolve(match);
          } else if (line === undefined) {
            done();
            reject(describe(`${exitReason} before printing ${pattern}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(describe(`did not print ${pattern} within ${timeoutMs} ms`));
        }, timeoutMs);
        listeners.add(onLine);
        for (const line of lines) onLine(line);
        if (exitReason !== undefined) onLine(undefined);
      });
    },
    async waitUntilReady(probe, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (exitReason !== undefined) throw describe(`${exitReason} before it was ready`);
        if (await probe().catch(() => false)) return;
        if (Date.now() > deadline) throw describe(`was not ready within ${timeoutMs} ms`);
        await sleep(PROBE_INTERVAL_MS);
      }
    },
    async stop() {
      if (child.pid === undefined) return;
      const pgid = child.pid;
      if (exitReason === undefined) {
        killGroup(pgid, spec.stopSignal ?? 'SIGTERM');
        const grace = setTimeout(() => killGroup(pgid, 'SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(grace);
      }
      // The leader is gone; anything it forked into its group goes too.
      killGroup(pgid, 'SIGKILL');
    },
  };
}
