#' Uniform Manifold Approximation and Projection
#'
#' Embeds the rows of `X` in `n_components` dimensions with UMAP (McInnes,
#' Healy and Melville, 2018). Every numerical step runs in C: the
#' nearest-neighbour search, the fuzzy simplicial set, the initial layout and
#' the stochastic optimisation.
#'
#' @section Reproducibility:
#' The `seed` drives an internal counter-based random number generator with
#' one independent stream per stage (neighbour search, initialisation,
#' layout), so:
#' * the same data, parameters and `seed` give bit-identical embeddings;
#' * `umap(X, seed = s)` is identical to
#'   `umap(X, knn = nearest_neighbors(X, n_neighbors, seed = s), seed = s)`;
#' * results do not depend on `n_threads`: rather than racing threads
#'   against each other, the layout moves each vertex with its own random
#'   numbers, reading the others' positions as they were at the start of its
#'   phase of the epoch (up to 16 phases, fixed by the number of rows); as in
#'   umap-learn, an edge's attraction moves both of its ends, the other end's
#'   moves being added, in a fixed order, at the end of each phase;
#' * `seed = NULL` takes one draw from R's random number generator, so
#'   [set.seed()] makes it reproducible too; the seed used is stored in the
#'   result as `$seed`;
#' * the same bits on every machine: x86-64 with or without AVX2, ARM64
#'   (Apple silicon, Graviton, Raspberry Pi), with gcc or clang at any
#'   optimisation level. umapc computes every number itself, in IEEE-754
#'   single and double precision with the order of every operation fixed:
#'   sums in a fixed order that does not depend on the vector width or the
#'   threads, no fused multiply-add, its own `exp()`, `log()` and power
#'   functions (the C library's differ between platforms in the last bit),
#'   no BLAS or LAPACK. The faster AVX2 kernels and the portable ones give
#'   the same bits ([umapc_kernels()] tells which run, and
#'   `options(umapc.kernels = "portable")` chooses the portable ones). This
#'   holds for [nearest_neighbors()], every `init`, the graph, the layout and
#'   [predict()]; the package's tests check a golden digest of
#'   `umap(fmnist$pixels, seed = 42)` on every machine that runs them, and
#'   its sources check one hash of a whole run for builds with gcc and clang,
#'   at -O0 to -O3, on x86-64 and ARM64.
#'
#' Limits: results are the same for the same version of umapc (a change
#' of an algorithm changes results; NEWS says when); the input must be the
#' same bits (data computed in R on two machines may differ already, e.g.
#' after R's own `exp()` or a BLAS product); and builds with compiler
#' options that allow non-IEEE arithmetic (`-ffast-math`,
#' `-ffp-contract=fast` with clang) or the 32-bit x87 unit are outside the
#' promise. Plots of identical coordinates may still be drawn differently by
#' different graphics devices.
#'
#' @section Edge cases:
#' * Duplicate rows are neighbours at distance 0; ties are broken by the
#'   lower row index, and every row keeps itself in column 1, so results stay
#'   deterministic. Rows that are all identical give a finite embedding.
#' * Constant columns change nothing (distances ignore them).
#' * Scale does not matter: data multiplied by 1e30 or 1e-30 give the same
#'   neighbours and the same graph (values beyond 4.5e307 in magnitude are
#'   refused, since their differences overflow).
#' * Small data: `X` needs at least 3 rows; with fewer than 16 rows the
#'   default `n_neighbors = 15` is reduced to `nrow(X) - 1` with a warning,
#'   while an explicit `n_neighbors >= nrow(X)` is an error.
#' * A graph with several connected components (e.g. far-apart clusters with
#'   a small `n_neighbors`) is initialised component by component, the
#'   components placed apart; if the eigensolver fails, a random layout is
#'   used with a warning. The result never contains NaN.
#'
#' @inheritParams nearest_neighbors
#' @param X The data, as for [nearest_neighbors()]. May be `NULL` when `knn`
#'   is given (then `init = "pca"` is not available).
#' @param n_neighbors Size of the local neighbourhood (counting the point
#'   itself): a whole number from 2 to `nrow(X) - 1`. Larger values give more
#'   global structure. When left at its default with fewer than 16 rows it is
#'   reduced to `nrow(X) - 1` with a warning.
#' @param n_components Dimensions of the embedding, from 1 to `nrow(X) - 1`.
#' @param min_dist Smallest distance between embedded points, from 0 to
#'   `spread`. Smaller values pack clusters more tightly.
#' @param spread Scale of the embedded points (> 0).
#' @param n_epochs Optimisation epochs; `NULL` means 500 up to 10,000 rows and
#'   200 above. `0` returns the initial layout.
#' @param learning_rate Initial learning rate (> 0), decayed linearly to 0.
#' @param init `"spectral"` (eigenvectors of the normalised graph Laplacian;
#'   disconnected components are embedded separately and placed apart),
#'   `"pca"`, `"random"`, or a numeric matrix with `nrow(X)` rows and
#'   `n_components` columns. Every initial layout is rescaled to \[0, 10\]
#'   per column, as in umap-learn.
#' @param set_op_mix_ratio Between 0 (fuzzy intersection) and 1 (fuzzy union)
#'   when symmetrising the graph.
#' @param local_connectivity Number of nearest neighbours assumed connected
#'   (>= 0; may be fractional).
#' @param repulsion_strength Weight of negative samples (>= 0).
#' @param negative_sample_rate Negative samples per positive sample (>= 0).
#' @param a,b Parameters of the output curve `1 / (1 + a d^(2b))`; `NULL`
#'   fits them to `min_dist` and `spread`. Give both or neither.
#' @param knn Precomputed neighbours: a `umap_knn` from
#'   [nearest_neighbors()], `model$knn` of a fitted model, or any format
#'   [as_umap_knn()] accepts. It may have more than `n_neighbors` columns:
#'   the first `n_neighbors` are used.
#' @param keep_data Keep the training data in the model (needed by
#'   [predict.umap()] to embed new rows; costs the size of `X`).
#'
#' @return An object of class `umap`: a list with `embedding` (n x
#'   `n_components` matrix, columns `UMAP1`, `UMAP2`, ..., row names from
#'   `X`), `knn` (a `umap_knn`, reusable as `knn =`), `graph` (the symmetric
#'   fuzzy graph as a `Matrix::dgCMatrix`), every resolved parameter
#'   (including `a`, `b`, `n_epochs`), the `seed` used, `timings` (seconds per
#'   stage) and, with `keep_data = TRUE`, the training `data`.
#' @seealso [nearest_neighbors()], [as_umap_knn()], [plot.umap()].
#' @examples
#' fit <- umap(iris[, 1:4], seed = 42, n_threads = 2)
#' fit
#' plot(fit, labels = iris$Species)
#'
#' # the same embedding from neighbours computed once
#' knn <- nearest_neighbors(iris[, 1:4], n_neighbors = 15, seed = 42, n_threads = 2)
#' fit2 <- umap(iris[, 1:4], knn = knn, seed = 42, n_threads = 2)
#' identical(fit$embedding, fit2$embedding)
#' @export
umap <- function(X, n_neighbors = 15, n_components = 2, metric = "euclidean",
                 min_dist = 0.1, spread = 1, n_epochs = NULL,
                 learning_rate = 1, init = "spectral", set_op_mix_ratio = 1,
                 local_connectivity = 1, repulsion_strength = 1,
                 negative_sample_rate = 5, a = NULL, b = NULL, knn = NULL,
                 seed = NULL, n_threads = NULL, verbose = FALSE,
                 method = c("auto", "exact", "nndescent"), keep_data = TRUE) {
  umap_impl(X, n_neighbors, n_components, metric, min_dist, spread, n_epochs,
            learning_rate, init, set_op_mix_ratio, local_connectivity,
            repulsion_strength, negative_sample_rate, a, b, knn, seed,
            n_threads, verbose, method, keep_data,
            nn_default = missing(n_neighbors), metric_given = !missing(metric),
            call = match.call())
}

