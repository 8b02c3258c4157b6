#' Print a UMAP model
#'
#' One line of size, then the parameters and the seed. Timings are left out
#' unless asked for, so that a printed model is the same on every run (and
#' in every render of a report); [summary()] shows them.
#'
#' @param x A `umapc` object from [umap()].
#' @param timings Also print the seconds spent per stage.
#' @param ... Unused.
#' @return `x`, invisibly.
#' @examples
#' fit <- umap(iris[, 1:4], seed = 1, n_threads = 2, n_epochs = 50)
#' fit
#' print(fit, timings = TRUE)
#' @export
print.umapc <- function(x, timings = FALSE, ...) {
  n <- nrow(x$embedding)
  cat(sprintf("UMAP embedding of %s rows in %d dimensions\n",
              format(n, big.mark = ","), ncol(x$embedding)))
  if (is.null(x$knn) && is.na(x$n_neighbors)) {
    cat(sprintf("  laid out from a given graph   min_dist: %g   spread: %g\n",
                x$min_dist, x$spread))
  } else {
    cat(sprintf("  neighbours: %d (%s, %s)   min_dist: %g   spread: %g\n",
                x$n_neighbors, x$metric, x$method, x$min_dist, x$spread))
  }
  if (!is.null(x$target_metric)) {
    cat(sprintf("  supervised: %s target, target_weight %g\n",
                x$target_metric, x$target_weight))
  }
  cat(sprintf("  epochs: %d   init: %s   a: %.4g   b: %.4g   seed: %s\n",
              x$n_epochs, x$init, x$a, x$b, format(x$seed, scientific = FALSE)))
  if (isTRUE(x$densmap)) {
    cat(sprintf("  densMAP: dens_lambda %g, dens_frac %g, dens_var_shift %g\n",
                x$dens_lambda, x$dens_frac, x$dens_var_shift))
  }
  if (!is.null(x$pca)) {
    cat(sprintf("  PCA: neighbours among the first %d principal components of %d columns\n",
                x$pca$k, nrow(x$pca$rotation)))
  }
  if (isTRUE(timings) && length(x$timings)) {
    cat(sprintf("  time: %.2f s (%s)\n", sum(x$timings),
                paste(sprintf("%s %.2f", names(x$timings), x$timings), collapse = ", ")))
  }
  invisible(x)
}

#' Draw a UMAP embedding
#'
#' A base-graphics scatter plot of the first two embedding dimensions. Point
#' size and transparency adapt to the number of points (readable from 100 to
#' 100,000); points are drawn in a random but fixed order so no group hides
#' another. Factor or character `labels` get categorical colours and a legend;
#' numeric `labels` a continuous palette and a colour key.
#'
#' @param x A `umapc` object from [umap()].
#' @param labels Optional labels, one per row: factor, character, logical or
#'   numeric.
#' @param main,xlab,ylab Title and axis labels.
#' @param pch,cex,alpha Point symbol, size and opacity; `NULL` chooses them
#'   from the number of points. `pch` and `cex` may also give one value per
#'   point (e.g. sizes from densMAP's `rad_emb`).
#' @param palette For categorical labels, a vector of colours (recycled); for
#'   numeric labels, a function of `n` returning `n` colours.
#' @param legend Draw a legend (categorical) or colour key (numeric).
#' @param ... Passed to [graphics::plot.default()].
#' @return `x`, invisibly.
#' @examples
#' fit <- umap(iris[, 1:4], seed = 1, n_threads = 2)
#' plot(fit, labels = iris$Species)
#' plot(fit, labels = iris$Petal.Length)
#' @export
plot.umapc <- function(x, labels = NULL, main = NULL, xlab = NULL, ylab = NULL,
                      pch = NULL, cex = NULL, alpha = NULL, palette = NULL,
                      legend = TRUE, ...) {
  emb <- x$embedding
  n <- nrow(emb)
  if (ncol(emb) < 2L) emb <- cbind(emb, 0)
  if (!is.null(labels) && length(labels) != n) {
    stop(sprintf("`labels` must have one value per row (%d), not %d.", n, length(labels)),
         call. = FALSE)
  }
  if (is.null(main)) {
    main <- sprintf("UMAP: %s points, n_neighbors = %d, min_dist = %g",
                    format(n, big.mark = ","), x$n_neighbors, x$min_dist)
  }
  draw_embedding(emb, labels, main = main,
                 xlab = if (is.null(xlab)) colnames(x$embedding)[1] else xlab,
                 ylab = if (is.null(ylab)) {
                   if (ncol(x$embedding) > 1L) colnames(x$embedding)[2] else ""
                 } else ylab,
                 pch = pch, cex = cex, alpha = alpha, palette = palette,
                 legend = legend, ...)
  invisible(x)
}

