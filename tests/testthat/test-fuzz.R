# Seeded fuzz test: several hundred malformed X, knn, newdata and argument
# values pushed through umap(), nearest_neighbors(), as_umap_knn() and
# predict(). The cases run in Rscript children, so a crash (segfault, abort)
# or a hang is caught and attributed to its case instead of killing the test
# run. Every case must end in a result or an R error whose message is
# non-empty and names an argument in backticks ("`X` must be ...").

fuzz_installed_umapc <- function() {
  path <- find.package("umapc", lib.loc = .libPaths(), quiet = TRUE)
  if (length(path) && dir.exists(file.path(path[1], "Meta"))) path[1] else ""
}

# ---------------------------------------------------------------------------
# Case generation (in the parent, seeded)
# ---------------------------------------------------------------------------

fuzz_matrix <- function(n, d) {
  m <- matrix(stats::rnorm(n * d), n, d)
  if (n * d > 0 && stats::runif(1) < 0.5) colnames(m) <- paste0("v", seq_len(d))
  m
}

# Poison a numeric matrix with a few special values.
fuzz_poison <- function(m) {
  if (!length(m)) return(m)
  specials <- list(NA_real_, NaN, Inf, -Inf, 1e300, -1e300, 1e-300, 1e308,
                   -1e308, .Machine$double.xmax, 0, 1e30, 1e-30)
  k <- sample.int(min(3L, length(m)), 1L)
  pos <- sample.int(length(m), k)
  v <- specials[[sample.int(length(specials), 1L)]]
  m[pos] <- v
  m
}

# A pool of malformed (and some valid) X values.
fuzz_X <- function() {
  n <- sample(c(0:6, 10L, 20L), 1L)
  d <- sample(0:4, 1L)
  base <- fuzz_matrix(n, d)
  kind <- sample.int(34L, 1L)
  switch(kind,
    NULL,
    numeric(0),
    stats::rnorm(10),
    "a",
    matrix(letters[seq_len(max(1L, n * d))], max(1L, n)),
    factor(sample(letters[1:3], 10, TRUE)),
    list(1, 2, 3),
    list(base, base),
    data.frame(a = seq_len(max(n, 1)), b = I(as.list(seq_len(max(n, 1))))),
    data.frame(a = stats::rnorm(max(n, 1)), b = sample(letters, max(n, 1), TRUE)),
    data.frame(a = stats::rnorm(max(n, 1)), f = factor(sample(letters[1:2], max(n, 1), TRUE))),
    data.frame(row.names = seq_len(max(n, 1))),
    matrix(numeric(0), n, 0),
    matrix(numeric(0), 0, d),
    fuzz_matrix(1, 3),
    fuzz_matrix(2, 3),
    fuzz_poison(fuzz_matrix(20, 3)),
    fuzz_poison(fuzz_matrix(20, 3)),
    fuzz_poison(fuzz_matrix(10, 2)),
    matrix(complex(real = stats::rnorm(40), imaginary = 1), 20),
    matrix(c(TRUE, FALSE, NA), 20, 3),
    matrix(c(1L, NA_integer_, 3L), 20, 3),
    array(stats::rnorm(60), c(5, 4, 3)),
    structure(stats::rnorm(60), dim = c(20L, 3L), class = "weird"),
    new.env(),
    function(x) x,
    matrix(as.raw(1:60), 20),
    as.Date("2020-01-01") + 1:20,
    stats::ts(matrix(stats::rnorm(60), 20)),
    structure(stats::dist(fuzz_matrix(10, 2)), Size = 12L),
    replace(stats::dist(fuzz_matrix(10, 2)), 3, NA),
    Matrix::Matrix(replace(fuzz_matrix(20, 3), 5, NA), sparse = TRUE),
    methods::as(Matrix::Matrix(fuzz_matrix(20, 3), sparse = TRUE), "TsparseMatrix"),
    fuzz_matrix(n, d)
  )
}

fuzz_param <- function() {
  sample(list(NA, NA_real_, "5", 2.5, -1, 0, 1, Inf, NaN, c(3, 4), list(3),
              TRUE, NULL, 1e10, 3L, 5), 1L)[[1L]]
}

