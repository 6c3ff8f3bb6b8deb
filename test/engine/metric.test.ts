// The replica calculator's External metric math, ported from kubernetes/kubernetes (v1.35.4)
// replica_calculator_test.go and horizontal_test.go: AverageValue (GetExternalPerPodMetricReplicas)
// and Value (GetExternalMetricReplicas -> getUsageRatioReplicaCount); and the metric KEDA's
// fallback feeds the HPA (fallback.go doFallback). Values are in milli-units, as the upstream
// tests give them, so the float64 arithmetic is the same as upstream's.
import { describe, expect, test } from 'vitest';
import {
  DEFAULT_TOLERANCE,
  fallbackMetric,
  isWithinTolerance,
  MAX_INT32,
  replicasForAverageValue,
  replicasForValue,
  type Tolerances,
} from '../../shared/engine/metric.js';

const tol = (scaleDown: number, scaleUp: number): Tolerances => ({ scaleDown, scaleUp });
const DEFAULT = tol(DEFAULT_TOLERANCE, DEFAULT_TOLERANCE);

interface Row {
  name: string;
  total: number;
  perPod: number;
  status: number;
  tolerances?: Tolerances;
  want: number;
}

const rows: Row[] = [
  // replica_calculator_test.go
  {
    name: 'scale up on a per-pod external metric (TestReplicaCalcScaleUpPerPodCMExternal)',
    total: 8600, perPod: 2150, status: 3,
    want: 4, // ratio 8600 / (2150 x 3) = 1.33 > 1.1; ceil(8600 / 2150) = 4
  },
  {
    name: 'scale down on a per-pod external metric (TestReplicaCalcScaleDownPerPodCMExternal)',
    total: 8600, perPod: 2867, status: 5,
    want: 3, // ratio 0.60 < 0.9; ceil(8600 / 2867) = ceil(2.9997) = 3
  },
  {
    name: 'no change within the default tolerance (TestReplicaCalcTolerancePerPodCMExternal)',
    total: 8600, perPod: 2900, status: 3,
    want: 3, // ratio 8600 / 8700 = 0.989, within [0.9, 1.1]
  },
  {
    name: 'a 1 % scale-up tolerance lets a 2.4 % excess scale up (TestReplicaCalcConfigurableTolerancePerPodCMExternal)',
    total: 8600, perPod: 2800, status: 3, tolerances: tol(0.1, 0.01),
    want: 4, // ratio 8600 / 8400 = 1.024 > 1.01; ceil(3.07) = 4
  },
  {
    name: 'the same excess is held by the default tolerance',
    total: 8600, perPod: 2800, status: 3,
    want: 3, // 1.024 <= 1.1
  },
  // TestReplicaCalcConfigurableTolerance, the same ratios on an AverageValue metric
  {
    name: 'outside a 0 % tolerance',
    total: 3030, perPod: 1000, status: 3, tolerances: tol(0, 0),
    want: 4, // ratio 1.01 > 1.0; ceil(3.03) = 4
  },
  {
    name: 'within a 200 % scale-up tolerance',
    total: 5700, perPod: 1000, status: 3, tolerances: tol(0.1, 2),
    want: 3, // ratio 1.9 <= 3.0
  },
  {
    name: 'outside an 8 % scale-up tolerance (a 200 % scale-down tolerance does not help)',
    total: 3270, perPod: 1000, status: 3, tolerances: tol(2, 0.08),
    want: 4, // ratio 1.09 > 1.08; ceil(3.27) = 4
  },
  {
    name: 'within a 36 % scale-down tolerance',
    total: 1950, perPod: 1000, status: 3, tolerances: tol(0.36, 0.1),
    want: 3, // ratio 0.65 >= 0.64
  },
  {
    name: 'outside a 34 % scale-down tolerance',
    total: 1950, perPod: 1000, status: 3, tolerances: tol(0.34, 0.1),
    want: 2, // ratio 0.65 < 0.66; ceil(1.95) = 2
  },
  // horizontal_test.go, per-pod external metric rows
  {
    name: 'controller scale up (TestScaleUpPerPodCMExternal)',
    total: 8600, perPod: 2222, status: 3,
    want: 4, // ratio 1.29; ceil(3.87) = 4
  },
  {
    name: 'controller scale down (TestScaleDownPerPodCMExternal)',
    total: 8600, perPod: 3000, status: 5,
    want: 3, // ratio 0.573; ceil(2.87) = 3
  },
  {
    name: 'controller tolerance (TestTolerancePerPodCMExternal)',
    total: 8600, perPod: 2200, status: 4,
    want: 4, // ratio 8600 / 8800 = 0.977
  },
  // the tolerance bounds are inclusive
  {
    name: 'a ratio of exactly 1 + tolerance is within',
    total: 3300, perPod: 1000, status: 3,
    want: 3, // 3300 / 3000 = 1.1 <= 1 + 0.1
  },
  {
    name: 'a ratio of exactly 1 - tolerance is within',
    total: 2700, perPod: 1000, status: 3,
    want: 3, // 2700 / 3000 = 0.9 >= 1 - 0.1
  },
  {
    name: 'just above 1 + tolerance scales',
    total: 3301, perPod: 1000, status: 3,
    want: 4, // 1.1003 > 1.1; ceil(3.301) = 4
  },
  // statusReplicas 0: the ratio is +Inf or NaN and never within tolerance
  {
    name: 'at zero replicas tolerance is ignored (TestScaleUpFromZeroIgnoresToleranceCMObject)',
    total: 1000, perPod: 1000, status: 0,
    want: 1, // ratio +Inf; ceil(1000 / 1000) = 1 although the per-pod value equals the target
  },
  {
    name: 'at zero replicas the answer is ceil(total / target) (TestScaleUpFromZeroCMObject)',
    total: 20000, perPod: 15000, status: 0,
    want: 2, // ceil(1.33) = 2
  },
  {
    name: 'at zero replicas an empty queue answers zero',
    total: 0, perPod: 5000, status: 0,
    want: 0, // ratio 0 / 0 = NaN, not within; ceil(0) = 0
  },
  {
    name: 'an empty queue at 4 replicas answers zero',
    total: 0, perPod: 5, status: 4,
    want: 0, // ratio 0 < 0.9; ceil(0) = 0
  },
  // statusReplicas, not specReplicas, is what the within-tolerance branch returns
  {
    name: 'within tolerance the answer is statusReplicas (5 during a surge)',
    total: 5000, perPod: 1000, status: 5,
    want: 5, // ratio 1.0 -> statusReplicas
  },
  {
    name: 'the answer is capped at MaxInt32',
    total: 1e12, perPod: 1, status: 1,
    want: MAX_INT32, // ceil(1e12) > 2^31 - 1
  },
  {
    name: 'fractional totals round up',
    total: 10.2, perPod: 5, status: 1,
    want: 3, // ratio 2.04; ceil(2.04) = 3
  },
];

