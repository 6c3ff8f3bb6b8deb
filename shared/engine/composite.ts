// advanced.scalingModifiers: KEDA's composite metric. The formula's value takes the place of the
// triggers' metrics: the HPA gets one External metric (composite-metric) with
// scalingModifiers.target as its AverageValue or Value target, and the target is active when that
// value is above activationTarget (0 by default). As KEDA's scale handler computes it for the HPA
// (GetScaledObjectMetrics) and for activity (getScaledObjectState), with HandleScalingModifiers
// and doFallback (docs/engine.md, "Scaling modifiers"):
// - Every trigger is read, named in the formula or not. One that fails with its failures not past
//   fallback.failureThreshold (or with no fallback) makes the composite an error: the HPA cannot
//   use it and the target is not active.
// - A trigger past failureThreshold with fallback static / currentReplicas / ...IfHigher /
//   ...IfLower: the formula is not evaluated; the composite is the fallback metric, target x the
//   fallback replicas (over the ready pods for a Value target), so the HPA lands on them. It is
//   active when that is above activationTarget, unless another trigger failed.
// - With fallback.behavior scalingModifiers, such a trigger is nil in the formula instead, for ??
//   to route around; a formula that gives nil (one with ?? in it) gives fallback.replicas x target.
// - KEDA sends the value in thousandths, cut toward zero (int64(value x 1000)); so does this.
// Departure: a formula that cannot be evaluated (nil where a number is needed) or whose value is
// NaN or infinite is an error here, so the target holds. KEDA then sends the HPA no metric (it
// does not scale either) but counts the target not active without an error, so its cooldown runs
// and it can be taken to zero; and it converts NaN or infinity to int64's minimum.
import { evaluateFormula } from './formula.js';
import { fallbackReplicas, isFallbackInEffect } from './fallback.js';
import { fallbackMetric, replicasFor, shownProposal, type Tolerances, type ValueReplicas } from './metric.js';
import type { ScalingModifiers, ScalingSpec, TriggerResult } from './types.js';

export interface CompositeReading {
  /** The composite value is above activationTarget, and no trigger failed without fallback. */
  active: boolean;
  /** A trigger failed without fallback, or the formula could not be evaluated. */
  anyError: boolean;
  /** A fallback metric (or fallback.replicas, for a formula that gave nil) is in the formula's place. */
  fallbackActive: boolean;
  /** The HPA's answer for the composite metric; undefined when it has none to use. */
  proposal: number | undefined;
  /** The composite metric's value; null when there is none. */
  value: number | null;
  /** One line per trigger, then the composite's. */
  notes: string[];
}

/** What one trigger gives the composite. */
type Input =
  | { value: number }
  /** Past failureThreshold with fallback.behavior scalingModifiers: nil in the formula. */
  | { nil: true }
  /** Past failureThreshold with another fallback behavior: this metric replaces the formula. */
  | { fallback: number }
  /** An error the composite cannot do without. */
  | { error: true };

/** In thousandths, cut toward zero, as KEDA's SetMilli(int64(value * 1000)). */
const milli = (value: number): number => Math.trunc(value * 1000) / 1000;

export function readComposite(
  spec: ScalingSpec,
  modifiers: ScalingModifiers,
  checked: TriggerResult[],
  failures: number[],
  counts: ValueReplicas & { status: number },
  tolerances: Tolerances,
): CompositeReading {
  const { fallback } = spec;
  const label = (i: number): string => `trigger ${i}${spec.triggers[i]?.name ? ` (${spec.triggers[i]!.name})` : ''}`;
  const notes: string[] = [];
  const inputs: Input[] = checked.map((result, i): Input => {
    if (!('error' in result)) {
      notes.push(`${label(i)}: value ${result.value}`);
      return { value: result.value };
    }
    const n = failures[i]!;
    if (!isFallbackInEffect(fallback, n)) {
      notes.push(`${label(i)}: error (${n} in a row): ${result.error}`);
      return { error: true };
    }
    const past = `${label(i)}: error after ${n} failures (> failureThreshold ${fallback.failureThreshold})`;
    if (fallback.behavior === 'scalingModifiers') {
      notes.push(`${past}: nil in the formula: ${result.error}`);
      return { nil: true };
    }
    const replicas = fallbackReplicas(fallback, counts.spec);
    const metric = fallbackMetric(modifiers.metricType, modifiers.target, replicas, counts.ready);
    if (metric === undefined) {
      notes.push(`${past}: no fallback: a Value target divides it by the ready pods, and none is ready: ${result.error}`);
      return { error: true };
    }
    notes.push(`${past}: fallback ${fallback.behavior} ${replicas} x target ${modifiers.target} = ${metric}: ${result.error}`);
    return { fallback: metric };
  });

  const failed = inputs.some((input) => 'error' in input);
  const first = inputs.find((input): input is { fallback: number } => 'fallback' in input);
  const against = `${modifiers.metricType} target ${modifiers.target}, activation ${modifiers.activationTarget}`;
  const answer = (value: number, source: string, fallbackActive: boolean): CompositeReading => {
    const proposal = replicasFor(modifiers.metricType, value, modifiers.target, counts, tolerances);
    // KEDA's activity: no trigger failed (a trigger in fallback has not), and value > activationTarget.
    const active = !failed && value > modifiers.activationTarget;
    const state = failed ? 'not active: a trigger failed' : active ? 'active' : 'not active';
    notes.push(`composite: ${source} = ${value} (${against}, ${state}) -> ${shownProposal(proposal)}`);
    return { active, anyError: failed, fallbackActive, proposal, value, notes };
  };
  const none = (why: string): CompositeReading => {
    notes.push(`composite: none: ${why}`);
    return { active: false, anyError: true, fallbackActive: false, proposal: undefined, value: null, notes };
  };

  // A fallback metric stands for the whole composite: the formula is not evaluated (the HPA gets
  // the first trigger's fallback metric even when another trigger failed without one).
  if (first) return answer(first.fallback, 'fallback metric', true);
  if (failed) return none('a trigger failed (no fallback past failureThreshold)');
  const values = inputs.map((input) => ('value' in input ? input.value : null));
  const result = evaluateFormula(modifiers.expression, values, spec.triggers.map((t) => t.name));
  if ('error' in result) return none(`the formula ${JSON.stringify(modifiers.formula)} failed: ${result.error}`);
  if (result.value === null) {
    // KEDA wraps a formula with ?? so that it may give nil, and then falls back; any other formula is float(...), which fails on nil.
    if (!modifiers.formula.includes('??')) return none(`the formula ${JSON.stringify(modifiers.formula)} gave nil`);
    if (!fallback) return none(`the formula ${JSON.stringify(modifiers.formula)} gave nil and no fallback is configured`);
    return answer(milli(fallback.replicas * modifiers.target), `the formula gave nil: fallback.replicas ${fallback.replicas} x target ${modifiers.target}`, true);
  }
  if (!Number.isFinite(result.value)) return none(`the formula ${JSON.stringify(modifiers.formula)} gave ${result.value}, not a finite number`);
  return answer(milli(result.value), `formula ${JSON.stringify(modifiers.formula)}`, false);
}
