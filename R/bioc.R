# Bioconductor: umap() and nearest_neighbors() on a SummarizedExperiment or
# SingleCellExperiment, following scater's runUMAP() conventions. The
# methods are registered in .onLoad() when SummarizedExperiment is installed
# (it is only suggested).

#' UMAP in Bioconductor workflows
#'
#' [umap()] and [nearest_neighbors()] accept a `SingleCellExperiment` (or a
#' `SummarizedExperiment`) and embed its cells, with scater's conventions
#' (as in `scater::runUMAP()`): cells are the **columns** of an assay, so the
#' assay is transposed; a reduced dimension such as `"PCA"` can be used
#' instead. These methods are available when the SummarizedExperiment
#' package is installed.
#'
#' @section Usage:
#' \preformatted{
#' umap(X, ..., dimred = NULL, n_dimred = NULL, assay.type = "logcounts",
#'      name = "UMAP")
#' nearest_neighbors(X, ..., dimred = NULL, n_dimred = NULL,
#'                   assay.type = "logcounts")
#' umap_model(x, name = "UMAP")
#' predict(model, newdata = sce2, dimred = NULL, n_dimred = NULL,
#'         assay.type = NULL)
#' }
#'
#' @section Arguments:
#' * `X`: a `SingleCellExperiment` or `SummarizedExperiment`.
#' * `...`: everything [umap()] (or [nearest_neighbors()]) takes on a matrix:
#'   `n_neighbors`, `seed`, `n_threads`, `knn` (e.g. the output of
#'   `BiocNeighbors::findKNN()` on the same cells), `min_dist`, ...
#' * `dimred`: name of a reduced dimension (`reducedDimNames(X)`) to use
#'   instead of an assay, e.g. `"PCA"`; needs a `SingleCellExperiment`.
#' * `n_dimred`: with `dimred`, the number of its first columns to use, or a
#'   vector of column numbers.
#' * `assay.type`: without `dimred`, the assay (name or number) whose
#'   columns are the cells.
#' * `name`: name of the reduced dimension that receives the embedding.
#'
#' @section Value:
#' On a `SingleCellExperiment`, `umap()` returns it with
#' `reducedDim(X, name)` set to a numeric matrix: one row per cell (row names
#' `colnames(X)`), columns `UMAP1`, `UMAP2`, ... The fitted model is kept as
#' the attribute `"umapc_model"` of that matrix; `umap_model(X, name)`
#' returns it, and `predict(model, newdata = sce2)` embeds the cells of
#' another `SingleCellExperiment` from the same kind of matrix (the same
#' `dimred` or `assay.type` by default). On a `SummarizedExperiment`
#' without reduced dimensions, `umap()` returns the fitted model itself.
#' `nearest_neighbors()` returns the cells' `umap_knn`.
#'
#' The numbers are those of the matrix path: `umap(sce, dimred = "PCA",
#' seed = s)` gives `reducedDim(., "UMAP")` identical to
#' `umap(reducedDim(sce, "PCA"), seed = s)$embedding` (apart from the
#' attribute).
#'
#' To store a model fitted on a matrix, use the matrix:
#' `reducedDim(sce, "UMAP") <- as.matrix(fit)`.
#'
#' @name umapc-bioconductor
#' @examples
#' if (requireNamespace("SingleCellExperiment", quietly = TRUE)) {
#'   set.seed(1)
#'   counts <- matrix(rpois(200 * 60, 5), 200, 60,
#'                    dimnames = list(paste0("gene", 1:200), paste0("cell", 1:60)))
#'   sce <- SingleCellExperiment::SingleCellExperiment(
#'     assays = list(logcounts = log1p(counts)))
#'   sce <- umap(sce, n_neighbors = 10, seed = 1, n_threads = 2, n_epochs = 50)
#'   head(SingleCellExperiment::reducedDim(sce, "UMAP"))
#'   model <- umap_model(sce)
#'   predict(model, newdata = sce[, 1:5], n_threads = 2)
#' }
NULL

is_se <- function(x) isS4(x) && methods::is(x, "SummarizedExperiment")

is_sce <- function(x) isS4(x) && methods::is(x, "SingleCellExperiment")

