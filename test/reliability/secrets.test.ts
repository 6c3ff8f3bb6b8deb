// Tokens, keys and connection strings never reach the logs or the telemetry. The function app's
// handlers run in a child process as the Functions host runs them (host-child.ts), with every
// kind of secret the scaler handles: managed identity tokens (AKS, ARM, storage, monitor) and the
// identity endpoint's header secret, an account key (the state table's connection string), a
// SAS (a queue read with a SAS connection string), and an App Insights connection string. Faults
// make every path report errors, including services that echo the request (its Authorization
// header, its URL with the SAS) in their error bodies, as gateways and some services do. Then
// everything the child wrote to stdout and stderr, and everything the telemetry sink received,
// is searched for the secret values and for anything shaped like one. The workload's own secrets
// too: its annotations (kubectl's last-applied-configuration holds the manifest, env values
// included) stay out of decisions, and the replay document still replays from App Insights.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { AccountSASPermissions, AccountSASResourceTypes, AccountSASServices, generateAccountSASQueryParameters, SASProtocol, StorageSharedKeyCredential } from '@azure/storage-queue';
import { AppsV1Api, type KubeConfig } from '@kubernetes/client-node';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startArmEndpoint, type ArmEndpoint } from '../support/arm-endpoint.js';
import { AZURITE_ACCOUNT, AZURITE_KEY, startAzurite, type Azurite } from '../../local/azurite.js';
import type { ControlPlaneInfo } from '../../local/control-plane.js';
import { startFaultProxy, type FaultProxy, type ProxiedAnswer, type ProxiedRequest } from '../support/fault-proxy.js';
import { ARM_RESOURCE, startIdentityEndpoint, type IdentityEndpoint } from '../../local/identity-endpoint.js';
import { adminKubeConfig } from '../../local/kube-clients.js';
import { createWorkloads, grantScaleRole, type Workloads } from '../../local/kube-workloads.js';
import { isEvent, startTelemetrySink, type TelemetrySink } from '../../local/telemetry-sink.js';
import type { TestCa } from '../../local/test-ca.js';
import { SCALER_CLIENT_ID, testIdentities } from '../../local/test-identities.js';
import { controlPlaneEnabled, sharedControlPlane, sharedTestCa } from '../support/vitest/provided.js';
import { clusterEntry, createQueue, replicasOf } from '../e2e/scaler.js';
import { PAUSED_SCALE_IN } from '../../shared/engine/index.js';
import { replay } from '../../shared/runtime/index.js';
import { replayInputOf } from '../../shared/telemetry/index.js';
import { createTableStore } from '../../shared/state/index.js';
import { createAppInsightsTelemetry } from '../../shared/telemetry/index.js';
import { decisionEvent, documentWithHistory, HISTORY_BOUND } from '../telemetry/replay-documents.js';
import { recordCount } from './figures.js';
import { originOf, throughProxies } from './harness.js';

const SUBSCRIPTION = '00000000-0000-4000-8000-0000000000e5';
const BUNDLE = fileURLToPath(new URL('../../node_modules/.cache/aks-queue-scaler-reliability/host-child.mjs', import.meta.url));

/** A gateway's error page that repeats the request: its method, URL and every header. */
const echo = (status: number) => (r: ProxiedRequest): ProxiedAnswer => ({
  status,
  headers: { 'content-type': 'application/json', 'x-ms-error-code': 'AuthenticationFailed' },
  body: Buffer.from(JSON.stringify({
    kind: 'Status',
    message: `gateway refused ${r.method} ${r.path} with headers ${JSON.stringify(r.headers)}`,
    'odata.error': { code: 'AuthenticationFailed', message: { lang: 'en-US', value: `Server failed to authenticate ${r.path}; Authorization: ${String(r.headers.authorization)}` } },
  })),
});
/** Azure Storage's XML error, with the request URL (and so the SAS) in its message. */
const echoXml = (status: number) => (r: ProxiedRequest): ProxiedAnswer => ({
  status,
  headers: { 'content-type': 'application/xml', 'x-ms-error-code': 'AuthenticationFailed' },
  body: Buffer.from(`<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code><Message>Server failed to authenticate the request https://127.0.0.1${r.path}. Authorization: ${String(r.headers.authorization)}</Message><AuthenticationErrorDetail>Signature did not match for ${r.path}</AuthenticationErrorDetail></Error>`),
});