# The engine behind umap() and umap_grid(). `shared` (from a previous call
# with the same knn, n_neighbors and graph parameters) lets the grid reuse
# the fuzzy graph and initial layout, which do not depend on min_dist;
# `prepared` (list(data = prepare_data(X), knn = as_umap_knn(knn))) lets it
# check X and knn once for all its layouts.
umap_impl <- function(X, n_neighbors, n_components, metric, min_dist, spread,
                      n_epochs, learning_rate, init, set_op_mix_ratio,
                      local_connectivity, repulsion_strength,
                      negative_sample_rate, a, b, knn, seed, n_threads,
                      verbose, method, keep_data, nn_default = FALSE,
                      metric_given = TRUE, call = NULL, shared = NULL,
                      prepared = NULL) {
  seed <- resolve_seed(seed)
  check_flag(verbose, "verbose")
  check_flag(keep_data, "keep_data")
  n_threads <- resolve_threads(n_threads)
  use_kernels()
  t_start <- proc.time()[["elapsed"]]
  timings <- numeric()
  tick <- function(stage) {
    now <- proc.time()[["elapsed"]]
    timings[[stage]] <<- now - t_start
    t_start <<- now
  }

  # --- data and neighbours --------------------------------------------------
  if (!is.null(prepared)) {
    data <- prepared$data
  } else if (is.null(X)) {
    if (is.null(knn)) stop("`X` can be NULL only when `knn` is given.", call. = FALSE)
    data <- NULL
  } else {
    data <- prepare_data(X)
  }
  if (!is.null(data) && data$kind == "dist" && !metric_given) metric <- "precomputed"
  if (!is.null(knn)) {
    knn <- if (!is.null(prepared)) prepared$knn else
      as_umap_knn(knn, n = if (is.null(data)) NULL else data$n)
    n <- nrow(knn$indices)
  } else {
    n <- data$n
  }
  check_rows(n, if (is.null(data)) "knn" else "X")
  if (nn_default && n <= 15L) {
    n_neighbors <- n - 1L
    warning(sprintf("`X` has only %d rows: `n_neighbors` reduced from 15 to %d.", n, n - 1L),
            call. = FALSE)
  }
  n_neighbors <- check_number(n_neighbors, "n_neighbors", lower = 2, upper = n,
                              upper_open = TRUE, integer = TRUE)
  n_components <- check_number(n_components, "n_components", lower = 1, upper = n,
                               upper_open = TRUE, integer = TRUE)
  spread <- check_number(spread, "spread", lower = 0, lower_open = TRUE)
  min_dist <- check_number(min_dist, "min_dist", lower = 0, upper = spread)
  if (!is.null(n_epochs)) {
    n_epochs <- check_number(n_epochs, "n_epochs", lower = 0, upper = 1e7, integer = TRUE)
  }
  learning_rate <- check_number(learning_rate, "learning_rate", lower = 0, lower_open = TRUE)
  set_op_mix_ratio <- check_number(set_op_mix_ratio, "set_op_mix_ratio", lower = 0, upper = 1)
  local_connectivity <- check_number(local_connectivity, "local_connectivity", lower = 0)
  repulsion_strength <- check_number(repulsion_strength, "repulsion_strength", lower = 0)
  negative_sample_rate <- check_number(negative_sample_rate, "negative_sample_rate", lower = 0)
  if (is.null(a) != is.null(b)) {
    stop(sprintf("`a` and `b` must be given together (got a = %s, b = %s); leave both NULL to fit them from `min_dist` and `spread`.",
                 describe_value(a), describe_value(b)), call. = FALSE)
  }
  if (!is.null(a)) {
    a <- check_number(a, "a", lower = 0, lower_open = TRUE)
    b <- check_number(b, "b", lower = 0, lower_open = TRUE)
  }
  init_type <- check_init(init, n, n_components, data)
  if (!is.null(data)) {
    check_knn_args(data, n_neighbors, metric, method, n_threads, verbose)
  } else {
    check_metric(metric)
  }
  if (identical(method, c("auto", "exact", "nndescent"))) method <- "auto"

  if (is.null(knn)) {
    knn <- knn_search(data, n_neighbors, metric, method, seed, n_threads, verbose)
  } else {
    if (metric_given && !is.na(knn$metric) && !identical(knn$metric, metric)) {
      warning(sprintf("`knn` was computed with metric \"%s\" but `metric` = \"%s\"; the neighbours are used as they are.",
                      knn$metric, metric), call. = FALSE)
    }
    if (verbose) say("using the precomputed neighbours (k = ", knn$k, ")")
  }
  knn_used <- prune_knn(knn, n_neighbors)
  tick("knn")

  # --- fuzzy graph, initial layout, optimisation ----------------------------
  if (is.null(a)) {
    ab <- find_ab(spread, min_dist)
    a <- ab[1]
    b <- ab[2]
  }
  n_epochs <- resolve_epochs(n_epochs, n)
  if (is.null(shared)) {
    if (verbose) say("fuzzy simplicial set")
    g <- fuzzy_graph(knn_used, set_op_mix_ratio, local_connectivity, n_threads)
    tick("graph")
    min_weight <- prune_threshold(g, n_epochs, n)
    if (verbose) say("initialisation: ", init_type)
    emb0 <- initial_layout(init_type, init, g, min_weight, n_components, data,
                           seed, n_threads)
    tick("init")
  } else {
    g <- shared$g
    min_weight <- shared$min_weight
    emb0 <- shared$emb0
  }
  if (verbose) say("optimising the layout: ", n_epochs, " epochs")
  emb <- optimize_layout(emb0, g, min_weight, a, b, repulsion_strength,
                         learning_rate, negative_sample_rate, n_epochs, seed,
                         n_threads, verbose)
  colnames(emb) <- paste0("UMAP", seq_len(n_components))
  rn <- if (!is.null(data)) data$rownames else NULL
  if (!is.null(rn)) rownames(emb) <- rn
  tick("optimize")
  if (verbose) say("done")
  graph <- graph_matrix(g)

  fit <- structure(list(
    embedding = emb,
    knn = knn,
    graph = graph,
    n_neighbors = n_neighbors,
    n_components = n_components,
    metric = if (!is.na(knn$metric)) knn$metric else metric,
    min_dist = min_dist,
    spread = spread,
    n_epochs = n_epochs,
    learning_rate = learning_rate,
    init = init_type,
    set_op_mix_ratio = set_op_mix_ratio,
    local_connectivity = local_connectivity,
    repulsion_strength = repulsion_strength,
    negative_sample_rate = negative_sample_rate,
    a = a,
    b = b,
    seed = seed,
    method = knn$method,
    data = if (keep_data && !is.null(data)) X else NULL,
    timings = timings,
    call = call
  ), class = "umap")
  if (is.null(call)) fit$.shared <- list(g = g, min_weight = min_weight, emb0 = emb0)
  fit
}

