#' UMAP over a grid of n_neighbors and min_dist
#'
#' The "Precomputed k-nn" workflow in one call: the nearest neighbours are
#' computed once at `max(n_neighbors)` (or taken from `knn`), the fuzzy graph
#' and the initial layout once per `n_neighbors`, and one layout per
#' (`n_neighbors`, `min_dist`) pair. Each layout is exactly the one [umap()]
#' gives for the same `knn`, parameters and `seed`.
#'
#' @inheritParams umap
#' @param n_neighbors,min_dist Vectors of values; every combination is run.
#' @param knn Optional precomputed neighbours with at least
#'   `max(n_neighbors)` columns (see [as_umap_knn()]).
#' @param ... Further arguments to [umap()] (e.g. `n_components`, `spread`,
#'   `n_epochs`, `init`, `metric`, `metric_p`, `method`, `pca`), used for
#'   every layout (with `pca`, the data are reduced once, before the search).
#' @return An object of class `umap_grid`: a list with `embeddings` (a list
#'   matrix, `embeddings[[i, j]]` the layout for `n_neighbors[i]` and
#'   `min_dist[j]`), `n_neighbors`, `min_dist`, `knn`, `seed`, `a`, `b`
#'   (matrices like `embeddings`), `layout_seconds` (seconds per layout,
#'   the shared graph and initial layout counted in the first of each row),
#'   and `timings` (k-NN and total seconds).
#' @seealso [plot.umap_grid()]
#' @examples
#' grid <- umap_grid(iris[, 1:4], n_neighbors = c(5, 30), min_dist = c(0, 0.5),
#'                   seed = 1, n_threads = 2, n_epochs = 100)
#' plot(grid, labels = iris$Species)
#' @export
umap_grid <- function(X, n_neighbors = c(5, 50, 100, 250),
                      min_dist = c(0, 0.2, 0.5, 0.9), knn = NULL, seed = NULL,
                      n_threads = NULL, verbose = FALSE, ...) {
  seed <- resolve_seed(seed)
  n_threads <- resolve_threads(n_threads)
  use_kernels()
  check_flag(verbose, "verbose")
  if (!is.null(X)) check_orientation(X)
  dots <- list(...)
  bad <- intersect(names(dots), c("a", "b", "X", "knn", "graph"))
  if (length(bad)) {
    stop(sprintf("`%s` cannot be passed to umap_grid() through `...`.", bad[1]), call. = FALSE)
  }
  if (!is.numeric(n_neighbors) || !length(n_neighbors) || anyNA(n_neighbors)) {
    stop_arg("n_neighbors", n_neighbors, "a numeric vector of whole numbers >= 2")
  }
  if (!is.numeric(min_dist) || !length(min_dist) || anyNA(min_dist)) {
    stop_arg("min_dist", min_dist, "a numeric vector of numbers >= 0")
  }
  t0 <- proc.time()[["elapsed"]]
  k_max <- max(n_neighbors)
  pca_model <- NULL
  if (is.null(knn)) {
    if (is.null(X)) stop("`X` can be NULL only when `knn` is given.", call. = FALSE)
    data <- prepare_data(X, metric = dots$metric)
    check_rows(data$n)
    metric <- if (is.null(dots$metric)) {
      if (data$kind == "dist") "precomputed" else "euclidean"
    } else dots$metric
    method <- if (is.null(dots$method)) "auto" else dots$method
    if (!is.null(dots$pca)) {
      check_metric(metric)
      red <- pca_reduce(data, check_pca(dots$pca, data, metric), seed,
                        n_threads, verbose)
      data <- red$data
      pca_model <- red$pca
    }
    check_knn_args(data, k_max, metric, method, n_threads, verbose)
    metric_p <- check_metric_p(metric, dots$metric_p)
    k_max <- check_number(k_max, "n_neighbors", lower = 2, upper = data$n,
                          upper_open = TRUE, integer = TRUE)
    knn <- knn_search(data, k_max, metric, method, seed, n_threads, verbose,
                      metric_p = metric_p)
    if (!is.null(pca_model)) knn$pca <- pca_model$k
  } else {
    data <- if (is.null(X)) NULL else prepare_data(X, metric = dots$metric)
    knn <- as_umap_knn(knn, n = if (is.null(data)) NULL else data$n)
    if (!is.null(dots$pca)) {
      metric <- if (is.null(dots$metric)) "euclidean" else dots$metric
      check_metric(metric)
      red <- pca_reduce(data, check_pca(dots$pca, data, metric), seed,
                        n_threads, verbose)
      data <- red$data
      pca_model <- red$pca
    }
  }
  t_knn <- proc.time()[["elapsed"]] - t0
  # X and knn are checked: the layouts take them as they are
  prepared <- list(data = data, knn = knn, pca = pca_model)

  nk <- length(n_neighbors)
  nd <- length(min_dist)
  emb <- matrix(list(), nk, nd, dimnames = list(paste0("n_neighbors=", n_neighbors),
                                                  paste0("min_dist=", min_dist)))
  a <- b <- matrix(NA_real_, nk, nd, dimnames = dimnames(emb))
  layout_seconds <- a
  for (i in seq_len(nk)) {
    # graph and initial layout once per n_neighbors, then one layout per
    # min_dist (fit_layouts() runs exactly umap()'s stages)
    fits <- fit_layouts(X, knn, n_neighbors[i], min_dist, seed, n_threads,
                        verbose, dots, prepared)
    for (j in seq_len(nd)) {
      emb[[i, j]] <- fits[[j]]$embedding
      a[i, j] <- fits[[j]]$a
      b[i, j] <- fits[[j]]$b
      layout_seconds[i, j] <- sum(fits[[j]]$timings[c("graph", "init", "optimize")], na.rm = TRUE)
    }
  }
  structure(list(embeddings = emb, n_neighbors = n_neighbors, min_dist = min_dist,
                 knn = knn, seed = seed, a = a, b = b, layout_seconds = layout_seconds,
                 timings = c(knn = t_knn, total = proc.time()[["elapsed"]] - t0)),
            class = "umap_grid")
}

