# PCA before the neighbour search: umap(X, pca = k), nearest_neighbors(X,
# pca = k), umap_grid(X, pca = k).

# 200 rows, 30 correlated columns with a non-zero mean
pca_data <- function(n = 200, d = 30, seed = 3) {
  old <- if (exists(".Random.seed", globalenv())) get(".Random.seed", globalenv()) else NULL
  on.exit(if (!is.null(old)) assign(".Random.seed", old, globalenv()))
  set.seed(seed)
  sdev <- 2^seq(3, -3, length.out = d)
  Z <- matrix(rnorm(n * d), n) %*% diag(sdev)
  Q <- qr.Q(qr(matrix(rnorm(d * d), d)))
  X <- Z %*% t(Q) + rep(seq_len(d), each = n)
  dimnames(X) <- list(NULL, paste0("v", seq_len(d)))
  X
}

# a sparse non-negative matrix, like counts
pca_sparse <- function(n = 150, d = 60, seed = 5) {
  old <- if (exists(".Random.seed", globalenv())) get(".Random.seed", globalenv()) else NULL
  on.exit(if (!is.null(old)) assign(".Random.seed", old, globalenv()))
  set.seed(seed)
  S <- Matrix::rsparsematrix(n, d, density = 0.1)
  S@x <- round(abs(S@x) * 10)
  S <- Matrix::drop0(S)
  S <- methods::as(S, "CsparseMatrix")
  dimnames(S) <- list(paste0("r", seq_len(n)), paste0("g", seq_len(d)))
  S
}

test_that("the reduction agrees with prcomp(): centre, spread and subspace", {
  X <- pca_data()
  p <- umapc:::prepare_data(X)
  red <- umapc:::pca_reduce(p, 8, seed = 1, n_threads = 1, verbose = FALSE)
  ref <- prcomp(X, rank. = 8)
  expect_equal(unname(red$pca$center), unname(colMeans(X)), tolerance = 1e-12)
  expect_equal(unname(red$pca$sdev), ref$sdev[1:8], tolerance = 1e-8)
  # each component spans the same direction as prcomp's (up to sign)
  expect_equal(unname(abs(diag(cor(red$pca$x, ref$x)))), rep(1, 8), tolerance = 1e-8)
  # orthonormal rotation; scores are the centred data times the rotation
  expect_equal(crossprod(red$pca$rotation), diag(8), tolerance = 1e-10,
               ignore_attr = TRUE)
  expect_equal(unname(red$pca$x),
               unname(scale(X, scale = FALSE) %*% red$pca$rotation),
               tolerance = 1e-10)
  # sign convention: the largest loading of each component is positive
  rot <- red$pca$rotation
  expect_true(all(rot[cbind(apply(abs(rot), 2, which.max), 1:8)] > 0))
  expect_identical(rownames(red$pca$rotation), colnames(X))
  expect_identical(colnames(red$pca$x), paste0("PC", 1:8))
})

test_that("a sparse dgCMatrix gives the dense matrix's results, bit for bit", {
  S <- pca_sparse()
  D <- as.matrix(S)
  ps <- umapc:::prepare_data(S)
  pd <- umapc:::prepare_data(D)
  rs <- umapc:::pca_reduce(ps, 10, seed = 2, n_threads = 2, verbose = FALSE)
  rd <- umapc:::pca_reduce(pd, 10, seed = 2, n_threads = 1, verbose = FALSE)
  expect_identical(rs$pca$x, rd$pca$x)
  expect_identical(rs$pca$rotation, rd$pca$rotation)
  expect_identical(rs$pca$center, rd$pca$center)
  # a flat spectrum (random sparse data): the leading components are found,
  # the last ones closely, and the subspace keeps prcomp's variance
  ref <- prcomp(D, rank. = 10)
  cc <- unname(abs(diag(cor(rs$pca$x, ref$x))))
  expect_gt(min(cc[1:5]), 0.9999)
  expect_gt(min(cc), 0.99)
  expect_gt(sum(rs$pca$sdev^2) / sum(ref$sdev[1:10]^2), 0.9999)

  fs <- umap(S, pca = 10, seed = 4, n_epochs = 50)
  fd <- umap(D, pca = 10, seed = 4, n_epochs = 50)
  expect_identical(fs$embedding, fd$embedding)
  expect_identical(nearest_neighbors(S, 10, pca = 10, seed = 4),
                   nearest_neighbors(D, 10, pca = 10, seed = 4))
  # prediction from a sparse model: the same as from the dense one
  expect_identical(predict(fs, D[1:7, ]), predict(fd, D[1:7, ]))
})