describe('replicasForAverageValue (GetExternalPerPodMetricReplicas)', () => {
  test.each(rows)('$name', (c) => {
    expect(replicasForAverageValue(c.total, c.perPod, c.status, c.tolerances ?? DEFAULT)).toBe(c.want);
  });
});

describe('isWithinTolerance', () => {
  const cases: { name: string; ratio: number; tolerances: Tolerances; want: boolean }[] = [
    { name: 'ratio 1 is within a zero tolerance', ratio: 1, tolerances: tol(0, 0), want: true },
    { name: 'the lower bound is inclusive', ratio: 0.9, tolerances: DEFAULT, want: true },
    { name: 'the upper bound is inclusive', ratio: 1.1, tolerances: DEFAULT, want: true },
    { name: 'below the lower bound', ratio: 0.89, tolerances: DEFAULT, want: false },
    { name: 'above the upper bound', ratio: 1.11, tolerances: DEFAULT, want: false },
    { name: 'each direction has its own tolerance (down)', ratio: 0.5, tolerances: tol(0.5, 0), want: true },
    { name: 'each direction has its own tolerance (up)', ratio: 1.5, tolerances: tol(0.5, 0), want: false },
    { name: '+Inf (zero replicas, some load) is never within', ratio: Infinity, tolerances: tol(0.1, 1e9), want: false },
    { name: 'NaN (zero replicas, no load) is never within', ratio: NaN, tolerances: tol(1, 1), want: false },
  ];
  test.each(cases)('$name', (c) => {
    expect(isWithinTolerance(c.ratio, c.tolerances)).toBe(c.want);
  });

  test('the cluster default tolerance is 0.1', () => {
    expect(DEFAULT_TOLERANCE).toBe(0.1);
    expect(MAX_INT32).toBe(2 ** 31 - 1);
  });
});

