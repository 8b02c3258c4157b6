# Supervised and semi-supervised UMAP (y =).

# sklearn.manifold.trustworthiness: input-space ranks with the point itself
# excluded, k nearest embedding neighbours.
trustworthiness <- function(X, E, k = 10) {
  n <- nrow(X)
  DX <- as.matrix(dist(X))
  DE <- as.matrix(dist(E))
  diag(DX) <- Inf
  diag(DE) <- Inf
  t <- 0
  for (i in seq_len(n)) {
    rank_x <- integer(n)
    rank_x[order(DX[i, ])] <- seq_len(n)
    r <- rank_x[order(DE[i, ])[seq_len(k)]] - k
    t <- t + sum(r[r > 0])
  }
  1 - t * 2 / (n * k * (2 * n - 3 * k - 1))
}

# Plain-R reference of umap-learn's reset_local_connectivity: rows divided
# by their maximum, then P + t(P) - P * t(P).
reset_connectivity <- function(M) {
  M <- as.matrix(M)
  mx <- apply(M, 1, max)
  mx[mx == 0] <- 1
  P <- M / mx
  P + t(P) - P * t(P)
}

# Three blobs; the first blob's labels split in two at random.
split_blobs <- function() {
  b <- three_blobs(n_per = 400, seed = 3)
  set.seed(5)
  lab <- b$labels
  first <- which(lab == 1)
  lab[sample(first, 200)] <- 4
  list(X = b$X, labels = factor(lab), first = first)
}

test_that("labels separate a randomly split blob; without them it stays whole", {
  b <- split_blobs()
  sup <- umap(b$X, y = b$labels, seed = 1)
  uns <- umap(b$X, seed = 1)
  acc_sup <- knn_label_accuracy(sup$embedding[b$first, ], b$labels[b$first], k = 15)
  acc_uns <- knn_label_accuracy(uns$embedding[b$first, ], b$labels[b$first], k = 15)
  expect_gte(acc_sup, 0.95)
  expect_lt(acc_uns, 0.75)
  # the three blobs themselves stay apart in both
  blob <- ifelse(b$labels == 4, 1, as.integer(as.character(b$labels)))
  expect_gte(pure_neighbourhoods(sup$embedding, blob, 15), 0.99)
  expect_identical(sup$y, b$labels)
  expect_identical(sup$target_metric, "categorical")
  expect_identical(sup$target_weight, 0.5)
})

test_that("semi-supervised iris (half the labels NA) keeps trustworthiness >= 0.97", {
  X <- as.matrix(iris[, 1:4])
  set.seed(11)
  y <- iris$Species
  y[sample(150, 75)] <- NA
  fit <- umap(X, y = y, seed = 4)
  expect_true(all(is.finite(fit$embedding)))
  expect_gte(trustworthiness(X, fit$embedding, k = 10), 0.97)
  expect_gte(knn_label_accuracy(fit$embedding, iris$Species, k = 15), 0.9)
})

test_that("the categorical intersection is umap-learn's, computed in plain R", {
  X <- as.matrix(iris[, 1:4])
  y <- iris$Species
  y[c(3, 60, 120)] <- NA
  G <- similarity_graph(X, n_neighbors = 10, seed = 2)
  for (w in c(0, 0.5, 0.9, 1)) {
    far <- if (w < 1) 2.5 / (1 - w) else 1e12
    M <- as.matrix(G)
    lab <- as.integer(y)
    unknown <- outer(is.na(lab), is.na(lab), "|")
    differ <- outer(lab, lab, "!=")
    differ[is.na(differ)] <- FALSE
    M[unknown] <- M[unknown] * exp(-1)
    M[!unknown & differ] <- M[!unknown & differ] * exp(-far)
    expected <- reset_connectivity(M)
    got <- similarity_graph(X, n_neighbors = 10, seed = 2, y = y, target_weight = w)
    expect_s4_class(got, "dgCMatrix")
    expect_equal(as.matrix(got), expected, tolerance = 1e-12, ignore_attr = TRUE, info = w)
    expect_true(Matrix::isSymmetric(got))
  }
  # target_weight = 1: no edge joins two different known labels
  got <- Matrix::summary(similarity_graph(X, n_neighbors = 10, seed = 2, y = y,
                                          target_weight = 1))
  li <- as.integer(y)[got$i]
  lj <- as.integer(y)[got$j]
  expect_true(all(is.na(li) | is.na(lj) | li == lj))
})

