// `plan`: a dry run. Reads the real queues, clusters and state; prints what each target would
// do now and why; changes nothing.
import { messageOf } from '../../shared/errors/index.js';
import { planAll, type PlannedTarget, createRuntime } from '../../shared/runtime/index.js';
import { createJsonLinesTelemetry } from '../../shared/telemetry/index.js';
import { EXIT_FAILED, EXIT_OK, noPositionals, parseCommandLine, type Command } from '../command.js';
import { loadSettings } from '../local-settings.js';

const HELP = `Usage: aks-queue-scaler plan [--settings FILE] [--json]

A dry run: reads every target's queues, its workload's scale and the saved state, and prints
what the scaler would do now and why. Nothing is written: not the scale, not the state.

Options:
  --settings FILE   local settings file (default: local.settings.json, if present)
  --json            print the plan as JSON (one entry per target, with the full decision)
  -h, --help        this text

Exit codes: 0 planned every target, 1 a target or the settings could not be read, 2 usage.`;

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

export const planCommand: Command = {
  name: 'plan',
  summary: 'dry run: what each target would do now and why (changes nothing)',
  async run(args) {
    const line = parseCommandLine(args, { settings: { type: 'string' }, json: { type: 'boolean' } }, HELP, noPositionals);
    if (typeof line === 'number') return line;
    const options = line.values;
    try {
      // Problems in the settings go to stderr; the plan covers the valid targets.
      const runtime = createRuntime(await loadSettings(options.settings), { telemetry: createJsonLinesTelemetry((l) => void process.stderr.write(l)) });
      const { planned, stateError } = await planAll(runtime);
      if (options.json) process.stdout.write(`${JSON.stringify({ planned, stateError, configErrors: runtime.config.errors.map((e) => e.message) }, null, 2)}\n`);
      else {
        if (stateError) process.stdout.write(`warning: state could not be read (${stateError}); cooldowns are unknown\n`);
        process.stdout.write(`${table(planned)}\n`);
      }
      return planned.some((p) => p.error) || stateError || runtime.config.errors.length > 0 ? EXIT_FAILED : EXIT_OK;
    } catch (e) {
      process.stderr.write(`plan: ${messageOf(e)}\n`);
      return EXIT_FAILED;
    }
  },
};
