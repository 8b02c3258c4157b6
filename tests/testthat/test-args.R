X <- as.matrix(iris[1:40, 1:4])

test_that("every bad umap() argument gives an error naming it and its value", {
  cases <- list(
    list(list(n_neighbors = 1), "`n_neighbors` must be a single whole number >= 2 and < 40, not 1"),
    list(list(n_neighbors = 2.5), "`n_neighbors` .* not 2.5"),
    list(list(n_neighbors = 40), "`n_neighbors` .* < 40, not 40"),
    list(list(n_neighbors = NA), "`n_neighbors` .* not NA"),
    list(list(n_neighbors = "15"), "`n_neighbors` .* not \"15\""),
    list(list(n_components = 0), "`n_components` .* >= 1 and < 40, not 0"),
    list(list(n_components = 40), "`n_components` .* not 40"),
    list(list(min_dist = -0.1), "`min_dist` must be a single number >= 0 and <= 1, not -0.1"),
    list(list(min_dist = 2), "`min_dist` .* <= 1, not 2"),
    list(list(spread = 0), "`spread` must be a single number > 0, not 0"),
    list(list(spread = -1), "`spread` .* not -1"),
    list(list(n_epochs = -1), "`n_epochs` .* >= 0 .* not -1"),
    list(list(n_epochs = NA), "`n_epochs` .* not NA"),
    list(list(n_epochs = 1.5), "`n_epochs` .* whole number .* not 1.5"),
    list(list(learning_rate = 0), "`learning_rate` must be a single number > 0, not 0"),
    list(list(metric = "foo"), "`metric` must be one of \"euclidean\", \"cosine\", .* not \"foo\""),
    list(list(init = "foo"), "`init` must be one of \"spectral\", \"pca\", \"random\", not \"foo\""),
    list(list(init = list()), "`init` must be \"spectral\", \"pca\", \"random\" or a numeric matrix"),
    list(list(init = matrix(0, 10, 2)), "`init` must have 40 rows and 2 columns .* not 10 x 2"),
    list(list(init = matrix(NA_real_, 40, 2)), "`init` contains NA"),
    list(list(set_op_mix_ratio = 1.5), "`set_op_mix_ratio` .* >= 0 and <= 1, not 1.5"),
    list(list(set_op_mix_ratio = -0.1), "`set_op_mix_ratio` .* not -0.1"),
    list(list(local_connectivity = -1), "`local_connectivity` .* not -1"),
    list(list(repulsion_strength = -1), "`repulsion_strength` .* not -1"),
    list(list(negative_sample_rate = -1), "`negative_sample_rate` .* not -1"),
    list(list(a = 1), "`a` and `b` must be given together"),
    list(list(a = -1, b = 1), "`a` must be a single number > 0, not -1"),
    list(list(seed = 1.5), "`seed` must be NULL or a single whole number > -2\\^53 and < 2\\^53, not 1.5"),
    list(list(seed = NA), "`seed` .* not NA"),
    list(list(seed = Inf), "`seed` .* not Inf"),
    list(list(seed = c(1, 2)), "`seed` .* not c\\(1, 2\\)"),
    list(list(seed = "1"), "`seed` .* not \"1\""),
    list(list(n_threads = 0), "`n_threads` must be a single whole number >= 1 .* not 0"),
    list(list(n_threads = NA), "`n_threads` .* not NA"),
    list(list(verbose = NA), "`verbose` must be TRUE or FALSE, not NA"),
    list(list(method = "fast"), "`method` must be one of \"auto\", \"exact\", \"nndescent\", not \"fast\"")
  )
  for (cs in cases) {
    expect_error(do.call(umap, c(list(X = X), cs[[1]])), cs[[2]],
                 info = paste(names(cs[[1]]), collapse = ","))
  }
})

test_that("bad data gives clear errors and the input is never modified", {
  Xna <- X
  Xna[3, 2] <- NA
  expect_error(umap(Xna), "`X` contains NA or NaN values \\(first at row 3, column 2\\)")
  Xnan <- X
  Xnan[5, 1] <- NaN
  expect_error(umap(Xnan), "`X` contains NA or NaN")
  Xinf <- X
  Xinf[7, 4] <- Inf
  expect_error(umap(Xinf), "`X` contains infinite values \\(first at row 7, column 4\\)")
  # NA takes precedence over an earlier infinite value; -Inf is infinite too
  Xboth <- Xinf
  Xboth[9, 4] <- NaN
  expect_error(umap(Xboth), "`X` contains NA or NaN values \\(first at row 9, column 4\\)")
  Xneg <- X
  Xneg[2, 3] <- -Inf
  expect_error(umap(Xneg), "`X` contains infinite values \\(first at row 2, column 3\\)")
  Xbig <- X
  Xbig[4, 1] <- -1e308
  expect_error(nearest_neighbors(Xbig, 5), "`X` has values up to 1e\\+308 in magnitude")
  expect_identical(Xbig[4, 1], -1e308)
  expect_error(umap(letters), "`X` must be a numeric matrix, a data frame")
  expect_error(umap(matrix(letters, 13, 2)), "`X` must be a numeric matrix")
  expect_error(umap(X[1:2, ]), "`X` must have at least 3 rows, not 2")
  expect_error(umap(X[1, , drop = FALSE]), "at least 3 rows, not 1")
  expect_warning(fit <- umap(iris, seed = 1, n_epochs = 5),
                 "`X` has non-numeric columns, which are left out: `Species`")
  expect_identical(fit$data, iris[1:4])
  expect_error(umap(data.frame(a = letters[1:5], b = LETTERS[1:5])),
               "`X` is a data frame without numeric columns \\(`a`, `b`\\)")
  expect_error(umap(NULL), "`X` can be NULL only when `knn` or `graph` is given")
  # inputs unchanged
  X0 <- X
  fit <- umap(X, seed = 1, n_epochs = 5)
  expect_identical(X, X0)
})

