#!/usr/bin/env bash
# Rerun every benchmark in one go (from the repository root):
#   bash bench/run.sh            # all
#   bash bench/run.sh knn speed  # some of: quality knn speed predict grid supervised
# Installs, into bench/lib (not committed): uwot from CRAN (the version CRAN
# serves, as the issues ask; Debian's r-cran-uwot brings its dependencies
# prebuilt, so only uwot itself is compiled, about 3 minutes, once) and
# umapc from this checkout; Fashion-MNIST from Debian. Then writes
# bench/out/*.csv, *.log and *.png.
# UMAPC_BENCH_UWOT=debian uses Debian's uwot instead of CRAN's.
set -euo pipefail
cd "$(dirname "$0")/.."
# bench/quality.R also runs umap-learn 0.5.7 (not installed here): its source must be
# at $UMAP_LEARN_SRC (default /work/ext/umap-learn) and Debian's python3-numba
# python3-pynndescent python3-sklearn python3-tqdm installed (bench/umap_learn.R).
bash tools/install-deps.sh r-cran-uwot r-bioc-hsmmsinglecell python3-numba \
  python3-pynndescent python3-sklearn python3-tqdm
mkdir -p bench/lib bench/out
if [ "${UMAPC_BENCH_UWOT:-cran}" = cran ] &&
   [ ! -f bench/lib/uwot/DESCRIPTION ]; then
  echo "installing uwot from CRAN into bench/lib ..."
  MAKEFLAGS="-j2" Rscript -e 'install.packages(c("dqrng", "uwot"), lib = "bench/lib",
    repos = "https://cloud.r-project.org", quiet = TRUE)' > bench/out/uwot-install.log 2>&1 ||
    { tail -20 bench/out/uwot-install.log; exit 1; }
fi
# umapc from a copy of the checkout, so that no object files land in src/
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar --exclude=.git --exclude=./bench --exclude='*.o' --exclude='*.so' -cf - . |
  tar -xf - -C "$tmp"
R CMD INSTALL --no-test-load -l bench/lib "$tmp" > bench/out/umapc-install.log 2>&1 ||
  { cat bench/out/umapc-install.log; exit 1; }
# every R process below (and the benchmarks' child processes) sees bench/lib
# first
export R_LIBS="$PWD/bench/lib${R_LIBS:+:$R_LIBS}"
Rscript -e 'cat(sprintf("umapc %s, uwot %s (%s)\n", packageVersion("umapc"),
  packageVersion("uwot"), dirname(find.package("uwot"))))'
which=("$@")
[ ${#which[@]} -eq 0 ] && which=(quality knn speed predict grid supervised)
for b in "${which[@]}"; do
  echo "==== bench/$b.R ($(date +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg))"
  Rscript "bench/$b.R" 2>&1 | tee "bench/out/$b.log"
done
