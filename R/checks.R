# Argument checks. Every user-facing error names the argument, shows the
# value it got and says what is accepted, and is raised before the C routine
# that would use the value runs (a few checks, such as the scan of a large
# matrix for NA and infinite values, are themselves done in C).

# A short, printable description of a value for error messages.
describe_value <- function(x) {
  if (is.null(x)) return("NULL")
  if (is.function(x)) return("a function")
  if (inherits(x, "dist")) return(sprintf("a `dist` object of size %d", attr(x, "Size")))
  if (is.data.frame(x)) return(sprintf("a data frame with %d rows and %d columns", nrow(x), ncol(x)))
  if (!is.null(dim(x))) {
    cl <- class(x)[1]
    return(sprintf("%s %s with dimensions %s", if (grepl("^[aeiouAEIOU]", cl)) "an" else "a",
                   cl, paste(dim(x), collapse = " x ")))
  }
  if (is.atomic(x) && length(x) == 1L) {
    if (is.character(x)) return(sprintf("\"%s\"", x))
    return(format(x, digits = 15))
  }
  if (is.atomic(x) && length(x) == 0L) return(sprintf("a %s vector of length 0", typeof(x)))
  if (is.atomic(x) && length(x) <= 5L) {
    shown <- if (is.character(x)) ifelse(is.na(x), "NA", sprintf("\"%s\"", x))
             else format(x, digits = 15)
    return(sprintf("c(%s)", paste(shown, collapse = ", ")))
  }
  if (is.atomic(x)) return(sprintf("a %s vector of length %d", typeof(x), length(x)))
  if (is.list(x)) return(sprintf("a list of length %d%s", length(x),
                                 if (length(class(x)) && !identical(class(x), "list"))
                                   sprintf(" of class %s", class(x)[1]) else ""))
  sprintf("an object of class %s", class(x)[1])
}

stop_arg <- function(arg, value, expected) {
  stop(sprintf("`%s` must be %s, not %s.", arg, expected, describe_value(value)),
       call. = FALSE)
}

is_scalar_number <- function(x) {
  is.numeric(x) && length(x) == 1L && !is.na(x) && is.null(dim(x))
}

# Every scalar argument is checked by one of these, so the same mistake
# gets the same message whatever the function or path.

# A single finite number within bounds. `whole = TRUE` requires a whole
# number; `integer = TRUE` also one below 2^31 in magnitude, returned as an
# integer (else a double). `null_ok = TRUE` accepts NULL (returned as is).
check_number <- function(x, arg, lower = -Inf, upper = Inf,
                         lower_open = FALSE, upper_open = FALSE,
                         integer = FALSE, whole = integer, null_ok = FALSE) {
  if (null_ok && is.null(x)) return(NULL)
  range_txt <- range_text(lower, upper, lower_open, upper_open)
  expected <- paste0(if (null_ok) "NULL or ", "a single ",
                     if (whole) "whole number" else "number",
                     if (nzchar(range_txt)) " " else "", range_txt)
  if (!is_scalar_number(x) || !is.finite(x)) stop_arg(arg, x, expected)
  if (whole && x != round(x)) stop_arg(arg, x, expected)
  if (integer && abs(x) > .Machine$integer.max) {
    stop_arg(arg, x, paste0(expected, if (nzchar(range_txt)) " and " else " ",
                            "below 2^31 in magnitude"))
  }
  if (x < lower || (lower_open && x == lower) || x > upper || (upper_open && x == upper)) {
    stop_arg(arg, x, expected)
  }
  if (integer) as.integer(x) else as.double(x)
}

range_text <- function(lower, upper, lower_open, upper_open) {
  fmt <- function(v) {
    # large powers of two (the seed's bound) read better as such
    e <- log2(abs(v))
    if (abs(v) > 2^31 && e == round(e)) sprintf("%s2^%d", if (v < 0) "-" else "", e)
    else format(v, digits = 15)
  }
  lo <- if (is.finite(lower)) sprintf("%s %s", if (lower_open) ">" else ">=", fmt(lower))
  hi <- if (is.finite(upper)) sprintf("%s %s", if (upper_open) "<" else "<=", fmt(upper))
  paste(c(lo, hi), collapse = " and ")
}

