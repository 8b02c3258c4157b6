# The further metrics: chebyshev, minkowski, canberra, braycurtis, hellinger,
# jaccard, dice, and hamming on categorical data; dense and dgCMatrix input;
# exact and NN-descent searches; argument errors.

# Plain-R distances, umap-learn's definitions and conventions.
metric_dist <- function(X, metric, p = 2) {
  X <- unname(as.matrix(X))
  n <- nrow(X)
  pair <- switch(metric,
    manhattan = function(x, y) sum(abs(x - y)),
    chebyshev = function(x, y) max(abs(x - y)),
    minkowski = function(x, y) sum(abs(x - y)^p)^(1 / p),
    canberra = function(x, y) {
      den <- abs(x) + abs(y)
      sum(ifelse(den > 0, abs(x - y) / den, 0))
    },
    braycurtis = function(x, y) {
      den <- sum(abs(x + y))
      if (den > 0) sum(abs(x - y)) / den else 0
    },
    cosine = function(x, y) {
      nx <- sum(x^2)
      ny <- sum(y^2)
      if (nx == 0 && ny == 0) 0 else if (nx == 0 || ny == 0) 1
      else 1 - sum(x * y) / sqrt(nx * ny)
    },
    hellinger = function(x, y) {
      sx <- sum(x)
      sy <- sum(y)
      if (sx == 0 && sy == 0) 0 else if (sx == 0 || sy == 0) 1
      else sqrt(max(0, 1 - sum(sqrt(x * y)) / sqrt(sx * sy)))
    },
    jaccard = function(x, y) {
      u <- sum(x != 0 | y != 0)
      if (u == 0) 0 else (u - sum(x != 0 & y != 0)) / u
    },
    dice = function(x, y) {
      tt <- sum(x != 0 & y != 0)
      ne <- sum((x != 0) != (y != 0))
      if (ne == 0) 0 else ne / (2 * tt + ne)
    },
    hamming = function(x, y) mean(x != y))
  D <- matrix(0, n, n)
  for (i in seq_len(n)) for (j in seq_len(i - 1L)) D[i, j] <- D[j, i] <- pair(X[i, ], X[j, ])
  D
}

# A search agrees with the distance matrix D: self first at 0, each
# neighbour's distance is its true distance, and the distances are the k
# smallest (so the neighbours are right up to ties). For an approximate
# search, at least `recall` of the neighbours are within the true k-th
# distance (ties count as hits).
expect_knn_matches <- function(knn, D, tol = 1e-5, info = NULL, recall = NULL) {
  n <- nrow(D)
  k <- ncol(knn$indices)
  expect_identical(knn$indices[, 1], seq_len(n), info = info)
  expect_true(all(knn$distances[, 1] == 0), info = info)
  got <- t(vapply(seq_len(n), function(i) D[i, knn$indices[i, ]], numeric(k)))
  got[, 1] <- 0
  expect_equal(knn$distances, got, tolerance = tol, info = info)
  best <- t(vapply(seq_len(n), function(i) c(0, sort(D[i, -i])[seq_len(k - 1L)]), numeric(k)))
  expect_true(all(apply(knn$distances, 1, function(r) !is.unsorted(r))), info = info)
  if (is.null(recall)) {
    expect_equal(knn$distances, best, tolerance = tol, info = info)
  } else {
    hits <- mean(knn$distances[, -1] <= best[, k] * (1 + tol) + 1e-12)
    expect_gte(hits, recall, label = paste(info, "recall"))
  }
  expect_true(all(!duplicated(cbind(rep(seq_len(n), k), as.vector(knn$indices)))), info = info)
}

# Small data with ties (whole numbers), all-zero rows and mostly-zero rows.
metric_data <- function(n = 90, d = 11, seed = 3) {
  set.seed(seed)
  X <- matrix(sample(0:4, n * d, replace = TRUE, prob = c(0.5, 0.2, 0.15, 0.1, 0.05)), n)
  X[5, ] <- 0
  X[17, ] <- 0
  X[30, ] <- 0
  X[40:50, ] <- X[40:50, ] * rbinom(11 * d, 1, 0.2)  # sparse rows
  X[60:62, ] <- X[rep(1, 3), ]                         # duplicates
  X[70:89, ] <- X[70:89, ] + runif(20 * d)            # some non-integers
  X
}

dense_metrics <- list(chebyshev = 2, minkowski = 3, minkowski = 1.5, minkowski = 2,
                      canberra = 2, braycurtis = 2, hellinger = 2)

