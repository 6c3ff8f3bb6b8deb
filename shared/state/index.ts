export { StateConflictError, type StateStore, type StoredRecord, type TargetRecord } from './store.js';
export { createMemoryStore } from './memory-store.js';
export { createTableStore, type TableLocation } from './table-store.js';
export { updateRecord, UPDATE_ATTEMPTS } from './update.js';
