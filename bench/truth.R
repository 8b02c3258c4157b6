# The exact 251 nearest neighbours (self included, double precision, plain R)
# of 1,000 query rows of Fashion-MNIST: set.seed(1); sample.int(70000, 1000).
# Computed once and cached in bench/out/knn_truth.rds; sets `truth_file`.
if (!exists("bench_out")) source("bench/common.R")
truth_file <- file.path(bench_out, "knn_truth.rds")
if (!file.exists(truth_file)) {
  source("tools/fmnist.R")
  X <- load_fmnist()$X
  set.seed(1)
  q <- sample.int(nrow(X), 1000)
  sq <- rowSums(X^2)
  truth <- matrix(0L, length(q), 251)
  for (b in split(seq_along(q), ceiling(seq_along(q) / 100))) {
    d2 <- outer(sq[q[b]], sq, "+") - 2 * tcrossprod(X[q[b], , drop = FALSE], X)
    truth[b, ] <- t(apply(d2, 1, function(r) order(r)[1:251]))
  }
  saveRDS(list(q = q, truth = truth), truth_file)
}

