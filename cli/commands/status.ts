// `status`: what the state table says of each target, read-only (shared/runtime/status.ts).
import { messageOf } from '../../shared/errors/index.js';
import { createRuntime, readStatus, type RemovedRow, type StatusReport, type TargetStatus } from '../../shared/runtime/index.js';
import { createJsonLinesTelemetry } from '../../shared/telemetry/index.js';
import { EXIT_FAILED, EXIT_OK, INPUT_HELP, INPUT_OPTIONS, INPUT_USAGE, noPositionals, parseCommandLine, readSettings, type Command } from '../command.js';

const HELP = `Usage: aks-queue-scaler status ${INPUT_USAGE} [--json]

Reads the state table once and prints, per configured target, what its row says:

  REPLICAS     the replicas its last decision left (an evaluation, or a wake)
  DECIDED      when its row was last written (by the table's clock)
  EVALUATED    when the evaluation loop last evaluated it
  POLLED       when the tick of its last poll started (the evaluation that may wake it or take
               it to zero; the next is due pollingInterval after it)
  LAST ACTIVE  the last evaluation that saw it active; the cooldown runs from it
  COOLDOWN     what is left of it now ("over": it may scale in; "-": it is at 0 or idle)
  FAILURES     consecutive failed reads, per trigger
  ROW          ok; none (never evaluated yet); or invalid, and why (its next evaluation
               starts from fresh state and replaces the row)

then the rows of targets no longer configured, and when the evaluation loop deletes them.
Nothing is written: not the state (the table is not even created), not the scale; neither
clusters nor queues are read. Problems and warnings in the settings go to standard error.

Options:
${INPUT_HELP}
  --json            print the report as JSON: { now, table, targets: [{ target, row,
                    lastDecision: { at, replicas }, lastEvaluated, lastPolled (the tick
                    start of its last poll: pollingInterval counts from it), lastWakeConfirmed,
                    lastActiveTime, createdTime, cooldown: { endsAt, secondsLeft, from, asleep },
                    triggerFailures, scaledToZero, invalid }], removed: [{ target, lastDecision,
                    lastEvaluated, invalid, fate }], stateError }
  -h, --help        this text
  --version         the version

Exit codes: 0 the state was read, 1 it could not be (or the settings could not), 2 usage.`;

/** A time relative to `now`: 12s ago, 4m05s ago, 3h10m ago, 2d04h ago; "in ..." for a time ahead of this clock. */
export function ago(iso: string | null | undefined, now: number): string {
  if (!iso) return '-';
  const ms = now - Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  const text = duration(Math.round(Math.abs(ms) / 1000));
  return ms >= 0 ? `${text} ago` : `in ${text}`;
}

/** Seconds as 12s, 4m05s, 3h10m, 2d04h. */
export function duration(s: number): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${two(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${two(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86_400)}d${two(Math.floor((s % 86_400) / 3600))}h`;
}

function cooldownCell(t: TargetStatus): string {
  if (!t.cooldown || t.cooldown.asleep) return '-';
  return t.cooldown.secondsLeft > 0 ? duration(t.cooldown.secondsLeft) : 'over';
}

function rowCell(t: TargetStatus): string {
  if (t.row === 'none') return 'none (never evaluated yet)';
  return t.row === 'invalid' ? `invalid: ${t.invalid}` : 'ok';
}

function targetCells(t: TargetStatus, now: number): string[] {
  return [
    t.target,
    t.lastDecision?.replicas === undefined ? '-' : String(t.lastDecision.replicas),
    ago(t.lastDecision?.at, now),
    ago(t.lastEvaluated, now),
    ago(t.lastPolled, now),
    t.row !== 'ok' ? '-' : t.lastActiveTime ? ago(t.lastActiveTime, now) : 'never',
    cooldownCell(t),
    t.triggerFailures?.join(',') ?? '-',
    rowCell(t),
  ];
}

/** Columns padded to their widest cell, the last one left as it is. */
function columns(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i < r.length - 1 ? cell.padEnd(widths[i]!) : cell)).join('  ').trimEnd()).join('\n');
}

function removedLine(r: RemovedRow, now: number): string {
  const replicas = r.lastDecision.replicas === undefined ? '' : `replicas ${r.lastDecision.replicas}, `;
  return `  ${r.target}: ${replicas}decided ${ago(r.lastDecision.at, now)}, evaluated ${ago(r.lastEvaluated, now)}${r.invalid ? `; invalid: ${r.invalid}` : ''}; ${r.fate}`;
}

export function statusText(report: StatusReport): string {
  const now = Date.parse(report.now);
  const lines = [`state table ${report.table}, at ${report.now}`];
  if (report.targets.length === 0) lines.push('no valid targets are configured');
  else lines.push(columns([['TARGET', 'REPLICAS', 'DECIDED', 'EVALUATED', 'POLLED', 'LAST ACTIVE', 'COOLDOWN', 'FAILURES', 'ROW'], ...report.targets.map((t) => targetCells(t, now))]));
  if (report.removed.length > 0) lines.push('', 'Rows of targets no longer configured:', ...report.removed.map((r) => removedLine(r, now)));
  return lines.join('\n');
}

export const statusCommand: Command = {
  name: 'status',
  summary: 'what the state table says of each target: last decision, cooldown, failures (read-only)',
  async run(args) {
    const line = parseCommandLine(args, { ...INPUT_OPTIONS, json: { type: 'boolean' } }, HELP, noPositionals);
    if (typeof line === 'number') return line;
    const options = line.values;
    let report: StatusReport;
    try {
      // Problems and warnings in the settings go to stderr; the status covers the valid targets.
      const runtime = createRuntime(await readSettings(options), { telemetry: createJsonLinesTelemetry((l) => void process.stderr.write(l)) });
      report = await readStatus(runtime);
    } catch (e) {
      process.stderr.write(`status: ${messageOf(e)}\n`);
      return EXIT_FAILED;
    }
    if (report.stateError) process.stderr.write(`status: the state table ${report.table} could not be read: ${report.stateError}\n`);
    if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else if (!report.stateError) process.stdout.write(`${statusText(report)}\n`);
    return report.stateError ? EXIT_FAILED : EXIT_OK;
  },
};
