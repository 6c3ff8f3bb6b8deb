// advanced.scalingModifiers.formula, read at load: parsed by jsep (a small, widely used expression
// parser that only builds a tree: it evaluates nothing), then checked and lowered here into the
// engine's FormulaNode tree (shared/engine/formula.ts), with trigger names resolved to indexes.
// The engine walks that plain tree; nothing of the text is ever run as code.
//
// The grammar is the part of KEDA's expression language (expr-lang, v1.17.8 in KEDA v2.20.2)
// that formulas over trigger values use, parsed as expr parses it:
// - numbers, true, false, the names of the target's triggers, parentheses;
// - unary - + ! not; binary + - * / ** ^ (both powers, right-associative), == != < <= > >=
//   (a < b < c is a < b && b < c), && and || or, ?? (nil-coalescing, binding tightest), and the
//   ternary c ? a : b;
// - abs, ceil, floor, round, float, int; min and max (of numbers and [lists]); count([list], {#
//   predicate}).
// Precedence is expr's (operators in one table below; unary - and + bind looser than ** and ??,
// ! looser than * and /), and so are its refusals: ?? mixed with another operator without
// parentheses, a boolean where a number is needed or the other way round, a formula that gives
// true or false. Anything else (strings, member access, other functions or operators, %, nil,
// let, closures outside count) is refused with a message naming it.
//
// jsep's configuration is global to the module. This file configures the one `jsep` instance
// the app imports; the only other user in the dependencies (jsonpath-plus, under
// @kubernetes/client-node) bundles a copy of its own.
import jsep from 'jsep';
import { MAX_FORMULA_DEPTH, type BinaryOperator, type FormulaFunction, type FormulaNode } from '../engine/index.js';

/** The longest formula accepted: every node of the tree is at least one character of it. */
export const MAX_FORMULA_LENGTH = 2048;

/** expr's binary operators and their precedence (parser/operator/operator.go); those refused are here so their messages name them. */
const BINARY: readonly (readonly [string, number, boolean?])[] = [
  ['|', 1], ['or', 10], ['||', 10], ['and', 15], ['&&', 15],
  ['==', 20], ['!=', 20], ['<', 20], ['>', 20], ['>=', 20], ['<=', 20],
  ['in', 20], ['matches', 20], ['contains', 20], ['startsWith', 20], ['endsWith', 20],
  ['..', 25], ['+', 30], ['-', 30], ['*', 60], ['/', 60], ['%', 60],
  ['**', 100, true], ['^', 100, true], ['??', 500],
  // JavaScript operators a formula might try: parsed so that the refusal names them.
  ['=', 1], ['===', 20], ['!==', 20], ['&', 1], ['<<', 1], ['>>', 1], ['>>>', 1],
];
const PRECEDENCE = new Map(BINARY.map(([op, precedence]) => [op, precedence]));
/** expr's unary operators: - and + take what binds at 90 or tighter (** and ??), ! and not at 50 (also * and /). */
const UNARY_PRECEDENCE = new Map([['-', 90], ['+', 90], ['!', 50], ['not', 50]]);
const RELATIONAL = new Set(['<', '>', '<=', '>=']);
const SUPPORTED_BINARY = new Map<string, BinaryOperator>([
  ['+', '+'], ['-', '-'], ['*', '*'], ['/', '/'], ['**', '**'], ['^', '**'],
  ['==', '=='], ['!=', '!='], ['<', '<'], ['<=', '<='], ['>', '>'], ['>=', '>='],
  ['&&', '&&'], ['and', '&&'], ['||', '||'], ['or', '||'], ['??', '??'],
]);
const ONE_ARGUMENT = new Set<FormulaFunction>(['abs', 'ceil', 'floor', 'round', 'float', 'int']);
const FUNCTIONS = ['abs', 'ceil', 'floor', 'round', 'float', 'int', 'min', 'max', 'count'];

const OPEN_PAREN = 40;
const HASH = 35;
const OPEN_BRACE = 123;

