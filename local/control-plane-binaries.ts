import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The versions scripts/build-control-plane.sh builds by default (a test keeps them in sync).
export const KUBE_VERSION = '1.35.4';
export const ETCD_VERSION = '3.6.16';

const BINARIES = ['kube-apiserver', 'etcd'] as const;

/** The cache folder scripts/build-control-plane.sh fills, computed the same way. */
export function controlPlaneCacheBin(env: NodeJS.ProcessEnv = process.env): string {
  // `||` like the script's ${VAR:-default}: an empty variable counts as unset.
  const cacheRoot = env.CONTROL_PLANE_CACHE
    || join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'aks-queue-scaler', 'control-plane');
  return join(cacheRoot, `k8s-${env.KUBE_VERSION || KUBE_VERSION}-etcd-${env.ETCD_VERSION || ETCD_VERSION}`, 'bin');
}

/**
 * The folder holding executable kube-apiserver and etcd: $KUBEBUILDER_ASSETS when set (the
 * envtest convention; then it is the only place looked at), otherwise the build script's cache.
 */
export function findControlPlaneBinaries(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dir = env.KUBEBUILDER_ASSETS || controlPlaneCacheBin(env);
  return BINARIES.every((name) => isExecutable(join(dir, name))) ? dir : undefined;
}

/** REQUIRE_CONTROL_PLANE=1 (CI): suites that need the control plane fail without it instead of being skipped. */
export function controlPlaneRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.REQUIRE_CONTROL_PLANE === '1';
}

/**
 * SKIP_CONTROL_PLANE=1: the test run skips the suites that need kube-apiserver and etcd instead of
 * building them (REQUIRE_CONTROL_PLANE=1 wins over it).
 */
export function controlPlaneSkipped(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.SKIP_CONTROL_PLANE === '1' && !controlPlaneRequired(env);
}

/** Why findControlPlaneBinaries found nothing, and how to fix it, in one line. */
export function missingControlPlaneMessage(env: NodeJS.ProcessEnv = process.env): string {
  const where = env.KUBEBUILDER_ASSETS
    ? `KUBEBUILDER_ASSETS=${env.KUBEBUILDER_ASSETS} holds no executable kube-apiserver and etcd`
    : `no kube-apiserver and etcd in ${controlPlaneCacheBin(env)}`;
  return `${where}; run scripts/build-control-plane.sh (needs Go and the Go module proxy) or set KUBEBUILDER_ASSETS to a folder with both`;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** scripts/build-control-plane.sh of this repository (found upwards from local/ or dist/local/). */
export function buildScriptPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}: cannot find scripts/build-control-plane.sh`);
    dir = parent;
  }
  return join(dir, 'scripts', 'build-control-plane.sh');
}

export interface EnsureControlPlaneOptions {
  env?: NodeJS.ProcessEnv;
  /** Progress, one line at a time. */
  out?: (line: string) => void;
  /** Stops a build (Ctrl-C): the script is killed and ensure rejects. */
  signal?: AbortSignal;
  /** The build script (tests give a stand-in); scripts/build-control-plane.sh by default. */
  buildScript?: string;
  /** How often a line says the build is still going (default 30 s). */
  heartbeatMs?: number;
}

/** What the first build costs, said before it starts and while it runs. */
export const BUILD_TIME = 'about 7 minutes on 2 cores, once';

const minutes = (ms: number): string => `${Math.floor(ms / 60_000)}:${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')}`;

/**
 * The folder holding kube-apiserver and etcd: found (findControlPlaneBinaries), or else built into
 * the cache by scripts/build-control-plane.sh, whose step lines are passed to `out` as they come,
 * with a line every `heartbeatMs` while a step runs (compiling kube-apiserver takes minutes and
 * prints nothing). A KUBEBUILDER_ASSETS that holds no binaries is the user's folder: nothing is
 * built into it, and the error says so. A failed build rejects with its last lines.
 */
export async function ensureControlPlaneBinaries(options: EnsureControlPlaneOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  const out = options.out ?? (() => {});
  const found = findControlPlaneBinaries(env);
  if (found) return found;
  if (env.KUBEBUILDER_ASSETS) throw new Error(missingControlPlaneMessage(env));
  const script = options.buildScript ?? buildScriptPath();
  const cache = controlPlaneCacheBin(env);
  out(`kube-apiserver and etcd are not in ${cache} yet: building them with scripts/build-control-plane.sh from the Go module proxy (${BUILD_TIME}; later runs start in seconds)`);
  const started = Date.now();
  const tail: string[] = [];
  let stdout = '';
  let downloads = 0;
  const child = spawn('bash', [script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const onAbort = (): void => void child.kill('SIGTERM');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const heartbeat = setInterval(() => out(`  still building: ${minutes(Date.now() - started)} so far${downloads > 0 ? `, ${downloads} Go modules downloaded` : ''} (${BUILD_TIME})`), options.heartbeatMs ?? 30_000);
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => void (stdout += chunk));
  let partial = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      tail.push(line);
      if (tail.length > 20) tail.shift();
      if (line.startsWith('build-control-plane: ')) out(`  ${line.slice('build-control-plane: '.length)}`);
      else if (line.startsWith('go: downloading ')) downloads++;
    }
  });
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (status) => resolve(status));
    });
    options.signal?.throwIfAborted();
    const bin = stdout.trim().split('\n').at(-1) ?? '';
    if (code !== 0 || !findControlPlaneBinaries({ ...env, KUBEBUILDER_ASSETS: bin })) {
      throw new Error(`scripts/build-control-plane.sh failed (exit code ${code}) after ${minutes(Date.now() - started)}; its last lines:\n${[...tail, partial].filter(Boolean).join('\n')}\n`
        + 'Without Go, set KUBEBUILDER_ASSETS to a folder holding kube-apiserver and etcd (e.g. from setup-envtest).');
    }
    out(`  kube-apiserver and etcd are ready in ${bin} (${minutes(Date.now() - started)})`);
    return bin;
  } finally {
    clearInterval(heartbeat);
    options.signal?.removeEventListener('abort', onAbort);
  }
}
