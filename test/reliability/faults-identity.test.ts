// Faults between the scaler and its managed identity endpoint (a proxy in front of the local
// App Service identity endpoint). Tokens live 60 s, so MSAL asks the endpoint on every call and
// each fault bites at once. The target on a kubeconfig-context cluster needs no token: its
// evaluation shows that identity trouble does not hold up what does not need the identity.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { targetKey } from '../../shared/runtime/index.js';
import { startAzurite, type Azurite } from '../../local/azurite.js';
import { AUTOSCALER_USER, kubeToken, type ControlPlaneInfo } from '../../local/control-plane.js';
import { startFaultProxy, type FaultProxy, type FaultRule } from '../support/fault-proxy.js';
import { startIdentityEndpoint, useIdentityEndpoint, type IdentityEndpoint } from '../../local/identity-endpoint.js';
import { adminKubeConfig, kubeConfigWithToken } from '../../local/kube-clients.js';
import { createWorkloads, grantScaleRole, type Workloads } from '../../local/kube-workloads.js';
import { SCALER_CLIENT_ID, testIdentities } from '../../local/test-identities.js';
import { controlPlaneEnabled, sharedControlPlane } from '../support/vitest/provided.js';
import { createQueue, queueTarget, replicasOf } from '../e2e/scaler.js';
import { recordFigure } from './figures.js';
import { generic, originOf, setReplicas, startReliabilityScaler, type ReliabilityScaler } from './harness.js';

const TIMEOUT_MS = 3_000;
const BEFORE = 2;
const WANTED = 4;

const CASES: { fault: string; rule: FaultRule; expected: RegExp }[] = [
  { fault: 'connection refused', rule: { fault: { kind: 'refuse' } }, expected: /no token for the AKS scope from the managed identity/ },
  { fault: 'connection reset mid-answer', rule: { fault: { kind: 'reset' } }, expected: /no token for the AKS scope from the managed identity/ },
  { fault: '500 on every call', rule: { fault: { kind: 'status', status: 500, body: '{"error":"unknown_error","error_description":"the identity service failed"}' } }, expected: /no token for the AKS scope from the managed identity/ },
  { fault: '429 with Retry-After', rule: { fault: { kind: 'status', status: 429, headers: { 'retry-after': '1' }, body: '{"error":"throttled","error_description":"too many requests"}' } }, expected: /no token for the AKS scope from the managed identity/ },
  { fault: '400: the identity is not assigned', rule: { fault: { kind: 'status', status: 400, body: '{"error":"invalid_request","error_description":"no identity with that client_id is assigned"}' } }, expected: /no token for the AKS scope from the managed identity/ },
  { fault: 'answer stalls mid-body past the timeout', rule: { fault: { kind: 'stall' } }, expected: /no token for 6dae42f8-4368-4678-94ff-3960e28e3630\/\.default within 3000 ms/ },
  { fault: 'no answer until past the timeout', rule: { fault: { kind: 'delay', ms: 3 * TIMEOUT_MS } }, expected: /no token for 6dae42f8-4368-4678-94ff-3960e28e3630\/\.default within 3000 ms/ },
  { fault: 'a token that is not JSON', rule: { fault: { kind: 'status', status: 200, headers: { 'content-type': 'text/html' }, body: '<html>captive portal</html>' } }, expected: /no token for the AKS scope from the managed identity/ },
];

describe.runIf(controlPlaneEnabled)('faults in front of the managed identity endpoint', () => {
  let controlPlane: ControlPlaneInfo;
  let identity: IdentityEndpoint;
  let proxy: FaultProxy;
  let azurite: Azurite;
  let admin: KubeConfig;
  let dir: string;
  let scaler: ReliabilityScaler;
  const workloads = {} as Record<'faulty' | 'other', Workloads>;
  const keys = {} as Record<'faulty' | 'other', string>;

  beforeAll(async () => {
    controlPlane = sharedControlPlane();
    identity = await startIdentityEndpoint({ identities: testIdentities(controlPlane) });
    identity.behaviour.tokenLifetimeSeconds = 60;
    proxy = await startFaultProxy({ target: originOf(identity.env.IDENTITY_ENDPOINT) });
    useIdentityEndpoint({ ...identity, env: { ...identity.env, IDENTITY_ENDPOINT: `${proxy.url}/msi/token` } }, SCALER_CLIENT_ID);
    azurite = await startAzurite();
    admin = adminKubeConfig(controlPlane);
    dir = await mkdtemp(join(tmpdir(), 'aqs-identity-faults-'));
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, kubeConfigWithToken(controlPlane, kubeToken(controlPlane, AUTOSCALER_USER)).exportConfig());
    const targets = [];
    for (const name of ['faulty', 'other'] as const) {
      workloads[name] = await createWorkloads(admin, { replicas: BEFORE, prefix: 'rel' });
      await grantScaleRole(admin, workloads[name].namespace);
      const queue = await createQueue(azurite, 20);
      targets.push({ ...queueTarget(workloads[name].namespace, workloads[name].deployment, queue.name), cluster: name === 'faulty' ? 'test' : 'context' });
    }
    scaler = startReliabilityScaler({ azurite, controlPlane, targets, timeoutMs: TIMEOUT_MS, clusters: { context: { context: 'local', kubeconfig } } });
    for (const name of ['faulty', 'other'] as const) keys[name] = targetKey(scaler.runtime.targets.find((t) => t.target.namespace === workloads[name].namespace)!.target);
    const first = await scaler.tick(0);
    expect(first.result.evaluated.map((e) => e.error)).toEqual([undefined, undefined]);
  }, 120_000);
  afterAll(async () => {
    await proxy?.stop();
    await azurite?.stop();
    await identity?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const replicas = (name: 'faulty' | 'other'): Promise<number> => replicasOf(admin, workloads[name].namespace, workloads[name].deployment);

  test.each(CASES.map((c) => [c.fault, c] as const))('%s', async (_, c) => {
    for (const name of ['faulty', 'other'] as const) await setReplicas(admin, workloads[name].namespace, workloads[name].deployment, BEFORE);
    proxy.inject(c.rule);
    let tick;
    try {
      tick = await scaler.tick(15);
    } finally {
      await proxy.heal();
    }
    const faulty = tick.result.evaluated.find((e) => targetKey(e.target) === keys.faulty)!;
    expect(faulty.error).toMatch(c.expected);
    expect(await replicas('faulty')).toBe(BEFORE);
    // No identity needed, no delay: the kubeconfig cluster's target scaled within one call timeout.
    expect(tick.result.evaluated.find((e) => targetKey(e.target) === keys.other)?.error).toBeUndefined();
    expect(await replicas('other')).toBe(WANTED);
    const othersMs = tick.doneMs.get(keys.other)!;
    expect(othersMs).toBeLessThan(TIMEOUT_MS);
    // Bounded: a token request gives up after TIMEOUT_MS, and the call is tried once more.
    expect(tick.doneMs.get(keys.faulty)!).toBeLessThan(3 * TIMEOUT_MS + 2_000);

    await setReplicas(admin, workloads.faulty.namespace, workloads.faulty.deployment, BEFORE);
    const next = await scaler.tick(15);
    expect(next.result.evaluated.map((e) => e.error)).toEqual([undefined, undefined]);
    expect(await replicas('faulty')).toBe(WANTED);
    recordFigure({
      type: 'fault', service: 'identity', fault: c.fault, outcome: `held: ${generic(faulty.error)}`, noScaleDown: true, recovered: true,
      faultyMs: Math.round(tick.doneMs.get(keys.faulty)!), othersMs: Math.round(othersMs),
    });
  }, 60_000);
});
