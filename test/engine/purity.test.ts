// The engine is pure (docs/architecture.md): shared/engine imports nothing outside itself, and never reads a
// clock or a random source. Checked on the TypeScript syntax tree, so comments and strings that
// merely mention Date.now() do not count, and calls spelled any way do.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';

const ENGINE = resolve(dirname(fileURLToPath(import.meta.url)), '../../shared/engine');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(c|m)?[jt]sx?$/.test(name) ? [path] : [];
  });
}

/** Every module specifier: static imports, re-exports, import(), require(), import x = require(). */
function moduleSpecifiers(source: ts.SourceFile): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      if (ts.isStringLiteral(node.moduleSpecifier)) found.push(node.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const expr = node.moduleReference.expression;
      found.push(ts.isStringLiteral(expr) ? expr.text : '<computed>');
    } else if (ts.isCallExpression(node)) {
      const isImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      if (isImport || isRequire) {
        const arg = node.arguments[0];
        found.push(arg && ts.isStringLiteralLike(arg) ? arg.text : '<computed>');
      }
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg) && ts.isStringLiteral(arg.literal)) found.push(arg.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** `a.b` as text when both parts are plain names (also `a?.b` and `a['b']`). */
function dotted(node: ts.Node): string | undefined {
  if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression)) {
    return `${node.expression.text}.${node.name.text}`;
  }
  if (ts.isElementAccessExpression(node) && ts.isIdentifier(node.expression) && ts.isStringLiteralLike(node.argumentExpression)) {
    return `${node.expression.text}.${node.argumentExpression.text}`;
  }
  return undefined;
}

/** Hidden clocks, randomness and I/O handles (the engine does no I/O, reads no clock, draws no random number). */
const FORBIDDEN_MEMBERS = new Set([
  'Date.now',
  'Math.random',
  'performance.now',
  'performance.timeOrigin',
  'process.hrtime',
  'crypto.randomUUID',
  'crypto.getRandomValues',
]);
const FORBIDDEN_GLOBALS = new Set(['process', 'performance', 'fetch', 'setTimeout', 'setInterval', 'setImmediate', 'require', 'globalThis']);

function impurities(source: ts.SourceFile): string[] {
  const found: string[] = [];
  const where = (node: ts.Node) => `${source.fileName}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`;
  const visit = (node: ts.Node): void => {
    const name = dotted(node);
    if (name && FORBIDDEN_MEMBERS.has(name)) found.push(`${name} at ${where(node)}`);
    // new Date() reads the clock; new Date(ms) does not.
    if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'Date' && (node.arguments?.length ?? 0) === 0) {
      found.push(`new Date() at ${where(node)}`);
    }
    // Date() called as a function returns the current time as a string, whatever its arguments.
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'Date') {
      found.push(`Date() at ${where(node)}`);
    }
    if (ts.isIdentifier(node) && FORBIDDEN_GLOBALS.has(node.text)) {
      const parent = node.parent;
      const isMemberName = parent && ts.isPropertyAccessExpression(parent) && parent.name === node;
      const isPropertyKey = parent && (ts.isPropertyAssignment(parent) || ts.isPropertySignature(parent)) && parent.name === node;
      if (!isMemberName && !isPropertyKey) found.push(`${node.text} at ${where(node)}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const parse = (fileName: string, text: string) => ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);

/** A specifier is inside the engine when it is relative, stays in the folder and names a file there. */
function escapes(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('./')) return `${specifier} is not a relative path inside shared/engine`;
  const target = resolve(dirname(file), specifier);
  if (relative(ENGINE, target).startsWith('..')) return `${specifier} leaves shared/engine`;
  const candidates = [target, target.replace(/\.js$/, '.ts')];
  if (!candidates.some((c) => { try { return statSync(c).isFile(); } catch { return false; } })) {
    return `${specifier} names no file in shared/engine`;
  }
  return undefined;
}

const files = sourceFiles(ENGINE);

describe('shared/engine is pure', () => {
  test('the engine has its source files', () => {
    const names = files.map((f) => relative(ENGINE, f)).sort();
    for (const expected of ['decide.ts', 'events.ts', 'fallback.ts', 'metric.ts', 'normalize.ts', 'pause.ts', 'rate-limit.ts', 'readings.ts', 'stabilize.ts', 'types.ts']) {
      expect(names).toContain(expected);
    }
  });

  test.each(files.map((f) => [relative(ENGINE, f), f]))('%s imports nothing outside shared/engine', (_name, file) => {
    const source = parse(file, readFileSync(file, 'utf8'));
    const problems = moduleSpecifiers(source)
      .map((s) => escapes(file, s))
      .filter((p): p is string => p !== undefined);
    expect(problems).toEqual([]);
  });

  test.each(files.map((f) => [relative(ENGINE, f), f]))('%s reads no clock, no randomness, no process', (_name, file) => {
    expect(impurities(parse(file, readFileSync(file, 'utf8')))).toEqual([]);
  });
});

describe('the purity checks themselves catch what they look for', () => {
  const inEngine = join(ENGINE, 'probe.ts');
  test.each([
    ["import { readFileSync } from 'node:fs';", 'node:fs is not a relative path'],
    ["import fs from 'fs';", 'fs is not a relative path'],
    ["import { z } from 'zod';", 'zod is not a relative path'],
    ["import { x } from '../config/index.js';", 'is not a relative path'],
    ["import { x } from './../config/index.js';", 'leaves shared/engine'],
    ["export * from './nothing-here.js';", 'names no file'],
    ["const m = await import('node:os');", 'node:os is not a relative path'],
    ["const m = require('node:fs');", 'node:fs is not a relative path'],
    ["import os = require('os');", 'os is not a relative path'],
    ["type T = import('node:http').Server;", 'node:http is not a relative path'],
  ])('flags %s', (code, message) => {
    const problems = moduleSpecifiers(parse(inEngine, code)).map((s) => escapes(inEngine, s) ?? '');
    expect(problems.join('\n')).toContain(message);
  });

  test('accepts a sibling import', () => {
    expect(moduleSpecifiers(parse(inEngine, "import type { Decision } from './types.js';")).map((s) => escapes(inEngine, s))).toEqual([undefined]);
  });

  test.each([
    ['const t = Date.now();', 'Date.now'],
    ['const t = Date?.now();', 'Date.now'],
    ["const t = Date['now']();", 'Date.now'],
    ['const f = Date.now;', 'Date.now'],
    ['const d = new Date();', 'new Date()'],
    ['const d = new Date;', 'new Date()'],
    ['const s = Date();', 'Date()'],
    ['const r = Math.random();', 'Math.random'],
    ['const p = performance.now();', 'performance.now'],
    ['const e = process.env.X;', 'process'],
    ['const u = crypto.randomUUID();', 'crypto.randomUUID'],
    ["const g = globalThis['Date'];", 'globalThis'],
  ])('flags %s', (code, what) => {
    expect(impurities(parse('probe.ts', code)).join('\n')).toContain(what);
  });

  test.each([
    'const d = new Date(ms).toISOString();',
    'const t = Date.parse(iso);',
    '// Date.now() is never called here',
    "const s = 'Math.random';",
    'const o = { process: 1 }; const p = o.process;',
  ])('accepts %s', (code) => {
    expect(impurities(parse('probe.ts', code))).toEqual([]);
  });
});