jsep.removeAllBinaryOps();
jsep.removeAllUnaryOps();
jsep.removeAllLiterals();
for (const [op, precedence, right] of BINARY) jsep.addBinaryOp(op, precedence, right ?? false);
for (const op of UNARY_PRECEDENCE.keys()) jsep.addUnaryOp(op);
jsep.addLiteral('true', true);
jsep.addLiteral('false', false);
// Parentheses are kept as Group nodes (jsep drops them), since expr's rules depend on them;
// {...} is count's predicate, # its element.
jsep.hooks.add('gobble-token', function groupsAndPredicates(env) {
  if (this.code === OPEN_PAREN) {
    const inner = this.gobbleGroup();
    if (!inner) this.throwError('Empty parentheses');
    env.node = { type: 'Group', expression: inner };
  } else if (this.code === OPEN_BRACE) {
    this.index++;
    const body = this.gobbleExpression();
    if (!body) this.throwError('Empty predicate {}');
    this.gobbleSpaces();
    if (this.char !== '}') this.throwError('Unclosed {');
    this.index++;
    env.node = { type: 'Predicate', body };
  } else if (this.code === HASH) {
    this.index++;
    if (/[\w$]/.test(this.char)) this.throwError(`#${this.char}... is not supported (only # itself, the element)`);
    env.node = { type: 'Element' };
  }
}, true);

/** Why a formula is refused: the message of the configuration error. */
export class FormulaRefusal extends Error {}

const refuse = (message: string): never => {
  throw new FormulaRefusal(message);
};

/** A jsep node with the parentheses around it remembered, and expr's grouping applied. */
type Shaped =
  | { t: 'number'; value: number; grouped: boolean }
  | { t: 'boolean'; value: boolean; grouped: boolean }
  | { t: 'name'; name: string; grouped: boolean }
  | { t: 'element'; grouped: boolean }
  | { t: 'unary'; op: string; arg: Shaped; grouped: boolean }
  | { t: 'binary'; op: string; left: Shaped; right: Shaped; grouped: boolean }
  /** a < b <= c: expr compares each neighbouring pair, all of them must hold. */
  | { t: 'chain'; operands: Shaped[]; ops: string[]; grouped: boolean }
  | { t: 'conditional'; test: Shaped; then: Shaped; else: Shaped; grouped: boolean }
  | { t: 'call'; fn: string; args: Shaped[]; grouped: boolean }
  | { t: 'list'; items: Shaped[]; grouped: boolean }
  | { t: 'predicate'; body: Shaped; grouped: boolean };

type JsepNode = jsep.Expression;

const describeOp = (op: string): string => `the operator ${op}`;

/**
 * jsep's tree -> expr's grouping. jsep groups binary operators by the table above as expr does;
 * it binds a unary operator to the next token only, where expr lets it take the binary operators
 * at its precedence or above (-a ** 2 is -(a ** 2)); it reads a < b < c as (a < b) < c, where
 * expr chains the comparisons; and it accepts ?? next to another operator without parentheses,
 * which expr refuses.
 */