test_that("every metric matches plain R distances, exactly and by NN-descent", {
  X <- metric_data()
  B <- (X > 0) * 1
  for (i in seq_along(dense_metrics)) {
    metric <- names(dense_metrics)[i]
    p <- dense_metrics[[i]]
    mp <- if (metric == "minkowski") p else NULL
    D <- metric_dist(X, metric, p)
    info <- paste(metric, p)
    ex <- nearest_neighbors(X, 12, metric = metric, metric_p = mp, method = "exact")
    expect_knn_matches(ex, D, info = info)
    expect_equal(ex$metric, metric)
    if (metric == "minkowski") expect_equal(ex$metric_p, p) else expect_null(ex$metric_p)
    nd <- nearest_neighbors(X, 12, metric = metric, metric_p = mp, method = "nndescent",
                            seed = 4)
    expect_knn_matches(nd, D, info = paste(info, "nndescent"), recall = 0.98)
  }
  for (metric in c("jaccard", "dice")) {
    D <- metric_dist(B, metric)
    ex <- nearest_neighbors(B, 12, metric = metric, method = "exact")
    expect_knn_matches(ex, D, info = metric)
    nd <- nearest_neighbors(B, 12, metric = metric, method = "nndescent", seed = 4)
    expect_knn_matches(nd, D, info = paste(metric, "nndescent"), recall = 0.98)
    # logical input is binary
    expect_identical(nearest_neighbors(B > 0, 12, metric = metric, method = "exact",
                                       seed = ex$seed), ex)
  }
  # zero-row conventions: zero rows at 0 from each other, 1 from the rest
  zero <- which(rowSums(X) == 0)
  expect_gte(length(zero), 3L)
  nz <- length(zero)
  for (metric in c("hellinger", "jaccard", "dice")) {
    kn <- nearest_neighbors(if (metric == "hellinger") X else B, nz + 1L, metric = metric,
                            method = "exact")
    expect_identical(kn$indices[zero[1], seq_len(nz)], zero, info = metric)
    expect_equal(kn$distances[zero[1], ], c(rep(0, nz), 1), info = metric)
    expect_true(all(kn$distances[-zero, 2] < 1), info = metric)
  }
})

test_that("minkowski with p = 1 and p = 2 agrees with manhattan and euclidean", {
  X <- metric_data()
  m1 <- nearest_neighbors(X, 10, metric = "minkowski", metric_p = 1, method = "exact")
  m2 <- nearest_neighbors(X, 10, metric = "minkowski", metric_p = 2, method = "exact")
  l1 <- nearest_neighbors(X, 10, metric = "manhattan", method = "exact")
  l2 <- nearest_neighbors(X, 10, metric = "euclidean", method = "exact")
  expect_equal(m1$distances, l1$distances, tolerance = 1e-6)
  expect_equal(m2$distances, l2$distances, tolerance = 1e-6)
  # a large p approaches chebyshev
  m64 <- nearest_neighbors(X, 10, metric = "minkowski", metric_p = 64, method = "exact")
  ch <- nearest_neighbors(X, 10, metric = "chebyshev", method = "exact")
  expect_equal(m64$distances, ch$distances, tolerance = 0.05)
})

test_that("dgCMatrix input gives the dense results without a dense copy", {
  X <- metric_data()
  B <- (X > 0) * 1
  S <- Matrix::Matrix(X, sparse = TRUE)
  SB <- Matrix::Matrix(B, sparse = TRUE)
  # kept sparse, and the same bits as dense input
  for (metric in c("cosine", "canberra", "braycurtis", "hellinger", "hamming")) {
    for (method in c("exact", "nndescent")) {
      a <- nearest_neighbors(S, 12, metric = metric, method = method, seed = 2)
      b <- nearest_neighbors(X, 12, metric = metric, method = method, seed = 2)
      expect_identical(a, b, info = paste(metric, method))
    }
  }
  for (metric in c("jaccard", "dice")) {
    for (method in c("exact", "nndescent")) {
      a <- nearest_neighbors(SB, 12, metric = metric, method = method, seed = 2)
      b <- nearest_neighbors(B, 12, metric = metric, method = method, seed = 2)
      expect_identical(a, b, info = paste(metric, method))
    }
  }
  # kept sparse but not centred: the plain-R distances
  for (metric in c("manhattan", "chebyshev", "minkowski")) {
    mp <- if (metric == "minkowski") 3 else NULL
    D <- metric_dist(X, metric, 3)
    for (method in c("exact", "nndescent")) {
      a <- nearest_neighbors(S, 12, metric = metric, metric_p = mp, method = method, seed = 2)
      expect_knn_matches(a, D, info = paste(metric, method, "sparse"),
                         recall = if (method == "nndescent") 0.98)
    }
  }
  # correlation (which centres every row) goes through a dense copy
  a <- nearest_neighbors(S, 12, metric = "correlation", method = "exact", seed = 1)
  b <- nearest_neighbors(X, 12, metric = "correlation", method = "exact", seed = 1)
  expect_identical(a, b)
})

