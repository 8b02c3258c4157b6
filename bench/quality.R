# Quality benchmark: does umapc's layout give the same local and global
# structure as the reference implementations, umap-learn 0.5.7 (Python) and
# uwot 0.2.x (R), when all three start from exactly the same input?
#
# For each data set the exact 15-NN of X (umapc's nearest_neighbors(method =
# "exact"), self first) and one initial layout (umapc's spectral init, i.e.
# umap(X, knn, n_epochs = 0, seed = 1)$embedding, already in [0, 10] per
# column) are computed once and given to all three systems; only the fuzzy
# graph and the SGD layout are each system's own. n_neighbors 15, min_dist
# 0.1, n_epochs 500 up to 10,000 rows and 200 above (all three systems'
# default rule, passed explicitly), seeds 1, 2, 3 (QUALITY_SEEDS=1,2,...,8
# for more):
#   umapc       umap(X, knn =, init =, seed = s, n_threads = 2)
#   umap-learn  run_umap_learn() (bench/umap_learn.R): random_state = s, so
#               single-threaded
#   uwot        run_uwot(): batch = FALSE, n_sgd_threads = 1, seed = s
#
# Data sets (labels in brackets):
#   fmnist2k, fmnist10k, fmnist70k  Fashion-MNIST, first 2,000 / 10,000 /
#               70,000 rows, 784 pixels [the 10 classes]
#   hsmm        HSMMSingleCell (Debian r-bioc-hsmmsinglecell): 271 cells,
#               log1p(FPKM), genes with non-zero variance, first 20 principal
#               components (prcomp, centred, not scaled) [Hours: time point of
#               the differentiation series, 0 / 24 / 48 / 72 h]
#   scurve      S-curve, 5,000 points in 3-D [10 bins of the position t]
#   gauss_line  10 Gaussian clusters in 20-D, 500 points each, sd 1, centre i
#               at i * 6 along a random unit direction [the cluster: a known
#               global order along the line]
#
# Metrics (bench/quality_metrics.R, on 1,000 query rows set.seed(1);
# sample.int(n, 1000) and 20,000 random pairs): 15-NN neighbourhood
# preservation, 15-NN label accuracy, trustworthiness@15, Spearman
# correlation of X vs 2-D distances over the pairs, Spearman correlation of
# class-centroid distances, compactness (mean within- / between-class 2-D
# distance over the pairs), silhouette of the labels in 2-D (3,000 rows).
#
# Writes to bench/out/:
#   quality.csv            long format: data, system, seed, metric, value
#                          (metrics above plus seconds = fuzzy graph + layout
#                          from the given k-NN and init, layout_seconds where
#                          the system reports it; informational)
#   quality_table.md       per data set and metric mean ± sd over the seeds
#                          for each system and "ok": |umapc - umap-learn| <=
#                          max(sd_umapc, sd_umap-learn, 0.01), or umapc
#                          better (higher; for compactness, lower: tighter
#                          classes, the direction the layout once erred in)
#   quality_<data>.png     umap-learn, uwot, umapc (seed 1) side by side
#   quality_input_<data>.rds, quality_emb_<data>_<system>_s<seed>.rds
#                          the common input and every embedding; with
#                          QUALITY_REUSE=1 existing files are loaded instead
#                          of recomputed (cheap rerun of the metrics/plots)
#
# Run from the repository root (about 15 minutes on 2 cores, most of it on
# the 70,000 Fashion-MNIST rows: exact k-NN, layouts, metrics):
#   bash bench/run.sh quality
# or, with umapc and uwot 0.2.x installed in the libraries named:
#   R_LIBS=bench/lib Rscript bench/quality.R
# QUALITY_DATA=fmnist2k,hsmm limits the run to some data sets (the table and
# CSV then hold those only). umap-learn's source must be at $UMAP_LEARN_SRC
# (default /work/ext/umap-learn) with Debian's python3-numba
# python3-pynndescent python3-sklearn python3-tqdm; see bench/umap_learn.R.

source("tools/fmnist.R")
source("bench/umap_learn.R")
source("bench/quality_metrics.R")
suppressPackageStartupMessages(library(umapc))
load_bench_uwot()

out_dir <- "bench/out"
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
reuse <- identical(Sys.getenv("QUALITY_REUSE"), "1")
seeds <- as.integer(strsplit(Sys.getenv("QUALITY_SEEDS", "1,2,3"), ",")[[1]])
k <- 15L
min_dist <- 0.1
systems <- c("umapc", "umap-learn", "uwot")
t_start <- proc.time()[["elapsed"]]

