# The "Precomputed k-nn" tutorial's grid on Fashion-MNIST.
#
# The first N rows (default 20,000; set BENCH_N to change), a k-NN graph at
# k = 250, and 16 layouts: n_neighbors c(5, 50, 100, 250) x min_dist
# c(0, 0.2, 0.5, 0.9), default epochs (500 up to 10,000 rows, 200 above)
# for both packages. In one run, all with 2 threads:
#   (a) umapc with reuse:    umap_grid() (k-NN once at 250, fuzzy graph and
#                            initial layout once per n_neighbors)
#   (b) umapc without reuse: 16 plain umap() calls, each searching itself
#   (c) uwot with reuse:     uwot's own search once at k = 250 (annoy, via
#                            similarity_graph(ret_extra = "nn")), then 16
#                            uwot::umap() calls with nn_method = list(idx,
#                            dist) pruned to each n_neighbors
# Prints the three times and the ratio (a)/(c) (target: <= 0.25), and the
# label accuracy (majority label of 15 embedding neighbours, 1,000 query
# rows) of every layout of (a) and (c). Writes bench/out/grid.csv (one row
# per run and layout, plus a "total" row per run) and bench/out/grid.png
# (umapc's grid figure).
#
# Run from the repository root:  Rscript bench/grid.R
#                     5,000 rows: BENCH_N=5000 Rscript bench/grid.R
source("tools/fmnist.R")
source("bench/metrics.R")
# uwot is used through uwot:: only, so that its umap() does not mask umapc's
suppressPackageStartupMessages(library(umapc))
stopifnot(requireNamespace("uwot", quietly = TRUE))

n <- as.integer(Sys.getenv("BENCH_N", "20000"))
n_threads <- 2L
n_neighbors <- c(5, 50, 100, 250)
min_dists <- c(0, 0.2, 0.5, 0.9)
seed <- 1
out_dir <- file.path("bench", "out")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

fm <- load_fmnist(n)
X <- fm$X
n <- nrow(X)
cat(sprintf("Fashion-MNIST: %s rows x %d columns; k-NN at k = %d; %d layouts; %d threads\n",
            format(n, big.mark = ","), ncol(X), max(n_neighbors),
            length(n_neighbors) * length(min_dists), n_threads))
cat(sprintf("umapc %s, uwot %s, %s\n\n", packageVersion("umapc"),
            packageVersion("uwot"), R.version.string))

elapsed <- function(expr) system.time(expr)[["elapsed"]]
layouts <- expand.grid(min_dist = min_dists, n_neighbors = n_neighbors)[, 2:1]
rows <- list()
add_row <- function(run, what, k, d, seconds, accuracy = NA_real_) {
  rows[[length(rows) + 1L]] <<- data.frame(
    run = run, what = what, n = n, n_neighbors = k, min_dist = d,
    seconds = seconds, label_accuracy = accuracy, stringsAsFactors = FALSE)
}

# --- (a) umapc with reuse ----------------------------------------------------
cat("(a) umapc: umap_grid() ...\n")
t_a <- elapsed(
  grid <- umapc::umap_grid(X, n_neighbors = n_neighbors, min_dist = min_dists,
                    seed = seed, n_threads = n_threads)
)
print(grid)
add_row("a_umapc_reuse", "total", NA, NA, t_a)
add_row("a_umapc_reuse", "knn", max(n_neighbors), NA, grid$timings[["knn"]])
png(file.path(out_dir, "grid.png"), width = 1600, height = 1680, res = 150)
plot(grid, labels = fm$labels, cex = 0.25,
     main = sprintf("umapc: %s Fashion-MNIST images, k-NN computed once",
                    format(n, big.mark = ",")))
invisible(dev.off())

# --- (b) umapc without reuse -------------------------------------------------
cat("(b) umapc: 16 x umap() ...\n")
t_b <- elapsed(
  for (i in seq_along(n_neighbors)) {
    for (j in seq_along(min_dists)) {
      t <- elapsed(
        fit <- umapc::umap(X, n_neighbors = n_neighbors[i], min_dist = min_dists[j],
                    seed = seed, n_threads = n_threads, keep_data = FALSE)
      )
      add_row("b_umapc_no_reuse", "layout", n_neighbors[i], min_dists[j], t)
      rm(fit)
    }
  }
)
add_row("b_umapc_no_reuse", "total", NA, NA, t_b)