# Shared by plot.umapc() and the grid plot.
draw_embedding <- function(emb, labels, main, xlab, ylab, pch = NULL, cex = NULL,
                           alpha = NULL, palette = NULL, legend = TRUE,
                           axes = TRUE, ...) {
  n <- nrow(emb)
  if (is.null(pch)) pch <- if (n > 2000) 16 else 19
  # from about 1 and opaque at 100 points to 0.25 and 30% opaque at 100,000
  if (is.null(cex)) cex <- min(1, max(0.25, 2.5 / log10(max(n, 10))^1.2 - 0.1))
  if (is.null(alpha)) alpha <- min(1, max(0.3, 60 / sqrt(n)))
  col_info <- label_colours(labels, palette, alpha)
  show_legend <- legend && !is.null(col_info$legend)
  if (show_legend) {
    # room for the legend right of the points, so it never hides any
    width <- max(graphics::strwidth(col_info$legend, units = "inches", cex = 0.8)) + 0.45
    mar <- graphics::par("mar")
    old <- graphics::par(mar = c(mar[1:3], max(mar[4], width / graphics::par("csi") + 1)))
    on.exit(graphics::par(old), add = TRUE)
  }
  # a fixed pseudo-random drawing order (independent of R's RNG state)
  ord <- order((seq_len(n) * 2654435761) %% 4294967296)
  # per-point sizes and symbols follow the points into that order
  if (length(cex) == n) cex <- cex[ord]
  if (length(pch) == n) pch <- pch[ord]
  graphics::plot(emb[ord, 1], emb[ord, 2], col = col_info$col[ord], pch = pch,
                 cex = cex, main = main, xlab = xlab, ylab = ylab, axes = axes,
                 ...)
  if (show_legend) {
    usr <- graphics::par("usr")
    graphics::legend(usr[2], usr[4], legend = col_info$legend, col = col_info$key,
                     pch = 19, bty = "n", cex = 0.8, xpd = NA, xjust = 0,
                     title = col_info$title)
  }
}

label_colours <- function(labels, palette, alpha) {
  if (is.null(labels)) {
    return(list(col = rep(grDevices::adjustcolor("grey20", alpha.f = alpha), 1L)))
  }
  if (is.numeric(labels)) {
    pal <- if (is.function(palette)) palette else function(k) grDevices::hcl.colors(k, "viridis")
    cols <- pal(100)
    r <- range(labels, finite = TRUE)
    pos <- if (diff(r) > 0) 1 + floor(99 * (labels - r[1]) / diff(r)) else rep(50, length(labels))
    col <- grDevices::adjustcolor(cols[pos], alpha.f = alpha)
    col[is.na(labels)] <- grDevices::adjustcolor("grey70", alpha.f = alpha)
    at <- pretty(r, 5)
    at <- at[at >= r[1] & at <= r[2]]
    key <- cols[1 + floor(99 * (at - r[1]) / max(diff(r), 1e-300))]
    return(list(col = col, legend = format(at), key = key, title = NULL))
  }
  f <- as.factor(labels)
  lev <- levels(f)
  k <- length(lev)
  pal <- if (is.null(palette)) {
    if (k <= 8) grDevices::palette.colors(max(k, 1), "Okabe-Ito")[seq_len(max(k, 1))]
    else grDevices::hcl.colors(k, "Dark 3")
  } else rep_len(palette, k)
  pal <- unname(pal)
  col <- grDevices::adjustcolor(pal[as.integer(f)], alpha.f = alpha)
  col[is.na(f)] <- grDevices::adjustcolor("grey70", alpha.f = alpha)
  list(col = col, legend = lev, key = pal, title = NULL)
}

#' @export
as.matrix.umapc <- function(x, ...) x$embedding

#' @export
as.data.frame.umapc <- function(x, ...) as.data.frame(x$embedding, ...)

#' @export
dim.umapc <- function(x) dim(x$embedding)

#' @export
dimnames.umapc <- function(x) dimnames(x$embedding)

#' @importFrom utils head tail
#' @export
head.umapc <- function(x, ...) utils::head(x$embedding, ...)

#' @export
tail.umapc <- function(x, ...) utils::tail(x$embedding, ...)

# A model's training rows kept as umapc_rows (see model_data()): their
# dimensions and column names, for predict()'s checks of newdata.

#' @export
dim.umapc_rows <- function(x) unclass(x)$dim

#' @export
dimnames.umapc_rows <- function(x) {
  cn <- unclass(x)$colnames
  if (is.null(cn)) NULL else list(NULL, cn)
}