say <- function(...) {
  cat(sprintf("[%s %6.0fs] ", format(Sys.time(), "%H:%M:%S"),
              proc.time()[["elapsed"]] - t_start), ..., "\n", sep = "")
  flush(stdout())
}

# --- data sets ----------------------------------------------------------------

.fmnist <- new.env()
fmnist_rows <- function(n) {
  if (is.null(.fmnist$d) || nrow(.fmnist$d$X) < n) .fmnist$d <- load_fmnist(70000)
  list(X = .fmnist$d$X[seq_len(n), , drop = FALSE], labels = .fmnist$d$labels[seq_len(n)])
}

load_hsmm <- function(n_pc = 20) {
  if (!requireNamespace("HSMMSingleCell", quietly = TRUE))
    stop("HSMMSingleCell not installed: apt-get install r-bioc-hsmmsinglecell", call. = FALSE)
  e <- new.env()
  utils::data("HSMM_expr_matrix", "HSMM_sample_sheet", package = "HSMMSingleCell", envir = e)
  expr <- e$HSMM_expr_matrix                        # genes x cells, FPKM
  sheet <- e$HSMM_sample_sheet[colnames(expr), , drop = FALSE]
  Y <- log1p(t(expr))                               # cells x genes
  Y <- Y[, apply(Y, 2, stats::var) > 0, drop = FALSE]
  pc <- stats::prcomp(Y, center = TRUE, scale. = FALSE, rank. = n_pc)
  list(X = unname(pc$x), labels = factor(paste0(sheet$Hours, " h"),
                                         levels = paste0(levels(sheet$Hours), " h")))
}

s_curve <- function(n, seed = 1) {
  set.seed(seed)
  t <- 3 * pi * (runif(n) - 0.5)
  X <- cbind(sin(t), 2 * runif(n), sign(t) * (cos(t) - 1))
  list(X = X, t = t, labels = factor(cut(t, 10, labels = FALSE)))
}

gauss_line <- function(n_clusters = 10, n_each = 500, p = 20, step = 6, seed = 1) {
  set.seed(seed)
  u <- rnorm(p)
  u <- u / sqrt(sum(u^2))
  cl <- rep(seq_len(n_clusters), each = n_each)
  X <- outer(cl * step, u) + matrix(rnorm(length(cl) * p), length(cl), p)
  list(X = X, labels = factor(cl))
}

data_sets <- list(
  fmnist2k = function() fmnist_rows(2000),
  fmnist10k = function() fmnist_rows(10000),
  fmnist70k = function() fmnist_rows(70000),
  hsmm = load_hsmm,
  scurve = function() s_curve(5000),
  gauss_line = gauss_line)
data_titles <- c(fmnist2k = "Fashion-MNIST, 2,000 rows", fmnist10k = "Fashion-MNIST, 10,000 rows",
                 fmnist70k = "Fashion-MNIST, 70,000 rows",
                 hsmm = "HSMM single cells (271 cells, 20 PCs), by Hours",
                 scurve = "S-curve, 5,000 points", gauss_line = "10 Gaussian clusters on a line (20-D)")
which_data <- strsplit(Sys.getenv("QUALITY_DATA", paste(names(data_sets), collapse = ",")), ",")[[1]]
which_data <- trimws(which_data)
bad <- setdiff(which_data, names(data_sets))
if (length(bad)) stop("QUALITY_DATA: unknown data set(s) ", paste(bad, collapse = ", "),
                      "; known: ", paste(names(data_sets), collapse = ", "))

# --- cached steps ---------------------------------------------------------------

cached <- function(file, compute) {
  path <- file.path(out_dir, file)
  if (reuse && file.exists(path)) return(readRDS(path))
  v <- compute()
  saveRDS(v, path)
  v
}

run_system <- function(system, X, knn, init, seed, n_epochs) {
  switch(system,
    "umapc" = {
      t <- system.time(fit <- umapc::umap(X, n_neighbors = k, min_dist = min_dist, knn = knn,
                                          init = init, n_epochs = n_epochs, seed = seed,
                                          n_threads = 2, keep_data = FALSE))[["elapsed"]]
      list(embedding = unname(fit$embedding), seconds = t,
           layout_seconds = sum(fit$timings[c("init", "optimize")]),
           version = as.character(packageVersion("umapc")))
    },
    "umap-learn" = run_umap_learn(NULL, knn, init, seed = seed, n_neighbors = k,
                                  min_dist = min_dist, n_epochs = n_epochs),
    "uwot" = {
      r <- run_uwot(X, knn, init, seed = seed, n_neighbors = k, min_dist = min_dist,
                    n_epochs = n_epochs, batch = FALSE, n_sgd_threads = 1)
      r$layout_seconds <- NA_real_
      r
    })
}