# --- (c) uwot with its neighbours computed once --------------------------------
cat("(c) uwot: annoy search once at k = 250, then 16 x uwot::umap(nn_method = list(idx, dist)) ...\n")
uwot_emb <- matrix(list(), length(n_neighbors), length(min_dists))
t_c_each <- matrix(NA_real_, length(n_neighbors), length(min_dists))
t_c_knn <- NA_real_
t_c <- elapsed({
  set.seed(seed)
  t_c_knn <- elapsed(
    nn <- uwot::similarity_graph(X, n_neighbors = max(n_neighbors),
                                 nn_method = "annoy", ret_extra = "nn",
                                 n_threads = n_threads, verbose = FALSE)$nn[[1]]
  )
  for (i in seq_along(n_neighbors)) {
    keep <- seq_len(n_neighbors[i])
    nn_k <- list(idx = nn$idx[, keep, drop = FALSE],
                 dist = nn$dist[, keep, drop = FALSE])
    for (j in seq_along(min_dists)) {
      set.seed(seed)
      t <- elapsed(
        uwot_emb[[i, j]] <- uwot::umap(X, n_neighbors = n_neighbors[i],
                                       min_dist = min_dists[j], nn_method = nn_k,
                                       n_threads = n_threads,
                                       n_sgd_threads = n_threads, verbose = FALSE)
      )
      t_c_each[i, j] <- t
    }
  }
})
add_row("c_uwot_reuse", "total", NA, NA, t_c)
add_row("c_uwot_reuse", "knn", max(n_neighbors), NA, t_c_knn)

# --- quality of (a) and (c), per layout --------------------------------------
cat("label accuracy ...\n")
set.seed(42)
q <- sample.int(n, min(1000L, n))
acc <- data.frame(n_neighbors = layouts$n_neighbors, min_dist = layouts$min_dist,
                  umapc = NA_real_, uwot = NA_real_)
for (r in seq_len(nrow(acc))) {
  i <- match(acc$n_neighbors[r], n_neighbors)
  j <- match(acc$min_dist[r], min_dists)
  acc$umapc[r] <- label_accuracy(grid$embeddings[[i, j]], fm$labels, q)
  acc$uwot[r] <- label_accuracy(uwot_emb[[i, j]], fm$labels, q)
  add_row("a_umapc_reuse", "layout", acc$n_neighbors[r], acc$min_dist[r],
          NA_real_, acc$umapc[r])
  add_row("c_uwot_reuse", "layout", acc$n_neighbors[r], acc$min_dist[r],
          t_c_each[i, j], acc$uwot[r])
}

res <- do.call(rbind, rows)
res <- res[order(res$run, res$what != "total", res$what != "knn"), ]
res$seconds <- round(res$seconds, 3)
write.csv(res, file.path(out_dir, "grid.csv"), row.names = FALSE)

# --- report ------------------------------------------------------------------
summary_tab <- data.frame(
  run = c("(a) umapc, umap_grid() (k-NN once)",
          "(b) umapc, 16 x umap() (k-NN each time)",
          "(c) uwot, annoy once + 16 x umap(nn_method = list)"),
  seconds = round(c(t_a, t_b, t_c), 1),
  knn_seconds = round(c(grid$timings[["knn"]], NA, t_c_knn), 1),
  mean_label_accuracy = round(c(mean(acc$umapc), NA, mean(acc$uwot)), 4)
)
cat("\n")
print(summary_tab, row.names = FALSE)
cat(sprintf("\nratio (a)/(c) = %.2f   (target <= 0.25)\n", t_a / t_c))
cat(sprintf("ratio (a)/(b) = %.2f   (reuse within umapc)\n", t_a / t_b))
cat(sprintf("ratio (b)/(c) = %.2f\n\n", t_b / t_c))
cat("label accuracy per layout (15 neighbours, 1,000 query rows):\n")
print(acc, digits = 4, row.names = FALSE)
cat(sprintf("\nwrote %s and %s\n", file.path(out_dir, "grid.csv"),
            file.path(out_dir, "grid.png")))
