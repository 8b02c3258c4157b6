# The same bits on every machine: the kernels can be switched, and the
# portable, the AVX2 and the AVX-512 ones give identical results; a golden digest of a
# whole run on the shipped data checks the contract on any machine that runs
# the tests. (src/core/tests/portable.c checks it across compilers and
# processors.)

with_kernels <- function(kernels, code) {
  old <- options(umapc.kernels = kernels)
  on.exit(options(old))
  code
}

# MD5 of the bits of a double vector, written little-endian (base R only)
bits_md5 <- function(x) {
  path <- tempfile(fileext = ".bin")
  on.exit(unlink(path))
  writeBin(as.vector(x, "double"), path, endian = "little")
  unname(tools::md5sum(path))
}

test_that("umapc_kernels() reports and follows options(umapc.kernels)", {
  k <- umapc_kernels()
  avail <- attr(k, "avx2_available")
  avail512 <- attr(k, "avx512_available")
  expect_type(avail, "logical")
  expect_length(avail, 1L)
  expect_type(avail512, "logical")
  expect_length(avail512, 1L)
  expect_true(avail || !avail512) # AVX-512 kernels only with AVX2 ones
  expect_identical(as.vector(k),
                   if (avail512) "avx512" else if (avail) "avx2" else "portable")
  expect_identical(as.vector(with_kernels("portable", umapc_kernels())), "portable")
  expect_identical(as.vector(with_kernels("auto", umapc_kernels())), as.vector(k))
  expect_identical(as.vector(with_kernels(NULL, umapc_kernels())), as.vector(k))
  if (avail) {
    expect_identical(as.vector(with_kernels("avx2", umapc_kernels())), "avx2")
  } else {
    expect_error(with_kernels("avx2", umapc_kernels()), "no AVX2 kernels")
  }
  if (avail512) {
    expect_identical(as.vector(with_kernels("avx512", umapc_kernels())), "avx512")
  } else {
    expect_error(with_kernels("avx512", umapc_kernels()),
                 "`getOption\\(\"umapc.kernels\"\\)` is \"avx512\", but this processor or build has no AVX-512 kernels")
  }
  # the option is read again by the next call
  expect_identical(as.vector(umapc_kernels()), as.vector(k))
})

test_that("a bad umapc.kernels option is refused, naming the option", {
  X <- as.matrix(iris[1:30, 1:4])
  expect_error(with_kernels("fast", umapc_kernels()),
               "`getOption\\(\"umapc.kernels\"\\)` must be one of \"auto\", \"avx512\", \"avx2\", \"portable\", not \"fast\"")
  expect_error(with_kernels(1, umapc_kernels()), "umapc.kernels.*not 1")
  expect_error(with_kernels(c("auto", "portable"), umapc_kernels()), "umapc.kernels")
  expect_error(with_kernels(NA_character_, nearest_neighbors(X, 5, seed = 1)),
               "umapc.kernels")
  expect_error(with_kernels("fast", umap(X, n_neighbors = 5, seed = 1)), "umapc.kernels")
})

test_that("the portable, the AVX2 and the default kernels give identical results on fmnist", {
  X <- fmnist$pixels[1:1000, ]
  new <- fmnist$pixels[2001:2100, ]
  run <- function(kernels) with_kernels(kernels, {
    exact <- nearest_neighbors(X, 15, method = "exact", seed = 7)
    fit <- umap(X, seed = 7, method = "nndescent", n_epochs = 100)
    fit3 <- umap(X, knn = fit$knn, n_components = 3, init = "pca", seed = 7,
                 n_epochs = 50)
    others <- lapply(c("chebyshev", "minkowski", "canberra", "braycurtis",
                       "hellinger", "jaccard", "dice", "hamming"), function(m)
      nearest_neighbors(if (m %in% c("jaccard", "dice")) X > 100 else X, 15,
                        metric = m, metric_p = if (m == "minkowski") 2.5,
                        seed = 7))
    dens <- umap(X, knn = fit$knn, densmap = TRUE, n_epochs = 60, seed = 7)
    list(exact = exact, knn = fit$knn, graph = fit$graph, a = fit$a, b = fit$b,
         embedding = fit$embedding, embedding3 = fit3$embedding,
         predicted = predict(fit, new), predicted3 = predict(fit3, new),
         others = others, densmap = dens$embedding)
  })
  default <- run("auto")
  portable <- run("portable")
  expect_identical(portable, default)
  if (identical(as.vector(umapc_kernels()), "avx512")) {
    # AVX2's eight lanes against AVX-512's sixteen in the 2-d layout, the
    # densMAP layout and predict()
    expect_identical(run("avx2"), default)
  }
  for (n_threads in 1:2) {
    again <- with_kernels("portable",
                          umap(X, seed = 7, method = "nndescent", n_epochs = 100,
                               n_threads = n_threads))
    expect_identical(again$embedding, default$embedding)
  }
})

test_that("umap(fmnist, seed = 42) has the golden bits on this machine", {
  fit <- umap(fmnist$pixels, seed = 42)
  expect_identical(dim(fit$embedding), c(3000L, 2L))
  expect_identical(bits_md5(fit$embedding), "501e91429f64f9ad643992ab38dbf86e")
  # (a change here that is intended, i.e. a change of the algorithm, needs a
  # new golden digest and a NEWS entry: results change for every user)
})
