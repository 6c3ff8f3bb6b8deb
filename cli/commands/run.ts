// `run`: the local host. Fires the evaluation loop on its schedule against the settings in
// local.settings.json (reloaded when it changes), with Azurite for UseDevelopmentStorage=true;
// with no settings at all, against the built-in sample (cli/run/sample.ts), so that `npm start`
// on a fresh clone shows the scaler at work.
import { existsSync } from 'node:fs';
import { Cron } from 'croner';
import { loadConfig, type Config, type Settings } from '../../shared/config/index.js';
import { messageOf } from '../../shared/errors/index.js';
import {
  createEvaluationLoop, createRuntime, createWaker, DEFAULT_SCHEDULE, evaluateShard, failedEvaluation, pollQueue, queueTriggerSettings, shardQueueClients,
  summarize, summarizeShard, targetKey, tickWarnings, wakeQueueClients, wakeQueuesOf, type EvaluationLoop, type Runtime, type TickResult,
} from '../../shared/runtime/index.js';
import { createJsonLinesTelemetry, type Telemetry } from '../../shared/telemetry/index.js';
import type { DevelopmentStorage } from '../../local/development-storage.js';
import { readHostJson } from '../host-json.js';
import { EXIT_FAILED, EXIT_OK, INPUT_HELP, INPUT_OPTIONS, INPUT_USAGE, noPositionals, parseCommandLine, readSettings, type Command, type InputOptions } from '../command.js';
import { createDecisionLines } from '../decision-lines.js';
import { workloadHint } from '../run/hints.js';
import { AZURITE_FOLDER, developmentStorageKeys, ensureDevelopmentStorage } from '../run/storage.js';
import { SETTINGS_POLL_MS, watchSettingsFiles } from '../run/settings-watch.js';

const DEFAULT_SETTINGS_FILE = 'local.settings.json';
/** Shard workers polling the shard queue when ticks fan out (SCALER_SHARD_SIZE), one shard at a time each. */
const DEFAULT_SHARD_WORKERS = 2;

const HELP = `Usage: aks-queue-scaler run ${INPUT_USAGE} [--once] [--json] [--shard-workers N]

Runs the scaler locally, outside the Functions host: the evaluation loop runs at once and then
on SCALER_SCHEDULE (default "${DEFAULT_SCHEDULE}", six-field NCRONTAB with seconds, in UTC as
the Functions timer reads it, at most every 5 s; never overlapping itself), one line per
decision with its reason, and every wake queue is polled as the Functions host polls it
(host.json: back-off up to maxPollingInterval, maxDequeueCount, <queue>-poison). With
SCALER_SHARD_SIZE, a tick with more due targets fans out to the shard queue, and shard workers
poll it here as the shard workers' app does in Azure: one shard message at a time each.

Settings come from local.settings.json "Values" (or --settings FILE) under the environment,
which wins. They are reloaded when a file they come from changes (checked every
${SETTINGS_POLL_MS / 1000} s), and a target that changed is evaluated at once.

No settings at all (no local.settings.json here, no --settings, --targets or --clusters, no
SCALER_TARGETS in the environment): the built-in sample runs instead, with nothing to set up.
It starts a local kube-apiserver + etcd (built the first time: about 7 minutes, cached),
Azurite, a Deployment at 0 replicas and a queue with messages, and scales it up and back to 0.

UseDevelopmentStorage=true means Azurite on 127.0.0.1:10001 (queues) and 10002 (tables), as for
the Functions tooling: the Azurite already running there, or else one started for the run that
keeps its data in ${AZURITE_FOLDER}/ of the current folder (state and queues survive a restart).

Options:
${INPUT_HELP}
  --once            run one evaluation and exit (evaluated here, never fanned out)
  --shard-workers N shard workers polling the shard queue when SCALER_SHARD_SIZE is set
                    (default ${DEFAULT_SHARD_WORKERS})
  --json            one JSON line per decision on standard output: the ScaleDecision event,
                    which \`aks-queue-scaler explain\` replays as it is; everything else goes
                    to standard error
  -h, --help        this text

Ctrl-C stops cleanly.

Exit codes: 0 ran (with --once: every target evaluated), 1 the settings had errors (a target
left out), a target could not be evaluated (its workload or a trigger could not be read), or the
run could not start, 2 usage.`;

