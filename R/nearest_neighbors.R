#' Nearest neighbours of every row
#'
#' Finds the `n_neighbors` nearest neighbours of every row of `X` (the row
#' itself included, in column 1 at distance 0). Compute them once at the
#' largest `n_neighbors` you need and pass the result to [umap()] as `knn`:
#' it is pruned to each smaller `n_neighbors` and the search is skipped.
#'
#' @param X A numeric matrix (or integer or logical matrix) with one
#'   observation per row; a data frame (its numeric and logical columns are
#'   used, others dropped with a warning) or an S4Vectors `DataFrame`; a
#'   sparse `Matrix::dgCMatrix` (other `Matrix` classes, and DelayedArray's
#'   `DelayedMatrix`, are converted, sparse ones to a `dgCMatrix`); a `dist`
#'   object of precomputed distances; or a `SingleCellExperiment` (see
#'   [umapc-bioconductor]).
#' @param ... Arguments for methods; on a matrix, the ones below.
#' @param n_neighbors Number of neighbours per row, counting the row itself;
#'   a whole number from 2 to `nrow(X)`.
#' @param metric Distance between rows, as umap-learn defines them:
#'   `"euclidean"`, `"cosine"`, `"manhattan"`, `"correlation"`,
#'   `"chebyshev"` (largest absolute difference), `"minkowski"` (give
#'   `metric_p`), `"canberra"`, `"braycurtis"`, `"hellinger"` (non-negative
#'   data, e.g. counts or proportions), `"jaccard"` and `"dice"` (0/1 or
#'   logical data), or `"hamming"` (share of columns whose values differ;
#'   columns may also be factors, characters or logical, `NA` counts as a
#'   category of its own). A `dist` input implies `"precomputed"`. Every
#'   metric accepts a `dgCMatrix` (see Details of [nearest_neighbors()]).
#'   Under cosine, correlation,
#'   hellinger, jaccard and dice an all-zero row is at distance 0 from other
#'   all-zero rows and 1 from every other row.
#' @param metric_p The exponent of the minkowski distance
#'   `sum(abs(x - y)^p)^(1/p)`: a number from 1 to 64 (1 is manhattan,
#'   2 euclidean), required with `metric = "minkowski"` and refused with
#'   other metrics. Whole numbers are computed with exact powers, so results
#'   are the same on every platform; other values use the C library's
#'   `pow()`, whose last bits can differ between platforms.
#' @param method `"exact"` (blocked brute force), `"nndescent"` (approximate:
#'   random-projection forest then nearest-neighbour descent), or `"auto"`:
#'   the cheaper of the two: exact below 4,096 rows (for the euclidean,
#'   cosine, correlation, hellinger, jaccard and dice metrics, whose exact
#'   search runs on blocks of dot products, below 120 x `n_neighbors` rows
#'   when that is more), NN-descent above.
#' @param seed `NULL` (draws one integer from R's random number generator, so
#'   [set.seed()] works) or a whole number. Only NN-descent uses random
#'   numbers; the seed is recorded either way.
#' @param n_threads Number of threads; `NULL` uses
#'   `getOption("umapc.n_threads")`, else all processors (2 under
#'   `R CMD check`). Results do not depend on it.
#' @param verbose Report progress in timestamped messages (of class
#'   `umapc_progress`, which [suppressMessages()] silences).
#' @param n_trees,leaf_size,n_iters,max_candidates,delta NN-descent tuning;
#'   `NULL` takes the defaults, which scale with the data: `n_trees = min(64,
#'   5 + round(sqrt(n) / 20))`, `leaf_size = max(60, min(256, 5 * k))`,
#'   `n_iters = max(5, round(log2(n)))`, `max_candidates = 60`,
#'   `delta = 0.001` (stop when fewer than `delta * n * k` neighbours change
#'   in an iteration).
#'
#' @details A sparse `dgCMatrix` stays sparse for every metric except
#'   `"euclidean"` and `"correlation"` (which centre the data, and so work on
#'   a dense single-precision copy, `4 * nrow(X) * ncol(X)` bytes): the
#'   searches visit the non-zero entries only and give the dense input's
#'   results (`"manhattan"`, `"chebyshev"` and `"minkowski"`, which centre
#'   dense input for precision but not sparse input, agree with it to single
#'   precision).
#'
#'   Distances are computed in single precision, with sums in a fixed order
#'   and no fused multiply-add, so they are the same on every processor.
#'
#' @return A `umap_knn` object: a list with `indices` (n x k integer matrix,
#'   1-based), `distances` (n x k double matrix, ascending along each row,
#'   ties broken by the lower index), and the `metric`, `method`, `seed` and
#'   `k` used (and `metric_p` for minkowski).
#' @seealso [umap()], [as_umap_knn()] for neighbours computed elsewhere.
#' @examples
#' knn <- nearest_neighbors(iris[, 1:4], n_neighbors = 30, n_threads = 2)
#' knn
#' # reuse it at several n_neighbors without searching again
#' e5 <- umap(iris[, 1:4], n_neighbors = 5, knn = knn, seed = 1, n_threads = 2)
#' e30 <- umap(iris[, 1:4], n_neighbors = 30, knn = knn, seed = 1, n_threads = 2)
#' @export
nearest_neighbors <- function(X, ...) UseMethod("nearest_neighbors")

