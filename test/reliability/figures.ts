// The figures of the reliability suite (docs/reliability.md): each test records what it tried,
// one JSON line per figure, into $RELIABILITY_FIGURES when the report script
// (scripts/reliability-report.mjs) sets it; a plain `npm test` records nothing.
import { appendFileSync } from 'node:fs';

/** The service a fault was injected in front of. */
export type FaultedService = 'kube-apiserver' | 'arm' | 'identity' | 'queue' | 'table';

/** One fault tried: what the tick did, and what the test proved about it. */
export interface FaultFigure {
  type: 'fault';
  service: FaultedService;
  /** e.g. "503", "reset mid-answer", "delay past the timeout". */
  fault: string;
  /** What the tick (or wake) did under the fault: the faulty target's outcome, in words. */
  outcome: string;
  /** No workload went below the replicas it had before the fault (asserted). */
  noScaleDown: boolean;
  /** The next healthy tick scaled as wanted, without errors (asserted). */
  recovered: boolean;
  /** Wall time of the faulty target's evaluation. */
  faultyMs: number;
  /** Wall time until the targets elsewhere had their decisions; null when the fault touches every target. */
  othersMs: number | null;
}

/** Something counted: race operations, fuzz cases, killed ticks, security checks. */
export interface CountFigure {
  type: 'count';
  kind: 'race-operations' | 'fuzz-cases' | 'killed-ticks' | 'security-checks';
  /** What was counted, e.g. "loadConfig: arbitrary JSON". */
  subject: string;
  count: number;
  /** Anything worth a line in the report (e.g. how many of the cases were errors). */
  note?: string;
}

export type Figure = FaultFigure | CountFigure;

export function recordFigure(figure: Figure): void {
  const file = process.env.RELIABILITY_FIGURES;
  if (file) appendFileSync(file, `${JSON.stringify(figure)}\n`);
}

export function recordCount(kind: CountFigure['kind'], subject: string, count: number, note?: string): void {
  recordFigure({ type: 'count', kind, subject, count, ...(note ? { note } : {}) });
}
