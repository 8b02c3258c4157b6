# Graph in and out: similarity_graph(), umap(graph = ), return_extra and
# n_epochs = 0.

small_blobs <- function() {
  b <- three_blobs(n_per = 150, seed = 9)
  list(X = b$X, labels = b$labels)
}

test_that("similarity_graph() is umap()'s graph, with or without knn", {
  b <- small_blobs()
  fit <- umap(b$X, seed = 3, n_epochs = 10)
  G <- similarity_graph(b$X, seed = 3)
  expect_s4_class(G, "dgCMatrix")
  expect_identical(G, fit$graph)
  k <- nearest_neighbors(b$X, 30, seed = 3)
  expect_identical(similarity_graph(knn = k, n_neighbors = 20, seed = 3),
                   umap(b$X, knn = k, n_neighbors = 20, seed = 3, n_epochs = 10)$graph)
  expect_identical(similarity_graph(b$X, n_neighbors = 10, set_op_mix_ratio = 0.5,
                                    local_connectivity = 2, metric = "manhattan",
                                    seed = 3, n_threads = 1),
                   umap(b$X, n_neighbors = 10, set_op_mix_ratio = 0.5,
                        local_connectivity = 2, metric = "manhattan", seed = 3,
                        n_threads = 2, n_epochs = 10)$graph)
})

test_that("umap(graph = fit$graph) is identical to umap(X), for any n_threads", {
  b <- small_blobs()
  # the default epochs with 1 thread, fewer with 2 (kept fast)
  for (nt in 1:2) {
    ep <- if (nt == 1) NULL else 100
    fit <- umap(b$X, seed = 21, n_threads = nt, n_epochs = ep)
    again <- umap(graph = fit$graph, seed = 21, n_threads = nt, n_epochs = ep)
    expect_identical(again$embedding, fit$embedding, info = nt)
    expect_identical(again$graph, fit$graph)
  }
  expect_identical(umap(graph = fit$graph, seed = 21, n_threads = 1, n_epochs = 100)$embedding,
                   fit$embedding)
  # supervised graphs too, and other parameters pass through
  sup <- umap(b$X, y = factor(b$labels), seed = 2, min_dist = 0.5, n_components = 3,
              init = "random", n_epochs = 100)
  again <- umap(graph = sup$graph, seed = 2, min_dist = 0.5, n_components = 3,
                init = "random", n_epochs = 100)
  expect_identical(again$embedding, sup$embedding)
  expect_null(again$knn)
  expect_true(is.na(again$n_neighbors))
  expect_output(print(again), "laid out from a given graph")
  expect_output(print(summary(again)), "k-NN: none, laid out from a given graph")
  expect_output(print(summary(sup)), "supervised: categorical target, target_weight 0.5")
  expect_error(predict(again, b$X[1:3, ]), "from a `graph`")
})

test_that("any symmetric non-negative graph is laid out; the user's graph is kept", {
  b <- small_blobs()
  # a shared-nearest-neighbour graph, as Seurat builds one (Jaccard overlap)
  k <- nearest_neighbors(b$X, 10, seed = 1)$indices
  n <- nrow(k)
  A <- Matrix::sparseMatrix(i = rep(seq_len(n), 10), j = as.vector(k), x = 1, dims = c(n, n))
  S <- Matrix::tcrossprod(A)
  S <- methods::as(S / (20 - S), "CsparseMatrix")
  S <- Matrix::drop0(S)
  expect_true(Matrix::isSymmetric(S))
  S0 <- S
  fit <- umap(graph = S, seed = 1, n_epochs = 100)
  expect_identical(S, S0)
  expect_true(all(is.finite(fit$embedding)))
  expect_gte(pure_neighbourhoods(fit$embedding, b$labels, 15), 0.95)
  # the diagonal is ignored; a dense base matrix and a symmetric class work
  expect_identical(umap(graph = as.matrix(S), seed = 1, n_epochs = 100)$embedding,
                   fit$embedding)
  expect_identical(umap(graph = methods::as(S, "symmetricMatrix"), seed = 1,
                        n_epochs = 100)$embedding, fit$embedding)
  D <- S
  Matrix::diag(D) <- 0
  expect_identical(umap(graph = Matrix::drop0(D), seed = 1, n_epochs = 100)$embedding,
                   fit$embedding)
  # row names come from the graph
  named <- S
  dimnames(named) <- list(paste0("c", seq_len(n)), paste0("c", seq_len(n)))
  expect_identical(rownames(umap(graph = named, seed = 1, n_epochs = 5)$embedding),
                   paste0("c", seq_len(n)))
  # an isolated vertex is a component of its own
  iso <- S
  iso[5, ] <- 0
  iso[, 5] <- 0
  e <- umap(graph = Matrix::drop0(iso), seed = 1, n_epochs = 50)$embedding
  expect_true(all(is.finite(e)))
})

