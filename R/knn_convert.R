# Conversion of k-nearest-neighbour graphs to the `umap_knn` class
# (knn_class.R) from the formats other R packages produce: validation and
# normalisation (self first, rows sorted by distance, repeats dropped).
#
# The conversions are vectorised R (base, methods, Matrix) over rows, so
# converting a 1,000,000 x 250 neighbour matrix costs a few passes over it
# rather than a million small sorts; validating a large neighbour matrix
# (ranges, order of the distances) is done in C.

# ---------------------------------------------------------------------------
# Conversion
# ---------------------------------------------------------------------------

#' Convert a nearest-neighbour graph to a `umap_knn` object
#'
#' Converts the k-nearest-neighbour results of other R packages (or of umapc
#' itself) to the `umap_knn` class that [umap()] accepts as `knn =`. [umap()]
#' calls this for you; call it yourself to check a graph once and reuse the
#' result.
#'
#' @details
#' Accepted formats:
#'
#' * a `umap_knn` (from [nearest_neighbors()]): validated and returned;
#' * a fitted `umapc` model (or a `umap` one from umapc 0.1.0): its `$knn`
#'   is converted (this also covers the \pkg{umap} package's objects of
#'   class `umap`, whose `$knn` is `list(indexes, distances)`);
#' * \pkg{uwot}'s `list(idx, dist)` (self included), or uwot's `$nn` from
#'   `ret_nn = TRUE`, a one-element list named by the metric, which is kept
#'   (uwot may list a point twice in its own row when the data have
#'   duplicate rows: see below);
#' * \pkg{BiocNeighbors}' `list(index, distance)` (self excluded);
#' * \pkg{RANN}'s `nn2()` result `list(nn.idx, nn.dists)` (self included when
#'   the query is the data);
#' * \pkg{FNN}'s `get.knn()` result `list(nn.index, nn.dist)` (self excluded);
#' * the \pkg{umap} package's `list(indexes, distances)`;
#' * a \pkg{Seurat} `Neighbor` object (slots `nn.idx` and `nn.dist`), without
#'   needing Seurat;
#' * a sparse `n x n` distance matrix (e.g. [Matrix::dgCMatrix-class]) in
#'   uwot's orientation: column `i` stores the distances from point `i` to
#'   its neighbours, in the rows of those neighbours. Every column must store
#'   the same number of entries. Distances of zero are usually not stored in a
#'   sparse matrix, so self is added back whether it is stored or not; store
#'   zero distances between duplicate points as explicit zeros.
#'
#' Index matrices may be integer or whole-number doubles; they must be 1-based
#' (add 1 to indices computed in Python).
#'
#' Every format is normalised the same way, whatever its origin:
#'
#' * If no row lists the point itself (a self-excluded format), self is
#'   prepended at distance 0 to every row and **all** given neighbours are kept,
#'   so `k` is one more than the number of columns given.
#' * Otherwise `k` is the number of columns given. A row that lists itself
#'   anywhere gets it moved to column 1 at distance 0 (duplicate points can put
#'   another point first); a row that does not list itself (e.g. an approximate
#'   search missed it) gets self prepended and loses its farthest neighbour.
#' * The neighbours after self are sorted by distance, ties by lower index.
#' * A point listed more than once in a row (e.g. uwot's exact search on
#'   duplicate rows lists the point itself twice) is kept once, with one
#'   warning; the row is filled up at its end with the point itself at the
#'   row's largest distance, which the fuzzy graph ignores (self-edges get no
#'   weight).
#'
#' The input is never modified.
#'
#' @param x The neighbour graph, in one of the formats listed in Details.
#' @param n Optional number of data rows the graph must describe. When given,
#'   `x` must have exactly `n` rows; indices must in any case lie between 1 and
#'   the number of rows.
#' @param ... Unused; for methods.
#' @return A `umap_knn` object: a list with `indices` (an `n x k` integer
#'   matrix, row `i` starting with `i`), `distances` (`n x k` double, ascending
#'   along each row, starting at 0), `metric`, `method`, `seed` (carried over
#'   from a `umap_knn` or `umap` object, otherwise `NA`; `metric` is also taken
#'   from uwot's `$nn`) and `k`.
#' @seealso [nearest_neighbors()] to compute the graph, [umap()] to use it.
#' @examples
#' # Five points on a line and their two nearest neighbours, self excluded
#' # (the layout of FNN::get.knn() and BiocNeighbors::findKNN()).
#' x <- c(0, 1, 3, 7, 8)
#' d <- as.matrix(dist(x))
#' diag(d) <- Inf
#' nn_index <- t(apply(d, 1, order))[, 1:2]
#' nn_dist <- t(apply(d, 1, sort))[, 1:2]
#' knn <- as_umap_knn(list(nn.index = nn_index, nn.dist = nn_dist))
#' knn             # self added: 3 neighbours per row
#' knn$indices
#' @export
as_umap_knn <- function(x, n = NULL, ...) {
  UseMethod("as_umap_knn")
}