/** One child: the app's functions, and what it wrote. */
class HostChild {
  readonly out: string[] = [];
  readonly err: string[] = [];
  private readonly child: ChildProcessWithoutNullStreams;
  private waiting: { command: string; resolve: () => void } | undefined;
  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, [BUNDLE], { env, stdio: 'pipe' });
    let buffered = '';
    this.child.stdout.on('data', (chunk: Buffer) => {
      this.out.push(chunk.toString());
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) if (this.waiting && line === `done ${this.waiting.command}`) this.waiting.resolve();
    });
    this.child.stderr.on('data', (chunk: Buffer) => void this.err.push(chunk.toString()));
  }
  run(line: string): Promise<void> {
    const command = line.split(' ')[0]!;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`host child: no "done ${command}" in 60 s; stderr: ${this.err.join('').slice(-2_000)}`)), 60_000);
      this.waiting = { command, resolve: () => { clearTimeout(timer); this.waiting = undefined; resolve(); } };
      this.child.stdin.write(`${line}\n`);
    });
  }
  async exit(): Promise<void> {
    await this.run('exit');
    await new Promise((resolve) => this.child.once('close', resolve));
  }
  kill(): void {
    this.child.kill('SIGKILL');
  }
  get written(): string {
    return this.out.join('') + this.err.join('');
  }
}

