# Scaling: umap() on a seeded mixture of 30 Gaussians with 50 columns (the
# shape of a single-cell PCA, bench/scale_data.R) at 100,000, 300,000 and
# 1,000,000 rows (3,000,000 with SCALE_SIZES), 2 threads. For each size, in
# a fresh R process (bench/common.R's run_step): the stage times umap()
# records (k-NN, graph, init, optimise), the total, the peak resident memory
# of the process including X (VmHWM; X itself is 8 * n * 50 bytes), the
# recall@15 of the k-NN graph against exact neighbours of 2,000 query rows
# and the 15-NN label accuracy of the embedding on the same rows (share of
# each row's 15 nearest rows in 2-D that come from its component). uwot's
# umap() (Annoy k-NN) at 100,000 and 300,000 rows when it is installed.
#
# Run from the repository root:
#   Rscript bench/scale.R
#   SCALE_SIZES=1e5,3e5,1e6,3e6 SCALE_UWOT=0 Rscript bench/scale.R
#   (SCALE_UWOT_SIZES sets the sizes uwot runs at, SCALE_THREADS the threads)
# Exact neighbours of the queries are cached in bench/out/scale-truth-<n>.rds.
source("bench/common.R")
source("bench/scale_data.R")

sizes <- as.numeric(strsplit(Sys.getenv("SCALE_SIZES", "1e5,3e5,1e6"), ",")[[1]])
uwot_sizes <- as.numeric(strsplit(Sys.getenv("SCALE_UWOT_SIZES", "1e5,3e5"), ",")[[1]])
do_uwot <- Sys.getenv("SCALE_UWOT", "1") == "1" &&
  requireNamespace("uwot", quietly = TRUE)
threads <- as.integer(Sys.getenv("SCALE_THREADS", "2"))

truth_path <- function(n) file.path(bench_out, sprintf("scale-truth-%d.rds", as.integer(n)))
for (n in sizes) {
  cache_truth(truth_path(n), n, 15)
  invisible(gc())
}

setup_code <- function(n) sprintf(
  "source('bench/scale_data.R'); X <- mixture_data(%d); lab <- attr(X, 'labels'); attr(X, 'labels') <- NULL; tr <- readRDS(%s)",
  as.integer(n), deparse(truth_path(n)))

# share of each query's 15 nearest rows in the embedding with its label
label_code <- "
label_acc <- function(emb, q, lab, k = 15) {
  mean(vapply(q, function(i) {
    d <- (emb[, 1] - emb[i, 1])^2 + (emb[, 2] - emb[i, 2])^2
    d[i] <- Inf
    nb <- which(d <= sort(d, partial = k)[k])[seq_len(k)]
    mean(lab[nb] == lab[i])
  }, numeric(1)))
}"

steps <- list()
for (n in sizes) {
  steps[[length(steps) + 1]] <- run_step(sprintf("umapc %d", as.integer(n)), paste(label_code, sprintf("
    t <- system.time(e <- umap(X, seed = 1, n_threads = %d))
    result <- list(seconds = t[['elapsed']], user = t[['user.self']], peak_mb = peak_mb(),
                   timings = e$timings,
                   recall = knn_recall(e$knn$indices, tr$q, tr$truth),
                   label_acc = label_acc(e$embedding, tr$q, lab),
                   load = readLines('/proc/loadavg'))", threads)), setup_code(n))
}
if (do_uwot) {
  for (n in intersect(sizes, uwot_sizes)) {
    steps[[length(steps) + 1]] <- run_step(sprintf("uwot %d", as.integer(n)), paste(label_code, sprintf("
      set.seed(1)
      t <- system.time(e <- uwot::umap(X, n_neighbors = 15, n_threads = %d, ret_nn = TRUE))
      result <- list(seconds = t[['elapsed']], user = t[['user.self']], peak_mb = peak_mb(),
                     recall = knn_recall(e$nn$euclidean$idx, tr$q, tr$truth),
                     label_acc = label_acc(e$embedding, tr$q, lab),
                     load = readLines('/proc/loadavg'))", threads)), setup_code(n))
  }
}

stage <- function(s, name) {
  if (is.null(s$timings) || is.na(s$timings[name])) NA else round(s$timings[[name]], 1)
}
tab <- do.call(rbind, lapply(steps, function(s) data.frame(
  step = s$step, total_s = round(s$seconds, 1), user_s = round(s$user, 1),
  knn_s = stage(s, "knn"), graph_s = stage(s, "graph"), init_s = stage(s, "init"),
  optimize_s = stage(s, "optimize"), peak_mb = round(s$peak_mb),
  recall15 = round(s$recall, 4), label_acc15 = round(s$label_acc, 4),
  load = sub(" .*", "", s$load))))
print(machine_info())
print(tab, row.names = FALSE)
write.csv(tab, file.path(bench_out, "scale.csv"), row.names = FALSE)