check_flag <- function(x, arg) {
  if (!is.logical(x) || length(x) != 1L || is.na(x)) stop_arg(arg, x, "TRUE or FALSE")
  x
}

# A single non-NA string; `what` describes it (for names free to choose).
check_string <- function(x, arg, what = "a single string", nonempty = FALSE) {
  if (!is.character(x) || length(x) != 1L || is.na(x) || (nonempty && !nzchar(x))) {
    stop_arg(arg, x, what)
  }
  x
}

check_choice <- function(x, arg, choices) {
  expected <- paste0("one of ", paste0("\"", choices, "\"", collapse = ", "))
  check_string(x, arg, expected)
  if (!x %in% choices) stop_arg(arg, x, expected)
  x
}

# seed = NULL draws one integer from R's RNG (so set.seed() works); any other
# value must be a single finite whole number. Returns a double holding a
# whole number, stored in results so any run can be repeated.
resolve_seed <- function(seed) {
  if (is.null(seed)) {
    return(as.double(sample.int(.Machine$integer.max, 1L)))
  }
  check_number(seed, "seed", lower = -2^53, upper = 2^53, lower_open = TRUE,
               upper_open = TRUE, whole = TRUE, null_ok = TRUE)
}

# n_threads = NULL: option "umapc.n_threads", else 2 under R CMD check's
# core limit, else every processor OpenMP reports.
resolve_threads <- function(n_threads) {
  if (is.null(n_threads)) {
    n_threads <- getOption("umapc.n_threads", NULL)
    if (is.null(n_threads)) {
      limit <- Sys.getenv("_R_CHECK_LIMIT_CORES_", "")
      n_threads <- if (nzchar(limit) && !identical(tolower(limit), "false")) 2L
                   else max(1L, .Call(C_umapc_call_openmp_threads))
    }
    arg <- "getOption(\"umapc.n_threads\")"
  } else {
    arg <- "n_threads"
  }
  check_number(n_threads, arg, lower = 1, upper = 1024, integer = TRUE)
}

# The metrics of the C core, in its order (the core's table is the only
# list of them); "precomputed" is a `dist` object's.
metric_names <- function() .Call(C_umapc_call_metric_names)

check_metric <- function(metric) {
  check_choice(metric, "metric", c(metric_names(), "precomputed"))
}

# metric_p: required by minkowski (1 to 64), refused by every other metric.
# Returns the checked value, or NULL.
check_metric_p <- function(metric, metric_p) {
  if (identical(metric, "minkowski")) {
    if (is.null(metric_p)) {
      stop("`metric_p` must be given for metric = \"minkowski\": a single number from 1 to 64 (1 is manhattan, 2 euclidean).",
           call. = FALSE)
    }
    return(check_number(metric_p, "metric_p", lower = 1, upper = 64))
  }
  if (!is.null(metric_p)) {
    stop(sprintf("`metric_p` is used only with metric = \"minkowski\", not with metric = \"%s\"; leave it NULL.",
                 metric), call. = FALSE)
  }
  NULL
}

# metric_p as the C routines read it (minkowski's p; unused otherwise).
metric_p_arg <- function(metric_p) if (is.null(metric_p)) 2 else as.double(metric_p)

# Metrics whose exact search runs on blocks of dot products.
dot_metrics <- c("euclidean", "cosine", "correlation", "hellinger", "jaccard", "dice")

