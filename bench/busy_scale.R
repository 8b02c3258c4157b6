# umap() end to end on the 1,000,000-row mixture of bench/scale_data.R on a
# quiet machine and beside one busy process (`sh -c 'while :; do :; done'`),
# with 2 threads and with 1: the scale issue's busy-machine target at 1M
# rows (busy.R measures the layout alone on Fashion-MNIST). Each run in a
# fresh R process (bench/common.R's run_step), seed 1; the stage times
# umap() records, and whether every run gave the same embedding (it must:
# results do not depend on the threads or the load).
#   Rscript bench/busy_scale.R
#   BUSY_N=2e5 Rscript bench/busy_scale.R     (a smaller mixture)
# Writes bench/out/busy_scale.csv.
source("bench/common.R")

n <- as.numeric(Sys.getenv("BUSY_N", "1e6"))
setup <- sprintf(
  "source('bench/scale_data.R'); X <- mixture_data(%d); attr(X, 'labels') <- NULL",
  as.integer(n))

runs <- list(c(busy = 0, threads = 2), c(busy = 1, threads = 2),
             c(busy = 1, threads = 1), c(busy = 0, threads = 1))
res <- list()
hashes <- character()
for (r in runs) {
  pids <- start_busy(r[["busy"]])
  Sys.sleep(1)
  s <- run_step(sprintf("umapc %g rows, %d thread(s), %d busy", n, r[["threads"]], r[["busy"]]),
    sprintf("
      t <- system.time(fit <- umap(X, seed = 1, n_threads = %d))
      result <- list(seconds = t[['elapsed']], peak_mb = peak_mb(),
                     timings = fit$timings,
                     hash = digest_embedding(fit$embedding))",
      as.integer(r[["threads"]])),
    paste(setup, "; digest_embedding <- function(e) { f <- tempfile(); saveRDS(e, f, compress = FALSE); unname(tools::md5sum(f)) }"))
  stop_busy(pids)
  tm <- s$timings
  res[[length(res) + 1]] <- data.frame(
    rows = n, busy = r[["busy"]], threads = r[["threads"]],
    seconds = round(s$seconds, 1),
    knn = round(tm[["knn"]], 1), graph = round(tm[["graph"]], 1),
    init = round(tm[["init"]], 1), optimise = round(tm[["optimize"]], 1),
    peak_mb = round(s$peak_mb))
  hashes <- c(hashes, s$hash)
}
tab <- do.call(rbind, res)
quiet2 <- tab$seconds[tab$busy == 0 & tab$threads == 2]
tab$ratio_to_quiet_2_threads <- round(tab$seconds / quiet2, 2)
print(machine_info())
print(tab, row.names = FALSE)
cat("identical embeddings in every run:", length(unique(hashes)) == 1, "\n")
write.csv(tab, file.path(bench_out, "busy_scale.csv"), row.names = FALSE)
