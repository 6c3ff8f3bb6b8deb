// `explain`: replays one decision from its recorded input (docs/engine.md).
import { parse as parseYaml } from 'yaml';
import { replay } from '../../shared/runtime/index.js';
import { messageOf } from '../../shared/errors/index.js';
import { EXIT_FAILED, EXIT_OK, parseCommandLine, readInput, type Command } from '../command.js';

const HELP = `Usage: aks-queue-scaler explain [FILE|-]

Reads one replay document (JSON or YAML) from FILE or standard input and prints the decision
the engine makes for it, as JSON. The document is the "explain" input recorded in every
ScaleDecision event in App Insights:

  { "now": "2026-11-27T10:00:00Z",
    "spec": { ...one target as in SCALER_TARGETS... },
    "observation": { "specReplicas": 0, "triggers": [ { "value": 42 } ] },
    "state": { ...optional... } }

A ScaleDecision itself is accepted too: a JSON line the scaler printed, a line of
\`aks-queue-scaler plan --json\` (a decision it would make now), or a row exported from App
Insights (customEvents) or its customDimensions alone. A long document is there in
parts (explain, explain.2, ..., explainParts; gzip + base64 when explainEncoding says so):
they are joined, and a missing part is named. Export the whole customDimensions
(docs/queries.kql, "Replay input of a target's latest decision").

Options:
  -h, --help   this text
  --version    the version

Output: { "replicas", "desiredReplicas", "action", "code", "reason", "active", "state" }.
Exit codes: 0 decided, 1 the document is invalid (the message names the field), 2 usage.`;

export const explainCommand: Command = {
  name: 'explain',
  summary: 'replay one decision from its recorded input and print it as JSON',
  async run(args) {
    const parsed = parseCommandLine(args, {}, HELP, ({ positionals }) => (positionals.length > 1 ? 'explain takes one document' : undefined));
    if (typeof parsed === 'number') return parsed;
    try {
      const decision = replay(parseYaml(await readInput(parsed.positionals[0])));
      process.stdout.write(`${JSON.stringify(decision, null, 2)}\n`);
      return EXIT_OK;
    } catch (e) {
      process.stderr.write(`explain: ${messageOf(e)}\n`);
      return EXIT_FAILED;
    }
  },
};
