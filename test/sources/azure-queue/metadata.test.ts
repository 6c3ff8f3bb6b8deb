// KEDA's TestAzQueueParseMetadata (pkg/scalers/azure_queue_scaler_test.go), row for row, in our
// words and with our exact outcome: KEDA's rows assert only err != nil; ours assert the message.
// KEDA's sample names (sample_acc, sample_queue) are not valid Azure names, which we check, so
// the rows use sampleacc and sample-queue. Where we differ from KEDA the row says so.
import { describe, expect, test } from 'vitest';
import { formatPath, parseConfig } from '../../../shared/schema/index.js';
import { azureQueue } from '../../../shared/sources/azure-queue/index.js';
import { azureQueueMetadataSchema, queueServiceUrl } from '../../../shared/sources/azure-queue/metadata.js';

type Outcome = { ok: Record<string, unknown> } | { errors: string[] };

function parse(metadata: Record<string, unknown>): Outcome {
  const parsed = parseConfig(azureQueueMetadataSchema, metadata);
  if (parsed.success) return { ok: parsed.data };
  return { errors: parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`) };
}

const DEFAULTS = { queueLength: 5, activationQueueLength: 0, queueLengthStrategy: 'all', endpointSuffix: 'queue.core.windows.net' };
const WORKLOAD = { accountName: 'sampleacc', queueName: 'sample-queue' };

const rows: { name: string; metadata: Record<string, unknown>; want: Outcome }[] = [
  {
    name: 'nothing passed',
    metadata: {},
    want: { errors: ['queueName: is required', 'accountName: is required: the storage account that holds the queue (KEDA: "no accountName given")'] },
  },
  {
    name: 'properly formed (connectionFromEnv; refused later unless SCALER_LOCAL_DEVELOPMENT)',
    metadata: { connectionFromEnv: 'CONNECTION', queueName: 'sample', queueLength: '5' },
    want: { ok: { ...DEFAULTS, connectionFromEnv: 'CONNECTION', queueName: 'sample' } },
  },
  { name: 'empty queueName', metadata: { connectionFromEnv: 'CONNECTION', queueName: '' }, want: { errors: ['queueName: is required'] } },
  {
    name: 'improperly formed queueLength',
    metadata: { connectionFromEnv: 'CONNECTION', queueName: 'sample', queueLength: 'AA' },
    want: { errors: ['queueLength: "AA" is not an integer'] },
  },
  {
    name: 'improperly formed activationQueueLength',
    metadata: { connectionFromEnv: 'CONNECTION', queueName: 'sample', queueLength: '1', activationQueueLength: 'AA' },
    want: { errors: ['activationQueueLength: "AA" is not an integer'] },
  },
  { name: 'azure-workload with account name', metadata: WORKLOAD, want: { ok: { ...DEFAULTS, ...WORKLOAD } } },
  {
    name: 'azure-workload without account name',
    metadata: { ...WORKLOAD, accountName: '' },
    want: { errors: ['accountName: is required: the storage account that holds the queue (KEDA: "no accountName given")'] },
  },
  { name: 'azure-workload without queue name', metadata: { ...WORKLOAD, queueName: '' }, want: { errors: ['queueName: is required'] } },
  { name: 'azure-workload with cloud', metadata: { ...WORKLOAD, cloud: 'AzurePublicCloud' }, want: { ok: { ...DEFAULTS, ...WORKLOAD } } },
  {
    name: 'azure-workload with invalid cloud',
    metadata: { ...WORKLOAD, cloud: 'InvalidCloud' },
    want: { errors: ['cloud: invalid cloud environment "InvalidCloud": use AzurePublicCloud, AzureUSGovernmentCloud, AzureChinaCloud or Private'] },
  },
  {
    name: 'azure-workload with private cloud and endpoint suffix',
    metadata: { ...WORKLOAD, cloud: 'Private', endpointSuffix: 'queue.core.private.cloud' },
    want: { ok: { ...DEFAULTS, ...WORKLOAD, endpointSuffix: 'queue.core.private.cloud' } },
  },
  {
    name: 'azure-workload with private cloud and no endpoint suffix',
    metadata: { ...WORKLOAD, cloud: 'Private', endpointSuffix: '' },
    want: { errors: ['endpointSuffix: must be provided for Private cloud type (e.g. queue.core.example.net)'] },
  },
  {
    // KEDA ignores the suffix and passes; here it is an error.
    name: 'azure-workload with endpoint suffix and no cloud (differs from KEDA)',
    metadata: { ...WORKLOAD, cloud: '', endpointSuffix: 'ignored' },
    want: { errors: ['endpointSuffix: is only used with cloud: Private (KEDA would silently ignore it)'] },
  },
  {
    // KEDA reads it from a TriggerAuthentication or the metadata; a literal is refused here.
    name: 'connection in metadata (differs from KEDA)',
    metadata: { queueName: 'sample', connection: 'value' },
    want: {
      errors: [
        'connection: is refused: a connection string in settings is a secret in plain text; use accountName with a managed identity (or connectionFromEnv for local development)',
        'accountName: is required: the storage account that holds the queue (KEDA: "no accountName given")',
      ],
    },
  },
  {
    name: 'valid queueLengthStrategy all',
    metadata: { connectionFromEnv: 'CONNECTION', queueName: 'sample', queueLength: '5', queueLengthStrategy: 'all' },
    want: { ok: { ...DEFAULTS, connectionFromEnv: 'CONNECTION', queueName: 'sample' } },
  },
  {
    name: 'valid queueLengthStrategy visibleonly',
    metadata: { connectionFromEnv: 'CONNECTION', queueName: 'sample', queueLength: '5', queueLengthStrategy: 'visibleonly' },
    want: { ok: { ...DEFAULTS, connectionFromEnv: 'CONNECTION', queueName: 'sample', queueLengthStrategy: 'visibleonly' } },
  },
  {
    name: 'invalid queueLengthStrategy',
    metadata: { connectionFromEnv: 'CONNECTION', queueName: 'sample', queueLength: '5', queueLengthStrategy: 'invalid' },
    want: { errors: ['queueLengthStrategy: "invalid" is not one of all, visibleonly (case-sensitive, as in KEDA)'] },
  },
  {
    name: 'all problems at once are reported',
    metadata: { queueName: 'Sample', queueLength: '0', cloud: 'Private' },
    want: {
      errors: [
        'queueName: "Sample" is not a storage queue name (3-63 lowercase letters, digits and single hyphens)',
        'queueLength: 0 is less than 1',
        'accountName: is required: the storage account that holds the queue (KEDA: "no accountName given")',
        'endpointSuffix: must be provided for Private cloud type (e.g. queue.core.example.net)',
      ],
    },
  },
];

describe('azure-queue metadata (KEDA TestAzQueueParseMetadata)', () => {
  test.each(rows)('$name', ({ metadata, want }) => {
    expect(parse(metadata)).toEqual(want);
  });
});

// Ours: the oldest message's age (docs/configuration.md, "Message age"). KEDA has no such key.
const ageRows: typeof rows = [
  { name: 'an age target, in seconds', metadata: { ...WORKLOAD, messageAgeTarget: '30' }, want: { ok: { ...DEFAULTS, ...WORKLOAD, messageAgeTarget: 30 } } },
  {
    name: 'an age target and an activation age',
    metadata: { ...WORKLOAD, messageAgeTarget: 30, activationMessageAge: '0' },
    want: { ok: { ...DEFAULTS, ...WORKLOAD, messageAgeTarget: 30, activationMessageAge: 0 } },
  },
  { name: 'an empty age target is none', metadata: { ...WORKLOAD, messageAgeTarget: '' }, want: { ok: { ...DEFAULTS, ...WORKLOAD } } },
  { name: 'an age target of 0', metadata: { ...WORKLOAD, messageAgeTarget: '0' }, want: { errors: ['messageAgeTarget: 0 is less than 1'] } },
  { name: 'an age target that is not whole seconds', metadata: { ...WORKLOAD, messageAgeTarget: '2.5' }, want: { errors: ['messageAgeTarget: "2.5" is not an integer'] } },
  { name: 'an age target over a year', metadata: { ...WORKLOAD, messageAgeTarget: '31622401' }, want: { errors: ['messageAgeTarget: 31622401 is more than 31622400'] } },
  {
    name: 'an activation age without an age target',
    metadata: { ...WORKLOAD, activationMessageAge: '60' },
    want: { errors: ['activationMessageAge: needs messageAgeTarget: without an age target the age is not read'] },
  },
  { name: 'a negative activation age', metadata: { ...WORKLOAD, messageAgeTarget: '30', activationMessageAge: '-1' }, want: { errors: ['activationMessageAge: -1 is less than 0'] } },
];

describe('azure-queue metadata: message age', () => {
  test.each(ageRows)('$name', ({ metadata, want }) => {
    expect(parse(metadata)).toEqual(want);
  });

  test.each([
    { name: 'no age target: the length alone', metadata: WORKLOAD, want: { targetValue: 5, activationTargetValue: 0 } },
    { name: 'the activation age is the target unless given', metadata: { ...WORKLOAD, messageAgeTarget: '30' }, want: { targetValue: 5, activationTargetValue: 0, age: { targetValue: 30, activationTargetValue: 30 } } },
    {
      name: 'an activation age of its own',
      metadata: { ...WORKLOAD, queueLength: '10', activationQueueLength: '3', messageAgeTarget: '30', activationMessageAge: '5' },
      want: { targetValue: 10, activationTargetValue: 3, age: { targetValue: 30, activationTargetValue: 5 } },
    },
  ])('thresholds: $name', ({ metadata, want }) => {
    expect(azureQueue.thresholds(azureQueueMetadataSchema.parse(metadata))).toEqual(want);
  });
});

describe('queueServiceUrl', () => {
  const url = (metadata: Record<string, unknown>) => {
    const parsed = azureQueueMetadataSchema.parse(metadata);
    return queueServiceUrl(parsed);
  };

  test.each([
    [{ ...WORKLOAD }, 'https://sampleacc.queue.core.windows.net'],
    [{ ...WORKLOAD, cloud: 'AzureUSGovernmentCloud' }, 'https://sampleacc.queue.core.usgovcloudapi.net'],
    [{ ...WORKLOAD, cloud: 'Private', endpointSuffix: 'queue.local.azurestack.external' }, 'https://sampleacc.queue.local.azurestack.external'],
    [{ ...WORKLOAD, queueServiceUri: 'http://127.0.0.1:10001/devstoreaccount1' }, 'http://127.0.0.1:10001/devstoreaccount1'],
    [{ queueName: 'sample', connectionFromEnv: 'CONNECTION' }, undefined],
  ])('%j -> %s', (metadata, want) => {
    expect(url(metadata)).toBe(want);
  });
});