# A valid 20-row knn, then mutated.
fuzz_knn <- function(knn0, n) {
  idx <- knn0$indices
  dst <- knn0$distances
  mut <- sample.int(30L, 1L)
  pick <- function(m) sample.int(length(m), 1L)
  switch(mut,
    list(indices = idx[-1, ], distances = dst[-1, ]),
    list(indices = idx[, 1, drop = FALSE], distances = dst[, 1, drop = FALSE]),
    list(indices = idx[, -1], distances = dst),
    list(indices = replace(idx, pick(idx), NA), distances = dst),
    list(indices = replace(idx, pick(idx), 0L), distances = dst),
    list(indices = replace(idx, pick(idx), -3L), distances = dst),
    list(indices = replace(idx, pick(idx), n + 1L), distances = dst),
    list(indices = replace(idx * 1.0, pick(idx), 2.5), distances = dst),
    list(indices = replace(idx * 1.0, pick(idx), 1e10), distances = dst),
    list(indices = idx, distances = replace(dst, pick(dst), NA)),
    list(indices = idx, distances = replace(dst, pick(dst), NaN)),
    list(indices = idx, distances = replace(dst, pick(dst), -1)),
    list(indices = idx, distances = replace(dst, pick(dst), Inf)),
    list(indices = idx, distances = replace(dst, pick(dst), 1e300)),
    list(indices = idx, distances = dst * 1e300),
    list(indices = idx, distances = dst * 1e-300),
    list(indices = matrix(as.character(idx), nrow(idx)), distances = dst),
    list(indices = idx, distances = matrix(as.character(dst), nrow(dst))),
    list(indices = idx),
    list(idx = as.data.frame(idx), dist = dst),
    list(nn.index = idx[, -1], nn.dist = dst[, -1]),
    list(index = idx[, -1], distance = dst[, -1] + 1),
    list(idx = cbind(idx[, 1:2], idx[, 2]), dist = cbind(dst[, 1:2], dst[, 2])),
    list(idx = cbind(idx[, 1], idx[, 1]), dist = cbind(dst[, 1], dst[, 1])),
    structure(list(indices = idx), class = "umap_knn"),
    list(list(idx = idx, dist = dst)),
    Matrix::sparseMatrix(i = c(1, 2), j = c(1, 2), x = c(1, 2), dims = c(n, n)),
    Matrix::sparseMatrix(i = c(1, 2), j = c(1, 2), x = c(1, 2), dims = c(n, n + 1)),
    list(idx = idx[sample.int(n), ], dist = dst),
    list(idx = idx, dist = dst)
  )
}

fuzz_newdata <- function(d, cn) {
  kind <- sample.int(20L, 1L)
  ok <- matrix(stats::rnorm(3 * d), 3, d, dimnames = list(NULL, cn))
  switch(kind,
    NULL,
    stats::rnorm(d),
    stats::rnorm(d + 1),
    matrix(stats::rnorm(3 * (d + 1)), 3),
    fuzz_poison(ok),
    fuzz_poison(ok),
    matrix(letters[1:(3 * d)], 3),
    as.data.frame(ok),
    stats::setNames(as.data.frame(ok), paste0("z", seq_len(d))),
    ok[, rev(seq_len(d)), drop = FALSE],
    ok[0, , drop = FALSE],
    list(ok),
    factor(1:d),
    stats::dist(ok),
    Matrix::Matrix(ok, sparse = TRUE),
    ok * 1e300,
    ok * 1e-300,
    data.frame(a = I(as.list(1:3)), b = 1:3, c = 1:3, d = 1:3),
    matrix(TRUE, 3, d),
    ok
  )
}