function shape(node: JsepNode | null | undefined, grouped = false): Shaped {
  if (!node) return refuse('does not parse: an empty element in a list');
  switch (node.type) {
    case 'Group':
      return shape(node.expression as JsepNode, true);
    case 'Literal': {
      const { value } = node as jsep.Literal;
      // expr refuses a literal past float64 (strconv.ParseFloat's range error); the tree stays plain JSON.
      if (typeof value === 'number') return Number.isFinite(value) ? { t: 'number', value, grouped } : refuse(`the number ${(node as jsep.Literal).raw} is out of range`);
      if (typeof value === 'boolean') return { t: 'boolean', value, grouped };
      return refuse(`the string ${JSON.stringify(String(value))} is not supported: a formula is about numbers`);
    }
    case 'Identifier':
      return { t: 'name', name: (node as jsep.Identifier).name, grouped };
    case 'Element':
      return { t: 'element', grouped };
    case 'UnaryExpression': {
      const u = node as jsep.UnaryExpression;
      return { t: 'unary', op: u.operator, arg: shape(u.argument), grouped };
    }
    case 'BinaryExpression': {
      const b = node as jsep.BinaryExpression;
      return combine(b.operator, shape(b.left), shape(b.right), grouped);
    }
    case 'ConditionalExpression': {
      const c = node as jsep.ConditionalExpression;
      return { t: 'conditional', test: shape(c.test), then: shape(c.consequent), else: shape(c.alternate), grouped };
    }
    case 'CallExpression': {
      const c = node as jsep.CallExpression;
      if (c.callee.type !== 'Identifier') {
        shape(c.callee); // a member's refusal names it
        return refuse('calling anything but a function by its name is not supported');
      }
      return { t: 'call', fn: (c.callee as jsep.Identifier).name, args: c.arguments.map((a) => shape(a)), grouped };
    }
    case 'ArrayExpression':
      return { t: 'list', items: (node as jsep.ArrayExpression).elements.map((e) => shape(e)), grouped };
    case 'Predicate':
      return { t: 'predicate', body: shape(node.body as JsepNode), grouped };
    case 'MemberExpression': {
      const m = node as jsep.MemberExpression;
      return refuse(m.computed ? 'indexing with [...] is not supported' : `member access (.${m.property.type === 'Identifier' ? (m.property as jsep.Identifier).name : '...'}) is not supported`);
    }
    case 'ThisExpression':
      return refuse('this is not supported');
    case 'SequenceExpression':
      return refuse('a list of expressions in parentheses, (a, b), is not supported');
    case 'Compound':
      return refuse('does not parse: two expressions side by side (is an operator missing between them?)');
    default:
      return refuse(`${node.type} is not supported`);
  }
}

/** A binary node, with expr's grouping of what jsep put on its left. */
function combine(op: string, left: Shaped, right: Shaped, grouped: boolean): Shaped {
  const precedence = PRECEDENCE.get(op) ?? 0;
  // -a ** b: expr's unary takes the binary operators at its own precedence or above.
  if (left.t === 'unary' && !left.grouped && precedence >= (UNARY_PRECEDENCE.get(left.op) ?? Infinity)) {
    return { t: 'unary', op: left.op, arg: combine(op, left.arg, right, false), grouped };
  }
  if (op !== '??' && left.t === 'binary' && left.op === '??' && !left.grouped) {
    refuse(`?? and ${op} cannot be mixed without parentheses: write (a ?? b) ${op} c or a ?? (b ${op} c), as KEDA's expr requires`);
  }
  if (RELATIONAL.has(op) && !left.grouped && ((left.t === 'binary' && RELATIONAL.has(left.op)) || left.t === 'chain')) {
    const head = left.t === 'chain' ? left : { operands: [left.left, left.right], ops: [left.op] };
    return { t: 'chain', operands: [...head.operands, right], ops: [...head.ops, op], grouped };
  }
  return { t: 'binary', op, left, right, grouped };
}

type Typed = { node: FormulaNode; type: 'number' | 'boolean' };

interface Scope {
  names: ReadonlyMap<string, number>;
  /** The names of every trigger, for the message about an unknown one. */
  named: readonly string[];
  inPredicate: boolean;
}

const needNumber = (t: Typed, what: string): FormulaNode => (t.type === 'number' ? t.node : refuse(`${what} needs a number, not true or false`));
const needBoolean = (t: Typed, what: string): FormulaNode => (t.type === 'boolean' ? t.node : refuse(`${what} needs true or false (a comparison), not a number`));

function name(n: string, scope: Scope): Typed {
  const index = scope.names.get(n);
  if (index !== undefined) return { node: { kind: 'trigger', index }, type: 'number' };
  if (n === 'nil' || n === 'null') return refuse(`${n} is not supported: a trigger past fallback.failureThreshold is nil with fallback.behavior scalingModifiers, and ?? routes around it`);
  const named = scope.named.length > 0 ? `its triggers are named ${scope.named.join(', ')}` : 'none of its triggers has a name';
  return refuse(`${n} is not the name of a trigger of this target (${named})`);
}

