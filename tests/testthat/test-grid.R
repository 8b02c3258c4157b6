test_that("umap_grid() layouts are exactly umap()'s for the same knn and seed", {
  X <- as.matrix(iris[, 1:4])
  knn <- nearest_neighbors(X, 30, seed = 4)
  grid <- umap_grid(X, n_neighbors = c(5, 30), min_dist = c(0, 0.5), knn = knn,
                    seed = 4, n_epochs = 60)
  expect_s3_class(grid, "umap_grid")
  expect_equal(dim(grid$embeddings), c(2L, 2L))
  for (i in 1:2) for (j in 1:2) {
    single <- umap(X, n_neighbors = grid$n_neighbors[i], min_dist = grid$min_dist[j],
                   knn = knn, seed = 4, n_epochs = 60)
    expect_identical(grid$embeddings[[i, j]], single$embedding)
  }
  # without a knn: computed once at max(n_neighbors), same result
  grid2 <- umap_grid(X, n_neighbors = c(5, 30), min_dist = c(0, 0.5), seed = 4,
                     n_epochs = 60)
  expect_identical(grid2$embeddings, grid$embeddings)
  expect_equal(grid2$knn$k, 30L)
  expect_output(print(grid), "4 layouts of 150 rows")
})

test_that("plot.umap_grid() draws the tutorial's figure", {
  X <- as.matrix(iris[, 1:4])
  grid <- umap_grid(X, n_neighbors = c(5, 15), min_dist = c(0.1, 0.9), seed = 1,
                    n_epochs = 20)
  path <- tempfile(fileext = ".pdf")
  on.exit(unlink(path))
  pdf(path)
  expect_invisible(plot(grid, labels = iris$Species))
  dev.off()
  expect_gt(file.size(path), 1000)
})

test_that("umap_grid() checks its arguments", {
  X <- as.matrix(iris[, 1:4])
  expect_error(umap_grid(X, n_neighbors = "a"), "`n_neighbors` must be a numeric vector")
  expect_error(umap_grid(X, min_dist = NA), "`min_dist` must be a numeric vector")
  expect_error(umap_grid(X, n_neighbors = c(5, 150)), "`n_neighbors` must be a single whole number >= 2 and < 150, not 150")
  expect_error(umap_grid(X, a = 1), "`a` cannot be passed")
  knn <- nearest_neighbors(X, 10)
  expect_error(umap_grid(X, n_neighbors = c(5, 20), knn = knn), "has 10 neighbours per row")
})

test_that("plot.umap_grid()'s legend of 10 labels fits a 7 x 5 in figure", {
  X <- as.matrix(iris[, 1:4])
  grid <- umap_grid(X, n_neighbors = c(5, 15), min_dist = c(0.1, 0.9), seed = 1,
                    n_epochs = 10)
  classes <- c("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
               "Shirt", "Sneaker", "Bag", "Ankle boot")
  labels <- factor(rep_len(classes, 150), levels = classes)
  path <- tempfile(fileext = ".pdf")
  on.exit(unlink(path))
  grDevices::pdf(path, width = 7, height = 5)
  plot(grid, labels = labels)
  grDevices::dev.off()
  r <- umapc:::grid_state$legend
  # inside the figure (coordinates 0 to 1), and below the panels
  expect_gte(r$left, 0)
  expect_lte(r$left + r$w, 1)
  expect_gte(r$top - r$h, 0)
  expect_lt(r$top, 0.25)
  # a narrow figure: more rows, still inside
  grDevices::pdf(path, width = 4, height = 5)
  plot(grid, labels = labels)
  grDevices::dev.off()
  r <- umapc:::grid_state$legend
  expect_gte(r$left, 0)
  expect_lte(r$left + r$w, 1)
})