fuzz_cases <- function(n_cases) {
  set.seed(20240613)
  X0 <- matrix(stats::rnorm(80), 20, 4, dimnames = list(NULL, paste0("v", 1:4)))
  knn0 <- list(indices = NULL, distances = NULL)
  # brute-force knn of X0 (self first), so no umapc call is needed here
  D <- as.matrix(stats::dist(X0))
  knn0$indices <- t(apply(D, 1, function(r) order(r)[1:6]))
  storage.mode(knn0$indices) <- "integer"
  knn0$distances <- t(vapply(1:20, function(i) D[i, knn0$indices[i, ]], numeric(6)))
  knn0$distances[, 1] <- 0
  cases <- vector("list", n_cases)
  for (i in seq_len(n_cases)) {
    what <- sample(c("umap_X", "nn_X", "knn_as", "knn_umap", "predict",
                     "umap_param", "nn_param"), 1L,
                   prob = c(0.22, 0.16, 0.14, 0.14, 0.14, 0.12, 0.08))
    cases[[i]] <- switch(what,
      umap_X = list(fun = "umap", args = list(
        X = fuzz_X(), n_neighbors = sample(c(2, 3, 5), 1L),
        n_epochs = sample(0:1, 1L), n_threads = 1, seed = 1,
        init = sample(c("spectral", "random", "pca"), 1L),
        metric = sample(c("euclidean", "cosine", "correlation", "manhattan",
                          "hamming", "chebyshev", "braycurtis", "hellinger",
                          "jaccard"), 1L))),
      nn_X = list(fun = "nearest_neighbors", args = list(
        X = fuzz_X(), n_neighbors = sample(c(2, 3), 1L), n_threads = 1, seed = 1,
        method = sample(c("exact", "nndescent"), 1L),
        metric = sample(c("euclidean", "cosine", "manhattan"), 1L))),
      knn_as = list(fun = "as_umap_knn", args = list(
        x = fuzz_knn(knn0, 20L),
        n = sample(list(NULL, 20, 19, NA, -1, "20", 2.5), 1L)[[1L]])),
      knn_umap = list(fun = "umap", args = list(
        X = sample(list(X0, NULL, X0[1:10, ]), 1L, prob = c(0.6, 0.3, 0.1))[[1L]],
        knn = fuzz_knn(knn0, 20L), n_neighbors = sample(c(2, 3, 6, 7), 1L),
        n_epochs = sample(0:1, 1L), n_threads = 1, seed = 1, init = "random")),
      predict = list(fun = "predict", args = list(
        newdata = fuzz_newdata(4L, colnames(X0)), n_epochs = sample(0:2, 1L),
        n_threads = 1)),
      umap_param = {
        a <- list(X = X0, n_epochs = 0, n_threads = 1, seed = 1)
        p <- sample(c("n_neighbors", "n_components", "min_dist", "spread",
                      "n_epochs", "learning_rate", "set_op_mix_ratio",
                      "local_connectivity", "repulsion_strength",
                      "negative_sample_rate", "seed", "n_threads", "metric",
                      "init", "a", "verbose", "method", "keep_data"), 1L)
        a[p] <- list(fuzz_param())
        list(fun = "umap", args = a)
      },
      nn_param = {
        a <- list(X = X0, n_neighbors = 3, n_threads = 1, seed = 1)
        p <- sample(c("n_neighbors", "metric", "method", "seed", "n_threads",
                      "verbose", "n_trees", "leaf_size", "n_iters",
                      "max_candidates", "delta", "metric_p"), 1L)
        a[p] <- list(fuzz_param())
        if (p %in% c("n_trees", "leaf_size", "n_iters", "max_candidates", "delta"))
          a$method <- "nndescent"
        list(fun = "nearest_neighbors", args = a)
      })
  }
  list(cases = cases, X0 = X0)
}

# ---------------------------------------------------------------------------
# The child: runs cases from `start`, logging START/END lines as it goes
# ---------------------------------------------------------------------------

fuzz_child_code <- c(
  "a <- commandArgs(TRUE)",
  ".libPaths(c(a[4], .libPaths()))",
  "suppressPackageStartupMessages(library(umapc))",
  "dat <- readRDS(a[1]); start <- as.integer(a[2]); log <- a[3]",
  "model <- umap(dat$X0, n_neighbors = 5, n_epochs = 5, n_threads = 1, seed = 1)",
  "finite_result <- function(r) {",
  "  v <- if (inherits(r, 'umapc')) r$embedding else if (inherits(r, 'umap_knn'))",
  "    r$distances else r",
  "  is.numeric(v) && all(is.finite(v))",
  "}",
  "con <- file(log, open = 'a')",
  "for (i in seq.int(start, length(dat$cases))) {",
  "  cs <- dat$cases[[i]]",
  "  writeLines(sprintf('START %d', i), con); flush(con)",
  "  args <- cs$args",
  "  if (cs$fun == 'predict') args <- c(list(model), args)",
  "  res <- withCallingHandlers(tryCatch({",
  "    r <- do.call(cs$fun, args)",
  "    if (finite_result(r)) 'OK' else 'NONFINITE'",
  "  }, error = function(e) paste('ERROR', gsub('[\\r\\n]+', ' ', conditionMessage(e)))),",
  "  warning = function(w) invokeRestart('muffleWarning'))",
  "  writeLines(sprintf('END %d %s', i, res), con); flush(con)",
  "}",
  "close(con)"
)

