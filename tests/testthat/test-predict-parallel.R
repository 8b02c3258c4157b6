# predict() places every row on its own, so rows can be embedded in pieces,
# in other processes, with the one-process result bit for bit.

train_rows <- seq(1, 150, by = 2)
fit_iris <- function() umap(iris[train_rows, 1:4], seed = 11, n_threads = 1)
new_rows <- as.matrix(iris[-train_rows, 1:4])

test_that("predict() in a 2-process PSOCK cluster equals predict() in one", {
  skip_on_cran()
  fit <- fit_iris()
  one <- predict(fit, new_rows, n_threads = 1)
  cl <- parallel::makePSOCKcluster(2)
  on.exit(parallel::stopCluster(cl), add = TRUE)
  parallel::clusterCall(cl, function(lib) .libPaths(c(lib, .libPaths())),
                        dirname(system.file(package = "umapc")))
  pieces <- split(seq_len(nrow(new_rows)), rep(1:3, length.out = nrow(new_rows)))
  parts <- parallel::parLapply(cl, pieces, function(rows, model, rows_of) {
    stats::predict(model, rows_of[rows, , drop = FALSE], n_threads = 1)
  }, model = fit, rows_of = new_rows)
  both <- do.call(rbind, parts)[order(unlist(pieces)), ]
  expect_identical(unname(both), unname(one))
})

test_that("predict(BPPARAM = SnowParam(2)) is identical() to one process", {
  skip_on_cran()
  skip_if_not_installed("BiocParallel")
  fit <- fit_iris()
  df <- iris[-train_rows, 1:4]
  rownames(df) <- paste0("flower", seq_len(nrow(df)))
  one <- predict(fit, df, n_threads = 2)
  par <- predict(fit, df, BPPARAM = BiocParallel::SnowParam(2))
  expect_identical(par, one)
  expect_identical(rownames(par), rownames(df))
  # the number of pieces changes nothing
  par3 <- predict(fit, df, BPPARAM = BiocParallel::SerialParam(), chunks = 7)
  expect_identical(par3, one)
  # a model from NN-descent (graph search for the new rows) as well
  fit_nnd <- umap(fmnist$pixels[1:400, ], method = "nndescent", seed = 2,
                  n_threads = 1)
  new <- fmnist$pixels[401:460, ]
  expect_identical(predict(fit_nnd, new, BPPARAM = BiocParallel::SnowParam(2)),
                   predict(fit_nnd, new, n_threads = 1))
})

test_that("bad BPPARAM and chunks give clear errors", {
  skip_if_not_installed("BiocParallel")
  fit <- fit_iris()
  expect_error(predict(fit, new_rows, BPPARAM = 2),
               "`BPPARAM` must be a BiocParallel parameter object.*not 2")
  expect_error(predict(fit, new_rows, BPPARAM = BiocParallel::SerialParam(), chunks = 0),
               "`chunks`")
  expect_error(predict(fit, new_rows, BPPARAM = BiocParallel::SerialParam(), chunks = "a"),
               "`chunks`")
  expect_error(predict(fit, new_rows[1, ], BPPARAM = "x"),
               "`BPPARAM` must be a BiocParallel parameter object.*not \"x\"")
  expect_error(predict(fit, new_rows, bpparam = 1), "unknown argument `bpparam`")
})
