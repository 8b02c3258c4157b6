# umap_impl(), the engine behind umap(), umap_grid() and supervised UMAP's
# target graph, and its stages in the order it runs them: the arguments
# (umap_args.R), the neighbours, the graph, the start of the layout, the
# layout, and the fitted model. The steps that call the C code are in
# umap_stages.R.

# The engine behind umap() and umap_grid(). `shared` (the `.shared` element
# of a previous result, returned when `keep_shared = TRUE`, with the same
# knn, n_neighbors and graph parameters) lets the grid reuse the fuzzy graph
# and initial layout, which do not depend on min_dist;
# `prepared` (list(data = prepare_data(X), knn = as_umap_knn(knn))) lets it
# check X and knn once for all its layouts.
umap_impl <- function(X, n_neighbors, n_components, metric, min_dist, spread,
                      n_epochs, learning_rate, init, set_op_mix_ratio,
                      local_connectivity, repulsion_strength,
                      negative_sample_rate, a, b, knn, seed, n_threads,
                      verbose, method, keep_data, metric_p = NULL,
                      nn_default = FALSE,
                      metric_given = TRUE, call = NULL, shared = NULL,
                      keep_shared = FALSE, prepared = NULL, densmap = FALSE, dens_lambda = 2,
                      dens_frac = 0.3, dens_var_shift = 0.1,
                      output_dens = FALSE, pca = NULL, y = NULL,
                      target_n_neighbors = NULL, target_metric = "euclidean",
                      target_weight = 0.5, graph = NULL, return_extra = NULL,
                      graph_only = FALSE) {
  seed <- resolve_seed(seed)
  check_flag(verbose, "verbose")
  check_flag(keep_data, "keep_data")
  check_flag(densmap, "densmap")
  check_flag(output_dens, "output_dens")
  dens_lambda <- check_number(dens_lambda, "dens_lambda", lower = 0)
  dens_frac <- check_number(dens_frac, "dens_frac", lower = 0, upper = 1)
  dens_var_shift <- check_number(dens_var_shift, "dens_var_shift", lower = 0)
  n_threads <- resolve_threads(n_threads)
  use_kernels()
  clock <- stage_clock()
  return_extra <- check_return_extra(return_extra)

  input <- umap_input(X, knn, graph, prepared, pca, metric, metric_given,
                      return_extra, densmap, output_dens, seed, n_threads,
                      verbose, clock)
  par <- umap_params(input, n_neighbors, nn_default, n_components, min_dist,
                     spread, n_epochs, learning_rate, init, set_op_mix_ratio,
                     local_connectivity, repulsion_strength,
                     negative_sample_rate, a, b, method, metric_p, y,
                     target_n_neighbors, target_metric, target_weight,
                     n_threads, verbose)
  knn <- umap_neighbors(input, par, metric_given, seed, n_threads, verbose)
  knn_used <- if (is.null(input$user_graph)) prune_knn(knn, par$n_neighbors)
  clock$tick("knn")

  if (is.null(par$a)) {
    ab <- find_ab(par$spread, par$min_dist)
    par$a <- ab[1]
    par$b <- ab[2]
  }
  par$n_epochs <- resolve_epochs(par$n_epochs, input$n, densmap)
  if (is.null(shared)) {
    fg <- umap_graph(input, par, knn_used, return_extra, seed, n_threads,
                     verbose)
    clock$tick("graph")
    if (graph_only) return(list(graph = graph_matrix(fg$g)))
    start <- umap_start(fg$g, input, par, densmap, seed, n_threads, verbose)
    clock$tick("init")
    extra <- fg$extra
  } else {
    start <- shared
    extra <- list()
  }
  layout <- umap_layout(start, input, par, knn_used,
                        if (densmap) c(dens_lambda, dens_frac, dens_var_shift),
                        output_dens, seed, n_threads, verbose, clock)
  if (verbose) say("done")
  umap_result(layout, start, extra, knn, input, par, X, y, seed, keep_data,
              densmap, dens_lambda, dens_frac, dens_var_shift, output_dens,
              keep_shared, clock$timings(), call, n_threads)
}

# Seconds per stage: tick(stage) records the time since the previous tick
# (or the start), timings() returns them all.
stage_clock <- function() {
  t_start <- proc.time()[["elapsed"]]
  timings <- numeric()
  list(
    tick = function(stage) {
      now <- proc.time()[["elapsed"]]
      timings[[stage]] <<- now - t_start
      t_start <<- now
    },
    timings = function() timings
  )
}

