// `plan`: a dry run. Reads the real queues, clusters and state; prints what each target would
// do now and why; changes nothing.
import { messageOf } from '../../shared/errors/index.js';
import { planAll, type PlannedTarget, createRuntime } from '../../shared/runtime/index.js';
import { createJsonLinesTelemetry } from '../../shared/telemetry/index.js';
import { EXIT_FAILED, EXIT_OK, INPUT_HELP, INPUT_OPTIONS, INPUT_USAGE, noPositionals, parseCommandLine, readSettings, type Command } from '../command.js';

const HELP = `Usage: aks-queue-scaler plan ${INPUT_USAGE} [--json]

A dry run: reads every target's queues, its workload's scale and the saved state, and prints
what the scaler would do now and why (the reason code and its text). Nothing is written: not
the scale, not the state (the state table is not even created).

Options:
${INPUT_HELP}
  --json            one JSON line per target instead of the table:
                      {"type":"PlannedDecision","target","current","triggerValues",
                       "composite" (with scalingModifiers),"replicas","desiredReplicas",
                       "action","code","reason","active","explain"}
                    or {"type":"PlanFailure","target","error"} for a target that could not be
                    read. "explain" is the decision's replay document: each PlannedDecision line
                    fed as it is to \`aks-queue-scaler explain -\` gives the same decision.
  -h, --help        this text
  --version         the version

Problems in the settings, warnings, and a state table that cannot be read (the plan then
shows what the metrics say; cooldowns are unknown) go to standard error.

Exit codes: 0 planned every target, 1 a target or the settings or the state could not be read,
2 usage.`;

function table(rows: PlannedTarget[]): string {
  const lines = rows.map((r) =>
    r.error
      ? [r.target, '-', '-', 'error', r.error]
      : [r.target, String(r.current), `${r.decision!.replicas}`, r.decision!.action, `${r.decision!.code}: ${r.decision!.reason}`],
  );
  const header = ['TARGET', 'NOW', 'WOULD BE', 'ACTION', 'WHY'];
  const widths = header.slice(0, 4).map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  return [header, ...lines].map((l) => l.map((cell, i) => (i < 4 ? cell.padEnd(widths[i]!) : cell)).join('  ')).join('\n');
}

/** One JSON line of --json: a decision with its replay document (which `explain` reads), or why there is none. */
function jsonLine(r: PlannedTarget): string {
  if (r.error !== undefined || !r.decision || !r.explain) return JSON.stringify({ type: 'PlanFailure', target: r.target, error: r.error ?? 'no decision' });
  const { replicas, desiredReplicas, action, code, reason, active, composite } = r.decision;
  return JSON.stringify({ type: 'PlannedDecision', time: r.explain.now, target: r.target, current: r.current, triggerValues: r.triggerValues, ...(composite !== undefined ? { composite } : {}), replicas, desiredReplicas, action, code, reason, active, explain: r.explain });
}

export const planCommand: Command = {
  name: 'plan',
  summary: 'dry run: what each target would do now and why (changes nothing)',
  async run(args) {
    const line = parseCommandLine(args, { ...INPUT_OPTIONS, json: { type: 'boolean' } }, HELP, noPositionals);
    if (typeof line === 'number') return line;
    const options = line.values;
    try {
      // Problems and warnings in the settings go to stderr; the plan covers the valid targets.
      const runtime = createRuntime(await readSettings(options), { telemetry: createJsonLinesTelemetry((l) => void process.stderr.write(l)) });
      const { planned, stateError } = await planAll(runtime);
      if (stateError) process.stderr.write(`plan: warning: the state could not be read (${stateError}); cooldowns are unknown\n`);
      process.stdout.write(options.json ? planned.map((p) => `${jsonLine(p)}\n`).join('') : `${table(planned)}\n`);
      return planned.some((p) => p.error) || stateError || runtime.config.errors.length > 0 ? EXIT_FAILED : EXIT_OK;
    } catch (e) {
      process.stderr.write(`plan: ${messageOf(e)}\n`);
      return EXIT_FAILED;
    }
  },
};
