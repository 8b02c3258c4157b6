# Edge cases with defined results (issue 6, item 2): duplicate rows, constant
# columns, identical rows, tiny data, disconnected graphs, extreme
# magnitudes and n_neighbors close to n.
#
# The rule for tiny data: an explicit n_neighbors must be < nrow(X) (an
# error otherwise); the default n_neighbors = 15 is reduced to nrow(X) - 1
# with a warning when nrow(X) <= 15. Fewer than 3 rows is an error.

# One thread unless a test says otherwise: these are tiny problems, where a
# parallel region per epoch costs more than the work on a busy machine.
withr::local_options(umapc.n_threads = 1L)

edge_data <- function(n, d, seed = 1) {
  old <- if (exists(".Random.seed", globalenv())) get(".Random.seed", globalenv()) else NULL
  on.exit(if (!is.null(old)) assign(".Random.seed", old, globalenv()))
  set.seed(seed)
  matrix(stats::rnorm(n * d), n, d)
}

expect_finite_embedding <- function(fit, n, dim = 2L) {
  expect_s3_class(fit, "umapc")
  expect_identical(dim(fit$embedding), c(as.integer(n), as.integer(dim)))
  expect_true(all(is.finite(fit$embedding)))
  expect_true(all(is.finite(fit$graph@x)))
  expect_true(all(fit$graph@x > 0 & fit$graph@x <= 1))
}

# Connected components of a symmetric dgCMatrix (plain R, small graphs).
graph_components <- function(g) {
  n <- nrow(g)
  comp <- rep(NA_integer_, n)
  s <- methods::as(g, "TsparseMatrix")
  adj <- split(s@j + 1L, factor(s@i + 1L, levels = seq_len(n)))
  k <- 0L
  for (v in seq_len(n)) {
    if (!is.na(comp[v])) next
    k <- k + 1L
    stack <- v
    while (length(stack)) {
      u <- stack[1]
      stack <- stack[-1]
      if (!is.na(comp[u])) next
      comp[u] <- k
      stack <- c(stack, adj[[u]][is.na(comp[adj[[u]]])])
    }
  }
  comp
}

test_that("many duplicate rows: finite, deterministic, for both searches", {
  X <- edge_data(20, 3)
  Xd <- rbind(matrix(c(1, 2, 3), 80, 3, byrow = TRUE), X)
  for (method in c("exact", "nndescent")) {
    f1 <- umap(Xd, seed = 3, n_epochs = 50, method = method, n_threads = 1)
    f2 <- umap(Xd, seed = 3, n_epochs = 50, method = method, n_threads = 2)
    expect_finite_embedding(f1, 100)
    expect_identical(f1$embedding, f2$embedding)
    expect_false(anyNA(f1$knn$distances))
    # each duplicate's neighbours are other duplicates at distance 0
    expect_true(all(f1$knn$distances[1:80, ] == 0))
    expect_true(all(f1$knn$indices[1:80, ] <= 80))
  }
  # every row the same except one
  Xo <- rbind(matrix(1, 29, 4), 2)
  f <- umap(Xo, n_neighbors = 5, seed = 1, n_epochs = 30)
  expect_finite_embedding(f, 30)
})

test_that("a constant column changes nothing (euclidean)", {
  X <- edge_data(100, 3, seed = 2)
  base <- umap(X, seed = 4, n_epochs = 50)
  more <- umap(cbind(X, 7), seed = 4, n_epochs = 50)
  expect_identical(more$knn$indices, base$knn$indices)
  expect_identical(more$knn$distances, base$knn$distances)
  expect_identical(more$embedding, base$embedding)
  # all columns but one constant, and constant columns under cosine
  Xc <- cbind(X[, 1], 1, 1)
  expect_finite_embedding(umap(Xc, seed = 1, n_epochs = 30), 100)
  expect_finite_embedding(umap(cbind(X, 5), metric = "cosine", seed = 1, n_epochs = 30), 100)
  expect_finite_embedding(umap(cbind(X, 5), metric = "correlation", seed = 1, n_epochs = 30), 100)
})