# Values the metric needs: hellinger non-negative, jaccard and dice 0/1.
# `data` is a prepare_data() result (dense or sparse).
check_metric_data <- function(data, metric, arg = "X") {
  if (!metric %in% c("hellinger", "jaccard", "dice") || data$kind == "dist") {
    return(invisible(TRUE))
  }
  vals <- if (data$kind == "sparse") data$data[[3]] else data$data
  bad <- if (metric == "hellinger") vals < 0 else vals != 0 & vals != 1
  if (!any(bad)) return(invisible(TRUE))
  w <- which(bad)[1]
  if (data$kind == "sparse") {
    row <- data$data[[2]][w] + 1L
    col <- findInterval(w - 1L, data$data[[1]])
  } else {
    row <- (w - 1L) %% data$n + 1L
    col <- (w - 1L) %/% data$n + 1L
  }
  what <- if (metric == "hellinger") "non-negative values" else
    "only 0 and 1 (or TRUE and FALSE)"
  stop(sprintf("`%s` must hold %s for metric = \"%s\"; it has %s at row %d, column %d.",
               arg, what, metric, format(vals[w], digits = 15), row, col),
       call. = FALSE)
}

# Hamming distance compares values for equality only, so every column is
# recoded into whole numbers (exact in the single-precision copy that the
# searches use; raw values such as 16777216 and 16777217 would collide
# there). Columns may be numeric, logical, character or factors; NA is a
# category of its own. With `ref` (the training data), new values are coded
# by the training column's values and unseen values get a code no training
# value has. Zero keeps code 0, so a dgCMatrix stays sparse and gets the
# codes of its dense form.
hamming_codes <- function(X, ref = NULL) {
  if (!is.null(ref) && !inherits(ref, "dgCMatrix") && inherits(X, "sparseMatrix")) {
    X <- as.matrix(X)
  }
  if (!is.null(ref) && inherits(ref, "dgCMatrix") && !inherits(X, "dgCMatrix")) {
    X <- as.matrix(X)
    storage.mode(X) <- "double"
    X <- methods::as(X, "CsparseMatrix")
  }
  if (inherits(X, "dgCMatrix")) {
    src <- if (is.null(ref)) X else ref
    col_src <- rep.int(seq_len(ncol(src)), diff(src@p))
    col_x <- rep.int(seq_len(ncol(X)), diff(X@p))
    codes <- numeric(length(X@x))
    for (j in unique(col_x)) {
      sel <- col_x == j
      codes[sel] <- value_codes(X@x[sel], src@x[col_src == j])
    }
    X@x <- codes
    return(X)
  }
  if (inherits(X, "Matrix")) return(X) # refused by prepare_data()
  if (!is.data.frame(X) && !is.matrix(X)) return(X)
  src <- if (is.null(ref)) X else ref
  rn <- if (is.data.frame(X)) {
    r <- attr(X, "row.names")
    if (is.character(r)) r else NULL
  } else rownames(X)
  column <- function(Y, j) {
    v <- if (is.data.frame(Y)) Y[[j]] else Y[, j]
    if (is.factor(v)) as.character(v) else v
  }
  out <- matrix(0, nrow(X), ncol(X), dimnames = list(rn, colnames(X)))
  for (j in seq_len(ncol(X))) {
    v <- column(X, j)
    s <- column(src, j)
    if (!(is.atomic(v) && is.null(dim(v)))) return(X) # left to prepare_data()
    out[, j] <- value_codes(v, s)
  }
  out
}

# Codes of the values v by the distinct values of s: 0 stays 0 (as in a
# sparse column), the others 1, 2, ... in sorted order (NA last); values not
# in s get -1.
value_codes <- function(v, s) {
  u <- sort(unique(s), na.last = TRUE)
  zero <- !is.na(v) & (if (is.numeric(v) || is.logical(v)) v == 0 else FALSE)
  if (is.numeric(u) || is.logical(u)) u <- u[is.na(u) | u != 0]
  m <- match(v, u)
  m[is.na(m)] <- -1L
  m[zero] <- 0L
  m
}

