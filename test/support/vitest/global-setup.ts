import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { controlPlaneSkipped, ensureControlPlaneBinaries } from '../../../local/control-plane-binaries.js';
import { startControlPlane, type ControlPlane } from '../../../local/control-plane.js';
import { findLeftoverServices, harnessRunId } from '../../../local/harness-run.js';
import { createTestCa } from '../../../local/test-ca.js';
import type { ProvidedTestCa } from './provided-context.js';

/**
 * Once per run of the integration tests: the throw-away CA, and the control plane (seconds to
 * start, so shared by all files; each test uses its own namespace). Cheap services (Azurite,
 * identity, telemetry, ARM) are started by the test files themselves. The control plane's
 * binaries are found, or built with their progress shown (the first time, minutes); only
 * SKIP_CONTROL_PLANE=1 skips the suites that need them, and a failed build fails those suites.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Set in process.env here, so workers and every service they start inherit it.
  const runId = harnessRunId();
  const runDir = await mkdtemp(join(tmpdir(), 'aqs-test-run-'));
  let controlPlane: ControlPlane | undefined;
  const teardown = async (): Promise<void> => {
    await controlPlane?.stop();
    await rm(runDir, { recursive: true, force: true });
    const leftovers = await findLeftoverServices(runId);
    for (const { pid } of leftovers) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Exited in the meantime.
      }
    }
    if (leftovers.length > 0) {
      throw new Error(`test services outlived the run (killed now): ${leftovers.map((l) => `${l.service} pid ${l.pid}`).join(', ')}`);
    }
  };
  try {
    const ca = await createTestCa(runDir);
    const testCa: ProvidedTestCa = { certPem: ca.certPem, keyPem: ca.keyPem, runDir };
    project.provide('testCa', testCa);
    let binDir: string | undefined;
    let missing = '';
    if (controlPlaneSkipped()) {
      missing = 'SKIP_CONTROL_PLANE=1 is set';
      console.warn('Skipping the kube-apiserver suites: SKIP_CONTROL_PLANE=1 is set (unset it to run them; the binaries are found or built first).');
    } else {
      try {
        binDir = await ensureControlPlaneBinaries({ out: (line) => console.log(line) });
      } catch (error) {
        missing = `${error instanceof Error ? error.message : String(error)}\n(SKIP_CONTROL_PLANE=1 skips the suites that need kube-apiserver)`;
        console.error(`The kube-apiserver suites will fail: ${missing}`);
      }
    }
    project.provide('controlPlaneSkipped', binDir === undefined && controlPlaneSkipped());
    if (binDir === undefined) {
      project.provide('controlPlane', null);
      project.provide('controlPlaneMissing', missing);
    } else {
      controlPlane = await startControlPlane({ binDir, ca });
      const { server, caPem, users } = controlPlane;
      project.provide('controlPlane', { server, caPem, users });
      project.provide('controlPlaneMissing', '');
    }
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}
