// The demo: the real evaluation loop (createRuntime + createEvaluationLoop) against a local
// kube-apiserver and Azurite (local/, the services the tests also run on), on an accelerated
// clock, with simulated consumers. Everything it starts is stopped before it returns, also
// when interrupted.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import { AppsV1Api, type KubeConfig } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { messageOf } from '../../shared/errors/index.js';
import { createEvaluationLoop, createRuntime } from '../../shared/runtime/index.js';
import type { ScaleDecisionEvent, Telemetry } from '../../shared/telemetry/index.js';
import { startAzurite } from '../../local/azurite.js';
import { ensureControlPlaneBinaries } from '../../local/control-plane-binaries.js';
import { startControlPlane } from '../../local/control-plane.js';
import { startIdentityEndpoint, useIdentityEndpoint } from '../../local/identity-endpoint.js';
import { adminKubeConfig } from '../../local/kube-clients.js';
import { createWorkloads, grantScaleRole, SCALE_ROLE_NAME } from '../../local/kube-workloads.js';
import { createTestCa } from '../../local/test-ca.js';
import { SCALER_CLIENT_ID, testIdentities } from '../../local/test-identities.js';
import { consumeMessages, tickCapacity } from './consumer.js';
import { renderReport } from './report.js';
import { DEMO_CLUSTER, demoTarget, describeScenario, QUEUES_SETTING, SCENARIOS, type DemoScenario } from './scenario.js';
import { formatSeconds, tickHeader, tickLine, type DemoTick } from './tick.js';

const DEFAULT_REPORT = 'demo-report.html';

export interface DemoOptions {
  /** Fewer messages, a shorter cooldown and faster ticks (CI). */
  short?: boolean;
  /** Where the HTML report goes. */
  reportPath?: string;
  /** Progress and the live view (default: stdout). */
  out?: (line: string) => void;
  /** Problems (default: stderr). */
  err?: (line: string) => void;
  /** Stops the demo (Ctrl-C): what ran so far is reported, everything started is stopped. */
  signal?: AbortSignal;
  /** Where the control-plane binaries are looked for (KUBEBUILDER_ASSETS, the build cache, built when missing). */
  env?: NodeJS.ProcessEnv;
  /** Real milliseconds per tick, instead of the scenario's. */
  realMsPerTick?: number;
}

export interface DemoResult {
  /** Scaled up from 0 and came back to 0. */
  ok: boolean;
  /** Why not, when not ok and not interrupted. */
  problem?: string;
  interrupted: boolean;
  scenario: DemoScenario;
  ticks: DemoTick[];
  /** The most replicas the Deployment had. */
  peak: number;
  /** The report written (absolute), when any tick ran. */
  reportPath?: string;
  /** The service processes it started; all stopped when runDemo returns. */
  pids: number[];
}

/** Telemetry that keeps the decisions of the current tick and passes failures on. */
function tickTelemetry(onFailure: (message: string) => void): Telemetry & { decisions: ScaleDecisionEvent[] } {
  const decisions: ScaleDecisionEvent[] = [];
  return { decisions, decision: (e) => void decisions.push(e), scaledByOther: () => {}, failure: (e, c) => onFailure(`${c.target ?? c.operation}: ${messageOf(e)}`), warning: () => {}, flush: async () => {} };
}

async function replicasOf(admin: KubeConfig, namespace: string, name: string): Promise<number> {
  return (await admin.makeApiClient(AppsV1Api).readNamespacedDeployment({ name, namespace })).spec?.replicas ?? 0;
}

async function queueLength(queue: QueueClient): Promise<number> {
  return (await queue.getProperties()).approximateMessagesCount ?? 0;
}

/** process.env as it was: the identity endpoint is selected through it. */
function restoreEnv(before: NodeJS.ProcessEnv): void {
  for (const key of Object.keys(process.env)) if (!(key in before)) delete process.env[key];
  Object.assign(process.env, before);
}

