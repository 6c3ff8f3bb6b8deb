import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDefaultHttpClient, createPipelineRequest } from '@azure/core-rest-pipeline';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { listenHttps, type LoopbackServer } from '../../../local/loopback-server.js';
import { createTestCa, type TestCa } from '../../../local/test-ca.js';
import { trustCa } from '../../../local/trust-ca.js';

// A CA of its own, not the run's CA that the setup file already trusts.
describe('trustCa', () => {
  let dir: string;
  let ca: TestCa;
  let server: LoopbackServer;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aqs-trust-'));
    ca = await createTestCa(dir);
    server = await listenHttps(ca, 'trust-probe', (_request, response) => response.end('ok'));
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('makes the Azure SDK pipeline (node https) and fetch trust a CA after start-up', async () => {
    const azureClient = createDefaultHttpClient();
    const viaAzureSdk = (): Promise<unknown> =>
      azureClient.sendRequest(createPipelineRequest({ url: server.url })).then((response) => response.status);
    const viaFetch = (): Promise<unknown> => fetch(server.url).then((response) => response.status);
    await expect(viaAzureSdk()).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    await expect(viaFetch()).rejects.toThrow();

    trustCa(ca.certPem);

    expect(await viaAzureSdk()).toBe(200);
    expect(await viaFetch()).toBe(200);
  });
});
