import { access } from 'node:fs/promises';
import { describe, expect, test, vi } from 'vitest';
import { startAzurite } from '../../../local/azurite.js';
import { findControlPlaneBinaries } from '../../../local/control-plane-binaries.js';
import { startControlPlane } from '../../../local/control-plane.js';
import { findLeftoverServices, harnessRunId } from '../../../local/harness-run.js';
import { startService } from '../../../local/service-process.js';
import { controlPlaneEnabled, sharedControlPlane, sharedTestCa } from '../../support/vitest/provided.js';

// Other files of the run start services at the same time: look only at our own pids.
async function running(pids: readonly number[]): Promise<number[]> {
  const alive = new Set((await findLeftoverServices(harnessRunId())).map((service) => service.pid));
  return pids.filter((pid) => alive.has(pid));
}

describe('teardown leaves no process behind', () => {
  test('stop() ends the whole process group, including what the service forked', async () => {
    const service = startService({ name: 'forker', command: 'sh', args: ['-c', 'sleep 300 & sleep 300 & echo forked; wait'] });
    await service.waitForOutput(/forked/, 5_000);
    const group = (await findLeftoverServices(harnessRunId())).filter((s) => s.service === 'forker').map((s) => s.pid);
    expect(group.length).toBeGreaterThanOrEqual(3); // sh and two sleeps

    await service.stop();

    // The forked ones were sent SIGKILL as the leader exited; on a busy machine they may take a
    // moment to be scheduled and die.
    await vi.waitFor(async () => expect(await running(group)).toEqual([]), { timeout: 2_000, interval: 20 });
  });

  test('Azurite', async () => {
    const azurite = await startAzurite({ oauthCa: await sharedTestCa() });
    expect(await running([azurite.pid])).toEqual([azurite.pid]);

    await azurite.stop();

    expect(await running([azurite.pid])).toEqual([]);
  });

  test.runIf(controlPlaneEnabled)('kube-apiserver and etcd, and their folder', async () => {
    sharedControlPlane(); // fails clearly when there is none
    const controlPlane = await startControlPlane({ binDir: findControlPlaneBinaries() ?? '', ca: await sharedTestCa() });
    expect(await running(controlPlane.pids)).toEqual(controlPlane.pids);

    await controlPlane.stop();

    expect(await running(controlPlane.pids)).toEqual([]);
    await expect(access(controlPlane.dir)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
