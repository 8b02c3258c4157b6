# Embed Fashion-MNIST with umapc and draw it. Rscript tools/demo.R [n_rows]
args <- commandArgs(trailingOnly = TRUE)
n <- if (length(args)) as.integer(args[1]) else 70000L
source("tools/fmnist.R")
library(umapc)

fm <- load_fmnist(n)
cat(sprintf("Fashion-MNIST: %d rows x %d columns\n", nrow(fm$X), ncol(fm$X)))
t0 <- proc.time()[["elapsed"]]
fit <- umap(fm$X, n_neighbors = 15, min_dist = 0.1, seed = 42, verbose = TRUE)
elapsed <- proc.time()[["elapsed"]] - t0
print(fit)
out <- file.path(Sys.getenv("UMAPC_DEMO_OUT", "."), "fashion-mnist-umap.png")
png(out, width = 1400, height = 1200, res = 150)
plot(fit, labels = fm$labels,
     main = sprintf("umapc: Fashion-MNIST, %s rows (%.1f s)", format(n, big.mark = ","), elapsed))
invisible(dev.off())
cat("wrote", normalizePath(out), "\n")
