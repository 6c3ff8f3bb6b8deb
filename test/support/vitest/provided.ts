import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { ControlPlaneInfo } from '../control-plane.js';
import { loadTestCa, type TestCa } from '../test-ca.js';
import './provided-context.js';

/** The run's CA, able to issue serving certificates in this worker. */
export async function sharedTestCa(): Promise<TestCa> {
  const { runDir, ...pem } = inject('testCa');
  return loadTestCa(pem, await mkdtemp(join(runDir, 'worker-')));
}

const controlPlane = inject('controlPlane');

/**
 * Whether suites that need kube-apiserver run: yes when it is there, and also when
 * REQUIRE_CONTROL_PLANE=1 (CI), so that they fail instead of being skipped. Use with
 * describe.runIf; the global setup printed the one line saying why they were skipped.
 */
export const controlPlaneEnabled = controlPlane !== null || process.env.REQUIRE_CONTROL_PLANE === '1';

/** The shared control plane; throws, failing the suite, when it is missing. */
export function sharedControlPlane(): ControlPlaneInfo {
  if (controlPlane === null) throw new Error(`REQUIRE_CONTROL_PLANE=1 but ${inject('controlPlaneMissing')}`);
  return controlPlane;
}
