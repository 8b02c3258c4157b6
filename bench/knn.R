# Nearest neighbours on Fashion-MNIST (70,000 x 784), 2 threads.
# umapc NN-descent at k = 15 and k = 250 (recall against exact neighbours on
# 1,000 sampled rows, counting the non-self neighbours), uwot's default
# neighbour search (Annoy, 50 trees) at k = 15, and umapc's exact method on
# all rows (time and equivalent GFLOP/s = 2 n^2 d / t). Each step runs in its
# own R process so its peak memory is its own.
# Run from the repository root: Rscript bench/knn.R
source("bench/common.R")
suppressPackageStartupMessages(library(umapc))

source("bench/truth.R")

setup <- sprintf("X <- load_fmnist()$X; tr <- readRDS(%s)", deparse(truth_file))
recall_code <- "
recall <- function(idx, k) {
  # non-self neighbours found among the true k - 1 non-self neighbours
  mean(vapply(seq_along(tr$q), function(r) {
    t <- setdiff(tr$truth[r, 1:k], tr$q[r])[1:(k - 1)]
    f <- setdiff(idx[r, 1:k], tr$q[r])
    length(intersect(t, f)) / (k - 1)
  }, numeric(1)))
}"

steps <- list(
  run_step("umapc nndescent k=15", paste(recall_code, "
    t <- system.time(knn <- nearest_neighbors(X, 15, method = 'nndescent', seed = 1, n_threads = 2))[['elapsed']]
    result <- list(seconds = t, recall = recall(knn$indices[tr$q, ], 15))"), setup),
  run_step("umapc nndescent k=250", paste(recall_code, "
    t <- system.time(knn <- nearest_neighbors(X, 250, method = 'nndescent', seed = 1, n_threads = 2))[['elapsed']]
    result <- list(seconds = t, recall = recall(knn$indices[tr$q, ], 250))"), setup),
  run_step("uwot annoy k=15 (uwot default)", paste(recall_code, "
    t <- system.time(nn <- uwot:::annoy_nn(X, k = 15, n_trees = 50, n_threads = 2))[['elapsed']]
    result <- list(seconds = t, recall = recall(nn$idx[tr$q, ], 15))"), setup),
  run_step("umapc exact k=15 (all rows)", paste(recall_code, "
    t <- system.time(knn <- nearest_neighbors(X, 15, method = 'exact', n_threads = 2))[['elapsed']]
    result <- list(seconds = t, recall = recall(knn$indices[tr$q, ], 15),
                   gflops = 2 * nrow(X)^2 * ncol(X) / t / 1e9)"), setup)
)
tab <- do.call(rbind, lapply(steps, function(s) data.frame(
  step = s$step, seconds = round(s$seconds, 2), recall = round(s$recall, 4),
  peak_mb = round(s$peak_mb), gflops = if (is.null(s$gflops)) NA else round(s$gflops, 1))))
uw <- tab$seconds[tab$step == "uwot annoy k=15 (uwot default)"]
tab$vs_uwot_k15 <- round(tab$seconds / uw, 3)
print(machine_info())
print(tab, row.names = FALSE)
write.csv(tab, file.path(bench_out, "knn.csv"), row.names = FALSE)