export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const base = SCENARIOS[options.short ? 'short' : 'full'];
  const scenario: DemoScenario = { ...base, realMsPerTick: options.realMsPerTick ?? base.realMsPerTick };
  const out = options.out ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const err = options.err ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const result: DemoResult = { ok: false, interrupted: false, scenario, ticks: [], peak: 0, pids: [] };

  let binDir: string;
  try {
    binDir = await ensureControlPlaneBinaries({ env: options.env, out: (line) => out(line), signal: options.signal });
  } catch (e) {
    result.interrupted = options.signal?.aborted ?? false;
    result.problem = `the demo runs a local kube-apiserver and etcd, and found none: ${messageOf(e)}`;
    err(`demo: ${result.problem}`);
    return result;
  }

  const cleanups: { what: string; run: () => Promise<void> }[] = [];
  const envBefore = { ...process.env };
  const startedAt = new Date().toISOString();
  let workload = '';
  let loopStart = Date.now();
  const steps = 6;
  let stepNo = 0;
  const step = (what: string): void => {
    options.signal?.throwIfAborted();
    out(`[${++stepNo}/${steps}] ${what}`);
  };
  try {
    const dir = await mkdtemp(join(tmpdir(), 'aqs-demo-'));
    cleanups.push({ what: 'temporary files', run: () => rm(dir, { recursive: true, force: true }) });
    step('making a throw-away certificate authority (openssl) for the cluster');
    const ca = await createTestCa(dir);
    step(`starting etcd and kube-apiserver from ${binDir} (a few seconds)`);
    const controlPlane = await startControlPlane({ binDir, ca });
    cleanups.push({ what: 'kube-apiserver and etcd', run: controlPlane.stop });
    result.pids.push(...controlPlane.pids);
    out(`      ready at ${controlPlane.server} in ${(controlPlane.startupMs / 1000).toFixed(1)} s`);
    step('starting Azurite (the queue and the scaler\'s state table)');
    const azurite = await startAzurite();
    cleanups.push({ what: 'Azurite', run: azurite.stop });
    result.pids.push(azurite.pid);
    step('starting a local managed identity endpoint: the scaler signs in to the cluster as user "autoscaler"');
    const identity = await startIdentityEndpoint({ identities: testIdentities(controlPlane) });
    cleanups.push({ what: 'the identity endpoint', run: identity.stop });
    useIdentityEndpoint(identity, SCALER_CLIENT_ID);

    step('creating a Deployment at 0 replicas and a queue, then sending the burst');
    const admin = adminKubeConfig(controlPlane);
    const w = await createWorkloads(admin, { replicas: 0, prefix: 'demo' });
    await grantScaleRole(admin, w.namespace);
    workload = `${w.namespace}/${w.deployment}`;
    out(`      Deployment ${workload} at 0 replicas; the scaler may only get it and update its scale (Role ${SCALE_ROLE_NAME})`);
    const queue = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient('orders');
    await queue.create();
    const limit = pLimit(32);
    await Promise.all(Array.from({ length: scenario.messages }, (_, i) => limit(() => queue.sendMessage(`order ${i + 1}`))));
    out(`      ${scenario.messages} messages in queue "orders"`);

    step('running the evaluation loop (shared/runtime) on an accelerated clock');
    for (const line of describeScenario(scenario)) out(`      ${line}`);
    const telemetry = tickTelemetry((message) => err(`      ! ${message}`));
    const clock = { now: Math.floor(Date.now() / 1000) * 1000 };
    const runtime = createRuntime({
      SCALER_LOCAL_DEVELOPMENT: 'true',
      AZURE_CLIENT_ID: SCALER_CLIENT_ID,
      AzureWebJobsStorage: azurite.connectionString,
      [QUEUES_SETTING]: azurite.connectionString,
      SCALER_STATE_TABLE: 'demostate',
      SCALER_CLUSTERS: JSON.stringify({ [DEMO_CLUSTER]: { server: controlPlane.server, certificateAuthorityData: Buffer.from(controlPlane.caPem).toString('base64') } }),
      SCALER_TARGETS: JSON.stringify([demoTarget(scenario, { namespace: w.namespace, deployment: w.deployment, queueName: queue.name })]),
    }, { telemetry, now: () => clock.now });
    if (runtime.targets.length !== 1) throw new Error(`the demo's target did not load: ${runtime.config.errors.map((e) => e.message).join('; ')}`);
    const loop = createEvaluationLoop(runtime);

    out('');
    out(tickHeader(scenario.maxReplicaCount));
    loopStart = Date.now();
    let replicas = 0;
    for (let i = 0; i < scenario.maxTicks; i++) {
      if (i > 0) {
        await sleep(scenario.realMsPerTick, undefined, { signal: options.signal });
        clock.now += scenario.tickSeconds * 1000;
      }
      telemetry.decisions.length = 0;
      const tick = await loop.tick();
      if (tick?.error) err(`      ! tick failed: ${tick.error}`);
      const event = telemetry.decisions[0];
      const after = await replicasOf(admin, w.namespace, w.deployment);
      const read = event?.triggerValues[0];
      const shown: DemoTick = {
        tick: i,
        seconds: i * scenario.tickSeconds,
        queue: typeof read === 'number' ? read : await queueLength(queue),
        replicasBefore: replicas,
        replicas: after,
        desired: event?.desiredReplicas ?? null,
        action: event?.action ?? 'not due',
        code: event?.code ?? '-',
        reason: event?.reason ?? 'not evaluated this tick (pollingInterval)',
        // The replicas now running work through the queue until the next tick.
        processed: await consumeMessages(queue, tickCapacity(after, scenario.perReplicaPerTick)),
      };
      result.ticks.push(shown);
      out(tickLine(shown, scenario.maxReplicaCount));
      result.peak = Math.max(result.peak, after);
      replicas = after;
      if (result.peak > 0 && after === 0) break;
    }
    result.ok = result.peak > 0 && replicas === 0;
    if (!result.ok) {
      result.problem = result.peak === 0
        ? `the Deployment never scaled up in ${result.ticks.length} ticks`
        : `the Deployment was still at ${replicas} replicas after ${result.ticks.length} ticks`;
    }
  } catch (e) {
    if (options.signal?.aborted) result.interrupted = true;
    else result.problem = messageOf(e);
  } finally {
    if (cleanups.length > 0) out(`stopping ${cleanups.slice(1).map((c) => c.what).reverse().join(', ') || 'everything'}`);
    for (const cleanup of cleanups.reverse()) {
      await cleanup.run().catch((e: unknown) => err(`demo: could not stop ${cleanup.what}: ${messageOf(e)}`));
    }
    restoreEnv(envBefore);
  }

  const last = result.ticks.at(-1);
  const outcome = result.ok
    ? `Scaled 0 -> ${result.peak} -> 0 in ${result.ticks.length} ticks: ${formatSeconds(last!.seconds)} of scaler time, ${((Date.now() - loopStart) / 1000).toFixed(0)} s of real time.`
    : result.interrupted ? `Interrupted after ${result.ticks.length} tick(s).` : `Failed: ${result.problem}`;
  if (result.ticks.length > 0) {
    result.reportPath = resolve(options.reportPath ?? DEFAULT_REPORT);
    await writeFile(result.reportPath, renderReport({ scenario, ticks: result.ticks, startedAt, workload, outcome }));
  }
  (result.ok ? out : err)(result.ok ? outcome : `demo: ${outcome}`);
  if (result.reportPath) out(`report: ${result.reportPath}`);
  return result;
}
