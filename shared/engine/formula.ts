// The formula of advanced.scalingModifiers, as the configuration parsed and checked it at load
// (shared/config/formula.ts): a plain JSON tree that this file walks. It is evaluated as KEDA's
// expression language (expr-lang) evaluates it on the triggers' float64 values: IEEE arithmetic
// (x / 0 is +-Infinity, 0 / 0 NaN), Go's math.Pow and math.Round, short-circuit && and ||, and
// nil for a trigger that fallback.behavior scalingModifiers takes out, which only ??, == and !=
// accept (anything else on nil is an error, as expr's run fails). Types were checked at load, so
// a node always gets the kind of value it expects, except nil. The tree is at most
// MAX_FORMULA_DEPTH deep and has at most one node per character of a bounded text, so one
// evaluation costs a bounded number of steps: there are no loops but count's, over a list
// written in the formula.

export type BinaryOperator = '+' | '-' | '*' | '/' | '**' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '&&' | '||' | '??';
export type FormulaFunction = 'abs' | 'ceil' | 'floor' | 'round' | 'float' | 'int' | 'min' | 'max';

export type FormulaNode =
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  /** A trigger's value, by its index in the target's triggers. */
  | { kind: 'trigger'; index: number }
  /** `#`: the list element count's predicate is looking at. */
  | { kind: 'element' }
  | { kind: 'unary'; op: '-' | '+' | '!'; arg: FormulaNode }
  | { kind: 'binary'; op: BinaryOperator; left: FormulaNode; right: FormulaNode }
  | { kind: 'conditional'; test: FormulaNode; then: FormulaNode; else: FormulaNode }
  /** min and max take the elements of a list argument as arguments (expr flattens them too). */
  | { kind: 'call'; fn: FormulaFunction; args: FormulaNode[] }
  /** count(list, {predicate}): how many elements the predicate holds for. */
  | { kind: 'count'; items: FormulaNode[]; predicate: FormulaNode };

/** The deepest tree the configuration lets through (operations within operations). */
export const MAX_FORMULA_DEPTH = 256;

export type FormulaValue = number | boolean | null;

export type FormulaResult = { value: number | null } | { error: string };

/** Thrown inside the walk only; evaluateFormula turns it into a result. */
class FormulaFailure extends Error {}

/** Go's math.Pow on the special cases where it differs from JavaScript's **. */
function goPow(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  return x ** y;
}

/** Go's math.Round: half away from zero (JavaScript's Math.round rounds half up). */
const goRound = (x: number): number => (x < 0 ? -Math.round(-x) : Math.round(x));

interface Scope {
  values: readonly (number | null)[];
  names: readonly (string | undefined)[];
  element: number | null | undefined;
}

function describe(node: FormulaNode, scope: Scope): string {
  if (node.kind === 'trigger') return `trigger ${JSON.stringify(scope.names[node.index] ?? String(node.index))}`;
  if (node.kind === 'element') return 'the element #';
  return 'a part of the formula';
}

/** A number, or a failure naming the nil and what needed a number. */
function numberOf(node: FormulaNode, scope: Scope, what: string): number {
  const v = walk(node, scope);
  if (typeof v === 'number') return v;
  if (v === null) throw new FormulaFailure(`${describe(node, scope)} is nil (its failures passed fallback.failureThreshold) and ${what} needs a number`);
  throw new FormulaFailure(`${what} needs a number, not ${String(v)}`);
}

function booleanOf(node: FormulaNode, scope: Scope, what: string): boolean {
  const v = walk(node, scope);
  if (typeof v === 'boolean') return v;
  throw new FormulaFailure(`${what} needs true or false, not ${v === null ? 'nil' : String(v)}`);
}

function binary(node: Extract<FormulaNode, { kind: 'binary' }>, scope: Scope): FormulaValue {
  const { op, left, right } = node;
  switch (op) {
    case '??': {
      const l = walk(left, scope);
      return l === null ? walk(right, scope) : l;
    }
    case '&&':
      return booleanOf(left, scope, op) && booleanOf(right, scope, op);
    case '||':
      return booleanOf(left, scope, op) || booleanOf(right, scope, op);
    case '==':
    case '!=': {
      // expr's runtime.Equal: nil equals only nil.
      const equal = walk(left, scope) === walk(right, scope);
      return op === '==' ? equal : !equal;
    }
    default:
      break;
  }
  const l = numberOf(left, scope, op);
  const r = numberOf(right, scope, op);
  switch (op) {
    case '+': return l + r;
    case '-': return l - r;
    case '*': return l * r;
    case '/': return l / r;
    case '**': return goPow(l, r);
    case '<': return l < r;
    case '<=': return l <= r;
    case '>': return l > r;
    case '>=': return l >= r;
  }
}

function call(node: Extract<FormulaNode, { kind: 'call' }>, scope: Scope): number {
  const { fn, args } = node;
  if (fn === 'min' || fn === 'max') {
    // expr's minMax: the first value, replaced by each later one that is smaller (larger); a NaN
    // compares false either way, so it stays only when it comes first.
    let best = numberOf(args[0]!, scope, `${fn}()`);
    for (const arg of args.slice(1)) {
      const v = numberOf(arg, scope, `${fn}()`);
      if (fn === 'max' ? best < v : best > v) best = v;
    }
    return best;
  }
  const x = numberOf(args[0]!, scope, `${fn}()`);
  switch (fn) {
    case 'abs': return Math.abs(x);
    case 'ceil': return Math.ceil(x);
    case 'floor': return Math.floor(x);
    case 'round': return goRound(x);
    case 'float': return x;
    case 'int':
      // Go's int(float64) is undefined past int64; so is the answer here.
      if (!Number.isFinite(x)) throw new FormulaFailure(`int() of ${x} is not a number Go can convert`);
      return Math.trunc(x);
  }
}

function walk(node: FormulaNode, scope: Scope): FormulaValue {
  switch (node.kind) {
    case 'number':
    case 'boolean':
      return node.value;
    case 'trigger':
      return scope.values[node.index] ?? null;
    case 'element':
      if (scope.element === undefined) throw new FormulaFailure('# is only defined inside a predicate');
      return scope.element;
    case 'unary':
      if (node.op === '!') return !booleanOf(node.arg, scope, '!');
      return node.op === '-' ? -numberOf(node.arg, scope, 'unary -') : numberOf(node.arg, scope, 'unary +');
    case 'binary':
      return binary(node, scope);
    case 'conditional':
      return booleanOf(node.test, scope, 'the condition of ?:') ? walk(node.then, scope) : walk(node.else, scope);
    case 'call':
      return call(node, scope);
    case 'count': {
      let n = 0;
      for (const item of node.items) {
        const element = walk(item, scope);
        if (typeof element === 'boolean') throw new FormulaFailure('count() needs a list of numbers');
        if (booleanOf(node.predicate, { ...scope, element }, 'the predicate of count()')) n++;
      }
      return n;
    }
  }
}

/**
 * The formula's value for the triggers' values (null: nil, a trigger taken out by
 * fallback.behavior scalingModifiers), or why it has none. `names` are the triggers' names, for
 * the messages.
 */
export function evaluateFormula(root: FormulaNode, values: readonly (number | null)[], names: readonly (string | undefined)[]): FormulaResult {
  try {
    const v = walk(root, { values, names, element: undefined });
    if (typeof v === 'boolean') return { error: `the formula gave ${v}, not a number` };
    return { value: v };
  } catch (e) {
    if (e instanceof FormulaFailure) return { error: e.message };
    throw e;
  }
}
