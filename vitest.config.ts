import { defineConfig } from 'vitest/config';
import { requireSupportedNode } from './scripts/check-node.mjs';

// `npx vitest` on an older Node stops here with one line, before any test file loads the
// dependencies that would crash on it (scripts/check-node.mjs; `npm test` checks first too).
requireSupportedNode();

// Suites under these folders run against real local services (local/, and the test-only stand-ins
// of test/support/); test/reliability also writes the figures of docs/reliability.md when
// RELIABILITY_FIGURES is set.
const integration = ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/reliability/**/*.test.ts'];

export default defineConfig({
  test: {
    // Integration suites start real services (Azurite, kube-apiserver + etcd); two cores.
    fileParallelism: true,
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Two projects so that a unit-only run does not pay for the integration global setup:
    // vitest runs a project's globalSetup only when some of its files are selected.
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: integration } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: integration,
          globalSetup: ['test/support/vitest/global-setup.ts'],
          setupFiles: ['test/support/vitest/trust-test-ca.ts'],
        },
      },
    ],
  },
});
