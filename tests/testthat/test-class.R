# The model's S3 class is "umapc" (the CRAN package umap owns "umap");
# models saved by umapc 0.1.0 (class "umap") are upgraded on use.

test_that("a model saved by umapc 0.1.0 loads, prints and predicts", {
  old <- readRDS(test_path("model-0.1.0.rds"))
  expect_identical(class(old), "umap")
  new_rows <- iris[c(2, 50, 101), 1:4]
  expect_silent(p <- predict(old, new_rows, n_threads = 1))
  expect_equal(dim(p), c(3L, 2L))
  expect_true(all(is.finite(p)))
  upgraded <- old
  class(upgraded) <- "umapc"
  expect_identical(p, predict(upgraded, new_rows, n_threads = 2))
  # the user's object is not changed by the upgrade
  expect_identical(class(old), "umap")
  expect_output(print(old), "UMAP embedding of 50 rows in 2 dimensions")
  expect_output(print(summary(old)), "UMAP model: 50 rows -> 2 dimensions")
  expect_identical(as.matrix(old), old$embedding)
  expect_identical(as.data.frame(old), as.data.frame(old$embedding))
  expect_identical(as_umap_knn(old), as_umap_knn(upgraded))
  path <- tempfile(fileext = ".pdf")
  on.exit(unlink(path))
  grDevices::pdf(path)
  expect_invisible(plot(old))
  grDevices::dev.off()
  # reusable as knn = in a new fit
  fit <- umap(iris[seq(1, 150, by = 3), 1:4], knn = old, n_neighbors = 10,
              seed = 7, n_epochs = 5)
  expect_s3_class(fit, "umapc")
})

# Methods another package registers for class "umap" (as the CRAN package
# umap does): they must not reach umapc models.
foreign_umap_methods <- list(
  print = function(x, ...) cat("umap embedding of ", x$n, " items\n"),
  summary = function(object, ...) stop("foreign summary"),
  plot = function(x, ...) stop("foreign plot"),
  predict = function(object, ...) stop("umap: config is absent or corrupt"),
  as.data.frame = function(x, ...) stop("foreign as.data.frame")
)

expect_umapc_methods_work <- function(fit, X) {
  expect_output(print(fit), "UMAP embedding of 30 rows in 2 dimensions")
  expect_output(print(summary(fit)), "UMAP model: 30 rows")
  p <- predict(fit, X[1:3, ], n_threads = 1)
  expect_equal(dim(p), c(3L, 2L))
  expect_identical(as.data.frame(fit), as.data.frame(fit$embedding))
  path <- tempfile(fileext = ".pdf")
  on.exit(unlink(path))
  grDevices::pdf(path)
  expect_invisible(plot(fit))
  grDevices::dev.off()
}

test_that("methods of another package for class \"umap\" leave umapc models alone", {
  X <- as.matrix(iris[seq(1, 150, by = 5), 1:4])
  fit <- umap(X, n_neighbors = 5, seed = 1, n_epochs = 10)
  expect_identical(class(fit), "umapc")
  ns <- asNamespace("umapc")
  on.exit(umapc:::register_legacy_methods(ns), add = TRUE)
  for (g in names(foreign_umap_methods)) {
    registerS3method(g, "umap", foreign_umap_methods[[g]], envir = ns)
  }
  expect_umapc_methods_work(fit, X)
})

test_that("loading the CRAN package umap breaks nothing", {
  # the umap package is not in Debian, so not in Suggests: loaded by name
  pkg <- "umap"
  skip_if_not(nzchar(system.file(package = pkg)), "the umap package is not installed")
  X <- as.matrix(iris[seq(1, 150, by = 5), 1:4])
  fit <- umap(X, n_neighbors = 5, seed = 1, n_epochs = 10)
  loadNamespace(pkg)
  expect_umapc_methods_work(fit, X)
  # and umap's own objects still get umap's methods
  u <- getExportedValue(pkg, "umap")(X, n_neighbors = 5, n_epochs = 10)
  shown <- c(capture.output(m <- capture.output(print(u), type = "message")), m)
  expect_true(any(grepl("umap embedding of 30 items", shown)))
})

test_that("dim(), head(), tail() and dimnames() behave like the embedding's", {
  X <- iris[1:40, 1:4]
  rownames(X) <- paste0("r", 1:40)
  fit <- umap(X, n_neighbors = 5, seed = 1, n_epochs = 5)
  expect_identical(dim(fit), c(40L, 2L))
  expect_identical(nrow(fit), 40L)
  expect_identical(ncol(fit), 2L)
  expect_identical(head(fit), head(fit$embedding))
  expect_identical(head(fit, 3), fit$embedding[1:3, ])
  expect_identical(tail(fit, 2), tail(fit$embedding, 2))
  expect_identical(rownames(fit), paste0("r", 1:40))
  expect_identical(colnames(fit), c("UMAP1", "UMAP2"))
  expect_lt(length(capture.output(print(head(fit)))), 10)
})

test_that("print() shows no timings unless asked, so it is the same on every run", {
  X <- iris[1:40, 1:4]
  a <- capture.output(print(umap(X, n_neighbors = 5, seed = 3, n_epochs = 5)))
  b <- capture.output(print(umap(X, n_neighbors = 5, seed = 3, n_epochs = 5)))
  expect_identical(a, b)
  expect_false(any(grepl("time", a)))
  fit <- umap(X, n_neighbors = 5, seed = 3, n_epochs = 5)
  expect_output(print(fit, timings = TRUE), "time: .* s \\(knn")
  expect_output(print(summary(fit)), "seconds: knn")
  grid <- umap_grid(X, n_neighbors = c(5, 10), min_dist = 0.1, seed = 1,
                    n_epochs = 5)
  expect_false(any(grepl("time", capture.output(print(grid)))))
  expect_output(print(grid, timings = TRUE), "time: ")
})

test_that("unknown arguments are refused by name", {
  expect_error(umap(iris[, 1:4], nneighbors = 5), "unknown argument `nneighbors`")
  expect_error(nearest_neighbors(iris[, 1:4], k = 5), "unknown argument `k`")
})
