// Faults between the scaler and its clusters: a TLS-terminating proxy in front of the real
// kube-apiserver (one cluster by server URL, one AKS cluster found through ARM), and one in
// front of ARM. For each fault: what the tick did, that nothing was scaled down, that the next
// healthy tick recovers, and that the targets of the other clusters were not held up.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { targetKey, createWaker, wakeQueuesOf } from '../../shared/runtime/index.js';
import { startArmEndpoint, type ArmEndpoint } from '../support/arm-endpoint.js';
import { startAzurite, type Azurite } from '../../local/azurite.js';
import { AUTOSCALER_USER, type ControlPlaneInfo } from '../../local/control-plane.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { ARM_RESOURCE, startIdentityEndpoint, useIdentityEndpoint, type IdentityEndpoint } from '../../local/identity-endpoint.js';
import { adminKubeConfig } from '../../local/kube-clients.js';
import { createWorkloads, grantScaleRole, type Workloads } from '../../local/kube-workloads.js';
import { createTestCa, type IssuedCert, type TestCa } from '../../local/test-ca.js';
import { SCALER_CLIENT_ID, testIdentities } from '../../local/test-identities.js';
import { controlPlaneEnabled, sharedControlPlane, sharedTestCa } from '../support/vitest/provided.js';
import { createQueue, queueTarget, replicasOf } from '../e2e/scaler.js';
import { recordFigure, type FaultedService } from './figures.js';
import { generic, setReplicas, startReliabilityScaler, type ReliabilityScaler } from './harness.js';

const SUBSCRIPTION = '00000000-0000-4000-8000-0000000000f1';
/**
 * The identity of the faulty cluster: the scaler's kube user, but its own turn of tokens at the
 * identity endpoint, so that a token it is refused is followed by another.
 */
const FAULTY_CLIENT_ID = '5ca1e5ca-1e00-4000-8000-00000000c003';
/** Every outside call of the scaler under test gives up after this long (KUBE_TIMEOUT_MS is 10 s). */
const TIMEOUT_MS = 3_000;
/** Replicas every target is set to before a fault; its queue (20 messages / 5) wants 4. */
const BEFORE = 2;
const WANTED = 4;

interface Services {
  /** In front of the cluster reached by server URL. */
  kube: FaultProxy;
  /** In front of the same apiserver, as the AKS cluster's server that ARM describes. */
  aks: FaultProxy;
  arm: FaultProxy;
  armEndpoint: ArmEndpoint;
  /** The proxies' certificates from the run's CA, and one from another CA. */
  kubeCert: IssuedCert;
  aksCert: IssuedCert;
  otherCa: TestCa;
  otherCert: IssuedCert;
  /** The run's CA, which signed the apiserver's and the proxies' own certificates. */
  runCaPem: string;
  /** The namespace of the faulty target (requests matching it are the faulty target's). */
  faultyNamespace: string;
}

interface KubeFaultCase {
  service: FaultedService;
  fault: string;
  /** The target behind the fault: the server-URL cluster's, or the AKS cluster's. */
  faulty: 'server' | 'aks';
  inject(s: Services): void | Promise<void>;
  heal?(s: Services): void | Promise<void>;
  /** The faulty target's evaluation fails with this, or scales as if nothing happened (the adapter got through). */
  expected: RegExp | 'scaled';
  /** More to check about what crossed the proxy during the faulty tick. */
  check?(s: Services, seen: { kube: number; aks: number; arm: number }): void;
}

const inNamespace = (s: Services) => (r: { path: string }): boolean => r.path.includes(`/namespaces/${s.faultyNamespace}/`);

/** A rotated CA on the AKS cluster: its server presents another CA's certificate, and ARM says so. */
function rotateAksCa(s: Services): void {
  s.aks.setCertificate(s.otherCert);
  s.armEndpoint.clusters[0]!.caPem = s.otherCa.certPem;
}
function restoreAksCa(s: Services): void {
  s.aks.setCertificate(s.aksCert);
  s.armEndpoint.clusters[0]!.caPem = s.runCaPem;
}

