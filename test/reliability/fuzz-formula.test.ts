// Hostile scalingModifiers formulas, fuzzed (fast-check): whatever the text, compiling it at load
// either gives a tree or refuses it with a message (FormulaRefusal), never another exception,
// and in bounded time; a compiled tree is plain data whose evaluation on any values (NaN,
// Infinity, nil) gives a value or an error, never an exception, in bounded time; nothing reaches
// a prototype (constructor, __proto__, member access are refused, and Object.prototype is
// unchanged after every case); huge exponents give Infinity, not a hang; nesting and length past
// the bounds are refused by message, never by a stack overflow. Through loadConfig too: a target
// with such a formula is refused or loads, and never stops its neighbour.
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../shared/config/index.js';
import { compileFormula, FormulaRefusal, MAX_FORMULA_LENGTH } from '../../shared/config/formula.js';
import { evaluateFormula, MAX_FORMULA_DEPTH, type FormulaNode } from '../../shared/engine/formula.js';
import { recordCount } from './figures.js';

const RUNS = 1_000;
const NAMES = ['a', 'b', 'orders'];
/** Generous: a compile or an evaluation takes well under a millisecond; this only catches a hang or a blow-up. */
const BOUND_MS = 250;

const counts: [string, number][] = [];
const counted = <T>(subject: string, runs: number, property: fc.IProperty<[T]>): void => {
  fc.assert(property, { numRuns: runs });
  counts.push([subject, runs]);
};

const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();

/** What compiling gives: a tree, or the refusal's message. Anything else thrown fails the property. */
function compiled(formula: string): { node: FormulaNode } | { refused: string } {
  const started = performance.now();
  try {
    return { node: compileFormula(formula, NAMES) };
  } catch (e) {
    if (!(e instanceof FormulaRefusal)) throw e;
    expect(e.message.trim().length).toBeGreaterThan(0);
    // A message names what it refuses; it does not dump the formula back.
    expect(e.message.length).toBeLessThan(400);
    return { refused: e.message };
  } finally {
    expect(performance.now() - started).toBeLessThan(BOUND_MS);
    // Nothing was added to, or changed on, every object's prototype.
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_KEYS);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }
}

const anyValue: fc.Arbitrary<number | null> = fc.oneof(
  fc.constantFrom(null, 0, -0, 1, -1, NaN, Infinity, -Infinity, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53, 1e308),
  fc.double(),
  fc.integer({ min: 0, max: 1_000_000 }),
);

/** Evaluating a tree on any values: a value or an error, never an exception, in bounded time. */
function evaluatesTotally(node: FormulaNode, values: (number | null)[]): void {
  const started = performance.now();
  const result = evaluateFormula(node, values, NAMES);
  expect(performance.now() - started).toBeLessThan(BOUND_MS);
  if ('error' in result) expect(typeof result.error).toBe('string');
  else expect(result.value === null || typeof result.value === 'number').toBe(true);
}

// ---- formulas built from the grammar's pieces, valid or not ------------------------------------

const atom = fc.oneof(
  fc.constantFrom('a', 'b', 'orders', '0', '1', '2.5', '1e308', '1e309', '1e-320', '.5', 'true', 'false', '#', 'nil', 'null'),
  fc.integer({ min: 0, max: 10_000 }).map(String),
  fc.double({ noNaN: true, min: 0 }).map(String),
);
const operator = fc.constantFrom('+', '-', '*', '/', '**', '^', '%', '==', '!=', '<', '<=', '>', '>=', '&&', '||', 'and', 'or', '??', 'in', '..', '|', '=', '===');
const unary = fc.constantFrom('-', '+', '!', 'not ', '~');

const { expression } = fc.letrec<{ expression: string }>((tie) => ({
  expression: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atom,
    fc.tuple(tie('expression'), operator, tie('expression')).map(([l, op, r]) => `${l} ${op} ${r}`),
    fc.tuple(unary, tie('expression')).map(([u, e]) => `${u}${e}`),
    tie('expression').map((e) => `(${e})`),
    fc.tuple(tie('expression'), tie('expression'), tie('expression')).map(([c, t, e]) => `${c} ? ${t} : ${e}`),
    fc.tuple(fc.constantFrom('min', 'max', 'abs', 'ceil', 'floor', 'round', 'int', 'float', 'sqrt', 'toString', 'constructor'), fc.array(tie('expression'), { maxLength: 3 }))
      .map(([fn, args]) => `${fn}(${args.join(', ')})`),
    fc.tuple(fc.array(tie('expression'), { maxLength: 3 }), tie('expression')).map(([items, p]) => `count([${items.join(', ')}], {${p}})`),
    fc.array(tie('expression'), { maxLength: 3 }).map((items) => `[${items.join(', ')}]`),
  ),
}));

