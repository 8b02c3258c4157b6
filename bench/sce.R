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

time_it <- function(expr, reps = 3L) {
  t <- vapply(seq_len(reps), function(i) {
    gc()
    system.time(force(expr()))[["elapsed"]]
  }, numeric(1))
  median(t)
}

# same-label share of each cell's 15 nearest neighbours in the embedding
label_accuracy <- function(emb, labels, k = 15) {
  knn <- nearest_neighbors(emb, n_neighbors = k + 1, method = "exact",
                           n_threads = threads)
  nb <- matrix(as.integer(labels)[knn$indices[, -1]], nrow = nrow(emb))
  mean(nb == as.integer(labels))
}

run <- function(name, sce, labels) {
  cat(sprintf("\n== %s: %d cells, reducedDim PCA with %d columns\n", name,
              ncol(sce), ncol(reducedDim(sce, "PCA"))))
  t_umapc <- time_it(function() umap(sce, dimred = "PCA", seed = 1,
                                     n_threads = threads))
  t_scater <- time_it(function() runUMAP(sce, dimred = "PCA", n_threads = threads))
  a <- umap(sce, dimred = "PCA", seed = 1, n_threads = threads)
  set.seed(1)
  b <- runUMAP(sce, dimred = "PCA", n_threads = threads)
  cat(sprintf("umapc  umap(sce, dimred = \"PCA\"):   %6.2f s   15-NN label agreement %.3f\n",
              t_umapc, label_accuracy(reducedDim(a, "UMAP")[, ], labels)))
  cat(sprintf("scater runUMAP(sce, dimred = \"PCA\"): %6.2f s   15-NN label agreement %.3f\n",
              t_scater, label_accuracy(reducedDim(b, "UMAP"), labels)))
  cat(sprintf("speed-up %.1fx\n", t_scater / t_umapc))
}

# 1. HSMM: 271 real cells (log FPKM of the 2,000 most variable genes, 20 PCs)
data(HSMM_expr_matrix, HSMM_sample_sheet, package = "HSMMSingleCell")
logc <- log2(as.matrix(HSMM_expr_matrix) + 1)
top <- order(apply(logc, 1, var), decreasing = TRUE)[1:2000]
hsmm <- SingleCellExperiment(assays = list(logcounts = logc[top, ]),
                             colData = DataFrame(HSMM_sample_sheet))
reducedDim(hsmm, "PCA") <- prcomp(t(logcounts(hsmm)), rank. = 20)$x
run("HSMM", hsmm, factor(hsmm$Hours))

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
run("simulated", sim, type)
