import type { ControlPlaneInfo } from '../../../local/control-plane.js';
import type { TestCaPem } from '../../../local/test-ca.js';

/** The run's throw-away CA, and the run folder (removed at the end) for files made from it. */
export type ProvidedTestCa = TestCaPem & { runDir: string };

// What global-setup.ts hands to test files through vitest's provide/inject.
declare module 'vitest' {
  export interface ProvidedContext {
    testCa: ProvidedTestCa;
    /** The shared kube-apiserver, or null when its binaries are missing. */
    controlPlane: ControlPlaneInfo | null;
    /** Why there is no control plane, and how to get one; '' when there is. */
    controlPlaneMissing: string;
    /** SKIP_CONTROL_PLANE=1: the suites that need it are skipped (else they fail without it). */
    controlPlaneSkipped: boolean;
  }
}
