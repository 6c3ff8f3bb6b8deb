// KEDA's pause annotations (scaledobject_types.go) on the scale target, as a decision reads them:
// paused, paused-replicas (wins over paused), paused-scale-in, paused-scale-out, force-activation.
// Boolean annotations are read as KEDA's getBoolAnnotation does: Go's strconv.ParseBool, and a
// value that is not a boolean counts as true (test/engine/keda-annotations.test.ts has the rules).
import { describe, expect, test } from 'vitest';
import { FORCE_ACTIVATION, PAUSED, PAUSED_REPLICAS, PAUSED_SCALE_IN, PAUSED_SCALE_OUT } from '../../shared/engine/keda-annotations.js';
import { readPause } from '../../shared/engine/pause.js';

describe('annotation names', () => {
  test('are KEDA\'s', () => {
    expect([PAUSED, PAUSED_REPLICAS, PAUSED_SCALE_IN, PAUSED_SCALE_OUT, FORCE_ACTIVATION]).toEqual([
      'autoscaling.keda.sh/paused',
      'autoscaling.keda.sh/paused-replicas',
      'autoscaling.keda.sh/paused-scale-in',
      'autoscaling.keda.sh/paused-scale-out',
      'autoscaling.keda.sh/force-activation',
    ]);
  });
});

describe('readPause: paused and paused-replicas', () => {
  const cases: {
    name: string;
    config?: boolean;
    annotations?: Record<string, string>;
    want: { paused: boolean; replicas?: number };
  }[] = [
    { name: 'nothing set', want: { paused: false } },
    { name: 'paused in configuration', config: true, want: { paused: true } },
    { name: 'paused: "true"', annotations: { [PAUSED]: 'true' }, want: { paused: true } },
    { name: 'paused: "True"', annotations: { [PAUSED]: 'True' }, want: { paused: true } },
    { name: 'paused: "1"', annotations: { [PAUSED]: '1' }, want: { paused: true } },
    { name: 'paused: "false"', annotations: { [PAUSED]: 'false' }, want: { paused: false } },
    { name: 'paused: "FALSE"', annotations: { [PAUSED]: 'FALSE' }, want: { paused: false } },
    { name: 'paused: "0" is false to strconv.ParseBool', annotations: { [PAUSED]: '0' }, want: { paused: false } },
    { name: 'paused: "f" is false to strconv.ParseBool', annotations: { [PAUSED]: 'f' }, want: { paused: false } },
    { name: 'paused: "yes" is not a boolean: true', annotations: { [PAUSED]: 'yes' }, want: { paused: true } },
    { name: 'paused: "" is not a boolean: true', annotations: { [PAUSED]: '' }, want: { paused: true } },
    { name: 'paused: " false" (with a space) is not a boolean: true', annotations: { [PAUSED]: ' false' }, want: { paused: true } },
    { name: 'paused "false" does not unpause a paused configuration', config: true, annotations: { [PAUSED]: 'false' }, want: { paused: true } },
    { name: 'paused-replicas: "3"', annotations: { [PAUSED_REPLICAS]: '3' }, want: { paused: true, replicas: 3 } },
    { name: 'paused-replicas: "0" pauses at zero', annotations: { [PAUSED_REPLICAS]: '0' }, want: { paused: true, replicas: 0 } },
    {
      name: 'paused-replicas wins over paused',
      annotations: { [PAUSED]: 'true', [PAUSED_REPLICAS]: '7' },
      want: { paused: true, replicas: 7 },
    },
    {
      name: 'paused-replicas wins over paused: "false"',
      annotations: { [PAUSED]: 'false', [PAUSED_REPLICAS]: '7' },
      want: { paused: true, replicas: 7 },
    },
    { name: 'paused-replicas that is not a number pauses at the current count', annotations: { [PAUSED_REPLICAS]: 'abc' }, want: { paused: true } },
    { name: 'paused-replicas negative pauses at the current count', annotations: { [PAUSED_REPLICAS]: '-2' }, want: { paused: true } },
    { name: 'paused-replicas: "+2" is 2 to strconv.ParseInt', annotations: { [PAUSED_REPLICAS]: '+2' }, want: { paused: true, replicas: 2 } },
    { name: 'paused-replicas: " 2 " is not a number to strconv.ParseInt: the current count', annotations: { [PAUSED_REPLICAS]: ' 2 ' }, want: { paused: true } },
    { name: 'paused-replicas beyond int32 pauses at the current count', annotations: { [PAUSED_REPLICAS]: '2147483648' }, want: { paused: true } },
  ];
  test.each(cases)('$name', (c) => {
    const got = readPause(c.config ?? false, c.annotations);
    expect({ paused: got.paused, ...(got.replicas === undefined ? {} : { replicas: got.replicas }) }).toEqual(c.want);
    if (got.paused) expect(got.message).not.toBe('');
  });
});

describe('readPause: direction flags and force-activation', () => {
  const cases: {
    name: string;
    annotations: Record<string, string>;
    want: { scaleInPaused: boolean; scaleOutPaused: boolean; forceActivation: boolean };
  }[] = [
    { name: 'none', annotations: {}, want: { scaleInPaused: false, scaleOutPaused: false, forceActivation: false } },
    { name: 'paused-scale-in', annotations: { [PAUSED_SCALE_IN]: 'true' }, want: { scaleInPaused: true, scaleOutPaused: false, forceActivation: false } },
    { name: 'paused-scale-out', annotations: { [PAUSED_SCALE_OUT]: 'true' }, want: { scaleInPaused: false, scaleOutPaused: true, forceActivation: false } },
    { name: 'force-activation', annotations: { [FORCE_ACTIVATION]: 'true' }, want: { scaleInPaused: false, scaleOutPaused: false, forceActivation: true } },
    { name: 'force-activation: "false"', annotations: { [FORCE_ACTIVATION]: 'false' }, want: { scaleInPaused: false, scaleOutPaused: false, forceActivation: false } },
    { name: 'paused-scale-in: "0"', annotations: { [PAUSED_SCALE_IN]: '0' }, want: { scaleInPaused: false, scaleOutPaused: false, forceActivation: false } },
    {
      name: 'both directions',
      annotations: { [PAUSED_SCALE_IN]: 'x', [PAUSED_SCALE_OUT]: 'T' },
      want: { scaleInPaused: true, scaleOutPaused: true, forceActivation: false },
    },
  ];
  test.each(cases)('$name', (c) => {
    const got = readPause(false, c.annotations);
    expect(got.paused).toBe(false);
    expect({ scaleInPaused: got.scaleInPaused, scaleOutPaused: got.scaleOutPaused, forceActivation: got.forceActivation }).toEqual(c.want);
  });
});