# Run every case, restarting a child after each crash. Returns a data frame
# (case, fun, outcome, message).
fuzz_run <- function(dat, timeout = 120) {
  dir <- tempfile("umapc-fuzz-")
  dir.create(dir)
  on.exit(unlink(dir, recursive = TRUE), add = TRUE)
  rds <- file.path(dir, "cases.rds")
  saveRDS(dat, rds)
  script <- file.path(dir, "child.R")
  writeLines(fuzz_child_code, script)
  log <- file.path(dir, "log")
  rscript <- file.path(R.home("bin"), "Rscript")
  lib <- dirname(fuzz_installed_umapc())
  n <- length(dat$cases)
  outcome <- rep(NA_character_, n)
  message <- rep(NA_character_, n)
  start <- 1L
  while (start <= n) {
    errfile <- file.path(dir, sprintf("stderr-%d", start))
    status <- suppressWarnings(system2(rscript, c("--vanilla", shQuote(script),
                                                  shQuote(rds), start, shQuote(log),
                                                  shQuote(lib)),
                                       stdout = FALSE, stderr = errfile,
                                       timeout = timeout))
    lines <- if (file.exists(log)) readLines(log, warn = FALSE) else character()
    ends <- regmatches(lines, regexec("^END ([0-9]+) (\\S+) ?(.*)$", lines))
    for (m in ends) if (length(m)) {
      i <- as.integer(m[2])
      outcome[i] <- m[3]
      message[i] <- m[4]
    }
    starts <- as.integer(sub("^START ", "", grep("^START ", lines, value = TRUE)))
    if (!is.na(outcome[n])) break
    last <- if (length(starts)) max(starts) else start
    if (last < start || !is.na(outcome[last])) {
      # the child died before starting a case (e.g. while loading)
      outcome[start:n] <- "CHILD-FAILED"
      message[start:n] <- paste(readLines(errfile, warn = FALSE), collapse = " ")
      break
    }
    outcome[last] <- if (identical(as.integer(status), 124L)) "HANG" else "CRASH"
    message[last] <- paste(utils::tail(readLines(errfile, warn = FALSE), 5),
                           collapse = " | ")
    start <- last + 1L
  }
  data.frame(case = seq_len(n),
             fun = vapply(dat$cases, `[[`, "", "fun"),
             outcome = outcome, message = message, stringsAsFactors = FALSE)
}

test_that("malformed inputs give a result or a clear R error, never a crash", {
  skip_on_cran()
  skip_if_not(file.exists(file.path(R.home("bin"), "Rscript")), "Rscript unavailable")
  skip_if_not(nzchar(fuzz_installed_umapc()), "umapc is not installed (load_all?)")

  dat <- fuzz_cases(400)
  res <- fuzz_run(dat)
  show <- function(rows) {
    paste(utils::head(sprintf("case %d (%s): %s %s", rows$case, rows$fun,
                              rows$outcome, rows$message), 15), collapse = "\n")
  }

  # every case finished
  expect_false(anyNA(res$outcome), info = show(res[is.na(res$outcome), ]))
  expect_identical(sum(res$outcome == "CHILD-FAILED", na.rm = TRUE), 0L,
                   info = show(res[res$outcome %in% "CHILD-FAILED", ]))
  # zero crashes and hangs
  bad <- res[res$outcome %in% c("CRASH", "HANG"), ]
  expect_identical(nrow(bad), 0L, info = show(bad))
  # results are finite
  nonfinite <- res[res$outcome %in% "NONFINITE", ]
  expect_identical(nrow(nonfinite), 0L, info = show(nonfinite))

  # errors: non-empty, naming an argument in backticks, no C-level text
  err <- res[res$outcome %in% "ERROR", ]
  empty <- err[!nzchar(trimws(err$message)), ]
  expect_identical(nrow(empty), 0L, info = show(empty))
  no_arg <- err[!grepl("`[A-Za-z_.][A-Za-z0-9_.$@]*`", err$message), ]
  expect_identical(nrow(no_arg), 0L, info = show(no_arg))
  internal <- err[grepl("internal:|failed:|invalid input|\\.Call", err$message), ]
  expect_identical(nrow(internal), 0L, info = show(internal))

  # the fuzzer exercised both outcomes and every entry point
  expect_gt(sum(res$outcome == "OK", na.rm = TRUE), 20)
  expect_gt(nrow(err), 150)
  expect_setequal(unique(res$fun),
                  c("umap", "nearest_neighbors", "as_umap_knn", "predict"))
})
