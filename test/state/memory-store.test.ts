import { createMemoryStore } from '../../shared/state/index.js';
import { runStateStoreContract } from './contract.js';

runStateStoreContract('in memory', async () => createMemoryStore());