#' @rdname as_umap_knn
#' @export
as_umap_knn.umap_knn <- function(x, n = NULL, ...) {
  n <- knn_check_n(n)
  if (!all(c("indices", "distances") %in% names(x))) {
    stop("`knn` has class \"umap_knn\" but lacks `indices` and/or `distances`; ",
         "recompute it with nearest_neighbors().", call. = FALSE)
  }
  knn_from_list(unclass(x), c("indices", "distances"), n)
}

#' @rdname as_umap_knn
#' @export
as_umap_knn.umapc <- function(x, n = NULL, ...) {
  as_umap_knn.umap(x, n = n, ...)
}

#' @rdname as_umap_knn
#' @export
as_umap_knn.umap <- function(x, n = NULL, ...) {
  if (is.null(x[["knn"]])) {
    stop("`knn` is a fitted `umap` object without a `$knn` component, so it ",
         "holds no neighbour graph to reuse.", call. = FALSE)
  }
  as_umap_knn(x[["knn"]], n = n, ...)
}

#' @rdname as_umap_knn
#' @importFrom methods as is slot slotNames
#' @importClassesFrom Matrix sparseMatrix dgCMatrix
#' @export
as_umap_knn.default <- function(x, n = NULL, ...) {
  n <- knn_check_n(n)

  # Seurat `Neighbor` (S4), detected without depending on Seurat.
  if (knn_is_neighbor(x)) {
    return(knn_from_matrices(
      methods::slot(x, "nn.idx"), methods::slot(x, "nn.dist"), n,
      labels = c("`knn@nn.idx`", "`knn@nn.dist`")
    ))
  }

  # Seurat `Graph` (a dgCMatrix of similarities, e.g. obj[["RNA_snn"]]):
  # not distances, so refused rather than misread.
  if (isS4(x) && "Graph" %in% methods::is(x)) {
    stop("`knn` is a Seurat `Graph`, which holds similarities (shared-neighbour ",
         "or fuzzy weights), not distances. Pass Seurat's `Neighbor` object ",
         "instead (FindNeighbors(..., return.neighbor = TRUE), then ",
         "obj[[\"RNA.nn\"]]), or the cells' coordinates as `X`.", call. = FALSE)
  }

  # Sparse distance matrix, uwot orientation (column i = neighbours of i).
  if (isS4(x) && methods::is(x, "sparseMatrix")) {
    return(knn_from_sparse(x, n))
  }

  if (is.list(x) && !is.data.frame(x) && !isS4(x)) {
    nms <- names(x)
    for (pair in knn_list_pairs) {
      if (all(pair %in% nms)) {
        return(knn_from_list(x, pair, n))
      }
    }
    # uwot's `$nn` (ret_nn = TRUE): list(<metric> = list(idx, dist)).
    if (length(x) == 1L && !is.null(nms) && nzchar(nms[1L]) &&
        is.list(x[[1L]]) && all(c("idx", "dist") %in% names(x[[1L]]))) {
      out <- knn_from_list(x[[1L]], c("idx", "dist"), n)
      out$metric <- nms[1L]
      return(out)
    }
  }

  stop("`knn` is not a neighbour graph umapc recognises; got ",
       knn_describe(x), ".\nAccepted formats:\n",
       paste0("  * ", knn_accepted_formats, collapse = "\n"),
       call. = FALSE)
}