# --- neighbours, graph, layout -----------------------------------------------

# The data's neighbours: searched, or the ones given, checked against the
# call (NULL with a graph).
umap_neighbors <- function(input, par, metric_given, seed, n_threads,
                           verbose) {
  knn <- input$knn
  if (!is.null(input$user_graph)) {
    if (verbose) say("using the graph as given (", input$n, " vertices, ",
                     length(input$user_graph$x), " edges)")
  } else if (is.null(knn)) {
    knn <- knn_search(input$data, par$n_neighbors, input$metric, par$method,
                      seed, n_threads, verbose, metric_p = par$metric_p)
    if (!is.null(input$pca_model)) knn$pca <- input$pca_model$k
  } else {
    if (metric_given && !is.na(knn$metric) && !identical(knn$metric, input$metric)) {
      warning(sprintf("`knn` was computed with metric \"%s\" but `metric` = \"%s\"; the neighbours are used as they are.",
                      knn$metric, input$metric), call. = FALSE)
    }
    check_knn_pca(knn, input$pca_model)
    if (verbose) say("using the precomputed neighbours (k = ", knn$k, ")")
  }
  knn
}

# The graph to lay out, as list(p, i, x): the data's fuzzy graph or the
# graph given, combined with the target for supervised UMAP; and `extra`,
# the per-row values `return_extra` asks for.
umap_graph <- function(input, par, knn_used, return_extra, seed, n_threads,
                       verbose) {
  extra <- list()
  if (!is.null(input$user_graph)) {
    g <- input$user_graph[c("p", "i", "x")]
  } else {
    if (verbose) say("fuzzy simplicial set")
    g <- fuzzy_graph(knn_used, par$set_op_mix_ratio, par$local_connectivity,
                     n_threads, smoothing = length(return_extra) > 0L)
    for (e in return_extra) extra[[e]] <- g[[e]]
    g <- g[c("p", "i", "x")]
  }
  if (!is.null(par$target)) {
    g <- supervise_graph(g, par$target, par$targ, seed, n_threads, verbose)
  }
  list(g = g, extra = extra)
}

# Where the layout starts, what umap_grid() shares between layouts of one
# graph: the graph `g`, the weight below which its edges are never sampled
# (`min_weight`) and the initial layout (`emb0`).
umap_start <- function(g, input, par, densmap, seed, n_threads, verbose) {
  min_weight <- prune_threshold(g, par$n_epochs, input$n, densmap)
  if (verbose) say("initialisation: ", par$init_type)
  emb0 <- initial_layout(par$init_type, par$init, g, min_weight,
                         par$n_components, input$data, seed, n_threads)
  list(g = g, min_weight = min_weight, emb0 = emb0)
}

# The layout from `start`, named after the data's rows, with densMAP's term
# when `dens` is c(dens_lambda, dens_frac, dens_var_shift); the log radii of
# the data (densMAP or output_dens) and of the embedding (output_dens).
umap_layout <- function(start, input, par, knn_used, dens, output_dens, seed,
                        n_threads, verbose, clock) {
  densmap <- !is.null(dens)
  rad_orig <- if (densmap || output_dens) {
    local_radii(start$g, start$min_weight, knn_used, TRUE)
  }
  if (verbose) say("optimising the layout: ", par$n_epochs, " epochs",
                   if (densmap) " (densMAP)")
  # the earlier stages' R garbage (temporaries of the R code) is not yet
  # collected; the layout's buffers are allocated in C, out of R's sight, so
  # collect it before they are (1M rows: peak 1,503 MB without, 1,488 MB
  # with; the C glue's own scratch is malloc'd and already freed)
  if (input$n >= 1e5) invisible(gc(verbose = FALSE))
  emb <- optimize_layout(start$emb0, start$g, start$min_weight, par$a, par$b,
                         par$repulsion_strength, par$learning_rate,
                         par$negative_sample_rate, par$n_epochs, seed,
                         n_threads, verbose, dens = dens, rad_orig = rad_orig)
  colnames(emb) <- paste0("UMAP", seq_len(par$n_components))
  rn <- if (!is.null(input$data)) input$data$rownames else
    if (!is.null(input$user_graph)) input$user_graph$rownames
  if (!is.null(rn)) rownames(emb) <- rn
  clock$tick("optimize")
  rad_emb <- NULL
  if (output_dens) {
    if (verbose) say("local radii of the embedding")
    rad_emb <- embedding_radii(emb, par$n_neighbors, seed, n_threads)
    names(rad_orig) <- names(rad_emb) <- rn
    clock$tick("radii")
  }
  list(embedding = emb, rad_orig = rad_orig, rad_emb = rad_emb)
}

