# Conversion of foreign k-NN formats to `umap_knn`, normalisation, validation,
# pruning and printing. The foreign objects are built by hand in the layout
# each package returns, so none of those packages is needed.

# Seven points on a line with ties: point 2 (at 2) is 2 from points 1 and 3,
# point 6 (at 10) is 1 from points 5 and 7. Ties go to the lower index.
pts <- c(0, 2, 4, 5, 9, 10, 11)

# Exact k-NN by brute force: self first, then by (distance, index).
ref_knn <- function(x, k) {
  d <- as.matrix(stats::dist(x))
  n <- length(x)
  idx <- t(vapply(seq_len(n), function(i) {
    o <- order(d[i, ], seq_len(n))
    c(i, setdiff(o, i))[seq_len(k)]
  }, integer(k)))
  dist <- matrix(d[cbind(rep(seq_len(n), k), as.vector(idx))], n, k)
  list(idx = idx, dist = dist)
}

ref4 <- ref_knn(pts, 4)                        # self included, k = 4
excl3 <- list(idx = ref4$idx[, -1, drop = FALSE],  # self excluded, 3 columns
              dist = ref4$dist[, -1, drop = FALSE])

expect_ref4 <- function(knn) {
  expect_s3_class(knn, "umap_knn")
  expect_identical(knn$indices, ref4$idx)
  expect_identical(knn$distances, ref4$dist)
  expect_identical(knn$k, 4L)
}

test_that("the reference graph is what the docs promise", {
  expect_identical(ref4$idx[2, ], c(2L, 1L, 3L, 4L))
  expect_identical(ref4$idx[6, ], c(6L, 5L, 7L, 4L))
  expect_identical(ref4$dist[, 1], rep(0, 7))
})

test_that("new_umap_knn builds the documented structure", {
  knn <- new_umap_knn(ref4$idx, ref4$dist, metric = "euclidean",
                      method = "exact", seed = 42L)
  expect_s3_class(knn, "umap_knn")
  expect_named(knn, c("indices", "distances", "metric", "method", "seed", "k"))
  expect_type(knn$indices, "integer")
  expect_type(knn$distances, "double")
  expect_identical(knn$k, 4L)
  expect_identical(knn$metric, "euclidean")
  expect_identical(knn$method, "exact")
  expect_identical(knn$seed, 42L)

  bare <- new_umap_knn(ref4$idx, ref4$dist)
  expect_identical(bare$metric, NA_character_)
  expect_identical(bare$method, NA_character_)
  expect_identical(bare$seed, NA_real_)

  expect_error(new_umap_knn(ref4$dist, ref4$dist), "is.integer\\(indices\\)")
  expect_error(new_umap_knn(ref4$idx, ref4$dist[, 1:3]), "identical\\(dim")
})

test_that("a umap_knn is validated and returned with its metadata", {
  knn <- new_umap_knn(ref4$idx, ref4$dist, metric = "cosine",
                      method = "nndescent", seed = 7L)
  expect_identical(as_umap_knn(knn), knn)
  expect_identical(as_umap_knn(knn, n = 7), knn)

  # A damaged umap_knn is caught, not passed through.
  broken <- knn
  broken$indices[3, 2] <- 99L
  expect_error(as_umap_knn(broken), "`knn` indices .*between 1 and 7.*99")
  expect_error(as_umap_knn(structure(list(a = 1), class = "umap_knn")),
               "lacks `indices`")

  # An unclassed umap_knn (plain list) is recognised by structure.
  expect_identical(as_umap_knn(unclass(knn)), knn)
})

test_that("a fitted umap object gives its $knn", {
  knn <- new_umap_knn(ref4$idx, ref4$dist, metric = "euclidean",
                      method = "exact", seed = 1L)
  fit <- structure(list(embedding = matrix(0, 7, 2), knn = knn), class = "umap")
  expect_identical(as_umap_knn(fit), knn)
  expect_identical(as_umap_knn(fit, n = 7), knn)
  expect_error(as_umap_knn(fit, n = 8), "7 rows but the data have n = 8")
  expect_error(as_umap_knn(structure(list(embedding = 1), class = "umap")),
               "without a `\\$knn`")
})

