// Faults between the scaler and Azure Storage: a proxy in front of Azurite's queue service for
// one account (the other account is reached directly), and one in front of the Table service
// that holds the state. For each fault: what the tick did, that nothing was scaled down, that
// the next healthy tick recovers, and that the other account's target was not held up.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { targetKey } from '../../shared/runtime/index.js';
import { startFaultProxy, type FaultProxy, type FaultRule } from '../support/fault-proxy.js';
import type { Workloads } from '../../local/kube-workloads.js';
import { useLocalServices } from '../support/vitest/local-services.js';
import { controlPlaneEnabled } from '../support/vitest/provided.js';
import { createQueue, queueTarget, replicasOf } from '../e2e/scaler.js';
import { recordFigure } from './figures.js';
import { generic, originOf, setReplicas, startReliabilityScaler, throughProxies, type ReliabilityScaler } from './harness.js';

const TIMEOUT_MS = 3_000;
const BEFORE = 2;
const WANTED = 4;

/** Azure Storage's error body, as the service sends it. */
const storageError = (code: string, message: string): string =>
  `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}\nRequestId:00000000-0000-0000-0000-000000000000\nTime:2026-11-27T10:00:00.0000000Z</Message></Error>`;
const xml = (code: string): Record<string, string> => ({ 'content-type': 'application/xml', 'x-ms-error-code': code });

/** The approximate count header rewritten (or removed, with undefined). */
const countHeader = (value: string | undefined): FaultRule['fault'] => ({
  kind: 'rewrite',
  answer: (a, r) => (r.method === 'GET' && r.path.includes('comp=metadata') ? { ...a, headers: { ...a.headers, 'x-ms-approximate-messages-count': value } } : a),
});

interface QueueFaultCase {
  fault: string;
  rule: FaultRule;
  /** The faulty trigger's error. */
  expected: RegExp;
}

const QUEUE_CASES: QueueFaultCase[] = [
  { fault: 'connection refused', rule: { fault: { kind: 'refuse' } }, expected: /cannot read the queue length: .*ECONNREFUSED/ },
  { fault: 'connection reset mid-answer', rule: { fault: { kind: 'reset' } }, expected: /cannot read the queue length/ },
  { fault: 'answer stalls mid-body past the timeout', rule: { fault: { kind: 'stall' } }, expected: /no answer within the time allowed/ },
  { fault: 'no answer until past the timeout', rule: { fault: { kind: 'delay', ms: TIMEOUT_MS + 2_000 } }, expected: /no answer within the time allowed/ },
  { fault: '500 on every call', rule: { fault: { kind: 'status', status: 500, headers: xml('InternalError'), body: storageError('InternalError', 'The server encountered an internal error.') } }, expected: /cannot read the queue length: .*500 InternalError/ },
  { fault: '503 with Retry-After', rule: { fault: { kind: 'status', status: 503, headers: { ...xml('ServerBusy'), 'retry-after': '1' }, body: storageError('ServerBusy', 'The server is currently unable to receive requests.') } }, expected: /throttled by the storage service \(503\)/ },
  { fault: '429 with Retry-After', rule: { fault: { kind: 'status', status: 429, headers: { ...xml('ServerBusy'), 'retry-after': '1' }, body: storageError('ServerBusy', 'Too many requests.') } }, expected: /throttled by the storage service \(429\)|no answer within the time allowed/ },
  { fault: '403 (role missing)', rule: { fault: { kind: 'status', status: 403, headers: xml('AuthorizationPermissionMismatch'), body: storageError('AuthorizationPermissionMismatch', 'This request is not authorized to perform this operation using this permission.') } }, expected: /access denied \(403 AuthorizationPermissionMismatch\)/ },
  { fault: 'answer without the message count', rule: { fault: countHeader(undefined) }, expected: /has no message count/ },
  { fault: 'a negative message count', rule: { fault: countHeader('-7') }, expected: /answered -7 as the message count/ },
  { fault: 'a message count that is not a number', rule: { fault: countHeader('lots') }, expected: /answered NaN as the message count/ },
  { fault: 'a message count beyond 2^53', rule: { fault: countHeader('99999999999999999999999') }, expected: /answered 1e\+23 as the message count/ },
];

