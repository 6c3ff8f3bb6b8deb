// `import`: KEDA ScaledObjects from a cluster -> SCALER_TARGETS, with a report of everything
// that could not be carried over (cli/import/scaled-objects.ts decides; this file does I/O).
import { stringify as toYaml } from 'yaml';
import { messageOf } from '../../shared/errors/index.js';
import { EXIT_FAILED, EXIT_OK, noPositionals, parseCommandLine, type Command } from '../command.js';
import { loadKubeConfig, readScaledObjects } from '../import/read-scaled-objects.js';
import { allCarried, checkTargetsText, importScaledObjects, type ImportNote, type Outcome } from '../import/scaled-objects.js';

const HELP = `Usage: aks-queue-scaler import [--kubeconfig FILE] [--context NAME] [--namespace NS]
                               [--cluster NAME] [--yaml | --json]

Reads the KEDA ScaledObjects (keda.sh/v1alpha1) of a cluster and prints the equivalent
SCALER_TARGETS on standard output (JSON, or YAML with --yaml). Everything that cannot be
carried over is reported on standard error, per ScaledObject and field:

  trigger left out   other trigger types; metricType Utilization (KEDA refuses it too); a
                     trigger that reads its queue with a connection string only (connection,
                     connectionFromEnv or a TriggerAuthentication) and names no accountName
                     (azure-queue) or namespace (azure-servicebus): add it to carry the
                     trigger; azure-servicebus with useRegex: true
  not imported       a ScaledObject with no trigger left, one scaling something other than an
                     apps/v1 Deployment or StatefulSet, or one whose scalingModifiers formula
                     names a trigger that is left out
  dropped            paused-scale-in/-out and force-activation annotations (they go on the
                     Deployment); an idleReplicaCount KEDA refuses
  changed            paused-replicas on the ScaledObject (carried as paused: true)
  replaced           authenticationRef / connectionFromEnv next to an accountName or namespace:
                     the scaler reads there with its managed identity (the note names the role)
  ignored            fields KEDA ignores too

The output always loads without error (it is checked before it is written).

Options:
  --kubeconfig FILE   kubeconfig to use (default: $KUBECONFIG or ~/.kube/config)
  --context NAME      context of the kubeconfig (default: its current-context)
  -n, --namespace NS  read this namespace only (default: all namespaces)
  --cluster NAME      set "cluster" on every target (the SCALER_CLUSTERS entry of that cluster);
                      without it each target runs in the only cluster SCALER_CLUSTERS names
  --yaml              print SCALER_TARGETS as YAML instead of JSON
  --json              print { targets, report } for scripts (report: [{ scaledObject, field,
                      outcome, carried, message }])
  -h, --help          this text
  --version           the version

Exit codes: 0 everything carried (notes may say what to grant), 1 something could not be carried
(what could is still printed) or the cluster could not be read, 2 usage.`;

const LABELS: Record<Outcome, string> = {
  'target-kept-out': 'not imported',
  'trigger-kept-out': 'trigger left out',
  dropped: 'dropped',
  changed: 'changed',
  replaced: 'replaced',
  ignored: 'ignored',
};

const noteLine = (n: ImportNote): string => `import: ${n.scaledObject}: ${n.field ? `${n.field}: ` : ''}${LABELS[n.outcome]}: ${n.message}`;

function summary(read: number, written: number, report: readonly ImportNote[], namespace: string | undefined): string {
  const lost = report.filter((n) => !n.carried);
  const objects = new Set(lost.map((n) => n.scaledObject)).size;
  const where = namespace ? `namespace ${namespace}` : 'all namespaces';
  const outcome = lost.length === 0 ? 'everything carried' : `${lost.length} field(s) of ${objects} ScaledObject(s) not carried`;
  return `import: ${read} ScaledObject(s) read from ${where}, ${written} target(s) written; ${outcome}`;
}

export const importCommand: Command = {
  name: 'import',
  summary: 'read KEDA ScaledObjects from a cluster and print the equivalent SCALER_TARGETS',
  async run(args) {
    const line = parseCommandLine(
      args,
      {
        kubeconfig: { type: 'string' },
        context: { type: 'string' },
        namespace: { type: 'string', short: 'n' },
        cluster: { type: 'string' },
        yaml: { type: 'boolean' },
        json: { type: 'boolean' },
      },
      HELP,
      (parsed) => {
        const v = parsed.values;
        if (v.yaml && v.json) return '--yaml and --json cannot be combined';
        const empty = [['--cluster', v.cluster], ['--namespace', v.namespace], ['--context', v.context], ['--kubeconfig', v.kubeconfig]].find(([, value]) => value !== undefined && !value.trim());
        return empty ? `${empty[0]} must not be empty` : noPositionals(parsed);
      },
    );
    if (typeof line === 'number') return line;
    const options = line.values;
    let objects: unknown[];
    try {
      objects = await readScaledObjects(loadKubeConfig(options), options.namespace);
    } catch (e) {
      process.stderr.write(`import: ${messageOf(e)}\n`);
      return EXIT_FAILED;
    }
    const { targets, report } = importScaledObjects(objects, { cluster: options.cluster });
    const text = options.yaml ? toYaml(targets) : JSON.stringify(targets, null, 2);
    // Never write SCALER_TARGETS that would not load.
    const problems = checkTargetsText(text, targets.length, options.cluster);
    if (problems.length > 0) {
      process.stderr.write(`import: the converted targets do not load, so nothing is written (please report this):\n${problems.map((p) => `  ${p}\n`).join('')}`);
      return EXIT_FAILED;
    }
    process.stdout.write(options.json ? `${JSON.stringify({ targets, report }, null, 2)}\n` : `${text.trimEnd()}\n`);
    for (const note of report) process.stderr.write(`${noteLine(note)}\n`);
    process.stderr.write(`${summary(objects.length, targets.length, report, options.namespace)}\n`);
    return allCarried(report) ? EXIT_OK : EXIT_FAILED;
  },
};
