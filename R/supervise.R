# Supervised UMAP and graph input/output: the target (y) checks, the
# intersection of the data's fuzzy graph with the labels' or the target's
# graph (in C, src/core/supervise.c), the checks of a user's graph, and
# similarity_graph().

# y as the C code wants it: list(kind = "categorical", labels = integer codes
# with -1 for NA) or list(kind = "numeric", data = n x d double matrix).
check_target <- function(y, n) {
  if (is.factor(y) || is.character(y) || is.logical(y)) {
    if (!is.null(dim(y))) stop_arg("y", y, "a vector (factor, character, logical or numeric) or a numeric matrix")
    if (length(y) != n) {
      stop(sprintf("`y` must have one value per row of the data (%d), not %d.", n, length(y)),
           call. = FALSE)
    }
    codes <- as.integer(if (is.factor(y)) y else factor(y))
    codes[is.na(codes)] <- 0L
    return(list(kind = "categorical", labels = codes - 1L))
  }
  if (is.data.frame(y)) {
    ok <- vapply(y, is.numeric, logical(1))
    if (!all(ok)) {
      stop("`y` is a data frame with non-numeric columns: give a factor (categorical labels) or numeric columns only.",
           call. = FALSE)
    }
    y <- as.matrix(y)
  }
  if (is.numeric(y) && (is.null(dim(y)) || is.matrix(y))) {
    m <- if (is.matrix(y)) unname(y) else matrix(as.double(y), ncol = 1L)
    if (nrow(m) != n) {
      stop(sprintf("`y` must have one value per row of the data (%d), not %d.", n, nrow(m)),
           call. = FALSE)
    }
    if (ncol(m) < 1L) stop_arg("y", y, "a numeric matrix with at least one column")
    if (anyNA(m) || any(!is.finite(m))) {
      stop("numeric `y` contains NA, NaN or infinite values: numeric targets must be finite (for unlabelled rows use a factor with NA).",
           call. = FALSE)
    }
    storage.mode(m) <- "double"
    check_magnitude(max(abs(m)), "y")
    return(list(kind = "numeric", data = m))
  }
  stop_arg("y", y, "NULL, a factor, character or logical vector (categorical labels, NA for unlabelled), or a numeric vector or matrix")
}

# Metrics a numeric target may use: the core's, except minkowski (it would
# need a p of its own), and umap-learn's aliases l1 and l2.
target_metric_names <- function() c(setdiff(metric_names(), "minkowski"), "l1", "l2")

# The resolved target options; for a numeric target also its data, checked
# for the metric (list as prepare_data() returns).
check_target_args <- function(target, target_n_neighbors, target_metric,
                              target_weight, n_neighbors, n) {
  target_weight <- check_number(target_weight, "target_weight", lower = 0, upper = 1)
  if (identical(target_metric, "minkowski")) {
    stop("`target_metric` = \"minkowski\" is not available (it would need a `metric_p` of its own); use \"l1\", \"l2\" or \"chebyshev\".",
         call. = FALSE)
  }
  target_metric <- check_choice(target_metric, "target_metric", target_metric_names())
  if (is.null(target_n_neighbors)) {
    target_n_neighbors <- if (is.na(n_neighbors)) min(15L, n - 1L) else n_neighbors
  } else {
    target_n_neighbors <- check_number(target_n_neighbors, "target_n_neighbors", lower = 2,
                                       upper = n, upper_open = TRUE, integer = TRUE)
  }
  metric <- switch(target_metric, l1 = "manhattan", l2 = "euclidean", target_metric)
  data <- NULL
  if (target$kind == "numeric") {
    data <- prepare_data(target$data, arg = "y", accept_dist = FALSE, metric = metric)
    check_metric_data(data, metric, arg = "y")
  }
  list(n_neighbors = as.integer(target_n_neighbors), metric = metric,
       weight = target_weight, data = data)
}

# The data graph g (list(p, i, x), symmetric) combined with the target as
# umap-learn does: categorical labels scale the edges (far_dist grows with
# target_weight), a numeric target gets its own fuzzy graph, intersected with
# g at target_weight; either way the local connectivity is reset.
supervise_graph <- function(g, target, targ, seed, n_threads, verbose) {
  if (target$kind == "categorical") {
    far_dist <- if (targ$weight < 1) 2.5 / (1 - targ$weight) else 1e12
    if (verbose) say("categorical intersection with the labels (far_dist = ",
                     format(far_dist, digits = 4), ")")
    return(.Call(C_umapc_call_categorical_intersection, g, target$labels,
                 list(unknown_dist = 1, far_dist = far_dist)))
  }
  tknn <- knn_search(targ$data, targ$n_neighbors, targ$metric, "auto", seed, n_threads,
                     verbose)
  tg <- fuzzy_graph(tknn, 1, 1, n_threads)
  if (verbose) say("intersection with the target graph (target_weight = ",
                   targ$weight, ")")
  .Call(C_umapc_call_general_intersection, g, tg,
        list(target_weight = targ$weight))
}