test_that("all rows identical: a finite, deterministic embedding", {
  Xi <- matrix(3.5, 20, 3)
  for (init in c("spectral", "random", "pca")) {
    f1 <- umap(Xi, n_neighbors = 5, init = init, seed = 1, n_epochs = 30)
    f2 <- umap(Xi, n_neighbors = 5, init = init, seed = 1, n_epochs = 30)
    expect_finite_embedding(f1, 20)
    expect_identical(f1$embedding, f2$embedding)
    expect_true(all(f1$knn$distances == 0))
  }
  for (metric in c("cosine", "correlation", "manhattan", "hamming")) {
    expect_finite_embedding(umap(Xi, n_neighbors = 5, metric = metric,
                                 seed = 1, n_epochs = 20), 20)
  }
  # all-zero rows under cosine (zero vectors are at distance 0 from each other)
  Xz <- rbind(matrix(0, 10, 3), edge_data(10, 3))
  f <- umap(Xz, n_neighbors = 4, metric = "cosine", seed = 1, n_epochs = 20)
  expect_finite_embedding(f, 20)
  expect_true(all(f$knn$distances[1:10, ] == 0))
})

test_that("tiny data, n = 3 to 20: n_neighbors rule", {
  X <- edge_data(20, 3, seed = 5)
  for (n in 3:20) {
    Xn <- X[seq_len(n), , drop = FALSE]
    if (n <= 15) {
      expect_warning(f <- umap(Xn, seed = 1, n_epochs = 10),
                     sprintf("reduced from 15 to %d", n - 1L))
      expect_identical(f$n_neighbors, n - 1L)
    } else {
      expect_no_warning(f <- umap(Xn, seed = 1, n_epochs = 10))
      expect_identical(f$n_neighbors, 15L)
    }
    expect_finite_embedding(f, n)
    # explicit n_neighbors >= n: an error naming the argument
    expect_error(umap(Xn, n_neighbors = n, seed = 1, n_epochs = 10), "`n_neighbors`")
    expect_error(umap(Xn, n_neighbors = n + 5, seed = 1, n_epochs = 10), "`n_neighbors`")
    # explicit n - 1: fine, no warning
    expect_no_warning(f <- umap(Xn, n_neighbors = n - 1, seed = 1, n_epochs = 10))
    expect_finite_embedding(f, n)
    # nearest_neighbors allows k = n (every row lists every point)
    k <- nearest_neighbors(Xn, n_neighbors = n, seed = 1, method = "exact")
    expect_true(all(apply(k$indices, 1, function(r) setequal(r, seq_len(n)))))
    expect_error(nearest_neighbors(Xn, n_neighbors = n + 1), "`n_neighbors`")
  }
  # n_components up to n - 1
  expect_finite_embedding(umap(X[1:5, ], n_neighbors = 4, n_components = 4,
                               seed = 1, n_epochs = 10), 5, 4)
  expect_error(umap(X[1:5, ], n_neighbors = 4, n_components = 5), "`n_components`")
  # fewer than 3 rows
  expect_error(umap(X[1:2, ], n_neighbors = 2), "`X`")
  expect_error(nearest_neighbors(X[1:2, ], n_neighbors = 2), "`X`")
  expect_error(umap(X[1, , drop = FALSE]), "`X`")
})

test_that("two far-apart blobs with small k: disconnected graph, separated layout", {
  b <- rbind(edge_data(50, 2, seed = 6), edge_data(50, 2, seed = 7) + 1e4)
  lab <- rep(1:2, each = 50)
  for (init in c("spectral", "pca", "random")) {
    expect_no_warning(f <- umap(b, n_neighbors = 5, init = init, seed = 1, n_epochs = 100))
    expect_finite_embedding(f, 100)
    comp <- graph_components(f$graph)
    # no edge between the blobs; each blob is one or more whole components
    expect_identical(sum(f$graph[1:50, 51:100]), 0)
    expect_true(all(table(comp, lab) %in% c(0L, as.integer(table(comp)))))
    # each point's nearest embedded neighbour is in its own blob
    nn <- nearest_neighbors(f$embedding, n_neighbors = 2, method = "exact")
    expect_identical(lab[nn$indices[, 2]], lab)
  }
  # many small components (10 blobs of 6 points, k = 3)
  m <- do.call(rbind, lapply(0:9, function(i) edge_data(6, 2, seed = 10 + i) + 1000 * i))
  f <- umap(m, n_neighbors = 3, seed = 1, n_epochs = 50)
  expect_finite_embedding(f, 60)
  expect_gte(length(unique(graph_components(f$graph))), 10)
})

