// The Node version check every entry point runs first: the CLI (cli/main.ts, before it loads
// any command), the npm scripts (`node scripts/check-node.mjs && ...`) and vitest.config.ts.
// On an older Node the dependencies crash as they load (undici, under the Azure SDKs and
// client-node, needs Node 22), so this runs before any of them is imported, and imports nothing
// but Node's own modules.
//
//   node scripts/check-node.mjs     # exit 1 with one line when this Node is too old
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';

const PACKAGE_JSON = new URL('../package.json', import.meta.url);

/** The least major.minor.patch a `>=X[.Y[.Z]]` range allows, or undefined for any other range. */
export function minimumOf(range) {
  const match = /^\s*>=\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?\s*$/.exec(range ?? '');
  return match ? [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)] : undefined;
}

/** The engines.node range of package.json. */
export function requiredRange() {
  return JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')).engines?.node;
}

/**
 * The one line that says this Node is too old, which Node is needed and how to get it; undefined
 * when `version` satisfies `range` (a range this does not read is not checked).
 */
export function nodeVersionProblem(version = process.versions.node, range = requiredRange(), execPath = process.execPath) {
  const minimum = minimumOf(range);
  if (!minimum) return undefined;
  const found = version.replace(/^v/, '').split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    if ((found[i] ?? 0) > minimum[i]) return undefined;
    if ((found[i] ?? 0) < minimum[i]) break;
    if (i === 2) return undefined;
  }
  const wanted = minimum[1] === 0 && minimum[2] === 0 ? `${minimum[0]}` : minimum.join('.');
  return `aks-queue-scaler needs Node.js ${wanted} or newer (package.json engines: "${range.trim()}"), `
    + `but this is Node.js ${version.replace(/^v/, '')} (${execPath}): install it with \`nvm install ${minimum[0]}\`, `
    + `or put \`npx -p node@${minimum[0]}\` before the command (e.g. \`npx -p node@${minimum[0]} npm start\`) `
    + `to run it with Node ${minimum[0]} from the node@${minimum[0]} npm package, as .ci/run does.`;
}

/** Exits with code 1 and the one line on stderr when this Node is too old. */
export function requireSupportedNode() {
  const problem = nodeVersionProblem();
  if (problem === undefined) return;
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) requireSupportedNode();
