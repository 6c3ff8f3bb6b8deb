import { randomBytes } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll } from 'vitest';
import { createTableStore } from '../../shared/state/index.js';
import { toRowKey } from '../../shared/state/table-store.js';
import { startAzurite, type Azurite } from '../../local/azurite.js';
import { runStateStoreContract } from '../state/contract.js';

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(() => azurite?.stop());

// A table per test, so the contract's keys never meet. Rows are written raw through the SDK, as
// another version of the scaler or a storage explorer would leave them.
runStateStoreContract('Table Storage (Azurite)', async () => {
  const table = `state${randomBytes(4).toString('hex')}`;
  const raw = TableClient.fromConnectionString(azurite.connectionString, table, { allowInsecureConnection: true });
  await raw.createTable();
  return {
    store: createTableStore({ connectionString: azurite.connectionString, table }),
    writeRow: async (key, row) => void (await raw.createEntity({ ...row, partitionKey: 'targets', rowKey: toRowKey(key), state: JSON.stringify(row.state) })),
  };
});
