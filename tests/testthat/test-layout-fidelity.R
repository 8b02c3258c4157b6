# The layout must look like UMAP as umap-learn defines it: a continuous
# manifold embeds as one piece, with its global shape kept. Before both ends
# of every sampled edge moved, an S-curve broke into dozens of fragments
# (Spearman correlation of 3-D against 2-D distances about 0.59; umap-learn
# about 0.77 on the same k-NN and initial layout).

# sklearn's make_s_curve without noise: position t along the curve.
s_curve <- function(n, seed) {
  old <- if (exists(".Random.seed", globalenv())) get(".Random.seed", globalenv()) else NULL
  on.exit(if (!is.null(old)) assign(".Random.seed", old, globalenv()))
  set.seed(seed)
  t <- 3 * pi * (runif(n) - 0.5)
  list(X = cbind(sin(t), 2 * runif(n), sign(t) * (cos(t) - 1)), t = t)
}

# Spearman correlation of the distances between random pairs of rows.
pair_distance_correlation <- function(X, E, n_pairs = 20000, seed = 7) {
  old <- if (exists(".Random.seed", globalenv())) get(".Random.seed", globalenv()) else NULL
  on.exit(if (!is.null(old)) assign(".Random.seed", old, globalenv()))
  set.seed(seed)
  i <- sample.int(nrow(X), n_pairs, replace = TRUE)
  j <- sample.int(nrow(X), n_pairs, replace = TRUE)
  keep <- i != j
  i <- i[keep]
  j <- j[keep]
  dx <- sqrt(rowSums((X[i, ] - X[j, ])^2))
  de <- sqrt(rowSums((E[i, ] - E[j, ])^2))
  stats::cor(dx, de, method = "spearman")
}

test_that("an S-curve embeds as one piece with its global shape (3 seeds)", {
  sc <- s_curve(3000, seed = 1)
  knn <- nearest_neighbors(sc$X, n_neighbors = 15, method = "exact", n_threads = 2)
  for (s in 1:3) {
    fit <- umap(sc$X, knn = knn, seed = s, n_threads = 2)
    rho <- pair_distance_correlation(sc$X, fit$embedding)
    expect_gte(rho, 0.68, label = sprintf("distance correlation, seed %d", s))
    # one piece: the position along the curve is a smooth function of the
    # embedding, so each point's 10 embedded neighbours lie close to it on
    # the curve (a fragmented layout puts far-apart stretches side by side)
    nb <- nearest_neighbors(fit$embedding, n_neighbors = 11, method = "exact")$indices[, -1]
    gap <- abs(matrix(sc$t[nb], nrow = nrow(nb)) - sc$t)
    expect_lt(stats::quantile(gap, 0.99), 0.5)
  }
})

test_that("the tutorial's three blobs stay apart, each in one piece", {
  b <- three_blobs(n_per = 600)
  fit <- umap(b$X, seed = 3, n_threads = 2)
  e <- fit$embedding
  centres <- apply(e, 2, function(v) tapply(v, b$labels, mean))
  spread <- max(tapply(seq_len(nrow(e)), b$labels, function(r) {
    max(sqrt(rowSums(sweep(e[r, ], 2, colMeans(e[r, ]))^2)))
  }))
  # the closest two blobs' centres are further apart than any point is from
  # its own blob's centre, twice over
  expect_gt(min(dist(centres)), 2 * spread)
  expect_equal(pure_neighbourhoods(e, b$labels), 1)
})
