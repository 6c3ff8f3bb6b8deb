// KEDA's annotations (shared/engine/keda-annotations.ts), as KEDA v2.20.2 parses them: Go's
// strconv.ParseBool and ParseInt, getBoolAnnotation, GetPausedReplicaCount and
// NeedToBePausedByAnnotation (apis/keda/v1alpha1/scaledobject_types.go). Then the same value
// through each path that reads one: the engine (the annotation on the Deployment), a ScaledObject
// written in SCALER_TARGETS, and `import` of a cluster's ScaledObject. Each row says what KEDA
// does with that value.
import { describe, expect, test } from 'vitest';
import { importScaledObjects } from '../../cli/import/scaled-objects.js';
import { parseTarget, type Target } from '../../shared/config/index.js';
import { decide } from '../../shared/engine/decide.js';
import {
  boolAnnotation, FORCE_ACTIVATION, needToBePaused, parseBool, parseReplicaCount, PAUSED, PAUSED_REPLICAS, PAUSED_SCALE_IN, PAUSED_SCALE_OUT,
} from '../../shared/engine/keda-annotations.js';
import { readPause } from '../../shared/engine/pause.js';
import { NOW } from './fixtures.js';

describe("Go's strconv.ParseBool", () => {
  test.each([
    ...['1', 't', 'T', 'TRUE', 'true', 'True'].map((v) => [v, true] as const),
    ...['0', 'f', 'F', 'FALSE', 'false', 'False'].map((v) => [v, false] as const),
    ...['', ' true', 'true ', ' false ', 'tRUE', 'fALSE', 'yes', 'no', 'on', 'off', '2', '-1', 'y', 'n'].map((v) => [v, undefined] as const),
  ])('%j -> %s', (value, want) => {
    expect(parseBool(value)).toBe(want);
  });
});

describe("Go's strconv.ParseInt(value, 10, 32), as GetPausedReplicaCount reads paused-replicas", () => {
  test.each([
    ['0', 0], ['3', 3], ['007', 7], ['+2', 2], ['-1', -1], ['-0', 0], ['2147483647', 2147483647], ['-2147483648', -2147483648],
    ['2147483648', undefined], ['-2147483649', undefined], [' 2', undefined], ['2 ', undefined], ['', undefined], ['+', undefined],
    ['1_000', undefined], ['0x10', undefined], ['1e3', undefined], ['2.0', undefined], ['abc', undefined],
  ])('%j -> %s', (value, want) => {
    expect(parseReplicaCount(value)).toBe(want);
  });
});

describe('getBoolAnnotation and NeedToBePausedByAnnotation', () => {
  test('absent is false; present and not a boolean is true', () => {
    expect(boolAnnotation({}, PAUSED)).toBe(false);
    expect(boolAnnotation({ [PAUSED]: 'false' }, PAUSED)).toBe(false);
    expect(boolAnnotation({ [PAUSED]: 'nope' }, PAUSED)).toBe(true);
    // An own key only: "constructor" is in every object.
    expect(boolAnnotation({}, 'constructor')).toBe(false);
  });
  test.each([
    [{}, false],
    [{ [PAUSED]: 'true' }, true],
    [{ [PAUSED]: 'false' }, false],
    [{ [PAUSED_REPLICAS]: '3' }, true],
    // paused-replicas pauses whatever its value, and whatever paused says.
    [{ [PAUSED_REPLICAS]: 'abc', [PAUSED]: 'false' }, true],
    [{ [PAUSED_SCALE_IN]: 'true', [PAUSED_SCALE_OUT]: 'true' }, false],
  ])('%j -> %s', (annotations, want) => {
    expect(needToBePaused(annotations)).toBe(want);
  });
});

/** Each value, and whether KEDA's getBoolAnnotation reads it as true. */
const BOOLEAN_VALUES: [value: string, keda: boolean][] = [
  ['true', true], ['True', true], ['TRUE', true], ['1', true], ['t', true], ['T', true],
  ['0', false], ['f', false], ['F', false], ['false', false], ['False', false], ['FALSE', false],
  // Not a boolean to ParseBool: KEDA assumes true.
  [' false ', true], ['false ', true], ['fALSE', true], ['', true], ['yes', true], ['no', true], ['2', true],
];

