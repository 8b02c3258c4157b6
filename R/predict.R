#' Embed new rows into a fitted UMAP layout
#'
#' Places each row of `newdata` into the embedding of `object`: its nearest
#' training rows are found with the model's metric (exactly, or, for models
#' whose neighbours came from NN-descent, by a best-first search of the
#' training rows' k-NN graph, started from landmarks — one training row in
#' each connected part of the graph, so that well-separated clusters are
#' all reachable, plus about `sqrt(n)` evenly spaced rows — and from rows
#' drawn with the row's own key), membership strengths are
#' computed as for the training rows (with `local_connectivity - 1`), the row
#' starts at the membership-weighted mean of its neighbours' coordinates, and
#' a short optimisation moves only the new rows against the fixed training
#' embedding (learning rate `learning_rate / 4`).
#'
#' Every row is placed independently of the others: its random numbers are
#' keyed by its own values and the seed, and no quantity is normalised over
#' the batch. Predicting rows one at a time, in any batches, or all together
#' gives bit-identical coordinates, for any `n_threads`.
#'
#' @param object A `umapc` object fitted with `keep_data = TRUE` (the
#'   default); for a `SingleCellExperiment` fitted with `umap(sce)`,
#'   `umap_model(sce)`.
#' @param newdata New rows with the same columns as the training data (a
#'   numeric matrix, data frame, or `dgCMatrix`), or a
#'   `SingleCellExperiment` whose cells to embed.
#' @param dimred,n_dimred,assay.type Which matrix of a `SingleCellExperiment`
#'   `newdata` to use, as in [umapc-bioconductor]; by default the one the model
#'   was fitted on.
#' @param n_epochs Optimisation epochs for the new rows; `NULL` means 100 for
#'   models of up to 10,000 rows and 30 above (a third of the model's
#'   `n_epochs` when it was set by hand).
#' @param n_threads,verbose As for [umap()]. With `BPPARAM`, `n_threads` is
#'   the number of threads of each worker (default 1).
#' @param BPPARAM `NULL` (the default: one process), or a
#'   `BiocParallel::BiocParallelParam` (e.g. `SnowParam(4)`, `MulticoreParam()`,
#'   or `BatchtoolsParam()` on a cluster scheduler) to spread the rows over
#'   its workers in `chunks` pieces. Each worker needs umapc installed.
#' @param chunks How many pieces to cut `newdata` into with `BPPARAM`;
#'   `NULL` means one per worker. The result does not depend on it.
#' @param ... Unused.
#' @return A matrix with one row per row of `newdata` and the model's
#'   `n_components` columns (`UMAP1`, ...), row names from `newdata`.
#' @section Many rows, many processes: because every row is placed on its
#'   own, the rows can be cut into chunks and embedded anywhere — other cores,
#'   other machines — with the same result, bit for bit, as one call. With
#'   BiocParallel, give `BPPARAM`. With the future framework, the same is a
#'   few lines (workers on this machine with `plan(multisession)`, on others
#'   with `plan(cluster, workers = c("node1", "node2"))`, or on a Slurm
#'   cluster with `future.batchtools`):
#'   \preformatted{library(future.apply)
#' plan(multisession, workers = 4)
#' pieces <- split(seq_len(nrow(new)), cut(seq_len(nrow(new)), 4))
#' emb <- do.call(rbind, future_lapply(pieces, function(rows)
#'   predict(fit, new[rows, , drop = FALSE], n_threads = 1)))}
#'   The model travels to every worker once. `predict()` needs its training
#'   rows (`fit$data`), embedding and k-NN indices, not its fuzzy graph:
#'   with `BPPARAM` the graph, the k-NN distances and densMAP's radii stay
#'   behind; for future, `fit$graph <- NULL` before `future_lapply()` does
#'   most of the same.
#' @section Memory: a model keeps its training data (`object$data`) so that it
#'   can find the neighbours of new rows. A numeric matrix is kept as the
#'   single-precision copy the searches read, which is half the size of `X`
#'   and gives the same neighbours as `X` itself; a data frame, sparse matrix,
#'   `pca` reduction or `hamming` data are kept as given. Fit with
#'   `keep_data = FALSE` when you will not predict.
#' @examples
#' train <- seq(1, 150, by = 2)
#' fit <- umap(iris[train, 1:4], seed = 1, n_threads = 2)
#' new <- predict(fit, iris[-train, 1:4], n_threads = 2)
#' plot(fit, labels = iris$Species[train])
#' points(new, col = "red", pch = 3)
#'
#' # the same rows, spread over 2 worker processes (identical result)
#' if (requireNamespace("BiocParallel", quietly = TRUE)) {
#'   new2 <- predict(fit, iris[-train, 1:4],
#'                   BPPARAM = BiocParallel::SnowParam(2))
#'   identical(new, new2)
#' }
#' @export
predict.umapc <- function(object, newdata, n_epochs = NULL, n_threads = NULL,
                          verbose = FALSE, dimred = NULL, n_dimred = NULL,
                          assay.type = NULL, BPPARAM = NULL, chunks = NULL,
                          ...) {
  check_dots(...)
  check_bpparam(BPPARAM)
  object <- as_umapc_model(object)
  worker_threads <- n_threads
  if (is.null(object$data)) {
    stop("this model has no training data (fitted with `keep_data = FALSE`, from `knn` alone or from a `graph`); refit with keep_data = TRUE to predict.",
         call. = FALSE)
  }
  n_threads <- resolve_threads(n_threads)
  use_kernels()
  check_flag(verbose, "verbose")
  train <- if (inherits(object$data, "umapc_rows")) {
    list(kind = "rows", n = nrow(object$data), d = ncol(object$data), data = object$data)
  } else {
    prepare_data(object$data, arg = "object$data", metric = object$metric)
  }
  if (train$kind == "dist") {
    stop("a model fitted on a `dist` object cannot embed new rows: it has no coordinates to measure them against.",
         call. = FALSE)
  }
  if (!object$metric %in% metric_names()) {
    stop(sprintf("this model's neighbours were computed with metric \"%s\", which cannot measure new rows; refit with `metric` one of %s to predict.",
                 object$metric, paste0("\"", metric_names(), "\"", collapse = ", ")),
         call. = FALSE)
  }
  if (missing(newdata)) stop("`newdata` is missing: give the rows to embed.", call. = FALSE)
  if (is_se(newdata)) {
    inp <- object$input
    if (is.null(dimred) && is.null(assay.type) && is.null(n_dimred) && !is.null(inp)) {
      dimred <- inp$dimred
      n_dimred <- inp$n_dimred
      assay.type <- inp$assay.type
    }
    if (is.null(assay.type)) assay.type <- "logcounts"
    newdata <- se_matrix(newdata, dimred, n_dimred, assay.type, arg = "newdata")
  }
  new <- prepare_newdata(newdata, object$data, train$d, object$metric)
  rn <- rownames(new)
  if (!is.null(BPPARAM) && nrow(new) > 1L) {
    # newdata is valid (checked above): its pieces go to the workers as given
    out <- predict_chunks(object, newdata, BPPARAM, chunks, n_epochs,
                          if (is.null(worker_threads)) 1L else worker_threads)
    rownames(out) <- rn
    return(out)
  }
  if (!is.null(object$pca)) {
    # the model's neighbours are among the principal-component scores: new
    # rows are centred and rotated as the training rows were
    new <- pca_project(object$pca, new, n_threads)
    train$data <- if (!is.null(object$pca$x)) object$pca$x
                  else pca_project(object$pca, train$data, n_threads)
    train$d <- ncol(train$data)
  }
  check_metric_data(list(kind = "dense", n = nrow(new), data = new), object$metric,
                    "newdata")
  metric_p <- metric_p_arg(object$metric_p)
  n_train <- train$n
  if (is.null(n_epochs)) {
    n_epochs <- if (identical(object$n_epochs, default_epochs(n_train, object$densmap))) {
      if (n_train <= 10000L) 100L else 30L
    } else max(1L, object$n_epochs %/% 3L)
  } else {
    n_epochs <- check_number(n_epochs, "n_epochs", lower = 0, upper = 1e7, integer = TRUE)
  }
  k <- object$n_neighbors
  approximate <- identical(object$method, "nndescent") && !is.null(object$knn) &&
    nrow(object$knn$indices) == n_train
  if (verbose) say("neighbours of ", nrow(new), " new rows among ", n_train,
                   if (approximate) " (search of the training k-NN graph)" else " (exact)")
  nn <- if (approximate) {
    .Call(C_umapc_call_knn_query, train$data, new, object$knn$indices,
          list(k = k, metric = object$metric, metric_p = metric_p,
               seed = object$seed,
               n_threads = n_threads))
  } else {
    .Call(C_umapc_call_knn, train$data, new,
          c(list(k = k, metric = object$metric, metric_p = metric_p,
                 method = "exact",
                 seed = object$seed, n_threads = n_threads, verbose = verbose),
            nnd_params()))
  }
  if (verbose) say("placing the new rows: ", n_epochs, " epochs")
  emb <- .Call(C_umapc_call_transform, nn$indices, nn$distances, object$embedding,
               new, list(a = object$a, b = object$b,
                         repulsion_strength = object$repulsion_strength,
                         learning_rate = object$learning_rate / 4,
                         negative_sample_rate = object$negative_sample_rate,
                         n_epochs = n_epochs,
                         local_connectivity = object$local_connectivity,
                         seed = object$seed, n_threads = n_threads,
                         verbose = verbose))
  colnames(emb) <- colnames(object$embedding)
  rownames(emb) <- rn
  emb
}

