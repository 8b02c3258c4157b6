# The arguments of umap_impl() (umap_impl.R), resolved in the order it
# checks them: the input (the data, reduced by PCA, and the neighbours given,
# or a graph to lay out), then every parameter against the number of rows.

# --- the input: data and neighbours, or a graph ------------------------------

# The data (prepared, then reduced with `pca`), the neighbours given, or the
# graph to lay out (`user_graph`, checked); `n` rows; `metric`, which becomes
# "precomputed" for a `dist` object when it was not given. umap_grid()
# passes its data already prepared (and reduced, with its model).
umap_input <- function(X, knn, graph, prepared, pca, metric, metric_given,
                       return_extra, densmap, output_dens, seed, n_threads,
                       verbose, clock) {
  user_graph <- NULL
  if (!is.null(graph)) {
    if (!is.null(X) || !is.null(knn)) {
      stop("give either `graph` or the data (`X`, `knn`), not both: a graph is laid out as it is.",
           call. = FALSE)
    }
    if (length(return_extra)) {
      stop(sprintf("`return_extra` = \"%s\" needs the data's neighbours; it is not available with `graph`.",
                   return_extra[1]), call. = FALSE)
    }
    if (densmap || output_dens) {
      stop(sprintf("`%s` = TRUE needs the data's neighbour distances (the local radii); it is not available with `graph`.",
                   if (densmap) "densmap" else "output_dens"), call. = FALSE)
    }
    user_graph <- check_graph(graph)
    data <- NULL
    n <- user_graph$n
  } else if (!is.null(prepared)) {
    data <- prepared$data
  } else if (is.null(X)) {
    if (is.null(knn)) stop("`X` can be NULL only when `knn` or `graph` is given.", call. = FALSE)
    data <- NULL
  } else {
    data <- prepare_data(X, metric = metric)
  }
  if (!is.null(data) && data$kind == "dist" && !metric_given) metric <- "precomputed"
  # PCA first (umap_grid() passes data already reduced, with its model)
  pca_model <- NULL
  if (!is.null(prepared$pca)) {
    pca_model <- prepared$pca
  } else if (!is.null(pca)) {
    check_metric(metric)
    pca <- check_pca(pca, data, metric)
    red <- pca_reduce(data, pca, seed, n_threads, verbose)
    data <- red$data
    pca_model <- red$pca
    clock$tick("pca")
  }
  if (!is.null(user_graph)) {
    # no neighbours: n_neighbors and metric do not apply
  } else if (!is.null(knn)) {
    knn <- if (!is.null(prepared)) prepared$knn else
      as_umap_knn(knn, n = if (is.null(data)) NULL else data$n)
    n <- nrow(knn$indices)
  } else {
    n <- data$n
  }
  list(data = data, user_graph = user_graph, pca_model = pca_model,
       knn = knn, n = n, metric = metric)
}

# --- the parameters ----------------------------------------------------------

