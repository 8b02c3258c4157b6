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
#'   is given (then `init = "pca"` is not available). A
#'   `SingleCellExperiment` or `SummarizedExperiment` embeds its cells (its
#'   columns): see [umapc-bioconductor].
#' @param ... Arguments for methods; [umap()] on a matrix takes the ones
#'   below.
#' @param n_neighbors Size of the local neighbourhood (counting the point
#'   itself): a whole number from 2 to `nrow(X) - 1`. Larger values give more
#'   global structure. When left at its default with fewer than 16 rows it is
#'   reduced to `nrow(X) - 1` with a warning.
#' @param n_components Dimensions of the embedding, from 1 to `nrow(X) - 1`.
#' @param min_dist Smallest distance between embedded points, from 0 to
#'   `spread`. Smaller values pack clusters more tightly.
#' @param spread Scale of the embedded points (> 0).
#' @param n_epochs Optimisation epochs; `NULL` means 500 up to 10,000 rows and
#'   200 above (200 more with `densmap = TRUE`, as in umap-learn). `0`
#'   returns the initial layout, rescaled to \[0, 10\] per column as the
#'   optimisation would start from it.
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
#'   [predict.umapc()] to embed new rows; costs the size of `X`).
#' @param densmap Use densMAP (see the section): the layout also keeps the
#'   data's local densities.
#' @param dens_lambda Weight of densMAP's density term (>= 0; 0 turns it
#'   off). Larger values preserve densities more, at some cost to the rest of
#'   the layout.
#' @param dens_frac Fraction of the epochs, at the end, that use the density
#'   term (from 0 to 1); the first `1 - dens_frac` optimise plain UMAP.
#' @param dens_var_shift Added to the variance of the embedded log radii
#'   (>= 0), which keeps the density term stable when they are all alike.
#' @param output_dens Return the log local radii of the data and of the
#'   embedding as `rad_orig` and `rad_emb` (also without `densmap`).
#' @param y Optional target for supervised UMAP, one value per row: a factor,
#'   character or logical vector of labels (categorical; `NA` marks an
#'   unlabelled row, so a partly labelled `y` gives semi-supervised UMAP), or
#'   a numeric vector or matrix (a fuzzy graph of the target's own nearest
#'   neighbours). Integer class codes are numbers: convert them with
#'   [factor()] to use them as labels. See the section "Supervised UMAP".
#' @param target_n_neighbors Neighbours of each row in the numeric target's
#'   graph; `NULL` means `n_neighbors`. Ignored for categorical `y`.
#' @param target_metric Distance between numeric target values: one of the
#'   `metric` choices that need no `metric_p` (not `"minkowski"`), or `"l2"`
#'   (euclidean) or `"l1"` (manhattan). Ignored for categorical `y`.
#' @param target_weight From 0 to 1, how much the layout follows the target
#'   rather than the data, as in umap-learn and uwot: 0 weights the data
#'   most (labels still separate classes a little), 1 the target most
#'   (different labels are disconnected); 0.5 balances them.
#' @param graph Instead of `X` and `knn`, a graph to lay out: a square,
#'   symmetric, non-negative sparse matrix (any `Matrix` class, e.g.
#'   `fit$graph`, [similarity_graph()], a Seurat `Graph`, an igraph adjacency
#'   matrix; a base matrix is accepted too). Its diagonal is ignored. The
#'   spectral initialisation and the layout both come from the graph, so
#'   `umap(graph = umap(X, seed = s)$graph, seed = s)` is identical to
#'   `umap(X, seed = s)`. `init = "pca"`, `densmap`, `output_dens`,
#'   `return_extra` and [predict.umapc()] need the data's neighbours and are
#'   not available.
#' @param return_extra Extra per-row results to keep: `NULL`, or any of
#'   `"sigma"` and `"rho"` (the smooth k-NN distances: each row's bandwidth
#'   and distance to its nearest neighbour, of the data's graph), returned as
#'   numeric vectors `$sigma` and `$rho`.
#'
#' @section Supervised UMAP:
#' With `y`, the data's fuzzy graph is combined with the target as umap-learn
#' does. Categorical labels scale each edge's weight by `exp(-far_dist)`
#' when the two rows have different labels (`far_dist = 2.5 / (1 -
#' target_weight)`, so at `target_weight = 1` such edges vanish) and by
#' `exp(-1)` when either row is unlabelled. A numeric target gets its own
#' fuzzy graph (`target_n_neighbors` neighbours under `target_metric`, built
#' from `y` alone, also when `knn` is given), intersected with the data's:
#' an edge's weight becomes `w_X * w_y^(t / (1 - t))` for `target_weight = t
#' < 0.5` and `w_X^((1 - t) / t) * w_y` otherwise. Either way each row's
#' weights are then divided by the row's largest and the graph symmetrised
#' again by the fuzzy union. The initial layout and the optimisation use the
#' combined graph (`$graph`); [predict.umapc()] places new rows with the
#' data's neighbours alone, as umap-learn's transform does. `y` is stored in
#' the model as `$y`. With `densmap = TRUE`, the data's local radii are
#' taken over the combined graph's edges that are data neighbours: edges
#' that only a numeric target's graph has carry no data distance and are
#' left out, so a row with only such edges gets an `NA` radius and no
#' density term.
#'
#' @section densMAP:
#' `densmap = TRUE` adds the density-preserving term of densMAP (Narayan,
#' Berger and Cho, 2021, *Nature Biotechnology* 39:765-774) as umap-learn
#' 0.5.7 implements it. The local radius of a row is the membership-weighted
#' mean of its squared distances to its neighbours in the fuzzy graph (the
#' edges the layout samples); the layout's radius is the same mean of squared
#' embedded distances weighted by the output memberships
#' `1 / (1 + a d^(2b))`. In the last `dens_frac` of the epochs, the gradient
#' of `dens_lambda` times the Pearson correlation between the two log radii
#' is added to every sampled edge's attraction, so that rows in sparse
#' regions of the data get more room in the embedding and dense ones less.
#' The layout's radii are recomputed at the start of each such epoch, vertex
#' by vertex in a fixed order, so densMAP layouts are as reproducible as the
#' plain ones: bit-identical for a seed, whatever `n_threads`, and the same
#' from `X` as from precomputed `knn`.
#'
#' With `output_dens = TRUE` the result also holds `rad_orig`, the data's log
#' radii (`log(1e-8 + r)`, the radii above) and `rad_emb`, the embedding's,
#' computed as umap-learn does: from a fresh `n_neighbors` k-NN graph of the
#' embedding (Euclidean) and its fuzzy graph, with distances not squared.
#' `cor(fit$rad_orig, fit$rad_emb)` measures how well densities are kept.
#' Rows without an edge get `NA`. New rows are placed by [predict.umapc()]
#' with the plain UMAP objective (umap-learn refuses to transform densMAP
#' models).
#'
#' @section PCA before the neighbour search:
#' With `pca = k`, `X` is reduced to the scores of its first `k` principal
#'   components (see [nearest_neighbors()]) and everything that reads the
#'   data uses them: the neighbour search, `init = "pca"`, and [predict.umapc()],
#'   which centres and rotates new rows with the model's `pca$center` and
#'   `pca$rotation`. The reduction is deterministic for a seed, so
#'   `umap(X, pca = k, seed = s)` is identical to
#'   `umap(X, knn = nearest_neighbors(X, n_neighbors, pca = k, seed = s),
#'   pca = k, seed = s)`; when `knn` is given, `X` is still reduced (for the
#'   model and `init = "pca"`). A sparse `dgCMatrix` is never densified.
#'
#' @section Orientation: rows are observations. A matrix with row and column
#'   names and more columns than rows looks like a genes x cells matrix
#'   (e.g. `logcounts(sce)`), whose rows are genes: umap() then says, in a
#'   message of class `umapc_orientation`, that it embeds the rows and how to
#'   embed the cells instead (`t(x)`, or `umap(sce)` on the whole
#'   `SingleCellExperiment`). Data without row names (images, for example)
#'   never get this message.
#'
#' @section Progress: with `verbose = TRUE`, progress (from R and from the C
#'   code) is reported by messages of class `umapc_progress`, so
#'   [suppressMessages()], knitr's `message = FALSE` and calling handlers
#'   treat it like any other message.
#'
#' @return An object of class `umapc`: a list with `embedding` (n x
#'   `n_components` matrix, columns `UMAP1`, `UMAP2`, ..., row names from
#'   `X`), `knn` (a `umap_knn`, reusable as `knn =`), `graph` (the symmetric
#'   fuzzy graph as a `Matrix::dgCMatrix`), every resolved parameter
#'   (including `a`, `b`, `n_epochs`, `densmap`), the `seed` used, `timings`
#'   (seconds per stage), with `keep_data = TRUE` the training `data`,
#'   with `output_dens = TRUE` the log radii `rad_orig` and `rad_emb`, with
#'   `pca` the reduction `pca`: a list with `k`, `center` (column means),
#'   `rotation` (`ncol(X)` x `k`), `sdev` (standard deviations of the
#'   components) and, with `keep_data = TRUE`, the training scores `x`; with
#'   `y` the target `y` and `target_metric` (`"categorical"` for labels),
#'   `target_weight` and `target_n_neighbors`, and the `return_extra`
#'   values. With `graph`, `knn` is `NULL` and `n_neighbors`, `metric` and
#'   `method` are `NA`.
#'   `dim()`, `head()`, `as.matrix()` and `as.data.frame()` treat it as its
#'   embedding; `print()` leaves out the timings (see `summary()`).
#'   Models saved by umapc 0.1.0 (class `"umap"`) are upgraded on use.
#' @seealso [nearest_neighbors()], [as_umap_knn()], [similarity_graph()],
#'   [plot.umapc()],
#'   [predict.umapc()], [umapc-bioconductor], [umapc-tidy].
#' @examples
#' fit <- umap(iris[, 1:4], seed = 42, n_threads = 2)
#' fit
#' plot(fit, labels = iris$Species)
#'
#' # the same embedding from neighbours computed once
#' knn <- nearest_neighbors(iris[, 1:4], n_neighbors = 15, seed = 42, n_threads = 2)
#' fit2 <- umap(iris[, 1:4], knn = knn, seed = 42, n_threads = 2)
#' identical(fit$embedding, fit2$embedding)
#'
#' # densMAP: embedded densities follow the data's
#' dm <- umap(iris[, 1:4], densmap = TRUE, output_dens = TRUE, seed = 42,
#'            n_threads = 2)
#' cor(dm$rad_orig, dm$rad_emb)
#'
#' # wide data: reduce 784 pixels to 20 principal components first
#' X <- fmnist$pixels[1:600, ] / 255
#' fp <- umap(X, pca = 20, seed = 42, n_threads = 2)
#' dim(fp$pca$rotation)
#' head(predict(fp, fmnist$pixels[601:610, ] / 255, n_threads = 2))
#'
#' # supervised: the labels pull the classes apart
#' sup <- umap(iris[, 1:4], y = iris$Species, seed = 42, n_threads = 2)
#' plot(sup, labels = iris$Species)
#'
#' # lay out a graph, e.g. the model's own: the same embedding
#' fit3 <- umap(graph = fit$graph, seed = 42, n_threads = 2)
#' identical(fit$embedding, fit3$embedding)
#' @export
umap <- function(X, ...) UseMethod("umap")

