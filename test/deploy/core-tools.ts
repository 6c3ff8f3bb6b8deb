// Stand-ins for the parts of Azure Functions Core Tools v4 (`func`, release 4.13.0) that decide
// what `func azure functionapp publish` uploads and which worker runtime it publishes for. Core
// Tools cannot run here, so each function below is shaped line by line from their source
// (github.com/Azure/azure-functions-core-tools, tag 4.13.0; the same in its main branch):
//
//   GitIgnoreParser         src/Cli/func/Common/GitIgnoreParser.cs, class GitIgnoreParser
//                           (itself a port of codemix/gitignore-parser): how .funcignore is read
//   localFiles              src/Cli/func/Common/FileSystemHelpers.cs, GetLocalFiles and GetFiles:
//                           which files are offered to it, under which names
//   workerRuntimeOf         src/Cli/func/Helpers/GlobalCoreToolsSettings.cs, Init, and
//                           src/Cli/func/Helpers/WorkerRuntimeLanguageHelper.cs,
//                           GetCurrentWorkerRuntimeLanguage and NormalizeWorkerRuntime
//   functionAppNameOf       src/Cli/func/Actions/AzureActions/BaseFunctionAppAction.cs, ParseArgs
import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** PrepareRegexPattern: escape the regex characters (not `*`), then `**` -> (.+), `*` -> ([^\/]+). */
function prepareRegexPattern(pattern: string): string {
  return pattern
    .replace(/[-[\]/{}()+?.\\^$|]/g, '\\$&')
    .replaceAll('**', '(.+)')
    .replaceAll('*', '([^\\/]+)');
}

/**
 * GitIgnoreParser: lines trimmed, `#` lines and empty lines skipped, `!` lines are negatives, a
 * leading `/` dropped; each list joined into one regex `^((p1)|(p2)|...)\b` (ECMAScript
 * semantics, which JavaScript's are). Only these full-pattern regexes decide (the class also
 * builds "partial" ones that Accepts and Denies never read).
 */
export class GitIgnoreParser {
  private readonly positive: RegExp;
  private readonly negative: RegExp;

  constructor(content: string) {
    const lists: [string[], string[]] = [[], []];
    for (const raw of content.split('\n')) {
      let line = raw.trim();
      if (line.startsWith('#') || line === '') continue;
      const isNegative = line.startsWith('!');
      if (isNegative) line = line.slice(1);
      if (line.startsWith('/')) line = line.slice(1);
      lists[isNegative ? 1 : 0].push(line);
    }
    // OrderBy(i => i) changes the order of the alternatives, never whether one matches.
    const toRegex = (patterns: string[]): RegExp =>
      patterns.length > 0 ? new RegExp(`^((${[...patterns].sort().map(prepareRegexPattern).join(')|(')}))\\b`) : /$^/;
    this.positive = toRegex(lists[0]);
    this.negative = toRegex(lists[1]);
  }

  accepts(input: string): boolean {
    const path = input === '/' ? '' : input;
    return this.negative.test(path) || !this.positive.test(path);
  }

  denies(input: string): boolean {
    return !this.accepts(input);
  }
}

/** GetLocalFiles: never offered, whatever .funcignore says. */
const IGNORED_DIRECTORIES = ['.git', '.vscode'];
const IGNORED_FILES = ['.funcignore', '.gitignore', 'local.settings.json', 'project.lock.json'];

/**
 * GetLocalFiles(root, parser): every file under `root` (GetFiles: recursively, skipping the
 * directories and file names above at any depth, compared case-insensitively) whose path
 * relative to `root`, with `/` separators, the parser accepts. These are what publish zips.
 */
