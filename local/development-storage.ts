import { mkdir } from 'node:fs/promises';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { startService, type ServiceProcess } from './service-process.js';

/**
 * `UseDevelopmentStorage=true` as the Functions tooling and the Azure SDKs read it: Azurite on its
 * standard ports of 127.0.0.1. The SDKs resolve that setting to these endpoints themselves.
 */
export const DEVELOPMENT_STORAGE_PORTS = { blob: 10000, queue: 10001, table: 10002 } as const;
export type StorageService = keyof typeof DEVELOPMENT_STORAGE_PORTS;

/** What answers on a port of 127.0.0.1: an Azurite service (its Server header), nothing, or something else. */
export type PortAnswer = { kind: 'azurite'; server: string } | { kind: 'free' } | { kind: 'other'; server: string };

const PROBE_TIMEOUT_MS = 2_000;
const START_TIMEOUT_MS = 30_000;

/** Asks 127.0.0.1:`port` over HTTP who it is; Azurite says `Server: Azurite-Queue/3.37.0`. */
export function probePort(port: number, timeoutMs = PROBE_TIMEOUT_MS): Promise<PortAnswer> {
  return new Promise((done) => {
    const req = request({ host: '127.0.0.1', port, path: '/', method: 'GET', timeout: timeoutMs }, (response) => {
      response.resume();
      const server = String(response.headers.server ?? '');
      done(/^Azurite-/i.test(server) ? { kind: 'azurite', server } : { kind: 'other', server: server || `HTTP ${response.statusCode}` });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED' ? { kind: 'free' } : { kind: 'other', server: e.code ?? e.message }));
    req.end();
  });
}

export interface DevelopmentStorage {
  /** Per service asked for: an Azurite that was already there, or one started here. */
  services: Record<string, { port: number; found: 'running' | 'started'; server?: string }>;
  /** Where the started services keep their data (absolute); undefined when none was started. */
  location?: string;
  /** The processes started here (none when an Azurite already answered for every service). */
  pids: number[];
  /** Stops what was started here (its data stays in `location`); an Azurite found running is left alone. */
  stop(): Promise<void>;
}

export interface DevelopmentStorageOptions {
  /** The services needed; default queue and table (the scaler uses no blobs). */
  services?: readonly StorageService[];
  /** Where a started Azurite keeps its data, so that it survives a restart (created when missing). */
  location: string;
  /** The ports, when not the standard ones (tests). */
  ports?: Partial<Record<StorageService, number>>;
}

const packages = createRequire(import.meta.url);
const SERVICE_NAMES: Record<StorageService, string> = { blob: 'Blob', queue: 'Queue', table: 'Table' };

/**
 * An Azurite for each service on its standard port: the one that already answers there (the
 * user's, left running), or, when nothing answers, Azurite's own program for that service
 * started here with its data under `location` (the `azurite` package, run with this Node),
 * stopped by stop(). A port held by something that is not Azurite is an error naming it: the
 * settings mean Azurite there, and a queue read elsewhere would be another queue.
 */
export async function useDevelopmentStorage(options: DevelopmentStorageOptions): Promise<DevelopmentStorage> {
  const wanted = options.services ?? ['queue', 'table'];
  const portOf = (service: StorageService): number => options.ports?.[service] ?? DEVELOPMENT_STORAGE_PORTS[service];
  const answers = await Promise.all(wanted.map(async (service) => ({ service, port: portOf(service), answer: await probePort(portOf(service)) })));
  const taken = answers.filter((a) => a.answer.kind === 'other');
  if (taken.length > 0) {
    throw new Error(taken.map(({ service, port, answer }) =>
      `127.0.0.1:${port} answers, but not as Azurite's ${service} service (${(answer as { server: string }).server})`).join('; ')
      + ': UseDevelopmentStorage=true means Azurite there; stop what holds the port, or set the setting to a connection string');
  }
  const services: DevelopmentStorage['services'] = {};
  for (const { service, port, answer } of answers) if (answer.kind === 'azurite') services[service] = { port, found: 'running', server: answer.server };
  const missing = answers.filter((a) => a.answer.kind === 'free');
  if (missing.length === 0) return { services, pids: [], stop: async () => {} };

  const location = resolve(options.location);
  await mkdir(location, { recursive: true });
  const started: ServiceProcess[] = [];
  const stop = async (): Promise<void> => {
    for (const service of started.reverse()) await service.stop();
  };
  try {
    await Promise.all(missing.map(async ({ service, port }) => {
      const azurite = startService({
        name: `azurite-${service}`,
        command: process.execPath,
        args: [packages.resolve(`azurite/dist/src/${service}/main.js`), `--${service}Host`, '127.0.0.1', `--${service}Port`, String(port),
          '--location', location, '--disableTelemetry', '--skipApiVersionCheck', '--silent'],
        // Azurite writes its data to disk every 5 s, and on SIGINT as it closes; the table service
        // ends on SIGTERM without saving, losing the last seconds' state.
        stopSignal: 'SIGINT',
      });
      started.push(azurite);
      // "Azurite Queue service successfully listens on ...", "Azurite Table service successfully started on ...".
      await azurite.waitForOutput(new RegExp(`Azurite ${SERVICE_NAMES[service]} service (is )?successfully`), START_TIMEOUT_MS);
      services[service] = { port, found: 'started' };
    }));
  } catch (error) {
    await stop();
    throw error;
  }
  return { services, location, pids: started.map((s) => s.pid), stop };
}