# --- pictures -----------------------------------------------------------------

plot_data_set <- function(name, embs, d) {
  path <- file.path(out_dir, paste0("quality_", name, ".png"))
  n <- nrow(embs[[1]])
  continuous <- !is.null(d$t)
  if (continuous) {
    pal <- hcl.colors(100, "viridis")
    col <- pal[cut(d$t, 100, labels = FALSE)]
  } else {
    lev <- levels(d$labels)
    pal <- if (length(lev) <= 10) palette.colors(10, "Tableau 10")[seq_along(lev)]
           else hcl.colors(length(lev), "Dark 3")
    col <- pal[as.integer(d$labels)]
  }
  col <- unname(col)
  cex <- if (n <= 500) 1 else if (n <= 3000) 0.7 else if (n <= 12000) 0.35 else 0.15
  set.seed(1)
  ord <- sample.int(n)                      # no class drawn on top of all others
  type <- if (capabilities("cairo")) "cairo" else getOption("bitmapType")
  png(path, width = 1500, height = 520, type = type)
  on.exit(dev.off())
  layout(matrix(1:4, 1), widths = c(1, 1, 1, 0.32))
  par(mar = c(1.2, 1.2, 2.6, 0.6), oma = c(0, 0, 1.6, 0))
  for (s in c("umap-learn", "uwot", "umapc")) {
    E <- embs[[s]]
    plot(E[ord, 1], E[ord, 2], pch = 16, cex = cex, col = col[ord], axes = FALSE,
         xlab = "", ylab = "", asp = 1, main = paste0(s, " (seed 1)"), cex.main = 1.6)
    box(col = "grey70")
  }
  par(mar = c(1, 0, 2.6, 0))
  plot.new()
  if (continuous) {
    yy <- seq(0.15, 0.85, length.out = length(pal) + 1)
    rect(0.1, yy[-length(yy)], 0.3, yy[-1], col = pal, border = NA)
    text(0.35, c(0.15, 0.85), c("t min", "t max"), adj = 0, cex = 1.2)
    text(0.1, 0.93, "position t", adj = 0, cex = 1.2)
  } else {
    legend("center", legend = lev, col = pal, pch = 16, pt.cex = 1.6, bty = "n", cex = 1.15)
  }
  mtext(sprintf("%s: same exact 15-NN and initial layout, min_dist %.1f", data_titles[[name]],
                min_dist), outer = TRUE, cex = 1.1)
  invisible(path)
}

# --- table ----------------------------------------------------------------------

fmt_ms <- function(v, digits) {
  if (all(is.na(v))) return("—")
  if (length(v) < 2) return(formatC(v, format = "f", digits = digits))
  paste0(formatC(mean(v), format = "f", digits = digits), " ± ",
         formatC(sd(v), format = "f", digits = digits))
}

make_table <- function(res) {
  lines <- c(
    "| data | metric | umapc | umap-learn | uwot | ok |",
    "|---|---|---|---|---|---|")
  n_ok <- 0; n_all <- 0; misses <- character()
  for (dname in unique(res$data)) {
    r <- res[res$data == dname, ]
    for (m in c(quality_metric_names, "seconds")) {
      v <- lapply(setNames(systems, systems), function(s) r$value[r$system == s & r$metric == m])
      digits <- if (m == "seconds") 1 else 4
      ok <- ""
      if (m != "seconds") {
        mc <- mean(v[["umapc"]]); ml <- mean(v[["umap-learn"]])
        tol <- max(sd(v[["umapc"]]), sd(v[["umap-learn"]]), 0.01, na.rm = TRUE)
        better <- if (m == "comp") mc < ml else mc > ml
        okb <- abs(mc - ml) <= tol || better
        ok <- if (okb) "yes" else sprintf("**no** (diff %+.4f, tol %.4f)", mc - ml, tol)
        n_all <- n_all + 1; n_ok <- n_ok + okb
        if (!okb) misses <- c(misses, paste(dname, m))
      }
      lab <- if (m == "seconds") "seconds (graph + layout, informational)" else quality_metric_labels[[m]]
      lines <- c(lines, sprintf("| %s | %s | %s | %s | %s | %s |", dname, lab,
                                fmt_ms(v[["umapc"]], digits), fmt_ms(v[["umap-learn"]], digits),
                                fmt_ms(v[["uwot"]], digits), ok))
    }
  }
  attr(lines, "summary") <- sprintf("%d of %d data set x metric cells ok%s", n_ok, n_all,
    if (length(misses)) paste0("; not ok: ", paste(misses, collapse = ", ")) else "")
  lines
}

