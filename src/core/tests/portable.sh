#!/bin/sh
# The same bits everywhere (run by `make -C src/core/tests portable`):
# builds portable.c with the whole core in several ways, runs each build,
# and checks that every one prints the golden SHA-256 of portable.golden.
#
#   gcc-O2          gcc -O2, GNU C mode (where GCC contracts to FMA by
#                   default), the kernels chosen at run time (AVX-512 or
#                   AVX2 here)
#   gcc-O2-portable the same binary with the portable kernels forced
#   gcc-O2-avx2     the same binary with the AVX2 kernels forced (on a
#                   processor with AVX-512 only)
#   gcc-O2-cpu-without-avx2  the same binary on an emulated x86-64 processor
#                   without AVX2 (qemu-x86_64 -cpu Nehalem)
#   gcc-O0          gcc -O0
#   gcc-O3-haswell  gcc -O3 -march=haswell: AVX2 and FMA in every function
#                   (x86-64 processors with AVX2 and FMA only)
#   gcc-scalar      no vector extensions at all (plain C loops)
#   clang-O2        Debian's clang (with OpenMP when libomp is there), both
#   clang-O2-portable  kernel choices (and clang-O2-avx2, as for gcc)
#   clang-O3-haswell   clang -O3 -march=haswell
#   arm64-gcc-O2    aarch64-linux-gnu-gcc -O2, static, run under qemu-user
#   arm64-clang-O2  clang --target=aarch64-linux-gnu -O2 (no OpenMP), the
#                   same way
#
# Also checks that every core source includes fp.h first, and that no FMA
# instruction appears in the core's object code (gcc -O2, whose AVX-512
# functions have FMA instructions at hand, and the -march=haswell and
# arm64 builds, where the compilers would emit them unless told not to).
#
# A variant whose compiler or emulator is missing counts as a failure,
# unless PORTABLE_SKIP_OK=1. Exit status 0 only when every variant ran and
# printed the golden hash.
set -u
cd "$(dirname "$0")" || exit 2
golden=$(cat portable.golden)
out=build-portable
rm -rf "$out"
mkdir -p "$out"
warn="-std=gnu99 -Wall -Wextra -pedantic -I.."
fail=0
skip=0
results=""

