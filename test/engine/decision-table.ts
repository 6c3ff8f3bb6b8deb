// One table runner for the engine's rows of "this spec, these replicas and readings, this state:
// that count, for that reason". Each file says whether an unmarked row is one of KEDA's polls.
import { describe, expect, test } from 'vitest';
import { decide } from '../../shared/engine/decide.js';
import type { Action, ReasonCode, ScalerState, ScalingSpec, TriggerResult } from '../../shared/engine/index.js';
import { NOW, spec, value } from './fixtures.js';

export interface DecisionRow {
  name: string;
  spec?: Partial<ScalingSpec>;
  current: number;
  /** Default: one trigger reading 0. */
  triggers?: TriggerResult[];
  annotations?: Record<string, string>;
  state?: ScalerState;
  /** Default: the table's. */
  poll?: boolean;
  /** action and lastActiveTime are compared only when given. */
  want: { replicas: number; code: ReasonCode; action?: Action; lastActiveTime?: string | null };
}

/** A describe block with one test per row; `poll` is what a row without one is. */
export function decisionTable(title: string, rows: DecisionRow[], defaults: { poll: boolean }): void {
  describe(title, () => {
    test.each(rows)('$name', (row) => {
      const observation = { specReplicas: row.current, annotations: row.annotations, triggers: row.triggers ?? [value(0)], poll: row.poll ?? defaults.poll };
      const got = decide(spec(row.spec), observation, row.state ?? {}, NOW);
      const picked: DecisionRow['want'] = { replicas: got.replicas, code: got.code };
      if (row.want.action !== undefined) picked.action = got.action;
      if (row.want.lastActiveTime !== undefined) picked.lastActiveTime = got.state.lastActiveTime;
      expect(picked).toEqual(row.want);
      expect(got.reason).not.toBe('');
    });
  });
}
