// The Kube port's contract, run against the in-memory stand-in (test/support/memory-kube.ts) and
// against the client-node adapter on the real kube-apiserver, so the stand-in the runtime's unit
// tests use behaves as the API server does where the runtime relies on it.
import { describe, expect, test } from 'vitest';
import { KubeError } from '../../shared/errors/index.js';
import { FIELD_MANAGER, readCheckedScale, ScaleConflictError, type Kube, type WorkloadRef } from '../../shared/kube/index.js';

export interface KubeUnderTest {
  kube: Kube;
  /** A new Deployment at `replicas`, with these annotations. */
  create(replicas: number, annotations?: Record<string, string>): Promise<WorkloadRef>;
  /** Scales it through /scale as field manager `manager` (kubectl, an HPA). */
  scaleAs(ref: WorkloadRef, replicas: number, manager: string): Promise<void>;
  /** The events on it, oldest first, as `kubectl describe` lists them (From: the reporting component). */
  events(ref: WorkloadRef): Promise<{ type: string; reason: string; message: string; from: string }[]>;
}

const NOISE = { 'kubectl.kubernetes.io/last-applied-configuration': '{"env":[{"name":"PASSWORD","value":"hunter2"}]}', 'example.com/owner': 'team-a' };

export function runKubeContract(name: string, make: () => Promise<KubeUnderTest>): void {
  describe(`Kube contract: ${name}`, () => {
    test('a read gives the replicas, a resourceVersion, the uid, and of the annotations only the KEDA ones', async () => {
      const { kube, create } = await make();
      const ref = await create(3, { ...NOISE, 'autoscaling.keda.sh/paused-scale-in': 'true' });
      const read = await readCheckedScale(kube, ref);
      expect(read).toMatchObject({ specReplicas: 3, annotations: { 'autoscaling.keda.sh/paused-scale-in': 'true' } });
      expect(read.resourceVersion).not.toBe('');
      expect(read.uid).not.toBe('');
      expect((await readCheckedScale(kube, ref)).uid).toBe(read.uid);
      expect((await readCheckedScale(kube, await create(3))).uid).not.toBe(read.uid);
    });

    test('a write against the version read moves the version, and names the scaler as the writer of the replicas', async () => {
      const { kube, create } = await make();
      const ref = await create(2);
      const before = await readCheckedScale(kube, ref);
      const version = await kube.writeScale(ref, 5, before.resourceVersion);
      const after = await readCheckedScale(kube, ref);
      expect(after.specReplicas).toBe(5);
      expect(after.resourceVersion).toBe(version);
      expect(version).not.toBe(before.resourceVersion);
      expect(after.replicasWriter?.manager).toBe(FIELD_MANAGER);
    });

    test('a write against a stale version is a ScaleConflictError and changes nothing', async () => {
      const { kube, create, scaleAs } = await make();
      const ref = await create(2);
      const stale = await readCheckedScale(kube, ref);
      await scaleAs(ref, 7, 'kubectl');
      await expect(kube.writeScale(ref, 1, stale.resourceVersion)).rejects.toBeInstanceOf(ScaleConflictError);
      expect((await readCheckedScale(kube, ref)).specReplicas).toBe(7);
    });

    test('a scale by another field manager names it as the writer', async () => {
      const { kube, create, scaleAs } = await make();
      const ref = await create(2);
      await kube.writeScale(ref, 4, (await readCheckedScale(kube, ref)).resourceVersion);
      await scaleAs(ref, 9, 'kube-controller-manager');
      const read = await readCheckedScale(kube, ref);
      expect(read.specReplicas).toBe(9);
      expect(read.replicasWriter).toMatchObject({ manager: 'kube-controller-manager', subresource: 'scale' });
    });

    test('an event recorded on a workload is listed for it, from the scaler, with its reason and message', async () => {
      const { kube, create, events } = await make();
      const ref = await create(2);
      const { uid } = await readCheckedScale(kube, ref);
      await kube.recordEvent(ref, uid, { type: 'Normal', reason: 'ScaleTargetActivated', message: 'Scaled from 0 to 3: activated' });
      expect(await events(ref)).toEqual([{ type: 'Normal', reason: 'ScaleTargetActivated', message: 'Scaled from 0 to 3: activated', from: FIELD_MANAGER }]);
    });

    test('a workload that does not exist is a KubeError with status 404', async () => {
      const { kube, create } = await make();
      const ref = await create(1);
      const missing = { ...ref, name: `${ref.name}-missing` };
      await expect(readCheckedScale(kube, missing)).rejects.toSatisfy((e) => e instanceof KubeError && e.status === 404);
    });
  });
}