#' @rdname umap
#' @export
umap.default <- function(X = NULL, n_neighbors = 15, n_components = 2, metric = "euclidean",
                 min_dist = 0.1, spread = 1, n_epochs = NULL,
                 learning_rate = 1, init = "spectral", set_op_mix_ratio = 1,
                 local_connectivity = 1, repulsion_strength = 1,
                 negative_sample_rate = 5, a = NULL, b = NULL, knn = NULL,
                 seed = NULL, n_threads = NULL, verbose = FALSE,
                 method = c("auto", "exact", "nndescent"), keep_data = TRUE,
                 densmap = FALSE, dens_lambda = 2, dens_frac = 0.3,
                 dens_var_shift = 0.1, output_dens = FALSE,
                 metric_p = NULL, pca = NULL, y = NULL, target_n_neighbors = NULL,
                 target_metric = "euclidean", target_weight = 0.5,
                 graph = NULL, return_extra = NULL, ...) {
  check_dots(...)
  check_orientation(X)
  umap_impl(X, n_neighbors, n_components, metric, min_dist, spread, n_epochs,
            learning_rate, init, set_op_mix_ratio, local_connectivity,
            repulsion_strength, negative_sample_rate, a, b, knn, seed,
            n_threads, verbose, method, keep_data, metric_p = metric_p,
            nn_default = missing(n_neighbors), metric_given = !missing(metric),
            call = match.call(), densmap = densmap, dens_lambda = dens_lambda,
            dens_frac = dens_frac, dens_var_shift = dens_var_shift,
            output_dens = output_dens, pca = pca, y = y,
            target_n_neighbors = target_n_neighbors,
            target_metric = target_metric, target_weight = target_weight,
            graph = graph, return_extra = return_extra)
}

