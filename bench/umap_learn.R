# Run the reference implementations on exactly the input umapc gets: the
# same k-NN graph and the same initial layout.
#
#   run_umap_learn()  umap-learn 0.5.7 (Python), via bench/umap_learn.py
#   run_uwot()        uwot 0.2.x (R, from CRAN, installed into bench/lib)
#   range_scale_init() an init rescaled to [0, 10] per column, as umap-learn
#                      and umapc do with every init (uwot uses it as given)
#
# Neither package is part of umapc: umap-learn's source is kept outside the
# repository (env var UMAP_LEARN_SRC, default /work/ext/umap-learn: the
# umap/ folder of umap-learn's release-0.5.7 tag) and runs on Debian's
# python3-numba python3-pynndescent python3-sklearn python3-scipy
# python3-numpy python3-tqdm with /usr/bin/python3 (env var
# UMAP_LEARN_PYTHON). uwot is loaded from bench/lib (env var UWOT_LIB), where
# bench/run.sh installs it from CRAN.
#
# Usage, from the repository root:
#   source("bench/umap_learn.R")
#   knn  <- list(indices = n x k integer, 1-based, self first,
#                distances = n x k double)          # umapc's umap_knn format
#   init <- range_scale_init(some n x 2 matrix)
#   a <- run_umap_learn(X, knn, init, seed = 1)     # a$embedding, a$seconds
#   b <- run_uwot(X, knn, init, seed = 1)           # b$embedding, b$seconds

.umap_learn_bench_dir <- local({
  f <- tryCatch(sys.frame(1)$ofile, error = function(e) NULL)
  d <- if (!is.null(f)) dirname(normalizePath(f)) else "bench"
  if (!file.exists(file.path(d, "umap_learn.py"))) d <- "bench"
  d
})

# umap-learn's rescaling of an initial layout (umap_.py,
# simplicial_set_embedding): 10 * (x - min) / (max - min) per column.
range_scale_init <- function(init) {
  init <- as.matrix(init)
  mn <- apply(init, 2, min)
  mx <- apply(init, 2, max)
  10 * sweep(sweep(init, 2, mn), 2, mx - mn, "/")
}

# Keep the first n_neighbors columns of a k-NN list(indices, distances)
# after checking its shape (self in column 1).
.bench_knn <- function(knn, n_neighbors, n) {
  idx <- knn$indices
  dist <- knn$distances
  if (is.null(idx) || is.null(dist) || !is.matrix(idx) || !is.matrix(dist) ||
      !identical(dim(idx), dim(dist)))
    stop("`knn` must be list(indices = n x k matrix, distances = n x k matrix)")
  if (!is.null(n) && nrow(idx) != n) stop("`knn` has ", nrow(idx), " rows, X has ", n)
  if (n_neighbors > ncol(idx))
    stop("n_neighbors = ", n_neighbors, " but the k-NN has only k = ", ncol(idx))
  idx <- idx[, seq_len(n_neighbors), drop = FALSE]
  dist <- dist[, seq_len(n_neighbors), drop = FALSE]
  storage.mode(idx) <- "integer"
  storage.mode(dist) <- "double"
  if (!all(idx[, 1] == seq_len(nrow(idx))))
    stop("`knn$indices[i, 1]` must be i (each point its own first neighbour)")
  list(indices = idx, distances = dist)
}

.umap_learn_ok <- new.env()

