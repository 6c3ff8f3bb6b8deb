// The scaler's own app settings other than SCALER_TARGETS and SCALER_CLUSTERS, declared in one
// table: each with its rule and what is used instead of a value that breaks it. A bad value is
// reported once, at load, naming the setting; the default is used, so the app still runs.
import { Cron } from 'croner';
import { z } from 'zod';
import { ConfigError } from '../errors/index.js';
import { clientId, GUID, keyValuePairs, parseConfig, serviceUrl, show, type Settings } from '../schema/index.js';
import { accountNameSchema, parseConnectionString, queueNameSchema } from '../sources/index.js';

export const DEFAULT_SCHEDULE = '*/15 * * * * *';
export const DEFAULT_STATE_TABLE = 'scalerstate';
export const DEFAULT_CONCURRENCY = 32;
export const DEFAULT_SHARD_QUEUE = 'scaler-shards';
/** SCALER_IDLE_READING_MAX_AGE's default, in seconds (docs/engine.md, "Workload reads at zero"). */
export const DEFAULT_IDLE_READING_MAX_AGE_S = 120;
/**
 * The fastest schedule allowed: two ticks at least this far apart. The state row of a target
 * keeps one recommendation per tick over its stabilization window (up to an hour), and its size
 * limit is worked out for this rate (docs/configuration.md).
 */
export const MIN_TICK_SECONDS = 5;

const FLAG_TRUE = /^(true|1|yes)$/i;
const FLAG_FALSE = /^(false|0|no)$/i;

/** true, 1, yes / false, 0, no (any case). */
const flag = z.string().transform((v, ctx) => {
  if (FLAG_TRUE.test(v)) return true;
  if (!FLAG_FALSE.test(v)) ctx.addIssue({ code: 'custom', message: `${show(v)} is not true or false` });
  return false;
});

/** A whole number from `min` to `max`, as digits. */
const wholeNumber = (min: number, max: number) => z.string().transform((v, ctx) => {
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (n >= min && n <= max) return n;
  ctx.addIssue({ code: 'custom', message: `${show(v)} is not a whole number from ${min} to ${max}` });
  return z.NEVER;
});

const concurrency = wholeNumber(1, 1000);

/**
 * Targets per shard, about (a stable hash shares them out): what one shard worker evaluates in a
 * tick. A shard of ~800 costs ~2 s of CPU (bench/README.md, "Fan-out"); below 50 the queue hop
 * costs more than it saves.
 */
const shardSize = wholeNumber(50, 5000);

/**
 * Seconds a reading of a workload the scaler left at zero is reused while its triggers stay
 * inactive: how late a change someone else makes to it (kubectl scale, a pause annotation) may
 * be seen, against one Kubernetes read per poll. 0: every poll reads it. At most an hour.
 */
const idleReadingMaxAge = wholeNumber(0, 3600);

const FIELDS = ['second', 'minute', 'hour', 'day', 'month', 'day-of-week'] as const;
const MONTHS = 'JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC';
const DAYS = 'SUN|MON|TUE|WED|THU|FRI|SAT';
/** One NCRONTAB field: a list of *, n, a-b, each with an optional /step; months and days may be names. */
const fieldPattern = (names?: string): RegExp => {
  const value = names ? `(?:\\d+|${names})` : '\\d+';
  const item = `(?:\\*|${value}(?:-${value})?)(?:/\\d+)?`;
  return new RegExp(`^${item}(?:,${item})*$`, 'i');
};
const FIELD_PATTERNS = FIELDS.map((_, i) => fieldPattern(i === 4 ? MONTHS : i === 5 ? DAYS : undefined));