interface TableFaultCase {
  fault: string;
  rule: FaultRule;
  /** The tick fails before any evaluation (the state could not be loaded), or evaluations fail to save. */
  expected: { tick: RegExp } | { save: RegExp };
}

const isQuery = (r: { method: string }): boolean => r.method === 'GET';
const isSave = (r: { method: string }): boolean => r.method !== 'GET';

const TABLE_CASES: TableFaultCase[] = [
  { fault: 'connection refused', rule: { fault: { kind: 'refuse' } }, expected: { tick: /state table .*: query: (.*ECONNREFUSED|no successful answer from Table Storage within)/ } },
  { fault: 'the state query stalls past the timeout', rule: { fault: { kind: 'stall' }, match: isQuery }, expected: { tick: /state table .*: query: no successful answer from Table Storage within 3000 ms/ } },
  { fault: 'no answer to the state query until past the timeout', rule: { fault: { kind: 'delay', ms: TIMEOUT_MS + 2_000 }, match: isQuery }, expected: { tick: /no successful answer from Table Storage within 3000 ms/ } },
  { fault: '503 on the state query', rule: { fault: { kind: 'status', status: 503, headers: { 'content-type': 'application/json' }, body: '{"odata.error":{"code":"ServerBusy","message":{"lang":"en-US","value":"busy"}}}' }, match: isQuery }, expected: { tick: /state table .*: query/ } },
  { fault: '500 on every save', rule: { fault: { kind: 'status', status: 500, headers: { 'content-type': 'application/json' }, body: '{"odata.error":{"code":"InternalError","message":{"lang":"en-US","value":"internal error"}}}' }, match: isSave }, expected: { save: /state of .*: / } },
  { fault: 'saves stall past the timeout', rule: { fault: { kind: 'stall' }, match: isSave }, expected: { save: /no successful answer from Table Storage within 3000 ms/ } },
  { fault: '412 storm on saves (every ETag refused)', rule: { fault: { kind: 'status', status: 412, headers: { 'content-type': 'application/json' }, body: '{"odata.error":{"code":"UpdateConditionNotSatisfied","message":{"lang":"en-US","value":"The update condition specified in the request was not satisfied."}}}' }, match: isSave }, expected: { save: /changed since it was read/ } },
];