test_that("umap(X, pca) equals umap() from nearest_neighbors(X, pca) neighbours", {
  X <- pca_data()
  for (init in c("spectral", "pca")) {
    a <- umap(X, pca = 6, seed = 9, n_epochs = 60, init = init)
    knn <- nearest_neighbors(X, 15, pca = 6, seed = 9)
    b <- umap(X, knn = knn, pca = 6, seed = 9, n_epochs = 60, init = init)
    expect_identical(a$embedding, b$embedding, info = init)
    expect_identical(a$knn, knn)
    expect_identical(b$pca, a$pca)
  }
  expect_identical(knn$pca, 6L)
  expect_output(print(knn), "metric: euclidean, method: exact, seed: 9, pca: 6")
  expect_output(print(a), "PCA: neighbours among the first 6 principal components of 30 columns")
  expect_identical(a$pca$k, 6L)
  # the neighbours are those of the scores
  ref <- nearest_neighbors(a$pca$x, 15, seed = 9)
  expect_identical(knn$indices, ref$indices)
  # umap_grid() reduces the same way
  g <- umap_grid(X, n_neighbors = 15, min_dist = 0.1, pca = 6, seed = 9,
                 n_epochs = 60, init = "pca")
  expect_identical(g$embeddings[[1, 1]], a$embedding)
  g2 <- umap_grid(X, n_neighbors = 15, min_dist = 0.1, knn = knn, pca = 6,
                  seed = 9, n_epochs = 60, init = "pca")
  expect_identical(g2$embeddings[[1, 1]], a$embedding)
})

test_that("results do not depend on the number of threads", {
  X <- pca_data(n = 300, d = 40)
  S <- pca_sparse(n = 300, d = 80)
  for (data in list(X, S)) {
    k1 <- nearest_neighbors(data, 10, pca = 7, seed = 1, n_threads = 1)
    k2 <- nearest_neighbors(data, 10, pca = 7, seed = 1, n_threads = 2)
    expect_identical(k1, k2)
    f1 <- umap(data, pca = 7, seed = 1, n_threads = 1, n_epochs = 40, init = "pca")
    f2 <- umap(data, pca = 7, seed = 1, n_threads = 2, n_epochs = 40, init = "pca")
    expect_identical(f1$embedding, f2$embedding)
    expect_identical(f1$pca, f2$pca)
  }
})

test_that("predict() projects new rows with the model's centre and rotation", {
  X <- pca_data()
  train <- 1:150
  fit <- umap(X[train, ], pca = 5, seed = 2, n_epochs = 60)
  expect_named(fit$pca, c("k", "center", "rotation", "sdev", "x"))
  new <- X[151:200, ]
  p1 <- predict(fit, new)
  expect_identical(dim(p1), c(50L, 2L))
  # one row at a time, or all together, the same
  p2 <- do.call(rbind, lapply(1:50, function(i) predict(fit, new[i, , drop = FALSE])))
  expect_identical(p1, p2)
  # predict() searches among the projected rows: the same as a model fitted
  # on the scores themselves with the same neighbours
  scores_new <- umapc:::pca_project(fit$pca, new, 1L)
  expect_equal(unname(scores_new),
               unname(sweep(new, 2, fit$pca$center) %*% fit$pca$rotation),
               tolerance = 1e-10)
  fit_s <- fit
  fit_s$pca <- NULL
  fit_s$data <- fit$pca$x
  expect_identical(predict(fit_s, scores_new), p1)
  # without the stored scores, predict() recomputes them identically
  fit_nx <- fit
  fit_nx$pca$x <- NULL
  expect_identical(predict(fit_nx, new), p1)
  # training rows land near their own embedding
  back <- predict(fit, X[1:20, ])
  expect_lt(median(sqrt(rowSums((back - fit$embedding[1:20, ])^2))),
            0.1 * diff(range(fit$embedding)))
  # a model without its data keeps the reduction but not the scores
  lean <- umap(X, pca = 5, seed = 2, n_epochs = 10, keep_data = FALSE)
  expect_named(lean$pca, c("k", "center", "rotation", "sdev"))
  # models without `pca` are unchanged
  expect_null(umap(X, seed = 2, n_epochs = 10)$pca)
})

