// `validate`: every problem in the settings, with target, field and reason; and every warning
// (a field dropped, saying what takes its place), which does not fail the check.
import { loadConfig } from '../../shared/config/index.js';
import { messageOf } from '../../shared/errors/index.js';
import { EXIT_FAILED, EXIT_OK, INPUT_HELP, INPUT_OPTIONS, INPUT_USAGE, noPositionals, parseCommandLine, readSettings, type Command } from '../command.js';

const HELP = `Usage: aks-queue-scaler validate ${INPUT_USAGE} [--json]

Checks the scaler's settings and prints every problem with its target, field and reason, and
every warning: a field that is dropped, with what takes its place (the authenticationRef of a
pasted ScaledObject: the scaler reads the queue with its managed identity instead). A target
with warnings only still runs.

Options:
${INPUT_HELP}
  --json            print { valid, targets, errors: [{ where, path, reason, message }], warnings: [same] }
  -h, --help        this text
  --version         the version

Exit codes: 0 valid (warnings do not count), 1 any problem (or no targets), 2 usage.`;

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check the settings and print every problem with target, field and reason',
  async run(args) {
    const line = parseCommandLine(args, { ...INPUT_OPTIONS, json: { type: 'boolean' } }, HELP, noPositionals);
    if (typeof line === 'number') return line;
    const options = line.values;
    let settings;
    try {
      settings = await readSettings(options);
    } catch (e) {
      process.stderr.write(`validate: ${messageOf(e)}\n`);
      return EXIT_FAILED;
    }
    const config = loadConfig(settings);
    const shown = (e: { where: string; path: string; reason: string; message: string }) => ({ where: e.where, path: e.path, reason: e.reason, message: e.message });
    const problems = config.errors.map(shown);
    const warnings = config.warnings.map(shown);
    if (!settings.SCALER_TARGETS?.trim()) problems.push({ where: 'SCALER_TARGETS', path: '', reason: 'is not set', message: 'SCALER_TARGETS: is not set' });
    const valid = problems.length === 0;
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ valid, targets: config.targets.map((t) => `${t.cluster}/${t.id}`), errors: problems, warnings }, null, 2)}\n`);
    } else {
      for (const p of problems) process.stdout.write(`error: ${p.message}\n`);
      for (const w of warnings) process.stdout.write(`warning: ${w.message}\n`);
      const warned = warnings.length > 0 ? `, ${warnings.length} warning(s)` : '';
      process.stdout.write(`${config.targets.length} valid target(s), ${config.clusters.size} cluster(s), ${problems.length} problem(s)${warned}\n`);
    }
    return valid ? EXIT_OK : EXIT_FAILED;
  },
};
