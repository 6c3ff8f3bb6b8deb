// `validate`: every problem in the settings, with target, field and reason.
import { readFile } from 'node:fs/promises';
import { loadConfig } from '../../shared/config/index.js';
import { messageOf } from '../../shared/errors/index.js';
import { EXIT_FAILED, EXIT_OK, noPositionals, parseCommandLine, type Command } from '../command.js';
import { loadSettings } from '../local-settings.js';

const HELP = `Usage: aks-queue-scaler validate [--settings FILE] [--targets FILE] [--clusters FILE] [--json]

Checks the scaler's settings and prints every problem with its target, field and reason.
Settings come from local.settings.json "Values" (or --settings FILE) and the environment;
--targets and --clusters read SCALER_TARGETS / SCALER_CLUSTERS from a JSON or YAML file
instead (e.g. ScaledObjects exported with kubectl).

Options:
  --settings FILE   local settings file (default: local.settings.json, if present)
  --targets FILE    SCALER_TARGETS document
  --clusters FILE   SCALER_CLUSTERS document
  --json            print { valid, targets, errors: [{ where, path, reason, message }] }
  -h, --help        this text

Exit codes: 0 valid, 1 any problem (or no targets), 2 usage.`;

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check the settings and print every problem with target, field and reason',
  async run(args) {
    const line = parseCommandLine(args, { settings: { type: 'string' }, targets: { type: 'string' }, clusters: { type: 'string' }, json: { type: 'boolean' } }, HELP, noPositionals);
    if (typeof line === 'number') return line;
    const options = line.values;
    let settings;
    try {
      settings = await loadSettings(options.settings);
      if (options.targets) settings = { ...settings, SCALER_TARGETS: await readFile(options.targets, 'utf8') };
      if (options.clusters) settings = { ...settings, SCALER_CLUSTERS: await readFile(options.clusters, 'utf8') };
    } catch (e) {
      process.stderr.write(`validate: ${messageOf(e)}\n`);
      return EXIT_FAILED;
    }
    const config = loadConfig(settings);
    const problems = config.errors.map((e) => ({ where: e.where, path: e.path, reason: e.reason, message: e.message }));
    if (!settings.SCALER_TARGETS?.trim()) problems.push({ where: 'SCALER_TARGETS', path: '', reason: 'is not set', message: 'SCALER_TARGETS: is not set' });
    const valid = problems.length === 0;
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ valid, targets: config.targets.map((t) => `${t.cluster}/${t.id}`), errors: problems }, null, 2)}\n`);
    } else {
      for (const p of problems) process.stdout.write(`error: ${p.message}\n`);
      process.stdout.write(`${config.targets.length} valid target(s), ${config.clusters.size} cluster(s), ${problems.length} problem(s)\n`);
    }
    return valid ? EXIT_OK : EXIT_FAILED;
  },
};
