# Data and recall helpers shared by bench/scale.R (sourced).

# A seeded mixture of 30 Gaussians in 50 dimensions with the shape of a
# single-cell PCA: the spread of column j falls as 1 / sqrt(j) (so the
# effective dimension is about 12, not 50), unequal component sizes and
# spreads, centres about 2.5 noise standard deviations apart per column.
# Returns the n x d matrix with the component labels in attr(, "labels").
mixture_data <- function(n, d = 50, n_comp = 30, seed = 1) {
  old <- if (exists(".Random.seed", globalenv())) get(".Random.seed", globalenv())
  on.exit(if (!is.null(old)) assign(".Random.seed", old, globalenv()))
  set.seed(seed)
  sj <- 1 / sqrt(seq_len(d))
  centres <- matrix(rnorm(n_comp * d, sd = 2.5), n_comp, d) * rep(sj, each = n_comp)
  scales <- runif(n_comp, 0.7, 1.3)
  w <- rexp(n_comp) + 0.2
  lab <- sample.int(n_comp, n, replace = TRUE, prob = w / sum(w))
  X <- matrix(rnorm(n * d), n, d) * rep(sj, each = n)
  X <- X * scales[lab] + centres[lab, , drop = FALSE]
  attr(X, "labels") <- lab
  X
}

# 2,000 query rows, seeded, the same for every method.
sample_queries <- function(n, m = 2000, seed = 2) {
  old <- if (exists(".Random.seed", globalenv())) get(".Random.seed", globalenv())
  on.exit(if (!is.null(old)) assign(".Random.seed", old, globalenv()))
  set.seed(seed)
  sort(sample.int(n, min(m, n)))
}

# Exact k nearest neighbours (self included) of the rows q of X, by brute
# force in double precision in R, in chunks of queries (ties to the lower
# row, as umapc's searches).
exact_truth <- function(X, q, k, chunk = 25) {
  xx <- rowSums(X^2)
  out <- matrix(0L, length(q), k)
  for (s in split(seq_along(q), ceiling(seq_along(q) / chunk))) {
    d2 <- outer(xx[q[s]], xx, "+") - 2 * tcrossprod(X[q[s], , drop = FALSE], X)
    for (r in seq_along(s)) {
      dr <- d2[r, ]
      dr[q[s[r]]] <- -Inf # self first
      cut <- sort(dr, partial = k + 1)[k + 1]
      cand <- which(dr <= cut)
      out[s[r], ] <- cand[order(dr[cand], cand)][seq_len(k)]
    }
  }
  out
}

# recall@k: share of each query's k - 1 true non-self neighbours found.
knn_recall <- function(idx, q, truth) {
  k <- ncol(truth)
  mean(vapply(seq_along(q), function(r) {
    t <- setdiff(truth[r, ], q[r])[seq_len(k - 1)]
    f <- setdiff(idx[q[r], seq_len(k)], q[r])
    length(intersect(t, f)) / (k - 1)
  }, numeric(1)))
}

# The exact k-NN of m seeded query rows of mixture_data(n), computed once
# and kept in `path` (both benchmarks of the mixture use it).
cache_truth <- function(path, n, k, m = 2000) {
  if (file.exists(path)) return(invisible(path))
  cat(sprintf("exact neighbours of %d query rows at %d rows ...\n", as.integer(m), as.integer(n)))
  X <- mixture_data(n)
  q <- sample_queries(n, m)
  saveRDS(list(q = q, truth = exact_truth(X, q, k)), path)
  invisible(path)
}