test_that("the umap package's object and list(indexes, distances) convert", {
  uk <- structure(list(indexes = ref4$idx, distances = ref4$dist),
                  class = "umap.knn")
  expect_ref4(as_umap_knn(uk))
  fit <- structure(list(layout = matrix(0, 7, 2), knn = uk), class = "umap")
  expect_ref4(as_umap_knn(fit))
})

test_that("uwot's list(idx, dist) (self included) converts unchanged", {
  expect_ref4(as_umap_knn(list(idx = ref4$idx, dist = ref4$dist)))
  expect_ref4(as_umap_knn(list(idx = ref4$idx, dist = ref4$dist), n = 7))
  # uwot's $nn from ret_nn = TRUE: named by metric.
  out <- as_umap_knn(list(euclidean = list(idx = ref4$idx, dist = ref4$dist)))
  expect_ref4(out)
  expect_identical(out$metric, "euclidean")
})

test_that("BiocNeighbors' list(index, distance) (self excluded) gets self prepended", {
  out <- as_umap_knn(list(index = excl3$idx, distance = excl3$dist))
  expect_ref4(out)           # 3 given neighbours + self = 4
  # BiocNeighbors may add other elements; they are ignored.
  out2 <- as_umap_knn(list(index = excl3$idx, distance = excl3$dist,
                           extra = "x"))
  expect_ref4(out2)
})

test_that("list(index, distance) with self in column 1 is taken as self-included", {
  out <- as_umap_knn(list(index = ref4$idx, distance = ref4$dist))
  expect_ref4(out)
  expect_identical(out$k, 4L)
})

test_that("RANN's list(nn.idx, nn.dists) converts", {
  expect_ref4(as_umap_knn(list(nn.idx = ref4$idx, nn.dists = ref4$dist)))
})

test_that("FNN's list(nn.index, nn.dist) (self excluded) gets self prepended", {
  out <- as_umap_knn(list(nn.index = excl3$idx, nn.dist = excl3$dist), n = 7)
  expect_ref4(out)
  # One neighbour given: self + 1 = the minimum of 2 columns.
  one <- as_umap_knn(list(nn.index = excl3$idx[, 1, drop = FALSE],
                          nn.dist = excl3$dist[, 1, drop = FALSE]))
  expect_identical(one$indices, ref4$idx[, 1:2])
  expect_identical(one$k, 2L)
})

test_that("a Seurat-like Neighbor S4 object converts without Seurat", {
  where <- new.env()
  methods::setClass("umapcTestNeighbor",
                    representation(nn.idx = "matrix", nn.dist = "matrix",
                                   alg.idx = "ANY", alg.info = "list",
                                   cell.names = "character"),
                    where = where)
  on.exit(methods::removeClass("umapcTestNeighbor", where = where), add = TRUE)
  nb <- methods::new("umapcTestNeighbor", nn.idx = ref4$idx,
                     nn.dist = ref4$dist, alg.info = list(),
                     cell.names = paste0("cell", 1:7))
  expect_ref4(as_umap_knn(nb))
  expect_ref4(as_umap_knn(nb, n = 7))

  nb_bad <- methods::new("umapcTestNeighbor", nn.idx = ref4$idx,
                         nn.dist = -ref4$dist, alg.info = list(),
                         cell.names = character())
  expect_error(as_umap_knn(nb_bad), "`knn@nn.dist`")
})

sparse_from <- function(idx, dist, n = nrow(idx)) {
  # uwot's orientation: column i holds i's neighbours (rows) and distances.
  Matrix::sparseMatrix(i = as.vector(t(idx)), j = rep(seq_len(n), each = ncol(idx)),
                       x = as.vector(t(dist)), dims = c(n, n))
}

