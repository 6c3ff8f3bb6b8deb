// The queue clients of one account share one HTTP pipeline (clients.ts, queueClientIn): a
// QueueClient made on its own builds a pipeline of its own, which 1,000 targets paid 1,000 times.
import type { TokenCredential } from '@azure/identity';
import type { QueueClient } from '@azure/storage-queue';
import { describe, expect, test } from 'vitest';
import { queueClientIn } from '../../../shared/sources/azure-queue/clients.js';
import { azureQueueMetadataSchema } from '../../../shared/sources/azure-queue/metadata.js';

const credential = (): TokenCredential => ({ getToken: () => Promise.resolve({ token: 't', expiresOnTimestamp: Date.now() + 3_600_000 }) });
const [identity, otherIdentity] = [credential(), credential()];
const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const connection = (account: string) => `DefaultEndpointsProtocol=https;AccountName=${account};AccountKey=${KEY};EndpointSuffix=core.windows.net`;
const settings = { SHOP: connection('shopdata'), BILLING: connection('billingdata') };

const metadata = (m: Record<string, string>) => azureQueueMetadataSchema.parse({ queueName: 'orders', ...m });
/** The pipeline a QueueClient sends through (a protected member of the SDK's StorageClient). */
const pipelineOf = (client: QueueClient): unknown => (client as unknown as { pipeline: unknown }).pipeline;

describe('queueClientIn', () => {
  const shop = metadata({ accountName: 'shopdata' });
  const rows: { name: string; first: () => QueueClient; second: () => QueueClient; shared: boolean }[] = [
    { name: 'two queues of one account, one identity', first: () => queueClientIn(shop, 'orders', identity, {}), second: () => queueClientIn(shop, 'returns', identity, {}), shared: true },
    {
      name: 'the same account by accountName and by queueServiceUri',
      first: () => queueClientIn(shop, 'orders', identity, {}),
      second: () => queueClientIn(metadata({ queueServiceUri: 'https://shopdata.queue.core.windows.net/' }), 'returns', identity, {}),
      shared: true,
    },
    { name: 'two accounts', first: () => queueClientIn(shop, 'orders', identity, {}), second: () => queueClientIn(metadata({ accountName: 'billingdata' }), 'orders', identity, {}), shared: false },
    { name: 'two identities', first: () => queueClientIn(shop, 'orders', identity, {}), second: () => queueClientIn(shop, 'orders', otherIdentity, {}), shared: false },
    {
      name: 'two queues of one connection string',
      first: () => queueClientIn(metadata({ connectionFromEnv: 'SHOP' }), 'orders', identity, settings),
      second: () => queueClientIn(metadata({ connectionFromEnv: 'SHOP' }), 'returns', identity, settings),
      shared: true,
    },
    {
      name: 'two connection strings',
      first: () => queueClientIn(metadata({ connectionFromEnv: 'SHOP' }), 'orders', identity, settings),
      second: () => queueClientIn(metadata({ connectionFromEnv: 'BILLING' }), 'orders', identity, settings),
      shared: false,
    },
  ];
  test.each(rows)('$name: one pipeline $shared', ({ first, second, shared }) => {
    const [a, b] = [first(), second()];
    expect(pipelineOf(a) === pipelineOf(b)).toBe(shared);
  });

  test('each client is for its own queue, in its account', () => {
    expect([queueClientIn(shop, 'orders', identity, {}).url, queueClientIn(shop, 'returns', identity, {}).url])
      .toEqual(['https://shopdata.queue.core.windows.net/orders', 'https://shopdata.queue.core.windows.net/returns']);
    expect(queueClientIn(metadata({ connectionFromEnv: 'BILLING' }), 'orders', identity, settings).url).toBe('https://billingdata.queue.core.windows.net/orders');
  });
});