# The engine behind umap() and umap_grid(). `shared` (the `.shared` element
# of a previous result, returned when `keep_shared = TRUE`, with the same
# knn, n_neighbors and graph parameters) lets the grid reuse the fuzzy graph
# and initial layout, which do not depend on min_dist;
# `prepared` (list(data = prepare_data(X), knn = as_umap_knn(knn))) lets it
# check X and knn once for all its layouts.
umap_impl <- function(X, n_neighbors, n_components, metric, min_dist, spread,
                      n_epochs, learning_rate, init, set_op_mix_ratio,
                      local_connectivity, repulsion_strength,
                      negative_sample_rate, a, b, knn, seed, n_threads,
                      verbose, method, keep_data, metric_p = NULL,
                      nn_default = FALSE,
                      metric_given = TRUE, call = NULL, shared = NULL,
                      keep_shared = FALSE, prepared = NULL, densmap = FALSE, dens_lambda = 2,
                      dens_frac = 0.3, dens_var_shift = 0.1,
                      output_dens = FALSE, pca = NULL, y = NULL,
                      target_n_neighbors = NULL, target_metric = "euclidean",
                      target_weight = 0.5, graph = NULL, return_extra = NULL,
                      graph_only = FALSE) {
  seed <- resolve_seed(seed)
  check_flag(verbose, "verbose")
  check_flag(keep_data, "keep_data")
  check_flag(densmap, "densmap")
  check_flag(output_dens, "output_dens")
  dens_lambda <- check_number(dens_lambda, "dens_lambda", lower = 0)
  dens_frac <- check_number(dens_frac, "dens_frac", lower = 0, upper = 1)
  dens_var_shift <- check_number(dens_var_shift, "dens_var_shift", lower = 0)
  n_threads <- resolve_threads(n_threads)
  use_kernels()
  t_start <- proc.time()[["elapsed"]]
  timings <- numeric()
  tick <- function(stage) {
    now <- proc.time()[["elapsed"]]
    timings[[stage]] <<- now - t_start
    t_start <<- now
  }

  return_extra <- check_return_extra(return_extra)

  # --- data and neighbours, or a graph ---------------------------------------
  user_graph <- NULL
  if (!is.null(graph)) {
    if (!is.null(X) || !is.null(knn)) {
      stop("give either `graph` or the data (`X`, `knn`), not both: a graph is laid out as it is.",
           call. = FALSE)
    }
    if (length(return_extra)) {
      stop(sprintf("`return_extra` = \"%s\" needs the data's neighbours; it is not available with `graph`.",
                   return_extra[1]), call. = FALSE)
    }
    if (densmap || output_dens) {
      stop(sprintf("`%s` = TRUE needs the data's neighbour distances (the local radii); it is not available with `graph`.",
                   if (densmap) "densmap" else "output_dens"), call. = FALSE)
    }
    user_graph <- check_graph(graph)
    data <- NULL
    n <- user_graph$n
  } else if (!is.null(prepared)) {
    data <- prepared$data
  } else if (is.null(X)) {
    if (is.null(knn)) stop("`X` can be NULL only when `knn` or `graph` is given.", call. = FALSE)
    data <- NULL
  } else {
    data <- prepare_data(X, metric = metric)
  }
  if (!is.null(data) && data$kind == "dist" && !metric_given) metric <- "precomputed"
  # PCA first (umap_grid() passes data already reduced, with its model)
  pca_model <- NULL
  if (!is.null(prepared$pca)) {
    pca_model <- prepared$pca
  } else if (!is.null(pca)) {
    check_metric(metric)
    pca <- check_pca(pca, data, metric)
    red <- pca_reduce(data, pca, seed, n_threads, verbose)
    data <- red$data
    pca_model <- red$pca
    tick("pca")
  }
  if (!is.null(user_graph)) {
    # no neighbours: n_neighbors and metric do not apply
  } else if (!is.null(knn)) {
    knn <- if (!is.null(prepared)) prepared$knn else
      as_umap_knn(knn, n = if (is.null(data)) NULL else data$n)
    n <- nrow(knn$indices)
  } else {
    n <- data$n
  }
  if (is.null(user_graph)) {
    check_rows(n, if (is.null(data)) "knn" else "X")
    if (nn_default && n <= 15L) {
      n_neighbors <- n - 1L
      warning(sprintf("`X` has only %d rows: `n_neighbors` reduced from 15 to %d.", n, n - 1L),
              call. = FALSE)
    }
    n_neighbors <- check_number(n_neighbors, "n_neighbors", lower = 2, upper = n,
                                upper_open = TRUE, integer = TRUE)
  } else {
    n_neighbors <- NA_integer_
  }
  target <- if (is.null(y)) NULL else check_target(y, n)
  targ <- if (is.null(y)) NULL else
    check_target_args(target, target_n_neighbors, target_metric, target_weight,
                      n_neighbors, n)
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
  } else if (is.null(user_graph)) {
    check_metric(metric)
  }
  metric_p <- if (is.null(user_graph)) check_metric_p(metric, metric_p)
  if (identical(method, c("auto", "exact", "nndescent"))) method <- "auto"

  if (!is.null(user_graph)) {
    if (verbose) say("using the graph as given (", n, " vertices, ",
                     length(user_graph$x), " edges)")
  } else if (is.null(knn)) {
    knn <- knn_search(data, n_neighbors, metric, method, seed, n_threads, verbose,
                      metric_p = metric_p)
    if (!is.null(pca_model)) knn$pca <- pca_model$k
  } else {
    if (metric_given && !is.na(knn$metric) && !identical(knn$metric, metric)) {
      warning(sprintf("`knn` was computed with metric \"%s\" but `metric` = \"%s\"; the neighbours are used as they are.",
                      knn$metric, metric), call. = FALSE)
    }
    check_knn_pca(knn, pca_model)
    if (verbose) say("using the precomputed neighbours (k = ", knn$k, ")")
  }
  knn_used <- if (is.null(user_graph)) prune_knn(knn, n_neighbors)
  tick("knn")

  # --- fuzzy graph, initial layout, optimisation ----------------------------
  if (is.null(a)) {
    ab <- find_ab(spread, min_dist)
    a <- ab[1]
    b <- ab[2]
  }
  n_epochs <- resolve_epochs(n_epochs, n, densmap)
  extra <- list()
  if (is.null(shared)) {
    if (!is.null(user_graph)) {
      g <- user_graph[c("p", "i", "x")]
    } else {
      if (verbose) say("fuzzy simplicial set")
      g <- fuzzy_graph(knn_used, set_op_mix_ratio, local_connectivity, n_threads,
                       smoothing = length(return_extra) > 0L)
      for (e in return_extra) extra[[e]] <- g[[e]]
      g <- g[c("p", "i", "x")]
    }
    if (!is.null(target)) g <- supervise_graph(g, target, targ, seed, n_threads, verbose)
    tick("graph")
    if (graph_only) return(list(graph = graph_matrix(g)))
    min_weight <- prune_threshold(g, n_epochs, n, densmap)
    if (verbose) say("initialisation: ", init_type)
    emb0 <- initial_layout(init_type, init, g, min_weight, n_components, data,
                           seed, n_threads)
    tick("init")
  } else {
    g <- shared$g
    min_weight <- shared$min_weight
    emb0 <- shared$emb0
  }
  rad_orig <- if (densmap || output_dens) local_radii(g, min_weight, knn_used, TRUE)
  if (verbose) say("optimising the layout: ", n_epochs, " epochs",
                   if (densmap) " (densMAP)")
  emb <- optimize_layout(emb0, g, min_weight, a, b, repulsion_strength,
                         learning_rate, negative_sample_rate, n_epochs, seed,
                         n_threads, verbose,
                         dens = if (densmap) c(dens_lambda, dens_frac, dens_var_shift),
                         rad_orig = rad_orig)
  colnames(emb) <- paste0("UMAP", seq_len(n_components))
  rn <- if (!is.null(data)) data$rownames else if (!is.null(user_graph)) user_graph$rownames
  if (!is.null(rn)) rownames(emb) <- rn
  tick("optimize")
  if (output_dens) {
    if (verbose) say("local radii of the embedding")
    rad_emb <- embedding_radii(emb, n_neighbors, seed, n_threads)
    names(rad_orig) <- names(rad_emb) <- rn
    tick("radii")
  }
  if (verbose) say("done")
  graph <- graph_matrix(g)

  fit <- structure(list(
    embedding = emb,
    knn = knn,
    graph = graph,
    n_neighbors = n_neighbors,
    n_components = n_components,
    metric = if (is.null(knn)) NA_character_ else if (!is.na(knn$metric)) knn$metric else metric,
    metric_p = if (!is.null(knn$metric_p)) knn$metric_p else metric_p,
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
    densmap = densmap,
    dens_lambda = dens_lambda,
    dens_frac = dens_frac,
    dens_var_shift = dens_var_shift,
    seed = seed,
    method = if (is.null(knn)) NA_character_ else knn$method,
    data = if (keep_data && !is.null(data)) kept_data(X, metric) else NULL,
    pca = if (!is.null(pca_model)) {
      if (keep_data) pca_model else pca_model[names(pca_model) != "x"]
    },
    y = y,
    target_n_neighbors = if (is.null(target) || target$kind != "numeric") NULL else targ$n_neighbors,
    target_metric = if (is.null(target)) NULL else
      if (target$kind == "numeric") targ$metric else "categorical",
    target_weight = if (is.null(target)) NULL else targ$weight,
    timings = timings,
    call = call
  ), class = "umapc")
  if (output_dens) {
    fit$rad_orig <- rad_orig
    fit$rad_emb <- rad_emb
  }
  for (e in names(extra)) fit[[e]] <- extra[[e]]
  if (keep_shared) fit$.shared <- list(g = g, min_weight = min_weight, emb0 = emb0)
  fit
}

