import { describe, expect, test } from 'vitest';
import type { ScaleReading } from '../../shared/kube/index.js';
import { createIdleReadings } from '../../shared/runtime/index.js';

const reading = (specReplicas: number, statusReplicas = specReplicas): ScaleReading => ({ specReplicas, statusReplicas, annotations: {}, resourceVersion: '7', uid: 'u' });
const MAX_AGE = 120_000;
const row = (etag: string) => ({ etag, record: { state: {} } });

describe('idle readings: a reading at zero is reused while young and while the row is the one this process left', () => {
  test.each([
    { name: 'at zero, young, same row: reused', kept: reading(0), rowEtag: 'e1', age: 119_999, want: true },
    { name: 'as old as the bound: read again', kept: reading(0), rowEtag: 'e1', age: MAX_AGE, want: false },
    { name: 'the row changed (another writer, e.g. the wake path): read again', kept: reading(0), rowEtag: 'e2', age: 1_000, want: false },
    { name: 'no row now: read again', kept: reading(0), rowEtag: undefined, age: 1_000, want: false },
    { name: 'a clock that went back: read again', kept: reading(0), rowEtag: 'e1', age: -1, want: false },
    { name: 'spec 0 but pods still running (status 1): never kept', kept: reading(0, 1), rowEtag: 'e1', age: 1_000, want: false },
    { name: 'above zero: never kept', kept: reading(2), rowEtag: 'e1', age: 1_000, want: false },
  ])('$name', ({ kept, rowEtag, age, want }) => {
    const readings = createIdleReadings(MAX_AGE);
    readings.keep('t', kept, 1_000_000, row('e1'));
    const got = readings.reuse('t', rowEtag, 1_000_000 + age);
    expect(got).toEqual(want ? { scale: kept, readAt: 1_000_000 } : undefined);
  });

  test('kept (the wake path, whose writes prove what it is given): the reading and the row as kept, until forgotten', () => {
    const readings = createIdleReadings(MAX_AGE);
    readings.keep('t', reading(0), 1_000_000, row('e1'));
    expect(readings.kept('t')).toEqual({ scale: reading(0), row: row('e1') });
    readings.forget('t');
    expect(readings.kept('t')).toBeUndefined();
  });

  test('a refused reuse forgets the reading, and forget() does too', () => {
    const readings = createIdleReadings(MAX_AGE);
    readings.keep('t', reading(0), 0, row('e1'));
    expect(readings.reuse('t', 'e2', 1)).toBeUndefined();
    expect(readings.reuse('t', 'e1', 1)).toBeUndefined();
    readings.keep('u', reading(0), 0, row('e1'));
    readings.forget('u');
    expect(readings.reuse('u', 'e1', 1)).toBeUndefined();
  });
});
