#' Nearest neighbours of every row
#'
#' Finds the `n_neighbors` nearest neighbours of every row of `X` (the row
#' itself included, in column 1 at distance 0). Compute them once at the
#' largest `n_neighbors` you need and pass the result to [umap()] as `knn`:
#' it is pruned to each smaller `n_neighbors` and the search is skipped.
#'
#' @param X A numeric matrix (or data frame of numeric columns, integer or
#'   logical matrix) with one observation per row, a sparse
#'   `Matrix::dgCMatrix`, or a `dist` object of precomputed distances.
#' @param n_neighbors Number of neighbours per row, counting the row itself;
#'   a whole number from 2 to `nrow(X)`.
#' @param metric Distance: `"euclidean"`, `"cosine"`, `"manhattan"`,
#'   `"correlation"` or `"hamming"` (share of coordinates that differ). A
#'   `dist` input implies `"precomputed"`.
#' @param method `"exact"` (blocked brute force), `"nndescent"` (approximate:
#'   random-projection forest then nearest-neighbour descent), or `"auto"`:
#'   the cheaper of the two: exact below 4,096 rows (for the euclidean, cosine
#'   and correlation metrics, below 120 x `n_neighbors` rows when that is
#'   more), NN-descent above.
#' @param seed `NULL` (draws one integer from R's random number generator, so
#'   [set.seed()] works) or a whole number. Only NN-descent uses random
#'   numbers; the seed is recorded either way.
#' @param n_threads Number of threads; `NULL` uses
#'   `getOption("umapc.n_threads")`, else all processors (2 under
#'   `R CMD check`). Results do not depend on it.
#' @param verbose Print timestamped progress messages.
#' @param n_trees,leaf_size,n_iters,max_candidates,delta NN-descent tuning;
#'   `NULL` takes the defaults, which scale with the data: `n_trees = min(64,
#'   5 + round(sqrt(n) / 20))`, `leaf_size = max(60, min(256, 5 * k))`,
#'   `n_iters = max(5, round(log2(n)))`, `max_candidates = 60`,
#'   `delta = 0.001` (stop when fewer than `delta * n * k` neighbours change
#'   in an iteration).
#'
#' @return A `umap_knn` object: a list with `indices` (n x k integer matrix,
#'   1-based), `distances` (n x k double matrix, ascending along each row,
#'   ties broken by the lower index), and the `metric`, `method`, `seed` and
#'   `k` used.
#' @seealso [umap()], [as_umap_knn()] for neighbours computed elsewhere.
#' @examples
#' knn <- nearest_neighbors(iris[, 1:4], n_neighbors = 30, n_threads = 2)
#' knn
#' # reuse it at several n_neighbors without searching again
#' e5 <- umap(iris[, 1:4], n_neighbors = 5, knn = knn, seed = 1, n_threads = 2)
#' e30 <- umap(iris[, 1:4], n_neighbors = 30, knn = knn, seed = 1, n_threads = 2)
#' @export
nearest_neighbors <- function(X, n_neighbors = 15, metric = "euclidean",
                              method = c("auto", "exact", "nndescent"),
                              seed = NULL, n_threads = NULL, verbose = FALSE,
                              n_trees = NULL, leaf_size = NULL, n_iters = NULL,
                              max_candidates = NULL, delta = NULL) {
  seed <- resolve_seed(seed)
  data <- prepare_data(X)
  check_knn_args(data, n_neighbors, metric, method, n_threads, verbose)
  n_neighbors <- check_number(n_neighbors, "n_neighbors", lower = 2, upper = data$n,
                              integer = TRUE)
  if (identical(method, c("auto", "exact", "nndescent"))) method <- "auto"
  use_kernels()
  knn_search(data, n_neighbors, metric, method, seed, resolve_threads(n_threads),
             verbose,
             nnd_params(n_trees, leaf_size, n_iters, max_candidates, delta))
}

check_knn_args <- function(data, n_neighbors, metric, method, n_threads, verbose) {
  check_rows(data$n)
  check_metric(metric)
  if (!identical(method, c("auto", "exact", "nndescent"))) {
    check_choice(method, "method", c("auto", "exact", "nndescent"))
  }
  check_flag(verbose, "verbose")
  if (data$kind == "dist" && !metric %in% c("euclidean", "precomputed")) {
    stop(sprintf("`metric` = \"%s\" cannot be used with a `dist` object: its distances are used as they are (metric \"precomputed\").",
                 metric), call. = FALSE)
  }
  if (data$kind != "dist" && metric == "precomputed") {
    stop("`metric` = \"precomputed\" needs `X` to be a `dist` object.", call. = FALSE)
  }
  if (data$kind == "sparse" && !metric %in% c("euclidean", "cosine")) {
    stop(sprintf("`metric` = \"%s\" is not available for sparse `X`; use \"euclidean\" or \"cosine\", or as.matrix(X).",
                 metric), call. = FALSE)
  }
  invisible(TRUE)
}

# "auto": the cheaper search. Exact search costs about n^2 d, NN-descent
# about n k d (times a slowly growing factor); on blocked dot products
# (euclidean, cosine, correlation) exact search is faster below roughly
# 120 k rows (measured on Fashion-MNIST, bench/knn.R: at 20,000 rows and
# k = 250, 8.2 s exact against 10.2 s NN-descent; at 70,000 rows and
# k = 15, 70 s against 3.6 s).
auto_method <- function(n, k, metric) {
  limit <- 4096
  if (metric %in% c("euclidean", "cosine", "correlation")) limit <- max(limit, 120 * k)
  if (n < limit) "exact" else "nndescent"
}

nnd_params <- function(n_trees = NULL, leaf_size = NULL, n_iters = NULL,
                       max_candidates = NULL, delta = NULL) {
  or0 <- function(x, arg, lower, integer = TRUE) {
    if (is.null(x)) return(0)
    check_number(x, arg, lower = lower, integer = integer)
  }
  c(or0(n_trees, "n_trees", 1), or0(leaf_size, "leaf_size", 2),
    or0(n_iters, "n_iters", 1), or0(max_candidates, "max_candidates", 1),
    if (is.null(delta)) 0 else check_number(delta, "delta", lower = 0, upper = 1))
}

# The search itself, on prepared data. Shared by nearest_neighbors() and
# umap() so both paths run exactly the same code with the same seed.
knn_search <- function(data, k, metric, method, seed, n_threads, verbose,
                       params = nnd_params()) {
  if (data$kind == "dist") {
    res <- .Call(C_umapc_knn_dist_r, as.double(data$data), k, n_threads)
    return(new_umap_knn(res$indices, res$distances, metric = "precomputed",
                        method = "exact", seed = seed))
  }
  if (method == "auto") method <- auto_method(data$n, k, metric)
  if (verbose) say("nearest neighbours: ", method, ", ", metric, ", k = ", k,
                   ", ", data$n, " rows")
  res <- .Call(C_umapc_knn, data$data, NULL, k, metric_codes[[metric]],
               if (method == "nndescent") 1L else 0L, seed, n_threads,
               verbose, params)
  new_umap_knn(res$indices, res$distances, metric = metric, method = method,
               seed = seed)
}

say <- function(...) {
  message(format(Sys.time(), "%H:%M:%S"), " ", ...)
}
