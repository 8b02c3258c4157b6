# Issue 2's quality benchmark: umapc vs uwot on the first 10,000 rows of
# Fashion-MNIST, exact k-NN, n_neighbors = 15, min_dist = 0.1, 2 threads.
# Run from the repository root: Rscript bench/quality.R
source("tools/fmnist.R")
source("bench/metrics.R")
suppressPackageStartupMessages({ library(umapc); library(uwot) })

fm <- load_fmnist(10000)
X <- fm$X
set.seed(1)
q <- sample.int(10000, 1000)
k <- 15
nn_X <- exact_neighbours(X, q, k)

t_umapc <- system.time(
  fit <- umapc::umap(X, n_neighbors = 15, min_dist = 0.1, method = "exact",
                     seed = 1, n_threads = 2)
)[["elapsed"]]
t_uwot <- system.time(
  emb_uwot <- uwot::umap(X, n_neighbors = 15, min_dist = 0.1, nn_method = "fnn",
                         n_threads = 2, n_sgd_threads = 2)
)[["elapsed"]]

res <- data.frame(
  package = c("umapc", "uwot"),
  version = c(as.character(packageVersion("umapc")), as.character(packageVersion("uwot"))),
  seconds = c(t_umapc, t_uwot),
  neighbourhood_preservation = c(neighbourhood_preservation(nn_X, fit$embedding, q, k),
                                 neighbourhood_preservation(nn_X, emb_uwot, q, k)),
  label_accuracy = c(label_accuracy(fit$embedding, fm$labels, q, k),
                     label_accuracy(emb_uwot, fm$labels, q, k))
)
print(res, digits = 4)
cat(sprintf("\ndifferences (umapc - uwot): preservation %+.4f, accuracy %+.4f; time ratio %.2f\n",
            diff(rev(res$neighbourhood_preservation)), diff(rev(res$label_accuracy)),
            t_umapc / t_uwot))
print(fit$timings)