const CASES: KubeFaultCase[] = [
  { service: 'kube-apiserver', fault: 'connection refused', faulty: 'server', inject: (s) => s.kube.inject({ fault: { kind: 'refuse' } }), expected: /cannot reach the cluster: ECONNREFUSED/ },
  { service: 'kube-apiserver', fault: 'connection reset mid-answer', faulty: 'server', inject: (s) => s.kube.inject({ fault: { kind: 'reset' }, match: inNamespace(s) }), expected: /cannot reach the cluster/ },
  { service: 'kube-apiserver', fault: 'answer stalls mid-body past the timeout', faulty: 'server', inject: (s) => s.kube.inject({ fault: { kind: 'stall' }, match: inNamespace(s) }), expected: /cannot reach the cluster: .*(timeout|aborted)/i },
  { service: 'kube-apiserver', fault: 'no answer until past the timeout', faulty: 'server', inject: (s) => s.kube.inject({ fault: { kind: 'delay', ms: TIMEOUT_MS + 2_000 }, match: inNamespace(s) }), expected: /cannot reach the cluster: .*(timeout|aborted)/i },
  { service: 'kube-apiserver', fault: '500 on every call', faulty: 'server', inject: (s) => s.kube.inject({ fault: { kind: 'status', status: 500, body: '{"kind":"Status","message":"etcdserver: request timed out"}' }, match: inNamespace(s) }), expected: /HTTP 500: etcdserver: request timed out/ },
  { service: 'kube-apiserver', fault: '503 on every call', faulty: 'server', inject: (s) => s.kube.inject({ fault: { kind: 'status', status: 503, body: 'upstream connect error' }, match: inNamespace(s) }), expected: /HTTP 503: upstream connect error/ },
  {
    service: 'kube-apiserver', fault: '429 with Retry-After', faulty: 'server',
    inject: (s) => s.kube.inject({ fault: { kind: 'status', status: 429, headers: { 'retry-after': '7' }, body: '{"kind":"Status","message":"Too many requests"}' }, match: inNamespace(s) }),
    expected: /throttled by the API server \(429, Retry-After 7 s\)/,
  },
  {
    service: 'kube-apiserver', fault: '409 storm on /scale', faulty: 'server',
    inject: (s) => s.kube.inject({ fault: { kind: 'status', status: 409, body: '{"kind":"Status","reason":"Conflict","message":"the object has been modified"}' }, match: (r) => r.method === 'PUT' && inNamespace(s)(r) }),
    expected: /conflict, the scale changed since it was read/,
    // The loser of a 409 reads and decides again, once: two writes refused, then it holds.
    check: (s, seen) => expect(s.kube.log.slice(seen.kube).filter((r) => r.method === 'PUT' && r.fault === 'status')).toHaveLength(2),
  },
  {
    service: 'kube-apiserver', fault: '401 on every call (token refused)', faulty: 'server',
    inject: (s) => s.kube.inject({ fault: { kind: 'status', status: 401, body: '{"kind":"Status","reason":"Unauthorized","message":"Unauthorized"}' }, match: inNamespace(s) }),
    expected: /unauthorized; the cluster did not accept the scaler identity's token/,
    // After a 401 the adapter builds the cluster's client again (with a new token) and tries once more.
    check: (s, seen) => expect(s.kube.log.slice(seen.kube).filter(inNamespace(s)).length).toBe(2),
  },
  {
    service: 'kube-apiserver', fault: '401 on an expired token', faulty: 'server',
    // The token of the faulty target's first call has expired: every call bearing it is refused.
    inject: (s) => {
      let expired: string | undefined;
      s.kube.inject({
        fault: { kind: 'status', status: 401, body: '{"kind":"Status","reason":"Unauthorized","message":"Unauthorized"}' },
        match: (r) => inNamespace(s)(r) && (expired ??= r.headers.authorization) === r.headers.authorization,
      });
    },
    expected: 'scaled',
    // The refused call is repeated with a new token from the identity, which the cluster accepts.
    check: (s, seen) => {
      const calls = s.kube.log.slice(seen.kube).filter(inNamespace(s));
      expect(calls.map((c) => c.status)).toEqual([401, 200, 200, 201]); // read refused, read again, write, the event of the change
      expect(calls[1]!.headers.authorization).not.toBe(calls[0]!.headers.authorization);
    },
  },
  {
    service: 'kube-apiserver', fault: 'server certificate from another CA', faulty: 'server',
    inject: (s) => s.kube.setCertificate(s.otherCert), heal: (s) => s.kube.setCertificate(s.kubeCert),
    expected: /cannot reach the cluster: (UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_)/,
  },
  {
    service: 'kube-apiserver', fault: 'CA rotated (AKS: ARM has the new CA)', faulty: 'aks',
    inject: rotateAksCa, heal: restoreAksCa,
    expected: 'scaled',
    // The TLS failure made the adapter ask ARM again, and the new CA worked in the same call.
    check: (s, seen) => expect(s.arm.log.slice(seen.arm).map((r) => r.method)).toEqual(['GET', 'POST']),
  },
  {
    service: 'arm', fault: 'connection refused while the CA rotates', faulty: 'aks',
    inject: (s) => { rotateAksCa(s); s.arm.inject({ fault: { kind: 'refuse' } }); },
    heal: restoreAksCa,
    expected: /ARM managedClusters\.get failed/,
  },
  {
    service: 'arm', fault: '500 while the CA rotates', faulty: 'aks',
    inject: (s) => { rotateAksCa(s); s.arm.inject({ fault: { kind: 'status', status: 500, body: '{"error":{"code":"InternalServerError","message":"try again"}}' } }); },
    heal: restoreAksCa,
    expected: /ARM managedClusters\.get failed/,
  },
  {
    service: 'arm', fault: 'no answer until past the timeout while the CA rotates', faulty: 'aks',
    inject: (s) => { rotateAksCa(s); s.arm.inject({ fault: { kind: 'delay', ms: TIMEOUT_MS + 2_000 } }); },
    heal: restoreAksCa,
    expected: /ARM managedClusters\.get failed/,
  },
  {
    service: 'kube-apiserver', fault: 'answer without spec.replicas', faulty: 'server',
    inject: (s) => s.kube.inject({ fault: { kind: 'rewrite', answer: (a, r) => (r.method === 'GET' ? { ...a, body: Buffer.from(JSON.stringify(withoutReplicas(JSON.parse(a.body.toString())))) } : a) }, match: inNamespace(s) }),
    expected: /has no spec\.replicas; the target holds/,
  },
  {
    service: 'kube-apiserver', fault: 'answer without metadata.resourceVersion', faulty: 'server',
    inject: (s) => s.kube.inject({ fault: { kind: 'rewrite', answer: (a, r) => (r.method === 'GET' ? { ...a, body: Buffer.from(JSON.stringify(withoutResourceVersion(JSON.parse(a.body.toString())))) } : a) }, match: inNamespace(s) }),
    expected: /has no metadata\.resourceVersion; the target holds/,
  },
  {
    service: 'kube-apiserver', fault: 'a gateway\'s HTML page with 200', faulty: 'server',
    inject: (s) => s.kube.inject({ fault: { kind: 'rewrite', answer: (a) => ({ ...a, headers: { 'content-type': 'text/html' }, body: Buffer.from('<html><body>Sign in</body></html>') }) }, match: inNamespace(s) }),
    expected: /read deployment .* (not valid JSON|Unexpected token|has no spec\.replicas|cannot)/,
  },
];