test_that("bad graphs give clear errors", {
  b <- small_blobs()
  G <- similarity_graph(b$X, seed = 1)
  asym <- G
  asym[1, 2] <- 0.77
  expect_error(umap(graph = asym), "`graph` must be symmetric")
  one_way <- G
  one_way[1, which(G[1, ] == 0 & seq_len(nrow(G)) != 1)[1]] <- 0.5
  expect_error(umap(graph = one_way), "`graph` must be symmetric: some edges are present in one direction only")
  neg <- G
  neg@x[1] <- -0.1
  expect_error(umap(graph = neg), "`graph` contains negative weights")
  nan <- G
  nan@x[2] <- NaN
  expect_error(umap(graph = nan), "`graph` contains NA or NaN weights")
  inf <- G
  inf@x[2] <- Inf
  expect_error(umap(graph = inf), "`graph` contains infinite weights")
  expect_error(umap(graph = G[, -1]), "`graph` must be square .* not 450 x 449")
  expect_error(umap(graph = G[1:2, 1:2]), "`graph` must have at least 3 rows, not 2")
  expect_error(umap(graph = list(1)), "`graph` must be a square, symmetric, non-negative sparse matrix")
  expect_error(umap(graph = Matrix::Matrix(0, 5, 5, sparse = TRUE)), "`graph` has no edges")
  expect_error(umap(b$X, graph = G), "give either `graph` or the data")
  expect_error(umap(graph = G, knn = nearest_neighbors(b$X, 15)), "give either `graph` or the data")
  expect_error(umap(graph = G, init = "pca"), "`init` = \"pca\" needs the data")
  expect_error(umap(graph = G, return_extra = "sigma"), "not available with `graph`")
  expect_error(umap(graph = G, init = matrix(0, 10, 2)), "`init` must have 450 rows")
  expect_error(umap(), "`X` can be NULL only when `knn` or `graph` is given")
  expect_error(umap_grid(b$X, graph = G), "`graph` cannot be passed to umap_grid")
})

test_that("return_extra keeps each row's sigma and rho", {
  X <- as.matrix(iris[, 1:4]) + seq(0, 1e-3, length.out = 150)
  fit <- umap(X, n_neighbors = 10, return_extra = c("sigma", "rho"), seed = 1, n_epochs = 5)
  expect_length(fit$sigma, 150)
  expect_length(fit$rho, 150)
  d <- fit$knn$distances[, 1:10]
  # rho: distance to the nearest other row
  expect_equal(fit$rho, apply(d, 1, function(r) min(r[r > 0])))
  # sigma: sum over neighbours of exp(-(d - rho) / sigma) = log2(k)
  psum <- rowSums(exp(-pmax(d[, -1] - fit$rho, 0) / fit$sigma))
  expect_equal(psum, rep(log2(10), 150), tolerance = 1e-4)
  only <- umap(X, n_neighbors = 10, return_extra = "rho", seed = 1, n_epochs = 5)
  expect_identical(only$rho, fit$rho)
  expect_null(only$sigma)
  expect_null(umap(X, seed = 1, n_epochs = 5)$sigma)
  expect_error(umap(X, return_extra = "density"),
               "`return_extra` must be NULL or a character vector of \"sigma\", \"rho\", not \"density\"")
  expect_error(umap(X, return_extra = 1), "`return_extra` must be")
})

test_that("n_epochs = 0 returns the initial layout scaled to [0, 10]", {
  b <- small_blobs()
  for (init in c("spectral", "pca", "random")) {
    e0 <- umap(b$X, n_epochs = 0, init = init, seed = 4)$embedding
    expect_equal(unname(apply(e0, 2, min)), c(0, 0), info = init)
    expect_equal(unname(apply(e0, 2, max)), c(10, 10), info = init)
    expect_identical(umap(b$X, n_epochs = 0, init = init, seed = 4, n_threads = 1)$embedding,
                     umap(b$X, n_epochs = 0, init = init, seed = 4, n_threads = 2)$embedding)
  }
  # the spectral layout separates the blobs already
  e0 <- umap(b$X, n_epochs = 0, seed = 4)$embedding
  expect_gte(pure_neighbourhoods(e0, b$labels, 15), 0.99)
  M <- cbind(seq_len(450), (seq_len(450) %% 7) * 3)
  e <- umap(b$X, n_epochs = 0, init = M, seed = 4)$embedding
  expect_equal(unname(e), 10 * sweep(sweep(M, 2, apply(M, 2, min)), 2,
                                     apply(M, 2, function(v) diff(range(v))), "/"))
})