/** What the output goes to: decisions, and everything else (stderr with --json). */
interface Output {
  log: (line: string) => void;
  json: boolean;
}

/** One loaded configuration, running: its runtime, loop, schedule and wake-queue pollers. */
interface Session {
  runtime: Runtime;
  loop: EvaluationLoop;
  /** The tick running now, if any. */
  running: Promise<unknown>;
  stopSchedule(): Promise<void>;
}

/** The terminal's telemetry: decision lines (or JSON lines, with the problems still said on stderr). */
function telemetryFor(output: Output, runtime: () => Runtime): Telemetry {
  const hint = (error: unknown, target: string): string | undefined => workloadHint(runtime())(error, target);
  const human = createDecisionLines((line) => output.log(line.replace(/\n$/, '')), { hint, decisions: !output.json });
  if (!output.json) return human;
  const machine = createJsonLinesTelemetry((line) => void process.stdout.write(line));
  return {
    ...human,
    decision(event) {
      machine.decision(event);
      human.decision(event);
    },
  };
}

/** Targets left out by configuration errors: each target (or the whole SCALER_TARGETS) an error names. */
function leftOut(runtime: Runtime): number {
  return new Set(runtime.config.errors.filter((e) => e.where === 'SCALER_TARGETS' || e.where.startsWith('target ')).map((e) => e.where)).size;
}

/** The tick's summary line, with the configuration's errors, which no tick counts. */
function summaryLine(result: TickResult | undefined, runtime: Runtime): string {
  const errors = runtime.config.errors.length;
  const dropped = leftOut(runtime);
  return `${summarize(result)}${errors > 0 ? `; ${errors} configuration error(s) above${dropped > 0 ? `, ${dropped} target(s) left out` : ''}` : ''}`;
}

/** Every target was evaluated, and the configuration had no errors. */
const tickSucceeded = (result: TickResult | undefined, runtime: Runtime): boolean =>
  result !== undefined && !result.error && !result.evaluated.some(failedEvaluation) && runtime.config.errors.length === 0;

/** Each target's configuration as it runs: its spec and its cluster entry (a changed one is evaluated at once). */
const configurationOf = (config: Pick<Config, 'targets' | 'clusters'>): Map<string, string> =>
  new Map(config.targets.map((target) => [targetKey(target), JSON.stringify([target, config.clusters.get(target.cluster) ?? null])]));

/** Polls each wake queue as the Functions host would, handing messages to the wake path. */
async function pollWakeQueues(runtime: Runtime, signal: AbortSignal, log: (line: string) => void): Promise<Promise<void>[]> {
  const queues = wakeQueuesOf(runtime.targets.map((t) => t.target));
  if (queues.length === 0) return [];
  const settings = queueTriggerSettings(await readHostJson());
  const waker = createWaker(runtime);
  return queues.map((queue) => {
    const { queue: client, poison } = wakeQueueClients(queue, runtime.settings, runtime.credentialFor);
    log(`polling wake queue ${queue.queueName} (up to every ${settings.maxPollingIntervalMs} ms) for ${queue.targets.map((t) => t.id).join(', ')}`);
    return pollQueue(client, poison, settings, async (body) => {
      const handled = await waker.handle(queue, body.toString('utf8'));
      for (const warning of handled.warnings) log(`wake warning: ${warning}`);
      const woken = handled.outcomes.filter((o) => o.result === 'woken');
      if (woken.length > 0) log(`woken by ${queue.queueName}: ${woken.map((o) => `${o.target} -> ${o.replicas}`).join(', ')}`);
    }, signal);
  });
}

/** Shard workers: each polls the shard queue as the shard workers' app does (batchSize 1), handing messages to evaluateShard. */
async function pollShardQueue(runtime: Runtime, workers: number, signal: AbortSignal, log: (line: string) => void): Promise<Promise<void>[]> {
  if (!runtime.shardQueue) return [];
  const settings = { ...queueTriggerSettings(await readHostJson()), batchSize: 1 };
  const { queue, poison } = shardQueueClients(runtime.settings, runtime.credentialFor);
  await queue.createIfNotExists();
  log(`ticks with more than ${runtime.shardQueue.shardSize} due targets fan out to queue ${queue.name}: ${workers} shard worker(s) polling it`);
  return Array.from({ length: workers }, () =>
    pollQueue(queue, poison, settings, async (body) => {
      const result = await evaluateShard(runtime, body.toString('utf8'));
      for (const warning of tickWarnings(result)) log(`warning: ${warning}`);
      log(summarizeShard(result));
    }, signal),
  );
}