/** Ways to reach for a prototype, or for code, that a formula might try. */
const HOSTILE = [
  'constructor', '__proto__', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'this', 'globalThis', 'process', 'require', 'eval', 'Function',
  'a.constructor', 'a.constructor.constructor("return process")()', 'a["constructor"]', 'a["__proto__"]', 'a.__proto__.polluted = 1', '__proto__.polluted',
  '[].constructor', '(1).constructor', '"".constructor.prototype', 'constructor.prototype.polluted', 'Object.prototype', 'toString()', 'constructor(a)',
  'a?.constructor', 'a::b', '`${a}`', '/a/.test("a")', 'import("fs")', 'new Function("x")', 'a => a', 'function () {}', '{}.toString', 'a = 1', 'a += 1',
  'let x = 1; x', 'if a > 1 { 1 } else { 2 }', '$env', '$env.a', 'a | max()', 'sum([a, b])', 'map([a], #)', '#index', '#acc', '.field', 'a in [1]', '1..3', '"constructor"',
];

describe('scalingModifiers formulas, fuzzed', () => {
  afterAll(() => {
    for (const [subject, count] of counts) recordCount('fuzz-cases', `scalingModifiers formula: ${subject}`, count);
  });

  test('formulas built from the grammar\'s pieces: compiled or refused by message; a tree evaluates totally on any values', () => {
    counted('grammar pieces, valid or not, evaluated on any values', RUNS, fc.property(fc.tuple(expression, fc.array(anyValue, { minLength: 3, maxLength: 3 })), ([formula, values]) => {
      const got = compiled(formula);
      if ('node' in got) {
        evaluatesTotally(got.node, values);
        // Plain data: the same tree after a JSON round trip, and so the same answer.
        expect(JSON.parse(JSON.stringify(got.node))).toEqual(got.node);
      }
    }));
  });

  test('arbitrary text, any characters: compiled or refused by message, never another exception', () => {
    const text = fc.oneof(fc.string({ maxLength: 120 }), fc.string({ unit: 'grapheme', maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 120 }),
      fc.array(fc.constantFrom('(', ')', '[', ']', '{', '}', '?', ':', '??', '#', '.', ',', ';', '"', "'", '`', '\\', 'a', '1', ' ', '\n', '-', '!', '=', '<', '>', '&', '|', '*', '/'), { maxLength: 80 }).map((cs) => cs.join('')));
    counted('arbitrary text', RUNS, fc.property(text, (formula) => {
      const got = compiled(formula);
      if ('node' in got) evaluatesTotally(got.node, [1, 2, 3]);
    }));
  });

  test('reaching for a prototype or for code is refused, alone or inside any formula', () => {
    for (const hostile of HOSTILE) expect(compiled(hostile)).toHaveProperty('refused');
    counted('prototype and code access inside formulas', RUNS / 2, fc.property(fc.tuple(expression, fc.constantFrom(...HOSTILE), fc.constantFrom('+', '??', '*', ' ? 1 : ', ', ')), ([formula, hostile, glue]) => {
      for (const text of [`${formula} ${glue} ${hostile}`, `${hostile} ${glue} ${formula}`, `max(${formula}, ${hostile})`, `count([${hostile}], {# > ${formula}})`]) {
        expect(compiled(text)).toHaveProperty('refused');
      }
    }));
  });

  test('huge exponents and towers of powers: Infinity or NaN, at once', () => {
    const exponent = fc.oneof(fc.constantFrom('1e308', '9'.repeat(300), '2 ** 1024', '(a ** a) ** (a ** a)', '-1e308', '(10 ** 308) ** (10 ** 308)'), fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => `(${d})`));
    counted('huge exponents', RUNS / 2, fc.property(fc.tuple(fc.array(exponent, { minLength: 1, maxLength: 12 }), fc.array(anyValue, { minLength: 3, maxLength: 3 })), ([powers, values]) => {
      const formula = `a ** ${powers.join(' ** ')}`;
      const got = compiled(formula);
      if (formula.length > MAX_FORMULA_LENGTH) return void expect(got).toEqual({ refused: `is ${formula.length} characters long: at most ${MAX_FORMULA_LENGTH}` });
      expect(got).toHaveProperty('node');
      evaluatesTotally((got as { node: FormulaNode }).node, values);
    }));
  });

  test('deep nesting of every kind: refused by message past the bound, never a stack overflow', () => {
    const wrap = fc.constantFrom(
      (e: string) => `(${e})`,
      (e: string) => `-${e}`,
      (e: string) => `!${e}`,
      (e: string) => `abs(${e})`,
      (e: string) => `max(${e}, 1)`,
      (e: string) => `a > 1 ? ${e} : 0`,
      (e: string) => `${e} ?? a`,
      (e: string) => `a + ${e}`,
      (e: string) => `${e} ** 2`,
      (e: string) => `count([${e}], {# > 0})`,
      (e: string) => `[${e}]`,
    );
    counted('deep nesting', RUNS / 4, fc.property(fc.tuple(wrap, fc.integer({ min: 1, max: 5_000 })), ([w, depth]) => {
      let formula = 'a';
      for (let i = 0; i < depth && formula.length <= 3 * MAX_FORMULA_LENGTH; i++) formula = w(formula);
      const got = compiled(formula);
      if ('node' in got) evaluatesTotally(got.node, [1, 2, 3]);
      else if (formula.length > MAX_FORMULA_LENGTH) expect(got.refused).toMatch(/characters long|deep/);
    }));
    // One at each bound, by name.
    expect(compiled(`${'('.repeat(MAX_FORMULA_DEPTH + 1)}a${')'.repeat(MAX_FORMULA_DEPTH + 1)}`)).toEqual({ refused: `nests parentheses, brackets or braces more than ${MAX_FORMULA_DEPTH} deep` });
    expect(compiled(`a${' + a'.repeat(MAX_FORMULA_DEPTH)}`)).toEqual({ refused: `nests operations more than ${MAX_FORMULA_DEPTH} deep` });
    expect(compiled(`${'-'.repeat(MAX_FORMULA_LENGTH - 1)}a`)).toEqual({ refused: `nests operations more than ${MAX_FORMULA_DEPTH} deep` });
  });

  test('long inputs are refused by their length, at once', () => {
    counted('long inputs', RUNS / 4, fc.property(fc.tuple(fc.integer({ min: MAX_FORMULA_LENGTH + 1, max: 200_000 }), fc.constantFrom('a + ', '(', 'a', '9', '"', '# ')), ([length, piece]) => {
      const formula = piece.repeat(Math.ceil(length / piece.length)).slice(0, length);
      expect(compiled(formula)).toEqual({ refused: `is ${length} characters long: at most ${MAX_FORMULA_LENGTH}` });
    }));
  });

  test('through loadConfig: a target with any formula is refused or loads; its neighbour always loads', () => {
    const AKS_ID = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks';
    const queue = (name: string) => ({ type: 'azure-queue', name, metadata: { queueName: name, accountName: 'shopdata' } });
    const good = { namespace: 'shop', name: 'good', scaleTargetRef: { name: 'good' }, triggers: [queue('orders')] };
    const formula = fc.oneof(expression, fc.constantFrom(...HOSTILE), fc.string({ maxLength: 60 }), fc.jsonValue({ maxDepth: 2 }));
    counted('formulas in SCALER_TARGETS', RUNS / 2, fc.property(formula, (f) => {
      const bad = { namespace: 'shop', name: 'bad', scaleTargetRef: { name: 'bad' }, triggers: [queue('a'), queue('b')], advanced: { scalingModifiers: { formula: f, target: '5' } } };
      let config: ReturnType<typeof loadConfig> | undefined;
      expect(() => (config = loadConfig({ SCALER_TARGETS: JSON.stringify([good, bad]), SCALER_CLUSTERS: JSON.stringify({ prod: { resourceId: AKS_ID } }) }))).not.toThrow();
      expect(config!.targets.map((t) => t.id)).toContain('shop/good');
      for (const e of config!.errors) {
        expect(e.where).toBe('target shop/bad');
        expect(e.message).not.toMatch(/\[object Object\]|TypeError|RangeError|ZodError/);
      }
      const loaded = config!.targets.find((t) => t.id === 'shop/bad');
      if (loaded) evaluatesTotally(loaded.scalingModifiers!.expression, [1, null, 3]);
    }));
  });
});
