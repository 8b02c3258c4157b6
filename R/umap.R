# umap(), the exported generic, and its method for matrices and data frames,
# with their documentation; the work is done by umap_impl() (umap_impl.R).

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
#'   phase of the epoch (up to 64 phases below 16,384 rows, 16 from there,
#'   fixed by the number of rows); as in
#'   umap-learn, an edge's attraction moves both of its ends, the other end's
#'   moves being added, in a fixed order, at the end of each phase;
#' * `seed = NULL` takes one draw from R's random number generator, so
#'   [set.seed()] makes it reproducible too; the seed used is stored in the
#'   result as `$seed`;
#' * the same bits on every machine: x86-64 with or without AVX2 or AVX-512, ARM64
#'   (Apple silicon, Graviton, Raspberry Pi), with gcc or clang at any
#'   optimisation level. umapc computes every number itself, in IEEE-754
#'   single and double precision with the order of every operation fixed:
#'   sums in a fixed order that does not depend on the vector width or the
#'   threads, no fused multiply-add, its own `exp()`, `log()` and power
#'   functions (the C library's differ between platforms in the last bit),
#'   no BLAS or LAPACK. The faster AVX2 and AVX-512 kernels and the
#'   portable ones give the same bits ([umapc_kernels()] tells which run, and
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
#'   [predict.umapc()] to embed new rows): a numeric matrix as the
#'   single-precision rows the neighbour searches read (half the size of
#'   `X`), other data as given.
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
#'   (seconds per stage), with `keep_data = TRUE` the training `data` (for
#'   a numeric matrix `X` without `pca`, a `umapc_rows` object: its rows in
#'   single precision, prepared for the metric, which only `predict()`
#'   reads; a data frame, sparse matrix or `dist` as given),
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