test_that("wide sparse data: the projected forest gives the dense results", {
  set.seed(5)
  n <- 400
  d <- 300
  X <- matrix(0, n, d)
  centre <- sample(1:8, n, replace = TRUE)
  for (i in seq_len(n)) {
    cols <- c((centre[i] - 1) * 30 + sample(30, 8), sample(d, 4))
    X[i, cols] <- rpois(12, 3) + 1
  }
  S <- Matrix::Matrix(X, sparse = TRUE)
  for (metric in c("cosine", "hellinger", "jaccard")) {
    Y <- if (metric == "jaccard") (X > 0) * 1 else X
    SY <- Matrix::Matrix(Y, sparse = TRUE)
    a <- nearest_neighbors(SY, 10, metric = metric, method = "nndescent", seed = 9,
                           n_threads = 1)
    b <- nearest_neighbors(Y, 10, metric = metric, method = "nndescent", seed = 9,
                           n_threads = 2)
    expect_identical(a, b, info = metric)
    ex <- nearest_neighbors(SY, 10, metric = metric, method = "exact")
    recall <- mean(vapply(seq_len(n), function(i)
      length(intersect(ex$indices[i, -1], a$indices[i, -1])) / 9, numeric(1)))
    expect_gte(recall, 0.98, label = paste(metric, "recall"))
  }
})

test_that("results do not depend on the number of threads", {
  set.seed(6)
  X <- abs(matrix(rnorm(600 * 10), 600))
  for (i in seq_along(dense_metrics)) {
    metric <- names(dense_metrics)[i]
    mp <- if (metric == "minkowski") dense_metrics[[i]] else NULL
    for (method in c("exact", "nndescent")) {
      a <- nearest_neighbors(X, 15, metric = metric, metric_p = mp, method = method,
                             seed = 1, n_threads = 1)
      b <- nearest_neighbors(X, 15, metric = metric, metric_p = mp, method = method,
                             seed = 1, n_threads = 2)
      expect_identical(a, b, info = paste(metric, method))
    }
  }
})

test_that("umap() with a metric equals umap() on its nearest_neighbors()", {
  X <- metric_data()
  for (metric in c("minkowski", "hellinger", "canberra")) {
    mp <- if (metric == "minkowski") 3 else NULL
    for (nt in 1:2) {
      direct <- umap(X, n_neighbors = 10, metric = metric, metric_p = mp, seed = 7,
                     n_epochs = 30, n_threads = nt)
      knn <- nearest_neighbors(X, 10, metric = metric, metric_p = mp, seed = 7, n_threads = nt)
      via <- umap(X, n_neighbors = 10, knn = knn, seed = 7, n_epochs = 30, n_threads = nt)
      expect_identical(direct$embedding, via$embedding, info = metric)
      expect_equal(direct$metric, metric)
    }
    expect_identical(direct$embedding, umap(X, n_neighbors = 10, metric = metric,
                                            metric_p = mp, seed = 7, n_epochs = 30,
                                            n_threads = 1)$embedding)
  }
  expect_equal(direct$metric_p, NULL)
  fit <- umap(X, n_neighbors = 10, metric = "minkowski", metric_p = 3, seed = 7, n_epochs = 10)
  expect_equal(fit$metric_p, 3)
})

test_that("predict() uses the model's metric", {
  X <- metric_data()
  B <- (X > 0) * 1
  cases <- list(list(X, "minkowski", 3), list(X, "hellinger", NULL),
                list(X, "chebyshev", NULL), list(B, "jaccard", NULL),
                list(Matrix::Matrix(X, sparse = TRUE), "braycurtis", NULL))
  for (cs in cases) {
    fit <- umap(cs[[1]], n_neighbors = 8, metric = cs[[2]], metric_p = cs[[3]], seed = 1,
                n_epochs = 20, n_threads = 1)
    new <- as.matrix(cs[[1]][c(2, 9, 33), ])
    all3 <- predict(fit, new, n_threads = 2)
    one <- predict(fit, new[2, , drop = FALSE], n_threads = 1)
    expect_true(all(is.finite(all3)), info = cs[[2]])
    expect_identical(all3[2, , drop = FALSE], one, info = cs[[2]])
  }
  # the minkowski exponent is kept in the model and a round trip
  fit <- umap(X, n_neighbors = 8, metric = "minkowski", metric_p = 3, seed = 1, n_epochs = 20)
  f2 <- unserialize(serialize(fit, NULL))
  expect_identical(predict(f2, X[1:3, ]), predict(fit, X[1:3, ]))
  # newdata must suit the metric
  fit_h <- umap(X, n_neighbors = 8, metric = "hellinger", seed = 1, n_epochs = 5)
  expect_error(predict(fit_h, -X[1:2, ]), "`newdata` must hold non-negative values")
  fit_j <- umap(B, n_neighbors = 8, metric = "jaccard", seed = 1, n_epochs = 5)
  expect_error(predict(fit_j, X[70:72, ]), "`newdata` must hold only 0 and 1")
})

