blobs <- three_blobs()

test_that("the tutorial's three blobs embed as three separate clusters", {
  fit <- umap(blobs$X, seed = 1)
  expect_s3_class(fit, "umapc")
  expect_equal(dim(fit$embedding), c(5100L, 2L))
  expect_true(all(is.finite(fit$embedding)))
  expect_gte(pure_neighbourhoods(fit$embedding, blobs$labels, k = 15), 0.99)
  # the clusters are far apart compared with their own size
  centres <- rowsum(fit$embedding, blobs$labels) / 1700
  spread <- max(tapply(seq_len(5100), blobs$labels, function(i) {
    max(sqrt(rowSums(sweep(fit$embedding[i, ], 2, centres[blobs$labels[i[1]], ])^2)))
  }))
  expect_gt(min(dist(centres)), spread)
})

test_that("iris embeds with the species mostly separated", {
  fit <- umap(iris[, 1:4], seed = 7)
  expect_equal(dim(fit$embedding), c(150L, 2L))
  expect_equal(colnames(fit$embedding), c("UMAP1", "UMAP2"))
  expect_gte(knn_label_accuracy(fit$embedding, iris$Species, k = 15), 0.9)
  # setosa is separated from the other two species
  expect_equal(pure_neighbourhoods(fit$embedding[1:150, ], iris$Species == "setosa", 15) >= 0.95, TRUE)
})

test_that("the same seed gives identical results, different seeds differ", {
  X <- blobs$X[c(1:300, 1701:2000, 3401:3700), ]
  a <- umap(X, seed = 11)
  b <- umap(X, seed = 11)
  c <- umap(X, seed = 12)
  expect_identical(a$embedding, b$embedding)
  expect_identical(a$graph, b$graph)
  expect_false(identical(a$embedding, c$embedding))
  expect_identical(a$seed, 11)
})

test_that("results do not depend on the number of threads", {
  X <- blobs$X[c(1:400, 1701:2100, 3401:3800), ]
  for (init in c("spectral", "random", "pca")) {
    a <- umap(X, seed = 3, n_threads = 1, init = init)
    b <- umap(X, seed = 3, n_threads = 2, init = init)
    expect_identical(a$embedding, b$embedding, info = init)
  }
  for (method in c("exact", "nndescent")) {
    expect_identical(nearest_neighbors(X, 20, method = method, n_threads = 1, seed = 9),
                     nearest_neighbors(X, 20, method = method, n_threads = 2, seed = 9),
                     info = method)
  }
})

test_that("umap(X, seed) equals umap(X, knn = nearest_neighbors(X, seed), seed)", {
  direct <- umap(blobs$X, n_neighbors = 30, seed = 12)
  via_knn <- umap(blobs$X, n_neighbors = 30,
                  knn = nearest_neighbors(blobs$X, 30, seed = 12), seed = 12)
  expect_identical(direct$embedding, via_knn$embedding)
  expect_identical(direct$graph, via_knn$graph)
  expect_identical(direct$knn, via_knn$knn)
})

test_that("a larger knn is pruned to n_neighbors and gives the same result", {
  X <- blobs$X[c(1:200, 1701:1900, 3401:3600), ]
  k30 <- nearest_neighbors(X, 30, method = "exact", seed = 5)
  k15 <- nearest_neighbors(X, 15, method = "exact", seed = 5)
  a <- umap(X, n_neighbors = 15, knn = k30, seed = 5)
  b <- umap(X, n_neighbors = 15, knn = k15, seed = 5)
  expect_identical(a$embedding, b$embedding)
  expect_identical(a$knn, k30) # the model hands back the knn it was given
})

test_that("seed = NULL follows set.seed() and records the seed used", {
  X <- blobs$X[c(1:100, 1701:1800, 3401:3500), ]
  set.seed(1)
  a <- umap(X)
  set.seed(1)
  b <- umap(X)
  expect_identical(a$embedding, b$embedding)
  expect_true(is.numeric(a$seed) && a$seed == round(a$seed))
  c <- umap(X, seed = a$seed)
  expect_identical(a$embedding, c$embedding)
})

test_that("the fuzzy graph is a symmetric dgCMatrix with weights in (0, 1]", {
  fit <- umap(iris[, 1:4], seed = 1, n_epochs = 0)
  g <- fit$graph
  expect_s4_class(g, "dgCMatrix")
  expect_equal(dim(g), c(150L, 150L))
  expect_true(Matrix::isSymmetric(g))
  expect_true(all(g@x > 0 & g@x <= 1))
  expect_equal(sum(Matrix::diag(g)), 0)
})

