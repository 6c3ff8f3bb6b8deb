// What ships: the esbuild bundle of the function entry points (scripts/bundle.mjs), imported in
// a fresh Node process with nothing but its app settings, runs a real evaluation.
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, test } from 'vitest';
import { SCALER_CLIENT_ID } from '../../local/test-identities.js';
import { isEvent, startTelemetrySink } from '../../local/telemetry-sink.js';
import { useLocalServices } from '../support/vitest/local-services.js';
import { controlPlaneEnabled, sharedTestCa } from '../support/vitest/provided.js';
import { clusterEntry, createQueue, replicasOf } from './scaler.js';

const run = promisify(execFile);

describe.runIf(controlPlaneEnabled)('the bundled function app', () => {
  // The bundle runs in child processes given only the settings below (this process's identity
  // settings do not reach them).
  const services = useLocalServices();
  let outdir: string;
  beforeAll(async () => {
    outdir = join(await mkdtemp(join(tmpdir(), 'aqs-bundle-')), 'app');
    await run(process.execPath, ['scripts/bundle.mjs'], { env: { ...process.env, BUNDLE_OUTDIR: outdir } });
  }, 120_000);

  /** A Deployment at 0 with 12 messages waiting, and the app settings of a scaler for it. */
  async function scenario(): Promise<{ namespace: string; name: string; settings: Record<string, string> }> {
    const w = await services.workloads({ replicas: 0 });
    const queue = await createQueue(services.azurite, 12);
    const settings = {
      PATH: process.env.PATH ?? '',
      ...services.identity.env,
      AZURE_CLIENT_ID: SCALER_CLIENT_ID,
      SCALER_LOCAL_DEVELOPMENT: 'true',
      AzureWebJobsStorage: services.azurite.connectionString,
      SCALER_CLUSTERS: JSON.stringify({ aks: clusterEntry(services.controlPlane) }),
      SCALER_TARGETS: JSON.stringify([{ namespace: w.namespace, scaleTargetRef: { name: w.deployment }, triggers: [{ type: 'azure-queue', metadata: { queueName: queue.name, connectionFromEnv: 'AzureWebJobsStorage' } }] }]),
    };
    return { namespace: w.namespace, name: w.deployment, settings };
  }

  /** Imports the bundled evaluate function in a fresh process and runs it once, as the host would. */
  const evaluateOnce = (env: Record<string, string>) =>
    run(process.execPath, ['--input-type=module', '-e', `const { evaluate } = await import(${JSON.stringify(join(outdir, 'evaluate.js'))});
      await evaluate({ isPastDue: false }, { log: (...args) => console.log('host:', ...args) });`], { env });

  test('the evaluate function scales a Deployment, as the scaler identity, and prints its decision', async () => {
    const { namespace, name, settings } = await scenario();

    const { stdout } = await evaluateOnce(settings);

    expect(await replicasOf(services.admin, namespace, name)).toBe(3);
    const w = { namespace, deployment: name };
    const decision = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.type === 'ScaleDecision');
    expect(decision).toMatchObject({ target: `aks/${w.namespace}/${w.deployment}`, action: 'activate', finalReplicas: 3, applied: true });
    expect(stdout).toContain('host: evaluated 1 target(s), 1 scaled, 0 failed, 0 not due');
  });

  test('with App Insights configured, the bundled applicationinsights SDK delivers the decision', async () => {
    const ca = await sharedTestCa();
    const sink = await startTelemetrySink(ca);
    try {
      const { namespace, name, settings } = await scenario();
      await evaluateOnce({
        ...settings,
        APPLICATIONINSIGHTS_CONNECTION_STRING: sink.connectionString,
        APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true',
        NODE_EXTRA_CA_CERTS: ca.certFile,
      });
      const event = await sink.waitForEnvelope(isEvent('ScaleDecision'));
      expect(event.data?.baseData?.properties).toMatchObject({ target: `aks/${namespace}/${name}`, action: 'activate', finalReplicas: '3' });
    } finally {
      await sink.stop();
    }
  });
});