test_that("hamming works on categorical data and tells close numbers apart", {
  set.seed(8)
  df <- data.frame(a = factor(sample(c("x", "y", "z", NA), 60, TRUE)),
                   b = sample(c("p", "q"), 60, TRUE),
                   c = sample(c(TRUE, FALSE), 60, TRUE),
                   d = sample(1:3, 60, TRUE),
                   stringsAsFactors = FALSE)
  chr <- as.matrix(data.frame(lapply(df, function(v) ifelse(is.na(v), "<NA>", as.character(v)))))
  D <- metric_dist(chr, "hamming")
  knn <- nearest_neighbors(df, 8, metric = "hamming", method = "exact")
  expect_knn_matches(knn, D)
  nd <- nearest_neighbors(df, 8, metric = "hamming", method = "nndescent", seed = 1)
  expect_knn_matches(nd, D, recall = 0.98)
  # a character matrix too
  expect_identical(nearest_neighbors(chr, 8, metric = "hamming", method = "exact")$distances,
                   knn$distances)
  # values that single precision cannot tell apart
  big <- cbind(c(16777216, 16777217, 16777216), c(1, 1, 1), c(0.1, 0.1 + 1e-12, 0.1))
  kb <- nearest_neighbors(big, 3, metric = "hamming", method = "exact")
  expect_equal(kb$distances[1, ], c(0, 0, 2 / 3), tolerance = 1e-6)
  expect_identical(kb$indices[1, ], c(1L, 3L, 2L))
  # predict: rows coded by the training values; an unseen level matches nothing
  fit <- umap(df, n_neighbors = 8, metric = "hamming", seed = 1, n_epochs = 20)
  new <- df[1:3, ]
  new$b[2] <- "unseen"
  emb <- predict(fit, new)
  expect_true(all(is.finite(emb)))
  expect_identical(predict(fit, new[, c("d", "c", "b", "a")]), emb)
  # the user's data frame is untouched
  expect_true(is.factor(df$a))
})

test_that("metric arguments are checked", {
  X <- metric_data()
  expect_error(nearest_neighbors(X, 5, metric = "minkowski"),
               "`metric_p` must be given for metric = \"minkowski\"")
  expect_error(umap(X, metric = "minkowski", n_epochs = 1),
               "`metric_p` must be given for metric = \"minkowski\"")
  for (bad in list(0.5, 65, NA, Inf, "2", c(1, 2))) {
    expect_error(nearest_neighbors(X, 5, metric = "minkowski", metric_p = bad),
                 "`metric_p` must be a single number >= 1 and <= 64")
  }
  expect_error(nearest_neighbors(X, 5, metric = "euclidean", metric_p = 3),
               "`metric_p` is used only with metric = \"minkowski\", not with metric = \"euclidean\"")
  expect_error(nearest_neighbors(X - 1, 5, metric = "hellinger"),
               "`X` must hold non-negative values for metric = \"hellinger\"; it has -1 at row [0-9]+, column [0-9]+")
  Xn <- X
  Xn[7, 3] <- -0.5
  expect_error(nearest_neighbors(Matrix::Matrix(Xn, sparse = TRUE), 5, metric = "hellinger"),
               "it has -0.5 at row 7, column 3")
  expect_error(umap(X, metric = "jaccard", n_epochs = 1),
               "`X` must hold only 0 and 1 \\(or TRUE and FALSE\\) for metric = \"jaccard\"")
  Xb <- (X > 0) * 1
  Xb[4, 2] <- 2
  expect_error(nearest_neighbors(Xb, 5, metric = "dice"),
               "for metric = \"dice\"; it has 2 at row 4, column 2")
  expect_error(nearest_neighbors(Matrix::Matrix(Xb, sparse = TRUE), 5, metric = "dice"),
               "it has 2 at row 4, column 2")
  expect_error(nearest_neighbors(X, 5, metric = "mahalanobis"), "`metric` must be one of")
})