# Element names of the list formats, in the order they are tried.
knn_list_pairs <- list(
  umapc = c("indices", "distances"),
  uwot = c("idx", "dist"),
  BiocNeighbors = c("index", "distance"),
  RANN = c("nn.idx", "nn.dists"),
  FNN = c("nn.index", "nn.dist"),
  umap = c("indexes", "distances")
)

knn_accepted_formats <- c(
  "a `umap_knn` from nearest_neighbors()",
  "a fitted `umapc` model (its $knn is used)",
  "uwot's list(idx, dist), or its $nn: list(<metric> = list(idx, dist))",
  "BiocNeighbors' list(index, distance)",
  "RANN's list(nn.idx, nn.dists)",
  "FNN's list(nn.index, nn.dist)",
  "the umap package's list(indexes, distances)",
  "a Seurat `Neighbor` object (slots nn.idx, nn.dist)",
  paste("a sparse n x n distance matrix (Matrix::dgCMatrix) whose column i",
        "holds the distances from point i to its neighbours")
)

knn_is_neighbor <- function(x) {
  isS4(x) &&
    (methods::is(x, "Neighbor") ||
       all(c("nn.idx", "nn.dist") %in% methods::slotNames(x)))
}

knn_describe <- function(x) {
  cls <- paste(class(x), collapse = "/")
  if (is.data.frame(x)) {
    return(sprintf("a data frame (%d x %d)", nrow(x), ncol(x)))
  }
  if (is.list(x) && !isS4(x)) {
    nms <- names(x)
    if (is.null(nms) || !any(nzchar(nms))) {
      return(sprintf("an unnamed %s of length %d", cls, length(x)))
    }
    shown <- utils::head(nms, 8L)
    more <- if (length(nms) > 8L) ", ..." else ""
    return(sprintf("a %s with elements %s%s", cls,
                   paste(shown, collapse = ", "), more))
  }
  if (is.matrix(x)) {
    return(sprintf("%s %s matrix (%d x %d)", knn_article(typeof(x)), typeof(x),
                   nrow(x), ncol(x)))
  }
  sprintf("an object of class %s", cls)
}

knn_article <- function(word) if (grepl("^[aeiou]", word)) "an" else "a"

knn_check_n <- function(n) {
  check_number(n, "n", lower = 1, integer = TRUE, null_ok = TRUE)
}

# Pull two matrices out of a list and convert; metadata are carried over when
# the list has them (a `umap_knn`, possibly unclassed).
knn_from_list <- function(x, pair, n) {
  meta <- function(name, default) {
    v <- x[[name]]
    if (length(v) == 1L && !is.list(v)) v else default
  }
  out <- knn_from_matrices(
    x[[pair[1L]]], x[[pair[2L]]], n,
    labels = paste0("`knn$", pair, "`"),
    metric = meta("metric", NA_character_),
    method = meta("method", NA_character_),
    seed = meta("seed", NA_real_)
  )
  p <- meta("metric_p", NULL)
  if (identical(out$metric, "minkowski") && is.numeric(p)) out$metric_p <- p
  k_pca <- meta("pca", NULL)
  if (is.numeric(k_pca)) out$pca <- as.integer(k_pca)
  out
}