#' @rdname nearest_neighbors
#' @export
nearest_neighbors.default <- function(X, n_neighbors = 15, metric = "euclidean",
                                      method = c("auto", "exact", "nndescent"),
                                      seed = NULL, n_threads = NULL,
                                      verbose = FALSE, n_trees = NULL,
                                      leaf_size = NULL, n_iters = NULL,
                                      max_candidates = NULL, delta = NULL,
                                      metric_p = NULL, ...) {
  check_dots(...)
  seed <- resolve_seed(seed)
  check_orientation(X)
  data <- prepare_data(X, metric = metric)
  check_knn_args(data, n_neighbors, metric, method, n_threads, verbose)
  metric_p <- check_metric_p(metric, metric_p)
  n_neighbors <- check_number(n_neighbors, "n_neighbors", lower = 2, upper = data$n,
                              integer = TRUE)
  if (identical(method, c("auto", "exact", "nndescent"))) method <- "auto"
  use_kernels()
  knn_search(data, n_neighbors, metric, method, seed, resolve_threads(n_threads),
             verbose,
             nnd_params(n_trees, leaf_size, n_iters, max_candidates, delta),
             metric_p)
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
  check_metric_data(data, metric)
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
  if (metric %in% dot_metrics) limit <- max(limit, 120 * k)
  if (n < limit) "exact" else "nndescent"
}

nnd_params <- function(n_trees = NULL, leaf_size = NULL, n_iters = NULL,
                       max_candidates = NULL, delta = NULL) {
  or0 <- function(x, arg, lower, integer = TRUE) {
    if (is.null(x)) return(0)
    check_number(x, arg, lower = lower, integer = integer)
  }
  list(n_trees = or0(n_trees, "n_trees", 1),
       leaf_size = or0(leaf_size, "leaf_size", 2),
       n_iters = or0(n_iters, "n_iters", 1),
       max_candidates = or0(max_candidates, "max_candidates", 1),
       delta = if (is.null(delta)) 0 else check_number(delta, "delta", lower = 0, upper = 1))
}

# The search itself, on prepared data. Shared by nearest_neighbors() and
# umap() so both paths run exactly the same code with the same seed.
knn_search <- function(data, k, metric, method, seed, n_threads, verbose,
                       params = nnd_params(), metric_p = NULL) {
  if (data$kind == "dist") {
    res <- .Call(C_umapc_call_knn_dist, as.double(data$data),
                 list(k = k, n_threads = n_threads))
    return(new_umap_knn(res$indices, res$distances, metric = "precomputed",
                        method = "exact", seed = seed))
  }
  if (method == "auto") method <- auto_method(data$n, k, metric)
  if (verbose) say("nearest neighbours: ", method, ", ", metric, ", k = ", k,
                   ", ", data$n, " rows")
  res <- .Call(C_umapc_call_knn, data$data, NULL,
               c(list(k = k, metric = metric, metric_p = metric_p_arg(metric_p),
                      method = method, seed = seed, n_threads = n_threads,
                      verbose = verbose), params))
  knn <- new_umap_knn(res$indices, res$distances, metric = metric,
                      method = method, seed = seed)
  if (!is.null(metric_p)) knn$metric_p <- metric_p
  knn
}

# Progress: a timestamped message of class "umapc_progress", so
# suppressMessages(), knitr and calling handlers treat it as any message.
say <- function(...) {
  text <- paste0(format(Sys.time(), "%H:%M:%S"), " ", ..., "\n")
  message(structure(class = c("umapc_progress", "message", "condition"),
                    list(message = text, call = NULL)))
}

# Called from the C code's progress reports (src/r_util.c).
progress_message <- function(stage, done, total) {
  say(stage, ": ", format(done, scientific = FALSE), " / ",
      format(total, scientific = FALSE))
}
