#!/usr/bin/env bash
# Rerun every benchmark in one go (from the repository root):
#   bash bench/run.sh            # all
#   bash bench/run.sh knn speed  # some of: quality knn speed predict grid
# Installs uwot (Debian's r-cran-uwot) and Fashion-MNIST if missing, installs
# umapc from this checkout, then writes bench/out/*.csv and bench/out/*.log.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh r-cran-uwot
R CMD INSTALL --no-test-load . > bench/out-install.log 2>&1 || { cat bench/out-install.log; exit 1; }
rm -f bench/out-install.log
mkdir -p bench/out
which=("$@")
[ ${#which[@]} -eq 0 ] && which=(quality knn speed predict grid)
for b in "${which[@]}"; do
  echo "==== bench/$b.R ($(date +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg))"
  Rscript "bench/$b.R" 2>&1 | tee "bench/out/$b.log"
done