# Position of the first TRUE in a logical matrix, as text.
knn_where <- function(bad) {
  w <- which(bad)
  nr <- nrow(bad)
  i <- w[1L] - 1L
  extra <- if (length(w) > 1L) sprintf(" (and %d more)", length(w) - 1L) else ""
  sprintf("row %d, column %d%s", i %% nr + 1L, i %/% nr + 1L, extra)
}

knn_first_value <- function(m, bad) {
  format(m[which(bad)[1L]], digits = 15L)
}

# Validate an index and a distance matrix, then normalise them.
knn_from_matrices <- function(idx, dist, n, labels,
                              metric = NA_character_, method = NA_character_,
                              seed = NA_real_) {
  what <- function(v) {
    if (is.matrix(v)) {
      sprintf("%s %s matrix", knn_article(typeof(v)), typeof(v))
    } else {
      knn_describe(v)
    }
  }
  if (!is.matrix(idx) || !is.numeric(idx)) {
    stop(labels[1L], " must be a numeric matrix with one row per point; got ",
         what(idx), ".", call. = FALSE)
  }
  if (!is.matrix(dist) || !is.numeric(dist)) {
    stop(labels[2L], " must be a numeric matrix with one row per point; got ",
         what(dist), ".", call. = FALSE)
  }
  if (!identical(dim(idx), dim(dist))) {
    stop("`knn` index and distance matrices must have the same dimensions; ",
         labels[1L], " is ", nrow(idx), " x ", ncol(idx), " but ", labels[2L],
         " is ", nrow(dist), " x ", ncol(dist), ".", call. = FALSE)
  }
  nr <- nrow(idx)
  if (nr == 0L) {
    stop("`knn` has no rows; it needs one row per data point.", call. = FALSE)
  }
  if (!is.null(n) && nr != n) {
    stop("`knn` has ", nr, " rows but the data have n = ", n, " rows; it ",
         "needs one row per data point (was it computed on other data?).",
         call. = FALSE)
  }

  # Indices: present, in 1..nr, whole numbers.
  if (ncol(idx) > 0L) {
    if (anyNA(idx)) {
      bad <- is.na(idx)
      stop("`knn` indices must not be NA; ", labels[1L], " has NA at ",
           knn_where(bad), ". Indices are row numbers between 1 and ", nr, ".",
           call. = FALSE)
    }
    # min()/max() rather than range(), which copies its argument.
    if (min(idx) < 1) {
      bad <- idx < 1
      stop("`knn` indices must be 1-based row numbers between 1 and ", nr,
           "; ", labels[1L], " has ", knn_first_value(idx, bad), " at ",
           knn_where(bad), ". (Indices from Python are 0-based: add 1.)",
           call. = FALSE)
    }
    if (max(idx) > nr) {
      bad <- idx > nr
      stop("`knn` indices must be row numbers between 1 and ", nr,
           " (the number of rows); ", labels[1L], " has ",
           knn_first_value(idx, bad), " at ", knn_where(bad), ".",
           call. = FALSE)
    }
    if (!is.integer(idx)) {
      if (any(idx != trunc(idx))) {
        bad <- idx != trunc(idx)
        stop("`knn` indices must be whole numbers (row numbers); ", labels[1L],
             " has ", knn_first_value(idx, bad), " at ", knn_where(bad), ".",
             call. = FALSE)
      }
      storage.mode(idx) <- "integer"
    }
  } else {
    storage.mode(idx) <- "integer"
  }

  # Distances: present, finite, non-negative.
  if (ncol(dist) > 0L) {
    if (anyNA(dist)) {
      bad <- is.na(dist)
      stop("`knn` distances must not be NA or NaN; ", labels[2L], " has ",
           knn_first_value(dist, bad), " at ", knn_where(bad),
           ". Distances must be finite numbers >= 0.", call. = FALSE)
    }
    lo <- min(dist)
    if (is.infinite(lo) || is.infinite(max(dist))) {
      bad <- is.infinite(dist)
      stop("`knn` distances must be finite; ", labels[2L], " has ",
           knn_first_value(dist, bad), " at ", knn_where(bad),
           ". Distances must be finite numbers >= 0.", call. = FALSE)
    }
    if (lo < 0) {
      bad <- dist < 0
      stop("`knn` distances must be >= 0; ", labels[2L], " has ",
           knn_first_value(dist, bad), " at ", knn_where(bad), ".",
           call. = FALSE)
    }
  }
  if (!is.double(dist)) storage.mode(dist) <- "double"

  nm <- knn_normalise(idx, dist)
  new_umap_knn(nm$indices, nm$distances, metric = metric, method = method,
               seed = seed)
}

