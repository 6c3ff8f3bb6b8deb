#!/usr/bin/env bash
# Builds kube-apiserver and etcd from the Go module proxy into a cache folder outside the
# repository, for the integration tests, `npm start`'s built-in sample and the demo. Nothing
# built here is ever committed.
#
#   scripts/build-control-plane.sh            # build if missing, print the bin folder
#
# About 7 minutes on 2 cores the first time (most of it compiling kube-apiserver), seconds once
# cached. Progress goes to stderr, one "build-control-plane: ..." line per step; the bin folder
# is the only line on stdout. The cache is reused across runs and clones (it lives under $HOME
# unless CONTROL_PLANE_CACHE says otherwise). local/control-plane-binaries.ts (the tests, the
# CLI, the benchmarks) finds the binaries in $KUBEBUILDER_ASSETS first (the envtest convention),
# then in this cache, and runs this script when neither has them. Builds running at once do not
# disturb each other: each works in its own folder and moves finished binaries into place.
set -euo pipefail

KUBE_VERSION="${KUBE_VERSION:-1.35.4}"
ETCD_VERSION="${ETCD_VERSION:-3.6.16}"
CACHE_ROOT="${CONTROL_PLANE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/aks-queue-scaler/control-plane}"
BIN="$CACHE_ROOT/k8s-$KUBE_VERSION-etcd-$ETCD_VERSION/bin"

if [[ -x "$BIN/kube-apiserver" && -x "$BIN/etcd" ]]; then
  echo "$BIN"
  exit 0
fi
step() { echo "build-control-plane: $*" >&2; }
command -v go >/dev/null || { echo "build-control-plane: Go is needed to build kube-apiserver and etcd (https://go.dev/dl/), or set KUBEBUILDER_ASSETS to a folder holding both" >&2; exit 1; }

mkdir -p "$BIN"
WORK="$(mktemp -d "$CACHE_ROOT/build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/kas" "$WORK/etcd" "$WORK/bin"
export GOFLAGS="${GOFLAGS:--buildvcs=false}" CGO_ENABLED=0
start=$(date +%s)
step "building kube-apiserver v$KUBE_VERSION and etcd v$ETCD_VERSION with $(go version | cut -d' ' -f3) into $BIN (about 7 minutes on 2 cores)"

# kube-apiserver: k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them
# with local folders, which a dependent module cannot see. A wrapper module replaces each one
# with its published tag (kubernetes/kubernetes#79384).
(
  cd "$WORK/kas"
  go mod init local/kas >/dev/null 2>&1
  step "1/4 downloading k8s.io/kubernetes v$KUBE_VERSION and its modules"
  go mod edit -require="k8s.io/kubernetes@v$KUBE_VERSION"
  gomod=$(go mod download -json "k8s.io/kubernetes@v$KUBE_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')
  staging="0.${KUBE_VERSION#1.}"
  for m in $(awk '$2=="v0.0.0" && $1 ~ /^k8s\.io\// {print $1}' "$gomod"); do
    go mod edit -replace="$m=$m@v$staging"
  done
  go get "k8s.io/kubernetes/cmd/kube-apiserver@v$KUBE_VERSION" >&2
  step "2/4 compiling kube-apiserver (the longest step, several minutes)"
  minor=$(echo "$KUBE_VERSION" | cut -d. -f2)
  go build -trimpath -ldflags "-s -w \
    -X k8s.io/component-base/version.gitVersion=v$KUBE_VERSION \
    -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor" \
    -o "$WORK/bin/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
)

# etcd: package main is the root of go.etcd.io/etcd/server/v3; kept in its own module so its
# dependencies do not clash with the apiserver's.
(
  cd "$WORK/etcd"
  go mod init local/etcd >/dev/null 2>&1
  step "3/4 downloading etcd v$ETCD_VERSION"
  go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" >&2
  step "4/4 compiling etcd"
  go build -trimpath -ldflags "-s -w" -o "$WORK/bin/etcd" go.etcd.io/etcd/server/v3
)

# Into place in one rename each (same file system), so a reader never sees half a binary.
mv -f "$WORK/bin/kube-apiserver" "$WORK/bin/etcd" "$BIN/"
step "built kube-apiserver v$KUBE_VERSION and etcd v$ETCD_VERSION in $(( $(date +%s) - start )) s"
echo "$BIN"
