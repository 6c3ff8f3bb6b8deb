import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  BUILD_TIME, ETCD_VERSION, KUBE_VERSION, buildScriptPath, controlPlaneCacheBin, controlPlaneSkipped, ensureControlPlaneBinaries, findControlPlaneBinaries,
  missingControlPlaneMessage,
} from '../../../local/control-plane-binaries.js';

describe('finding kube-apiserver and etcd', () => {
  let assets: string;
  let empty: string;
  beforeAll(async () => {
    assets = await mkdtemp(join(tmpdir(), 'aqs-assets-'));
    empty = await mkdtemp(join(tmpdir(), 'aqs-empty-'));
    for (const name of ['kube-apiserver', 'etcd']) {
      await writeFile(join(assets, name), '#!/bin/sh\n');
      await chmod(join(assets, name), 0o755);
    }
  });
  afterAll(async () => {
    await rm(assets, { recursive: true, force: true });
    await rm(empty, { recursive: true, force: true });
  });

  test('the pinned versions are the build script\'s defaults', async () => {
    const script = await readFile(new URL('../../../scripts/build-control-plane.sh', import.meta.url), 'utf8');

    expect(script).toContain(`KUBE_VERSION="\${KUBE_VERSION:-${KUBE_VERSION}}"`);
    expect(script).toContain(`ETCD_VERSION="\${ETCD_VERSION:-${ETCD_VERSION}}"`);
  });

  test('the cache folder is computed as the build script does', () => {
    expect(controlPlaneCacheBin({ HOME: '/home/u' })).toBe(`/home/u/.cache/aks-queue-scaler/control-plane/k8s-${KUBE_VERSION}-etcd-${ETCD_VERSION}/bin`);
    expect(controlPlaneCacheBin({ HOME: '/home/u', XDG_CACHE_HOME: '/xdg' })).toBe(`/xdg/aks-queue-scaler/control-plane/k8s-${KUBE_VERSION}-etcd-${ETCD_VERSION}/bin`);
    expect(controlPlaneCacheBin({ CONTROL_PLANE_CACHE: '/cp', KUBE_VERSION: '1.36.0', ETCD_VERSION: '' })).toBe(`/cp/k8s-1.36.0-etcd-${ETCD_VERSION}/bin`);
  });

  test('KUBEBUILDER_ASSETS wins over the cache', () => {
    expect(findControlPlaneBinaries({ KUBEBUILDER_ASSETS: assets, CONTROL_PLANE_CACHE: empty })).toBe(assets);
  });

  test('a KUBEBUILDER_ASSETS without the binaries is reported, not passed over', () => {
    const env = { KUBEBUILDER_ASSETS: empty, CONTROL_PLANE_CACHE: assets };

    expect(findControlPlaneBinaries(env)).toBeUndefined();
    expect(missingControlPlaneMessage(env)).toMatch(new RegExp(`KUBEBUILDER_ASSETS=${empty}.*scripts/build-control-plane.sh`));
  });

  test('an empty cache says how to fill it', () => {
    const env = { CONTROL_PLANE_CACHE: empty };

    expect(findControlPlaneBinaries(env)).toBeUndefined();
    expect(missingControlPlaneMessage(env)).toContain(`no kube-apiserver and etcd in ${empty}/k8s-`);
  });
});

