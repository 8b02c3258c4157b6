# The layout on a quiet and on a busy machine: Fashion-MNIST, first 10,000
# and 20,000 rows, the same k-NN and initial layout for both packages,
# n_neighbors = 15, min_dist = 0.1, default epochs. Each layout runs in a
# fresh R process (bench/common.R) while 0, 1 or 4 other processes spin on
# the 2 cores (`sh -c 'while :; do :; done'`: with 4 of them and 2 threads of
# our own the machine is oversubscribed 3x). umapc with 2 and with 1
# thread, uwot with n_sgd_threads = 2. umapc's results are identical for
# every thread count and load; only the time changes.
# Run from the repository root: bash bench/run.sh busy
source("bench/common.R")

rows <- c(10000L, 20000L)
inputs <- lapply(rows, function(n) {
  f <- file.path(bench_out, sprintf("busy_input_%d.rds", n))
  if (!file.exists(f)) {
    run_step(sprintf("k-NN and init, %d rows", n), sprintf("
      fm <- load_fmnist(%d)
      knn <- nearest_neighbors(fm$X, 15, method = 'exact', n_threads = 2)
      init <- umap(fm$X, knn = knn, n_epochs = 0, seed = 1, n_threads = 2)$embedding
      saveRDS(list(knn = knn, init = init), %s)
      result <- list(seconds = 0)", n, deparse(f)))
  }
  f
})

layout_code <- list(
  "umapc, 2 threads" = "fit <- umap(NULL, knn = inp$knn, init = inp$init, seed = 1, n_threads = 2)",
  "umapc, 1 thread" = "fit <- umap(NULL, knn = inp$knn, init = inp$init, seed = 1, n_threads = 1)",
  "uwot, n_sgd_threads = 2" = "fit <- uwot::umap(X = NULL, nn_method = list(idx = inp$knn$indices, dist = inp$knn$distances),
      init = inp$init, min_dist = 0.1, n_threads = 2, n_sgd_threads = 2)"
)

res <- list()
for (b in c(0L, 1L, 4L)) {
  pids <- start_busy(b)
  Sys.sleep(1)
  for (r in seq_along(rows)) {
    for (who in names(layout_code)) {
      s <- run_step(sprintf("%s, %d rows, %d busy", who, rows[r], b), sprintf("
        inp <- readRDS(%s)
        t <- system.time(%s)[['elapsed']]
        result <- list(seconds = t)", deparse(inputs[[r]]), layout_code[[who]]))
      res[[length(res) + 1]] <- data.frame(rows = rows[r], busy = b, who = who,
                                           seconds = round(s$seconds, 2))
    }
  }
  stop_busy(pids)
}
tab <- do.call(rbind, res)
wide <- reshape(tab, idvar = c("rows", "who"), timevar = "busy", direction = "wide")
names(wide) <- sub("seconds.", "busy ", names(wide), fixed = TRUE)
wide$`1 busy / quiet` <- round(wide$`busy 1` / wide$`busy 0`, 2)
wide$`4 busy / quiet` <- round(wide$`busy 4` / wide$`busy 0`, 2)
print(machine_info())
print(wide, row.names = FALSE)
write.csv(wide, file.path(bench_out, "busy.csv"), row.names = FALSE)
