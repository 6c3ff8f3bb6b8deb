// `deploy-parameters`: SCALER_TARGETS and SCALER_CLUSTERS -> the parameters of infra/main.bicep
// (cli/deploy/parameters.ts decides; this file does I/O).
import { readFile, writeFile } from 'node:fs/promises';
import { messageOf } from '../../shared/errors/index.js';
import { EXIT_FAILED, EXIT_OK, noPositionals, parseCommandLine, type Command } from '../command.js';
import { deploymentParameters, parametersFile } from '../deploy/parameters.js';

const HELP = `Usage: aks-queue-scaler deploy-parameters --targets FILE --clusters FILE [--out FILE]

Loads SCALER_TARGETS and SCALER_CLUSTERS from the two files as the app loads them in Azure (JSON
or YAML, flat targets or ScaledObject documents; no local-development keys) and prints the
parameters of infra/main.bicep as a deployment parameters file: the two texts as given (written
to the app settings unchanged) and what they need granted, as plain lists:

  queueReads    per storage account and trigger type, the queues the scaler identity reads
  queueSends    per storage account and trigger type, the wake.forwardTo queues the host sends to
  serviceBusReads per Service Bus namespace and trigger type, the queues and topic subscriptions
                the scaler identity reads
  wakeQueues    per storage account ("" = the app's own), the wake queues (created, with -poison)
  clusters      the AKS clusters with targets, with the namespaces and kinds of their targets

infra/main.bicepparam reads infra/scaler.parameters.json (docs/deploy.md, step 1):

  aks-queue-scaler deploy-parameters --targets infra/targets.yaml --clusters infra/clusters.json \\
    --out infra/scaler.parameters.json

Nothing is written when the settings have any problem (run validate for the whole report).
Standard error lists the storage accounts that storageAccounts (and the Service Bus namespaces
that serviceBusNamespaces) in infra/main.bicepparam must place, and what the deployment leaves to you.

Options:
  --targets FILE    SCALER_TARGETS document (JSON or YAML)
  --clusters FILE   SCALER_CLUSTERS document (JSON or YAML)
  --out FILE        write the parameters file there instead of standard output
  -h, --help        this text

Exit codes: 0 written, 1 a problem in the settings (each printed) or a file that cannot be read
or written, 2 usage.`;

export const deployParametersCommand: Command = {
  name: 'deploy-parameters',
  summary: 'derive the parameters of infra/main.bicep from SCALER_TARGETS and SCALER_CLUSTERS',
  async run(args) {
    const line = parseCommandLine(args, { targets: { type: 'string' }, clusters: { type: 'string' }, out: { type: 'string' } }, HELP, (parsed) => {
      const v = parsed.values;
      if (!v.targets) return '--targets FILE is required';
      if (!v.clusters) return '--clusters FILE is required';
      return noPositionals(parsed);
    });
    if (typeof line === 'number') return line;
    const { targets, clusters, out } = line.values as { targets: string; clusters: string; out?: string };
    let settings;
    try {
      settings = { SCALER_TARGETS: await readFile(targets, 'utf8'), SCALER_CLUSTERS: await readFile(clusters, 'utf8') };
    } catch (e) {
      process.stderr.write(`deploy-parameters: ${messageOf(e)}\n`);
      return EXIT_FAILED;
    }
    const derived = deploymentParameters(settings);
    if (!derived.ok) {
      for (const p of derived.problems) process.stderr.write(`error: ${p}\n`);
      process.stderr.write(`deploy-parameters: ${derived.problems.length} problem(s): nothing written\n`);
      return EXIT_FAILED;
    }
    const text = `${JSON.stringify(parametersFile(derived.parameters), null, 2)}\n`;
    try {
      if (out) await writeFile(out, text);
      else process.stdout.write(text);
    } catch (e) {
      process.stderr.write(`deploy-parameters: ${messageOf(e)}\n`);
      return EXIT_FAILED;
    }
    for (const note of derived.notes) process.stderr.write(`note: ${note}\n`);
    const { parameters: p, accounts, namespaces } = derived;
    const serviceBus = p.serviceBusReads.reduce((n, g) => n + g.queueNames.length, 0);
    if (accounts.length > 0) process.stderr.write(`storageAccounts in infra/main.bicepparam must place: ${accounts.join(', ')}\n`);
    if (namespaces.length > 0) process.stderr.write(`serviceBusNamespaces in infra/main.bicepparam must place: ${namespaces.join(', ')}\n`);
    process.stderr.write(`deploy-parameters: ${p.queueReads.reduce((n, g) => n + g.queueNames.length, 0)} queue(s) read, ${serviceBus > 0 ? `${serviceBus} Service Bus queue(s) or subscription(s) read, ` : ''}${p.wakeQueues.reduce((n, g) => n + g.queueNames.length, 0)} wake queue(s), ${p.queueSends.reduce((n, g) => n + g.queueNames.length, 0)} forward queue(s), ${p.clusters.length} cluster(s)${out ? `: ${out}` : ''}\n`);
    return EXIT_OK;
  },
};
