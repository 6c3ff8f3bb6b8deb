// Reading the Bicep in infra/ as text: no Bicep compiler runs offline (the Bicep CLI cannot be installed here),
// so the tests look at what is written. Comments are told apart from strings (a URL's "//" is
// not a comment), and resource and module blocks are cut out by matching braces.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { Grants } from '../../shared/sources/index.js';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');
export const INFRA_DIR = join(REPO_ROOT, 'infra');

export interface SourceFile {
  /** Relative to the repository root, e.g. infra/app/api.bicep. */
  path: string;
  text: string;
}

export function readRepoFile(path: string): SourceFile {
  return { path, text: readFileSync(join(REPO_ROOT, path), 'utf8') };
}

/** Every file under infra/ whose name ends with one of `extensions`. */
export function readInfraFiles(extensions: string[] = ['.bicep', '.bicepparam']): SourceFile[] {
  const files: SourceFile[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (extensions.some((e) => entry.name.endsWith(e))) files.push(readRepoFile(relative(REPO_ROOT, full)));
    }
  };
  walk(INFRA_DIR);
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * Visits the text character by character, knowing whether each one is code, inside a string
 * ('...', with ${...} interpolations that are code again, or '''...''') or inside a comment.
 */
function scan(text: string, visit: (i: number, inComment: boolean, inString: boolean) => void): void {
  // Stack of open contexts: 'str' for a '...' string, a number for the brace depth of an
  // interpolation inside one.
  const stack: ('str' | number)[] = [];
  let i = 0;
  const top = (): 'str' | number | undefined => stack[stack.length - 1];
  while (i < text.length) {
    const c = text[i]!;
    const inString = top() === 'str';
    if (inString) {
      visit(i, false, true);
      if (c === '\\') {
        visit(i + 1, false, true);
        i += 2;
        continue;
      }
      if (c === "'") stack.pop();
      else if (c === '$' && text[i + 1] === '{') {
        visit(i + 1, false, true);
        stack.push(0);
        i += 2;
        continue;
      }
      i++;
      continue;
    }
    if (text.startsWith("'''", i)) {
      const end = text.indexOf("'''", i + 3);
      const stop = end === -1 ? text.length : end + 3;
      for (let j = i; j < stop; j++) visit(j, false, true);
      i = stop;
      continue;
    }
    if (text.startsWith('//', i)) {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? text.length : end;
      for (let j = i; j < stop; j++) visit(j, true, false);
      i = stop;
      continue;
    }
    if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 ? text.length : end + 2;
      for (let j = i; j < stop; j++) visit(j, true, false);
      i = stop;
      continue;
    }
    const depth = top();
    if (typeof depth === 'number' && c === '}' && depth === 0) {
      // The end of an interpolation: back inside its string.
      visit(i, false, true);
      stack.pop();
      i++;
      continue;
    }
    visit(i, false, false);
    if (c === "'") stack.push('str');
    else if (typeof depth === 'number' && c === '{') stack[stack.length - 1] = depth + 1;
    else if (typeof depth === 'number' && c === '}') stack[stack.length - 1] = depth - 1;
    i++;
  }
}

/** The text with comments blanked out (newlines kept, so line numbers stay). */
export function stripComments(text: string): string {
  const out = text.split('');
  scan(text, (i, inComment) => {
    if (inComment && out[i] !== '\n') out[i] = ' ';
  });
  return out.join('');
}

/** The text with comments and string contents blanked out: what is left is code. */
function codeOnly(text: string): string {
  const out = text.split('');
  scan(text, (i, inComment, inString) => {
    if ((inComment || inString) && out[i] !== '\n' && out[i] !== "'") out[i] = ' ';
  });
  return out.join('');
}

export const lineOf = (text: string, index: number): number => text.slice(0, index).split('\n').length;

