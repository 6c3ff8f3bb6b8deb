// host.json's queue settings bound how far a burst on a wake queue scales the wake function out
// on Flex Consumption: the Storage Queues extension's target scaler asks for
// ceil(queue length / (batchSize + newBatchThreshold)) instances, up to maximumInstanceCount.
// docs/wake.md states the resulting table; this keeps both in step.
import { describe, expect, test } from 'vitest';
import { readRepoFile } from './bicep-text.js';

const queues = (JSON.parse(readRepoFile('host.json').text) as { extensions: { queues: { batchSize: number; newBatchThreshold: number } } }).extensions.queues;
const perInstance = queues.batchSize + queues.newBatchThreshold;
/** The instances target-based scaling asks for a queue of `length` (QueueTargetScaler), capped by maximumInstanceCount. */
const instancesFor = (length: number, maximum = 40): number => Math.min(maximum, Math.ceil(length / perInstance));

describe('a burst on a wake queue, on Flex Consumption', () => {
  test('one instance takes 512 messages, so a burst of 1,000 asks for 2, not 21', () => {
    expect(queues.batchSize).toBe(32); // the most one GetMessages returns
    expect(perInstance).toBe(512);
    expect([512, 1_000, 5_000, 20_480, 100_000].map((n) => instancesFor(n))).toEqual([1, 2, 10, 40, 40]);
  });

  test('docs/wake.md states the same numbers', () => {
    const doc = readRepoFile('docs/wake.md').text;
    expect(doc).toContain(`"batchSize": ${queues.batchSize}, "newBatchThreshold": ${queues.newBatchThreshold}`);
    expect(doc).toContain(`With\n${perInstance} per instance:`);
    for (const [burst, instances] of [['1,000', 2], ['5,000', 10]] as const) expect(doc).toMatch(new RegExp(`\\| ${burst} \\| ${instances} \\|`));
  });
});
