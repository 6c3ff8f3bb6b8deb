#!/usr/bin/env node
// The `aks-queue-scaler` command. Each command lives in cli/commands/ and reuses shared/.
import { demoCommand } from './commands/demo.js';
import { explainCommand } from './commands/explain.js';
import { importCommand } from './commands/import.js';
import { planCommand } from './commands/plan.js';
import { runCommand } from './commands/run.js';
import { validateCommand } from './commands/validate.js';
import type { Command } from './command.js';

const commands: Command[] = [validateCommand, planCommand, explainCommand, runCommand, importCommand, demoCommand];

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: aks-queue-scaler <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `aks-queue-scaler <command> --help` for a command\'s options.',
  ].join('\n');
}

const [name, ...args] = process.argv.slice(2);
const command = commands.find((c) => c.name === name);
if (!command) {
  const known = name === undefined || name === '--help' || name === '-h';
  (known ? process.stdout : process.stderr).write(`${known ? '' : `unknown command: ${name}\n\n`}${usage()}\n`);
  process.exit(known ? 0 : 2);
}
process.exitCode = await command.run(args);
