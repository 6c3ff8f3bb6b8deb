// The replay of one decision: `aks-queue-scaler explain` reads the document every ScaleDecision
// records (telemetry's replayInputOf finds it in what the user has at hand) and decides again,
// so any decision seen in App Insights can be reproduced (docs/engine.md).
import { z } from 'zod';
import { parseTarget } from '../config/index.js';
import { decide, type Decision } from '../engine/index.js';
import { ConfigError } from '../errors/index.js';
import { isoTime, isRecord } from '../schema/index.js';
import { scalerStateSchema } from '../state/index.js';
import { replayInputOf } from '../telemetry/index.js';

const count = z.number({ error: 'must be a number' }).int('must be an integer').min(0, 'must be >= 0');

const observationSchema = z.strictObject({
  specReplicas: count,
  statusReplicas: count.optional(),
  readyReplicas: count.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  triggers: z.array(z.union([z.strictObject({ value: z.number(), age: z.number().optional() }), z.strictObject({ error: z.string() })], { error: 'must be { "value": n }, { "value": n, "age": seconds } or { "error": "text" }' })),
  historyNotTrusted: z.string().optional(),
  poll: z.boolean({ error: 'must be true or false' }).optional(),
});

/** The document as the engine takes it; the state checked as a stored row's is (shared/state), and no field may be unknown. */
const documentSchema = z.strictObject({
  now: isoTime,
  spec: z.unknown(),
  observation: observationSchema,
  state: scalerStateSchema.strict().default({}),
});

/** Validates a replay document and decides again; throws ConfigError naming the field. */
export function replay(document: unknown): Decision {
  const input = replayInputOf(document);
  // A line that says why there is no decision (a PlanFailure of `plan --json`, a Failure line): said as such.
  if (isRecord(input) && input.now === undefined && input.observation === undefined && typeof input.error === 'string') {
    throw new ConfigError('explain input', '', `holds no decision to replay${typeof input.target === 'string' ? ` for ${input.target}` : ''}: ${input.error}`);
  }
  const doc = documentSchema.safeParse(input);
  if (!doc.success) {
    const issue = doc.error.issues[0]!;
    throw new ConfigError('explain input', issue.path.join('.'), issue.message);
  }
  const target = parseTarget(doc.data.spec);
  if (!target.ok) {
    const issue = target.issues[0]!;
    throw new ConfigError('explain input', `spec${issue.path ? `.${issue.path}` : ''}`, issue.reason);
  }
  const triggers = target.target.triggers.length;
  if (doc.data.observation.triggers.length !== triggers) {
    throw new ConfigError('explain input', 'observation.triggers', `has ${doc.data.observation.triggers.length} results for ${triggers} spec triggers`);
  }
  return decide(target.target, doc.data.observation, doc.data.state, Date.parse(doc.data.now));
}