/** From `open` (an opening bracket), the index just past its matching close, ignoring strings and comments. */
function matchBracket(code: string, open: number): number {
  const pairs: Record<string, string> = { '{': '}', '[': ']', '(': ')' };
  const closers: string[] = [];
  for (let i = open; i < code.length; i++) {
    const c = code[i]!;
    if (pairs[c]) closers.push(pairs[c]);
    else if (c === closers[closers.length - 1]) {
      closers.pop();
      if (closers.length === 0) return i + 1;
    }
  }
  throw new Error(`unbalanced bracket at ${open}`);
}

export interface Block {
  file: string;
  line: number;
  kind: 'resource' | 'module';
  symbol: string;
  /** 'Microsoft.Authorization/roleAssignments@2022-04-01', 'br/public:avm/res/...:0.4.1', 'app/api.bicep' */
  type: string;
  existing: boolean;
  /** The object literal, braces included (comments blanked). */
  body: string;
}

/** Every resource and module declaration, nested ones included. */
export function blocks(file: SourceFile): Block[] {
  const text = stripComments(file.text);
  const code = codeOnly(file.text);
  const found: Block[] = [];
  const header = /^[ \t]*(resource|module)\s+(\w+)\s+'([^']+)'\s*(existing\s*)?=/gm;
  for (let m = header.exec(text); m; m = header.exec(text)) {
    // The body is the first { after `=` outside parentheses (skipping `[for x in y:` and `if (...)`).
    let i = m.index + m[0].length;
    let parens = 0;
    while (i < code.length && !(code[i] === '{' && parens === 0)) {
      if (code[i] === '(') parens++;
      else if (code[i] === ')') parens--;
      i++;
    }
    const end = matchBracket(code, i);
    found.push({
      file: file.path,
      line: lineOf(text, m.index),
      kind: m[1] as Block['kind'],
      symbol: m[2]!,
      type: m[3]!,
      existing: m[4] !== undefined,
      body: text.slice(i, end),
    });
  }
  return found;
}

/** The expression of `var <name> = ...` (comments blanked), up to the end of its last line. */
export function varExpression(file: SourceFile, name: string): string {
  const text = stripComments(file.text);
  const code = codeOnly(file.text);
  const m = new RegExp(`^var\\s+${name}\\s*=\\s*`, 'm').exec(text);
  if (!m) throw new Error(`${file.path}: no var ${name}`);
  const start = m.index + m[0].length;
  let i = start;
  while (i < code.length && code[i] !== '\n') {
    if ('{[('.includes(code[i]!)) i = matchBracket(code, i);
    else i++;
  }
  return text.slice(start, i).trim();
}

/** `key: value` lines of an object literal, at any depth; keys may be quoted ('A_${x}__b'). */
export function entries(objectText: string): [key: string, value: string][] {
  const found: [string, string][] = [];
  for (const line of objectText.split('\n')) {
    const m = /^\s*('[^']*'|[A-Za-z_][\w]*)\s*:\s*(.+?)\s*$/.exec(line);
    if (m) found.push([m[1]!.replace(/^'|'$/g, ''), m[2]!]);
  }
  return found;
}

/** The params of a Bicep parameters file: `param name = '''...'''` or `'...'` (others are skipped). */
export function bicepparamStrings(file: SourceFile): Map<string, string> {
  const values = new Map<string, string>();
  const re = /^param\s+(\w+)\s*=\s*(?:'''\n?([\s\S]*?)'''|'((?:[^'\\\n]|\\.)*)')/gm;
  for (let m = re.exec(file.text); m; m = re.exec(file.text)) {
    values.set(m[1]!, m[2] ?? unescapeBicep(m[3]!));
  }
  return values;
}

/**
 * The values of a Bicep parameters file's params as a deployment gets them: string literals, and
 * `<var>.<name>.value` where `var <var> = loadJsonContent('<file>').parameters` loads a deployment
 * parameters file next to it (infra/main.bicepparam and infra/scaler.parameters.json). Any other
 * form is left out (readEnvironmentVariable, object literals).
 */