# newdata as a double matrix with the training data's columns (hamming:
# coded by the training data's values, see hamming_codes()).
prepare_newdata <- function(newdata, train_data, d, metric = NULL) {
  if (inherits(newdata, "dist") || inherits(newdata, "umap_knn")) {
    stop("`newdata` must hold coordinates (a matrix or data frame), not a `dist` object.",
         call. = FALSE)
  }
  if (is.null(dim(newdata)) && is.numeric(newdata) && length(newdata) == d) {
    newdata <- matrix(newdata, nrow = 1L, dimnames = list(NULL, colnames(train_data)))
  }
  if (isS4(newdata) && methods::is(newdata, "DelayedArray")) newdata <- as.matrix(newdata)
  if (identical(metric, "hamming") && !is.null(dim(newdata))) {
    if (ncol(newdata) != d) {
      stop(sprintf("`newdata` must have the %d columns of the training data, not %d.",
                   d, ncol(newdata)), call. = FALSE)
    }
    tn <- colnames(train_data)
    nn <- colnames(newdata)
    if (!is.null(tn) && !is.null(nn) && !identical(tn, nn) && setequal(tn, nn)) {
      newdata <- newdata[, tn, drop = FALSE]
    }
    newdata <- hamming_codes(newdata, ref = train_data)
  }
  if (inherits(newdata, "Matrix")) newdata <- as.matrix(newdata)
  nd <- prepare_data(newdata, arg = "newdata", accept_dist = FALSE)
  if (nd$n < 1L) stop("`newdata` has no rows.", call. = FALSE)
  if (nd$d != d) {
    stop(sprintf("`newdata` must have the %d columns of the training data, not %d.", d, nd$d),
         call. = FALSE)
  }
  tn <- colnames(train_data)
  nn <- colnames(nd$data)
  if (!is.null(tn) && !is.null(nn) && !identical(tn, nn)) {
    if (setequal(tn, nn)) {
      nd$data <- nd$data[, tn, drop = FALSE]
    } else {
      stop(sprintf("`newdata` has columns the training data lack: %s (expected %s).",
                   paste0("`", utils::head(setdiff(nn, tn), 5), "`", collapse = ", "),
                   paste0("`", utils::head(tn, 5), "`", collapse = ", ")),
           call. = FALSE)
    }
  }
  m <- nd$data
  if (!is.null(nd$rownames)) rownames(m) <- nd$rownames
  m
}

