# Supervised UMAP on Fashion-MNIST, 10,000 rows (the first 10,000 training
# images), y = the class labels: umapc against uwot::umap(y = ) at the same
# target_weight (0.5, both packages' default) and the same parameters
# (n_neighbors = 15, min_dist = 0.1, 2 threads, each package's own k-NN
# search), with plain (unsupervised) umapc as a reference. seconds: elapsed;
# cpu_seconds: user CPU time of the R process (all its threads), steadier
# than elapsed time on a shared machine.
# Measures (bench/metrics.R, bench/quality_metrics.R): 15-NN label accuracy
# over all 10,000 rows (majority label of each row's 15 embedding
# neighbours) and trustworthiness at k = 15 (sklearn's definition, over
# 1,000 random query rows).
# Run from the repository root: Rscript bench/supervised.R
# (uwot from bench/lib: R_LIBS=<umapc lib>:bench/lib)
source("bench/common.R")
setup <- paste(
  "source('bench/quality_metrics.R')",
  "fm <- load_fmnist(10000L); X <- fm$X; y <- fm$labels",
  "measure <- function(E) {",
  "  knn <- umapc::nearest_neighbors(X, 16, method = 'exact', n_threads = 2)",
  "  ctx <- quality_context(X, y, knn, k = 15L, nq = 1000L)",
  "  list(accuracy = label_accuracy(E, y, seq_len(nrow(E)), k = 15),",
  "       trust = trustworthiness_q(ctx, embedding_neighbours(E, ctx$q, 15L)))",
  "}", sep = "\n")
steps <- list(
  run_step("umapc supervised", "
    st <- system.time(fit <- umap(X, y = y, target_weight = 0.5, n_neighbors = 15, min_dist = 0.1,
                                  seed = 1, n_threads = 2))
    result <- c(list(seconds = st[['elapsed']], cpu = st[['user.self']], peak_mb = peak_mb()),
                measure(fit$embedding))
    saveRDS(list(embedding = fit$embedding, labels = y), file.path(bench_out, 'supervised-umapc.rds'))", setup),
  run_step("uwot supervised", "
    st <- system.time(E <- uwot::umap(X, y = y, target_weight = 0.5, n_neighbors = 15, min_dist = 0.1,
                                      n_threads = 2, n_sgd_threads = 2))
    result <- c(list(seconds = st[['elapsed']], cpu = st[['user.self']], peak_mb = peak_mb()),
                measure(E))", setup),
  run_step("umapc unsupervised", "
    st <- system.time(fit <- umap(X, n_neighbors = 15, min_dist = 0.1, seed = 1, n_threads = 2))
    result <- c(list(seconds = st[['elapsed']], cpu = st[['user.self']], peak_mb = peak_mb()),
                measure(fit$embedding))
    saveRDS(list(embedding = fit$embedding, labels = y), file.path(bench_out, 'unsupervised-umapc.rds'))", setup)
)
tab <- do.call(rbind, lapply(steps, function(s) data.frame(
  step = s$step, seconds = round(s$seconds, 2), cpu_seconds = round(s$cpu, 2), accuracy_15nn = round(s$accuracy, 4),
  trustworthiness_15 = round(s$trust, 4), peak_mb = round(s$peak_mb))))
print(machine_info())
cat(sprintf("uwot %s\n", packageVersion("uwot")))
print(tab, row.names = FALSE)
write.csv(tab, file.path(bench_out, "supervised.csv"), row.names = FALSE)