export function bicepparamValues(file: SourceFile): Map<string, unknown> {
  const values = new Map<string, unknown>(bicepparamStrings(file));
  const loaded = new Map<string, Record<string, { value: unknown }>>();
  for (const m of file.text.matchAll(/^var\s+(\w+)\s*=\s*loadJsonContent\('([^']+)'\)\.parameters$/gm)) {
    const path = join(dirname(file.path), m[2]!);
    loaded.set(m[1]!, (JSON.parse(readRepoFile(path).text) as { parameters: Record<string, { value: unknown }> }).parameters);
  }
  for (const m of file.text.matchAll(/^param\s+(\w+)\s*=\s*(\w+)\.(\w+)\.value$/gm)) {
    const parameters = loaded.get(m[2]!);
    if (!parameters) throw new Error(`${file.path}: param ${m[1]} reads ${m[2]}, which loads no parameters file`);
    if (!(m[3]! in parameters)) throw new Error(`${file.path}: param ${m[1]}: the parameters file has no ${m[3]}`);
    values.set(m[1]!, parameters[m[3]!]!.value);
  }
  return values;
}

/** The string defaults of `param name type = '...'` in a template. */
export function paramDefaults(file: SourceFile): Map<string, string> {
  const values = new Map<string, string>();
  const re = /^param\s+(\w+)\s+\w+(?:\[\])?\s*=\s*'((?:[^'\\\n]|\\.)*)'/gm;
  for (let m = re.exec(file.text); m; m = re.exec(file.text)) values.set(m[1]!, unescapeBicep(m[2]!));
  return values;
}

/** A Bicep single-quoted string's escapes: \' \\ \$ \n \t. */
export function unescapeBicep(s: string): string {
  return s.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t', r: '\r' })[c] ?? c);
}

/**
 * Evaluates a Bicep expression that is a string literal with ${...} interpolations, or a bare
 * reference, through `resolve` (which gets each reference's text). Anything else throws, so a
 * setting computed in a way this reader does not follow fails its test instead of passing.
 */
export function evaluateString(expression: string, resolve: (reference: string) => string): string {
  const e = expression.trim();
  if (/^[A-Za-z_][\w]*(\(\))?(\.[A-Za-z_]\w*)*$/.test(e)) return resolve(e);
  const literal = /^'((?:[^'\\]|\\.)*)'$/.exec(e);
  if (!literal) throw new Error(`cannot evaluate ${expression}`);
  let out = '';
  const body = literal[1]!;
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '\\') {
      out += unescapeBicep(body.slice(i, i + 2));
      i++;
    } else if (body.startsWith('${', i)) {
      const end = body.indexOf('}', i);
      out += evaluateString(body.slice(i + 2, end), resolve);
      i = end;
    } else out += body[i];
  }
  return out;
}

/**
 * The `sed ... infra/kubernetes/rbac.yaml` part of the command main.bicep prints for a
 * Kubernetes RBAC namespace (output KUBERNETES_RBAC_COMMANDS), filled in for `namespace` and
 * `objectId`: the exact text a user runs, to render the RBAC YAML the same way in a test.
 */
export function rbacRenderCommand(namespace: string, objectId: string): string {
  const main = readRepoFile('infra/main.bicep').text;
  const output = /^output KUBERNETES_RBAC_COMMANDS \S+ = \[for (\w+) in \w+: '((?:[^'\\]|\\.)*)'\]$/m.exec(main);
  if (!output) throw new Error('infra/main.bicep: no KUBERNETES_RBAC_COMMANDS output');
  const [, item, command] = output as unknown as [string, string, string];
  const filled = evaluateString(`'${command}'`, (reference) => {
    if (reference === `${item}.namespace`) return namespace;
    if (reference === 'scalerIdentity.outputs.principalId') return objectId;
    return `<${reference}>`;
  });
  const sed = /sed .*? infra\/kubernetes\/rbac\.yaml/.exec(filled);
  if (!sed) throw new Error(`no sed over infra/kubernetes/rbac.yaml in: ${filled}`);
  return sed[0];
}

/** infra/trigger-types.json as infra/main.bicep loads it (written from the trigger registry). */
export function triggerTypesFile(): { $comment: string; triggerTypes: Record<string, Grants> } {
  return JSON.parse(readRepoFile('infra/trigger-types.json').text) as { $comment: string; triggerTypes: Record<string, Grants> };
}
