import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { inject } from 'vitest';
import { controlPlaneRequired } from '../../../local/control-plane-binaries.js';
import type { ControlPlaneInfo } from '../../../local/control-plane.js';
import { loadTestCa, type TestCa } from '../../../local/test-ca.js';
import './provided-context.js';

let testCa: Promise<TestCa> | undefined;

/** The run's CA, able to issue serving certificates in this worker (files under the run folder). */
export function sharedTestCa(): Promise<TestCa> {
  const { runDir, ...pem } = inject('testCa');
  testCa ??= mkdtemp(join(runDir, 'worker-')).then((dir) => loadTestCa(pem, dir));
  return testCa;
}

const controlPlane = inject('controlPlane');

/**
 * Whether suites that need kube-apiserver run: yes when it is there, and also when
 * REQUIRE_CONTROL_PLANE=1 (CI), so that they fail instead of being skipped. Use with
 * describe.runIf; the global setup printed the one line saying why they were skipped.
 */
export const controlPlaneEnabled = controlPlane !== null || controlPlaneRequired();

/** The shared control plane; throws, failing the suite, when it is missing. */
export function sharedControlPlane(): ControlPlaneInfo {
  if (controlPlane === null) throw new Error(`REQUIRE_CONTROL_PLANE=1 but ${inject('controlPlaneMissing')}`);
  return controlPlane;
}
