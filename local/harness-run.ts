import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';

/**
 * Every service process startService starts carries two environment variables, so that a final
 * check can find the ones that outlived their test run by reading /proc, whoever started them
 * (the vitest main process or a worker that crashed before its afterAll). The CLI's services
 * carry them too; nothing checks for those.
 */
export const HARNESS_RUN_ENV = 'AQS_HARNESS_RUN';
export const HARNESS_SERVICE_ENV = 'AQS_HARNESS_SERVICE';

/** The id of this test run; the first caller picks it, and child processes inherit it. */
export function harnessRunId(): string {
  process.env[HARNESS_RUN_ENV] ??= randomUUID();
  return process.env[HARNESS_RUN_ENV];
}

export interface LeftoverService {
  pid: number;
  service: string;
  commandLine: string;
}

/** Service processes of run `runId` that are still alive. Empty where /proc does not exist. */
export async function findLeftoverServices(runId: string): Promise<LeftoverService[]> {
  const pids = await readdir('/proc').catch(() => [] as string[]);
  const found: LeftoverService[] = [];
  for (const entry of pids.filter((name) => /^\d+$/.test(name))) {
    const environ = await readFile(`/proc/${entry}/environ`, 'latin1').catch(() => '');
    const vars = new Map(environ.split('\0').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
    const service = vars.get(HARNESS_SERVICE_ENV);
    if (vars.get(HARNESS_RUN_ENV) !== runId || service === undefined) continue;
    const commandLine = (await readFile(`/proc/${entry}/cmdline`, 'latin1').catch(() => '')).split('\0').join(' ').trim();
    found.push({ pid: Number(entry), service, commandLine });
  }
  return found;
}
