// Trigger types the scaler understands, keyed by KEDA's trigger `type`. A new source adds its
// metadata schema here and its reader in shared/sources/<type>.ts.
import type { z } from 'zod';
import type { TriggerThresholds } from '../engine/index.js';
import { azureQueueMetadataSchema, type AzureQueueMetadata } from './azure-queue-metadata.js';

export interface TriggerDefinition<M> {
  metadata: z.ZodType<M, unknown>;
  thresholds(metadata: M): TriggerThresholds;
}

export const triggerDefinitions = {
  'azure-queue': {
    metadata: azureQueueMetadataSchema,
    thresholds: (m: AzureQueueMetadata) => ({ targetValue: m.queueLength, activationTargetValue: m.activationQueueLength }),
  } satisfies TriggerDefinition<AzureQueueMetadata>,
};

export type TriggerType = keyof typeof triggerDefinitions;
export const triggerTypes = Object.keys(triggerDefinitions) as TriggerType[];
