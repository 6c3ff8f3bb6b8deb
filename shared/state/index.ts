export { StateConflictError, canSaveBatch, type BatchSaving, type SaveRequest, type StateStore, type StoredRecord, type TargetRecord } from './store.js';
export { batchSaves, type BatchSavesOptions } from './batch-saves.js';
export { createMemoryStore } from './memory-store.js';
export { createTableStore, type TableLocation, type TableStoreOptions } from './table-store.js';
export { updateRecord } from './update.js';
export { scalerStateSchema } from './record.js';
