#!/usr/bin/env bash
# Build the package, run R CMD check --as-cran --no-manual (which runs the
# testthat suite and builds the vignettes; the CRAN-incoming checks that need
# the network are skipped; without the network, "checking for future file
# timestamps" gives a NOTE), fail on any ERROR or WARNING, and print
# testthat's totals as the last line: "N passed, N failed".
# Usage (from the repository root): bash tools/test.sh
set -uo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh || exit 1

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pkgdir=$(pwd)
( cd "$work" && R CMD build --no-manual "$pkgdir" ) > "$work/build.log" 2>&1 || {
  cat "$work/build.log"; echo "R CMD build failed"; exit 1; }
tarball=$(ls "$work"/umapc_*.tar.gz)
echo "built $(basename "$tarball") ($(du -h "$tarball" | cut -f1))"

( cd "$work" && NOT_CRAN=true _R_CHECK_CRAN_INCOMING_=false \
    _R_CHECK_CRAN_INCOMING_REMOTE_=false R CMD check --as-cran --no-manual "$tarball" ) \
  > "$work/check.log" 2>&1
status=$?
cat "$work/check.log"
rout="$work/umapc.Rcheck/tests/testthat.Rout"
[ -f "$rout" ] || rout="$work/umapc.Rcheck/tests/testthat.Rout.fail"
if [ -f "$rout" ]; then
  echo "---- test output ($(basename "$rout")) ----"
  tail -n 60 "$rout"
fi

# testthat's summary line: [ FAIL x | WARN y | SKIP z | PASS w ]
line=$(grep -E '^\[ FAIL [0-9]+ \| WARN [0-9]+ \| SKIP [0-9]+ \| PASS [0-9]+ \]' "$rout" 2>/dev/null | tail -n 1)
if [ -n "$line" ]; then
  failed=$(echo "$line" | sed -E 's/.*FAIL ([0-9]+).*/\1/')
  skipped=$(echo "$line" | sed -E 's/.*SKIP ([0-9]+).*/\1/')
  passed=$(echo "$line" | sed -E 's/.*PASS ([0-9]+).*/\1/')
else
  passed=0; failed=1; skipped=0
  echo "no testthat summary found"
fi

bad=0
if grep -qE '^Status: .*ERROR' "$work/check.log" || grep -qE '^\* .*\.\.\. ERROR' "$work/check.log"; then
  echo "R CMD check reported an ERROR"; bad=1
fi
if grep -qE '^Status: .*WARNING' "$work/check.log" || grep -qE '\.\.\. WARNING' "$work/check.log"; then
  echo "R CMD check reported a WARNING"; bad=1
fi
[ $status -ne 0 ] && bad=1
[ "$failed" -ne 0 ] && bad=1
echo "$passed passed, $failed failed, $skipped skipped"
exit $bad