# every core source starts with #include "fp.h" (the contraction guard)
for f in ../*.c; do
  first=$(grep -m1 '^#include' "$f")
  if [ "$first" != '#include "fp.h"' ]; then
    echo "FAIL: $f does not include \"fp.h\" first (see fp.h)"
    fail=1
  fi
done

# build NAME CC "FLAGS" [LDFLAGS]: objects in $out/NAME, binary $out/NAME/portable
build() {
  name=$1 cc=$2 flags=$3 ldflags=${4:-}
  mkdir -p "$out/$name"
  for f in ../*.c portable.c; do
    o="$out/$name/$(basename "$f" .c).o"
    # shellcheck disable=SC2086
    if ! $cc $warn $flags -c "$f" -o "$o" 2>"$out/$name/build.log.tmp"; then
      cat "$out/$name/build.log.tmp"
      return 1
    fi
    if [ -s "$out/$name/build.log.tmp" ]; then
      echo "warnings from $cc $flags on $f:"
      cat "$out/$name/build.log.tmp"
      fail=1
    fi
  done
  # (static links warn about libgomp's dlopen: kept in the log)
  # shellcheck disable=SC2086
  $cc $flags "$out/$name"/*.o -o "$out/$name/portable" $ldflags -lm \
    2>"$out/$name/link.log" || { cat "$out/$name/link.log"; return 1; }
}

# no fused multiply-add instruction in the core's objects (not portable.o)
no_fma() {
  name=$1 objdump=$2 pattern=$3
  n=0
  for o in "$out/$name"/*.o; do
    [ "$(basename "$o")" = portable.o ] && continue
    c=$($objdump -d "$o" | grep -Eci "$pattern")
    n=$((n + c))
  done
  if [ "$n" -ne 0 ]; then
    echo "FAIL: $name: $n fused multiply-add instructions in the core"
    fail=1
  else
    echo "$name: no fused multiply-add instruction in the core"
  fi
}

# run NAME KERNELS [RUNNER]
run() {
  name=$1 kern=$2 runner=${3:-}
  # shellcheck disable=SC2086
  line=$($runner "$out/${4:-$name}/portable" "$kern" "$name")
  st=$?
  echo "$line"
  hash=${line##*sha256=}
  if [ $st -ne 0 ] || [ "$hash" != "$golden" ]; then
    echo "FAIL: $name (exit status $st)"
    fail=1
  fi
  results="$results $name"
}

skipped() {
  echo "SKIPPED: $1 ($2)"
  skip=1
}

have() { command -v "$1" >/dev/null 2>&1; }

# R's flags on Debian (fortified string functions are always_inline wrappers)
if build gcc-O2 gcc "-O2 -fopenmp -D_FORTIFY_SOURCE=2 -fstack-protector-strong"; then
  run gcc-O2 auto
  run gcc-O2-portable portable "" gcc-O2
  no_fma gcc-O2 objdump 'vfn?m(add|sub)'
  if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
    # the AVX2 kernels on a processor whose default is AVX-512
    run gcc-O2-avx2 avx2 "" gcc-O2
  fi
  if [ "$(uname -m)" = x86_64 ] && have qemu-x86_64; then
    run gcc-O2-cpu-without-avx2 auto "qemu-x86_64 -cpu Nehalem" gcc-O2
  else
    skipped gcc-O2-cpu-without-avx2 "no qemu-x86_64: apt-get install qemu-user"
  fi
else
  echo "FAIL: gcc-O2 does not build"; fail=1
fi

if build gcc-O0 gcc "-O0 -fopenmp"; then run gcc-O0 auto; else
  echo "FAIL: gcc-O0 does not build"; fail=1
fi

if grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo; then
  if build gcc-O3-haswell gcc "-O3 -march=haswell -fopenmp"; then
    run gcc-O3-haswell auto
    no_fma gcc-O3-haswell objdump 'vfn?m(add|sub)'
  else
    echo "FAIL: gcc-O3-haswell does not build"; fail=1
  fi
else
  skipped gcc-O3-haswell "this processor has no AVX2/FMA"
fi

if build gcc-scalar gcc "-O2 -fopenmp -DUMAPC_NO_VEC -DUMAPC_NO_VECTOR -DUMAPC_NO_AVX2"; then
  run gcc-scalar auto
else
  echo "FAIL: gcc-scalar does not build"; fail=1
fi

if have clang; then
  omp="-fopenmp"
  echo 'int main(void){return 0;}' > "$out/omp.c"
  clang -fopenmp "$out/omp.c" -o "$out/omp" 2>/dev/null || {
    omp=""
    echo "clang: no OpenMP runtime (libomp-dev), building single-threaded"
  }
  if build clang-O2 clang "-O2 $omp"; then
    run clang-O2 auto
    run clang-O2-portable portable "" clang-O2
    if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
      run clang-O2-avx2 avx2 "" clang-O2
    fi
  else
    echo "FAIL: clang-O2 does not build"; fail=1
  fi
  if grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo; then
    if build clang-O3-haswell clang "-O3 -march=haswell $omp"; then
      run clang-O3-haswell auto
      no_fma clang-O3-haswell objdump 'vfn?m(add|sub)'
    else
      echo "FAIL: clang-O3-haswell does not build"; fail=1
    fi
  fi
else
  skipped clang-O2 "no clang: apt-get install clang"
fi

if have aarch64-linux-gnu-gcc; then
  qemu=""
  for q in qemu-aarch64 qemu-aarch64-static; do
    if have $q; then qemu=$q; break; fi
  done
  if build arm64-gcc-O2 aarch64-linux-gnu-gcc "-O2 -fopenmp" -static; then
    no_fma arm64-gcc-O2 aarch64-linux-gnu-objdump '\bf(n?m(add|sub)|ml[as])\b'
    if [ -n "$qemu" ]; then
      run arm64-gcc-O2 auto "$qemu"
    else
      skipped arm64-gcc-O2 "no qemu-aarch64: apt-get install qemu-user"
    fi
  else
    echo "FAIL: arm64-gcc-O2 does not build"; fail=1
  fi
  # clang for arm64 too (it contracts within expressions by default there),
  # with the cross gcc's C library; no arm64 OpenMP runtime: one thread
  if have clang; then
    if build arm64-clang-O2 clang "--target=aarch64-linux-gnu -O2" -static; then
      no_fma arm64-clang-O2 aarch64-linux-gnu-objdump '\bf(n?m(add|sub)|ml[as])\b'
      [ -n "$qemu" ] && run arm64-clang-O2 auto "$qemu"
    else
      echo "FAIL: arm64-clang-O2 does not build"; fail=1
    fi
  fi
else
  skipped arm64-gcc-O2 "no aarch64-linux-gnu-gcc: apt-get install gcc-aarch64-linux-gnu"
fi

echo "golden: $golden"
if [ $fail -ne 0 ]; then
  echo "portable: FAILED (variants run:$results)"
  exit 1
fi
if [ $skip -ne 0 ] && [ "${PORTABLE_SKIP_OK:-0}" != 1 ]; then
  echo "portable: variants skipped (set PORTABLE_SKIP_OK=1 to allow)"
  exit 1
fi
echo "portable: all variants give the golden hash (variants run:$results)"