test_that("the fuzzy graph matches a plain R implementation of the formulas", {
  X <- as.matrix(iris[1:60, 1:4])
  k <- 8
  knn <- nearest_neighbors(X, k, method = "exact")
  fit <- umap(X, n_neighbors = k, knn = knn, n_epochs = 0, seed = 1)
  n <- nrow(X)
  target <- log2(k)
  P <- matrix(0, n, n)
  for (i in seq_len(n)) {
    d <- knn$distances[i, ]
    rho <- min(d[d > 0])
    f <- function(s) sum(ifelse(d[-1] - rho > 0, exp(-(d[-1] - rho) / s), 1)) - target
    sigma <- uniroot(f, c(1e-8, 100), tol = 1e-12)$root
    sigma <- max(sigma, 1e-3 * mean(d))
    w <- ifelse(d - rho <= 0, 1, exp(-(d - rho) / sigma))
    w[1] <- 0
    P[i, knn$indices[i, ]] <- w
  }
  W <- P + t(P) - P * t(P)
  expect_equal(as.matrix(fit$graph), W, tolerance = 1e-4, ignore_attr = TRUE)
})

test_that("a and b are fitted as in the reference implementation", {
  ab <- function(min_dist, spread) {
    fit <- umap(iris[1:20, 1:4], n_neighbors = 5, min_dist = min_dist,
                spread = spread, n_epochs = 0, init = "random", seed = 1)
    c(fit$a, fit$b)
  }
  # reference values from uwot 0.1.14's find_ab_params (same least squares)
  expect_equal(ab(0.1, 1), c(1.57694346, 0.89506088), tolerance = 1e-5)
  expect_equal(ab(0.01, 1), c(1.89560587, 0.80063784), tolerance = 1e-5)
  expect_equal(ab(0.001, 1), c(1.92907340, 0.79150453), tolerance = 1e-5)
  expect_equal(ab(0.5, 1), c(0.58303002, 1.33416699), tolerance = 1e-5)
  expect_equal(ab(0, 1), c(1.93280840, 0.79049497), tolerance = 1e-5)
  expect_equal(ab(1, 2), c(0.091715377, 1.334167186), tolerance = 1e-5)
  expect_equal(ab(0.2, 0.5), c(4.1761916, 1.2225634), tolerance = 1e-5)
  # user-supplied a and b are used as they are
  fit <- umap(iris[1:20, 1:4], n_neighbors = 5, a = 2, b = 1, n_epochs = 0, seed = 1)
  expect_equal(c(fit$a, fit$b), c(2, 1))
})

test_that("resolved parameters are stored in the model", {
  fit <- umap(iris[, 1:4], seed = 2, n_epochs = 20)
  expect_equal(fit$n_epochs, 20L)
  expect_equal(fit$n_neighbors, 15L)
  expect_equal(fit$metric, "euclidean")
  expect_equal(fit$init, "spectral")
  expect_s3_class(fit$knn, "umap_knn")
  expect_equal(dim(fit$knn$indices), c(150L, 15L))
  expect_equal(umap(iris[, 1:4], seed = 2, n_epochs = 0)$n_epochs, 0L)
  expect_equal(umap(blobs$X[1:50, ], seed = 2, n_epochs = 0)$n_epochs, 0L)
  expect_output(print(fit), "UMAP embedding of 150 rows in 2 dimensions")
})

test_that("the default number of epochs follows the data size", {
  fit <- umap(iris[, 1:4], seed = 1)
  expect_equal(fit$n_epochs, 500L)
})

test_that("every init gives a finite embedding, a user matrix is used", {
  X <- blobs$X[c(1:150, 1701:1850, 3401:3550), ]
  for (init in c("spectral", "pca", "random")) {
    fit <- umap(X, init = init, seed = 4, n_epochs = 50)
    expect_true(all(is.finite(fit$embedding)), info = init)
  }
  m <- matrix(rep(c(0, 10), length.out = 900), 450, 2)
  fit <- umap(X, init = m, seed = 4, n_epochs = 0)
  expect_equal(unname(fit$embedding), m) # rescaled to [0, 10]: unchanged here
})

test_that("a graph with several components gets a sensible spectral layout", {
  set.seed(3)
  X <- rbind(matrix(rnorm(200 * 5), 200), matrix(rnorm(200 * 5, 1000), 200),
             matrix(rnorm(30 * 5, -1000), 30))
  expect_silent(fit <- umap(X, n_neighbors = 5, seed = 1, n_epochs = 0))
  expect_true(all(is.finite(fit$embedding)))
  lab <- rep(1:3, c(200, 200, 30))
  expect_gte(pure_neighbourhoods(fit$embedding, lab, 5), 0.95)
})