const FLAT = { name: 'orders', namespace: 'shop', scaleTargetRef: { name: 'worker' }, triggers: [{ type: 'azure-queue', metadata: { queueName: 'orders', accountName: 'shopdata' } }] };
const { name, namespace, ...spec } = FLAT;
/** A ScaledObject document with `annotations`, as written in SCALER_TARGETS or returned by the API server. */
const scaledObject = (annotations: Record<string, string>) => ({ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name, namespace, annotations }, spec });

function target(raw: unknown): Target {
  const parsed = parseTarget(raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.target;
}

/** The engine, with the annotations on the Deployment: 5 replicas, a queue asking for 20. */
const decided = (annotations: Record<string, string>) => decide(target(FLAT), { specReplicas: 5, annotations, triggers: [{ value: 100 }] }, {}, NOW);

describe('autoscaling.keda.sh/paused: the same value on every path', () => {
  test.each(BOOLEAN_VALUES)('%j: KEDA pauses: %s', (value, keda) => {
    // The engine: on the Deployment.
    expect(decided({ [PAUSED]: value }).action === 'paused', 'on the Deployment').toBe(keda);
    // A ScaledObject in SCALER_TARGETS.
    expect(target(scaledObject({ [PAUSED]: value })).paused, 'on a ScaledObject in SCALER_TARGETS').toBe(keda);
    // `import`: carried as paused: true, or not at all.
    const imported = importScaledObjects([scaledObject({ [PAUSED]: value })]);
    expect(imported.report, 'import says nothing').toEqual([]);
    expect(imported.targets[0]!.paused === true, 'through import').toBe(keda);
  });
});

describe('the workload annotations: the same value on every path', () => {
  const flags = { [PAUSED_SCALE_IN]: 'scaleInPaused', [PAUSED_SCALE_OUT]: 'scaleOutPaused', [FORCE_ACTIVATION]: 'forceActivation' } as const;
  const cases = Object.entries(flags).flatMap(([key, flag]) => BOOLEAN_VALUES.map(([value, keda]) => ({ key, flag, value, keda })));
  test.each(cases)('$key $value: KEDA sets it: $keda', ({ key, flag, value, keda }) => {
    // The engine reads it from the Deployment, as KEDA reads it from the ScaledObject.
    expect(readPause(false, { [key]: value })[flag]).toBe(keda);
    // On a ScaledObject in SCALER_TARGETS it would do nothing: refused, whatever the value.
    expect(parseTarget(scaledObject({ [key]: value }))).toEqual({
      ok: false,
      issues: [{ path: `metadata.annotations.${key}`, reason: 'is read from the scale target, not from the ScaledObject: put it on the Deployment' }],
    });
    // `import` carries the target without it, and says how to put it on the Deployment.
    const imported = importScaledObjects([scaledObject({ [key]: value })]);
    expect(imported.targets[0]!.paused).toBeUndefined();
    expect(imported.report.map((n) => [n.field, n.outcome])).toEqual([[`metadata.annotations[${JSON.stringify(key)}]`, 'dropped']]);
    expect(imported.report[0]!.message).toContain(`kubectl annotate deployment worker -n shop ${key}=${value}`);
  });
});

describe('autoscaling.keda.sh/paused-replicas: the same value on every path', () => {
  test.each([
    ['3', 3], ['0', 0], ['+2', 2],
    // KEDA cannot scale to these (ParseInt fails, or the API server refuses a negative count): the target stays where it is.
    [' 2 ', undefined], ['-1', undefined], ['abc', undefined], ['', undefined], ['2147483648', undefined],
  ])('%j: KEDA pauses, at %s (undefined: where it is)', (value, replicas) => {
    const decision = decided({ [PAUSED_REPLICAS]: value });
    expect(decision.action).toBe('paused');
    expect(decision.replicas).toBe(replicas ?? 5);
    expect(readPause(false, { [PAUSED_REPLICAS]: value, [PAUSED]: 'false' }).paused).toBe(true);
    expect(parseTarget(scaledObject({ [PAUSED_REPLICAS]: value })).ok).toBe(false);
    // `import`: paused (NeedToBePausedByAnnotation), and the count goes on the Deployment.
    const imported = importScaledObjects([scaledObject({ [PAUSED_REPLICAS]: value, [PAUSED]: 'false' })]);
    expect(imported.targets[0]!.paused).toBe(true);
    expect(imported.report.map((n) => n.outcome)).toEqual(['changed']);
  });
});