describe('building them when they are missing (npm start, npm test, the demo)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aqs-build-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** A stand-in for scripts/build-control-plane.sh: its progress lines, then the binaries (or a failure). */
  async function script(name: string, body: string): Promise<string> {
    const file = join(dir, `${name}.sh`);
    await writeFile(file, `set -eu\nBIN="$CONTROL_PLANE_CACHE/k8s-$KUBE_VERSION-etcd-$ETCD_VERSION/bin"\n${body}\n`);
    return file;
  }
  const env = (cache: string) => ({ ...process.env, KUBEBUILDER_ASSETS: '', CONTROL_PLANE_CACHE: cache, KUBE_VERSION, ETCD_VERSION });

  test('found: nothing runs, nothing is said', async () => {
    const cache = join(dir, 'found');
    const bin = controlPlaneCacheBin(env(cache));
    await mkdir(bin, { recursive: true });
    for (const name of ['kube-apiserver', 'etcd']) {
      await writeFile(join(bin, name), '#!/bin/sh\n');
      await chmod(join(bin, name), 0o755);
    }
    const out: string[] = [];
    expect(await ensureControlPlaneBinaries({ env: env(cache), out: (l) => out.push(l), buildScript: '/nonexistent' })).toBe(bin);
    expect(out).toEqual([]);
  });

  test('missing: the build runs, its step lines are shown as they come, with a line while a step takes long, and the cache is said', async () => {
    const cache = join(dir, 'built');
    const build = await script('build', [
      'echo "build-control-plane: 1/4 downloading" >&2',
      'for i in 1 2 3; do echo "go: downloading example.com/m$i v1.0.0" >&2; done',
      'echo "build-control-plane: 2/4 compiling kube-apiserver" >&2',
      'sleep 1',
      'mkdir -p "$BIN" && printf \'#!/bin/sh\\n\' > "$BIN/kube-apiserver" && cp "$BIN/kube-apiserver" "$BIN/etcd" && chmod +x "$BIN/kube-apiserver" "$BIN/etcd"',
      'echo "$BIN"',
    ].join('\n'));
    const out: string[] = [];
    const bin = await ensureControlPlaneBinaries({ env: env(cache), out: (l) => out.push(l), buildScript: build, heartbeatMs: 300 });
    expect(bin).toBe(controlPlaneCacheBin(env(cache)));
    expect(out[0]).toBe(`kube-apiserver and etcd are not in ${bin} yet: building them with scripts/build-control-plane.sh from the Go module proxy (${BUILD_TIME}; later runs start in seconds)`);
    expect(out).toContain('  1/4 downloading');
    expect(out).toContain('  2/4 compiling kube-apiserver');
    expect(out.some((l) => /^ {2}still building: 0:0\d so far, 3 Go modules downloaded \(about 7 minutes on 2 cores, once\)$/.test(l))).toBe(true);
    expect(out.at(-1)).toMatch(new RegExp(`^ {2}kube-apiserver and etcd are ready in ${bin} \\(0:0\\d\\)$`));
    expect(out.join('\n')).not.toContain('go: downloading');
  });

  test('a failed build says why, with its last lines and what to do without Go', async () => {
    const build = await script('fail', 'echo "build-control-plane: Go is needed to build kube-apiserver and etcd" >&2\nexit 1');
    const out: string[] = [];
    await expect(ensureControlPlaneBinaries({ env: env(join(dir, 'failed')), out: (l) => out.push(l), buildScript: build }))
      .rejects.toThrow(/^scripts\/build-control-plane\.sh failed \(exit code 1\) after 0:00; its last lines:\nbuild-control-plane: Go is needed .*\nWithout Go, set KUBEBUILDER_ASSETS/);
    expect(out).toContain('  Go is needed to build kube-apiserver and etcd');
  });

  test('an empty KUBEBUILDER_ASSETS is the user\'s folder: nothing is built into it', async () => {
    const empty = await mkdtemp(join(dir, 'assets-'));
    await expect(ensureControlPlaneBinaries({ env: { KUBEBUILDER_ASSETS: empty }, buildScript: '/nonexistent' })).rejects.toThrow(`KUBEBUILDER_ASSETS=${empty} holds no executable kube-apiserver and etcd`);
  });

  test('SKIP_CONTROL_PLANE=1 skips, unless REQUIRE_CONTROL_PLANE=1', () => {
    expect(controlPlaneSkipped({ SKIP_CONTROL_PLANE: '1' })).toBe(true);
    expect(controlPlaneSkipped({ SKIP_CONTROL_PLANE: '1', REQUIRE_CONTROL_PLANE: '1' })).toBe(false);
    expect(controlPlaneSkipped({})).toBe(false);
  });

  test('the real script, with a stand-in for go: its steps, the binaries moved into the cache, no work folder left, stdout only the bin folder', async () => {
    const cache = join(dir, 'real');
    const fakeBin = join(dir, 'fake-go');
    await mkdir(fakeBin, { recursive: true });
    // What the script asks of go: version, mod init/edit/download, get, build -o FILE.
    await writeFile(join(fakeBin, 'go'), [
      '#!/bin/sh',
      'case "$1" in',
      '  version) echo "go version go1.99.0 linux/amd64" ;;',
      '  mod) if [ "$2" = download ]; then : > "$PWD/k8s.mod"; echo "{ \\"GoMod\\": \\"$PWD/k8s.mod\\", }"; fi ;;',
      '  get) echo "go: downloading example.com/m v1.0.0" >&2 ;;',
      '  build) while [ "$1" != -o ]; do shift; done; printf \'#!/bin/sh\\n\' > "$2"; chmod +x "$2" ;;',
      'esac',
    ].join('\n'));
    await chmod(join(fakeBin, 'go'), 0o755);
    const out: string[] = [];
    const bin = await ensureControlPlaneBinaries({ env: { ...env(cache), PATH: `${fakeBin}:${process.env.PATH}` }, out: (l) => out.push(l), buildScript: buildScriptPath() });
    expect(bin).toBe(controlPlaneCacheBin(env(cache)));
    expect(findControlPlaneBinaries({ KUBEBUILDER_ASSETS: bin })).toBe(bin);
    expect(out.slice(1, 6)).toEqual([
      `  building kube-apiserver v${KUBE_VERSION} and etcd v${ETCD_VERSION} with go1.99.0 into ${bin} (about 7 minutes on 2 cores)`,
      `  1/4 downloading k8s.io/kubernetes v${KUBE_VERSION} and its modules`,
      '  2/4 compiling kube-apiserver (the longest step, several minutes)',
      `  3/4 downloading etcd v${ETCD_VERSION}`,
      '  4/4 compiling etcd',
    ]);
    expect(out[6]).toMatch(new RegExp(`^ {2}built kube-apiserver v${KUBE_VERSION.replaceAll('.', '\\.')} and etcd v${ETCD_VERSION.replaceAll('.', '\\.')} in \\d+ s$`));
    expect((await readdir(cache)).filter((f) => f.startsWith('build'))).toEqual([]);
  });
});