test_that("the numeric target graph and general intersection are umap-learn's", {
  X <- as.matrix(iris[, 1:3])
  y <- iris$Petal.Width + seq(0, 0.01, length.out = 150)
  G <- as.matrix(similarity_graph(X, n_neighbors = 12, seed = 2))
  Gy <- as.matrix(similarity_graph(matrix(y), n_neighbors = 8, seed = 2))
  lmin <- max(min(G[G > 0]) / 2, 1e-8)
  rmin <- min(max(min(Gy[Gy > 0]) / 2, 1e-8), 1e-4)
  for (w in c(0, 0.3, 0.5, 0.8, 1)) {
    L <- ifelse(G > 0, G, lmin)
    R <- ifelse(Gy > 0, Gy, rmin)
    M <- if (w < 0.5) L * R^(w / (1 - w)) else L^((1 - w) / w) * R
    # umap-learn keeps the stored sum where neither weight exceeds its minimum
    keep <- !(L > lmin | R > rmin)
    M[keep] <- (G + Gy)[keep]
    M[G == 0 & Gy == 0] <- 0
    expected <- reset_connectivity(M)
    got <- similarity_graph(X, n_neighbors = 12, seed = 2, y = y,
                            target_n_neighbors = 8, target_weight = w)
    expect_equal(as.matrix(got), expected, tolerance = 1e-12, ignore_attr = TRUE, info = w)
  }
  # a numeric target moves the layout toward the target's order
  fit <- umap(X, y = y, target_weight = 0.9, seed = 3)
  uns <- umap(X, seed = 3)
  expect_identical(fit$target_metric, "euclidean")
  expect_identical(fit$target_n_neighbors, 15L)
  nn_spread <- function(E) {
    nn <- nearest_neighbors(E, 16, method = "exact")$indices[, -1]
    mean(abs(y[nn] - y))
  }
  expect_lt(nn_spread(fit$embedding), nn_spread(uns$embedding))
  # "l1" is manhattan; a matrix target works
  f1 <- umap(X, y = cbind(y, y), target_metric = "l1", seed = 3, n_epochs = 20)
  expect_identical(f1$target_metric, "manhattan")
})

test_that("supervised results keep the seed contract", {
  b <- split_blobs()
  idx <- c(1:150, 401:550, 801:950)
  X <- b$X[idx, ]
  for (y in list(b$labels[idx], X[, 1] + X[, 2])) {
    a1 <- umap(X, y = y, seed = 8, n_threads = 1, n_epochs = 100)
    a2 <- umap(X, y = y, seed = 8, n_threads = 2, n_epochs = 100)
    via <- umap(X, y = y, seed = 8, n_epochs = 100,
                knn = nearest_neighbors(X, 15, seed = 8))
    expect_identical(a1$embedding, a2$embedding)
    expect_identical(a1$embedding, via$embedding)
    expect_identical(a1$graph, via$graph)
  }
  # y from the knn alone: X may be NULL
  y <- b$labels[idx]
  k <- nearest_neighbors(X, 15, seed = 8)
  expect_identical(umap(NULL, knn = k, y = y, seed = 8, n_epochs = 100)$embedding,
                   umap(X, knn = k, y = y, seed = 8, n_epochs = 100, keep_data = FALSE)$embedding)
})