# Every parameter checked against the input (n rows), as a list: the
# numbers, `init_type` (and `init`), `metric_p`, `method`, the target `y`
# checked (`target`, with its arguments `targ`); `a` and `b` stay NULL to be
# fitted, `n_epochs` NULL for the default.
umap_params <- function(input, n_neighbors, nn_default, n_components,
                        min_dist, spread, n_epochs, learning_rate, init,
                        set_op_mix_ratio, local_connectivity,
                        repulsion_strength, negative_sample_rate, a, b,
                        method, metric_p, y, target_n_neighbors,
                        target_metric, target_weight, n_threads, verbose) {
  n <- input$n
  data <- input$data
  user_graph <- input$user_graph
  metric <- input$metric
  if (is.null(user_graph)) {
    check_rows(n, if (is.null(data)) "knn" else "X")
    if (nn_default && n <= 15L) {
      n_neighbors <- n - 1L
      warning(sprintf("`X` has only %d rows: `n_neighbors` reduced from 15 to %d.", n, n - 1L),
              call. = FALSE)
    }
    n_neighbors <- check_number(n_neighbors, "n_neighbors", lower = 2, upper = n,
                                upper_open = TRUE, integer = TRUE)
  } else {
    n_neighbors <- NA_integer_
  }
  target <- if (is.null(y)) NULL else check_target(y, n)
  targ <- if (is.null(y)) NULL else
    check_target_args(target, target_n_neighbors, target_metric, target_weight,
                      n_neighbors, n)
  n_components <- check_number(n_components, "n_components", lower = 1, upper = n,
                               upper_open = TRUE, integer = TRUE)
  spread <- check_number(spread, "spread", lower = 0, lower_open = TRUE)
  min_dist <- check_number(min_dist, "min_dist", lower = 0, upper = spread)
  if (!is.null(n_epochs)) {
    n_epochs <- check_number(n_epochs, "n_epochs", lower = 0, upper = 1e7, integer = TRUE)
  }
  learning_rate <- check_number(learning_rate, "learning_rate", lower = 0, lower_open = TRUE)
  set_op_mix_ratio <- check_number(set_op_mix_ratio, "set_op_mix_ratio", lower = 0, upper = 1)
  local_connectivity <- check_number(local_connectivity, "local_connectivity", lower = 0)
  repulsion_strength <- check_number(repulsion_strength, "repulsion_strength", lower = 0)
  negative_sample_rate <- check_number(negative_sample_rate, "negative_sample_rate", lower = 0)
  if (is.null(a) != is.null(b)) {
    stop(sprintf("`a` and `b` must be given together (got a = %s, b = %s); leave both NULL to fit them from `min_dist` and `spread`.",
                 describe_value(a), describe_value(b)), call. = FALSE)
  }
  if (!is.null(a)) {
    a <- check_number(a, "a", lower = 0, lower_open = TRUE)
    b <- check_number(b, "b", lower = 0, lower_open = TRUE)
  }
  init_type <- check_init(init, n, n_components, data)
  if (!is.null(data)) {
    check_knn_args(data, n_neighbors, metric, method, n_threads, verbose)
  } else if (is.null(user_graph)) {
    check_metric(metric)
  }
  metric_p <- if (is.null(user_graph)) check_metric_p(metric, metric_p)
  if (identical(method, c("auto", "exact", "nndescent"))) method <- "auto"
  list(n_neighbors = n_neighbors, n_components = n_components,
       min_dist = min_dist, spread = spread, n_epochs = n_epochs,
       learning_rate = learning_rate, init_type = init_type, init = init,
       set_op_mix_ratio = set_op_mix_ratio,
       local_connectivity = local_connectivity,
       repulsion_strength = repulsion_strength,
       negative_sample_rate = negative_sample_rate, a = a, b = b,
       metric_p = metric_p, method = method, target = target, targ = targ)
}

check_init <- function(init, n, n_components, data) {
  if (is.character(init)) {
    init <- check_choice(init, "init", c("spectral", "pca", "random"))
    if (init == "pca") {
      if (is.null(data)) {
        stop("`init` = \"pca\" needs the data: give `X` (with `knn` if you like), or use init = \"spectral\".",
             call. = FALSE)
      }
      if (data$kind == "dist") {
        stop("`init` = \"pca\" cannot be used with a `dist` object; use \"spectral\" or \"random\".",
             call. = FALSE)
      }
    }
    return(init)
  }
  if (is.matrix(init) && is.numeric(init)) {
    if (!identical(dim(init), c(as.integer(n), as.integer(n_components)))) {
      stop(sprintf("`init` must have %d rows and %d columns (nrow(X) x n_components), not %s.",
                   n, n_components, paste(dim(init), collapse = " x ")), call. = FALSE)
    }
    if (anyNA(init) || any(!is.finite(init))) {
      stop("`init` contains NA, NaN or infinite values; all values must be finite.", call. = FALSE)
    }
    return("matrix")
  }
  stop_arg("init", init, "\"spectral\", \"pca\", \"random\" or a numeric matrix")
}

check_return_extra <- function(return_extra) {
  if (is.null(return_extra) || (is.character(return_extra) && !length(return_extra))) {
    return(character())
  }
  allowed <- c("sigma", "rho")
  if (!is.character(return_extra) || anyNA(return_extra) || !all(return_extra %in% allowed)) {
    stop_arg("return_extra", return_extra,
             'NULL or a character vector of "sigma", "rho"')
  }
  unique(return_extra)
}
