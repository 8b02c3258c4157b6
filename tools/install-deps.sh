#!/usr/bin/env bash
# Install what building, checking, testing and the demo need on a fresh
# Debian machine with R (idempotent: only missing packages are installed).
# Debian's prebuilt r-cran-* packages are used; nothing is built from source.
set -euo pipefail

need=()
have_deb() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
# Suggested packages the tests use: SingleCellExperiment (with
# SummarizedExperiment, S4Vectors and DelayedArray), ggplot2, generics,
# BiocParallel (predict(BPPARAM =)). The
# CRAN package umap, whose S3 class clash is tested, has no Debian package
# (so it is not in Suggests): that test is skipped without it.
for p in r-cran-matrix r-cran-testthat r-cran-knitr r-cran-rmarkdown pandoc \
         r-cran-roxygen2 qpdf dataset-fashion-mnist \
         r-bioc-singlecellexperiment r-bioc-delayedarray r-cran-ggplot2 \
         r-cran-generics r-bioc-biocparallel "$@"; do
  case "$p" in
    r-cran-testthat)
      # testthat may come with R itself rather than from Debian
      Rscript -e 'quit(status = !requireNamespace("testthat", quietly = TRUE))' \
        >/dev/null 2>&1 && continue ;;
    r-cran-matrix)
      Rscript -e 'quit(status = !requireNamespace("Matrix", quietly = TRUE))' \
        >/dev/null 2>&1 && continue ;;
  esac
  have_deb "$p" || need+=("$p")
done

if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
