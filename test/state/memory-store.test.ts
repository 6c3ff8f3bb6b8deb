import { createMemoryStore, type TargetRecord } from '../../shared/state/index.js';
import { runStateStoreContract } from './contract.js';

runStateStoreContract('in memory', async () => {
  const store = createMemoryStore();
  return { store, writeRow: async (key, row) => void (await store.save(key, row as unknown as TargetRecord, undefined)) };
});