# Put self first at distance 0 and sort the rest of each row by
# (distance, index). Inputs are validated: integer idx in 1..n, finite
# non-negative dist. Only the rows that need it are touched, with one radix
# order() over all of them.
knn_normalise <- function(idx, dist) {
  n <- nrow(idx)
  m <- ncol(idx)
  self <- seq_len(n)

  # One pass in C over the columns: rows listing themselves twice, whether
  # any row lists itself, and the rows that need sorting (see r_check.c).
  scan <- .Call(C_umapc_call_knn_rows, idx, dist)
  bad <- scan$bad

  if (!scan$any_self) {
    # Self-excluded format: prepend self, keep every given neighbour.
    idx <- cbind(self, idx, deparse.level = 0L)
    dist <- cbind(0, dist, deparse.level = 0L)
    m <- m + 1L
  }

  if (m < 2L) {
    stop("`knn` must have at least 2 neighbours per row counting the point ",
         "itself; it has ", m, ". Compute it with nearest_neighbors(X, ",
         "n_neighbors = 2) or larger.", call. = FALSE)
  }

  rows <- which(bad)
  nb <- length(rows)
  if (nb > 0L) {
    si <- idx[rows, , drop = FALSE]
    sd <- dist[rows, , drop = FALSE]
    # rows without themselves (all flagged bad): self goes in
    miss <- if (scan$any_self) {
      .rowSums(si == rows, nb, m) == 0
    } else {
      logical(nb)
    }
    # One extra column: self at 0 for rows missing it, else a sentinel that
    # sorts last; then keep the first m columns, so rows missing self lose
    # their farthest neighbour.
    si <- cbind(si, ifelse(miss, rows, 0L), deparse.level = 0L)
    sd <- cbind(sd, ifelse(miss, 0, Inf), deparse.level = 0L)
    not_self <- si != rows
    o <- order(rep.int(seq_len(nb), m + 1L), not_self, sd, si,
               method = "radix")
    si <- matrix(si[o], nb, m + 1L, byrow = TRUE)[, seq_len(m), drop = FALSE]
    sd <- matrix(sd[o], nb, m + 1L, byrow = TRUE)[, seq_len(m), drop = FALSE]
    sd[, 1L] <- 0
    idx[rows, ] <- si
    dist[rows, ] <- sd
  }

  # Sorted rows put a neighbour listed twice at one distance side by side;
  # self listed twice was counted by the scan.
  dup <- .Call(C_umapc_call_knn_adjacent_dup, idx)
  if (scan$dup_self > 0L || dup[1L] > 0L) {
    fixed <- knn_dedup(idx, dist)
    idx <- fixed$indices
    dist <- fixed$distances
  }

  list(indices = idx, distances = dist)
}

