# NN-descent recall and time for every metric, on Fashion-MNIST (10,000
# rows, 784 pixels). Run from the repository root, with umapc installed:
#   Rscript bench/knn_metrics.R
# Writes bench/out/knn_metrics.csv. (bench/metrics.R holds the quality
# measures the other benchmarks share; this file is about distance metrics.)
#
# Truth: exact neighbours of 500 random query rows (set.seed(1)) among all
# 10,000, by umapc's exact search (each query row is a training row; it is
# dropped from its own list). recall@15 = share of the 15 NN-descent
# neighbours (self excluded) whose distance is within the exact 15th
# distance (so ties count as hits). Jaccard and dice see the pixels > 0 as
# ones; hamming compares the raw grey levels (0..255) as categories.
# (minkowski with a fractional p, which calls pow() per term, is left out:
# about 10x slower than a whole p.)
suppressPackageStartupMessages(library(umapc))
source("tools/fmnist.R")
out_dir <- file.path("bench", "out")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

n <- 10000L
k <- 15L
threads <- 2L
fm <- load_fmnist(n)
X <- fm$X
Xb <- (X > 0) * 1
set.seed(1)
q <- sort(sample.int(n, 500L))

cases <- list(
  list("euclidean", NULL, X), list("manhattan", NULL, X), list("cosine", NULL, X),
  list("correlation", NULL, X), list("chebyshev", NULL, X),
  list("minkowski", 3, X),
  list("canberra", NULL, X), list("braycurtis", NULL, X),
  list("hellinger", NULL, X), list("jaccard", NULL, Xb), list("dice", NULL, Xb),
  list("hamming", NULL, X))

exact_query <- function(D, metric, p, rows) {
  data <- umapc:::prepare_data(D, metric = metric)
  qry <- data$data[rows, , drop = FALSE]
  .Call(umapc:::C_umapc_call_knn, data$data, qry,
        c(list(k = k + 1L, metric = metric, metric_p = umapc:::metric_p_arg(p),
               method = "exact", seed = 1, n_threads = threads, verbose = FALSE),
          umapc:::nnd_params()))
}

rows <- list()
for (cs in cases) {
  metric <- cs[[1]]
  p <- cs[[2]]
  D <- cs[[3]]
  label <- if (is.null(p)) metric else sprintf("%s (p = %g)", metric, p)
  t_nnd <- system.time(
    nnd <- nearest_neighbors(D, n_neighbors = k + 1L, metric = metric, metric_p = p,
                             method = "nndescent", seed = 42, n_threads = threads)
  )[["elapsed"]]
  t_ex <- system.time(ex <- exact_query(D, metric, p, q))[["elapsed"]]
  hits <- vapply(seq_along(q), function(r) {
    i <- q[r]
    keep <- ex$indices[r, ] != i
    kth <- ex$distances[r, keep][k]
    sum(nnd$distances[i, -1] <= kth * (1 + 1e-6) + 1e-12)
  }, numeric(1))
  same_idx <- mean(vapply(seq_along(q), function(r) {
    i <- q[r]
    e <- ex$indices[r, ex$indices[r, ] != i][seq_len(k)]
    length(intersect(e, nnd$indices[i, -1])) / k
  }, numeric(1)))
  rows[[length(rows) + 1L]] <- data.frame(
    metric = label, recall15 = mean(hits) / k, index_recall15 = same_idx,
    nnd_seconds = t_nnd, exact_500_seconds = t_ex,
    exact_full_seconds_est = t_ex * n / length(q))
  cat(sprintf("%-22s recall %.4f (indices %.4f)  NN-descent %6.2f s  exact 500 rows %6.2f s\n",
              label, mean(hits) / k, same_idx, t_nnd, t_ex))
}
res <- do.call(rbind, rows)
write.csv(res, file.path(out_dir, "knn_metrics.csv"), row.names = FALSE)
print(res, digits = 4)
