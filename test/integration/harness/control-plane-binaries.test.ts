import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ETCD_VERSION, KUBE_VERSION, controlPlaneCacheBin, findControlPlaneBinaries, missingControlPlaneMessage,
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
