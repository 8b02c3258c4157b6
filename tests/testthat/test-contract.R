# The R-to-C contract: scalars cross in one named list per call, read by
# name in the glue; the list of metrics comes from the C core.

test_that("the metrics come from the C core, in its order", {
  expect_identical(umapc:::metric_names(),
                   c("euclidean", "cosine", "manhattan", "correlation", "hamming",
                     "chebyshev", "minkowski", "canberra", "braycurtis",
                     "hellinger", "jaccard", "dice"))
  expect_error(umap(iris[1:20, 1:4], metric = "foo"),
               "`metric` must be one of \"euclidean\", \"cosine\", \"manhattan\", \"correlation\", \"hamming\", \"chebyshev\", .*\"dice\", \"precomputed\", not \"foo\"")
})

test_that("a parameter list with a name missing, an extra name or a bad value is an internal error naming it", {
  find_ab <- umapc:::C_umapc_call_find_ab
  expect_equal(.Call(find_ab, list(spread = 1, min_dist = 0.1)),
               .Call(find_ab, list(min_dist = 0.1, spread = 1L)))
  expect_error(.Call(find_ab, list(spread = 1)),
               "internal error in find_ab: parameter 'min_dist' is missing")
  expect_error(.Call(find_ab, list(spread = 1, min_dist = 0.1, bandwidth = 1)),
               "internal error in find_ab: unexpected parameter 'bandwidth'")
  expect_error(.Call(find_ab, list(spread = 1, min_dist = NA_real_)),
               "internal error in find_ab: parameter 'min_dist' must be a single value, not NA")
  expect_error(.Call(find_ab, list(spread = 1, min_dist = c(0.1, 0.2))),
               "parameter 'min_dist' must be a single value")
  expect_error(.Call(find_ab, list(spread = "1", min_dist = 0.1)),
               "parameter 'spread' must be a number")
  expect_error(.Call(find_ab, c(spread = 1, min_dist = 0.1)),
               "internal error in find_ab: the parameters must be a named list")
  expect_error(.Call(find_ab, list(1, 0.1)),
               "the parameters must be a named list")

  X <- as.matrix(iris[1:20, 1:4])
  knn <- umapc:::C_umapc_call_knn
  par <- c(list(k = 5L, metric = "euclidean", metric_p = 2, method = "exact", seed = 1,
                n_threads = 1L, verbose = FALSE), umapc:::nnd_params())
  expect_identical(.Call(knn, X, NULL, par)$indices,
                   unclass(nearest_neighbors(X, 5, method = "exact", n_threads = 1))$indices)
  expect_error(.Call(knn, X, NULL, modifyList(par, list(metric = "foo"))),
               "internal error in knn: \"foo\" is not a metric of the core")
  expect_error(.Call(knn, X, NULL, modifyList(par, list(method = "auto"))),
               "internal error in knn: parameter 'method' is \"auto\", not a known value")
  expect_error(.Call(knn, X, NULL, modifyList(par, list(k = 2.5))),
               "internal error in knn: parameter 'k' must be a whole number")
  expect_error(.Call(knn, X, NULL, modifyList(par, list(seed = 2^60))),
               "internal error in knn: parameter 'seed' must be a whole number below 2\\^53")
  expect_error(.Call(knn, X, NULL, par[names(par) != "delta"]),
               "internal error in knn: parameter 'delta' is missing")
})

test_that("the user's errors never reach the C parameter checks", {
  # every umap() option ends up in some list: a wrong value is an R error
  # naming the argument, not an internal one
  err <- tryCatch(umap(iris[1:20, 1:4], learning_rate = NA), error = conditionMessage)
  expect_match(err, "^`learning_rate` must be")
  err <- tryCatch(nearest_neighbors(iris[1:20, 1:4], 5, method = "nndescent",
                                    n_trees = 1.5), error = conditionMessage)
  expect_match(err, "^`n_trees` must be")
})

test_that("predict() refuses a model whose metric the core cannot compute", {
  X <- as.matrix(iris[1:30, 1:4])
  knn <- nearest_neighbors(dist(X), n_neighbors = 5, n_threads = 1)
  fit <- umap(X, knn = knn, n_neighbors = 5, seed = 1, n_threads = 1, n_epochs = 5)
  expect_identical(fit$metric, "precomputed")
  expect_error(predict(fit, X[1:3, ]),
               "metric \"precomputed\", which cannot measure new rows; refit with `metric` one of \"euclidean\", \"cosine\"")
})

test_that("every registered routine follows the naming scheme", {
  calls <- getDLLRegisteredRoutines("umapc")$.Call
  expect_true(length(calls) > 10)
  expect_true(all(startsWith(names(calls), "C_umapc_call_")))
})

test_that("whole numbers beyond R's integers are refused in R, not passed to C as NA", {
  expect_error(nearest_neighbors(iris[1:20, 1:4], 5, method = "nndescent", n_trees = 1e10),
               "`n_trees` must be a single whole number >= 1 and below 2\\^31 in magnitude, not 1e\\+10")
  expect_error(nearest_neighbors(iris[1:20, 1:4], 5, method = "nndescent", n_iters = 3e9),
               "`n_iters` must be .* below 2\\^31")
})