/** The numbers a list argument (or a plain argument) of min or max stands for. */
function numbersOf(args: Shaped[], fn: string, scope: Scope): FormulaNode[] {
  return args.flatMap((a) => (a.t === 'list' ? a.items.map((item) => needNumber(lower(item, scope), `an element of ${fn}()'s list`)) : [needNumber(lower(a, scope), `${fn}()`)]));
}

function call(s: Extract<Shaped, { t: 'call' }>, scope: Scope): Typed {
  const { fn, args } = s;
  if (fn === 'min' || fn === 'max') {
    const numbers = numbersOf(args, fn, scope);
    if (numbers.length === 0) refuse(`${fn}() needs at least one number`);
    return { node: { kind: 'call', fn, args: numbers }, type: 'number' };
  }
  if (fn === 'count') {
    const [list, predicate] = args;
    if (args.length !== 2 || list?.t !== 'list' || predicate?.t !== 'predicate') {
      return refuse('count() takes a list and a predicate, as in count([a, b], {# > 1})');
    }
    const items = list.items.map((item) => needNumber(lower(item, scope), 'an element of count()\'s list'));
    const body = needBoolean(lower(predicate.body, { ...scope, inPredicate: true }), 'the predicate of count()');
    return { node: { kind: 'count', items, predicate: body }, type: 'number' };
  }
  if (ONE_ARGUMENT.has(fn as FormulaFunction)) {
    if (args.length !== 1) refuse(`${fn}() takes 1 argument, not ${args.length}`);
    return { node: { kind: 'call', fn: fn as FormulaFunction, args: [needNumber(lower(args[0]!, scope), `${fn}()`)] }, type: 'number' };
  }
  return refuse(`the function ${fn}() is not supported (the functions are ${FUNCTIONS.join(', ')})`);
}

function binary(s: Extract<Shaped, { t: 'binary' }>, scope: Scope): Typed {
  const op = SUPPORTED_BINARY.get(s.op);
  if (!op) return refuse(`${describeOp(s.op)} is not supported`);
  const left = lower(s.left, scope);
  const right = lower(s.right, scope);
  const what = describeOp(s.op);
  switch (op) {
    case '&&':
    case '||':
      return { node: { kind: 'binary', op, left: needBoolean(left, what), right: needBoolean(right, what) }, type: 'boolean' };
    case '==':
    case '!=':
      if (left.type !== right.type) refuse(`${what} compares a number with true or false`);
      return { node: { kind: 'binary', op, left: left.node, right: right.node }, type: 'boolean' };
    case '<':
    case '<=':
    case '>':
    case '>=':
      return { node: { kind: 'binary', op, left: needNumber(left, what), right: needNumber(right, what) }, type: 'boolean' };
    case '??':
      if (left.type !== right.type) refuse(`${what} has a number on one side and true or false on the other`);
      return { node: { kind: 'binary', op, left: left.node, right: right.node }, type: left.type };
    default:
      return { node: { kind: 'binary', op, left: needNumber(left, what), right: needNumber(right, what) }, type: 'number' };
  }
}

