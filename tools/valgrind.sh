#!/usr/bin/env bash
# Run a representative workload of umapc under valgrind (memcheck) and fail
# on invalid reads/writes, uses of uninitialised values, invalid frees and
# definite leaks whose stack involves umapc's shared object (umapc.so).
# Errors entirely inside R, BLAS, libgomp etc. are reported but do not fail.
#
# Usage (from anywhere):
#   bash tools/valgrind.sh [LIBDIR]
# LIBDIR: the library holding an installed umapc (default: R's .libPaths()).
# To install one without touching the repository:
#   rm -rf /tmp/vg && mkdir -p /tmp/vg/umapc /tmp/vg/lib
#   (cd /path/to/umapc && tar --exclude=.git -cf - .) | tar -xf - -C /tmp/vg/umapc
#   find /tmp/vg/umapc/src -name '*.o' -delete
#   R CMD INSTALL --library=/tmp/vg/lib /tmp/vg/umapc
#   bash tools/valgrind.sh /tmp/vg/lib
# R's default CFLAGS include -g, so stacks show file:line. The workload
# (tools/valgrind.sh writes it to a temporary R script) covers
# nearest_neighbors() with both methods and every metric, sparse and `dist`
# input, umap() with each init and with a precomputed knn, as_umap_knn(),
# predict(), umap_grid(), and error paths that leave C early. It takes a few
# minutes (valgrind slows R down 20-50x). Exit status: 0 clean, 1 errors in
# package code, 2 the workload itself failed. Needs valgrind and python3.
set -uo pipefail

