# UMAP end to end on Fashion-MNIST (70,000 x 784), 2 threads,
# n_neighbors = 15, min_dist = 0.1, umapc vs uwot (its defaults otherwise),
# plus the layout alone with both given the same k-NN and initial layout.
# Quality: neighbourhood preservation and 15-NN label accuracy on the 1,000
# query rows of bench/knn.R (set.seed(1); sample.int(70000, 1000)).
# Run from the repository root: Rscript bench/speed.R
source("bench/common.R")
source("bench/truth.R")
setup <- sprintf("fm <- load_fmnist(); X <- fm$X; tr <- readRDS(%s)
quality <- function(emb) {
  nn_X <- t(vapply(seq_along(tr$q), function(r) setdiff(tr$truth[r, 1:16], tr$q[r])[1:15], integer(15)))
  list(preservation = neighbourhood_preservation(nn_X, emb, tr$q, 15),
       accuracy = label_accuracy(emb, fm$labels, tr$q, 15))
}", deparse(truth_file))
knn_file <- file.path(bench_out, "speed_knn.rds")
init_file <- file.path(bench_out, "speed_init.rds")

steps <- list(
  run_step("umapc umap() end to end", sprintf("
    t <- system.time(fit <- umap(X, n_neighbors = 15, min_dist = 0.1, seed = 1, n_threads = 2))[['elapsed']]
    pk <- peak_mb()
    saveRDS(fit$knn, %s)
    saveRDS(fit$embedding, file.path(bench_out, 'speed_umapc_embedding.rds'))
    saveRDS(.Call(umapc:::C_umapc_call_init_spectral,
                  list(p = fit$graph@p, i = fit$graph@i, x = fit$graph@x),
                  list(min_weight = max(fit$graph@x) / 200, n_components = 2L,
                       seed = 1, n_threads = 2L)), %s)
    result <- c(list(seconds = t, stages = fit$timings, peak_mb = pk), quality(fit$embedding))",
    deparse(knn_file), deparse(init_file)), setup),
  run_step("uwot umap() end to end", "
    t <- system.time(emb <- uwot::umap(X, n_neighbors = 15, min_dist = 0.1, n_threads = 2))[['elapsed']]
    saveRDS(emb, file.path(bench_out, 'speed_uwot_embedding.rds'))
    result <- c(list(seconds = t, peak_mb = peak_mb()), quality(emb))", setup),
  run_step("umapc layout (same knn + init)", sprintf("
    knn <- readRDS(%s); init <- readRDS(%s)
    t <- system.time(fit <- umap(NULL, knn = knn, init = init, seed = 1, n_threads = 2))[['elapsed']]
    result <- c(list(seconds = t, stages = fit$timings, peak_mb = peak_mb()), quality(fit$embedding))",
    deparse(knn_file), deparse(init_file)), setup),
  run_step("uwot layout (same knn + init)", sprintf("
    knn <- readRDS(%s); init <- readRDS(%s)
    t <- system.time(emb <- uwot::umap(X = NULL, nn_method = list(idx = knn$indices, dist = knn$distances),
                                       init = init, min_dist = 0.1, n_threads = 2,
                                       n_sgd_threads = 2))[['elapsed']]
    result <- c(list(seconds = t, peak_mb = peak_mb()), quality(emb))", deparse(knn_file), deparse(init_file)), setup)
)
tab <- do.call(rbind, lapply(steps, function(s) data.frame(
  step = s$step, seconds = round(s$seconds, 2),
  preservation = round(s$preservation, 4), accuracy = round(s$accuracy, 4),
  peak_mb = round(s$peak_mb), after_data_mb = round(s$base_mb))))
tab$ratio <- NA
tab$ratio[1] <- round(tab$seconds[1] / tab$seconds[2], 3)
tab$ratio[3] <- round(tab$seconds[3] / tab$seconds[4], 3)
print(machine_info())
print(tab, row.names = FALSE)
cat("\numapc stage times (end to end):\n")
print(round(steps[[1]]$stages, 2))
write.csv(tab, file.path(bench_out, "speed.csv"), row.names = FALSE)

# the two end-to-end embeddings side by side
source("tools/fmnist.R")
labels <- load_fmnist()$labels
png(file.path(bench_out, "speed.png"), width = 2000, height = 1000, res = 130)
op <- par(mfrow = c(1, 2))
for (who in c("umapc", "uwot")) {
  emb <- readRDS(file.path(bench_out, sprintf("speed_%s_embedding.rds", who)))
  umapc:::draw_embedding(emb, labels, main = sprintf("%s: Fashion-MNIST (70,000)", who),
                         xlab = "", ylab = "", legend = who == "uwot")
}
par(op)
invisible(dev.off())