export function localFiles(root: string, parser: GitIgnoreParser | undefined): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    // .NET's Directory.GetFiles and GetDirectories follow symbolic links: so does this.
    const entries = readdirSync(dir, { withFileTypes: true }).map((e) => {
      const target = e.isSymbolicLink() ? statSync(join(dir, e.name)) : e;
      return { name: e.name, file: target.isFile(), directory: target.isDirectory() };
    });
    for (const e of entries) {
      if (e.file && !IGNORED_FILES.some((f) => f.toLowerCase() === e.name.toLowerCase())) found.push(join(dir, e.name));
    }
    for (const e of entries) {
      if (e.directory && !IGNORED_DIRECTORIES.some((d) => d.toLowerCase() === e.name.toLowerCase())) walk(join(dir, e.name));
    }
  };
  walk(root);
  return found.map((file) => relative(root, file).split(sep).join('/')).filter((name) => parser?.accepts(name) ?? true);
}

export type WorkerRuntime = 'none' | 'dotnet' | 'dotnet-isolated' | 'node' | 'java' | 'python' | 'powershell' | 'custom' | 'go';

/** Init's flags, in its order: the first one present wins. `args.Contains`: exact, case-sensitive tokens, anywhere on the line. */
const RUNTIME_FLAGS: [flag: string, runtime: WorkerRuntime][] = [
  ['--csharp', 'dotnet'], ['--dotnet', 'dotnet'], ['--dotnet-isolated', 'dotnet-isolated'],
  ['--javascript', 'node'], ['--typescript', 'node'], ['--node', 'node'],
  ['--java', 'java'], ['--python', 'python'], ['--powershell', 'powershell'], ['--custom', 'custom'],
  ['--go', 'go'], ['--golang', 'go'],
];

/** NormalizeWorkerRuntime: the runtime names and their aliases, case-insensitive. */
const RUNTIME_NAMES: Record<string, WorkerRuntime> = {
  'dotnet-isolated': 'dotnet-isolated', 'c#-isolated': 'dotnet-isolated', 'csharp-isolated': 'dotnet-isolated', 'f#-isolated': 'dotnet-isolated', 'fsharp-isolated': 'dotnet-isolated', dotnetisolated: 'dotnet-isolated',
  dotnet: 'dotnet', 'c#': 'dotnet', csharp: 'dotnet', 'f#': 'dotnet', fsharp: 'dotnet',
  node: 'node', js: 'node', javascript: 'node', typescript: 'node', ts: 'node',
  python: 'python', py: 'python', go: 'go', golang: 'go', java: 'java', powershell: 'powershell', pwsh: 'powershell', custom: 'custom',
};

/**
 * The worker runtime `func` publishes for: a runtime flag on the command line (any position),
 * else FUNCTIONS_WORKER_RUNTIME from the environment, else from local.settings.json's Values
 * (`localSettings` undefined: the file is not there, which Init's catch turns into None). The
 * FUNCTIONS_CLI_NATIVE_LANGUAGE (Go) branch is left out: it only ever answers go.
 * With `none`, publish stops ("Worker runtime cannot be 'None'" from the CurrentWorkerRuntime
 * getter that PublishFunctionAppAction.RunAsync reads first).
 */
export function workerRuntimeOf(args: string[], env: Record<string, string | undefined>, localSettings?: Record<string, string>): WorkerRuntime {
  const flag = RUNTIME_FLAGS.find(([f]) => args.includes(f));
  if (flag) return flag[1];
  let setting = env.FUNCTIONS_WORKER_RUNTIME;
  if (!setting?.trim()) {
    if (localSettings === undefined) return 'none';
    setting = Object.entries(localSettings).find(([k]) => k.toLowerCase() === 'functions_worker_runtime')?.[1];
  }
  return RUNTIME_NAMES[(setting ?? '').toLowerCase()] ?? 'none';
}

/** BaseFunctionAppAction.ParseArgs: the app name is the first argument after the action, and must not start with `-`. */
export function functionAppNameOf(args: string[]): string | undefined {
  const [verb, noun, action, first] = args;
  if (verb !== 'azure' || noun !== 'functionapp' || action !== 'publish') return undefined;
  return first !== undefined && !first.startsWith('-') ? first : undefined;
}
