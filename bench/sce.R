# umap(sce) against scater::runUMAP() on the same SingleCellExperiment, the
# same reduced dimension and 2 threads: what a Bioconductor user types, and
# how long it takes. Not a test. Needs scater (Debian: r-bioc-scater) and
# HSMMSingleCell (r-bioc-hsmmsinglecell).
# Usage: Rscript bench/sce.R   (with umapc installed)
suppressPackageStartupMessages({
  library(umapc)
  library(SingleCellExperiment)
  library(scater)
})
threads <- 2L

# the machine is shared: the two tools are timed alternately, reps times
# each (umapc, scater, umapc, scater, ...), and the medians reported
time_pair <- function(f_umapc, f_scater, reps = 3L) {
  el <- us <- matrix(NA_real_, reps, 2, dimnames = list(NULL, c("umapc", "scater")))
  for (r in seq_len(reps)) {
    for (tool in 1:2) {
      gc()
      st <- system.time(if (tool == 1L) f_umapc() else f_scater())
      el[r, tool] <- st[["elapsed"]]
      us[r, tool] <- st[["user.self"]] + st[["sys.self"]]
    }
  }
  list(elapsed = apply(el, 2, median), cpu = apply(us, 2, median))
}

# same-label share of each cell's 15 nearest neighbours in the embedding
label_accuracy <- function(emb, labels, k = 15) {
  knn <- nearest_neighbors(emb, n_neighbors = k + 1, method = "exact",
                           n_threads = threads)
  nb <- matrix(as.integer(labels)[knn$indices[, -1]], nrow = nrow(emb))
  mean(nb == as.integer(labels))
}

results <- list()

# f_umapc, f_scater: functions of nothing returning the SingleCellExperiment
run <- function(name, sce, labels, f_umapc, f_scater, what) {
  cat(sprintf("\n== %s: %d cells, %s\n", name, ncol(sce), what))
  tt <- time_pair(f_umapc, f_scater)
  t <- tt$elapsed
  cpu <- tt$cpu
  a <- f_umapc()
  set.seed(1)
  b <- f_scater()
  acc_a <- label_accuracy(reducedDim(a, "UMAP")[, ], labels)
  acc_b <- label_accuracy(reducedDim(b, "UMAP"), labels)
  cat(sprintf("umapc : %6.2f s elapsed, %6.2f s CPU   15-NN label agreement %.3f\n",
              t[["umapc"]], cpu[["umapc"]], acc_a))
  cat(sprintf("scater: %6.2f s elapsed, %6.2f s CPU   15-NN label agreement %.3f\n",
              t[["scater"]], cpu[["scater"]], acc_b))
  cat(sprintf("scater / umapc: %.1fx elapsed, %.1fx CPU\n", t[["scater"]] / t[["umapc"]],
              cpu[["scater"]] / cpu[["umapc"]]))
  results[[name]] <<- data.frame(data = name, cells = ncol(sce), input = what,
                                 umapc_s = t[["umapc"]], scater_s = t[["scater"]],
                                 ratio = t[["scater"]] / t[["umapc"]],
                                 umapc_cpu = cpu[["umapc"]], scater_cpu = cpu[["scater"]],
                                 cpu_ratio = cpu[["scater"]] / cpu[["umapc"]],
                                 umapc_agree = acc_a, scater_agree = acc_b)
}

# 1. HSMM: 271 real cells (log FPKM of the 2,000 most variable genes, 20 PCs)
data(HSMM_expr_matrix, HSMM_sample_sheet, package = "HSMMSingleCell")
logc <- log2(as.matrix(HSMM_expr_matrix) + 1)
top <- order(apply(logc, 1, var), decreasing = TRUE)[1:2000]
hsmm <- SingleCellExperiment(assays = list(logcounts = logc[top, ]),
                             colData = DataFrame(HSMM_sample_sheet))
reducedDim(hsmm, "PCA") <- prcomp(t(logcounts(hsmm)), rank. = 20)$x
run("HSMM", hsmm, factor(hsmm$Hours),
    function() umap(hsmm, dimred = "PCA", seed = 1, n_threads = threads),
    function() runUMAP(hsmm, dimred = "PCA", n_threads = threads),
    "reducedDim PCA, 20 columns")
# the same cells from logcounts (2,000 genes), PCA to 50 inside both tools
run("HSMM logcounts", hsmm, factor(hsmm$Hours),
    function() umap(hsmm, pca = 50, seed = 1, n_threads = threads),
    function() runUMAP(hsmm, ntop = 2000, pca = 50, n_threads = threads),
    "logcounts, 2,000 genes, pca = 50")

# 2. simulated: 20,000 cells of 10 types, 50 PCs
set.seed(7)
n <- 20000
type <- factor(sample(10, n, replace = TRUE))
centres <- matrix(rnorm(10 * 50, sd = 4), 10, 50)
pcs <- centres[as.integer(type), ] + matrix(rnorm(n * 50), n, 50)
dimnames(pcs) <- list(paste0("cell", seq_len(n)), paste0("PC", 1:50))
sim <- SingleCellExperiment(assays = list(counts = matrix(0L, 1, n,
                              dimnames = list("g", rownames(pcs)))))
reducedDim(sim, "PCA") <- pcs
run("simulated", sim, type,
    function() umap(sim, dimred = "PCA", seed = 1, n_threads = threads),
    function() runUMAP(sim, dimred = "PCA", n_threads = threads),
    "reducedDim PCA, 50 columns")

cat("\n(medians of 3 runs, the two tools alternating; elapsed seconds and ",
    "CPU seconds (user + system, all threads), ", threads, " threads)\n", sep = "")
print(do.call(rbind, results), row.names = FALSE, digits = 3)
