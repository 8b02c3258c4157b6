# Quality measures of a 2-D embedding E of data X (n x p) with class labels,
# used by bench/quality.R. Everything that depends on X alone (exact
# neighbours, high-dimensional distance ranks, pair distances, class
# centroids) is computed once per data set by quality_context() and shared by
# all the embeddings of that data set; quality_metrics() then does only the
# embedding's part. Plain R (plus cluster::silhouette); no umapc code is used
# to judge an embedding, only to give the exact k-NN of X.
#
#   np     15-NN neighbourhood preservation: mean over the query rows of
#          |exact 15-NN in X  intersect  15-NN in E| / 15 (self excluded)
#   acc    15-NN label accuracy: the majority label of a query row's 15
#          embedding neighbours is its own label (ties: the first label level)
#   trust  trustworthiness at k = 15 (sklearn.manifold.trustworthiness),
#          summed over the query rows only:
#            1 - 2 / (m k (2n - 3k - 1)) * sum_i sum_{j in kNN_E(i)} max(0, r(i, j) - k)
#          r(i, j) = rank of j among i's neighbours in X (nearest other = 1,
#          ties broken by row index), m = number of query rows
#   dcor   Spearman correlation of X and E distances over the random pairs
#   ccor   Spearman correlation of the class-centroid distances in X and E
#   comp   compactness: mean within-class / mean between-class E distance over
#          the random pairs (lower = tighter classes)
#   silh   mean silhouette width of the labels in E, on at most 3,000 rows
#          (set.seed(3) sample), Euclidean distances

quality_metric_names <- c("np", "acc", "trust", "dcor", "ccor", "comp", "silh")

quality_metric_labels <- c(
  np = "15-NN preservation", acc = "15-NN label accuracy",
  trust = "trustworthiness@15", dcor = "distance corr. (Spearman)",
  ccor = "centroid distance corr.", comp = "compactness (lower tighter)",
  silh = "silhouette")

# Random pairs i != j (with replacement).
pair_sample <- function(n, m = 20000, seed = 7) {
  set.seed(seed)
  i <- sample.int(n, m, TRUE)
  j <- sample.int(n, m, TRUE)
  keep <- i != j
  cbind(i[keep], j[keep])
}

pair_dist <- function(X, pr) {
  sqrt(rowSums((X[pr[, 1], , drop = FALSE] - X[pr[, 2], , drop = FALSE])^2))
}

class_centroids <- function(X, lab) {
  lab <- factor(lab)
  rowsum(X, lab, reorder = TRUE) / as.vector(table(lab))
}

# Ranks r(i, j) of every row j among the neighbours of each query row i in X
# (an n x length(q) integer matrix; r(i, i) = 0, nearest other = 1). The
# squared distances come from |x|^2 - 2 x.y (|y|^2 is the same for a whole
# column, so left out), t(X) and the squared norms are computed once, and the
# products in blocks of query rows by one BLAS call each.
x_rank_matrix <- function(X, q, block = 100L) {
  tX <- t(X)
  sq <- colSums(tX^2)
  rk <- matrix(0L, nrow(X), length(q))
  for (b in split(seq_along(q), ceiling(seq_along(q) / block))) {
    d <- crossprod(tX, tX[, q[b], drop = FALSE])
    d <- sq - 2 * d
    for (r in seq_along(b)) {
      v <- d[, r]
      v[q[b[r]]] <- -Inf
      rk[, b[r]] <- as.integer(rank(v, ties.method = "first")) - 1L
    }
  }
  rk
}

# Everything about X needed by quality_metrics(). knn: the exact k-NN of X
# with at least k + 1 columns, self first (umapc's nearest_neighbors()).
quality_context <- function(X, labels, knn, k = 15L, nq = 1000L, n_pairs = 20000L) {
  n <- nrow(X)
  if (ncol(knn$indices) < k + 1L) stop("need the k-NN of X with k + 1 = ", k + 1L, " columns")
  set.seed(1)
  q <- sample.int(n, min(nq, n))
  pr <- pair_sample(n, n_pairs)
  list(n = n, k = k, q = q, labels = labels,
       knX = knn$indices[q, 2:(k + 1L), drop = FALSE],
       rankX = x_rank_matrix(X, q),
       pr = pr, dX = pair_dist(X, pr),
       cX = dist(class_centroids(X, labels)))
}

# k nearest other rows of each query row in a 2-D embedding (plain R; ties by
# row index, self always excluded).
embedding_neighbours <- function(E, q, k) {
  out <- matrix(0L, length(q), k)
  for (r in seq_along(q)) {
    i <- q[r]
    d <- (E[, 1] - E[i, 1])^2 + (E[, 2] - E[i, 2])^2
    d[i] <- -Inf
    out[r, ] <- order(d)[2:(k + 1L)]
  }
  out
}

trustworthiness_q <- function(ctx, knE) {
  n <- ctx$n; k <- ctx$k; m <- length(ctx$q)
  r <- ctx$rankX[cbind(as.vector(knE), rep(seq_len(m), times = k))]
  1 - 2 / (m * k * (2 * n - 3 * k - 1)) * sum(pmax(r - k, 0))
}

silhouette_2d <- function(E, lab, m = 3000L) {
  set.seed(3)
  s <- if (nrow(E) > m) sample.int(nrow(E), m) else seq_len(nrow(E))
  mean(cluster::silhouette(as.integer(factor(lab[s])), dist(E[s, , drop = FALSE]))[, 3])
}

# Named vector of the metrics in quality_metric_names.
quality_metrics <- function(E, ctx) {
  E <- unname(as.matrix(E))
  k <- ctx$k
  q <- ctx$q
  lab <- ctx$labels
  knE <- embedding_neighbours(E, q, k)
  np <- mean(vapply(seq_along(q), function(r) length(intersect(ctx$knX[r, ], knE[r, ])),
                    integer(1))) / k
  labi <- as.integer(factor(lab))
  nl <- max(labi)
  acc <- mean(vapply(seq_along(q), function(r) which.max(tabulate(labi[knE[r, ]], nl)) == labi[q[r]],
                     logical(1)))
  dE <- pair_dist(E, ctx$pr)
  same <- labi[ctx$pr[, 1]] == labi[ctx$pr[, 2]]
  c(np = np, acc = acc,
    trust = trustworthiness_q(ctx, knE),
    dcor = cor(ctx$dX, dE, method = "spearman"),
    ccor = cor(as.vector(ctx$cX), as.vector(dist(class_centroids(E, lab))), method = "spearman"),
    comp = mean(dE[same]) / mean(dE[!same]),
    silh = silhouette_2d(E, lab))
}