# Stop with a clear message unless python and umap-learn's source are there
# and import. Checked once per R session (importing numba takes seconds).
check_umap_learn <- function(python = Sys.getenv("UMAP_LEARN_PYTHON", "/usr/bin/python3"),
                             src = Sys.getenv("UMAP_LEARN_SRC", "/work/ext/umap-learn")) {
  key <- paste(python, src)
  if (isTRUE(.umap_learn_ok[[key]])) return(invisible(TRUE))
  if (!file.exists(python))
    stop("umap-learn: python not found at ", python,
         " (set UMAP_LEARN_PYTHON; apt-get install python3-numba python3-pynndescent",
         " python3-sklearn python3-scipy python3-numpy python3-tqdm)", call. = FALSE)
  if (!file.exists(file.path(src, "umap", "umap_.py")))
    stop("umap-learn: no source at ", src, " (expected ", file.path(src, "umap", "umap_.py"),
         "; set UMAP_LEARN_SRC to a checkout of umap-learn's release-0.5.7 tag)", call. = FALSE)
  out <- suppressWarnings(system2(python, c("-c", shQuote("import umap; print(umap.__version__)")),
                                  stdout = TRUE, stderr = TRUE,
                                  env = paste0("PYTHONPATH=", shQuote(src))))
  status <- attr(out, "status")
  if (!is.null(status) && status != 0)
    stop("umap-learn: `import umap` failed with ", python, " and PYTHONPATH=", src, ":\n",
         paste(tail(out, 5), collapse = "\n"),
         "\n(missing Debian packages? python3-numba python3-pynndescent python3-sklearn",
         " python3-scipy python3-numpy python3-tqdm)", call. = FALSE)
  .umap_learn_ok[[key]] <- TRUE
  invisible(TRUE)
}

# umap-learn's layout from a given k-NN and init.
#   X      the data (n x p) or NULL. With a precomputed k-NN umap-learn uses X
#          only for its number of rows (and hashes it after the fit), so NULL
#          (an n x 1 zero matrix is passed) avoids writing it out.
#   knn    list(indices = n x k integer 1-based, distances = n x k double),
#          row i's first neighbour is i; the first n_neighbors columns are used.
#   init   n x 2 matrix; umap-learn rescales it to [0, 10] per column.
#   seed   integer: umap-learn's random_state (deterministic, and then
#          single-threaded: umap-learn sets n_jobs = 1); NA: no seed, numba's
#          parallel layout on n_threads threads (not reproducible).
#   n_epochs NULL for umap-learn's default (500 for n <= 10,000, else 200).
# Returns list(embedding, seconds = umap-learn's fit() (fuzzy graph + layout),
# layout_seconds = simplicial_set_embedding() alone, warmup_seconds = numba's
# JIT compilation on a small problem first, excluded from both,
# process_seconds = the whole python process, version).
run_umap_learn <- function(X, knn, init, seed, n_neighbors = 15, min_dist = 0.1,
                           n_epochs = NULL, n_threads = 2,
                           python = Sys.getenv("UMAP_LEARN_PYTHON", "/usr/bin/python3"),
                           src = Sys.getenv("UMAP_LEARN_SRC", "/work/ext/umap-learn"),
                           script = file.path(.umap_learn_bench_dir, "umap_learn.py")) {
  check_umap_learn(python, src)
  if (!file.exists(script)) stop("umap-learn: runner script not found: ", script)
  n <- nrow(knn$indices)
  if (!is.null(X)) {
    X <- as.matrix(X)
    if (nrow(X) != n) stop("X has ", nrow(X), " rows, the k-NN ", n)
  }
  knn <- .bench_knn(knn, n_neighbors, n)
  init <- as.matrix(init)
  if (!identical(dim(init), c(n, 2L))) stop("`init` must be an n x 2 matrix")

  dir <- tempfile("umap_learn_")
  dir.create(dir)
  on.exit(unlink(dir, recursive = TRUE), add = TRUE)
  wb <- function(x, name, size = NA_integer_) {
    con <- file(file.path(dir, name), "wb")
    on.exit(close(con))
    writeBin(as.vector(x), con, size = size, endian = "little")
  }
  k <- ncol(knn$indices)
  write.csv(data.frame(
    name = c("n", "k", "p", "n_neighbors", "min_dist", "n_epochs"),
    value = c(n, k, if (is.null(X)) 0 else ncol(X), n_neighbors, min_dist,
              if (is.null(n_epochs)) 0 else n_epochs)),
    file.path(dir, "params.csv"), row.names = FALSE, quote = FALSE)
  wb(knn$indices - 1L, "knn_idx", size = 4L)
  wb(knn$distances, "knn_dist")
  storage.mode(init) <- "double"
  wb(init, "init")
  if (!is.null(X)) {
    storage.mode(X) <- "double"
    wb(X, "X")
  }
  out_file <- file.path(dir, "embedding")
  seed_arg <- if (is.null(seed) || is.na(seed)) "none" else format(as.integer(seed))
  env <- c(paste0("PYTHONPATH=", shQuote(src)),
           paste0("NUMBA_NUM_THREADS=", as.integer(n_threads)))
  t0 <- proc.time()[["elapsed"]]
  out <- suppressWarnings(system2(python, shQuote(c(script, dir, out_file, seed_arg)),
                                  stdout = TRUE, stderr = TRUE, env = env))
  process_seconds <- proc.time()[["elapsed"]] - t0
  status <- attr(out, "status")
  if ((!is.null(status) && status != 0) || !file.exists(out_file))
    stop("umap-learn failed:\n", paste(out, collapse = "\n"), call. = FALSE)
  kv <- grep("^[a-z_]+=", out, value = TRUE)
  val <- setNames(sub("^[^=]*=", "", kv), sub("=.*", "", kv))
  emb <- matrix(readBin(out_file, "double", n = 2 * n, endian = "little"), n, 2)
  list(embedding = emb,
       seconds = as.numeric(val[["fit_seconds"]]),
       layout_seconds = as.numeric(val[["layout_seconds"]]),
       warmup_seconds = as.numeric(val[["warmup_seconds"]]),
       process_seconds = process_seconds,
       version = val[["umap_learn_version"]])
}