describe.runIf(controlPlaneEnabled)('secrets never reach logs or telemetry', () => {
  let controlPlane: ControlPlaneInfo;
  let ca: TestCa;
  let identity: IdentityEndpoint;
  let azurite: Azurite;
  let arm: ArmEndpoint;
  let sink: TelemetrySink;
  let admin: KubeConfig;
  const proxies = {} as Record<'identity' | 'kube' | 'queue' | 'table', FaultProxy>;
  const children: HostChild[] = [];
  /** Every access token the identity endpoint handed out. */
  const tokens = new Set<string>();

  beforeAll(async () => {
    controlPlane = sharedControlPlane();
    ca = await sharedTestCa();
    identity = await startIdentityEndpoint({ identities: testIdentities(controlPlane) });
    identity.behaviour.tokenLifetimeSeconds = 60; // asked for on every call: more tokens, more chances to leak one
    azurite = await startAzurite({ oauthCa: ca });
    arm = await startArmEndpoint({
      ca, clusters: [{ subscriptionId: SUBSCRIPTION, resourceGroup: 'rg', name: 'aks1', server: controlPlane.server, caPem: controlPlane.caPem, entraId: true }],
      acceptsToken: (t) => identity.issuedFor(t)?.resource === ARM_RESOURCE,
    });
    sink = await startTelemetrySink(ca);
    admin = adminKubeConfig(controlPlane);
    proxies.identity = await startFaultProxy({ target: originOf(identity.env.IDENTITY_ENDPOINT) });
    proxies.kube = await startFaultProxy({ target: controlPlane.server, targetCaPem: controlPlane.caPem, tls: await ca.issue('kube-proxy') });
    proxies.queue = await startFaultProxy({ target: originOf(azurite.queueEndpoint), targetCaPem: ca.certPem, tls: await ca.issue('queue-proxy') });
    proxies.table = await startFaultProxy({ target: originOf(azurite.tableEndpoint), targetCaPem: ca.certPem, tls: await ca.issue('table-proxy') });
    await mkdir(new URL('.', `file://${BUNDLE}`), { recursive: true });
    await build({ entryPoints: [fileURLToPath(new URL('./host-child.ts', import.meta.url))], outfile: BUNDLE, bundle: true, format: 'esm', platform: 'node', target: 'node22', packages: 'external', logLevel: 'warning' });
  }, 120_000);
  afterAll(async () => {
    for (const child of children) child.kill();
    for (const p of Object.values(proxies)) await p?.stop();
    await sink?.stop();
    await arm?.stop();
    await azurite?.stop();
    await identity?.stop();
  });

  /** Keeps every token the identity endpoint answers with (the proxy passes the answer on unchanged). */
  function captureTokens(): void {
    proxies.identity.inject({
      fault: {
        kind: 'rewrite',
        answer: (a) => {
          const token = (JSON.parse(a.body.toString() || '{}') as { access_token?: string }).access_token;
          if (token) tokens.add(token);
          return a;
        },
      },
    });
  }

  test('tokens, keys, SAS and connection strings appear nowhere in stdout, stderr or App Insights, through faults that echo them', async () => {
    const workloads: Workloads[] = [];
    for (let i = 0; i < 3; i++) {
      const w = await createWorkloads(admin, { replicas: i === 1 ? 0 : 1, prefix: 'rel' });
      await grantScaleRole(admin, w.namespace);
      workloads.push(w);
    }
    const [viaArm, viaProxy, viaSas] = workloads as [Workloads, Workloads, Workloads];
    const shared = new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY);
    const queues = await Promise.all([createQueue(azurite, 7), createQueue(azurite, 7), createQueue(azurite, 7)]);
    const wakeQueue = await createQueue(azurite);
    const sas = generateAccountSASQueryParameters({
      expiresOn: new Date(Date.now() + 3_600_000), permissions: AccountSASPermissions.parse('rp'), resourceTypes: AccountSASResourceTypes.parse('sco').toString(),
      services: AccountSASServices.parse('q').toString(), protocol: SASProtocol.Https,
    }, shared).toString();
    const sasConnection = `QueueEndpoint=${proxies.queue.url}/${AZURITE_ACCOUNT};SharedAccessSignature=${sas}`;
    const tableConnection = throughProxies(azurite, { table: proxies.table });
    const aiConnection = sink.connectionString;
    const settings: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      NODE_EXTRA_CA_CERTS: ca.certFile,
      IDENTITY_ENDPOINT: `${proxies.identity.url}/msi/token`,
      IDENTITY_HEADER: identity.env.IDENTITY_HEADER,
      AZURE_CLIENT_ID: SCALER_CLIENT_ID,
      SCALER_LOCAL_DEVELOPMENT: 'true',
      SCALER_STATE_TABLE: `secrets${Date.now()}`,
      AzureWebJobsStorage: tableConnection,
      QUEUES_SAS: sasConnection,
      APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true',
      SCALER_CLUSTERS: JSON.stringify({
        aks1: { resourceId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1`, armEndpoint: arm.url },
        proxied: { server: proxies.kube.url, certificateAuthorityData: Buffer.from(ca.certPem).toString('base64') },
        direct: clusterEntry(controlPlane),
      }),
      SCALER_TARGETS: JSON.stringify([
        { namespace: viaArm.namespace, cluster: 'aks1', pollingInterval: 1, scaleTargetRef: { name: viaArm.deployment }, triggers: [{ type: 'azure-queue', metadata: { queueName: queues[0]!.name, queueServiceUri: azurite.queueEndpoint } }] },
        { namespace: viaProxy.namespace, cluster: 'proxied', pollingInterval: 1, scaleTargetRef: { name: viaProxy.deployment }, wake: { queueName: wakeQueue.name }, triggers: [{ type: 'azure-queue', metadata: { queueName: queues[1]!.name, queueServiceUri: azurite.queueEndpoint } }] },
        { namespace: viaSas.namespace, cluster: 'direct', pollingInterval: 1, scaleTargetRef: { name: viaSas.deployment }, triggers: [{ type: 'azure-queue', metadata: { queueName: queues[2]!.name, connectionFromEnv: 'QUEUES_SAS' } }] },
      ]),
    };
    captureTokens();
    // One host with App Insights (and the Azure SDKs logging at info), one writing JSON lines.
    children.push(new HostChild({ ...settings, APPLICATIONINSIGHTS_CONNECTION_STRING: aiConnection, APPLICATIONINSIGHTS_AUTHENTICATION_STRING: `ClientId=${SCALER_CLIENT_ID};Authorization=AAD`, AZURE_LOG_LEVEL: 'info' }));
    children.push(new HostChild(settings));
    const all = (line: string): Promise<void[]> => Promise.all(children.map((c) => c.run(line)));

    const inProxied = (r: ProxiedRequest): boolean => r.path.includes(`/namespaces/${viaProxy.namespace}/`);
    const scenario: [string, () => void][] = [
      ['healthy', () => undefined],
      ['kube: 401 echoing the request headers', () => proxies.kube.inject({ fault: { kind: 'answer', answer: echo(401) }, match: inProxied })],
      ['kube: 500 echoing the request headers', () => proxies.kube.inject({ fault: { kind: 'answer', answer: echo(500) }, match: inProxied })],
      ['queue (SAS): 403 echoing the URL with the SAS', () => proxies.queue.inject({ fault: { kind: 'answer', answer: echoXml(403) } })],
      ['queue (SAS): 500 echoing the URL with the SAS', () => proxies.queue.inject({ fault: { kind: 'answer', answer: echoXml(500) } })],
      ['queue (SAS): connection refused', () => proxies.queue.inject({ fault: { kind: 'refuse' } })],
      ['table: the state query answered 500 echoing the SharedKey header', () => proxies.table.inject({ fault: { kind: 'answer', answer: echo(500) }, match: (r) => r.method === 'GET' })],
      ['table: saves answered 403 echoing the SharedKey header', () => proxies.table.inject({ fault: { kind: 'answer', answer: echo(403) }, match: (r) => r.method !== 'GET' })],
      ['identity: 400 echoing the x-identity-header', () => proxies.identity.inject({ fault: { kind: 'answer', answer: (r) => ({ status: 400, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ error: 'invalid_request', error_description: `bad request ${r.path} x-identity-header=${String(r.headers['x-identity-header'])}` })) }) } })],
    ];
    for (const [, inject] of scenario) {
      inject();
      await all('tick');
      for (const p of Object.values(proxies)) await p.heal();
      captureTokens();
    }
    // The wake path: a signal while the cluster echoes headers (the invocation fails and is logged), and garbage.
    proxies.kube.inject({ fault: { kind: 'answer', answer: echo(500) }, match: inProxied });
    await all(`wake ${wakeQueue.name} {"target":"${viaProxy.namespace}/${viaProxy.deployment}"}`);
    await proxies.kube.heal();
    await all(`wake ${wakeQueue.name} ${'{'.repeat(3)} not json Authorization: Bearer ${[...tokens][0] ?? 'x'}`);
    await all('tick');
    await Promise.all(children.map((c) => c.exit()));

    // App Insights exports on flush; give the sink a moment for the last batch.
    await sleep(1_000);

    // The scenario did what it was meant to: errors on every path, reported in both places.
    const written = children.map((c) => c.written);
    expect(written[1]).toMatch(/"type":"Failure"/);
    expect(written[0]).toMatch(/host: evaluated 3 target\(s\)/);
    expect(written.join('')).toMatch(/tick failed: state table/);
    expect(written.join("")).toMatch(/host: function failed: ScalerError: wake queue \S+: \S+: read deployment .* HTTP 500: gateway refused/);
    expect(sink.envelopes.some((e) => e.data?.baseType === 'ExceptionData')).toBe(true);
    expect(sink.envelopes.some((e) => e.data?.baseData?.name === 'ScaleDecision')).toBe(true);
    expect(tokens.size).toBeGreaterThan(4);

    // The secrets, by value ...
    const sig = new URLSearchParams(sas).get('sig')!;
    const ikey = /InstrumentationKey=([^;]+)/.exec(aiConnection)![1]!;
    const secrets: [string, string][] = [
      ...[...tokens].map((t, i): [string, string] => [`identity token ${i}`, t]),
      ...controlPlane.users.autoscaler!.tokens.map((t, i): [string, string] => [`kube token ${i}`, t]),
      ['IDENTITY_HEADER', identity.env.IDENTITY_HEADER],
      ['account key', AZURITE_KEY],
      ['SAS', sas],
      ['SAS signature', sig],
      ['SAS signature (URL-encoded)', encodeURIComponent(sig)],
      ['table connection string', tableConnection],
      ['SAS connection string', sasConnection],
      ['App Insights connection string', aiConnection],
    ];
    // ... and by shape: a bearer token, a JWT, a SharedKey signature, a key or SAS in a connection string, a sig= parameter.
    const shapes: [string, RegExp][] = [
      ['Bearer <token>', /Bearer (?!\[redacted)[A-Za-z0-9._~+/-]{8,}/],
      ['JWT', /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}/],
      ['SharedKey signature', /SharedKey(Lite)? [^:\s"]+:(?!\[redacted)[A-Za-z0-9+/=]{16,}/],
      ['AccountKey=', /AccountKey=(?!\[redacted)[^;\s"]{8,}/],
      ['SharedAccessSignature=', /SharedAccessSignature=(?!\[redacted)[^;\s"]{8,}/],
      ['sig=', /sig=(?!\[redacted)[A-Za-z0-9%+/=]{16,}/],
    ];
    // Everything the sink received; the envelope's iKey field is the connection's own key, by protocol.
    const received = JSON.stringify(sink.envelopes.map(({ iKey: _iKey, ...rest }) => rest));
    const places: [string, string][] = [['stdout and stderr (App Insights host)', written[0]!], ['stdout and stderr (JSON lines host)', written[1]!], ['App Insights envelopes', received]];
    const found: string[] = [];
    let checks = 0;
    for (const [place, text] of places) {
      for (const [what, value] of secrets) {
        checks++;
        if (value.length >= 8 && text.includes(value)) found.push(`${what} in ${place}: ...${text.slice(Math.max(0, text.indexOf(value) - 80), text.indexOf(value) + 20)}...`);
      }
      for (const [what, shape] of shapes) {
        checks++;
        const match = shape.exec(text);
        if (match) found.push(`${what} in ${place}: ...${text.slice(Math.max(0, match.index - 80), match.index + 40)}...`);
      }
      checks++;
      if (place === 'App Insights envelopes' && text.includes(ikey)) found.push(`the instrumentation key outside iKey in ${place}`);
    }
    expect(found).toEqual([]);
    recordCount('security-checks', 'secret values and shapes searched for in stdout, stderr and App Insights (two hosts, faults echoing requests)', checks,
      `${secrets.length} secret values (${tokens.size} identity tokens) and ${shapes.length} shapes, ${scenario.length} fault scenarios and 2 wakes, ${sink.envelopes.length} envelopes`);
  }, 240_000);

  test('a workload\'s annotations (an env password in last-applied-configuration) reach neither App Insights, stdout nor the replay document; the decision replays from the sink\'s row', async () => {
    const w = await createWorkloads(admin, { replicas: 1, prefix: 'rel' });
    await grantScaleRole(admin, w.namespace);
    const password = `hunter2-${randomUUID()}`;
    const note = `note-${randomUUID()}`;
    // What `kubectl apply` leaves on a Deployment: the whole manifest, env values included.
    const manifest = JSON.stringify({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: w.deployment, namespace: w.namespace },
      spec: { replicas: 1, template: { spec: { containers: [{ name: 'worker', image: 'registry.k8s.io/pause:3.10', env: [{ name: 'DB_CONNECTION', value: `Server=db;User=app;PASSWORD=${password}` }] }] } } },
    });
    await admin.makeApiClient(AppsV1Api).patchNamespacedDeployment({
      name: w.deployment, namespace: w.namespace,
      body: [{ op: 'add', path: '/metadata/annotations', value: { 'kubectl.kubernetes.io/last-applied-configuration': manifest, 'example.com/owner-note': note, [PAUSED_SCALE_IN]: 'true' } }],
    });
    const queue = await createQueue(azurite, 12);
    const target = { namespace: w.namespace, cluster: 'direct', pollingInterval: 1, scaleTargetRef: { name: w.deployment }, triggers: [{ type: 'azure-queue', metadata: { queueName: queue.name, queueServiceUri: azurite.queueEndpoint, queueLength: '5' } }] };
    const key = `direct/${w.namespace}/${w.deployment}`;
    const table = `annotations${Date.now()}`;
    // A state with history enough that the replay document takes several custom dimensions.
    const seeded = Array.from({ length: 300 }, (_, i) => ({ replicas: 1, timestamp: new Date(Date.now() - 290_000 + i * 900).toISOString() }));
    await createTableStore({ connectionString: azurite.connectionString, table }).save(key, { state: { recommendations: seeded, triggerFailures: [0] } }, undefined);
    const settings: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      NODE_EXTRA_CA_CERTS: ca.certFile,
      IDENTITY_ENDPOINT: identity.env.IDENTITY_ENDPOINT,
      IDENTITY_HEADER: identity.env.IDENTITY_HEADER,
      AZURE_CLIENT_ID: SCALER_CLIENT_ID,
      SCALER_LOCAL_DEVELOPMENT: 'true',
      SCALER_STATE_TABLE: table,
      AzureWebJobsStorage: azurite.connectionString,
      APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true',
      SCALER_CLUSTERS: JSON.stringify({ direct: clusterEntry(controlPlane) }),
      SCALER_TARGETS: JSON.stringify([target]),
    };
    const appInsights = new HostChild({ ...settings, APPLICATIONINSIGHTS_CONNECTION_STRING: sink.connectionString, APPLICATIONINSIGHTS_AUTHENTICATION_STRING: `ClientId=${SCALER_CLIENT_ID};Authorization=AAD` });
    const jsonLines = new HostChild(settings);
    children.push(appInsights, jsonLines);
    // One after the other, so that the App Insights host decides first, on the seeded state.
    for (let round = 0; round < 3; round++) {
      if (round > 0) await sleep(1_100); // pollingInterval: 1
      await appInsights.run('tick');
      await jsonLines.run('tick');
    }
    await appInsights.exit();
    await jsonLines.exit();
    // ceil(12 / 5): the ticks did their work.
    expect(await replicasOf(admin, w.namespace, w.deployment), `${appInsights.written.slice(-2_000)}\n${jsonLines.written.slice(-2_000)}`).toBe(3);
    const ours = (e: { data?: { baseData?: { properties?: Record<string, string> } } }): boolean => e.data?.baseData?.properties?.target === key;
    await sink.waitForEnvelope((e) => isEvent('ScaleDecision')(e) && ours(e));
    await sleep(1_000); // the last batch

    // The decisions, as App Insights rows and as JSON lines, and their replay documents.
    const rows = sink.envelopes.filter((e) => isEvent('ScaleDecision')(e) && ours(e)).map((e) => ({ name: 'ScaleDecision', customDimensions: e.data!.baseData!.properties! }));
    const lines = jsonLines.out.join('').split('\n').filter((l) => l.startsWith('{"type":"ScaleDecision"')).map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.target === key);
    // JSON lines have every decision; App Insights the ones that changed the outcome (the third
    // repeats the second: docs/engine.md, "What App Insights receives").
    expect(lines).toHaveLength(3);
    expect(rows.map((r) => r.customDimensions.record)).toEqual(['change', 'change']);
    const documents = [...rows, ...lines].map((d) => replayInputOf(d) as { observation: { annotations?: Record<string, string> } });
    // The first App Insights decision carried the seeded history: in plain parts.
    expect(rows[0]!.customDimensions).toMatchObject({ explainEncoding: 'json', action: 'scale-up' });
    expect(Number(rows[0]!.customDimensions.explainParts)).toBeGreaterThanOrEqual(2);
    // Of the annotations, only the KEDA key the engine reads is in them.
    for (const d of documents) expect(d.observation.annotations).toEqual({ [PAUSED_SCALE_IN]: 'true' });
    // Every decision replays from what was recorded of it.
    for (const [what, recorded] of [...rows.map((r, i): [string, Record<string, unknown>] => [`App Insights row ${i}`, r.customDimensions]), ...lines.map((l, i): [string, Record<string, unknown>] => [`JSON line ${i}`, l])]) {
      const source = what.startsWith('App') ? { name: 'ScaleDecision', customDimensions: recorded } : recorded;
      const again = replay(source);
      expect({ what, action: again.action, code: again.code, reason: again.reason, desiredReplicas: String(again.desiredReplicas) })
        .toEqual({ what, action: recorded.action, code: recorded.code, reason: recorded.reason, desiredReplicas: String(recorded.desiredReplicas) });
    }

    // The random values, nowhere.
    const received = JSON.stringify(sink.envelopes);
    const places: [string, string][] = [
      ['App Insights envelopes', received],
      ['stdout and stderr (App Insights host)', appInsights.written],
      ['stdout and stderr (JSON lines host)', jsonLines.written],
      ...documents.map((d, i): [string, string] => [`replay document ${i}`, JSON.stringify(d)]),
    ];
    const values: [string, string][] = [['the env password', password], ['the other annotation', note], ['the last-applied-configuration key', 'last-applied-configuration']];
    const found: string[] = [];
    let checks = 0;
    for (const [place, text] of places) {
      for (const [what, value] of values) {
        checks++;
        if (text.includes(value)) found.push(`${what} in ${place}`);
      }
    }
    expect(found).toEqual([]);
    recordCount('security-checks', 'workload annotations (an env password in last-applied-configuration, a random value) searched for in App Insights, stdout, stderr and every replay document', checks,
      `${values.length} values, ${places.length} places: ${rows.length} App Insights rows (the first in ${rows[0]!.customDimensions.explainParts} parts) and ${lines.length} JSON lines, all replayed`);
  }, 120_000);

  test('the largest replay document the state allows reaches App Insights ingestion in gzip parts, and replays from the row', async () => {
    process.env.APPLICATIONINSIGHTS_STATSBEAT_DISABLED = 'true';
    const document = documentWithHistory(HISTORY_BOUND);
    const event = { ...decisionEvent(document), target: `largest/${randomUUID()}` };
    const telemetry = createAppInsightsTelemetry(sink.connectionString, undefined);
    telemetry.decision(event);
    await telemetry.flush();
    const envelope = await sink.waitForEnvelope((e) => isEvent('ScaleDecision')(e) && e.data?.baseData?.properties?.target === event.target);
    const dimensions = envelope.data!.baseData!.properties!;
    expect(dimensions).toMatchObject({ explainEncoding: 'gzip+base64' });
    expect(Buffer.byteLength(JSON.stringify(envelope))).toBeLessThan(64 * 1024);
    expect(replayInputOf({ customDimensions: dimensions })).toEqual(document);
    expect(replay({ name: 'ScaleDecision', customDimensions: dimensions })).toEqual(replay(document));
  });
});