#' @export
print.umapc_rows <- function(x, ...) {
  d <- dim(x)
  cat(sprintf("<umapc_rows: %s x %d training rows in single precision, prepared for metric \"%s\" (for predict())>\n",
              format(d[1], big.mark = ","), d[2], unclass(x)$metric))
  invisible(x)
}

#' @export
summary.umapc <- function(object, ...) {
  emb <- object$embedding
  structure(list(
    n = nrow(emb), n_components = ncol(emb), metric = object$metric,
    method = object$method, n_neighbors = object$n_neighbors,
    min_dist = object$min_dist, spread = object$spread, a = object$a,
    b = object$b, n_epochs = object$n_epochs, init = object$init,
    seed = object$seed, graph_edges = length(object$graph@x) / 2,
    has_data = !is.null(object$data), timings = object$timings,
    ranges = apply(emb, 2, range), target_metric = object$target_metric,
    target_weight = object$target_weight
  ), class = "summary.umapc")
}

#' @export
print.summary.umapc <- function(x, ...) {
  cat(sprintf("UMAP model: %s rows -> %d dimensions\n", format(x$n, big.mark = ","),
              x$n_components))
  if (is.na(x$n_neighbors)) {
    cat(sprintf("  k-NN: none, laid out from a given graph: %s edges\n",
                format(x$graph_edges, big.mark = ",")))
  } else {
    cat(sprintf("  k-NN: %d neighbours, %s, %s; fuzzy graph: %s edges\n",
                x$n_neighbors, x$metric, x$method, format(x$graph_edges, big.mark = ",")))
  }
  if (!is.null(x$target_metric)) {
    cat(sprintf("  supervised: %s target, target_weight %g\n", x$target_metric,
                x$target_weight))
  }
  cat(sprintf("  layout: min_dist %g, spread %g (a %.4g, b %.4g), %d epochs, %s init\n",
              x$min_dist, x$spread, x$a, x$b, x$n_epochs, x$init))
  cat(sprintf("  seed: %s; training data kept for predict(): %s\n",
              format(x$seed, scientific = FALSE), if (x$has_data) "yes" else "no"))
  if (length(x$timings)) {
    cat(sprintf("  seconds: %s\n", paste(sprintf("%s %.2f", names(x$timings), x$timings),
                                        collapse = ", ")))
  }
  cat("  embedding ranges:\n")
  print(x$ranges)
  invisible(x)
}

# --- models saved by umapc 0.1.0 ---------------------------------------------
# umapc 0.1.0 gave its models the S3 class "umap", which the CRAN package
# umap also uses. Such models are recognised by their content (the CRAN
# package's objects have a `layout` and a `config`, not a `umap_knn`) and
# upgraded to class "umapc" on use. The methods for class "umap" below are
# registered in .onLoad() only when the umap package is not loaded, so they
# never replace that package's methods; for its objects they hand over to
# the next method.

is_legacy_model <- function(x) {
  inherits(x, "umap") && !inherits(x, "umapc") && is.list(x) &&
    is.matrix(x[["embedding"]]) && inherits(x[["knn"]], "umap_knn")
}

# A model of either class as a "umapc" (other objects are returned as they
# are). The caller's object is not modified.
as_umapc_model <- function(x) {
  if (is_legacy_model(x)) class(x) <- "umapc"
  x
}

legacy_print <- function(x, ...) {
  if (is_legacy_model(x)) return(print.umapc(as_umapc_model(x), ...))
  NextMethod()
}

legacy_summary <- function(object, ...) {
  if (is_legacy_model(object)) return(summary.umapc(as_umapc_model(object), ...))
  NextMethod()
}

legacy_plot <- function(x, ...) {
  if (is_legacy_model(x)) return(plot.umapc(as_umapc_model(x), ...))
  NextMethod()
}

legacy_predict <- function(object, ...) {
  if (is_legacy_model(object)) return(predict.umapc(as_umapc_model(object), ...))
  NextMethod()
}

legacy_as_data_frame <- function(x, ...) {
  if (is_legacy_model(x)) return(as.data.frame.umapc(as_umapc_model(x), ...))
  NextMethod()
}

legacy_as_matrix <- function(x, ...) {
  if (is_legacy_model(x)) return(as.matrix.umapc(as_umapc_model(x), ...))
  NextMethod()
}

legacy_methods <- list(print = legacy_print, summary = legacy_summary,
                       plot = legacy_plot, predict = legacy_predict,
                       as.data.frame = legacy_as_data_frame,
                       as.matrix = legacy_as_matrix)

register_legacy_methods <- function(ns) {
  for (g in names(legacy_methods)) {
    # predict() lives in stats, which may not be attached at load time
    registerS3method(g, "umap", legacy_methods[[g]],
                     envir = if (g == "predict") asNamespace("stats") else ns)
  }
}
