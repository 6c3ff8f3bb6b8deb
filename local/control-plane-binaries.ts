import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

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
