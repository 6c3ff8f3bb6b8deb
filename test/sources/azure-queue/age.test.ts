// The oldest message's age from a peek's answer: the service's Date header against the messages'
// insertion times, both the service's clock (never the scaler's).
import { describe, expect, test } from 'vitest';
import { azureQueueMetadataSchema } from '../../../shared/sources/azure-queue/metadata.js';
import { ageOfPeek } from '../../../shared/sources/azure-queue/reader.js';

const m = azureQueueMetadataSchema.parse({ queueName: 'orders', accountName: 'shopdata', messageAgeTarget: '30' });
const at = (iso: string): Date => new Date(iso);
const ANSWERED = at('2026-11-27T10:00:40Z');

describe('ageOfPeek', () => {
  test.each([
    { name: 'no message visible: 0', date: ANSWERED, inserted: [], want: 0 },
    { name: 'no message and no Date header: 0 (nothing to measure)', date: undefined, inserted: [], want: 0 },
    { name: 'one message inserted 40 s before the answer', date: ANSWERED, inserted: [at('2026-11-27T10:00:00Z')], want: 40 },
    { name: 'the oldest of those peeked, whatever their order', date: ANSWERED, inserted: [at('2026-11-27T10:00:30Z'), at('2026-11-27T09:59:00Z'), at('2026-11-27T10:00:10Z')], want: 100 },
    { name: 'inserted after the answer (another server\'s clock): just arrived, 0', date: ANSWERED, inserted: [at('2026-11-27T10:00:42Z')], want: 0 },
    { name: 'whole seconds, rounded down', date: at('2026-11-27T10:00:40.900Z'), inserted: [at('2026-11-27T10:00:00Z')], want: 40 },
  ])('$name', ({ date, inserted, want }) => {
    expect(ageOfPeek(m, date, inserted)).toBe(want);
  });

  test.each([
    { name: 'a message and no Date header', date: undefined, inserted: [at('2026-11-27T10:00:00Z')], error: 'queue "orders" in account "shopdata": the service\'s answer to the peek has no Date header to measure the message age against' },
    { name: 'a Date header that does not read', date: new Date('not a date'), inserted: [at('2026-11-27T10:00:00Z')], error: 'queue "orders" in account "shopdata": the service\'s answer to the peek has no Date header to measure the message age against' },
    { name: 'an insertion time that does not read', date: ANSWERED, inserted: [new Date('nope')], error: 'queue "orders" in account "shopdata": the service\'s answer to the peek has a message without an insertion time' },
  ])('an error, never age 0: $name', ({ date, inserted, error }) => {
    expect(() => ageOfPeek(m, date, inserted)).toThrow(error);
  });
});