# Rows listing a neighbour more than once: keep its first (nearest) listing,
# shift the rest forward and fill the row up with the point itself at the
# row's largest distance (self-edges get no weight in the fuzzy graph), so
# the rows stay sorted. One warning for all of them.
knn_dedup <- function(idx, dist) {
  n <- nrow(idx)
  m <- ncol(idx)
  row <- rep.int(seq_len(n), m)
  o <- order(row, idx, method = "radix")
  ro <- row[o]
  io <- idx[o]
  same <- which(ro[-1L] == ro[-length(ro)] & io[-1L] == io[-length(io)])
  rows <- unique(ro[same + 1L])
  if (!length(rows)) return(list(indices = idx, distances = dist))
  rows <- sort(rows)
  first <- rows[1L]
  twice <- io[same[ro[same + 1L] == first][1L] + 1L]
  for (r in rows) {
    keep <- !duplicated(idx[r, ])
    pad <- m - sum(keep)
    idx[r, ] <- c(idx[r, keep], rep.int(r, pad))
    dist[r, ] <- c(dist[r, keep], rep.int(max(dist[r, ]), pad))
  }
  warning(sprintf(paste0(
    "`knn` lists a neighbour more than once in %d row%s (row %d lists %d ",
    "twice%s); the repeats were dropped and each such row filled up with the ",
    "point itself, which gets no weight."),
    length(rows), if (length(rows) > 1L) "s" else "", first, twice,
    if (twice == first) ": duplicate data rows, as uwot's exact search lists them" else ""),
    call. = FALSE)
  list(indices = idx, distances = dist)
}

# Sparse n x n distance matrix, column i = neighbours of point i.
knn_from_sparse <- function(x, n) {
  if (methods::is(x, "nsparseMatrix")) {
    stop("`knn` is a sparse pattern matrix, which holds no distances; pass a ",
         "sparse distance matrix (e.g. a dgCMatrix).", call. = FALSE)
  }
  x <- methods::as(x, "CsparseMatrix")
  x <- methods::as(x, "generalMatrix")
  x <- methods::as(x, "dMatrix")
  d <- dim(x)
  if (d[1L] != d[2L]) {
    stop("`knn` sparse distance matrix must be square (n x n, column i ",
         "holding the neighbours of point i); got ", d[1L], " x ", d[2L], ".",
         call. = FALSE)
  }
  nn <- d[2L]
  if (nn == 0L) {
    stop("`knn` has no rows; it needs one row per data point.", call. = FALSE)
  }
  if (!is.null(n) && nn != n) {
    stop("`knn` sparse matrix is ", nn, " x ", nn, " but the data have n = ", n,
         " rows; it needs one column per data point.", call. = FALSE)
  }
  counts <- diff(x@p)
  if (any(counts != counts[1L])) {
    common <- which.max(tabulate(counts + 1L)) - 1L
    odd <- which(counts != common)
    shown <- utils::head(odd, 10L)
    stop("`knn` sparse matrix must store the same number of neighbours in ",
         "every column; most columns store ", common, " but column",
         if (length(odd) > 1L) "s", " ", paste(shown, collapse = ", "),
         if (length(odd) > 10L) sprintf(" (and %d more)", length(odd) - 10L),
         " store ", paste(unique(counts[shown]), collapse = ", "),
         ". Zero distances (e.g. between duplicate points) are dropped from ",
         "sparse matrices unless stored as explicit zeros; list(idx, dist) ",
         "avoids this.", call. = FALSE)
  }
  m <- counts[1L]
  vals <- x@x
  if (m > 0L && (anyNA(vals) || any(!is.finite(vals)) || any(vals < 0))) {
    k <- which(is.na(vals) | !is.finite(vals) | vals < 0)[1L]
    col <- findInterval(k - 1L, x@p, rightmost.closed = FALSE)
    stop("`knn` distances must be finite numbers >= 0; the sparse matrix ",
         "has ", format(vals[k], digits = 15L), " in column ", col, ", row ",
         x@i[k] + 1L, ".", call. = FALSE)
  }
  idx <- matrix(x@i + 1L, nrow = nn, ncol = m, byrow = TRUE)
  dist <- matrix(vals, nrow = nn, ncol = m, byrow = TRUE)
  knn_from_matrices(idx, dist, n,
                    labels = c("`knn` (sparse, as rows)", "`knn` (sparse)"))
}