interface ValueRow {
  name: string;
  total: number;
  target: number;
  /** spec.replicas (upstream's currentReplicas), ready pods, and pods (status.replicas; default: spec). */
  spec: number;
  ready?: number;
  pods?: number;
  tolerances?: Tolerances;
  want: number | undefined;
}

// In the upstream tests every pod of currentReplicas is Running and Ready unless podReadiness says otherwise.
const valueRows: ValueRow[] = [
  // replica_calculator_test.go, metricType externalMetric with a Value target
  {
    name: 'unready pods are not counted (TestReplicaCalcScaleUpCMExternalIgnoresUnreadyPods)',
    total: 8600, target: 4400, spec: 3, ready: 1,
    want: 2, // ratio 1.95 -> ceil(1.95 x 1 ready pod) = 2; 6 if every pod counted
  },
  {
    name: 'scale down (TestReplicaCalcScaleDownCMExternal)',
    total: 8600, target: 14334, spec: 5,
    want: 3, // ratio 0.59997 -> ceil(2.9998) = 3
  },
  {
    name: 'within the default tolerance (TestReplicaCalcToleranceCMExternal)',
    total: 8600, target: 8888, spec: 3,
    want: 3, // ratio 0.968
  },
  {
    name: 'a 1 % scale-up tolerance (TestReplicaCalcConfigurableToleranceCMExternal)',
    total: 8900, target: 8800, spec: 3, tolerances: tol(0.1, 0.01),
    want: 4, // ratio 1.0114 > 1.01 -> ceil(3.034) = 4
  },
  {
    name: 'a usage capped at MaxInt64 against a MaxInt64 target (TestReplicaCalcExternalMetricUsageOverflow)',
    total: 2 ** 63, target: 2 ** 63, spec: 3, // float64(MaxInt64)
    want: 3, // ratio 1
  },
  // horizontal_test.go, External metrics with a Value target
  {
    name: 'controller scale up (TestScaleUpCMExternal)',
    total: 8600, target: 6666, spec: 3,
    want: 4, // ratio 1.29 -> ceil(3.87) = 4
  },
  {
    name: 'controller scale down (TestScaleDownCMExternal)',
    total: 8600, target: 14400, spec: 5,
    want: 3, // ratio 0.597 -> ceil(2.986) = 3
  },
  {
    name: 'controller scale down to zero (TestScaleDownToZeroCMExternal)',
    total: 0, target: 14400, spec: 5,
    want: 0,
  },
  {
    name: 'controller tolerance (TestToleranceCMExternal)',
    total: 8600, target: 8666, spec: 4,
    want: 4, // ratio 0.992
  },
  // getUsageRatioReplicaCount at zero replicas (the Object/Value rows of horizontal_test.go take the same path)
  {
    name: 'from zero: ceil(ratio) (TestScaleUpFromZeroCMObject)',
    total: 20000, target: 15000, spec: 0, ready: 0, pods: 0,
    want: 2, // ceil(1.33)
  },
  {
    name: 'from zero the tolerance is ignored (TestScaleUpFromZeroIgnoresToleranceCMObject)',
    total: 1000, target: 1000, spec: 0, ready: 0, pods: 0,
    want: 1, // ratio 1, yet ceil(1) = 1 rather than the current 0
  },
  {
    name: 'from zero with nothing to do: 0',
    total: 0, target: 1000, spec: 0, ready: 0, pods: 0,
    want: 0,
  },
  // what the count is
  {
    name: 'within tolerance the answer is spec.replicas, not status (the HPA passes specReplicas for Value)',
    total: 5000, target: 5000, spec: 4, ready: 5, pods: 5,
    want: 4,
  },
  {
    name: 'the count multiplied is the ready pods, not spec.replicas',
    total: 20000, target: 5000, spec: 6, ready: 2, pods: 6,
    want: 8, // ratio 4 x 2 ready; 24 with spec
  },
  {
    name: 'no ready pod: the ratio times 0 is 0',
    total: 20000, target: 5000, spec: 3, ready: 0, pods: 3,
    want: 0,
  },
  {
    name: 'no pods at all: no answer (upstream: no pods returned by selector, an invalid metric)',
    total: 20000, target: 5000, spec: 3, ready: 0, pods: 0,
    want: undefined,
  },
  {
    name: 'no pods at all but within tolerance: spec.replicas (the tolerance is checked before the pods are listed)',
    total: 5000, target: 5000, spec: 3, ready: 0, pods: 0,
    want: 3,
  },
  {
    name: 'capped at MaxInt32',
    total: 1e15, target: 1, spec: 2,
    want: MAX_INT32,
  },
  {
    name: 'capped at MaxInt32 from zero too (upstream converts without a cap)',
    total: 1e15, target: 1, spec: 0, ready: 0, pods: 0,
    want: MAX_INT32,
  },
  {
    name: 'a negative total (only a formula gives one) asks for no replicas',
    total: -7000, target: 1000, spec: 3,
    want: 0,
  },
];

