// UseDevelopmentStorage=true as the Functions tooling means it (local/development-storage.ts):
// what answers on each port decides, the user's Azurite is used and left alone, one started here
// keeps its data across a restart. On free ports of the test's choosing; the standard ports are
// run's, as a user runs it (test/e2e/cli-run-process.test.ts).
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueServiceClient } from '@azure/storage-queue';
import { describe, expect, test } from 'vitest';
import { AZURITE_ACCOUNT, AZURITE_KEY } from '../../../local/azurite.js';
import { probePort, useDevelopmentStorage } from '../../../local/development-storage.js';
import { freePort } from '../../../local/free-port.js';

const queues = (port: number) => QueueServiceClient.fromConnectionString(
  `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};QueueEndpoint=http://127.0.0.1:${port}/${AZURITE_ACCOUNT};`,
);

describe('development storage', () => {
  test('nothing answers: Azurite is started for each service, keeps its data under location, and is found running by the next caller', async () => {
    const location = await mkdtemp(join(tmpdir(), 'aqs-devstorage-'));
    const ports = { queue: await freePort(), table: await freePort() };
    expect(await probePort(ports.queue)).toEqual({ kind: 'free' });

    const started = await useDevelopmentStorage({ location, ports });
    expect(started.services).toEqual({ queue: { port: ports.queue, found: 'started' }, table: { port: ports.table, found: 'started' } });
    expect(started.location).toBe(location);
    expect(started.pids).toHaveLength(2);
    expect(await probePort(ports.queue)).toMatchObject({ kind: 'azurite', server: expect.stringMatching(/^Azurite-Queue\//) });
    await queues(ports.queue).getQueueClient('kept').create();
    await queues(ports.queue).getQueueClient('kept').sendMessage('still here');

    const found = await useDevelopmentStorage({ location: '/nonexistent', ports });
    expect(found.services).toMatchObject({ queue: { found: 'running' }, table: { found: 'running' } });
    expect(found.pids).toEqual([]);
    await found.stop();
    expect(await probePort(ports.queue)).toMatchObject({ kind: 'azurite' });

    await started.stop();
    expect(await probePort(ports.queue)).toEqual({ kind: 'free' });
    const again = await useDevelopmentStorage({ location, ports });
    try {
      expect((await queues(ports.queue).getQueueClient('kept').getProperties()).approximateMessagesCount).toBe(1);
    } finally {
      await again.stop();
    }
  });

  test('something else on a port: an error naming the port and what answered, and nothing is started', async () => {
    const server = createServer((_req, res) => {
      res.setHeader('server', 'nginx/1.27');
      res.end('hello');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const port = (server.address() as { port: number }).port;
    try {
      const table = await freePort();
      await expect(useDevelopmentStorage({ location: '/nonexistent', ports: { queue: port, table } }))
        .rejects.toThrow(`127.0.0.1:${port} answers, but not as Azurite's queue service (nginx/1.27): UseDevelopmentStorage=true means Azurite there; stop what holds the port, or set the setting to a connection string`);
      expect(await probePort(table)).toEqual({ kind: 'free' });
    } finally {
      server.close();
    }
  });
});