# Convert X to what the C code reads: a double matrix, or the slots of a
# dgCMatrix (list(p, i, x, dim)), or a dist (precomputed distances).
# Never modifies the caller's object.
prepare_data <- function(X, arg = "X", accept_dist = TRUE, metric = NULL) {
  if (identical(metric, "hamming")) X <- hamming_codes(X)
  if (inherits(X, "dist")) {
    if (anyNA(X) || any(!is.finite(range(X))) || any(X < 0)) {
      stop(sprintf("`%s` is a `dist` object with NA, infinite or negative distances; distances must be finite and >= 0.", arg),
           call. = FALSE)
    }
    return(list(kind = "dist", n = attr(X, "Size"), d = NA_integer_, data = X,
                rownames = attr(X, "Labels")))
  }
  if (inherits(X, "dgCMatrix")) {
    if (anyNA(X@x) || any(!is.finite(X@x))) {
      stop(sprintf("`%s` contains NA, NaN or infinite values; all values must be finite.", arg),
           call. = FALSE)
    }
    if (ncol(X) < 1L) stop_arg(arg, X, "a sparse matrix with at least one column")
    if (length(X@x)) check_magnitude(max(abs(X@x)), arg)
    return(list(kind = "sparse", n = nrow(X), d = ncol(X),
                data = list(X@p, X@i, X@x, dim(X)),
                rownames = rownames(X), colnames = colnames(X)))
  }
  if (inherits(X, "Matrix")) {
    # other Matrix classes: sparse ones to a dgCMatrix, dense ones to a matrix
    X <- if (methods::is(X, "sparseMatrix")) as_dgc(X) else as.matrix(X)
    if (inherits(X, "dgCMatrix")) return(prepare_data(X, arg, accept_dist))
  }
  if (isS4(X) && methods::is(X, "DelayedArray") && length(dim(X)) == 2L) {
    X <- realize_delayed(X)
    if (inherits(X, "dgCMatrix")) return(prepare_data(X, arg, accept_dist))
  }
  if (isS4(X) && methods::is(X, "DataFrame")) {
    # S4Vectors' DataFrame (DFrame): as a data frame
    X <- methods::as(X, "data.frame")
  }
  if (is.data.frame(X)) {
    ok <- vapply(X, function(col) (is.numeric(col) || is.logical(col)) &&
                   is.null(dim(col)), logical(1))
    if (!any(ok)) {
      stop(sprintf("`%s` is a data frame without numeric columns (%s); give the numbers to embed.",
                   arg, paste0("`", utils::head(names(X), 5), "`", collapse = ", ")),
           call. = FALSE)
    }
    if (!all(ok)) {
      bad <- names(X)[!ok]
      warning(sprintf("`%s` has non-numeric columns, which are left out: %s.",
                      arg, paste0("`", bad, "`", collapse = ", ")), call. = FALSE)
      X <- X[ok]
    }
    rn <- attr(X, "row.names")
    X <- as.matrix(X)
    if (!is.character(rn)) rownames(X) <- NULL
  }
  if (!is.matrix(X) || !(is.numeric(X) || is.logical(X))) {
    stop_arg(arg, X, paste0("a numeric matrix, a data frame of numeric columns",
                            if (accept_dist) ", a sparse dgCMatrix or a `dist` object"
                            else " or a sparse dgCMatrix"))
  }
  if (ncol(X) < 1L) {
    stop_arg(arg, X, "a numeric matrix with at least one column")
  }
  if (storage.mode(X) != "double") storage.mode(X) <- "double"
  if (length(X) > 0L) {
    # one pass in C: c(0 finite / 1 NA or NaN / 2 infinite, max |x|)
    scan <- .Call(C_umapc_call_scan_values, X)
    if (scan[1] == 1) {
      where <- which(is.na(X), arr.ind = TRUE)[1, ]
      stop(sprintf("`%s` contains NA or NaN values (first at row %d, column %d); remove or impute them first.",
                   arg, where[1], where[2]), call. = FALSE)
    }
    if (scan[1] == 2) {
      where <- which(!is.finite(X), arr.ind = TRUE)[1, ]
      stop(sprintf("`%s` contains infinite values (first at row %d, column %d); all values must be finite.",
                   arg, where[1], where[2]), call. = FALSE)
    }
    check_magnitude(scan[2], arg)
  }
  list(kind = "dense", n = nrow(X), d = ncol(X), data = X, rownames = rownames(X))
}