describe('replicasForValue (GetExternalMetricReplicas)', () => {
  test.each(valueRows)('$name', (c) => {
    const replicas = { spec: c.spec, ready: c.ready ?? c.spec, pods: c.pods ?? c.spec };
    expect(replicasForValue(c.total, c.target, replicas, c.tolerances ?? DEFAULT)).toBe(c.want);
  });
});

describe('fallbackMetric (KEDA doFallback): the metric that makes the HPA land on the fallback replicas', () => {
  const cases: { name: string; metricType: 'AverageValue' | 'Value'; target: number; replicas: number; ready: number; want: number | undefined; lands?: number }[] = [
    { name: 'AverageValue: target x replicas (10 x 10 = 100, as fallback_test.go)', metricType: 'AverageValue', target: 10, replicas: 10, ready: 3, want: 100 },
    { name: 'AverageValue: a fractional target, cut to thousandths', metricType: 'AverageValue', target: 2.5, replicas: 3, ready: 3, want: 7.5 },
    { name: 'Value: target x replicas / ready pods', metricType: 'Value', target: 5, replicas: 6, ready: 3, want: 10, lands: 6 },
    { name: 'Value: cut to thousandths, and the HPA still lands on the replicas', metricType: 'Value', target: 5, replicas: 7, ready: 3, want: 11.666, lands: 7 },
    { name: 'Value with no ready pod: no fallback (KEDA: readyReplicas is zero, cannot do fallback)', metricType: 'Value', target: 5, replicas: 6, ready: 0, want: undefined },
  ];
  test.each(cases)('$name', (c) => {
    const metric = fallbackMetric(c.metricType, c.target, c.replicas, c.ready);
    expect(metric).toBe(c.want);
    if (c.lands !== undefined) expect(replicasForValue(metric!, c.target, { spec: 2, ready: c.ready, pods: c.ready }, DEFAULT)).toBe(c.lands);
  });
});