# predict() of newdata's rows in `chunks` pieces on BPPARAM's workers. The
# pieces are cut here and each worker runs predict() on its own: every row
# is placed independently of the others, so the result is the one-process
# result bit for bit.
predict_chunks <- function(object, newdata, BPPARAM, chunks, n_epochs, n_threads) {
  n <- nrow(newdata)
  if (is.null(chunks)) chunks <- BiocParallel::bpnworkers(BPPARAM)
  chunks <- check_number(chunks, "chunks", lower = 1, integer = TRUE)
  chunks <- min(chunks, n)
  pieces <- split(seq_len(n), cut(seq_len(n), chunks, labels = FALSE))
  # each piece travels as rows of newdata, not as indices into it
  parts <- lapply(pieces, function(rows) newdata[rows, , drop = FALSE])
  res <- BiocParallel::bplapply(parts, function(part, model, n_epochs, n_threads) {
    stats::predict(model, part, n_epochs = n_epochs, n_threads = n_threads)
  }, model = shipping_model(object), n_epochs = n_epochs, n_threads = n_threads,
  BPPARAM = BPPARAM)
  do.call(rbind, unname(res))
}

# What predict() reads of a model, for shipping to workers: the fuzzy
# graph, the k-NN distances and the densMAP radii stay behind (with 50
# columns they are about as big as the training data itself).
shipping_model <- function(object) {
  object$graph <- NULL
  object$rad_orig <- NULL
  object$rad_emb <- NULL
  if (!is.null(object$knn)) object$knn$distances <- NULL
  object
}

check_bpparam <- function(BPPARAM) {
  if (is.null(BPPARAM)) return(invisible(NULL))
  if (!requireNamespace("BiocParallel", quietly = TRUE)) {
    stop("`BPPARAM` needs the BiocParallel package: install it (Bioconductor), or leave `BPPARAM = NULL`.",
         call. = FALSE)
  }
  if (!methods::is(BPPARAM, "BiocParallelParam")) {
    stop(sprintf("`BPPARAM` must be a BiocParallel parameter object such as `BiocParallel::SnowParam(2)`, not %s.",
                 describe_value(BPPARAM)), call. = FALSE)
  }
  invisible(BPPARAM)
}