test_that("integer, logical and data frame inputs are accepted", {
  Xi <- matrix(as.integer(round(X * 10)), nrow(X))
  expect_equal(dim(umap(Xi, seed = 1, n_epochs = 5)$embedding), c(40L, 2L))
  set.seed(1)
  Xl <- matrix(runif(40 * 10) > 0.5, 40)
  expect_equal(dim(umap(Xl, seed = 1, n_epochs = 5, metric = "hamming")$embedding), c(40L, 2L))
  df <- data.frame(X)
  rownames(df) <- paste0("r", 1:40)
  fit <- umap(df, seed = 1, n_epochs = 5)
  expect_equal(rownames(fit$embedding), paste0("r", 1:40))
})

test_that("small data: the default n_neighbors is reduced with a warning", {
  expect_warning(fit <- umap(X[1:10, ], seed = 1), "reduced from 15 to 9")
  expect_equal(fit$n_neighbors, 9L)
  expect_error(umap(X[1:10, ], n_neighbors = 15), "`n_neighbors` .* < 10, not 15")
})

test_that("nearest_neighbors() checks its arguments", {
  expect_error(nearest_neighbors(X, 1), "`n_neighbors` .* >= 2 and <= 40, not 1")
  expect_error(nearest_neighbors(X, 41), "not 41")
  expect_error(nearest_neighbors(X, 5, metric = "l2"), "`metric` must be one of")
  expect_error(nearest_neighbors(X, 5, method = "annoy"), "`method` must be one of")
  expect_error(nearest_neighbors(X, 5, seed = -0.5), "`seed`")
  expect_error(nearest_neighbors(X, 5, n_threads = -1), "`n_threads`")
  expect_error(nearest_neighbors(X, 5, metric = "precomputed"), "needs `X` to be a `dist` object")
})

test_that("a knn computed with another metric triggers a warning", {
  knn <- nearest_neighbors(X, 10, metric = "cosine")
  expect_warning(umap(X, n_neighbors = 10, knn = knn, metric = "euclidean", n_epochs = 1, seed = 1),
                 "computed with metric \"cosine\" but `metric` = \"euclidean\"")
  expect_silent(umap(X, n_neighbors = 10, knn = knn, n_epochs = 1, seed = 1))
})

test_that("a knn with too few columns gives an error saying how to get more", {
  knn <- nearest_neighbors(X, 10)
  expect_error(umap(X, n_neighbors = 15, knn = knn), "has 10 neighbours per row")
})

test_that("X may be NULL when knn is given; pca then needs X", {
  knn <- nearest_neighbors(X, 10)
  fit <- umap(NULL, n_neighbors = 10, knn = knn, seed = 1, n_epochs = 10)
  expect_equal(dim(fit$embedding), c(40L, 2L))
  expect_error(umap(NULL, n_neighbors = 10, knn = knn, init = "pca"), "needs the data")
})

test_that("the same mistake gets the same message on every path", {
  msg <- "`n_neighbors` must be a single whole number >= 2"
  expect_error(umap(X, n_neighbors = 1.5), msg)
  expect_error(nearest_neighbors(X, 1.5), msg)
  expect_error(umap_grid(X, n_neighbors = 1.5, min_dist = 0.1), msg)
  expect_error(prune_knn(nearest_neighbors(X, 5), 1.5), paste0(msg, ", not 1.5"))
  # n_neighbors too large: umap() and umap_grid() say the same
  big <- "`n_neighbors` must be a single whole number >= 2 and < 40, not 40"
  expect_error(umap(X, n_neighbors = 40), big)
  expect_error(umap_grid(X, n_neighbors = c(5, 40), min_dist = 0.1), big)
  expect_error(as_umap_knn(nearest_neighbors(X, 5), n = 0),
               "`n` must be NULL or a single whole number >= 1, not 0")
  expect_error(umap(X, seed = 2^53), "`seed` must be NULL or a single whole number > -2\\^53 and < 2\\^53, not 9007199254740992")
  expect_identical(resolve_seed(2^53 - 1), 2^53 - 1)
  expect_identical(resolve_seed(-3L), -3)
  expect_error(umap(X, metric = NA), "`metric` must be one of .*, not NA")
  expect_error(umap(X, metric = c("cosine", "euclidean")), "`metric` must be one of .*, not c\\(\"cosine\", \"euclidean\"\\)")
})