check_init <- function(init, n, n_components, data) {
  if (is.character(init)) {
    init <- check_choice(init, "init", c("spectral", "pca", "random"))
    if (init == "pca") {
      if (is.null(data)) {
        stop("`init` = \"pca\" needs the data: give `X` (with `knn` if you like), or use init = \"spectral\".",
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

# The training data a model keeps for predict(): X as given, except that a
# data frame keeps only the columns used.
kept_data <- function(X, metric = NULL) {
  if (isS4(X) && methods::is(X, "DataFrame")) X <- methods::as(X, "data.frame")
  # hamming codes every column (categories included), so all are kept
  if (is.data.frame(X) && !identical(metric, "hamming")) {
    ok <- vapply(X, function(col) (is.numeric(col) || is.logical(col)) &&
                   is.null(dim(col)), logical(1))
    if (!all(ok)) X <- X[ok]
  }
  X
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

find_ab <- function(spread, min_dist) {
  .Call(C_umapc_call_find_ab, list(spread = spread, min_dist = min_dist))
}

resolve_epochs <- function(n_epochs, n, densmap = FALSE) {
  if (is.null(n_epochs)) default_epochs(n, densmap) else n_epochs
}

# umap-learn's defaults; densMAP runs 200 more
default_epochs <- function(n, densmap = FALSE) {
  (if (n <= 10000L) 500L else 200L) + if (isTRUE(densmap)) 200L else 0L
}

# The symmetric fuzzy graph as list(p, i, x) (0-based, dgCMatrix slots),
# with each row's rho and sigma when `smoothing`.
fuzzy_graph <- function(knn, set_op_mix_ratio, local_connectivity, n_threads,
                        smoothing = FALSE) {
  .Call(C_umapc_call_fuzzy_graph, knn$indices, knn$distances,
        list(set_op_mix_ratio = set_op_mix_ratio,
             local_connectivity = local_connectivity, n_threads = n_threads,
             smoothing = smoothing))
}

graph_matrix <- function(g) {
  n <- length(g$p) - 1L
  methods::new("dgCMatrix", i = g$i, p = g$p, x = g$x, Dim = c(n, n))
}

# umap-learn's pruning: edges below max(w) / n_epochs are never sampled
# (with the default epoch count when n_epochs is 10 or less).
prune_threshold <- function(g, n_epochs, n, densmap = FALSE) {
  e <- if (n_epochs > 10L) n_epochs else default_epochs(n, densmap)
  if (length(g$x)) max(g$x) / e else 0
}

initial_layout <- function(init_type, init, g, min_weight, n_components, data,
                           seed, n_threads) {
  switch(init_type,
    spectral = {
      e <- .Call(C_umapc_call_init_spectral, g,
                 list(min_weight = min_weight, n_components = n_components,
                      seed = seed, n_threads = n_threads))
      if (isTRUE(attr(e, "fallback"))) {
        warning("spectral initialisation failed; a random initial layout was used instead.",
                call. = FALSE)
      }
      attr(e, "fallback") <- NULL
      e
    },
    pca = .Call(C_umapc_call_init_pca, dense_data(data),
                list(n_components = n_components, seed = seed,
                     n_threads = n_threads)),
    random = .Call(C_umapc_call_init_random,
                   list(n = length(g$p) - 1L, n_components = n_components,
                        seed = seed)),
    matrix = {
      m <- unname(init)
      storage.mode(m) <- "double"
      m
    })
}

# dens: NULL, or c(dens_lambda, dens_frac, dens_var_shift) with rad_orig
# (densMAP).
optimize_layout <- function(emb0, g, min_weight, a, b, repulsion_strength,
                            learning_rate, negative_sample_rate, n_epochs,
                            seed, n_threads, verbose, dens = NULL,
                            rad_orig = NULL) {
  par <- list(min_weight = min_weight, a = a, b = b,
              repulsion_strength = repulsion_strength,
              learning_rate = learning_rate,
              negative_sample_rate = negative_sample_rate, n_epochs = n_epochs,
              seed = seed, n_threads = n_threads, verbose = verbose)
  if (is.null(dens)) {
    .Call(C_umapc_call_optimize, emb0, g, par)
  } else {
    par$dens_lambda <- dens[[1L]]
    par$dens_frac <- dens[[2L]]
    par$dens_var_shift <- dens[[3L]]
    .Call(C_umapc_call_optimize_densmap, emb0, g, par, as.double(rad_orig))
  }
}

# densMAP's log local radii of the graph's rows (NA: no edge), from the k-NN
# lists the graph was built from; squared distances for the data, plain ones
# for the embedding (as umap-learn).
local_radii <- function(g, min_weight, knn, squared) {
  .Call(C_umapc_call_local_radii, g, knn$indices, knn$distances,
        list(min_weight = min_weight, squared = as.integer(squared)))
}

# umap-learn's radii of an embedding: its own Euclidean k-NN and fuzzy graph
# (set_op_mix_ratio = 1, local_connectivity = 1), unpruned.
embedding_radii <- function(emb, n_neighbors, seed, n_threads) {
  data <- prepare_data(unname(emb), arg = "embedding", accept_dist = FALSE)
  knn <- knn_search(data, n_neighbors, "euclidean", "auto", seed, n_threads,
                    FALSE)
  g <- fuzzy_graph(knn, 1, 1, n_threads)
  local_radii(g, 0, knn, FALSE)
}

check_return_extra <- function(return_extra) {
  if (is.null(return_extra) || (is.character(return_extra) && !length(return_extra))) {
    return(character())
  }
  allowed <- c("sigma", "rho")
  if (!is.character(return_extra) || anyNA(return_extra) || !all(return_extra %in% allowed)) {
    stop_arg("return_extra", return_extra,
             'NULL or a character vector of "sigma", "rho"')
  }
  unique(return_extra)
}
