# The tutorial's three blobs in 60 dimensions (1,700 rows each).
three_blobs <- function(n_per = 1700, seed = 42) {
  old <- if (exists(".Random.seed", globalenv())) get(".Random.seed", globalenv()) else NULL
  on.exit(if (!is.null(old)) assign(".Random.seed", old, globalenv()))
  set.seed(seed)
  y <- matrix(runif(n_per * 60), n_per)
  list(X = rbind(y + 20, y, y - 20), labels = rep(1:3, each = n_per))
}

# Share of rows whose k nearest embedding neighbours all share their label.
pure_neighbourhoods <- function(emb, labels, k = 15) {
  knn <- nearest_neighbors(emb, n_neighbors = k + 1, method = "exact")
  nb <- matrix(labels[knn$indices[, -1]], nrow = nrow(emb))
  mean(rowSums(nb == labels) == k)
}

# Majority-vote accuracy of the k nearest embedding neighbours.
knn_label_accuracy <- function(emb, labels, k = 15) {
  knn <- nearest_neighbors(emb, n_neighbors = k + 1, method = "exact")
  lab <- as.integer(factor(labels))
  nb <- matrix(lab[knn$indices[, -1]], nrow = nrow(emb))
  maj <- apply(nb, 1, function(r) which.max(tabulate(r, nbins = max(lab))))
  mean(maj == lab)
}

# Plain-R brute force k-NN (self first, ties to the lower index).
brute_knn <- function(D, k) {
  D <- unname(as.matrix(D))
  n <- nrow(D)
  idx <- t(vapply(seq_len(n), function(i) {
    r <- D[i, ]
    r[i] <- -Inf
    order(r, seq_len(n))[seq_len(k)]
  }, integer(k)))
  dst <- t(vapply(seq_len(n), function(i) D[i, idx[i, ]], numeric(k)))
  dst[, 1] <- 0
  list(indices = idx, distances = dst)
}
