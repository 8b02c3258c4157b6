# ggplot2 and tidymodels (generics/broom) methods. Both packages are only
# suggested: the methods are registered lazily (S3method(pkg::generic, ...)
# in NAMESPACE), when the package that owns the generic is loaded.

#' Tidy data and ggplot2 plots from a UMAP model
#'
#' Methods for the generics of \pkg{ggplot2} and \pkg{generics} (used by
#' \pkg{broom} and tidymodels), registered when those packages are loaded.
#' `ggplot(fit)`, `fortify(fit)` and `tidy(fit)` give a data frame with one
#' row per embedded point; `augment(fit, data)` binds the coordinates
#' `UMAP1`, `UMAP2`, ... to the data; `autoplot(fit, labels = ...)` draws the
#' embedding with ggplot2.
#'
#' @param model,x,object A `umapc` model from [umap()].
#' @param data Optional data with one row per embedded point (e.g. the data
#'   the model was fitted on, with label columns), whose columns are kept.
#'   For `augment()`, the model's own training data by default.
#' @param labels Optional labels, one per point, for the colour; or the name
#'   of a column of `data`.
#' @param ... For `autoplot()`, passed to [ggplot2::geom_point()]; otherwise
#'   unused.
#' @return `fortify()` and `augment()`: a data frame with the columns of
#'   `data` (if any), then `UMAP1`, `UMAP2`, ..., then `label` when `labels`
#'   are given. `tidy()`: a data frame with `row` (the row names, or numbers)
#'   and `UMAP1`, `UMAP2`, .... `glance()`: one row with the size and the
#'   main parameters. `autoplot()`: a ggplot object.
#' @examples
#' fit <- umap(iris[, 1:4], seed = 1, n_threads = 2, n_epochs = 50)
#' head(fit)
#' dim(fit)
#' if (requireNamespace("generics", quietly = TRUE)) {
#'   head(generics::augment(fit, iris))
#' }
#' if (requireNamespace("ggplot2", quietly = TRUE)) {
#'   ggplot2::autoplot(fit, labels = iris$Species)
#'   ggplot2::ggplot(fit, ggplot2::aes(UMAP1, UMAP2)) + ggplot2::geom_point()
#' }
#' @name umapc-tidy
NULL

# data (a data frame or matrix with n rows, or NULL) with the embedding's
# columns bound to it, and `label` when labels are given.
bind_embedding <- function(emb, data = NULL, labels = NULL) {
  n <- nrow(emb)
  out <- as.data.frame(emb)
  if (!is.null(data)) {
    if (is_se(data)) data <- methods::as(SummarizedExperiment::colData(data), "data.frame")
    if (isS4(data) && methods::is(data, "DataFrame")) data <- methods::as(data, "data.frame")
    if (inherits(data, "dist")) stop("`data` must be a data frame or matrix with one row per point, not a `dist` object.", call. = FALSE)
    if (is.matrix(data) || inherits(data, "Matrix")) data <- as.data.frame(as.matrix(data))
    if (!is.data.frame(data)) stop_arg("data", data, "a data frame or matrix with one row per point")
    if (nrow(data) != n) {
      stop(sprintf("`data` must have one row per embedded point (%d), not %d.", n, nrow(data)),
           call. = FALSE)
    }
    clash <- intersect(names(out), names(data))
    if (length(clash)) {
      warning(sprintf("`data` already has %s; replaced by the model's coordinates.",
                      paste0("`", clash, "`", collapse = ", ")), call. = FALSE)
      data <- data[setdiff(names(data), clash)]
    }
    rn <- attr(data, "row.names")
    out <- cbind(data, out)
    if (is.character(rn)) rownames(out) <- rn
  }
  if (!is.null(labels)) {
    if (is.character(labels) && length(labels) == 1L && n != 1L) {
      if (is.null(data) || !labels %in% names(out)) {
        stop(sprintf("`labels` = \"%s\" must name a column of `data`, or give one label per point.",
                     labels), call. = FALSE)
      }
      labels <- out[[labels]]
    }
    if (length(labels) != n) {
      stop(sprintf("`labels` must have one value per point (%d), not %d.", n, length(labels)),
           call. = FALSE)
    }
    out$label <- labels
  }
  out
}

#' @rdname umapc-tidy
#' @exportS3Method ggplot2::fortify
fortify.umapc <- function(model, data = NULL, labels = NULL, ...) {
  bind_embedding(model$embedding, data, labels)
}

#' @rdname umapc-tidy
#' @exportS3Method ggplot2::autoplot
autoplot.umapc <- function(object, labels = NULL, data = NULL, ...) {
  df <- fortify.umapc(object, data = data, labels = labels)
  emb <- object$embedding
  if (ncol(emb) < 2L) df$UMAP2 <- 0
  map <- list(x = as.name("UMAP1"), y = as.name("UMAP2"))
  if (!is.null(labels)) map$colour <- as.name("label")
  mapping <- do.call(ggplot2::aes, map)
  p <- ggplot2::ggplot(df, mapping) + ggplot2::geom_point(...) +
    ggplot2::labs(title = sprintf("UMAP: %s points, n_neighbors = %d, min_dist = %g",
                                  format(nrow(emb), big.mark = ","),
                                  object$n_neighbors, object$min_dist))
  if (!is.null(labels)) {
    p <- p + ggplot2::labs(colour = if (is.character(labels) && length(labels) == 1L &&
                                        nrow(emb) != 1L) labels else "label")
  }
  p
}

#' @rdname umapc-tidy
#' @exportS3Method generics::tidy
tidy.umapc <- function(x, ...) {
  emb <- x$embedding
  rn <- rownames(emb)
  out <- as.data.frame(emb)
  rownames(out) <- NULL
  cbind(data.frame(row = if (is.null(rn)) seq_len(nrow(emb)) else rn,
                   stringsAsFactors = FALSE), out)
}

#' @rdname umapc-tidy
#' @exportS3Method generics::augment
augment.umapc <- function(x, data = NULL, ...) {
  if (is.null(data) && (is.data.frame(x$data) || is.matrix(x$data))) data <- x$data
  bind_embedding(x$embedding, data)
}

#' @rdname umapc-tidy
#' @exportS3Method generics::glance
glance.umapc <- function(x, ...) {
  data.frame(n = nrow(x$embedding), n_components = ncol(x$embedding),
             n_neighbors = x$n_neighbors, min_dist = x$min_dist,
             metric = x$metric, n_epochs = x$n_epochs, seed = x$seed,
             stringsAsFactors = FALSE)
}
