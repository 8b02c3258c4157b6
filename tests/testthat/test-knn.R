set.seed(10)
Xk <- matrix(rnorm(300 * 12), 300)

plain_dist <- function(X, metric) {
  switch(metric,
    euclidean = as.matrix(dist(X)),
    manhattan = as.matrix(dist(X, method = "manhattan")),
    cosine = {
      nx <- X / sqrt(rowSums(X^2))
      1 - tcrossprod(nx)
    },
    correlation = {
      cx <- X - rowMeans(X)
      cx <- cx / sqrt(rowSums(cx^2))
      1 - tcrossprod(cx)
    },
    hamming = {
      n <- nrow(X)
      outer(seq_len(n), seq_len(n), Vectorize(function(i, j) mean(X[i, ] != X[j, ])))
    })
}

test_that("exact neighbours and distances match a plain R computation", {
  for (metric in c("euclidean", "manhattan", "cosine", "correlation")) {
    knn <- nearest_neighbors(Xk, 10, metric = metric, method = "exact")
    ref <- brute_knn(plain_dist(Xk, metric), 10)
    expect_s3_class(knn, "umap_knn")
    expect_identical(knn$indices, ref$indices, info = metric)
    expect_equal(knn$distances, ref$distances, tolerance = 1e-6, info = metric)
    expect_equal(knn$metric, metric)
    expect_equal(knn$method, "exact")
    expect_equal(knn$k, 10L)
  }
  Xh <- matrix(sample(0:2, 150 * 20, replace = TRUE), 150)
  knn <- nearest_neighbors(Xh, 8, metric = "hamming", method = "exact")
  ref <- plain_dist(Xh, "hamming")
  expect_equal(knn$distances, t(vapply(1:150, function(i) ref[i, knn$indices[i, ]], numeric(8))),
               tolerance = 1e-7)
  # sorted, and the k-th distance is the true k-th smallest
  expect_true(all(apply(knn$distances, 1, function(r) !is.unsorted(r))))
  expect_equal(knn$distances[, 8],
               apply(ref, 1, function(r) sort(r)[8]), tolerance = 1e-7)
})

test_that("self is first, ties go to the lower index, duplicates are handled", {
  X <- rbind(Xk[1:20, ], Xk[1:20, ], Xk[1:20, ])  # every row three times
  knn <- nearest_neighbors(X, 5, method = "exact")
  expect_identical(knn$indices[, 1], 1:60)
  expect_true(all(knn$distances[, 1:3] == 0))
  # row 1's copies are 21 and 41, in that order
  expect_identical(knn$indices[1, 1:3], c(1L, 21L, 41L))
  expect_identical(knn$indices[41, 1:3], c(41L, 1L, 21L))
  fit <- umap(X, n_neighbors = 5, seed = 1, n_epochs = 20)
  expect_true(all(is.finite(fit$embedding)))
})

test_that("large and small magnitudes give the same neighbours", {
  ref <- nearest_neighbors(Xk, 10, method = "exact")
  big <- nearest_neighbors(Xk * 1e30, 10, method = "exact")
  small <- nearest_neighbors(Xk * 1e-30, 10, method = "exact")
  shifted <- nearest_neighbors(Xk + 1e6, 10, method = "exact")
  expect_identical(big$indices, ref$indices)
  expect_identical(small$indices, ref$indices)
  expect_equal(big$distances, ref$distances * 1e30, tolerance = 1e-6)
  expect_equal(small$distances, ref$distances * 1e-30, tolerance = 1e-6)
  # float storage loses some precision under a large offset but neighbours
  # are still essentially the same
  expect_gt(mean(shifted$indices == ref$indices), 0.97)
})

test_that("exact search does not depend on the number of threads", {
  a <- nearest_neighbors(Xk, 25, method = "exact", n_threads = 1, seed = 1)
  b <- nearest_neighbors(Xk, 25, method = "exact", n_threads = 2, seed = 1)
  expect_identical(a, b)
})

test_that("a dist object gives the same neighbours as the dense data", {
  knn_d <- nearest_neighbors(dist(Xk), 10, seed = 1)
  knn_x <- nearest_neighbors(Xk, 10, method = "exact", seed = 1)
  expect_identical(knn_d$indices, knn_x$indices)
  expect_equal(knn_d$distances, knn_x$distances, tolerance = 1e-6)
  expect_equal(knn_d$metric, "precomputed")
  expect_error(nearest_neighbors(dist(Xk), 10, metric = "cosine"), "cannot be used with a `dist` object")
})

