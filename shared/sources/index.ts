// Builds the source for a trigger by its KEDA type.
import type { TriggerSpec } from '../config/target.js';
import { createAzureQueueSource } from './azure-queue.js';
import type { Source, SourceDeps } from './source.js';

export type { Source, SourceDeps } from './source.js';

export function createSource(trigger: TriggerSpec, deps: SourceDeps): Source {
  switch (trigger.type) {
    case 'azure-queue':
      return createAzureQueueSource(trigger.metadata, deps);
  }
}