/** The values of a second, minute or hour field (numbers only), for the rate check. */
function expand(field: string, max: number): number[] {
  const values = new Set<number>();
  for (const item of field.split(',')) {
    const [range, step] = item.split('/') as [string, string | undefined];
    const [from, to] = range === '*' ? [0, max] : range.includes('-') ? range.split('-').map(Number) as [number, number] : [Number(range), step ? max : Number(range)];
    for (let v = from; v <= to; v += Math.max(1, Number(step ?? 1))) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}

/**
 * The shortest time between two ticks, in seconds. Every second of the second field fires in
 * each minute that fires, so the gaps within a minute are those of the second field; from the
 * last second of one minute to the first of the next when two consecutive minutes can fire
 * (consecutive values of the minute field, or 59 and 0 with consecutive hours, or 23 and 0 across
 * midnight, counted as possible).
 */
function shortestGap(fields: string[]): number {
  const seconds = expand(fields[0]!, 59);
  const minutes = new Set(expand(fields[1]!, 59));
  const hours = new Set(expand(fields[2]!, 23));
  const consecutive = (set: Set<number>, max: number): boolean => [...set].some((v) => set.has(v + 1)) || (set.has(max) && set.has(0));
  let gap = 60;
  for (let i = 1; i < seconds.length; i++) gap = Math.min(gap, seconds[i]! - seconds[i - 1]!);
  const nextMinute = [...minutes].some((m) => minutes.has(m + 1)) || (minutes.has(59) && minutes.has(0) && consecutive(hours, 23));
  if (nextMinute) gap = Math.min(gap, 60 - seconds.at(-1)! + seconds[0]!);
  return gap;
}

/**
 * The shortest time between two ticks of a schedule that passed the check, in seconds, over its
 * next 20 ticks (of a day in 2000): a shard message lives this long.
 */
export function tickPeriodSeconds(checkedSchedule: string): number {
  const runs = new Cron(checkedSchedule, { paused: true, mode: '6-part', timezone: 'UTC' }).nextRuns(20, new Date(Date.UTC(2000, 0, 1)));
  const gaps = runs.slice(1).map((run, i) => (run.getTime() - runs[i]!.getTime()) / 1000);
  return Math.max(1, Math.min(...gaps));
}

/** Six-field NCRONTAB as the Functions timer takes it (seconds first, UTC), checked by croner. */
const schedule = z.string().transform((v, ctx) => {
  const fail = (message: string): typeof z.NEVER => {
    ctx.addIssue({ code: 'custom', message: `${show(v)} ${message}` });
    return z.NEVER;
  };
  const fields = v.split(/\s+/);
  if (fields.length !== 6) {
    return fail(`has ${fields.length} field(s): the Functions timer takes six-field NCRONTAB, seconds first ({second} {minute} {hour} {day} {month} {day-of-week})`);
  }
  const bad = fields.findIndex((f, i) => !FIELD_PATTERNS[i]!.test(f));
  if (bad >= 0) return fail(`is not NCRONTAB: the ${FIELDS[bad]} field ${show(fields[bad])} is not a list of *, numbers, ranges (a-b) and steps (/n)`);
  let next: Date | null;
  try {
    next = new Cron(v, { paused: true, mode: '6-part', timezone: 'UTC' }).nextRun(new Date(Date.UTC(2000, 0, 1)));
  } catch (e) {
    return fail(`is not NCRONTAB: ${(e as Error).message.replace(/^CronPattern: /, '')}`);
  }
  if (next === null) return fail('never fires');
  const gap = shortestGap(fields);
  if (gap < MIN_TICK_SECONDS) return fail(`fires ${gap} s apart: the fastest schedule allowed is every ${MIN_TICK_SECONDS} s (e.g. */${MIN_TICK_SECONDS} * * * * *)`);
  return v;
});

/** Table Storage's rule for table names. */
const tableName = z.string().transform((v, ctx) => {
  if (!/^[A-Za-z][A-Za-z0-9]{2,62}$/.test(v)) ctx.addIssue({ code: 'custom', message: `${show(v)} is not a table name (3-63 letters and digits, starting with a letter)` });
  else if (v.toLowerCase() === 'tables') ctx.addIssue({ code: 'custom', message: `${show(v)} is a name Table Storage reserves` });
  return v;
});

/** InstrumentationKey=<guid>;IngestionEndpoint=...: checked, never repeated (it may carry more). */
const appInsightsConnection = z.string().refine((v) => GUID.test(keyValuePairs(v)?.get('instrumentationkey') ?? ''), 'is not an Application Insights connection string (InstrumentationKey=<guid>;IngestionEndpoint=https://...)');

/** Authorization=AAD, with an optional ClientId=<guid> (the user-assigned identity), in any order. */
const appInsightsAuthentication = z.string().transform((v, ctx): { clientId?: string } => {
  const pairs = keyValuePairs(v);
  const id = pairs?.get('clientid');
  const known = pairs !== undefined && [...pairs.keys()].every((k) => k === 'authorization' || k === 'clientid');
  if (!known || pairs.get('authorization')?.toUpperCase() !== 'AAD' || (id !== undefined && !GUID.test(id))) {
    ctx.addIssue({ code: 'custom', message: `${show(v)} is not Authorization=AAD or Authorization=AAD;ClientId=<client id (a GUID)>` });
    return z.NEVER;
  }
  return id === undefined ? {} : { clientId: id };
});

/** A storage connection string: checked, never repeated (it holds the account key). */
const connectionString = z.string().refine((v) => parseConnectionString(v) !== undefined, "is not a storage connection string (key=value pairs separated by ';', e.g. UseDevelopmentStorage=true)");

/** A storage service URL: https, or http in local development (Azurite). */
const storageUrl = (local: boolean) =>
  serviceUrl(/^https?$/, 'an https:// URL').refine((v) => local || URL.parse(v)?.protocol !== 'http:', 'is an http:// URL: only https:// (http:// needs SCALER_LOCAL_DEVELOPMENT=true)');

const DEFAULT = (value: string): string => `using the default (${value})`;
const IGNORED = 'ignored, as if it were not set';

interface Rule<T> {
  schema: z.ZodType<T, string>;
  /** What is used instead of a bad value, in words. */
  instead: string;
}

/** The scalar settings: name -> rule. Unset or blank means the default, without a word. */
const scalarRules = {
  SCALER_CONCURRENCY: { schema: concurrency, instead: DEFAULT(String(DEFAULT_CONCURRENCY)) },
  SCALER_SCHEDULE: { schema: schedule, instead: DEFAULT(DEFAULT_SCHEDULE) },
  SCALER_STATE_TABLE: { schema: tableName, instead: DEFAULT(DEFAULT_STATE_TABLE) },
  SCALER_SHARD_SIZE: { schema: shardSize, instead: `${IGNORED}: every tick is evaluated by the timer itself` },
  SCALER_SHARD_QUEUE: { schema: queueNameSchema, instead: DEFAULT(DEFAULT_SHARD_QUEUE) },
  SCALER_SHARD_WORKER: { schema: flag, instead: 'counts as false: this app runs the timer and the wake queues' },
  SCALER_IDLE_READING_MAX_AGE: { schema: idleReadingMaxAge, instead: DEFAULT(`${DEFAULT_IDLE_READING_MAX_AGE_S} s`) },
  AZURE_CLIENT_ID: { schema: clientId, instead: `${IGNORED}: the system-assigned identity is used` },
  APPLICATIONINSIGHTS_CONNECTION_STRING: { schema: appInsightsConnection, instead: `${IGNORED}: decisions are written to stdout as JSON lines` },
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: { schema: appInsightsAuthentication, instead: `${IGNORED}: telemetry is sent without Microsoft Entra authentication` },
} satisfies Record<string, Rule<unknown>>;

/** A Functions connection (AzureWebJobsStorage, SCALER_WAKE_<account>): the setting itself, or its __ parts. */
export interface StorageConnection {
  /** The setting itself: a connection string (local development, or a key-based deployment). */
  connectionString?: string | undefined;
  accountName?: string | undefined;
  queueServiceUri?: string | undefined;
  tableServiceUri?: string | undefined;
  serviceUri?: string | undefined;
  clientId?: string | undefined;
}

const connectionRules = (local: boolean) =>
  ({
    '': { schema: connectionString, instead: IGNORED },
    __accountName: { schema: accountNameSchema, instead: IGNORED },
    __queueServiceUri: { schema: storageUrl(local), instead: IGNORED },
    __tableServiceUri: { schema: storageUrl(local), instead: IGNORED },
    __serviceUri: { schema: storageUrl(local), instead: IGNORED },
    __clientId: { schema: clientId, instead: `${IGNORED}: the default identity is used (AZURE_CLIENT_ID, else the system-assigned one)` },
  }) satisfies Record<string, Rule<unknown>>;

const CONNECTION_FIELDS = { '': 'connectionString', __accountName: 'accountName', __queueServiceUri: 'queueServiceUri', __tableServiceUri: 'tableServiceUri', __serviceUri: 'serviceUri', __clientId: 'clientId' } as const;

export interface AppSettings {
  /** SCALER_LOCAL_DEVELOPMENT: connection strings, explicit endpoints and kubeconfig contexts. */
  localDevelopment: boolean;
  /** SCALER_CONCURRENCY: how many targets one tick evaluates at once. */
  concurrency: number;
  /** SCALER_SCHEDULE: six-field NCRONTAB of the evaluation timer (UTC). */
  schedule: string;
  /** SCALER_STATE_TABLE. */
  stateTable: string;
  /** SCALER_SHARD_SIZE: a tick with more due targets fans out to shard workers; absent, never. */
  shardSize?: number | undefined;
  /** SCALER_SHARD_QUEUE: the shard messages' queue, in the app's own storage (AzureWebJobsStorage). */
  shardQueue: string;
  /** SCALER_SHARD_WORKER: this app is the shard workers' (the shard function only, no timer or wake queues). */
  shardWorker: boolean;
  /** SCALER_IDLE_READING_MAX_AGE: seconds a reading of a workload at zero is reused; 0, never. */
  idleReadingMaxAgeSeconds: number;
  /** AZURE_CLIENT_ID: the default user-assigned identity. */
  clientId?: string | undefined;
  appInsightsConnectionString?: string | undefined;
  /** APPLICATIONINSIGHTS_AUTHENTICATION_STRING: Entra ID auth for telemetry, with this identity (or the default). */
  appInsightsAuthentication?: { clientId?: string } | undefined;
  /** AzureWebJobsStorage: the app's own storage account (state table, wake queues without accountName). */
  storage: StorageConnection;
  /** SCALER_WAKE_<account>: the connections of wake queues in other accounts, by connection name. */
  wakeConnections: ReadonlyMap<string, StorageConnection>;
}

/**
 * One setting through its rule: the value, or undefined (blank, or reported to `errors`). The
 * rules of settings that may hold a secret (connection strings) never repeat the value.
 */
function read<T>(settings: Settings, key: string, rule: Rule<T>, errors: ConfigError[]): T | undefined {
  const raw = settings[key]?.trim();
  if (!raw) return undefined;
  const parsed = parseConfig(rule.schema, raw);
  if (parsed.success) return parsed.data as T;
  const reason = parsed.error.issues[0]!.message;
  errors.push(new ConfigError(key, '', `${reason}; ${rule.instead}`));
  return undefined;
}

function readConnection(settings: Settings, name: string, local: boolean, errors: ConfigError[]): StorageConnection {
  const connection: StorageConnection = {};
  for (const [suffix, rule] of Object.entries(connectionRules(local))) {
    const value = read(settings, `${name}${suffix}`, rule as Rule<string>, errors);
    if (value !== undefined) connection[CONNECTION_FIELDS[suffix as keyof typeof CONNECTION_FIELDS]] = value;
  }
  return connection;
}

const WAKE_CONNECTION = /^(SCALER_WAKE_[A-Za-z0-9]+)(?:__[A-Za-z]+)?$/;

/** Every setting of the table, checked: the values to use, and one error per bad setting. */
export function checkAppSettings(settings: Settings): { values: AppSettings; errors: ConfigError[] } {
  const errors: ConfigError[] = [];
  const localDevelopment = read(settings, 'SCALER_LOCAL_DEVELOPMENT', { schema: flag, instead: 'counts as false' }, errors) ?? false;
  // A value that is neither true nor false is reported by the rule and counts as false.
  const scalar = <K extends keyof typeof scalarRules>(key: K) => read(settings, key, scalarRules[key] as unknown as Rule<z.output<(typeof scalarRules)[K]['schema']>>, errors);
  const values: AppSettings = {
    localDevelopment,
    concurrency: scalar('SCALER_CONCURRENCY') ?? DEFAULT_CONCURRENCY,
    schedule: scalar('SCALER_SCHEDULE') ?? DEFAULT_SCHEDULE,
    stateTable: scalar('SCALER_STATE_TABLE') ?? DEFAULT_STATE_TABLE,
    shardSize: scalar('SCALER_SHARD_SIZE'),
    shardQueue: scalar('SCALER_SHARD_QUEUE') ?? DEFAULT_SHARD_QUEUE,
    shardWorker: scalar('SCALER_SHARD_WORKER') ?? false,
    idleReadingMaxAgeSeconds: scalar('SCALER_IDLE_READING_MAX_AGE') ?? DEFAULT_IDLE_READING_MAX_AGE_S,
    clientId: scalar('AZURE_CLIENT_ID'),
    appInsightsConnectionString: scalar('APPLICATIONINSIGHTS_CONNECTION_STRING'),
    appInsightsAuthentication: scalar('APPLICATIONINSIGHTS_AUTHENTICATION_STRING'),
    storage: readConnection(settings, 'AzureWebJobsStorage', localDevelopment, errors),
    wakeConnections: new Map(),
  };
  const wakeNames = new Set(Object.keys(settings).flatMap((k) => WAKE_CONNECTION.exec(k)?.[1] ?? []));
  values.wakeConnections = new Map([...wakeNames].sort().map((name) => [name, readConnection(settings, name, localDevelopment, errors)]));
  return { values, errors };
}

/** The checked values alone (the errors are reported where the configuration is loaded). */
export const appSettings = (settings: Settings): AppSettings => checkAppSettings(settings).values;

/** A Functions connection by name (AzureWebJobsStorage or SCALER_WAKE_<account>), checked. */
export function connectionOf(values: AppSettings, name: string): StorageConnection {
  return name === 'AzureWebJobsStorage' ? values.storage : values.wakeConnections.get(name) ?? {};
}