test_that("a sparse distance matrix (column i = neighbours of i) converts", {
  sp <- sparse_from(excl3$idx, excl3$dist)
  expect_s4_class(sp, "dgCMatrix")
  expect_ref4(as_umap_knn(sp))
  expect_ref4(as_umap_knn(sp, n = 7))

  # Self stored as explicit zeros on the diagonal: self is still (re)added once.
  sp_self <- sparse_from(ref4$idx, ref4$dist)
  expect_identical(diff(sp_self@p), rep(4L, 7))
  expect_ref4(as_umap_knn(sp_self))

  # Other sparse classes are coerced.
  expect_ref4(as_umap_knn(methods::as(sp, "TsparseMatrix")))
})

test_that("sparse matrices with unequal column counts or wrong shape are refused", {
  sp <- sparse_from(excl3$idx, excl3$dist)
  sp2 <- sp
  sp2[ref4$idx[5, 2], 5] <- 0
  sp2 <- Matrix::drop0(sp2)
  expect_error(as_umap_knn(sp2),
               "same number of neighbours in every column.*most columns store 3 but column 5 store 2")
  sp3 <- Matrix::drop0(sp)
  sp3[1, 6] <- 11
  sp3[1, 7] <- 11
  expect_error(as_umap_knn(sp3), "columns 6, 7 store 4")
  expect_error(as_umap_knn(sp[, 1:6]), "must be square.*7 x 6")
  expect_error(as_umap_knn(sp, n = 8), "7 x 7 but the data have n = 8")
  neg <- sp
  neg[2, 1] <- -1
  expect_error(as_umap_knn(neg), "finite numbers >= 0.*-1 in column 1, row 2")
  expect_error(as_umap_knn(methods::as(sp, "nMatrix")), "pattern matrix")
})

test_that("integer-valued double indices are accepted and stored as integer", {
  out <- as_umap_knn(list(idx = ref4$idx + 0, dist = ref4$dist))
  expect_type(out$indices, "integer")
  expect_ref4(out)
})

test_that("self elsewhere in a row is moved to column 1 at distance 0", {
  # Duplicate points 1 and 2: the search may put 2 before 1 in 1's row.
  idx <- rbind(c(2L, 1L, 3L), c(2L, 1L, 3L), c(3L, 2L, 1L))
  dist <- rbind(c(0, 0, 1), c(0, 0, 1), c(0, 1, 1))
  out <- as_umap_knn(list(idx = idx, dist = dist))
  expect_identical(out$indices, rbind(c(1L, 2L, 3L), c(2L, 1L, 3L), c(3L, 1L, 2L)))
  expect_identical(out$distances, rbind(c(0, 0, 1), c(0, 0, 1), c(0, 1, 1)))

  # A small non-zero self distance (floating point) is set to 0.
  d2 <- ref4$dist
  d2[4, 1] <- 1e-9
  expect_ref4(as_umap_knn(list(nn.idx = ref4$idx, nn.dists = d2)))
})

test_that("rows missing self get it prepended and lose their farthest neighbour", {
  idx <- ref4$idx
  dist <- ref4$dist
  # An approximate search missed self in row 3: row holds 4 other neighbours.
  idx[3, ] <- c(4L, 2L, 1L, 5L)
  dist[3, ] <- c(1, 2, 4, 5)
  out <- as_umap_knn(list(idx = idx, dist = dist))
  expect_identical(out$k, 4L)
  expect_identical(out$indices[3, ], c(3L, 4L, 2L, 1L))
  expect_identical(out$distances[3, ], c(0, 1, 2, 4))
  expect_identical(out$indices[-3, ], ref4$idx[-3, ])
})

