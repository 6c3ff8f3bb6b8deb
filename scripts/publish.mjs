// npm run publish:azure -- <function app name> [more options of `func azure functionapp publish`]
//
// Builds (the npm script runs `npm run build` first), then publishes the bundle with Azure
// Functions Core Tools v4: `func azure functionapp publish <app> --javascript ...`. It needs no
// local.settings.json (git-ignored, so a fresh clone has none): the Core Tools take the worker
// runtime from a flag on the command line before they look at FUNCTIONS_WORKER_RUNTIME in the
// environment or in that file, and without any of the three they stop ("Worker runtime cannot
// be 'None'"). `--javascript` says node, which is what the app is on Flex Consumption
// (functionAppConfig.runtime in infra/app/api.bicep): what ships is the JavaScript bundle.
// .funcignore says which files go (docs/deploy.md, step 4).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import console from 'node:console';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

/** The Core Tools' runtime flag for Node: GlobalCoreToolsSettings.Init reads it from anywhere on the command line. */
export const RUNTIME_FLAG = '--javascript';

const USAGE = `Usage: npm run publish:azure -- <function app name> [options of func azure functionapp publish]

Builds the app (npm run build) and publishes dist/app, host.json and package.json to the Flex
Consumption app with Azure Functions Core Tools v4 (func), signed in through az login.
Options after the name go to func as they are (e.g. --slot, --force); --build remote is refused:
what is uploaded is the local build (docs/deploy.md).`;

/**
 * The arguments for `func`: the app name right after `publish` (the Core Tools take the first
 * argument after the action as the name, and refuse one that starts with "-"), then the runtime
 * flag, then the caller's options. Throws with the reason when the command line cannot work.
 */
export function publishArguments(args) {
  const [app, ...rest] = args;
  if (app === undefined || app.startsWith('-')) throw new Error('the function app name comes first (the AZURE_FUNCTION_NAME output of the deployment)');
  const remote = rest.some((a, i) => /^--build[=:]remote$/.test(a) || ((a === '--build' || a === '-b') && rest[i + 1] === 'remote'));
  if (remote) throw new Error('--build remote: this script publishes the local build (for a remote build, see docs/deploy.md)');
  const runtime = rest.filter((a) => /^--(csharp|dotnet|dotnet-isolated|java|python|powershell|custom|go|golang)$/.test(a));
  if (runtime.length > 0) throw new Error(`${runtime[0]}: the app runs on node`);
  return ['azure', 'functionapp', 'publish', app, RUNTIME_FLAG, ...rest.filter((a) => a !== RUNTIME_FLAG)];
}

function main() {
  let args;
  try {
    args = publishArguments(process.argv.slice(2));
  } catch (e) {
    console.error(`publish: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  if (!existsSync('dist/app') || !existsSync('host.json')) {
    console.error('publish: run it from the repository root, after npm run build (npm run publish:azure does both)');
    return 1;
  }
  console.log(`+ func ${args.join(' ')}`);
  // func is func.cmd on Windows, which Node starts only through a shell.
  const result = spawnSync('func', args, { stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.error) {
    const missing = result.error.code === 'ENOENT';
    console.error(missing ? 'publish: func not found: install Azure Functions Core Tools v4 (docs/deploy.md, "Before you start")' : `publish: ${result.error.message}`);
    return 1;
  }
  return result.status ?? 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = main();