describe.runIf(controlPlaneEnabled)('faults in front of Azure Storage (Azurite)', () => {
  const services = useLocalServices();
  let queueProxy: FaultProxy;
  let tableProxy: FaultProxy;
  let scaler: ReliabilityScaler;
  const workloads = {} as Record<'faulty' | 'healthy', Workloads>;
  const keys = {} as Record<'faulty' | 'healthy', string>;

  beforeAll(async () => {
    queueProxy = await startFaultProxy({ target: originOf(services.azurite.queueEndpoint) });
    tableProxy = await startFaultProxy({ target: originOf(services.azurite.tableEndpoint) });
    const targets = [];
    for (const name of ['faulty', 'healthy'] as const) {
      workloads[name] = await services.workloads({ replicas: BEFORE, prefix: 'rel' });
      const queue = await createQueue(services.azurite, 20);
      const target = queueTarget(workloads[name].namespace, workloads[name].deployment, queue.name);
      // The faulty target's queue is in the "account" behind the proxy.
      (target.triggers as { metadata: Record<string, string> }[])[0]!.metadata.connectionFromEnv = name === 'faulty' ? 'QUEUES_FAULTY' : 'QUEUES';
      targets.push(target);
    }
    scaler = startReliabilityScaler({
      azurite: services.azurite, controlPlane: services.controlPlane, targets, timeoutMs: TIMEOUT_MS,
      settings: { QUEUES_FAULTY: throughProxies(services.azurite, { queue: queueProxy }), AzureWebJobsStorage: throughProxies(services.azurite, { table: tableProxy }) },
    });
    for (const name of ['faulty', 'healthy'] as const) keys[name] = targetKey(scaler.runtime.targets.find((t) => t.target.namespace === workloads[name].namespace)!.target);
    const first = await scaler.tick(0);
    expect(first.result.evaluated.map((e) => e.error)).toEqual([undefined, undefined]);
  }, 120_000);
  afterAll(async () => {
    await queueProxy?.stop();
    await tableProxy?.stop();
  });

  const replicas = (name: 'faulty' | 'healthy'): Promise<number> => replicasOf(services.admin, workloads[name].namespace, workloads[name].deployment);
  const resetReplicas = async (): Promise<void> => {
    for (const name of ['faulty', 'healthy'] as const) await setReplicas(services.admin, workloads[name].namespace, workloads[name].deployment, BEFORE);
  };

  /** The next healthy tick: both targets at what their queues want, nothing failed, state agrees with the cluster. */
  async function expectRecovery(): Promise<void> {
    const next = await scaler.tick(15);
    expect(next.result.error).toBeUndefined();
    expect(next.result.evaluated.map((e) => e.error)).toEqual([undefined, undefined]);
    const records = await scaler.runtime.store.loadAll();
    for (const name of ['faulty', 'healthy'] as const) {
      expect(await replicas(name), name).toBe(WANTED);
      expect(records.get(keys[name])?.lastReplicas, name).toBe(WANTED);
    }
  }

  test.each(QUEUE_CASES.map((c) => [c.fault, c] as const))('queue service: %s', async (_, c) => {
    await resetReplicas();
    queueProxy.inject(c.rule);
    let tick;
    try {
      tick = await scaler.tick(15);
    } finally {
      await queueProxy.heal();
    }
    const faulty = tick.result.evaluated.find((e) => targetKey(e.target) === keys.faulty)!;
    // The evaluation itself went through: a hold decision on a trigger error, never a guess.
    expect(faulty.error).toBeUndefined();
    expect(faulty.event).toMatchObject({ action: 'none', code: 'TriggerError', triggerValues: [null], applied: false });
    expect(faulty.event!.triggerErrors[0]).toMatch(c.expected);
    expect(await replicas('faulty')).toBe(BEFORE);
    // The other account's target scaled, no later than one call timeout.
    expect(tick.result.evaluated.find((e) => targetKey(e.target) === keys.healthy)?.error).toBeUndefined();
    expect(await replicas('healthy')).toBe(WANTED);
    const othersMs = tick.doneMs.get(keys.healthy)!;
    expect(othersMs).toBeLessThan(TIMEOUT_MS);
    await setReplicas(services.admin, workloads.faulty.namespace, workloads.faulty.deployment, BEFORE);
    await expectRecovery();
    recordFigure({
      type: 'fault', service: 'queue', fault: c.fault, outcome: `held (TriggerError): ${generic(faulty.event!.triggerErrors[0]!)}`,
      noScaleDown: true, recovered: true, faultyMs: Math.round(tick.doneMs.get(keys.faulty)!), othersMs: Math.round(othersMs),
    });
  }, 60_000);

  test.each(TABLE_CASES.map((c) => [c.fault, c] as const))('state table: %s', async (_, c) => {
    await resetReplicas();
    tableProxy.inject(c.rule);
    let tick;
    try {
      tick = await scaler.tick(15);
    } finally {
      await tableProxy.heal();
    }
    let outcome: string;
    if ('tick' in c.expected) {
      // Without state the cooldowns are unknown: nothing is evaluated, nothing changes.
      expect(tick.result.error).toMatch(c.expected.tick);
      expect(tick.result.evaluated).toEqual([]);
      for (const name of ['faulty', 'healthy'] as const) expect(await replicas(name), name).toBe(BEFORE);
      outcome = `tick skipped, nothing scaled: ${generic(tick.result.error)}`;
    } else {
      // The decisions were applied (scale-ups), their state could not be saved: an error each, no scale-down.
      for (const e of tick.result.evaluated) expect(e.error, targetKey(e.target)).toMatch(c.expected.save);
      for (const name of ['faulty', 'healthy'] as const) expect(await replicas(name), name).toBeGreaterThanOrEqual(BEFORE);
      outcome = `decisions applied, state not saved (error): ${generic(tick.result.evaluated[0]?.error)}`;
    }
    expect(tick.wallMs).toBeLessThan(3 * TIMEOUT_MS + 5_000);
    await resetReplicas();
    await expectRecovery();
    recordFigure({ type: 'fault', service: 'table', fault: c.fault, outcome, noScaleDown: true, recovered: true, faultyMs: Math.round(tick.wallMs), othersMs: null });
  }, 60_000);
});
