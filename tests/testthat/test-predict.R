blobs <- three_blobs(n_per = 300)
train <- c(1:250, 301:550, 601:850)
Xtr <- blobs$X[train, ]
Xte <- blobs$X[-train, ]
fit <- umap(Xtr, seed = 2)

test_that("predicted rows land in their own cluster", {
  new <- predict(fit, Xte)
  expect_equal(dim(new), c(150L, 2L))
  expect_equal(colnames(new), c("UMAP1", "UMAP2"))
  expect_true(all(is.finite(new)))
  lab_tr <- blobs$labels[train]
  lab_te <- blobs$labels[-train]
  centres <- rowsum(fit$embedding, lab_tr) / as.vector(table(lab_tr))
  nearest <- apply(new, 1, function(p) which.min(colSums((t(centres) - p)^2)))
  expect_equal(as.vector(nearest), lab_te)
})

test_that("training rows predicted land near their own coordinates", {
  new <- predict(fit, Xtr[1:60, ])
  d_own <- sqrt(rowSums((new - fit$embedding[1:60, ])^2))
  scale <- diff(range(fit$embedding[, 1]))
  expect_lt(median(d_own), 0.1 * scale)
})

test_that("prediction is row-independent and thread-independent", {
  all <- predict(fit, Xte, n_threads = 2)
  one_by_one <- do.call(rbind, lapply(seq_len(nrow(Xte)), function(i) predict(fit, Xte[i, , drop = FALSE], n_threads = 1)))
  expect_identical(one_by_one, all)
  rev_order <- predict(fit, Xte[nrow(Xte):1, ], n_threads = 1)
  expect_identical(rev_order[nrow(Xte):1, ], all)
  batches <- rbind(predict(fit, Xte[1:37, ]), predict(fit, Xte[38:150, ]))
  expect_identical(batches, all)
})

test_that("a saved and reloaded model predicts identical bits", {
  path <- tempfile(fileext = ".rds")
  on.exit(unlink(path))
  saveRDS(fit, path)
  loaded <- readRDS(path)
  expect_identical(predict(loaded, Xte), predict(fit, Xte))
})

test_that("predict() checks newdata", {
  expect_error(predict(fit, Xte[, 1:10]), "must have the 60 columns of the training data, not 10")
  bad <- Xte
  bad[2, 3] <- NA
  expect_error(predict(fit, bad), "`newdata` contains NA")
  expect_error(predict(fit), "`newdata` is missing")
  nodata <- umap(Xtr, seed = 2, keep_data = FALSE, n_epochs = 5)
  expect_error(predict(nodata, Xte), "keep_data = TRUE")
  df <- data.frame(a = 1:5, b = 6:10, c = 11:15)
  fdf <- umap(rbind(df, df + 0.5, df * 2), n_neighbors = 5, seed = 1, n_epochs = 5)
  expect_error(predict(fdf, data.frame(a = 1, b = 2, z = 3)), "columns the training data lack: `z`")
  # columns given in another order are matched by name
  expect_identical(predict(fdf, data.frame(c = 11, a = 1, b = 6)),
                   predict(fdf, data.frame(a = 1, b = 6, c = 11)))
})

test_that("summary(), as.matrix() and as.data.frame() describe the model", {
  expect_output(print(summary(fit)), "UMAP model: 750 rows -> 2 dimensions")
  expect_identical(as.matrix(fit), fit$embedding)
  expect_equal(names(as.data.frame(fit)), c("UMAP1", "UMAP2"))
})

test_that("plot() works for factor, numeric and no labels", {
  path <- tempfile(fileext = ".pdf")
  on.exit(unlink(path))
  pdf(path)
  expect_invisible(plot(fit))
  expect_invisible(plot(fit, labels = factor(blobs$labels[train])))
  expect_invisible(plot(fit, labels = as.character(blobs$labels[train])))
  expect_invisible(plot(fit, labels = fit$embedding[, 1]))
  expect_error(plot(fit, labels = 1:3), "one value per row")
  dev.off()
  expect_gt(file.size(path), 1000)
})

test_that("models fitted with NN-descent predict through a graph search", {
  X <- three_blobs(n_per = 1500)$X
  lab <- rep(1:3, each = 1500)
  tr <- c(1:1300, 1501:2800, 3001:4300)
  fit <- umap(X[tr, ], seed = 5, method = "nndescent", n_epochs = 100)
  expect_equal(fit$method, "nndescent")
  te <- setdiff(seq_len(nrow(X)), tr)
  new <- predict(fit, X[te, ])
  # the same neighbours as an exact search for nearly every row
  exact_fit <- fit
  exact_fit$method <- "exact"
  new_exact <- predict(exact_fit, X[te, ])
  centres <- rowsum(fit$embedding, lab[tr]) / 1300
  nearest <- apply(new, 1, function(p) which.min(colSums((t(centres) - p)^2)))
  expect_equal(as.vector(nearest), lab[te])
  expect_gt(mean(abs(new - new_exact) < 1e-6), 0.8)
  # still row- and thread-independent
  expect_identical(rbind(predict(fit, X[te[1:50], ], n_threads = 1),
                         predict(fit, X[te[-(1:50)], ], n_threads = 2)), new)
})