/** Checks a shaped node's types and lowers it into the engine's tree. */
function lower(s: Shaped, scope: Scope): Typed {
  switch (s.t) {
    case 'number':
      return { node: { kind: 'number', value: s.value }, type: 'number' };
    case 'boolean':
      return { node: { kind: 'boolean', value: s.value }, type: 'boolean' };
    case 'name':
      return name(s.name, scope);
    case 'element':
      return scope.inPredicate ? { node: { kind: 'element' }, type: 'number' } : refuse('# is only defined inside the predicate {...} of count()');
    case 'unary': {
      const arg = lower(s.arg, scope);
      if (s.op === '!' || s.op === 'not') return { node: { kind: 'unary', op: '!', arg: needBoolean(arg, `the operator ${s.op}`) }, type: 'boolean' };
      return { node: { kind: 'unary', op: s.op === '-' ? '-' : '+', arg: needNumber(arg, `the unary operator ${s.op}`) }, type: 'number' };
    }
    case 'binary':
      return binary(s, scope);
    case 'chain': {
      const operands = s.operands.map((o) => needNumber(lower(o, scope), `the comparison ${s.ops.join(' ')}`));
      let node: FormulaNode = { kind: 'binary', op: s.ops[0] as BinaryOperator, left: operands[0]!, right: operands[1]! };
      for (let i = 1; i < s.ops.length; i++) {
        node = { kind: 'binary', op: '&&', left: node, right: { kind: 'binary', op: s.ops[i] as BinaryOperator, left: operands[i]!, right: operands[i + 1]! } };
      }
      return { node, type: 'boolean' };
    }
    case 'conditional': {
      const test = needBoolean(lower(s.test, scope), 'the condition of ?:');
      const then = lower(s.then, scope);
      const otherwise = lower(s.else, scope);
      if (then.type !== otherwise.type) refuse('?: gives a number on one side and true or false on the other');
      return { node: { kind: 'conditional', test, then: then.node, else: otherwise.node }, type: then.type };
    }
    case 'call':
      return call(s, scope);
    case 'list':
      return refuse('a list [...] is only accepted as an argument of min(), max() or count()');
    case 'predicate':
      return refuse('a predicate {...} is only accepted as the second argument of count()');
  }
}

function depthOf(node: FormulaNode): number {
  switch (node.kind) {
    case 'unary': return 1 + depthOf(node.arg);
    case 'binary': return 1 + Math.max(depthOf(node.left), depthOf(node.right));
    case 'conditional': return 1 + Math.max(depthOf(node.test), depthOf(node.then), depthOf(node.else));
    case 'call': return 1 + Math.max(0, ...node.args.map(depthOf));
    case 'count': return 1 + Math.max(depthOf(node.predicate), ...node.items.map(depthOf));
    default: return 1;
  }
}

/** How deep parentheses, brackets and braces nest in a text: checked before jsep recurses into it. */
function bracketDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  for (const c of text) {
    if (c === '(' || c === '[' || c === '{') deepest = Math.max(deepest, ++depth);
    else if (c === ')' || c === ']' || c === '}') depth--;
  }
  return deepest;
}

/**
 * The formula as the engine walks it, trigger names resolved against `triggerNames` (one per
 * trigger, in order; undefined for a trigger without a name). Throws FormulaRefusal naming what
 * is not accepted.
 */
export function compileFormula(formula: string, triggerNames: readonly (string | undefined)[]): FormulaNode {
  if (formula.trim() === '') refuse('is empty');
  if (formula.length > MAX_FORMULA_LENGTH) refuse(`is ${formula.length} characters long: at most ${MAX_FORMULA_LENGTH}`);
  if (bracketDepth(formula) > MAX_FORMULA_DEPTH) refuse(`nests parentheses, brackets or braces more than ${MAX_FORMULA_DEPTH} deep`);
  let parsed: JsepNode;
  try {
    parsed = jsep(formula);
  } catch (e) {
    if (e instanceof RangeError) return refuse(`nests operations more than ${MAX_FORMULA_DEPTH} deep`);
    const description = e instanceof Error && typeof (e as Error & { description?: unknown }).description === 'string' ? (e as Error & { description: string }).description : String(e);
    const index = e instanceof Error && typeof (e as Error & { index?: unknown }).index === 'number' ? ` at character ${(e as Error & { index: number }).index + 1}` : '';
    return refuse(`does not parse: ${description}${index}`);
  }
  const names = new Map<string, number>();
  triggerNames.forEach((n, i) => {
    if (n !== undefined && !names.has(n)) names.set(n, i);
  });
  const { node, type } = lower(shape(parsed), { names, named: [...names.keys()], inPredicate: false });
  if (type === 'boolean') refuse('gives true or false, not a number (KEDA: the formula must return a single value, not a boolean)');
  if (depthOf(node) > MAX_FORMULA_DEPTH) refuse(`nests operations more than ${MAX_FORMULA_DEPTH} deep`);
  return node;
}
