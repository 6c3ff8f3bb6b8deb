import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { explainCommand } from '../../cli/commands/explain.js';
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
    // 42 / 5 -> 9, limited from 0 to 4 by the no-behavior scale-up cap.
    expect(JSON.parse(out)).toMatchObject({ replicas: 4, desiredReplicas: 9, action: 'activate', code: 'ScaleTargetActivated' });
  });

  test('reads standard input, YAML too', async () => {
    const yaml = ['now: 2026-11-27T10:00:00Z', 'spec: { scaleTargetRef: { name: worker }, triggers: [ { type: azure-queue, metadata: { queueName: orders, accountName: acct } } ] }', 'observation: { specReplicas: 3, triggers: [ { error: boom } ] }'].join('\n');
    const { code, out } = await runCli(explainCommand, ['-'], yaml);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ replicas: 3, action: 'none', code: 'TriggerError' });
  });

  test('an invalid document names the field; exit 1', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ ...input, observation: { specReplicas: -1, triggers: [] } }));
    const { code, err } = await runCli(explainCommand, [file]);
    expect(err).toBe('explain: explain input: observation.specReplicas: must be >= 0\n');
    expect(code).toBe(1);
  });
});