test_that("bad `pca` values and metrics are refused with clear errors", {
  X <- pca_data()
  expect_error(umap(X, pca = 2.5), "`pca` must be NULL or a single whole number from 1 to ncol\\(X\\) = 30, not 2.5")
  expect_error(umap(X, pca = 0), "`pca` must be NULL or a single whole number from 1 to ncol\\(X\\) = 30, not 0")
  expect_error(umap(X, pca = "50"), "`pca` must be NULL or a single whole number")
  expect_error(umap(X, pca = c(2, 3)), "`pca` must be NULL or a single whole number")
  expect_error(umap(X, pca = NA), "`pca` must be NULL or a single whole number")
  expect_error(umap(X, pca = 31), "`pca` must be at most ncol\\(X\\) = 30 \\(the number of columns\\), not 31")
  expect_error(nearest_neighbors(X, 10, pca = 31), "`pca` must be at most ncol\\(X\\) = 30")
  expect_error(nearest_neighbors(X, 10, pca = -1), "`pca` must be NULL or a single whole number")
  expect_error(umap_grid(X, n_neighbors = 5, min_dist = 0, pca = 40),
               "`pca` must be at most ncol\\(X\\) = 30")
  B <- X > 20
  for (m in c("hamming", "jaccard", "dice")) {
    expect_error(umap(B, pca = 5, metric = m),
                 sprintf("`pca` cannot be used with metric = \"%s\".*\"hamming\", \"jaccard\", \"dice\"", m))
    expect_error(nearest_neighbors(B, 5, pca = 5, metric = m),
                 sprintf("`pca` cannot be used with metric = \"%s\"", m))
  }
  expect_error(umap(abs(X), pca = 5, metric = "hellinger"),
               "`pca` cannot be used with metric = \"hellinger\"")
  expect_error(umap(dist(X), pca = 5), "`pca` cannot be used with a `dist` object")
  knn <- nearest_neighbors(X, 10, seed = 1)
  expect_error(umap(NULL, knn = knn, pca = 5), "`pca` needs the data: give `X`")
  # other metrics work on the scores
  expect_s3_class(umap(X, pca = 5, metric = "cosine", seed = 1, n_epochs = 5), "umapc")
})

test_that("neighbours computed with another `pca` are used with a warning", {
  X <- pca_data()
  knn <- nearest_neighbors(X, 15, pca = 6, seed = 1)
  expect_warning(umap(X, knn = knn, seed = 1, n_epochs = 5),
                 "`knn` was computed on the first 6 principal components but `pca` = NULL")
  expect_warning(umap(X, knn = knn, pca = 4, seed = 1, n_epochs = 5),
                 "first 6 principal components but `pca` = 4")
  expect_no_warning(umap(X, knn = knn, pca = 6, seed = 1, n_epochs = 5))
})

test_that("pca works through the SingleCellExperiment method", {
  skip_if_not_installed("SingleCellExperiment")
  X <- pca_data()
  rownames(X) <- paste0("cell", seq_len(nrow(X)))
  sce <- SingleCellExperiment::SingleCellExperiment(assays = list(logcounts = t(X)))
  out <- umap(sce, pca = 6, seed = 9, n_epochs = 60)
  ref <- umap(X, pca = 6, seed = 9, n_epochs = 60)
  expect_identical(unname(SingleCellExperiment::reducedDim(out, "UMAP")[, ]),
                   unname(ref$embedding))
})

test_that("verbose reports the PCA", {
  X <- pca_data()
  msgs <- testthat::capture_messages(
    nearest_neighbors(X, 10, pca = 3, seed = 1, verbose = TRUE))
  expect_true(any(grepl("PCA: first 3 principal components of 30 columns", msgs)))
  expect_silent(nearest_neighbors(X, 10, pca = 3, seed = 1, verbose = FALSE))
})