# --- the model ---------------------------------------------------------------

# The fitted model, class "umapc" (see ?umap, "Value").
umap_result <- function(layout, start, extra, knn, input, par, X, y, seed,
                        keep_data, densmap, dens_lambda, dens_frac,
                        dens_var_shift, output_dens, keep_shared, timings,
                        call, n_threads) {
  pca_model <- input$pca_model
  target <- par$target
  targ <- par$targ
  metric <- if (is.null(knn)) NA_character_ else if (!is.na(knn$metric)) knn$metric else input$metric
  metric_p <- if (!is.null(knn$metric_p)) knn$metric_p else par$metric_p
  fit <- structure(list(
    embedding = layout$embedding,
    knn = knn,
    graph = graph_matrix(start$g),
    n_neighbors = par$n_neighbors,
    n_components = par$n_components,
    metric = metric,
    metric_p = metric_p,
    min_dist = par$min_dist,
    spread = par$spread,
    n_epochs = par$n_epochs,
    learning_rate = par$learning_rate,
    init = par$init_type,
    set_op_mix_ratio = par$set_op_mix_ratio,
    local_connectivity = par$local_connectivity,
    repulsion_strength = par$repulsion_strength,
    negative_sample_rate = par$negative_sample_rate,
    a = par$a,
    b = par$b,
    densmap = densmap,
    dens_lambda = dens_lambda,
    dens_frac = dens_frac,
    dens_var_shift = dens_var_shift,
    seed = seed,
    method = if (is.null(knn)) NA_character_ else knn$method,
    data = if (keep_data) model_data(X, input, metric, n_threads),
    pca = if (!is.null(pca_model)) {
      if (keep_data) pca_model else pca_model[names(pca_model) != "x"]
    },
    y = y,
    target_n_neighbors = if (is.null(target) || target$kind != "numeric") NULL else targ$n_neighbors,
    target_metric = if (is.null(target)) NULL else
      if (target$kind == "numeric") targ$metric else "categorical",
    target_weight = if (is.null(target)) NULL else targ$weight,
    timings = timings,
    call = call
  ), class = "umapc")
  if (output_dens) {
    fit$rad_orig <- layout$rad_orig
    fit$rad_emb <- layout$rad_emb
  }
  for (e in names(extra)) fit[[e]] <- extra[[e]]
  if (keep_shared) {
    fit$.shared <- list(g = start$g, min_weight = start$min_weight,
                        emb0 = start$emb0)
  }
  fit
}

# The training data a model keeps for predict() (NULL without X). Dense
# matrices, unless reduced by PCA or coded for hamming, are kept as the
# single-precision copy that the searches among them work on (umapc_rows():
# half the size of X, and predict() need not rebuild it); other data as
# kept_data() gives them (so a data frame stays one, for augment()).
model_data <- function(X, input, metric, n_threads) {
  data <- input$data
  if (is.null(data)) return(NULL)
  is_frame <- is.data.frame(X) || (isS4(X) && methods::is(X, "DataFrame"))
  if (data$kind == "dense" && !is_frame && is.null(input$pca_model) &&
      !is.na(metric) && metric %in% metric_names() && metric != "hamming") {
    return(umapc_rows(data$data, metric, n_threads))
  }
  kept_data(X, input$metric)
}

# The compact copy of the rows of double matrix `m` for `metric` (see
# umapc_call_data_rows() in src/r_knn.c), with m's column names, for
# predict(): the knn routines rebuild the same copy from it (and set
# minkowski's exponent, which is the model's metric_p).
umapc_rows <- function(m, metric, n_threads) {
  r <- .Call(C_umapc_call_data_rows, m,
             list(metric = metric, n_threads = n_threads))
  r$colnames <- colnames(m)
  class(r) <- "umapc_rows"
  r
}

# X as given, except that a data frame keeps only the columns used.
kept_data <- function(X, metric = NULL) {
  if (isS4(X) && methods::is(X, "DataFrame")) X <- methods::as(X, "data.frame")
  # hamming codes every column (categories included), so all are kept
  if (is.data.frame(X) && !identical(metric, "hamming")) {
    ok <- vapply(X, function(col) (is.numeric(col) || is.logical(col)) &&
                   is.null(dim(col)), logical(1))
    if (!all(ok)) X <- X[ok]
  }
  X
}