lib=${1:-}
command -v valgrind >/dev/null || { echo "valgrind not found"; exit 2; }
command -v python3 >/dev/null || { echo "python3 not found"; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat > "$work/workload.R" <<'EOF'
lib <- Sys.getenv("UMAPC_VG_LIB")
if (nzchar(lib)) .libPaths(c(lib, .libPaths()))
suppressPackageStartupMessages(library(umapc))
cat("umapc from", find.package("umapc"), "\n")
options(umapc.n_threads = 2L)
set.seed(1)
X <- as.matrix(iris[, 1:4]) + matrix(rnorm(600, sd = 1e-3), 150)
colnames(X) <- colnames(iris)[1:4]
train <- seq(1, 150, by = 2)

# k-NN: both methods, every metric, sparse and dist input
for (m in c("euclidean", "cosine", "manhattan", "correlation")) {
  k1 <- nearest_neighbors(X, n_neighbors = 10, metric = m, method = "exact", seed = 1)
  k2 <- nearest_neighbors(X, n_neighbors = 10, metric = m, method = "nndescent", seed = 1)
  stopifnot(all(is.finite(k1$distances)), all(is.finite(k2$distances)))
}
H <- matrix(sample(0:2, 150 * 8, TRUE), 150)
kh <- nearest_neighbors(H, n_neighbors = 8, metric = "hamming", method = "exact")
kh2 <- nearest_neighbors(H, n_neighbors = 8, metric = "hamming", method = "nndescent", seed = 2)
S <- Matrix::rsparsematrix(120, 30, density = 0.2)
ks <- nearest_neighbors(S, n_neighbors = 6, method = "exact")
ks2 <- nearest_neighbors(S, n_neighbors = 6, metric = "cosine", method = "nndescent", seed = 3)
kd <- nearest_neighbors(dist(X[1:60, ]), n_neighbors = 5)
# NN-descent with heavy duplicates and tiny data
D <- rbind(matrix(1, 80, 3), matrix(rnorm(60), 20))
kdup <- nearest_neighbors(D, n_neighbors = 10, method = "nndescent", seed = 4)
ktiny <- nearest_neighbors(X[1:5, ], n_neighbors = 5, method = "nndescent", seed = 4)

# umap(): each init, 3 dimensions, precomputed knn, X = NULL
f1 <- umap(X, n_neighbors = 10, n_epochs = 30, seed = 1)
f2 <- umap(X, n_neighbors = 10, n_epochs = 30, init = "pca", n_components = 3, seed = 1)
f3 <- umap(X, n_neighbors = 10, n_epochs = 30, init = "random", seed = 1,
           method = "nndescent", set_op_mix_ratio = 0.5)
f4 <- umap(X, knn = k1, n_neighbors = 8, n_epochs = 30, seed = 1, metric = "correlation")
f5 <- umap(NULL, knn = f1$knn, n_neighbors = 10, n_epochs = 20, seed = 1)
f6 <- umap(S, n_neighbors = 6, n_epochs = 20, seed = 1)
f7 <- umap(dist(X[1:60, ]), n_neighbors = 5, n_epochs = 20, seed = 1)
f8 <- umap(D, n_neighbors = 10, n_epochs = 20, seed = 1)
f9 <- umap(rbind(matrix(rnorm(40), 20), matrix(rnorm(40) + 1e4, 20)),
           n_neighbors = 4, n_epochs = 20, seed = 1)
f10 <- umap(X, n_neighbors = 10, n_epochs = 20, seed = 1,
            init = matrix(rnorm(300), 150, 2))
stopifnot(all(is.finite(f1$embedding)), all(is.finite(f9$embedding)))

# foreign formats
fnn <- list(nn.index = k1$indices[, -1], nn.dist = k1$distances[, -1])
a1 <- as_umap_knn(fnn)
sp <- Matrix::sparseMatrix(i = as.vector(t(k1$indices[, -1])),
                           j = rep(1:150, each = 9),
                           x = as.vector(t(k1$distances[, -1])) + 1e-9,
                           dims = c(150, 150))
a2 <- as_umap_knn(sp)
fa <- umap(X, knn = a2, n_neighbors = 5, n_epochs = 10, seed = 1)

# predict(): new rows, one row, after a saveRDS round trip
fit <- umap(X[train, ], n_neighbors = 10, n_epochs = 30, seed = 1)
p1 <- predict(fit, X[-train, ])
p2 <- predict(fit, X[2, ])
tf <- tempfile(fileext = ".rds")
saveRDS(fit, tf)
p3 <- predict(readRDS(tf), X[-train, ])
stopifnot(identical(p1, p3))
fc <- umap(X[train, ], metric = "cosine", n_neighbors = 10, n_epochs = 20, seed = 1)
pc <- predict(fc, X[-train, ], n_epochs = 5)

# umap_grid()
g <- umap_grid(X, n_neighbors = c(5, 15), min_dist = c(0.1, 0.5), seed = 1,
               n_epochs = 20)

# error paths (some leave the C code early)
err <- function(expr) tryCatch({ force(expr); "no error" }, error = conditionMessage)
invisible(err(umap(X, n_neighbors = 1)))
invisible(err(nearest_neighbors(matrix(numeric(0), 5, 0), n_neighbors = 2)))
invisible(err(umap(X, knn = list(idx = k1$indices[-1, ], dist = k1$distances[-1, ]))))
invisible(err(predict(fit, X[1:3, 1:3])))
invisible(err(umap(X, init = matrix(1, 3, 2))))
cat("VALGRIND-WORKLOAD-DONE\n")
EOF

cat > "$work/filter.py" <<'EOF'
# Count valgrind errors whose stack (or allocation stack) runs through
# umapc's shared object; print them and exit 1 if there are any.
import sys
import xml.etree.ElementTree as ET

BAD = ("Invalid", "Uninit", "Mismatch", "Overlap", "SyscallParam",
       "ClientCheck", "Leak_DefinitelyLost", "FishyValue")
root = ET.parse(sys.argv[1]).getroot()
pkg, other = [], {}
for e in root.iter("error"):
    kind = e.findtext("kind", "")
    objs = [f.findtext("obj", "") for s in e.iter("stack") for f in s.iter("frame")]
    what = e.findtext("what") or e.findtext("xwhat/text") or ""
    if any("umapc.so" in o for o in objs) and kind.startswith(BAD):
        frames = []
        for s in e.iter("stack"):
            for f in s.iter("frame"):
                fn = f.findtext("fn", "?")
                loc = f.findtext("file")
                line = f.findtext("line")
                frames.append("    %s %s" % (fn, "(%s:%s)" % (loc, line) if loc else
                                              "(%s)" % f.findtext("obj", "")))
        pkg.append("%s: %s\n%s" % (kind, what, "\n".join(frames[:25])))
    else:
        other[kind] = other.get(kind, 0) + 1
for p in pkg:
    print(p)
    print()
print("valgrind: %d error(s) in umapc code; outside umapc (not failing): %s"
      % (len(pkg), ", ".join("%s x%d" % kv for kv in sorted(other.items())) or "none"))
sys.exit(1 if pkg else 0)
EOF

echo "running the workload under valgrind (a few minutes) ..."
UMAPC_VG_LIB="$lib" R -d "valgrind --error-exitcode=1 --leak-check=full \
  --errors-for-leak-kinds=definite --show-leak-kinds=definite \
  --track-origins=yes --num-callers=40 --xml=yes --xml-file=$work/vg.xml \
  --log-file=$work/vg.log" --vanilla --slave -f "$work/workload.R" \
  > "$work/out.txt" 2>&1
rc=$?
cat "$work/out.txt"
if ! grep -q "VALGRIND-WORKLOAD-DONE" "$work/out.txt"; then
  echo "the workload did not finish (R exit status $rc)"
  cat "$work/vg.log" | tail -n 40
  exit 2
fi
python3 "$work/filter.py" "$work/vg.xml"
status=$?
if [ $status -eq 0 ]; then echo "valgrind: clean"; fi
exit $status
