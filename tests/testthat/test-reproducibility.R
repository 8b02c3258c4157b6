# The reproducibility section of umap-learn's "Precomputed k-nn" tutorial,
# on its three-blob data, with the approximate (NN-descent) search forced.
blobs <- three_blobs()
X <- blobs$X

knn50_10 <- nearest_neighbors(X, 50, method = "nndescent", seed = 10)

test_that("the same knn and seed give identical embeddings", {
  a <- umap(X, n_neighbors = 30, knn = knn50_10, seed = 10)
  b <- umap(X, n_neighbors = 30, knn = knn50_10, seed = 10)
  expect_identical(a$embedding, b$embedding)
  expect_gte(pure_neighbourhoods(a$embedding, blobs$labels), 0.99)
})

test_that("a knn with another k or another seed gives another embedding", {
  a <- umap(X, n_neighbors = 30, knn = knn50_10, seed = 10)
  knn40 <- nearest_neighbors(X, 40, method = "nndescent", seed = 10)
  knn50_15 <- nearest_neighbors(X, 50, method = "nndescent", seed = 15)
  c <- umap(X, n_neighbors = 30, knn = knn40, seed = 10)
  d <- umap(X, n_neighbors = 30, knn = knn50_15, seed = 15)
  expect_false(identical(a$embedding, c$embedding))
  expect_false(identical(a$embedding, d$embedding))
})

test_that("normal UMAP equals UMAP on nearest_neighbors() with the same seed", {
  normal <- umap(X, n_neighbors = 30, seed = 12, method = "nndescent")
  via <- umap(X, n_neighbors = 30, seed = 12,
              knn = nearest_neighbors(X, 30, method = "nndescent", seed = 12))
  expect_identical(normal$embedding, via$embedding)
  expect_identical(normal$knn, via$knn)
})

test_that("NN-descent and umap() do not depend on n_threads", {
  k1 <- nearest_neighbors(X, 30, method = "nndescent", seed = 3, n_threads = 1)
  k2 <- nearest_neighbors(X, 30, method = "nndescent", seed = 3, n_threads = 2)
  expect_identical(k1, k2)
  u1 <- umap(X, n_neighbors = 30, knn = k1, seed = 3, n_threads = 1)
  u2 <- umap(X, n_neighbors = 30, knn = k2, seed = 3, n_threads = 2)
  expect_identical(u1$embedding, u2$embedding)
})

test_that("a saved model's knn and seed reproduce its embedding", {
  model <- umap(X, n_neighbors = 30, knn = knn50_10, seed = 10, keep_data = FALSE)
  path <- tempfile(fileext = ".rds")
  on.exit(unlink(path))
  saveRDS(model, path)
  loaded <- readRDS(path)
  again <- umap(X, n_neighbors = 30, knn = loaded$knn, seed = loaded$seed)
  expect_identical(again$embedding, model$embedding)
})

test_that("seed = NULL after set.seed() is reproducible and recorded", {
  Xs <- X[c(1:200, 1701:1900, 3401:3600), ]
  set.seed(1)
  a <- umap(Xs, n_neighbors = 30, method = "nndescent")
  set.seed(1)
  b <- umap(Xs, n_neighbors = 30, method = "nndescent")
  expect_identical(a$embedding, b$embedding)
  c <- umap(Xs, n_neighbors = 30, method = "nndescent", seed = a$seed)
  expect_identical(a$embedding, c$embedding)
})