test_that("character and logical labels are categorical; all-NA labels work", {
  X <- as.matrix(iris[, 1:4])
  f <- similarity_graph(X, seed = 1, y = iris$Species)
  expect_identical(similarity_graph(X, seed = 1, y = as.character(iris$Species)), f)
  lg <- similarity_graph(X, seed = 1, y = iris$Species == "setosa")
  expect_identical(lg, similarity_graph(X, seed = 1, y = factor(iris$Species == "setosa")))
  none <- umap(X, y = factor(rep(NA, 150), levels = "a"), seed = 1, n_epochs = 50)
  expect_true(all(is.finite(none$embedding)))
})

test_that("predict() of a supervised model places rows with the data's neighbours", {
  X <- as.matrix(iris[, 1:4])
  train <- seq(1, 150, by = 2)
  fit <- umap(X[train, ], y = iris$Species[train], seed = 6)
  new <- predict(fit, X[-train, ])
  expect_equal(dim(new), c(75L, 2L))
  # nearest training point of each new row has the row's species
  d <- as.matrix(dist(rbind(new, fit$embedding)))[1:75, -(1:75)]
  nearest <- iris$Species[train][apply(d, 1, which.min)]
  expect_gte(mean(nearest == iris$Species[-train]), 0.9)
  expect_identical(predict(fit, X[-train, ], n_threads = 1),
                   predict(fit, X[-train, ], n_threads = 2))
})

test_that("bad targets give clear errors", {
  X <- as.matrix(iris[, 1:4])
  expect_error(umap(X, y = iris$Species[1:10]),
               "`y` must have one value per row of the data \\(150\\), not 10")
  expect_error(umap(X, y = c(NA, iris$Sepal.Length[-1])), "numeric `y` contains NA")
  expect_error(umap(X, y = c(Inf, iris$Sepal.Length[-1])), "numeric `y` contains NA, NaN or infinite")
  expect_error(umap(X, y = list(1, 2)), "`y` must be NULL, a factor")
  expect_error(umap(X, y = iris), "`y` is a data frame with non-numeric columns")
  expect_error(umap(X, y = iris$Species, target_weight = 2),
               "`target_weight` must be a single number >= 0 and <= 1, not 2")
  expect_error(umap(X, y = iris$Species, target_weight = NA), "`target_weight` must be")
  expect_error(umap(X, y = iris$Sepal.Length, target_metric = "foo"),
               "`target_metric` must be one of .*\"l1\", \"l2\", not \"foo\"")
  expect_error(umap(X, y = iris$Sepal.Length, target_n_neighbors = 1),
               "`target_n_neighbors` must be a single whole number >= 2 and < 150, not 1")
  expect_error(umap(X, y = iris$Sepal.Length, target_n_neighbors = 150),
               "`target_n_neighbors` must be")
})

test_that("a supervised fit does not modify y", {
  X <- as.matrix(iris[, 1:4])
  y <- iris$Species
  y[1:5] <- NA
  y0 <- y
  fit <- umap(X, y = y, seed = 1, n_epochs = 10)
  expect_identical(y, y0)
  expect_identical(fit$y, y0)
})

test_that("labels apply to a given graph and in umap_grid() as in umap()", {
  X <- as.matrix(iris[, 1:4])
  plain <- umap(X, seed = 2, n_epochs = 30)
  sup <- umap(X, y = iris$Species, seed = 2, n_epochs = 30)
  expect_identical(umap(graph = plain$graph, y = iris$Species, seed = 2, n_epochs = 30)$embedding,
                   sup$embedding)
  grid <- umap_grid(X, n_neighbors = c(10, 15), min_dist = c(0.1, 0.5), y = iris$Species,
                    seed = 2, n_epochs = 30)
  expect_identical(grid$embeddings[[2, 1]], sup$embedding)
  expect_identical(grid$embeddings[[1, 2]],
                   umap(X, n_neighbors = 10, min_dist = 0.5, y = iris$Species, seed = 2,
                        n_epochs = 30, knn = grid$knn)$embedding)
})

