import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { inject } from 'vitest';
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
 * Whether suites that need kube-apiserver run: yes, unless SKIP_CONTROL_PLANE=1 made the global
 * setup skip it (it said so in one line). Without binaries it builds them; when that fails,
 * these suites run and fail, saying why (sharedControlPlane). Use with describe.runIf.
 */
export const controlPlaneEnabled = controlPlane !== null || !inject('controlPlaneSkipped');

/** The shared control plane; throws, failing the suite, when it is missing. */
export function sharedControlPlane(): ControlPlaneInfo {
  if (controlPlane === null) throw new Error(`no kube-apiserver for this suite: ${inject('controlPlaneMissing')}`);
  return controlPlane;
}