test_that("many components, embedded side by side on 2 threads: the same bits as on 1", {
  # 40 blobs of 30 points far apart: 40 components of the k-NN graph, each
  # with its own eigenproblem; on 2 threads they run one per thread
  m <- do.call(rbind, lapply(0:39, function(i) edge_data(30, 3, seed = 100 + i) + 1e3 * i))
  knn <- nearest_neighbors(m, 10, method = "exact")
  init1 <- umap(m, knn = knn, n_neighbors = 10, n_epochs = 0, seed = 4, n_threads = 1)$embedding
  init2 <- umap(m, knn = knn, n_neighbors = 10, n_epochs = 0, seed = 4, n_threads = 2)$embedding
  expect_identical(init1, init2)
  expect_true(all(is.finite(init1)))
  # each blob gets its own spectral layout: not a point, not the fallback
  spread <- vapply(0:39, function(i) stats::sd(init1[30 * i + 1:30, 1]), numeric(1))
  expect_true(all(spread > 0))
  expect_identical(umap(m, knn = knn, n_neighbors = 10, n_epochs = 20, seed = 4, n_threads = 1)$embedding,
                   umap(m, knn = knn, n_neighbors = 10, n_epochs = 20, seed = 4, n_threads = 2)$embedding)
})

test_that("very large and very small magnitudes give the same neighbours and graph", {
  X <- edge_data(100, 3, seed = 8)
  base <- umap(X, seed = 2, n_epochs = 30)
  gb <- as.matrix(base$graph)
  for (s in c(1e30, 1e-30, 2^100, 2^-100)) {
    f <- umap(X * s, seed = 2, n_epochs = 30)
    expect_finite_embedding(f, 100)
    expect_identical(f$knn$indices, base$knn$indices)
    expect_equal(f$knn$distances / s, base$knn$distances, tolerance = 1e-6)
    # the fuzzy graph is scale-free: sigma scales with the distances
    expect_lt(max(abs(as.matrix(f$graph) - gb)), 1e-4,
              label = sprintf("largest change of a graph weight for X * %g", s))
  }
  # mixed magnitudes in one matrix
  Xm <- cbind(X[, 1] * 1e30, X[, 2] * 1e-30, X[, 3])
  expect_finite_embedding(umap(Xm, seed = 1, n_epochs = 20), 100)
  expect_finite_embedding(umap(Xm, metric = "cosine", seed = 1, n_epochs = 20), 100)
  # huge values near the top of the double range: finite distances or an
  # error naming `X`, never Inf or NaN in a result
  Xh <- X
  Xh[1:2, 2] <- 1e308
  r <- tryCatch(nearest_neighbors(Xh, n_neighbors = 5, method = "exact"),
                error = function(e) e)
  if (inherits(r, "error")) {
    expect_match(conditionMessage(r), "`X`")
  } else {
    expect_true(all(is.finite(r$distances)))
  }
  # predict() with the model at a large scale
  fit <- umap(X * 1e30, seed = 2, n_epochs = 30)
  p <- predict(fit, X[1:5, ] * 1e30, n_epochs = 10)
  expect_true(all(is.finite(p)))
})

test_that("n_neighbors close to n", {
  X <- edge_data(60, 4, seed = 9)
  for (method in c("exact", "nndescent")) {
    f <- umap(X, n_neighbors = 59, method = method, seed = 1, n_epochs = 30)
    expect_finite_embedding(f, 60)
    expect_identical(dim(f$knn$indices), c(60L, 59L))
    expect_true(all(apply(f$knn$indices, 1, anyDuplicated) == 0))
    k <- nearest_neighbors(X, n_neighbors = 60, method = method, seed = 1)
    expect_true(all(apply(k$indices, 1, function(r) setequal(r, 1:60))))
    expect_true(all(is.finite(k$distances)))
  }
  # the exact and approximate searches agree when k = n - 1 (nothing to miss)
  a <- nearest_neighbors(X, n_neighbors = 59, method = "exact")
  b <- nearest_neighbors(X, n_neighbors = 59, method = "nndescent", seed = 1)
  expect_identical(a$indices, b$indices)
  expect_equal(a$distances, b$distances)
})