# umap() for one n_neighbors and several min_dist, sharing the graph and the
# initial layout between them (they do not depend on min_dist). Arguments
# not given in `dots` take umap()'s defaults.
fit_layouts <- function(X, knn, n_neighbors, min_dist, seed, n_threads,
                        verbose, dots, prepared = NULL) {
  defaults <- formals(umap.default)
  args <- lapply(defaults[setdiff(names(defaults), c("X", "knn", "..."))], eval)
  args[names(dots)] <- dots
  args$n_neighbors <- n_neighbors
  args$seed <- seed
  args$n_threads <- n_threads
  args$verbose <- verbose
  args$keep_data <- FALSE
  shared <- NULL
  lapply(min_dist, function(d) {
    args$min_dist <- d
    fit <- do.call(umap_impl, c(list(X = X, knn = knn), args,
                                list(metric_given = !is.null(dots$metric),
                                     shared = shared, prepared = prepared,
                                     keep_shared = TRUE)))
    shared <<- fit$.shared
    fit
  })
}

#' @export
print.umap_grid <- function(x, timings = FALSE, ...) {
  n <- nrow(x$embeddings[[1, 1]])
  cat(sprintf("UMAP grid: %d layouts of %s rows (n_neighbors: %s; min_dist: %s)\n",
              length(x$embeddings), format(n, big.mark = ","),
              paste(x$n_neighbors, collapse = ", "), paste(x$min_dist, collapse = ", ")))
  cat(sprintf("  k-NN: k = %d (%s)   seed: %s\n",
              x$knn$k, x$knn$method, format(x$seed, scientific = FALSE)))
  if (isTRUE(timings)) {
    cat(sprintf("  time: %.1f s (k-NN %.1f s)\n", x$timings[["total"]],
                x$timings[["knn"]]))
  }
  invisible(x)
}