test_that("rows are sorted by distance, ties by lower index", {
  idx <- ref4$idx
  dist <- ref4$dist
  perm <- c(1, 4, 2, 3)
  idx[2, ] <- idx[2, perm]
  dist[2, ] <- dist[2, perm]
  idx[6, ] <- c(6L, 7L, 5L, 4L)   # 7 and 5 tie at distance 1
  idx[1, ] <- idx[1, c(4, 3, 2, 1)]  # self last, everything reversed
  dist[1, ] <- dist[1, c(4, 3, 2, 1)]
  out <- as_umap_knn(list(idx = idx, dist = dist))
  expect_ref4(out)
  expect_true(all(apply(out$distances, 1, function(r) !is.unsorted(r))))
})

test_that("the caller's object is never modified", {
  idx <- ref4$idx[7:1, ]
  inputs <- list(
    list(idx = ref4$idx[, 4:1], dist = ref4$dist[, 4:1]),
    list(nn.index = excl3$idx + 0, nn.dist = excl3$dist),
    list(index = excl3$idx, distance = excl3$dist),
    sparse_from(excl3$idx, excl3$dist),
    new_umap_knn(ref4$idx, ref4$dist)
  )
  for (inp in inputs) {
    before <- inp
    snapshot <- unserialize(serialize(inp, NULL))
    out <- as_umap_knn(inp)
    expect_identical(inp, before)
    expect_identical(inp, snapshot)
    expect_ref4(out)
  }
})

test_that("unrecognised structures are refused with the list of accepted formats", {
  msg <- paste0("not a neighbour graph umapc recognises.*",
                "list\\(idx, dist\\).*list\\(index, distance\\).*",
                "list\\(nn.idx, nn.dists\\).*list\\(nn.index, nn.dist\\).*",
                "Neighbor.*sparse")
  expect_error(as_umap_knn(ref4$idx), msg)
  expect_error(as_umap_knn(ref4$idx), "got an integer matrix \\(7 x 4\\)")
  expect_error(as_umap_knn(list(a = ref4$idx, b = ref4$dist)),
               "elements a, b")
  expect_error(as_umap_knn(list(ref4$idx, ref4$dist)), "unnamed list")
  expect_error(as_umap_knn(data.frame(idx = 1:3, dist = 1:3)), "data frame")
  expect_error(as_umap_knn(NULL), msg)
  expect_error(as_umap_knn("knn"), msg)
})

test_that("malformed matrices are refused with the offending value and place", {
  good <- function(...) {
    x <- list(idx = ref4$idx, dist = ref4$dist)
    utils::modifyList(x, list(...))
  }
  # Not matrices.
  expect_error(as_umap_knn(good(idx = as.vector(ref4$idx))),
               "`knn\\$idx` must be a numeric matrix")
  expect_error(as_umap_knn(good(dist = matrix("a", 7, 4))),
               "`knn\\$dist` must be a numeric matrix.*character matrix")
  # Dimensions differ.
  expect_error(as_umap_knn(good(dist = ref4$dist[, 1:3])),
               "same dimensions.*7 x 4.*7 x 3")
  # Row count differs from n.
  expect_error(as_umap_knn(good(), n = 10), "has 7 rows but the data have n = 10")
  expect_error(as_umap_knn(good(), n = 0), "`n` must be NULL or a single whole number")
  expect_error(as_umap_knn(good(), n = 2.5), "`n` must be NULL")
  expect_error(as_umap_knn(list(idx = ref4$idx[0, ], dist = ref4$dist[0, ])),
               "no rows")

  bad_idx <- function(value, row = 3, col = 2) {
    i <- ref4$idx + 0
    i[row, col] <- value
    good(idx = i)
  }
  expect_error(as_umap_knn(bad_idx(NA)), "must not be NA.*row 3, column 2")
  expect_error(as_umap_knn(bad_idx(0)),
               "1-based.*has 0 at row 3, column 2.*add 1")
  expect_error(as_umap_knn(bad_idx(-4)), "has -4 at row 3, column 2")
  expect_error(as_umap_knn(bad_idx(8)),
               "between 1 and 7 \\(the number of rows\\).*has 8 at row 3, column 2")
  expect_error(as_umap_knn(bad_idx(2.5)), "whole numbers.*2.5 at row 3, column 2")
  # n given: bound is n.
  expect_error(as_umap_knn(bad_idx(9, row = 5, col = 4), n = 7),
               "between 1 and 7.*has 9 at row 5, column 4")

  bad_dist <- function(value, row = 4, col = 3) {
    d <- ref4$dist
    d[row, col] <- value
    good(dist = d)
  }
  expect_error(as_umap_knn(bad_dist(NA)), "must not be NA or NaN.*row 4, column 3")
  expect_error(as_umap_knn(bad_dist(NaN)), "must not be NA or NaN.*NaN at row 4, column 3")
  expect_error(as_umap_knn(bad_dist(-0.5)), ">= 0.*-0.5 at row 4, column 3")
  expect_error(as_umap_knn(bad_dist(Inf)), "must be finite.*Inf at row 4, column 3")
  expect_error(as_umap_knn(bad_dist(-Inf)), "must be finite.*-Inf at row 4, column 3")

  # Several offenders: the first is shown and the rest counted.
  i <- ref4$idx
  i[2:4, 3] <- 0L
  expect_error(as_umap_knn(good(idx = i)), "row 2, column 3 \\(and 2 more\\)")
})

