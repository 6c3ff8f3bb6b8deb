// checkScale keeps only the annotations the engine reads (the KEDA keys of
// shared/engine/keda-annotations.ts): every reading passes through it, so a workload's other
// annotations (kubectl's last-applied-configuration holds the whole manifest, env values included) never
// reach the evaluation, the wake path, plan or a decision's telemetry.
import { describe, expect, test } from 'vitest';
import { decide, type ScalingSpec } from '../../shared/engine/index.js';
import * as kedaAnnotations from '../../shared/engine/keda-annotations.js';
import { ENGINE_ANNOTATIONS, FORCE_ACTIVATION, PAUSED, PAUSED_REPLICAS, PAUSED_SCALE_IN, PAUSED_SCALE_OUT } from '../../shared/engine/index.js';
import { checkScale, readCheckedScale, type Kube, type WorkloadRef } from '../../shared/kube/index.js';

const REF: WorkloadRef = { cluster: 'prod', namespace: 'shop', kind: 'Deployment', name: 'worker' };
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const MANIFEST = JSON.stringify({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'worker', namespace: 'shop' },
  spec: { template: { spec: { containers: [{ name: 'worker', image: 'shop/worker:1', env: [{ name: 'DB_PASSWORD', value: 'PASSWORD=hunter2' }] }] } } },
});
/** What a real workload carries besides the KEDA keys. */
const NOISE = {
  [LAST_APPLIED]: MANIFEST,
  'deployment.kubernetes.io/revision': '7',
  'example.com/api-key': 'sk-live-0123456789',
  'autoscaling.keda.sh/paused-typo': 'true',
  'AUTOSCALING.KEDA.SH/PAUSED': 'true',
  'autoscaling.keda.sh/paused ': 'true',
  'keda.sh/paused': 'true',
};

const reading = (annotations: Record<string, string>) => ({ specReplicas: 3, statusReplicas: 3, resourceVersion: '42', uid: '5f0c7e3a-uid', annotations });

describe('checkScale: the annotations kept', () => {
  test('ENGINE_ANNOTATIONS is every KEDA annotation the annotations module names, each once', () => {
    const named = (Object.values(kedaAnnotations) as unknown[]).filter((v): v is string => typeof v === 'string' && v.startsWith('autoscaling.keda.sh/'));
    expect([...ENGINE_ANNOTATIONS].sort()).toEqual([...named].sort());
    expect(new Set(ENGINE_ANNOTATIONS).size).toBe(5);
  });

  test.each<{ name: string; given: Record<string, string>; kept: Record<string, string> }>([
    { name: 'last-applied-configuration and other annotations: none kept', given: NOISE, kept: {} },
    { name: 'no annotations', given: {}, kept: {} },
    {
      name: 'every KEDA key among the others: the KEDA keys kept, values as they are',
      given: { ...NOISE, [PAUSED]: 'false', [PAUSED_REPLICAS]: ' 2 ', [PAUSED_SCALE_IN]: 'x', [PAUSED_SCALE_OUT]: '', [FORCE_ACTIVATION]: 'True' },
      kept: { [PAUSED]: 'false', [PAUSED_REPLICAS]: ' 2 ', [PAUSED_SCALE_IN]: 'x', [PAUSED_SCALE_OUT]: '', [FORCE_ACTIVATION]: 'True' },
    },
    { name: 'one KEDA key next to last-applied-configuration', given: { [LAST_APPLIED]: MANIFEST, [PAUSED_REPLICAS]: '3' }, kept: { [PAUSED_REPLICAS]: '3' } },
    { name: '__proto__ as a key (from JSON) is dropped, not followed', given: JSON.parse('{"__proto__":"x","autoscaling.keda.sh/paused":"true"}') as Record<string, string>, kept: { [PAUSED]: 'true' } },
  ])('$name', ({ given, kept }) => {
    const checked = checkScale(REF, reading(given));
    expect(checked.annotations).toEqual(kept);
    expect(Object.keys(checked.annotations)).toEqual(Object.keys(kept));
    expect(JSON.stringify(checked)).not.toMatch(/hunter2|sk-live|last-applied/);
    expect(checked).toMatchObject({ specReplicas: 3, statusReplicas: 3, resourceVersion: '42' });
  });

  test('annotations that are not a map of strings are still refused', () => {
    expect(() => checkScale(REF, reading({ [LAST_APPLIED]: 5 } as never))).toThrow('has metadata.annotations that are not a map of strings');
  });

  test('status.readyReplicas (the HPA\'s Value math) is kept when given, and checked like the other counts', () => {
    expect(checkScale(REF, { ...reading({}), readyReplicas: 2 })).toMatchObject({ statusReplicas: 3, readyReplicas: 2 });
    expect(checkScale(REF, reading({}))).not.toHaveProperty('readyReplicas');
    expect(() => checkScale(REF, { ...reading({}), readyReplicas: -1 })).toThrow('has status.readyReplicas -1, not a replica count');
    expect(() => checkScale(REF, { ...reading({}), readyReplicas: '2' })).toThrow('has status.readyReplicas "2", not a replica count');
  });

  test('readCheckedScale, which the evaluation, the wake path and plan read through, filters any port', async () => {
    const kube: Kube = { readScale: async () => reading({ ...NOISE, [PAUSED_SCALE_IN]: 'true' }), writeScale: async () => '43', recordEvent: async () => undefined };
    expect((await readCheckedScale(kube, REF)).annotations).toEqual({ [PAUSED_SCALE_IN]: 'true' });
  });
});

