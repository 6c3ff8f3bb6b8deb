// The `aks-queue-scaler` command, loaded by cli/main.ts once the Node version is known to be
// supported. Each command lives in cli/commands/ and reuses shared/; the command line itself
// (help, --version, unknown commands) is cli/command.ts's.
import { demoCommand } from './commands/demo.js';
import { deployParametersCommand } from './commands/deploy-parameters.js';
import { explainCommand } from './commands/explain.js';
import { importCommand } from './commands/import.js';
import { planCommand } from './commands/plan.js';
import { runCommand } from './commands/run.js';
import { statusCommand } from './commands/status.js';
import { validateCommand } from './commands/validate.js';
import { runCommandLine, type Command } from './command.js';

const commands: Command[] = [validateCommand, planCommand, statusCommand, explainCommand, runCommand, importCommand, demoCommand, deployParametersCommand];

process.exitCode = await runCommandLine(commands, process.argv.slice(2));
