# Quality measures shared by the benchmarks.
# Neighbourhood preservation: mean over query rows of
#   |exact k-NN of the row in X  intersect  k-NN of the row in the embedding| / k
# (self excluded in both). Label accuracy: the majority label among the k
# embedding neighbours equals the row's own label.

# k nearest other rows of each query row, by exact search (self excluded).
exact_neighbours <- function(X, q, k) {
  knn <- umapc::nearest_neighbors(X, n_neighbors = k + 1, method = "exact",
                                  n_threads = 2)
  knn$indices[q, -1, drop = FALSE]
}

neighbourhood_preservation <- function(nn_X, emb, q, k = 15) {
  nn_E <- exact_neighbours(emb, q, k)
  mean(vapply(seq_along(q), function(r) length(intersect(nn_X[r, ], nn_E[r, ])) / k,
              numeric(1)))
}

label_accuracy <- function(emb, labels, q, k = 15) {
  nn_E <- exact_neighbours(emb, q, k)
  lab <- as.integer(labels)
  maj <- apply(matrix(lab[nn_E], nrow = length(q)), 1, function(r) {
    tab <- tabulate(r, nbins = max(lab))
    which.max(tab)
  })
  mean(maj == lab[q])
}

# Label accuracy of new points placed into a labelled reference embedding.
transfer_accuracy <- function(ref_emb, ref_labels, new_emb, new_labels, k = 15) {
  knn <- FNN_free_knn(ref_emb, new_emb, k)
  lab <- as.integer(ref_labels)
  maj <- apply(matrix(lab[knn], nrow = nrow(new_emb)), 1, function(r) {
    which.max(tabulate(r, nbins = max(lab)))
  })
  mean(maj == as.integer(new_labels))
}

# k nearest reference rows of each new row (2-d embeddings: plain R in blocks).
FNN_free_knn <- function(ref, new, k) {
  out <- matrix(0L, nrow(new), k)
  rn <- rowSums(ref^2)
  for (s in split(seq_len(nrow(new)), ceiling(seq_len(nrow(new)) / 500))) {
    d <- outer(rowSums(new[s, , drop = FALSE]^2), rn, "+") - 2 * new[s, , drop = FALSE] %*% t(ref)
    out[s, ] <- t(apply(d, 1, function(r) order(r)[seq_len(k)]))
  }
  out
}

peak_rss_mb <- function() {
  # VmHWM of this R process, in MB (Linux)
  st <- tryCatch(readLines("/proc/self/status"), error = function(e) character())
  v <- grep("^VmHWM", st, value = TRUE)
  if (!length(v)) return(NA_real_)
  as.numeric(gsub("[^0-9]", "", v)) / 1024
}