/** The files the settings come from, which are watched for changes. */
function settingsFiles(options: InputOptions): string[] {
  return [options.settings ?? DEFAULT_SETTINGS_FILE, options.targets, options.clusters].filter((f): f is string => f !== undefined);
}

/** No settings anywhere: the built-in sample runs (what `npm start` does on a fresh clone). */
const noSettings = (options: InputOptions): boolean =>
  options.settings === undefined && options.targets === undefined && options.clusters === undefined
  && !existsSync(DEFAULT_SETTINGS_FILE) && !process.env.SCALER_TARGETS?.trim();

const sameSettings = (a: Settings, b: Settings): boolean => {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => a[k] === b[k]);
};

export const runCommand: Command = {
  name: 'run',
  summary: 'run the scaler locally on its schedule (with no settings: a built-in sample; Ctrl-C stops)',
  async run(args) {
    const workersOf = (value: string | undefined): number => (value === undefined ? DEFAULT_SHARD_WORKERS : /^\d+$/.test(value) ? Number(value) : NaN);
    const line = parseCommandLine(args, { ...INPUT_OPTIONS, once: { type: 'boolean' }, json: { type: 'boolean' }, 'shard-workers': { type: 'string' } }, HELP, (parsed) => {
      const workers = workersOf(parsed.values['shard-workers']);
      return noPositionals(parsed) ?? (workers >= 1 && workers <= 64 ? undefined : `--shard-workers ${parsed.values['shard-workers']}: not a whole number from 1 to 64`);
    });
    if (typeof line === 'number') return line;
    const options = line.values;
    const shardWorkers = workersOf(options['shard-workers']);
    const output: Output = {
      json: options.json === true,
      log: (text) => void (options.json ? process.stderr : process.stdout).write(`${text}\n`),
    };
    const { log } = output;
    const stopping = new AbortController();
    const stopped = new Promise<void>((resolve) => stopping.signal.addEventListener('abort', () => resolve(), { once: true }));
    const onSignal = (): void => {
      if (stopping.signal.aborted) log('run: stopping, please wait');
      stopping.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const cleanups: (() => Promise<void>)[] = [];
    let session: Session | undefined;
    try {
      let storage: DevelopmentStorage | undefined;
      let settings: Settings;
      const sample = noSettings(options);
      if (sample) {
        log(`run: no ${DEFAULT_SETTINGS_FILE} in ${process.cwd()} (and no --settings, nor SCALER_TARGETS in the environment), so this runs the built-in sample: `
          + 'a local Kubernetes API server, Azurite, and a Deployment scaled by the length of a queue. '
          + `For your own cluster, copy local.settings.example.json to ${DEFAULT_SETTINGS_FILE} (README.md, "Against your own cluster").`);
        // Loaded here: only the sample needs the local control plane and identity endpoint.
        const { startSample } = await import('../run/sample.js');
        const started = await startSample({ out: log, signal: stopping.signal });
        cleanups.push(started.stop);
        ({ storage } = started);
        settings = { ...process.env, ...started.settings } as Settings;
      } else {
        settings = await readSettings(options);
        storage = await ensureDevelopmentStorage(settings, log);
        if (storage) cleanups.push(storage.stop);
      }

      /**
       * Starts a session on `next`: runtime, loop, schedule, pollers; evaluates `only` (or all) at
       * once. `startedAt`: the first session's start, kept by a reload (which restarts nothing: only
       * the targets that changed are polled at once).
       */
      const start = async (next: Settings, only?: ReadonlySet<string>, startedAt?: number): Promise<Session> => {
        // The hint reads the runtime, which the telemetry is given to: it is called only once it exists.
        const runtime: Runtime = createRuntime(next, { telemetry: telemetryFor(output, () => runtime), ...(startedAt === undefined ? {} : { startedAt }) });
        // One evaluation and exit: nothing would be left to take the shards.
        if (options.once) runtime.shardQueue = undefined;
        const loop = createEvaluationLoop(runtime);
        const s: Session = { runtime, loop, running: Promise.resolve(), stopSchedule: async () => {} };
        if (options.once || runtime.targets.length === 0) return s;
        const schedule = runtime.config.schedule;
        const pollers = new AbortController();
        const cron = new Cron(schedule, { protect: true, timezone: 'UTC', mode: '6-part' }, async () => void (await tick(s)));
        const polling = [...await pollWakeQueues(runtime, pollers.signal, log), ...await pollShardQueue(runtime, shardWorkers, pollers.signal, log)];
        s.stopSchedule = async () => {
          cron.stop();
          pollers.abort();
          await Promise.all([...polling, s.running]);
        };
        log(`evaluating ${runtime.targets.length} target(s) ${only ? '' : 'now and '}on "${schedule}" (UTC); Ctrl-C stops`);
        if (!only || only.size > 0) void tick(s, only);
        return s;
      };
      const tick = async (s: Session, only?: ReadonlySet<string>): Promise<TickResult | undefined> => {
        const running = s.loop.tick(only ? { only } : undefined);
        s.running = running.catch(() => undefined);
        const result = await running.catch((e: unknown) => ({ evaluated: [], skipped: 0, error: messageOf(e) }) satisfies TickResult);
        log(summaryLine(result, s.runtime));
        return result;
      };

      session = await start(settings);
      if (options.once) {
        if (session.runtime.targets.length === 0) {
          process.stderr.write('run: no valid targets in SCALER_TARGETS (see docs/configuration.md)\n');
          return EXIT_FAILED;
        }
        return tickSucceeded(await tick(session), session.runtime) ? EXIT_OK : EXIT_FAILED;
      }
      if (session.runtime.targets.length === 0) {
        if (sample) throw new Error('the sample\'s target did not load (please report this)');
        log(`run: no valid targets in SCALER_TARGETS (see docs/configuration.md); waiting for ${settingsFiles(options).join(', ')} to change`);
      }

      // Reloads, one at a time: read, compare, swap the session, evaluate what changed.
      let reloading = Promise.resolve();
      const reload = (file: string): void => {
        reloading = reloading.then(async () => {
          let next: Settings;
          try {
            next = await readSettings(options);
          } catch (e) {
            log(`run: ${file} changed, but the settings cannot be read (${messageOf(e)}); still running the settings read before`);
            return;
          }
          if (!session || sameSettings(session.runtime.settings, next)) return;
          log(`run: ${file} changed: reloading the settings`);
          if (!storage && developmentStorageKeys(next).length > 0) {
            storage = await ensureDevelopmentStorage(next, log);
            if (storage) cleanups.push(storage.stop);
          }
          const before = configurationOf(session.runtime.config);
          const after = configurationOf(loadConfig(next));
          const changed = new Set([...after].filter(([key, spec]) => before.get(key) !== spec).map(([key]) => key));
          const removed = [...before.keys()].filter((key) => !after.has(key));
          await session.stopSchedule();
          log(`run: ${changed.size} target(s) new or changed${changed.size > 0 ? ` (${[...changed].join(', ')}), evaluated now` : ''}`
            + `${removed.length > 0 ? `; ${removed.length} no longer configured (${removed.join(', ')})` : ''}`);
          const previous = session;
          session = await start(next, changed, previous.runtime.startedAt);
          // A failed save's activity still counts after a reload (evaluate-target.ts).
          for (const [key, unsaved] of previous.runtime.saveFailures) session.runtime.saveFailures.set(key, unsaved);
        }).catch((e: unknown) => log(`run: reloading the settings failed: ${messageOf(e)}`));
      };
      const unwatch = sample ? () => {} : watchSettingsFiles(settingsFiles(options), reload);
      if (!sample) log(`run: watching ${settingsFiles(options).join(', ')} for changes`);
      await stopped;
      unwatch();
      await reloading;
      await session.stopSchedule();
      log('stopped');
      return EXIT_OK;
    } catch (e) {
      if (stopping.signal.aborted) {
        log('run: interrupted');
        return EXIT_FAILED;
      }
      process.stderr.write(`run: ${messageOf(e)}\n`);
      return EXIT_FAILED;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await session?.stopSchedule().catch(() => undefined);
      for (const cleanup of cleanups.reverse()) await cleanup().catch((e: unknown) => log(`run: while stopping: ${messageOf(e)}`));
    }
  },
};