check_init <- function(init, n, n_components, data) {
  if (is.character(init)) {
    init <- check_choice(init, "init", c("spectral", "pca", "random"))
    if (init == "pca") {
      if (is.null(data)) {
        stop("`init` = \"pca\" needs the data: give `X` as well as `knn`, or use init = \"spectral\".",
             call. = FALSE)
      }
      if (data$kind == "dist") {
        stop("`init` = \"pca\" cannot be used with a `dist` object; use \"spectral\" or \"random\".",
             call. = FALSE)
      }
    }
    return(init)
  }
  if (is.matrix(init) && is.numeric(init)) {
    if (!identical(dim(init), c(as.integer(n), as.integer(n_components)))) {
      stop(sprintf("`init` must have %d rows and %d columns (nrow(X) x n_components), not %s.",
                   n, n_components, paste(dim(init), collapse = " x ")), call. = FALSE)
    }
    if (anyNA(init) || any(!is.finite(init))) {
      stop("`init` contains NA, NaN or infinite values; all values must be finite.", call. = FALSE)
    }
    return("matrix")
  }
  stop_arg("init", init, "\"spectral\", \"pca\", \"random\" or a numeric matrix")
}

# A dense double matrix of the data for PCA (sparse input is densified).
dense_data <- function(data) {
  if (data$kind == "dense") return(data$data)
  m <- as.matrix(Matrix::sparseMatrix(i = data$data[[2]], p = data$data[[1]],
                                      x = data$data[[3]], dims = data$data[[4]],
                                      index1 = FALSE))
  storage.mode(m) <- "double"
  m
}

