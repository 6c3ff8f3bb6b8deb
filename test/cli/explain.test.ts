import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { explainCommand } from '../../cli/commands/explain.js';
import { replay } from '../../shared/runtime/index.js';
import { decisionProperties } from '../../shared/telemetry/index.js';
import { decisionEvent, documentWithHistory, HISTORY_BOUND } from '../telemetry/replay-documents.js';
import { runCli } from './capture.js';

const input = {
  now: '2026-11-27T10:00:00Z',
  spec: { scaleTargetRef: { name: 'worker' }, triggers: [{ type: 'azure-queue', metadata: { queueName: 'orders', accountName: 'acct' } }] },
  observation: { specReplicas: 0, triggers: [{ value: 42 }] },
};

describe('cli explain', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aqs-explain-'));
  });

  test.each([
    { name: 'the replay document', document: input },
    { name: 'a ScaleDecision JSON line from stdout', document: { type: 'ScaleDecision', target: 'c/default/worker', explain: input } },
    { name: 'an App Insights customEvents row', document: { name: 'ScaleDecision', customDimensions: { target: 'c/default/worker', explain: JSON.stringify(input) } } },
    { name: 'an App Insights row with customDimensions as text', document: { name: 'ScaleDecision', customDimensions: JSON.stringify({ explain: JSON.stringify(input) }) } },
  ])('replays $name', async ({ document }) => {
    const file = join(dir, 'doc.json');
    await writeFile(file, JSON.stringify(document));
    const { code, out } = await runCli(explainCommand, [file]);
    expect(code).toBe(0);
    // 42 / 5 -> 9, limited to 4 by the no-behavior scale-up cap from the floor 1, max(2 x 1, 4).
    expect(JSON.parse(out)).toMatchObject({ replicas: 4, desiredReplicas: 9, action: 'activate', code: 'ScaleTargetActivated' });
  });

  test('replays a scalingModifiers decision, showing the composite, and a Value target with its ready pods', async () => {
    const document = {
      now: '2026-11-27T10:00:00Z',
      spec: {
        scaleTargetRef: { name: 'worker' },
        triggers: [
          { type: 'azure-queue', name: 'orders', metadata: { queueName: 'orders', accountName: 'acct' } },
          { type: 'azure-queue', name: 'returns', metadata: { queueName: 'returns', accountName: 'acct' } },
        ],
        advanced: { scalingModifiers: { formula: 'orders + returns', target: '10', metricType: 'Value' } },
      },
      observation: { specReplicas: 3, statusReplicas: 3, readyReplicas: 1, triggers: [{ value: 30 }, { value: 10 }] },
      state: { recommendations: [] },
    };
    const file = join(dir, 'composite.json');
    await writeFile(file, JSON.stringify(document));
    const { code, out } = await runCli(explainCommand, [file]);
    expect(code).toBe(0);
    // (30 + 10) against a Value target of 10: ratio 4, times 1 ready pod.
    const decision = JSON.parse(out) as { composite: number; desiredReplicas: number; reason: string };
    expect(decision).toMatchObject({ composite: 40, desiredReplicas: 4 });
    expect(decision.reason).toContain('composite: formula "orders + returns" = 40 (Value target 10, activation 0, active) -> 4');
  });

  test('replays a decision on a queue\'s oldest message age, showing the age in the reason', async () => {
    const document = {
      now: '2026-11-27T10:00:00Z',
      spec: { scaleTargetRef: { name: 'worker' }, triggers: [{ type: 'azure-queue', metadata: { queueName: 'orders', accountName: 'acct', activationQueueLength: '5', messageAgeTarget: '30' } }] },
      observation: { specReplicas: 2, triggers: [{ value: 3, age: 75 }] },
      state: { recommendations: [] },
    };
    const file = join(dir, 'age.json');
    await writeFile(file, JSON.stringify(document));
    const { code, out } = await runCli(explainCommand, [file]);
    expect(code).toBe(0);
    // 3 messages ask for 1; the oldest waited 75 s against 30: 2.5 x 2 ready pods = 5, limited to 4 (max(2 x 2, 4)).
    const decision = JSON.parse(out) as { replicas: number; desiredReplicas: number; reason: string };
    expect(decision).toMatchObject({ replicas: 4, desiredReplicas: 5 });
    expect(decision.reason).toContain('value 3 (target 5, activation 5, not active) -> 1; message age 75s (Value target 30s, activation 30s, active) -> 5');
  });

  test.each([
    { name: 'an age that is not a number', triggers: [{ value: 3, age: '75' }], says: 'observation.triggers.0: must be { "value": n }, { "value": n, "age": seconds } or { "error": "text" }' },
    { name: 'no age for a trigger with an age target: a trigger error in the replay too', triggers: [{ value: 3 }], says: undefined },
  ])('an age in the document: $name', async ({ triggers, says }) => {
    const document = {
      now: '2026-11-27T10:00:00Z',
      spec: { scaleTargetRef: { name: 'worker' }, triggers: [{ type: 'azure-queue', metadata: { queueName: 'orders', accountName: 'acct', messageAgeTarget: '30' } }] },
      observation: { specReplicas: 2, triggers },
    };
    const { code, out, err } = await runCli(explainCommand, ['-'], JSON.stringify(document));
    if (says) {
      expect({ code, err }).toEqual({ code: 1, err: `explain: explain input: ${says}\n` });
    } else {
      expect(code).toBe(0);
      expect(JSON.parse(out)).toMatchObject({ replicas: 2, code: 'TriggerError' });
    }
  });

  describe('a decision whose document App Insights holds in parts', () => {
    const document = documentWithHistory(HISTORY_BOUND);
    const dimensions = decisionProperties(decisionEvent(document));

    test.each([
      { name: 'an exported row', text: JSON.stringify({ name: 'ScaleDecision', timestamp: '2026-11-27T10:00:00Z', customDimensions: dimensions }) },
      { name: 'its customDimensions alone (project customDimensions)', text: JSON.stringify(dimensions) },
    ])('replays from $name', async ({ text }) => {
      expect(dimensions.explainEncoding).toBe('gzip+base64');
      const { code, out } = await runCli(explainCommand, ['-'], text);
      expect(code).toBe(0);
      expect(JSON.parse(out)).toEqual(JSON.parse(JSON.stringify(replay(document))));
    });

    test('a missing part is named; exit 1', async () => {
      const rest = Object.fromEntries(Object.entries(dimensions).filter(([k]) => k !== 'explain.2'));
      const { code, err } = await runCli(explainCommand, ['-'], JSON.stringify({ name: 'ScaleDecision', customDimensions: rest }));
      expect(err).toBe(`explain: explain input: customDimensions.explain.2: is missing: the replay document was recorded in ${dimensions.explainParts} parts (${Array.from({ length: Number(dimensions.explainParts) }, (_, i) => (i === 0 ? 'explain' : `explain.${i + 1}`)).join(', ')}) and it is not in this row; export the whole customDimensions of the ScaleDecision row (docs/queries.kql)\n`);
      expect(code).toBe(1);
    });
  });

  test('reads standard input, YAML too', async () => {
    const yaml = ['now: 2026-11-27T10:00:00Z', 'spec: { scaleTargetRef: { name: worker }, triggers: [ { type: azure-queue, metadata: { queueName: orders, accountName: acct } } ] }', 'observation: { specReplicas: 3, triggers: [ { error: boom } ] }'].join('\n');
    const { code, out } = await runCli(explainCommand, ['-'], yaml);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ replicas: 3, action: 'none', code: 'TriggerError' });
  });

  test.each([
    { name: 'a PlanFailure line of plan --json', line: { type: 'PlanFailure', target: 'c/shop/worker', error: 'read deployment shop/worker in cluster c: not found' }, says: 'holds no decision to replay for c/shop/worker: read deployment shop/worker in cluster c: not found' },
    { name: 'a Failure line', line: { type: 'Failure', time: '2026-11-27T10:00:00Z', operation: 'tick', error: 'state table scalerstate: query: timed out' }, says: 'holds no decision to replay: state table scalerstate: query: timed out' },
  ])('$name holds no decision: said so, exit 1', async ({ line, says }) => {
    const { code, err } = await runCli(explainCommand, ['-'], JSON.stringify(line));
    expect(err).toBe(`explain: explain input: ${says}\n`);
    expect(code).toBe(1);
  });

  test('an invalid document names the field; exit 1', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ ...input, observation: { specReplicas: -1, triggers: [] } }));
    const { code, err } = await runCli(explainCommand, [file]);
    expect(err).toBe('explain: explain input: observation.specReplicas: must be >= 0\n');
    expect(code).toBe(1);
  });
});