# The cells x features matrix of a SummarizedExperiment: reducedDim(x,
# dimred) (its first n_dimred columns), or t(assay(x, assay.type)).
se_matrix <- function(x, dimred = NULL, n_dimred = NULL, assay.type = "logcounts",
                      arg = "X") {
  if (!is.null(dimred)) {
    if (!is_sce(x)) {
      stop(sprintf("`dimred` needs a SingleCellExperiment, but `%s` is a %s; use `assay.type`, or as(%s, \"SingleCellExperiment\").",
                   arg, class(x)[1], arg), call. = FALSE)
    }
    available <- SingleCellExperiment::reducedDimNames(x)
    dimred <- check_name_or_number(dimred, "dimred", "a reduced dimension")
    ok <- if (is.character(dimred)) dimred %in% available else
      dimred <= length(available)
    if (!ok) {
      stop(sprintf("`dimred` = %s is not a reduced dimension of `%s`, which has %s.",
                   describe_value(dimred), arg,
                   if (length(available)) paste0("\"", available, "\"", collapse = ", ")
                   else "none (run scater::runPCA() first, or use `assay.type`)"),
           call. = FALSE)
    }
    m <- SingleCellExperiment::reducedDim(x, dimred, withDimnames = TRUE)
    if (!is.null(n_dimred)) {
      nc <- ncol(m)
      if (!is.numeric(n_dimred) || !length(n_dimred) || anyNA(n_dimred) ||
          any(n_dimred != round(n_dimred)) || any(n_dimred < 1) ||
          (length(n_dimred) == 1L && n_dimred > nc) ||
          (length(n_dimred) > 1L && any(n_dimred > nc))) {
        stop_arg("n_dimred", n_dimred,
                 sprintf("NULL, a whole number from 1 to %d (the columns of reducedDim \"%s\"), or a vector of column numbers",
                         nc, dimred))
      }
      cols <- if (length(n_dimred) == 1L) seq_len(n_dimred) else n_dimred
      m <- m[, cols, drop = FALSE]
    }
    if (is.matrix(m)) {
      # drop the extra attributes (e.g. scater's "rotation", "percentVar")
      attributes(m) <- list(dim = dim(m), dimnames = dimnames(m))
    }
    return(m)
  }
  if (!is.null(n_dimred)) {
    stop("`n_dimred` needs `dimred` (the reduced dimension to take the columns of).",
         call. = FALSE)
  }
  available <- SummarizedExperiment::assayNames(x)
  assay.type <- check_name_or_number(assay.type, "assay.type", "an assay")
  ok <- if (is.character(assay.type)) assay.type %in% available else
    assay.type <= length(SummarizedExperiment::assays(x))
  if (!ok) {
    stop(sprintf("`assay.type` = %s is not an assay of `%s`, which has %s.%s",
                 describe_value(assay.type), arg,
                 if (length(available)) paste0("\"", available, "\"", collapse = ", ") else "none",
                 if (identical(assay.type, "logcounts"))
                   " Normalise first (e.g. scuttle::logNormCounts()), or choose `assay.type` or `dimred`." else ""),
         call. = FALSE)
  }
  a <- SummarizedExperiment::assay(x, assay.type, withDimnames = TRUE)
  if (isS4(a) && methods::is(a, "DelayedArray")) a <- realize_delayed(a)
  if (inherits(a, "Matrix") && !inherits(a, "dgCMatrix")) {
    a <- if (methods::is(a, "sparseMatrix")) as_dgc(a) else as.matrix(a)
  }
  if (inherits(a, "Matrix")) Matrix::t(a) else t(a)
}

check_name <- function(name) {
  check_string(name, "name", "a single non-empty string (the reducedDim name)",
               nonempty = TRUE)
}

# A reducedDim or assay, by name (a string) or by number (a whole number >= 1).
check_name_or_number <- function(x, arg, what) {
  if (is.numeric(x)) return(check_number(x, arg, lower = 1, integer = TRUE))
  check_string(x, arg, sprintf("the name or number of %s", what))
}

# umap() on a SummarizedExperiment (registered as umap.SummarizedExperiment).
umap_se <- function(X, ..., dimred = NULL, n_dimred = NULL,
                    assay.type = "logcounts", name = "UMAP") {
  sce <- is_sce(X)
  if (sce) check_name(name)
  m <- se_matrix(X, dimred, n_dimred, assay.type)
  # the cells are the rows here: no genes x cells hint
  fit <- withCallingHandlers(umap.default(m, ...),
                             umapc_orientation = function(c) invokeRestart("muffleMessage"))
  fit$input <- list(dimred = dimred, n_dimred = n_dimred,
                    assay.type = if (is.null(dimred)) assay.type else NULL)
  fit$call <- sys.call()
  if (!sce) return(fit)
  emb <- fit$embedding
  rownames(emb) <- colnames(X)
  attr(emb, "umapc_model") <- fit
  SingleCellExperiment::reducedDim(X, name) <- emb
  X
}

# nearest_neighbors() on a SummarizedExperiment.
nearest_neighbors_se <- function(X, ..., dimred = NULL, n_dimred = NULL,
                                 assay.type = "logcounts") {
  m <- se_matrix(X, dimred, n_dimred, assay.type)
  withCallingHandlers(nearest_neighbors.default(m, ...),
                      umapc_orientation = function(c) invokeRestart("muffleMessage"))
}

#' The UMAP model stored by umap() on a SingleCellExperiment
#'
#' `umap(sce)` stores the fitted model with the embedding, as the attribute
#' `"umapc_model"` of `reducedDim(sce, name)`; this returns it, for
#' [predict.umapc()], [summary()] or a plot.
#'
#' @param x A `SingleCellExperiment` returned by [umap()], or the reduced
#'   dimension matrix itself.
#' @param name Name of the reduced dimension.
#' @return The `umapc` model.
#' @seealso [umapc-bioconductor]
#' @examples
#' if (requireNamespace("SingleCellExperiment", quietly = TRUE)) {
#'   sce <- SingleCellExperiment::SingleCellExperiment(
#'     assays = list(logcounts = t(as.matrix(iris[, 1:4]))))
#'   sce <- umap(sce, seed = 1, n_threads = 2, n_epochs = 50)
#'   umap_model(sce)
#' }
#' @export
umap_model <- function(x, name = "UMAP") {
  m <- if (is_sce(x)) {
    check_name(name)
    if (!name %in% SingleCellExperiment::reducedDimNames(x)) {
      stop(sprintf("`x` has no reduced dimension \"%s\"; it has %s.", name,
                   paste0("\"", SingleCellExperiment::reducedDimNames(x), "\"",
                          collapse = ", ")), call. = FALSE)
    }
    SingleCellExperiment::reducedDim(x, name, withDimnames = FALSE)
  } else x
  model <- attr(m, "umapc_model", exact = TRUE)
  if (is.null(model)) {
    stop(sprintf("no umapc model is stored with %s; it was not computed by umapc's umap(sce) (or was subset, which drops the model).",
                 if (is_sce(x)) sprintf("reducedDim(x, \"%s\")", name) else "`x`"),
         call. = FALSE)
  }
  as_umapc_model(model)
}
