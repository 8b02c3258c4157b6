# PCA before the neighbour search: umap(X, pca = k), nearest_neighbors(X,
# pca = k), umap_grid(X, pca = k). The computation is in C (src/core/pca.c):
# subspace iteration on Xc^T Xc applied without forming the centred matrix,
# so a sparse X stays sparse; dense and sparse input give the same bits,
# whatever the number of threads, and the random start comes from the seed.

# Metrics whose distances are not meant for principal-component scores:
# set-based ones (0/1 data), the share of differing values, and hellinger
# (non-negative data; scores are signed).
pca_refused_metrics <- c("hamming", "jaccard", "dice", "hellinger")

# pca as a whole number from 1 to ncol(X), or NULL; data is prepare_data()'s.
check_pca <- function(pca, data, metric) {
  if (is.null(pca)) return(NULL)
  if (is.null(data)) {
    stop("`pca` needs the data: give `X` as well as `knn`, or leave `pca` = NULL.",
         call. = FALSE)
  }
  if (data$kind == "dist") {
    stop("`pca` cannot be used with a `dist` object: it needs coordinates, not distances.",
         call. = FALSE)
  }
  if (metric %in% pca_refused_metrics) {
    stop(sprintf("`pca` cannot be used with metric = \"%s\": principal-component scores are signed real numbers, which the %s metrics do not measure; leave `pca` = NULL or use another metric.",
                 metric, paste0("\"", pca_refused_metrics, "\"", collapse = ", ")),
         call. = FALSE)
  }
  if (!is_scalar_number(pca) || !is.finite(pca) || pca != round(pca) || pca < 1) {
    stop_arg("pca", pca, sprintf("NULL or a single whole number from 1 to ncol(X) = %d", data$d))
  }
  if (pca > data$d) {
    stop(sprintf("`pca` must be at most ncol(X) = %d (the number of columns), not %s.",
                 data$d, format(pca)), call. = FALSE)
  }
  as.integer(pca)
}

# Reduce prepared data to its first k principal components. Returns the
# reduced data (as prepare_data() gives it) and the PCA model (center,
# rotation, sdev, and the training scores x).
pca_reduce <- function(data, k, seed, n_threads, verbose) {
  if (verbose) say("PCA: first ", k, " principal components of ", data$d,
                   " columns", if (data$kind == "sparse") " (sparse)")
  res <- .Call(C_umapc_call_pca, data$data,
               list(k = k, seed = seed, n_threads = n_threads))
  # res$converged is FALSE when the iteration cap was reached first, which
  # happens when the variances of the last components are nearly equal (then
  # those components are mixed among themselves, which distances hardly see)
  pcs <- paste0("PC", seq_len(k))
  cn <- data$colnames
  if (is.null(cn) && data$kind == "dense") cn <- colnames(data$data)
  names(res$center) <- cn
  dimnames(res$rotation) <- list(cn, pcs)
  names(res$sdev) <- pcs
  colnames(res$x) <- pcs
  list(data = list(kind = "dense", n = data$n, d = k, data = res$x,
                   rownames = data$rownames),
       pca = list(k = k, center = res$center, rotation = res$rotation,
                  sdev = res$sdev, x = res$x))
}

# Scores of new rows (a dense double matrix with the training columns).
pca_project <- function(pca, X, n_threads) {
  s <- .Call(C_umapc_call_pca_project, X, unname(pca$center),
             unname(pca$rotation), list(n_threads = n_threads))
  colnames(s) <- colnames(pca$rotation)
  s
}

# Precomputed neighbours from nearest_neighbors(X, pca = k) against umap()'s
# `pca` (neighbours from other tools carry no record, and are not checked).
check_knn_pca <- function(knn, pca_model) {
  k_knn <- knn$pca
  if (is.null(k_knn)) return(invisible())
  k_fit <- if (is.null(pca_model)) NULL else pca_model$k
  if (!identical(as.integer(k_knn), k_fit)) {
    warning(sprintf("`knn` was computed on the first %d principal components but `pca` = %s; the neighbours are used as they are (give the same `pca` to both).",
                    as.integer(k_knn), if (is.null(k_fit)) "NULL" else k_fit),
            call. = FALSE)
  }
  invisible()
}