# Load uwot from bench/lib (CRAN's 0.2.x) rather than Debian's 0.1.x.
load_bench_uwot <- function(lib = Sys.getenv("UWOT_LIB", file.path(.umap_learn_bench_dir, "lib"))) {
  if (!"uwot" %in% loadedNamespaces()) {
    if (!requireNamespace("uwot", lib.loc = c(lib, .libPaths()), quietly = TRUE))
      stop("uwot not found in ", lib, " or .libPaths(); install it with\n",
           "  bash tools/install-deps.sh r-cran-uwot; mkdir -p bench/lib; MAKEFLAGS=-j2 Rscript -e ",
           "'install.packages(\"uwot\", lib = \"bench/lib\", repos = \"https://cloud.r-project.org\")'",
           call. = FALSE)
  }
  v <- utils::packageVersion("uwot", lib.loc = dirname(getNamespaceInfo("uwot", "path")))
  if (v < "0.2.0") warning("uwot ", v, " loaded (from ", getNamespaceInfo("uwot", "path"),
                           "), not 0.2.x from ", lib, call. = FALSE)
  invisible(v)
}

# uwot's layout from the same k-NN and init.
#   X     the data or NULL (with nn_method given uwot needs no X).
#   init  used by uwot exactly as given (its init_sdev = NULL default does no
#         scaling), so by default it is first rescaled to [0, 10] per column
#         like umap-learn and umapc do (rescale_init = FALSE to skip).
#   seed  uwot 0.2.x's own `seed` argument (it calls set.seed()); with
#         n_sgd_threads = 1 (or batch = TRUE) the result is reproducible.
#   n_epochs NULL for uwot's default (500 for n <= 10,000, else 200).
# uwot's other defaults are kept (learning_rate 1, negative_sample_rate 5,
# approx_pow FALSE, spread 1: same as umap-learn). n_threads is only used by
# uwot for non-SGD steps; the k-NN search is skipped.
# Returns list(embedding, seconds (wall time of uwot::umap()), version).
run_uwot <- function(X, knn, init, seed, n_neighbors = 15, min_dist = 0.1,
                     n_epochs = NULL, batch = FALSE, n_sgd_threads = 1,
                     n_threads = n_sgd_threads, rescale_init = TRUE) {
  v <- load_bench_uwot()
  knn <- .bench_knn(knn, n_neighbors, if (is.null(X)) NULL else nrow(X))
  init <- as.matrix(init)
  if (rescale_init) init <- range_scale_init(init)
  storage.mode(init) <- "double"
  t <- system.time(emb <- uwot::umap(
    X, n_neighbors = n_neighbors,
    nn_method = list(idx = knn$indices, dist = knn$distances),
    init = init, min_dist = min_dist, n_epochs = n_epochs,
    batch = batch, n_threads = n_threads, n_sgd_threads = n_sgd_threads,
    seed = seed, verbose = FALSE))[["elapsed"]]
  list(embedding = unname(emb), seconds = t, version = as.character(v))
}
