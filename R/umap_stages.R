# The calls into the C code that umap() runs, stage by stage (shared with
# umap_grid(), predict() and supervised UMAP): a and b of the output curve,
# the epochs, the fuzzy graph, the pruning threshold, the initial layouts,
# the optimisation and densMAP's local radii.

# A dense double matrix of the data for PCA (sparse input is densified).
dense_data <- function(data) {
  if (data$kind == "dense") return(data$data)
  m <- as.matrix(Matrix::sparseMatrix(i = data$data[[2]], p = data$data[[1]],
                                      x = data$data[[3]], dims = data$data[[4]],
                                      index1 = FALSE))
  storage.mode(m) <- "double"
  m
}

find_ab <- function(spread, min_dist) {
  .Call(C_umapc_call_find_ab, list(spread = spread, min_dist = min_dist))
}

resolve_epochs <- function(n_epochs, n, densmap = FALSE) {
  if (is.null(n_epochs)) default_epochs(n, densmap) else n_epochs
}

# umap-learn's defaults; densMAP runs 200 more
default_epochs <- function(n, densmap = FALSE) {
  (if (n <= 10000L) 500L else 200L) + if (isTRUE(densmap)) 200L else 0L
}

# The symmetric fuzzy graph as list(p, i, x) (0-based, dgCMatrix slots),
# with each row's rho and sigma when `smoothing`.
fuzzy_graph <- function(knn, set_op_mix_ratio, local_connectivity, n_threads,
                        smoothing = FALSE) {
  .Call(C_umapc_call_fuzzy_graph, knn$indices, knn$distances,
        list(set_op_mix_ratio = set_op_mix_ratio,
             local_connectivity = local_connectivity, n_threads = n_threads,
             smoothing = smoothing))
}

graph_matrix <- function(g) {
  n <- length(g$p) - 1L
  methods::new("dgCMatrix", i = g$i, p = g$p, x = g$x, Dim = c(n, n))
}

# umap-learn's pruning: edges below max(w) / n_epochs are never sampled
# (with the default epoch count when n_epochs is 10 or less).
prune_threshold <- function(g, n_epochs, n, densmap = FALSE) {
  e <- if (n_epochs > 10L) n_epochs else default_epochs(n, densmap)
  if (length(g$x)) max(g$x) / e else 0
}

initial_layout <- function(init_type, init, g, min_weight, n_components, data,
                           seed, n_threads) {
  switch(init_type,
    spectral = {
      e <- .Call(C_umapc_call_init_spectral, g,
                 list(min_weight = min_weight, n_components = n_components,
                      seed = seed, n_threads = n_threads))
      if (isTRUE(attr(e, "fallback"))) {
        warning("spectral initialisation failed; a random initial layout was used instead.",
                call. = FALSE)
      }
      attr(e, "fallback") <- NULL
      e
    },
    pca = .Call(C_umapc_call_init_pca, dense_data(data),
                list(n_components = n_components, seed = seed,
                     n_threads = n_threads)),
    random = .Call(C_umapc_call_init_random,
                   list(n = length(g$p) - 1L, n_components = n_components,
                        seed = seed)),
    matrix = {
      m <- unname(init)
      storage.mode(m) <- "double"
      m
    })
}

# dens: NULL, or c(dens_lambda, dens_frac, dens_var_shift) with rad_orig
# (densMAP).
optimize_layout <- function(emb0, g, min_weight, a, b, repulsion_strength,
                            learning_rate, negative_sample_rate, n_epochs,
                            seed, n_threads, verbose, dens = NULL,
                            rad_orig = NULL) {
  par <- list(min_weight = min_weight, a = a, b = b,
              repulsion_strength = repulsion_strength,
              learning_rate = learning_rate,
              negative_sample_rate = negative_sample_rate, n_epochs = n_epochs,
              seed = seed, n_threads = n_threads, verbose = verbose)
  if (is.null(dens)) {
    .Call(C_umapc_call_optimize, emb0, g, par)
  } else {
    par$dens_lambda <- dens[[1L]]
    par$dens_frac <- dens[[2L]]
    par$dens_var_shift <- dens[[3L]]
    .Call(C_umapc_call_optimize_densmap, emb0, g, par, as.double(rad_orig))
  }
}

# densMAP's log local radii of the graph's rows (NA: no edge), from the k-NN
# lists the graph was built from; squared distances for the data, plain ones
# for the embedding (as umap-learn).
local_radii <- function(g, min_weight, knn, squared) {
  .Call(C_umapc_call_local_radii, g, knn$indices, knn$distances,
        list(min_weight = min_weight, squared = as.integer(squared)))
}

# umap-learn's radii of an embedding: its own Euclidean k-NN and fuzzy graph
# (set_op_mix_ratio = 1, local_connectivity = 1), unpruned.
embedding_radii <- function(emb, n_neighbors, seed, n_threads) {
  data <- prepare_data(unname(emb), arg = "embedding", accept_dist = FALSE)
  knn <- knn_search(data, n_neighbors, "euclidean", "auto", seed, n_threads,
                    FALSE)
  g <- fuzzy_graph(knn, 1, 1, n_threads)
  local_radii(g, 0, knn, FALSE)
}