# A user's graph as list(p, i, x, n, rownames): a symmetric, non-negative,
# finite square matrix (any Matrix sparse or dense class, or a base matrix);
# the diagonal and explicit zeros are dropped. Never modifies `graph`.
check_graph <- function(graph) {
  expected <- "a square, symmetric, non-negative sparse matrix (e.g. a dgCMatrix such as fit$graph, a Seurat Graph, an igraph adjacency matrix)"
  if (is.matrix(graph) && (is.numeric(graph) || is.logical(graph))) {
    graph <- Matrix::Matrix(graph, sparse = TRUE)
  }
  if (!inherits(graph, "Matrix")) stop_arg("graph", graph, expected)
  d <- dim(graph)
  if (d[1] != d[2]) {
    stop(sprintf("`graph` must be square (one row and one column per vertex), not %d x %d.",
                 d[1], d[2]), call. = FALSE)
  }
  rn <- rownames(graph)
  G <- tryCatch(methods::as(methods::as(methods::as(graph, "CsparseMatrix"),
                                        "generalMatrix"), "dMatrix"),
                error = function(e) stop_arg("graph", graph, expected))
  G@Dimnames <- list(NULL, NULL)
  if (anyNA(G@x)) stop("`graph` contains NA or NaN weights; weights must be finite and >= 0.", call. = FALSE)
  if (any(!is.finite(G@x))) stop("`graph` contains infinite weights; weights must be finite and >= 0.", call. = FALSE)
  if (any(G@x < 0)) {
    stop(sprintf("`graph` contains negative weights (the smallest is %s); weights must be >= 0.",
                 format(min(G@x), digits = 4)), call. = FALSE)
  }
  check_rows(d[1], "graph")
  if (any(Matrix::diag(G) != 0)) Matrix::diag(G) <- 0
  G <- Matrix::drop0(G)
  Gt <- Matrix::t(G)
  if (!identical(G@p, Gt@p) || !identical(G@i, Gt@i) || !identical(G@x, Gt@x)) {
    diff <- if (identical(G@p, Gt@p) && identical(G@i, Gt@i)) max(abs(G@x - Gt@x)) else Inf
    stop(sprintf("`graph` must be symmetric: %s (symmetrise it first, e.g. (G + t(G)) / 2 or pmax(G, t(G))).",
                 if (is.finite(diff)) sprintf("G[i, j] and G[j, i] differ by up to %s", format(diff, digits = 3))
                 else "some edges are present in one direction only"), call. = FALSE)
  }
  if (!length(G@x)) stop("`graph` has no edges (every off-diagonal weight is 0).", call. = FALSE)
  list(p = G@p, i = G@i, x = G@x, n = d[1], rownames = rn)
}

#' The fuzzy graph of UMAP, without a layout
#'
#' Computes the symmetric fuzzy simplicial set that [umap()] lays out (its
#' `$graph`): nearest neighbours of `X` (or `knn` as given), smooth k-NN
#' distances and memberships, the fuzzy union, and, with `y`, the
#' intersection with the labels or target. Use it to cluster on UMAP's graph,
#' to inspect it, or to lay it out later with `umap(graph = )`.
#'
#' @inheritParams umap
#' @return A symmetric `Matrix::dgCMatrix` with one row and column per row of
#'   `X`, identical to `umap(X, ...)$graph` for the same
#'   arguments and `seed`.
#' @seealso [umap()] (`graph =` lays out a graph).
#' @examples
#' G <- similarity_graph(iris[, 1:4], n_neighbors = 10, seed = 1, n_threads = 2)
#' dim(G)
#' fit <- umap(graph = G, seed = 1, n_threads = 2)
#' plot(fit, labels = iris$Species)
#' @export
similarity_graph <- function(X = NULL, n_neighbors = 15, metric = "euclidean",
                             set_op_mix_ratio = 1, local_connectivity = 1,
                             knn = NULL, y = NULL, target_n_neighbors = NULL,
                             target_metric = "euclidean", target_weight = 0.5,
                             seed = NULL, n_threads = NULL, verbose = FALSE,
                             method = c("auto", "exact", "nndescent"),
                             metric_p = NULL) {
  # umap() itself, stopped after the graph: the two cannot drift apart
  fit <- umap_impl(X, n_neighbors, 2L, metric, 0.1, 1, 0L, 1, "random",
                   set_op_mix_ratio, local_connectivity, 1, 5, NULL, NULL, knn,
                   seed, n_threads, verbose, method, FALSE, metric_p = metric_p,
                   y = y, target_n_neighbors = target_n_neighbors,
                   target_metric = target_metric, target_weight = target_weight,
                   nn_default = missing(n_neighbors),
                   metric_given = !missing(metric), graph_only = TRUE)
  fit$graph
}
