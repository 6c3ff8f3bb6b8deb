// A scalingModifiers formula, parsed as KEDA's expr-lang (v1.17.8) parses it and evaluated as it
// evaluates it on float64 values: precedence and associativity (parser/operator/operator.go,
// parser.go), chained comparisons, Go's math.Pow and math.Round, and nil (a trigger taken out by
// fallback.behavior scalingModifiers), which only ??, == and != accept.
import { describe, expect, test } from 'vitest';
import { compileFormula } from '../../shared/config/formula.js';
import { evaluateFormula } from '../../shared/engine/formula.js';

const NAMES = ['a', 'b', 'c'];

interface Row {
  formula: string;
  /** a, b, c; null is nil. */
  values?: (number | null)[];
  /** The value, or a part of the error. */
  want: number | null | { error: string };
}

const run = (formula: string, values: (number | null)[] = [3, 4, 5]) => evaluateFormula(compileFormula(formula, NAMES), values, NAMES);

const rows: Row[] = [
  // arithmetic and precedence
  { formula: 'a + b * c', want: 23 },
  { formula: '(a + b) * c', want: 35 },
  { formula: 'a - b - c', want: -6 }, // left-associative
  { formula: 'a / b', want: 0.75 }, // always a float division
  { formula: 'c - a / b * 4', want: 2 },
  { formula: '2 ** 3 ** 2', want: 512 }, // right-associative
  { formula: '2 ^ 3 ^ 2', want: 512 }, // ^ is a power too
  { formula: '(2 ^ 3) ^ 2', want: 64 },
  { formula: 'a ^ 2 + 1', want: 10 }, // above + and * (not JavaScript's XOR)
  // unary - and + bind looser than ** and ??, tighter than * and /
  { formula: '-a ** 2', want: -9 },
  { formula: '(-a) ** 2', want: 9 },
  { formula: '- -a ** 2', want: 9 },
  { formula: '2 * -a ** 2', want: -18 },
  { formula: '-a * b', want: -12 },
  { formula: '-a ** 2 * 2', want: -18 },
  { formula: '-a ?? b', values: [null, 4, 5], want: -4 }, // -(a ?? b)
  { formula: '-a ?? b + 1', values: [null, 4, 5], want: -3 }, // (-(a ?? b)) + 1
  // ?? binds tightest, left to right
  { formula: 'a ?? b', values: [null, 4, 5], want: 4 },
  { formula: 'a ?? b ?? c', values: [null, null, 5], want: 5 },
  { formula: 'a ?? b ?? 8', values: [null, null, null], want: 8 },
  { formula: 'a ?? b', values: [null, null, 5], want: null },
  { formula: '2 * a ?? b', values: [null, 4, 5], want: 8 }, // 2 * (a ?? b)
  { formula: '1 + a ?? b + 2', values: [null, 4, 5], want: 7 }, // expr lets ?? follow another operator
  { formula: '(a ?? b) * 2', values: [3, null, 5], want: 6 },
  // comparisons, chained as expr chains them
  { formula: 'a < b ? 1 : 0', want: 1 },
  { formula: '1 < a < 10 ? 1 : 0', want: 1 },
  { formula: '1 < a < 10 ? 1 : 0', values: [10, 0, 0], want: 0 },
  { formula: 'a < b <= c > 1 ? 1 : 0', want: 1 },
  { formula: 'a < b < 4 ? 1 : 0', want: 0 }, // a < b, but not b < 4
  { formula: '(a < b) == (b < c) ? 1 : 0', want: 1 },
  { formula: 'a == 3 ? 1 : 0', want: 1 },
  { formula: 'a != 3 ? 1 : 0', want: 0 },
  // logical operators, both spellings
  { formula: 'a > 1 && b > 10 ? 1 : 0', want: 0 },
  { formula: 'a > 1 and b > 1 ? 1 : 0', want: 1 },
  { formula: 'a > 10 || b > 1 ? 1 : 0', want: 1 },
  { formula: 'a > 10 or b > 10 ? 1 : 0', want: 0 },
  { formula: '!(a > 1) ? 1 : 0', want: 0 },
  { formula: 'not (a > 1) ? 1 : 0', want: 0 },
  { formula: 'a > 1 || b > 1 && c > 10 ? 1 : 0', want: 1 }, // && binds tighter
  { formula: 'true ? a : b', want: 3 },
  // the ternary: nested to the right, as in the docs
  { formula: 'a < 2 ? a + b >= 2 ? 5 : 10 : 0', values: [1, 1, 0], want: 5 },
  { formula: 'a < 2 ? a + b >= 2 ? 5 : 10 : 0', values: [1, 0, 0], want: 10 },
  { formula: 'a < 2 ? a + b >= 2 ? 5 : 10 : 0', values: [2, 0, 0], want: 0 },
  { formula: 'a > 2 ? 1 : b > 2 ? 2 : 3', values: [0, 3, 0], want: 2 },
  // functions
  { formula: 'max(a, b, c)', want: 5 },
  { formula: 'min([a, b], c)', want: 3 },
  { formula: 'max([a, b, c])', want: 5 },
  { formula: 'abs(a - c)', want: 2 },
  { formula: 'ceil(a / b)', want: 1 },
  { formula: 'floor(c / b)', want: 1 },
  { formula: 'round(a / 2)', want: 2 }, // 1.5 -> 2
  { formula: 'round(-a / 2)', want: -2 }, // Go rounds half away from zero: -1.5 -> -2
  { formula: 'round(-5 / 2)', want: -3 }, // JavaScript's Math.round gives -2
  { formula: 'int(-c / 2)', want: -2 }, // truncated toward zero
  { formula: 'float(a < b ? c + a : 5)', want: 8 }, // KEDA's own cast, written by hand
  { formula: 'float(float(a))', want: 3 },
  { formula: 'count([a, b, c], {# > 3}) > 1 ? 5 : 0', want: 5 },
  { formula: 'count([a, b, c], {# > a})', want: 2 },
  { formula: 'count([a, b], {count([#, c], {# > 4}) > 0})', want: 2 }, // the inner # is the inner element
  // IEEE and Go's math on the edges
  { formula: 'a / (b - b)', want: Infinity },
  { formula: '-a / (b - b)', want: -Infinity },
  { formula: '(a - a) / (b - b)', want: NaN },
  { formula: '1 ** ((a - a) / (b - b))', want: 1 }, // Go: Pow(1, y) = 1 for any y; JavaScript: NaN
  { formula: '((a - a) / (b - b)) ** 0', want: 1 },
  { formula: '(0 - 1) ** (a / (b - b))', want: 1 }, // Go: Pow(-1, ±Inf) = 1
  { formula: '10 ** 400', want: Infinity },
  { formula: 'max((a - a) / (b - b), 3)', want: NaN }, // expr's minMax: a NaN that comes first stays
  { formula: 'max(3, (a - a) / (b - b))', want: 3 },
  // nil: only ??, == and != take it
  { formula: 'a == b ? 1 : 0', values: [null, null, 0], want: 1 },
  { formula: 'a != 1 ? 1 : 0', values: [null, 0, 0], want: 1 },
  { formula: 'a > 10 && b > 1 ? 1 : 0', values: [3, null, 0], want: 0 }, // && stops before the nil
  { formula: 'a + 1', values: [null, 0, 0], want: { error: 'trigger "a" is nil (its failures passed fallback.failureThreshold) and + needs a number' } },
  { formula: 'b > 1 ? 1 : 0', values: [0, null, 0], want: { error: 'trigger "b" is nil' } },
  { formula: 'max(a, 1)', values: [null, 0, 0], want: { error: 'trigger "a" is nil (its failures passed fallback.failureThreshold) and max() needs a number' } },
  { formula: 'count([a, b], {# > 1})', values: [null, 0, 0], want: { error: 'the element # is nil' } },
  { formula: 'a', values: [null, 0, 0], want: null },
  { formula: 'int(a / (b - b))', want: { error: 'int() of Infinity' } },
];

describe('evaluateFormula, on formulas compiled at load', () => {
  test.each(rows)('$formula with $values', (row) => {
    const got = run(row.formula, row.values);
    if (row.want !== null && typeof row.want === 'object') {
      expect(got).toEqual({ error: expect.stringContaining(row.want.error) });
    } else {
      expect(got).toEqual({ value: row.want });
    }
  });

  test('a formula gives the same value however often it is evaluated (no state)', () => {
    const node = compileFormula('count([a, b, c], {# > 3}) + max(a, b) ?? 0', NAMES);
    const first = evaluateFormula(node, [3, 4, 5], NAMES);
    for (let i = 0; i < 5; i++) expect(evaluateFormula(node, [3, 4, 5], NAMES)).toEqual(first);
  });

  test('the tree is plain JSON: it survives a round trip (the engine is given data, not code)', () => {
    const node = compileFormula('a > 1 ? max([a, b], c) ** 2 : count([a], {# > 0}) ?? 1', NAMES);
    expect(JSON.parse(JSON.stringify(node))).toEqual(node);
    expect(evaluateFormula(JSON.parse(JSON.stringify(node)), [3, 4, 5], NAMES)).toEqual({ value: 25 });
  });
});