test_that("fewer than 2 columns (counting self) is refused", {
  expect_error(as_umap_knn(list(idx = ref4$idx[, 1, drop = FALSE],
                                dist = ref4$dist[, 1, drop = FALSE])),
               "at least 2 neighbours per row.*it has 1")
  expect_error(as_umap_knn(list(nn.index = excl3$idx[, 0], nn.dist = excl3$dist[, 0])),
               "at least 2 neighbours per row")
})

test_that("a neighbour listed twice in a row is kept once, with one warning", {
  i <- ref4$idx
  i[2, ] <- c(2L, 1L, 1L, 4L)
  d <- ref4$dist
  d[2, ] <- c(0, 2, 2, 3)
  expect_warning(k <- as_umap_knn(list(idx = i, dist = d)),
                 "more than once in 1 row \\(row 2 lists 1 twice\\)")
  # the repeat dropped, the row filled up with itself at its largest distance
  expect_identical(k$indices[2, ], c(2L, 1L, 4L, 2L))
  expect_identical(k$distances[2, ], c(0, 2, 3, 3))
  expect_identical(k$indices[-2, ], ref4$idx[-2, ])
  i[2, ] <- c(2L, 1L, 2L, 4L)
  d[2, ] <- c(0, 2, 0, 3)
  i[5, ] <- c(5L, 5L, 6L, 7L)
  d[5, ] <- c(0, 0, 1, 2)
  w <- testthat::capture_warnings(k <- as_umap_knn(list(idx = i, dist = d)))
  expect_length(w, 1L)
  expect_match(w, "in 2 rows \\(row 2 lists 2 twice: duplicate data rows")
  expect_identical(k$indices[2, ], c(2L, 1L, 4L, 2L))
  expect_identical(k$indices[5, ], c(5L, 6L, 7L, 5L))
  expect_identical(k$distances[5, ], c(0, 1, 2, 2))
})

