# Fit on a sample, predict() the rest: the trade-off against the full fit
# at 1,000,000 rows, and the same at 10,000,000 rows, on the seeded mixture
# of 30 Gaussians with 50 columns of bench/scale_data.R, 2 threads. Each
# step in a fresh R process (bench/common.R's run_step): seconds, peak
# resident memory including X (X is 8 * n * 50 bytes: 400 MB at 1M rows,
# 4 GB at 10M), and 15-NN preservation on 2,000 query rows (the share of a
# row's exact 15 nearest rows in X that are among its 15 nearest in 2-D;
# both by brute force over all rows; 500 query rows at 10M) and the 15-NN
# label accuracy.
#   full       umap(X, seed = 1)
#   sample m   umap(X[s, ], seed = 1) on m rows drawn with set.seed(3), then
#              predict(fit, X[-s, ]) in pieces of 500,000 rows, all rows put
#              back in their order
# Also the serialized size of the 1M model, whole and as predict(BPPARAM =)
# ships it. Writes bench/out/sample_predict.csv.
#   Rscript bench/sample_predict.R              (1M: full, 100k, 300k)
#   SP_TEN=1 Rscript bench/sample_predict.R     (also 10M from a 300k sample)
#   SP_N=2e4 SP_SAMPLES=5e3,1e4 Rscript bench/sample_predict.R   (a quick try)
#   SP_FULL=0 ...   (without the full fit)
#   SP_TEN=1 SP_FULL=0 SP_SAMPLES=none SP_TRUTH=0 Rscript bench/sample_predict.R
#                   (10M only, without the exact neighbours: no preservation)
source("bench/common.R")
source("bench/scale_data.R")
threads <- as.integer(Sys.getenv("SP_THREADS", "2"))
n1 <- as.numeric(Sys.getenv("SP_N", "1e6"))
samples <- suppressWarnings(as.numeric(strsplit(Sys.getenv("SP_SAMPLES", "1e5,3e5"), ",")[[1]]))
samples <- samples[!is.na(samples)] # SP_SAMPLES=none: no samples at SP_N rows
do_full <- Sys.getenv("SP_FULL", "1") == "1"
# exact 16-NN (self + 15) of the query rows: 2,000 at 1M rows, 500 at 10M
n_queries <- function(n) if (n > 1e6) 500 else 2000
truth_path <- function(n) file.path(bench_out, sprintf("sp-truth-%d.rds", as.integer(n)))
# SP_TRUTH=0: no exact neighbours (their brute force takes most of an hour
# at 10M rows on 2 cores); preservation is then NA, label accuracy is kept
with_truth <- Sys.getenv("SP_TRUTH", "1") == "1"
for (n in c(if (do_full || length(samples) > 0) n1, if (Sys.getenv("SP_TEN") == "1") 1e7)) {
  if (with_truth) {
    cache_truth(truth_path(n), n, 16, n_queries(n))
  } else if (!file.exists(truth_path(n))) {
    saveRDS(list(q = sample_queries(n, n_queries(n)), truth = NULL), truth_path(n))
  }
  invisible(gc())
}
setup_code <- function(n) sprintf(
  "source('bench/scale_data.R'); X <- mixture_data(%d); lab <- attr(X, 'labels'); attr(X, 'labels') <- NULL; tr <- readRDS(%s)",
  as.integer(n), deparse(truth_path(n)))
measure_code <- "
emb_nn <- function(emb, i, k = 15) {
  d <- (emb[, 1] - emb[i, 1])^2 + (emb[, 2] - emb[i, 2])^2
  d[i] <- Inf
  nb <- which(d <= sort(d, partial = k)[k])
  nb[order(d[nb])][seq_len(k)]
}
quality <- function(emb, q, truth, lab) {
  r <- vapply(seq_along(q), function(j) {
    nb <- emb_nn(emb, q[j])
    c(if (is.null(truth)) NA else length(intersect(nb, truth[j, -1])) / 15,
      mean(lab[nb] == lab[q[j]]))
  }, numeric(2))
  list(preservation = mean(r[1, ]), label_acc = mean(r[2, ]))
}
fit_sample <- function(X, m, threads) {
  set.seed(3)
  s <- sort(sample.int(nrow(X), m))
  t_fit <- system.time(fit <- umap(X[s, ], seed = 1, n_threads = threads))[['elapsed']]
  rest <- setdiff(seq_len(nrow(X)), s)
  emb <- matrix(0, nrow(X), 2)
  emb[s, ] <- fit$embedding
  t_pred <- system.time(for (p in split(rest, ceiling(seq_along(rest) / 5e5))) {
    emb[p, ] <- predict(fit, X[p, , drop = FALSE], n_threads = threads)
  })[['elapsed']]
  list(emb = emb, fit_s = t_fit, predict_s = t_pred)
}"
steps <- list()
add <- function(name, n, code) {
  steps[[length(steps) + 1L]] <<- run_step(name, paste(measure_code, code), setup_code(n))
}
if (do_full) add(sprintf("full fit %gM", n1 / 1e6), n1, sprintf("
  t <- system.time(fit <- umap(X, seed = 1, n_threads = %d))
  pk <- peak_mb()
  ql <- quality(fit$embedding, tr$q, tr$truth, lab)
  result <- c(list(seconds = t[['elapsed']], fit_s = t[['elapsed']], predict_s = 0, peak_mb = pk,
                   timings = fit$timings,
                   model_mb = length(serialize(fit, NULL)) / 2^20,
                   shipped_mb = length(serialize(umapc:::shipping_model(fit), NULL)) / 2^20,
                   x_mb = length(serialize(X, NULL)) / 2^20,
                   load = readLines('/proc/loadavg')), ql)", threads))
for (m in samples) {
  add(sprintf("sample %dk + predict, %gM", m / 1000, n1 / 1e6), n1, sprintf("
  r <- fit_sample(X, %d, %d)
  pk <- peak_mb()
  result <- c(list(seconds = r$fit_s + r$predict_s, fit_s = r$fit_s, predict_s = r$predict_s,
                   peak_mb = pk, load = readLines('/proc/loadavg')),
              quality(r$emb, tr$q, tr$truth, lab))", as.integer(m), threads))
}
if (Sys.getenv("SP_TEN") == "1") {
  add("sample 300k + predict, 10M", 1e7, sprintf("
  r <- fit_sample(X, 300000L, %d)
  pk <- peak_mb()
  result <- c(list(seconds = r$fit_s + r$predict_s, fit_s = r$fit_s, predict_s = r$predict_s,
                   peak_mb = pk, load = readLines('/proc/loadavg')),
              quality(r$emb, tr$q, tr$truth, lab))", threads))
}
tab <- do.call(rbind, lapply(steps, function(s) data.frame(
  step = s$step, total_s = round(s$seconds, 1), fit_s = round(s$fit_s, 1),
  predict_s = round(s$predict_s, 1), peak_mb = round(s$peak_mb),
  preservation15 = round(s$preservation, 4), label_acc15 = round(s$label_acc, 4),
  load = sub(" .*", "", s$load))))
print(machine_info())
print(tab, row.names = FALSE)
if (do_full) {
  cat("full fit, stage seconds:\n")
  print(round(steps[[1]]$timings, 1))
  cat(sprintf("%gM-row model: %.0f MB serialized (%.0f MB as predict(BPPARAM =) ships it); X: %.0f MB\n", n1 / 1e6,
              steps[[1]]$model_mb, steps[[1]]$shipped_mb, steps[[1]]$x_mb))
}
write.csv(tab, file.path(bench_out, "sample_predict.csv"), row.names = FALSE)