test_that("densMAP and output_dens work with labels and with a numeric target", {
  X <- as.matrix(iris[, 1:4]) + seq(0, 1e-3, length.out = 150)
  sup <- umap(X, y = iris$Species, densmap = TRUE, output_dens = TRUE, seed = 3,
              n_epochs = 60, n_threads = 1)
  expect_true(all(is.finite(sup$embedding)))
  expect_true(all(is.finite(sup$rad_orig)) && all(is.finite(sup$rad_emb)))
  expect_identical(sup$target_metric, "categorical")
  expect_identical(umap(X, y = iris$Species, densmap = TRUE, seed = 3, n_epochs = 60,
                        n_threads = 2)$embedding, sup$embedding)
  # the labels change the graph, so the layout, but not the data's radii
  # (categorical labels only reweight the data's edges)
  plain <- umap(X, densmap = TRUE, output_dens = TRUE, seed = 3, n_epochs = 60)
  expect_false(identical(plain$embedding, sup$embedding))
  num <- umap(X, y = iris$Petal.Width, densmap = TRUE, output_dens = TRUE, seed = 3,
              n_epochs = 60, target_weight = 0.7)
  expect_true(all(is.finite(num$embedding)))
  # a row whose kept edges all come from the target's graph alone has no
  # data distance: its radius is NA and it is left out of the density term
  expect_lt(mean(is.na(num$rad_orig)), 0.05)
  expect_true(all(is.finite(num$rad_orig[!is.na(num$rad_orig)])))
  expect_error(umap(graph = sup$graph, densmap = TRUE),
               "`densmap` = TRUE needs the data's neighbour distances .* not available with `graph`")
  expect_error(umap(graph = sup$graph, output_dens = TRUE),
               "`output_dens` = TRUE needs the data's neighbour distances")
})

test_that("labels work with every data metric; numeric targets with every target metric", {
  set.seed(2)
  Xb <- matrix(rbinom(60 * 8, 1, 0.5), 60)
  Xb[1, ] <- c(1, rep(0, 7))
  Xp <- abs(as.matrix(iris[seq(1, 150, by = 5), 1:4])) + 0.01
  lab <- factor(rep(c("a", "b", NA), 20))
  for (m in setdiff(umapc:::metric_names(), "minkowski")) {
    X <- if (m %in% c("jaccard", "dice", "hamming")) Xb else Xp[rep(1:30, 2), ] +
      seq(0, 0.01, length.out = 60)
    fit <- umap(X, metric = m, y = lab, n_neighbors = 8, seed = 1, n_epochs = 20)
    expect_true(all(is.finite(fit$embedding)), info = m)
    expect_identical(fit$metric, m)
  }
  fit <- umap(Xp, metric = "minkowski", metric_p = 3, y = lab[1:30], n_neighbors = 8,
              seed = 1, n_epochs = 20)
  expect_true(all(is.finite(fit$embedding)))
  X <- as.matrix(iris[, 1:4])
  yn <- cbind(iris$Petal.Width, iris$Sepal.Width) + 0.5
  for (tm in setdiff(umapc:::target_metric_names(), c("jaccard", "dice"))) {
    g <- similarity_graph(X, y = yn, target_metric = tm, seed = 1, n_neighbors = 10)
    expect_true(Matrix::isSymmetric(g), info = tm)
    expect_true(all(g@x > 0 & g@x <= 1), info = tm)
  }
  yb <- (yn > 2) * 1
  expect_s4_class(similarity_graph(X, y = yb, target_metric = "jaccard", seed = 1), "dgCMatrix")
  expect_error(similarity_graph(X, y = yn, target_metric = "jaccard"),
               "`y` must hold only 0 and 1 .* for metric = \"jaccard\"")
  expect_error(similarity_graph(X, y = -yn, target_metric = "hellinger"),
               "`y` must hold non-negative values for metric = \"hellinger\"")
  expect_error(umap(X, y = yn, target_metric = "minkowski"),
               "`target_metric` = \"minkowski\" is not available")
})