# Differences of values beyond a quarter of the largest double overflow.
check_magnitude <- function(max_abs, arg) {
  if (max_abs > .Machine$double.xmax / 4) {
    stop(sprintf("`%s` has values up to %s in magnitude; values must be below %s (rescale the data).",
                 arg, format(max_abs, digits = 3), format(.Machine$double.xmax / 4, digits = 3)),
         call. = FALSE)
  }
  invisible(TRUE)
}

check_rows <- function(n, arg = "X") {
  if (n < 3L) {
    stop(sprintf("`%s` must have at least 3 rows, not %d.", arg, n), call. = FALSE)
  }
  invisible(n)
}

# A sparse Matrix (any class) as a dgCMatrix.
as_dgc <- function(X) {
  X <- methods::as(X, "CsparseMatrix")
  X <- methods::as(X, "generalMatrix")
  methods::as(X, "dMatrix")
}

# A DelayedMatrix realised block by block (by DelayedArray's coercions):
# sparse ones to a dgCMatrix, dense ones to an ordinary matrix.
realize_delayed <- function(X) {
  sparse <- tryCatch(isTRUE(DelayedArray::is_sparse(X)), error = function(e) FALSE)
  if (sparse) {
    out <- tryCatch(methods::as(X, "dgCMatrix"), error = function(e) NULL)
    if (!is.null(out)) return(out)
  }
  as.matrix(X)
}

# Unknown arguments of umap() and nearest_neighbors() (caught by `...`).
check_dots <- function(...) {
  n <- ...length()
  if (n == 0L) return(invisible(TRUE))
  nms <- names(list(...))
  if (is.null(nms)) nms <- rep("", n)
  bad <- nms[1L]
  stop(if (nzchar(bad)) sprintf("unknown argument `%s`.", bad)
       else sprintf("%d unnamed argument%s too many: arguments after `X` must be named or in umap()'s order.",
                    sum(!nzchar(nms)), if (sum(!nzchar(nms)) > 1L) "s" else ""),
       call. = FALSE)
}

# X looks like a genes x cells matrix (row and column names, more columns
# than rows): say that rows are embedded, and how to embed the columns.
# Data without row names (images, most numeric data) never trigger it.
check_orientation <- function(X, arg = "X") {
  d <- dim(X)
  if (length(d) != 2L || is.data.frame(X) || inherits(X, "dist")) return(invisible(FALSE))
  if (!(is.matrix(X) || inherits(X, "Matrix") || (isS4(X) && methods::is(X, "DelayedArray")))) {
    return(invisible(FALSE))
  }
  dn <- dimnames(X)
  if (is.null(dn[[1L]]) || is.null(dn[[2L]]) || d[2L] <= d[1L]) return(invisible(FALSE))
  msg <- sprintf(paste0(
    "`%s` has %s rows and %s columns, with names: it looks like a features x ",
    "samples (genes x cells) matrix, but umapc embeds the ROWS (here %s, ",
    "e.g. \"%s\"). To embed the columns, pass t(%s), or umap(sce) / ",
    "umap(sce, dimred = \"PCA\") on a SingleCellExperiment."),
    arg, format(d[1L], big.mark = ","), format(d[2L], big.mark = ","),
    format(d[1L], big.mark = ","), dn[[1L]][1L], arg)
  message(structure(class = c("umapc_orientation", "message", "condition"),
                    list(message = paste0(msg, "\n"), call = NULL)))
  invisible(TRUE)
}
