#!/usr/bin/env bash
# The main job: install what is needed, install umapc from this checkout,
# and embed Fashion-MNIST, writing fashion-mnist-umap.png.
# Usage (from the repository root): bash tools/demo.sh [n_rows]
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
R CMD INSTALL --no-test-load . >/tmp/umapc-install.log 2>&1 || {
  cat /tmp/umapc-install.log; exit 1; }
Rscript tools/demo.R "${1:-70000}"