function withoutReplicas(workload: { spec?: { replicas?: number } }): unknown {
  delete workload.spec?.replicas;
  return workload;
}
function withoutResourceVersion(workload: { metadata?: { resourceVersion?: string } }): unknown {
  delete workload.metadata?.resourceVersion;
  return workload;
}

describe.runIf(controlPlaneEnabled)('faults in front of kube-apiserver and ARM', () => {
  let controlPlane: ControlPlaneInfo;
  let identity: IdentityEndpoint;
  let azurite: Azurite;
  let admin: KubeConfig;
  let services: Services;
  let otherCaDir: string;
  let scaler: ReliabilityScaler;
  const workloads: Record<'server' | 'aks' | 'healthy', Workloads> = {} as never;
  const keys: Record<'server' | 'aks' | 'healthy', string> = {} as never;

  beforeAll(async () => {
    controlPlane = sharedControlPlane();
    const ca = await sharedTestCa();
    identity = await startIdentityEndpoint({
      identities: [...testIdentities(controlPlane), { clientId: FAULTY_CLIENT_ID, kubeTokens: controlPlane.users[AUTOSCALER_USER]!.tokens }],
    });
    // Short-lived tokens: MSAL asks the endpoint every time, so a refused token can be replaced.
    identity.behaviour.tokenLifetimeSeconds = 60;
    useIdentityEndpoint(identity, SCALER_CLIENT_ID);
    azurite = await startAzurite();
    admin = adminKubeConfig(controlPlane);
    otherCaDir = await mkdtemp(join(tmpdir(), 'aqs-other-ca-'));
    const otherCa = await createTestCa(otherCaDir);
    const [kubeCert, aksCert, armCert, otherCert] = await Promise.all([ca.issue('kube-proxy'), ca.issue('aks-proxy'), ca.issue('arm-proxy'), otherCa.issue('kube-proxy-other-ca')]);
    const kube = await startFaultProxy({ target: controlPlane.server, targetCaPem: controlPlane.caPem, tls: kubeCert });
    const aks = await startFaultProxy({ target: controlPlane.server, targetCaPem: controlPlane.caPem, tls: aksCert });
    const armEndpoint = await startArmEndpoint({
      ca,
      clusters: [{ subscriptionId: SUBSCRIPTION, resourceGroup: 'rg', name: 'aks1', server: aks.url, caPem: ca.certPem, entraId: true }],
      acceptsToken: (t) => identity.issuedFor(t)?.resource === ARM_RESOURCE,
    });
    const arm = await startFaultProxy({ target: armEndpoint.url, targetCaPem: ca.certPem, tls: armCert });

    for (const name of ['server', 'aks', 'healthy'] as const) {
      workloads[name] = await createWorkloads(admin, { replicas: BEFORE, prefix: 'rel' });
      await grantScaleRole(admin, workloads[name].namespace);
    }
    services = { kube, aks, arm, armEndpoint, kubeCert, aksCert, otherCa, otherCert, faultyNamespace: '', runCaPem: ca.certPem };
    const queues = await Promise.all([createQueue(azurite, 20), createQueue(azurite, 20), createQueue(azurite, 20)]);
    const targets = {
      server: { ...queueTarget(workloads.server.namespace, workloads.server.deployment, queues[0]!.name), cluster: 'faulty' },
      aks: { ...queueTarget(workloads.aks.namespace, workloads.aks.deployment, queues[1]!.name), cluster: 'aks1' },
      healthy: queueTarget(workloads.healthy.namespace, workloads.healthy.deployment, queues[2]!.name),
    };
    scaler = startReliabilityScaler({
      azurite, controlPlane, timeoutMs: TIMEOUT_MS,
      targets: Object.values(targets),
      clusters: {
        faulty: { server: kube.url, certificateAuthorityData: Buffer.from(ca.certPem).toString('base64'), identityClientId: FAULTY_CLIENT_ID },
        aks1: { resourceId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1`, armEndpoint: arm.url },
      },
    });
    for (const name of ['server', 'aks', 'healthy'] as const) {
      keys[name] = targetKey(scaler.runtime.targets.find((t) => t.target.namespace === workloads[name].namespace)!.target);
    }
    // Warm up: every cluster discovered, every target at what its queue wants.
    const first = await scaler.tick(0);
    expect(first.result.evaluated.map((e) => e.error)).toEqual([undefined, undefined, undefined]);
  }, 120_000);
  afterAll(async () => {
    for (const p of [services?.kube, services?.aks, services?.arm]) await p?.stop();
    await services?.armEndpoint.stop();
    await azurite?.stop();
    await identity?.stop();
    if (otherCaDir) await rm(otherCaDir, { recursive: true, force: true });
  });

  const replicas = (name: keyof typeof workloads): Promise<number> => replicasOf(admin, workloads[name].namespace, workloads[name].deployment);

  test.each(CASES.map((c) => [`${c.service}: ${c.fault}`, c] as const))('%s', async (_, c) => {
    const others = (['server', 'aks', 'healthy'] as const).filter((n) => n !== c.faulty);
    for (const name of ['server', 'aks', 'healthy'] as const) await setReplicas(admin, workloads[name].namespace, workloads[name].deployment, BEFORE);
    services.faultyNamespace = workloads[c.faulty].namespace;
    const seen = { kube: services.kube.log.length, aks: services.aks.log.length, arm: services.arm.log.length };
    await c.inject(services);
    let tick;
    try {
      tick = await scaler.tick(15);
    } finally {
      await services.kube.heal();
      await services.aks.heal();
      await services.arm.heal();
      await c.heal?.(services);
    }
    const faulty = tick.result.evaluated.find((e) => targetKey(e.target) === keys[c.faulty])!;
    // What the tick did with the faulty target.
    if (c.expected === 'scaled') {
      expect(faulty.error).toBeUndefined();
      expect(await replicas(c.faulty)).toBe(WANTED);
    } else {
      expect(faulty.error).toMatch(c.expected);
      expect(faulty.event?.applied ?? false).toBe(false);
      // Held: not scaled down, and not scaled at all on a reading it could not trust.
      expect(await replicas(c.faulty)).toBe(BEFORE);
    }
    c.check?.(services, seen);
    // The other clusters' targets scaled as wanted, and no later than one call timeout.
    for (const name of others) {
      expect(tick.result.evaluated.find((e) => targetKey(e.target) === keys[name])?.error, name).toBeUndefined();
      expect(await replicas(name), name).toBe(WANTED);
    }
    const othersMs = Math.max(...others.map((n) => tick.doneMs.get(keys[n]) ?? Infinity));
    expect(othersMs).toBeLessThan(TIMEOUT_MS);

    // The next healthy tick recovers: every target at what it wants, no error.
    await setReplicas(admin, workloads[c.faulty].namespace, workloads[c.faulty].deployment, BEFORE);
    const next = await scaler.tick(15);
    expect(next.result.evaluated.map((e) => e.error)).toEqual([undefined, undefined, undefined]);
    for (const name of ['server', 'aks', 'healthy'] as const) expect(await replicas(name), name).toBe(WANTED);

    recordFigure({
      type: 'fault', service: c.service, fault: c.fault,
      outcome: c.expected === 'scaled' ? 'got through: scaled as wanted, no error' : `held: ${generic(faulty.error)}`,
      noScaleDown: true, recovered: true,
      faultyMs: Math.round(tick.doneMs.get(keys[c.faulty]) ?? tick.wallMs), othersMs: Math.round(othersMs),
    });
  }, 60_000);

  test('the wake path under cluster faults: the signal fails (the host retries it), nothing changes; after the fault it wakes', async () => {
    const w = await createWorkloads(admin, { replicas: 0, prefix: 'rel' });
    await grantScaleRole(admin, w.namespace);
    const work = await createQueue(azurite, 3);
    const wakeQueue = await createQueue(azurite);
    const sleeper = startReliabilityScaler({
      azurite, controlPlane, timeoutMs: TIMEOUT_MS,
      targets: [{ ...queueTarget(w.namespace, w.deployment, work.name, { wake: { queueName: wakeQueue.name } }), cluster: 'faulty' }],
      clusters: { faulty: { server: services.kube.url, certificateAuthorityData: Buffer.from(services.runCaPem).toString('base64') } },
    });
    const [queue] = wakeQueuesOf(sleeper.runtime.config.targets);
    const waker = createWaker(sleeper.runtime);
    services.faultyNamespace = w.namespace;
    const faults = [
      { fault: 'connection refused', rule: { fault: { kind: 'refuse' as const } }, expected: /ECONNREFUSED/ },
      { fault: '500 on every call', rule: { fault: { kind: 'status' as const, status: 500, body: '{"message":"boom"}' }, match: inNamespace(services) }, expected: /HTTP 500/ },
      { fault: '409 storm on /scale', rule: { fault: { kind: 'status' as const, status: 409, body: '{"message":"modified"}' }, match: (r: { method: string; path: string }) => r.method === 'PUT' && inNamespace(services)(r) }, expected: /conflict/ },
      { fault: 'no answer until past the timeout', rule: { fault: { kind: 'delay' as const, ms: TIMEOUT_MS + 2_000 }, match: inNamespace(services) }, expected: /timeout|aborted/i },
    ];
    for (const f of faults) {
      services.kube.inject(f.rule);
      const started = Date.now();
      try {
        await expect(waker.handle(queue!, '{}')).rejects.toThrow(f.expected);
      } finally {
        await services.kube.heal();
      }
      expect(await replicasOf(admin, w.namespace, w.deployment), f.fault).toBe(0);
      recordFigure({
        type: 'fault', service: 'kube-apiserver', fault: `${f.fault} (wake path)`,
        outcome: 'the wake failed; in signal mode the invocation fails, so the host retries the message', noScaleDown: true, recovered: true,
        faultyMs: Date.now() - started, othersMs: null,
      });
    }
    const woken = await waker.handle(queue!, '{}');
    expect(woken.outcomes.map((o) => o.result)).toEqual(['woken']);
    expect(await replicasOf(admin, w.namespace, w.deployment)).toBe(1); // 3 messages / 5 -> 1
  }, 90_000);
});