write_outputs <- function(res, versions) {
  write.csv(res, file.path(out_dir, "quality.csv"), row.names = FALSE)
  tab <- make_table(res)
  head <- c(
    "# umapc vs umap-learn vs uwot: same exact 15-NN, same initial layout",
    "",
    sprintf("umapc %s, umap-learn %s, uwot %s; n_neighbors %d, min_dist %.1f, n_epochs 500 (n <= 10,000) / 200; seeds %s; mean ± sd over the seeds.",
            versions[["umapc"]], versions[["umap-learn"]], versions[["uwot"]], k, min_dist,
            paste(seeds, collapse = ", ")),
    "umapc on 2 threads, umap-learn (seeded, so single-threaded) and uwot (n_sgd_threads = 1) on one.",
    "ok: |umapc - umap-learn| <= max(sd umapc, sd umap-learn, 0.01), or umapc better (higher; lower for compactness).",
    "")
  txt <- c(head, tab, "", attr(tab, "summary"))
  writeLines(txt, file.path(out_dir, "quality_table.md"))
  txt
}

# --- main loop ------------------------------------------------------------------

res <- data.frame(data = character(), system = character(), seed = integer(),
                  metric = character(), value = numeric())
versions <- c("umapc" = as.character(packageVersion("umapc")), "umap-learn" = "?",
              "uwot" = as.character(packageVersion("uwot")))
say("umapc ", versions[["umapc"]], " (", find.package("umapc"), "), uwot ", versions[["uwot"]],
    "; data sets: ", paste(which_data, collapse = ", "), if (reuse) " (QUALITY_REUSE=1)")

for (dname in which_data) {
  d <- data_sets[[dname]]()
  X <- d$X
  storage.mode(X) <- "double"
  n <- nrow(X)
  n_epochs <- if (n <= 10000) 500L else 200L
  say(dname, ": ", n, " x ", ncol(X), ", ", nlevels(d$labels), " labels, n_epochs ", n_epochs)

  input <- cached(sprintf("quality_input_%s.rds", dname), function() {
    t <- system.time(knn <- umapc::nearest_neighbors(X, k + 1L, method = "exact", n_threads = 2))
    knn <- list(indices = knn$indices, distances = knn$distances)
    init <- unname(umapc::umap(X, n_neighbors = k, knn = knn, n_epochs = 0, seed = 1,
                               n_threads = 2, keep_data = FALSE)$embedding)
    list(knn = knn, init = init, knn_seconds = t[["elapsed"]])
  })
  # the layouts get the first 15 columns (self + 14), the metrics all 16
  knn15 <- list(indices = input$knn$indices[, 1:k], distances = input$knn$distances[, 1:k])
  say(dname, ": exact k-NN and initial layout ready (k-NN ", round(input$knn_seconds, 1), " s)")

  embs <- list()
  for (s in seeds) for (sys in systems) {
    fit <- cached(sprintf("quality_emb_%s_%s_s%d.rds", dname, sys, s), function()
      run_system(sys, X, knn15, input$init, s, n_epochs))
    if (!is.null(fit$version)) versions[[sys]] <- fit$version
    if (s == 1) embs[[sys]] <- fit$embedding
    res <- rbind(res, data.frame(data = dname, system = sys, seed = s,
                                 metric = c("seconds", "layout_seconds"),
                                 value = c(fit$seconds, fit$layout_seconds)))
    say(sprintf("%s seed %d %-10s %7.1f s", dname, s, sys, fit$seconds))
  }

  say(dname, ": metrics")
  ctx <- quality_context(X, d$labels, input$knn, k = k)
  for (s in seeds) for (sys in systems) {
    E <- if (s == 1) embs[[sys]] else
      readRDS(file.path(out_dir, sprintf("quality_emb_%s_%s_s%d.rds", dname, sys, s)))$embedding
    m <- quality_metrics(E, ctx)
    res <- rbind(res, data.frame(data = dname, system = sys, seed = s,
                                 metric = names(m), value = unname(m)))
  }
  print(xtabs(value ~ system + metric,
              aggregate(value ~ system + metric, res[res$data == dname & res$metric %in% quality_metric_names, ], mean)),
        digits = 4)
  plot_data_set(dname, embs, d)
  write_outputs(res, versions)
  rm(d, X, input, knn15, embs, ctx)
  invisible(gc())
}

# order rows: data set, system, seed, metric
res <- res[order(match(res$data, which_data), match(res$system, systems), res$seed,
                 match(res$metric, c(quality_metric_names, "seconds", "layout_seconds"))), ]
txt <- write_outputs(res, versions)
say("done; total ", round((proc.time()[["elapsed"]] - t_start) / 60, 1), " minutes")
cat("\n", paste(txt, collapse = "\n"), "\n", sep = "")