#' Draw a grid of UMAP embeddings
#'
#' The figure of the "Precomputed k-nn" tutorial: one panel per layout, rows
#' `n_neighbors`, columns `min_dist`, points coloured by `labels`.
#'
#' @param x A `umap_grid` from [umap_grid()].
#' @param labels Optional labels, one per row of the data.
#' @param main Overall title.
#' @param legend Draw a legend of the labels below the panels, in as many
#'   rows as it needs to fit the width of the figure.
#' @param ... Passed to the point drawing (e.g. `cex`, `alpha`, `pch`).
#' @return `x`, invisibly.
#' @export
plot.umap_grid <- function(x, labels = NULL,
                           main = "UMAP embeddings with a grid of parameters",
                           legend = TRUE, ...) {
  nk <- length(x$n_neighbors)
  nd <- length(x$min_dist)
  info <- if (!is.null(labels)) label_colours(labels, NULL, 1) else NULL
  show_legend <- legend && !is.null(info$legend)
  lay <- if (show_legend) grid_legend_layout(info$legend) else NULL
  old <- graphics::par(mfrow = c(nk, nd), mar = c(0.4, 0.4, 0.4, 0.4),
                       oma = c(if (show_legend) lay$lines + 0.5 else 1, 3, 5, 1))
  on.exit(graphics::par(old))
  for (i in seq_len(nk)) {
    for (j in seq_len(nd)) {
      draw_embedding(x$embeddings[[i, j]], labels, main = "", xlab = "", ylab = "",
                     legend = FALSE, axes = FALSE, frame.plot = TRUE,
                     ...)
      if (i == 1L) graphics::mtext(sprintf("min_dist = %g", x$min_dist[j]), side = 3, line = 0.5, cex = 0.8)
      if (j == 1L) graphics::mtext(sprintf("n_neighbors = %g", x$n_neighbors[i]), side = 2, line = 0.5, cex = 0.8)
    }
  }
  graphics::mtext(main, side = 3, outer = TRUE, line = 2.5, cex = 1.1, font = 2)
  if (show_legend) {
    graphics::par(fig = c(0, 1, 0, 1), oma = c(0, 0, 0, 0), mar = c(0, 0, 0, 0), new = TRUE)
    graphics::plot.new()
    # user coordinates = the figure's, from 0 to 1
    graphics::plot.window(c(0, 1), c(0, 1), xaxs = "i", yaxs = "i")
    r <- graphics::legend(0.5, 0, legend = info$legend, col = info$key, pch = 19,
                          ncol = lay$ncol, bty = "n", cex = lay$cex, xpd = NA,
                          xjust = 0.5, yjust = 0)
    grid_state$legend <- r$rect
  }
  invisible(x)
}

# The last grid legend's box, in figure coordinates (0 to 1): for tests.
grid_state <- new.env(parent = emptyenv())

# Columns and text size for the grid's legend so that it fits the device's
# width: all labels on one row if they fit, else as many columns as fit
# (down to one), the text shrunk a little if even one column is too wide.
# Returns the number of columns, the size, and the margin lines it needs.
grid_legend_layout <- function(labels, cex = 0.8) {
  width <- graphics::par("din")[1] * 0.96
  chr <- graphics::par("cin")[1]
  k <- length(labels)
  fits <- function(nc, cex) {
    # as legend(): per column, the symbol and gaps (about 2.5 characters)
    # plus its widest label
    text_w <- graphics::strwidth(labels, units = "inches", cex = cex)
    cols <- split(text_w, ceiling(seq_len(k) / ceiling(k / nc)))
    sum(vapply(cols, max, numeric(1)) + 2.5 * chr * cex) + chr * cex <= width
  }
  nc <- k
  while (nc > 1L && !fits(nc, cex)) nc <- nc - 1L
  while (!fits(nc, cex) && cex > 0.4) cex <- cex - 0.05
  rows <- ceiling(k / nc)
  list(ncol = nc, cex = cex, lines = rows * cex * 1.1 + 0.8)
}