test_that("a sparse dgCMatrix gives the same neighbours as the dense matrix", {
  set.seed(2)
  Xs <- matrix(rbinom(200 * 30, 1, 0.2) * runif(200 * 30), 200)
  S <- Matrix::Matrix(Xs, sparse = TRUE)
  for (metric in c("euclidean", "cosine")) {
    a <- nearest_neighbors(S, 10, metric = metric, method = "exact", seed = 1)
    b <- nearest_neighbors(Xs, 10, metric = metric, method = "exact", seed = 1)
    expect_identical(a, b, info = metric)
  }
})

test_that("the umap_knn object prints", {
  knn <- nearest_neighbors(Xk, 5)
  expect_output(print(knn), "300")
})

test_that("NN-descent keeps longer lists for chebyshev and hamming (few distinct distances)", {
  # On grey levels a handful of pixels decide every chebyshev distance; with
  # the general list length NN-descent found 98.6% (chebyshev) and 99.4%
  # (hamming) of the 14 neighbours on these 3,000 images, 99.7% and more now.
  data(fmnist, package = "umapc")
  X <- fmnist$pixels
  for (metric in c("chebyshev", "hamming")) {
    ex <- nearest_neighbors(X, 15, metric = metric, method = "exact", n_threads = 2)
    nd <- nearest_neighbors(X, 15, metric = metric, method = "nndescent", seed = 1,
                            n_threads = 2)
    kth <- ex$distances[, 15]
    # ties at the 14th distance count as found
    recall <- mean(nd$distances[, -1] <= kth * (1 + 1e-6) + 1e-12)
    expect_gte(recall, 0.995, label = paste(metric, "recall"))
  }
})

test_that("NN-descent finds >= 99% of the exact neighbours on clustered data", {
  set.seed(7)
  centres <- matrix(rnorm(10 * 20, sd = 5), 10)
  X <- centres[rep(1:10, each = 500), ] + matrix(rnorm(5000 * 20), 5000)
  exact <- nearest_neighbors(X, 15, method = "exact")
  for (metric in c("euclidean", "cosine")) {
    ex <- if (metric == "euclidean") exact else nearest_neighbors(X, 15, metric = metric, method = "exact")
    nnd <- nearest_neighbors(X, 15, metric = metric, method = "nndescent", seed = 3)
    expect_equal(nnd$method, "nndescent")
    expect_identical(nnd$indices[, 1], 1:5000)
    recall <- mean(vapply(1:5000, function(i) {
      length(intersect(ex$indices[i, -1], nnd$indices[i, -1])) / 14
    }, numeric(1)))
    expect_gte(recall, 0.99, label = paste(metric, "recall"))
    # distances of the neighbours found are the exact ones
    expect_equal(nnd$distances[, 15] >= ex$distances[, 15] - 1e-6, rep(TRUE, 5000))
  }
  # "auto" switches to NN-descent at 4,096 rows, or at 120 k rows for
  # large k on the dot-product metrics
  expect_equal(nearest_neighbors(X[1:4095, ], 5)$method, "exact")
  expect_equal(nearest_neighbors(X[1:4096, ], 5)$method, "nndescent")
  expect_equal(nearest_neighbors(X[1:4799, ], 40)$method, "exact")
  expect_equal(nearest_neighbors(X[1:4800, ], 40)$method, "nndescent")
  expect_equal(nearest_neighbors(X[1:4799, ], 40, metric = "manhattan")$method,
               "nndescent")
  expect_equal(umapc:::auto_method(29999, 250, "cosine"), "exact")
  expect_equal(umapc:::auto_method(30000, 250, "correlation"), "nndescent")
  expect_equal(umapc:::auto_method(20000, 250, "hamming"), "nndescent")
  # tuning can be overridden
  few <- nearest_neighbors(X, 15, method = "nndescent", seed = 3, n_trees = 1, n_iters = 1,
                           max_candidates = 5)
  expect_s3_class(few, "umap_knn")
  expect_error(nearest_neighbors(X, 15, method = "nndescent", n_trees = 0), "`n_trees`")
})