# --- stages shared by umap() and umap_grid() ----------------------------------

find_ab <- function(spread, min_dist) .Call(C_umapc_find_ab_r, spread, min_dist)

resolve_epochs <- function(n_epochs, n) {
  if (is.null(n_epochs)) default_epochs(n) else n_epochs
}

default_epochs <- function(n) if (n <= 10000L) 500L else 200L

# The symmetric fuzzy graph as list(p, i, x) (0-based, dgCMatrix slots).
fuzzy_graph <- function(knn, set_op_mix_ratio, local_connectivity, n_threads) {
  .Call(C_umapc_fuzzy_graph, knn$indices, knn$distances, set_op_mix_ratio,
        local_connectivity, 1.0, n_threads)
}

graph_matrix <- function(g) {
  n <- length(g$p) - 1L
  methods::new("dgCMatrix", i = g$i, p = g$p, x = g$x, Dim = c(n, n))
}

# umap-learn's pruning: edges below max(w) / n_epochs are never sampled
# (with the default epoch count when n_epochs is 10 or less).
prune_threshold <- function(g, n_epochs, n) {
  e <- if (n_epochs > 10L) n_epochs else default_epochs(n)
  if (length(g$x)) max(g$x) / e else 0
}

initial_layout <- function(init_type, init, g, min_weight, n_components, data,
                           seed, n_threads) {
  switch(init_type,
    spectral = {
      e <- .Call(C_umapc_init_spectral, g$p, g$i, g$x, min_weight,
                 n_components, seed, n_threads)
      if (isTRUE(attr(e, "fallback"))) {
        warning("spectral initialisation failed; a random initial layout was used instead.",
                call. = FALSE)
      }
      attr(e, "fallback") <- NULL
      e
    },
    pca = .Call(C_umapc_init_pca, dense_data(data), n_components, seed, n_threads),
    random = .Call(C_umapc_init_random, length(g$p) - 1L, n_components, seed),
    matrix = {
      m <- unname(init)
      storage.mode(m) <- "double"
      m
    })
}

optimize_layout <- function(emb0, g, min_weight, a, b, repulsion_strength,
                            learning_rate, negative_sample_rate, n_epochs,
                            seed, n_threads, verbose) {
  .Call(C_umapc_optimize, emb0, g$p, g$i, g$x, min_weight,
        c(a, b, repulsion_strength, learning_rate, negative_sample_rate,
          n_epochs, 1), seed, n_threads, verbose)
}
