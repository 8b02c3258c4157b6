# The `umap_knn` class: the k-nearest-neighbour graph that nearest_neighbors()
# returns and umap() accepts as `knn =`: its constructor, pruning to fewer
# neighbours and printing. Conversion from other packages' formats, with
# validation and normalisation, is in knn_convert.R.

# ---------------------------------------------------------------------------
# Constructor
# ---------------------------------------------------------------------------

#' Construct a `umap_knn` object (internal)
#'
#' Low-level constructor for the k-nearest-neighbour graph that
#' [nearest_neighbors()] returns and [umap()] accepts as `knn =`. It only checks
#' types; use [as_umap_knn()] to validate and normalise arbitrary input.
#'
#' @param indices An `n x k` integer matrix of 1-based row numbers. Row `i`
#'   holds `i` itself in column 1, then its neighbours by ascending distance
#'   (ties broken by lower index).
#' @param distances An `n x k` double matrix of the matching distances
#'   (column 1 is 0).
#' @param metric,method Single strings recording how the graph was computed, or
#'   `NA`.
#' @param seed The seed used to compute the graph, or `NA`.
#' @return An object of class `umap_knn`: a list with elements `indices`,
#'   `distances`, `metric`, `method`, `seed` and `k` (`ncol(indices)`).
#' @noRd
new_umap_knn <- function(indices, distances, metric = NA_character_,
                         method = NA_character_, seed = NA_real_) {
  stopifnot(
    is.matrix(indices), is.integer(indices),
    is.matrix(distances), is.double(distances),
    identical(dim(indices), dim(distances)),
    length(metric) == 1L, length(method) == 1L, length(seed) == 1L
  )
  # Only touch dimnames when present: assigning NULL would copy the matrices.
  if (!is.null(dimnames(indices))) dimnames(indices) <- NULL
  if (!is.null(dimnames(distances))) dimnames(distances) <- NULL
  structure(
    list(
      indices = indices,
      distances = distances,
      metric = as.character(metric),
      method = as.character(method),
      seed = seed,
      k = ncol(indices)
    ),
    class = "umap_knn"
  )
}

# ---------------------------------------------------------------------------
# Pruning
# ---------------------------------------------------------------------------

#' Keep the first `n_neighbors` columns of a `umap_knn` (internal)
#'
#' Rows are sorted (self first, then by distance), so the first `n_neighbors`
#' columns are each point's `n_neighbors` nearest neighbours including itself.
#'
#' @param knn A `umap_knn` object (anything else goes through [as_umap_knn()]).
#' @param n_neighbors Number of neighbours to keep, counting self.
#' @return A `umap_knn` with `k = n_neighbors`; metadata are kept.
#' @noRd
prune_knn <- function(knn, n_neighbors) {
  if (!inherits(knn, "umap_knn")) knn <- as_umap_knn(knn)
  n_neighbors <- check_number(n_neighbors, "n_neighbors", lower = 2, integer = TRUE)
  k <- ncol(knn$indices)
  if (k < n_neighbors) {
    stop("`knn` has ", k, " neighbours per row (including self) but ",
         "n_neighbors = ", n_neighbors, "; compute it with ",
         "nearest_neighbors(X, n_neighbors = ", n_neighbors, ") or larger.",
         call. = FALSE)
  }
  if (k == n_neighbors) return(knn)
  keep <- seq_len(n_neighbors)
  knn$indices <- knn$indices[, keep, drop = FALSE]
  knn$distances <- knn$distances[, keep, drop = FALSE]
  knn$k <- n_neighbors
  knn
}

# ---------------------------------------------------------------------------
# Printing
# ---------------------------------------------------------------------------

#' Print a `umap_knn` object
#'
#' Shows the size of the neighbour graph, how it was computed and the first
#' rows of its index matrix.
#'
#' @param x A `umap_knn` object.
#' @param n_rows,n_cols How many rows and columns of `x$indices` to show.
#' @param ... Unused.
#' @return `x`, invisibly.
#' @method print umap_knn
#' @export
print.umap_knn <- function(x, n_rows = 6L, n_cols = 8L, ...) {
  idx <- x$indices
  nr <- nrow(idx)
  k <- ncol(idx)
  fmt <- function(v) if (length(v) != 1L || is.na(v)) "NA" else format(v)
  cat(sprintf("<umap_knn> %d rows x %d neighbours (including self)\n", nr, k))
  cat(sprintf("  metric: %s, method: %s, seed: %s%s\n",
              fmt(x$metric), fmt(x$method), fmt(x$seed),
              if (is.numeric(x$pca)) sprintf(", pca: %d", as.integer(x$pca)) else ""))
  if (nr > 0L && k > 0L) {
    rs <- seq_len(min(nr, n_rows))
    cs <- seq_len(min(k, n_cols))
    shown <- idx[rs, cs, drop = FALSE]
    dimnames(shown) <- list(paste0("[", rs, ",]"), paste0("[,", cs, "]"))
    more <- c(if (nr > n_rows) sprintf("%d more rows", nr - n_rows),
              if (k > n_cols) sprintf("%d more columns", k - n_cols))
    cat("  indices", if (length(more)) sprintf(" (%s)", paste(more, collapse = ", ")),
        ":\n", sep = "")
    print(shown)
  }
  invisible(x)
}