test_that("new rows' graph search reaches every cluster, even tiny ones", {
  # 4 big and 20 tiny well-separated clusters: the training k-NN graph falls
  # apart into 24 pieces, and random starts alone miss most tiny ones
  set.seed(1)
  sizes <- c(rep(400, 4), rep(20, 20))
  centres <- matrix(rnorm(length(sizes) * 10, sd = 50), length(sizes))
  lab <- rep(seq_along(sizes), sizes)
  X <- centres[lab, ] + matrix(rnorm(length(lab) * 10), length(lab))
  knn <- nearest_neighbors(X, 15, method = "nndescent", seed = 1, n_threads = 1)
  qlab <- rep(seq_along(sizes), each = 3)
  Q <- centres[qlab, ] + matrix(rnorm(length(qlab) * 10), length(qlab))
  nn <- .Call(umapc:::C_umapc_call_knn_query, umapc:::prepare_data(X)$data, Q,
              knn$indices, list(k = 15L, metric = "euclidean", metric_p = 0,
                                seed = 1, n_threads = 1))
  expect_identical(lab[nn$indices], rep(qlab, 15))
  # and predict() puts each new row with its own cluster
  fit <- umap(X, knn = knn, seed = 1, n_threads = 1, n_epochs = 50)
  emb <- predict(fit, Q, n_threads = 1)
  cent <- apply(fit$embedding, 2, function(v) tapply(v, lab, mean))
  nearest <- apply(emb, 1, function(p) which.min(colSums((t(cent) - p)^2)))
  expect_identical(unname(nearest), qlab)
})

test_that("a matrix's model keeps its rows in single precision, with the same predictions", {
  expect_s3_class(fit$data, "umapc_rows")
  expect_identical(dim(fit$data), dim(Xtr))
  expect_identical(nrow(fit$data), nrow(Xtr))
  expect_output(print(fit$data), "750 x 60 training rows in single precision, prepared for metric \"euclidean\"")
  # about half of X's size, also serialized
  expect_lt(length(serialize(fit$data, NULL)), 0.52 * length(serialize(Xtr, NULL)))
  # the same new coordinates as the model holding X itself
  with_x <- fit
  with_x$data <- Xtr
  expect_identical(predict(fit, Xte), predict(with_x, Xte))
  # every metric, the exact search and the graph search of NN-descent models
  set.seed(3)
  X <- abs(three_blobs(n_per = 700)$X[, 1:12])
  colnames(X) <- paste0("g", 1:12)
  tr <- seq(1, 2100, by = 3)
  for (m in setdiff(umapc:::metric_names(), "hamming")) {
    Xm <- if (m %in% c("jaccard", "dice")) X > 1 else X
    for (method in c("exact", "nndescent")) {
      f <- umap(Xm[tr, ], metric = m, method = method, seed = 4, n_epochs = 20, n_threads = 2,
                metric_p = if (m == "minkowski") 3)
      expect_s3_class(f$data, "umapc_rows")
      g <- f
      g$data <- Xm[tr, ]
      expect_identical(predict(f, Xm[-tr, ], n_threads = 2), predict(g, Xm[-tr, ], n_threads = 1),
                       info = paste(m, method))
    }
  }
  # columns are matched by name, as with X
  expect_identical(colnames(f$data), colnames(X))
  expect_identical(predict(f, Xm[-tr, 12:1]), predict(f, Xm[-tr, ]))
})

test_that("data frames, PCA inputs and hamming data are kept as given", {
  expect_identical(umap(iris[1:4], seed = 1, n_epochs = 5)$data, iris[1:4])
  fp <- umap(Xtr, pca = 5, seed = 1, n_epochs = 5)
  expect_identical(fp$data, Xtr)
  Xh <- matrix(sample(0:2, 600, TRUE), 100)
  expect_identical(umap(Xh, metric = "hamming", n_neighbors = 5, seed = 1, n_epochs = 5)$data, Xh)
  expect_null(umap(Xtr, seed = 1, n_epochs = 5, keep_data = FALSE)$data)
})

test_that("kept rows that do not fit the model are refused, not read", {
  bad <- fit
  bad$data$metric <- "cosine"
  expect_error(predict(bad, Xte), class = "umapc_error_internal")
  bad <- fit
  bad$data$rows <- bad$data$rows[-1]
  expect_error(predict(bad, Xte), class = "umapc_error_internal")
  bad <- fit
  bad$data$center <- NULL
  expect_error(predict(bad, Xte), "invalid")
})
