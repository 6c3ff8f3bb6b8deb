// `run`: the local host. Fires the evaluation loop on its schedule against the settings in
// local.settings.json, starting Azurite when they say UseDevelopmentStorage=true.
import { Cron } from 'croner';
import { startAzurite, type Azurite } from '../../local/azurite.js';
import type { Settings } from '../../shared/config/index.js';
import { messageOf } from '../../shared/errors/index.js';
import { createEvaluationLoop, createRuntime, createWaker, DEFAULT_SCHEDULE, pollQueue, queueTriggerSettings, summarize, wakeQueueClients, wakeQueuesOf, type Runtime } from '../../shared/runtime/index.js';
import { readHostJson } from '../host-json.js';
import { EXIT_FAILED, EXIT_OK, noPositionals, parseCommandLine, type Command } from '../command.js';
import { createDecisionLines } from '../decision-lines.js';
import { loadSettings } from '../local-settings.js';

const HELP = `Usage: aks-queue-scaler run [--settings FILE] [--once]

Runs the scaler locally, outside the Functions host: the evaluation loop fires on
SCALER_SCHEDULE (default "${DEFAULT_SCHEDULE}", six-field NCRONTAB with seconds, in UTC as
the Functions timer reads it, at most every 5 s; never overlapping itself) and prints one
line per decision, and every wake queue is polled as the Functions host polls it (host.json:
back-off up to maxPollingInterval, maxDequeueCount, <queue>-poison). Settings come from
local.settings.json "Values" (or FILE), overridden by the environment. Settings equal to UseDevelopmentStorage=true get an Azurite started for the run.
Ctrl-C stops cleanly.

Options:
  --settings FILE   local settings file (default: local.settings.json)
  --once            run one evaluation and exit (exit code 1 if any target failed)
  -h, --help        this text`;

const DEV_STORAGE = /^\s*UseDevelopmentStorage=true\s*$/i;

/** Starts Azurite when a setting asks for development storage, and points those settings at it. */
async function withDevelopmentStorage(settings: Settings, log: (line: string) => void): Promise<{ settings: Settings; azurite?: Azurite }> {
  const keys = Object.keys(settings).filter((k) => DEV_STORAGE.test(settings[k] ?? ''));
  if (keys.length === 0) return { settings };
  const azurite = await startAzurite();
  log(`Azurite started for ${keys.join(', ')}: queues at ${azurite.queueEndpoint}, tables at ${azurite.tableEndpoint}\n`);
  return { settings: { ...settings, ...Object.fromEntries(keys.map((k) => [k, azurite.connectionString])) }, azurite };
}

/** Polls each wake queue as the Functions host would, handing messages to the wake path. */
async function pollWakeQueues(runtime: Runtime, signal: AbortSignal, log: (line: string) => void): Promise<Promise<void>[]> {
  const queues = wakeQueuesOf(runtime.targets.map((t) => t.target));
  if (queues.length === 0) return [];
  const settings = queueTriggerSettings(await readHostJson());
  const waker = createWaker(runtime);
  return queues.map((queue) => {
    const { queue: client, poison } = wakeQueueClients(queue, runtime.settings, runtime.credentialFor);
    log(`polling wake queue ${queue.queueName} (up to every ${settings.maxPollingIntervalMs} ms) for ${queue.targets.map((t) => t.id).join(', ')}\n`);
    return pollQueue(client, poison, settings, async (body) => {
      const handled = await waker.handle(queue, body.toString('utf8'));
      for (const warning of handled.warnings) log(`wake warning: ${warning}\n`);
      const woken = handled.outcomes.filter((o) => o.result === 'woken');
      if (woken.length > 0) log(`woken by ${queue.queueName}: ${woken.map((o) => `${o.target} -> ${o.replicas}`).join(', ')}\n`);
    }, signal);
  });
}

export const runCommand: Command = {
  name: 'run',
  summary: 'run the scaler locally on its schedule (Ctrl-C stops)',
  async run(args) {
    const line = parseCommandLine(args, { settings: { type: 'string' }, once: { type: 'boolean' } }, HELP, noPositionals);
    if (typeof line === 'number') return line;
    const options = line.values;
    const log = (line: string): void => void process.stdout.write(line);
    let storage: Awaited<ReturnType<typeof withDevelopmentStorage>> | undefined;
    try {
      storage = await withDevelopmentStorage(await loadSettings(options.settings), log);
      const runtime = createRuntime(storage.settings, { telemetry: createDecisionLines() });
      if (runtime.targets.length === 0) {
        process.stderr.write('run: no valid targets in SCALER_TARGETS (see docs/configuration.md)\n');
        return EXIT_FAILED;
      }
      const loop = createEvaluationLoop(runtime);
      const tick = async (): Promise<boolean> => {
        const result = await loop.tick();
        log(`${summarize(result)}\n`);
        return !result || (!result.error && result.evaluated.every((e) => !e.error));
      };
      if (options.once) return (await tick()) ? EXIT_OK : EXIT_FAILED;
      // Checked at load (a bad SCALER_SCHEDULE was reported, and the default is used); UTC, as the Functions timer.
      const schedule = runtime.config.schedule;
      log(`evaluating ${runtime.targets.length} target(s) on "${schedule}" (UTC); Ctrl-C stops\n`);
      const cron = new Cron(schedule, { protect: true, timezone: 'UTC', mode: '6-part' }, async () => void (await tick()));
      const stopping = new AbortController();
      const pollers = await pollWakeQueues(runtime, stopping.signal, log);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      cron.stop();
      stopping.abort();
      await Promise.all(pollers);
      log('stopped\n');
      return EXIT_OK;
    } catch (e) {
      process.stderr.write(`run: ${messageOf(e)}\n`);
      return EXIT_FAILED;
    } finally {
      await storage?.azurite?.stop();
    }
  },
};
