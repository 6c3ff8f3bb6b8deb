import { createRequire } from 'node:module';
import { startService } from './service-process.js';
import type { TestCa } from './test-ca.js';

/** Azurite's built-in development account (the same everywhere, not a secret). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteOptions {
  /**
   * Serve HTTPS with a certificate from this CA and accept bearer tokens (`--oauth basic`), so
   * identity-based access runs for real. Azurite then checks a token's iss, aud and nbf/exp but
   * not its signature (see identity-endpoint.ts); shared-key access keeps working.
   */
  oauthCa?: TestCa;
}

export interface Azurite {
  accountName: string;
  accountKey: string;
  /** e.g. http://127.0.0.1:41234/devstoreaccount1 (IP-style: the account is the first path segment). */
  queueEndpoint: string;
  tableEndpoint: string;
  /** Shared-key connection string with both endpoints. */
  connectionString: string;
  /** The Azurite process, for diagnosis. */
  pid: number;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;
const azuriteBin = createRequire(import.meta.url).resolve('azurite/dist/src/azurite.js');

/**
 * Azurite's queue and table services (and blob, which comes with the combined binary and is not
 * used) in memory on free loopback ports. Telemetry off: Azurite would otherwise send its own
 * Application Insights data. API version check off: the SDKs may be newer than Azurite.
 */
export async function startAzurite(options: AzuriteOptions = {}): Promise<Azurite> {
  const tls = options.oauthCa === undefined ? [] : await oauthArgs(options.oauthCa);
  const service = startService({
    name: 'azurite',
    command: process.execPath,
    args: [azuriteBin, '--blobPort', '0', '--queuePort', '0', '--tablePort', '0', '--inMemoryPersistence',
      '--disableTelemetry', '--skipApiVersionCheck', '--silent', ...tls],
  });
  try {
    const listening = (what: string): Promise<string> =>
      service.waitForOutput(new RegExp(`Azurite ${what} service is successfully listening at (\\S+)`), START_TIMEOUT_MS)
        .then((match) => `${match[1]}/${AZURITE_ACCOUNT}`);
    const queueEndpoint = await listening('Queue');
    const tableEndpoint = await listening('Table');
    const protocol = tls.length === 0 ? 'http' : 'https';
    return {
      accountName: AZURITE_ACCOUNT,
      accountKey: AZURITE_KEY,
      queueEndpoint,
      tableEndpoint,
      connectionString: `DefaultEndpointsProtocol=${protocol};AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};`
        + `QueueEndpoint=${queueEndpoint};TableEndpoint=${tableEndpoint};`,
      pid: service.pid,
      stop: () => service.stop(),
    };
  } catch (error) {
    await service.stop();
    throw error;
  }
}

async function oauthArgs(ca: TestCa): Promise<string[]> {
  const cert = await ca.issue('azurite');
  return ['--oauth', 'basic', '--cert', cert.certFile, '--key', cert.keyFile];
}