test_that("uwot's neighbours of data with duplicate rows are accepted", {
  # iris rows 102 and 143 are identical; uwot's exact search lists 143
  # twice in row 143 (and not 102). Built by hand in that layout:
  X <- as.matrix(iris[, 1:4])
  ref <- nearest_neighbors(X, 15, method = "exact")
  idx <- ref$indices
  dst <- ref$distances
  expect_identical(idx[143, 1:2], c(143L, 102L))
  idx[143, 2] <- 143L
  nn <- list(euclidean = list(idx = idx, dist = dst))
  expect_warning(k <- as_umap_knn(nn, n = 150), "row 143 lists 143 twice")
  expect_identical(k$indices[143, 1], 143L)
  expect_false(102L %in% k$indices[143, ])
  expect_identical(k$indices[143, 15], 143L)
  expect_identical(k$indices[-143, ], ref$indices[-143, ])
  fit <- suppressWarnings(umap(X, knn = nn, seed = 1, n_epochs = 20))
  expect_true(all(is.finite(fit$embedding)))
  skip_if_not_installed("uwot")
  set.seed(1)
  u <- uwot::umap(iris[, 1:4], ret_nn = TRUE, n_epochs = 1, n_threads = 1,
                  nn_method = "fnn")
  fit <- suppressWarnings(umap(iris[, 1:4], knn = u$nn, seed = 1, n_epochs = 20))
  expect_true(all(is.finite(fit$embedding)))
})

test_that("prune_knn keeps the first n_neighbors columns and the metadata", {
  big <- as_umap_knn(ref_knn(pts, 6))
  big$metric <- "euclidean"
  big$seed <- 3L
  small <- prune_knn(big, 4)
  expect_s3_class(small, "umap_knn")
  expect_identical(small$indices, ref4$idx)
  expect_identical(small$distances, ref4$dist)
  expect_identical(small$k, 4L)
  expect_identical(small$metric, "euclidean")
  expect_identical(small$seed, 3L)
  expect_identical(prune_knn(big, 6), big)
  # Pruning a sorted graph equals computing the smaller graph directly.
  expect_identical(prune_knn(big, 2L)$indices, ref_knn(pts, 2)$idx)
  # Foreign formats go through as_umap_knn first.
  expect_ref4(prune_knn(list(idx = ref4$idx, dist = ref4$dist), 4))
})

test_that("prune_knn refuses n_neighbors larger than k", {
  knn <- as_umap_knn(list(idx = ref4$idx, dist = ref4$dist))
  expect_error(
    prune_knn(knn, 10),
    paste0("`knn` has 4 neighbours per row \\(including self\\) but ",
           "n_neighbors = 10; compute it with ",
           "nearest_neighbors\\(X, n_neighbors = 10\\) or larger"))
  expect_error(prune_knn(knn, 1), "`n_neighbors` must be a single whole number >= 2")
  expect_error(prune_knn(knn, c(2, 3)), "`n_neighbors` must be")
})

test_that("print.umap_knn describes the graph compactly", {
  knn <- new_umap_knn(ref4$idx, ref4$dist, metric = "euclidean",
                      method = "exact", seed = 42L)
  expect_output(print(knn), "<umap_knn> 7 rows x 4 neighbours \\(including self\\)")
  expect_output(print(knn), "metric: euclidean, method: exact, seed: 42")
  expect_output(print(knn), "1 more rows")
  capture.output(res <- withVisible(print(knn)))
  expect_false(res$visible)
  expect_identical(res$value, knn)
  out <- capture.output(print(knn))
  expect_lte(length(out), 12L)
  expect_output(print(as_umap_knn(list(idx = ref4$idx, dist = ref4$dist))),
                "metric: NA, method: NA, seed: NA")
})

test_that("a Seurat Graph (similarities) is refused with a pointer to Neighbor", {
  where <- new.env()
  methods::setClass("Graph", contains = "dgCMatrix",
                    slots = c(assay.used = "character"), where = where)
  on.exit(methods::removeClass("Graph", where = where), add = TRUE)
  m <- Matrix::sparseMatrix(i = c(1, 2, 3, 1), j = c(2, 3, 1, 3), x = 0.5,
                            dims = c(3, 3))
  g <- methods::new("Graph", m, assay.used = "RNA")
  expect_error(as_umap_knn(g), "Seurat `Graph`, which holds similarities")
  expect_error(umap(NULL, knn = g, n_neighbors = 2), "return.neighbor = TRUE")
})
