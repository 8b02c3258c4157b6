# Save, or compare with a saved copy, the outputs of nearest_neighbors(),
# umap(), predict() and umap_grid() for every metric, both search methods
# and each init: the check that a refactoring changed no result.
#   Rscript tools/snapshot.R save    FILE.rds
#   Rscript tools/snapshot.R compare FILE.rds   (exit status 1 on a change)
# Uses the installed umapc (set R_LIBS to choose which) and the packaged
# Fashion-MNIST subset.
suppressPackageStartupMessages(library(umapc))
args <- commandArgs(trailingOnly = TRUE)
stopifnot(length(args) == 2L, args[1] %in% c("save", "compare"))

X <- umapc::fmnist$pixels[1:600, ]
new <- umapc::fmnist$pixels[601:700, ]
Xb <- (X > 0) * 1
out <- list()
for (metric in c(umapc:::metric_names())) {
  D <- if (metric %in% c("jaccard", "dice")) Xb else X
  p <- if (metric == "minkowski") 2.5 else NULL
  for (method in c("exact", "nndescent")) {
    out[[paste("knn", metric, method)]] <-
      nearest_neighbors(D, 15, metric = metric, metric_p = p, method = method,
                        seed = 3, n_threads = 2)
  }
  out[[paste("umap", metric)]] <-
    umap(D, metric = metric, metric_p = p, seed = 3, n_epochs = 50,
         n_threads = 2)$embedding
}
for (init in c("spectral", "pca", "random")) {
  fit <- umap(X, init = init, seed = 5, n_threads = 2)
  out[[paste("umap init", init)]] <- fit$embedding
  out[[paste("predict init", init)]] <- predict(fit, new, n_threads = 2)
}
out[["densmap"]] <- umap(X, densmap = TRUE, output_dens = TRUE, seed = 7,
                          n_threads = 2)[c("embedding", "rad_orig", "rad_emb")]
out[["supervised"]] <- umap(X, y = umapc::fmnist$labels[1:600], seed = 7,
                             n_threads = 2)$embedding
out[["sparse"]] <- nearest_neighbors(Matrix::Matrix(X, sparse = TRUE), 15,
                                     metric = "cosine", seed = 3)
out[["grid"]] <- umap_grid(X, n_neighbors = c(5, 15), min_dist = c(0.1, 0.5),
                           seed = 9, n_threads = 2)
# drop what is measured rather than computed (timings)
strip <- function(o) {
  if (!is.list(o)) return(o)
  o <- unclass(o)
  o[setdiff(names(o), c("timings", "layout_seconds"))]
}
out <- lapply(out, strip)

if (args[1] == "save") {
  saveRDS(out, args[2])
  cat(length(out), "outputs saved to", args[2], "\n")
} else {
  old <- readRDS(args[2])
  same <- vapply(names(old), function(nm) identical(old[[nm]], out[[nm]]),
                 logical(1))
  if (!identical(sort(names(old)), sort(names(out))) || !all(same)) {
    cat("CHANGED:", names(old)[!same], "\n")
    quit(status = 1)
  }
  cat("all", length(old), "outputs identical\n")
}
