import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { createTableStore } from '../../shared/state/index.js';
import { startAzurite, type Azurite } from '../support/azurite.js';
import { runStateStoreContract } from '../state/contract.js';

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(() => azurite?.stop());

// A table per test, so the contract's keys never meet.
runStateStoreContract('Table Storage (Azurite)', async () =>
  createTableStore({ connectionString: azurite.connectionString, table: `state${randomBytes(4).toString('hex')}` }),
);