describe('the pause behaviour still works from the kept annotations', () => {
  const NOW = Date.parse('2026-01-01T00:00:00Z');
  const spec: ScalingSpec = { minReplicaCount: 0, maxReplicaCount: 10, cooldownPeriod: 300, initialCooldownPeriod: 0, triggers: [{ targetValue: 5, activationTargetValue: 0 }] };
  const ago = (s: number): string => new Date(NOW - s * 1000).toISOString();

  test.each<{ name: string; replicas: number; annotations: Record<string, string>; value: number; want: Record<string, unknown> }>([
    { name: 'paused-replicas holds the count asked for', replicas: 3, annotations: { [PAUSED_REPLICAS]: '2' }, value: 100, want: { action: 'paused', replicas: 2, code: 'PausedReplicas' } },
    { name: 'paused freezes the count', replicas: 3, annotations: { [PAUSED]: 'true' }, value: 100, want: { action: 'paused', replicas: 3, code: 'Paused' } },
    { name: 'paused-scale-out blocks the wake from zero', replicas: 0, annotations: { [PAUSED_SCALE_OUT]: 'true' }, value: 100, want: { replicas: 0 } },
    { name: 'paused-scale-in keeps an idle target up after the cooldown', replicas: 3, annotations: { [PAUSED_SCALE_IN]: 'true' }, value: 0, want: { replicas: 3 } },
    { name: 'force-activation wakes a target with an empty queue', replicas: 0, annotations: { [FORCE_ACTIVATION]: 'true' }, value: 0, want: { action: 'activate', replicas: 1 } },
    { name: 'without a KEDA key the target scales as usual', replicas: 0, annotations: {}, value: 12, want: { action: 'activate', replicas: 3 } },
  ])('$name, with last-applied-configuration beside it', ({ replicas, annotations, value, want }) => {
    const checked = checkScale(REF, { ...reading({ ...NOISE, ...annotations }), specReplicas: replicas, statusReplicas: replicas });
    const observation = { specReplicas: checked.specReplicas, statusReplicas: checked.statusReplicas, annotations: checked.annotations, triggers: [{ value }] };
    const state = { lastActiveTime: ago(3600), createdTime: ago(7200), recommendations: [] };
    const decision = decide(spec, observation, state, NOW);
    expect(decision).toMatchObject(want);
    // ... and exactly as the engine decides on the KEDA keys alone.
    expect(decision).toEqual(decide(spec, { specReplicas: replicas, statusReplicas: replicas, annotations, triggers: [{ value }] }, state, NOW));
  });
});
