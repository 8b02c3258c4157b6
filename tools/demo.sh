#!/usr/bin/env bash
# The main job: install what is needed, install umapc from this checkout,
# and embed Fashion-MNIST, writing fashion-mnist-umap.png (into
# $UMAPC_DEMO_OUT, default: the current directory).
# Usage (from the repository root): bash tools/demo.sh [n_rows]
# umapc is built from a copy of the checkout, so no object files are left in
# src/ (R CMD build and check would otherwise see them).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/umapc"
tar --exclude=.git --exclude=./bench --exclude='*.o' --exclude='*.so' -cf - . |
  tar -xf - -C "$tmp/umapc"
R CMD INSTALL --no-test-load "$tmp/umapc" >"$tmp/install.log" 2>&1 || {
  cat "$tmp/install.log"; exit 1; }
Rscript tools/demo.R "${1:-70000}"
