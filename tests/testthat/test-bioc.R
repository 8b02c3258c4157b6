# SingleCellExperiment / SummarizedExperiment methods, DelayedMatrix and
# DataFrame inputs, and the genes x cells hint.

# A small simulated SingleCellExperiment: 3 groups of cells, 120 genes.
make_sce <- function(n_cells = 90, n_genes = 120, seed = 1) {
  set.seed(seed)
  group <- rep(1:3, length.out = n_cells)
  mu <- matrix(rexp(n_genes * 3, 0.2), n_genes, 3)
  counts <- matrix(rpois(n_genes * n_cells, mu[, group]), n_genes, n_cells,
                   dimnames = list(paste0("gene", seq_len(n_genes)),
                                   paste0("cell", seq_len(n_cells))))
  logc <- log2(counts + 1)
  pca <- stats::prcomp(t(logc), rank. = 10)$x
  colnames(pca) <- paste0("PC", 1:10)
  attr(pca, "percentVar") <- seq(10, 1)
  sce <- SingleCellExperiment::SingleCellExperiment(
    assays = list(counts = counts, logcounts = logc),
    colData = S4Vectors::DataFrame(group = factor(group)))
  SingleCellExperiment::reducedDim(sce, "PCA") <- pca
  sce
}

test_that("umap(sce, dimred =) sets reducedDim with the matrix path's numbers", {
  skip_if_not_installed("SingleCellExperiment")
  sce <- make_sce()
  pca <- SingleCellExperiment::reducedDim(sce, "PCA")
  sce0 <- sce
  for (threads in 1:2) {
    out <- umap(sce, dimred = "PCA", seed = 5, n_neighbors = 10,
                n_epochs = 50, n_threads = threads)
    expect_s4_class(out, "SingleCellExperiment")
    emb <- SingleCellExperiment::reducedDim(out, "UMAP")
    ref <- umap(pca, seed = 5, n_neighbors = 10, n_epochs = 50,
                n_threads = threads)$embedding
    expect_identical(unname(emb[, ]), unname(ref))
    expect_identical(rownames(emb), colnames(sce))
    expect_identical(colnames(emb), c("UMAP1", "UMAP2"))
    expect_true(is.numeric(emb) && is.matrix(emb))
  }
  expect_identical(sce, sce0)
  # n_dimred: the first columns
  out <- umap(sce, dimred = "PCA", n_dimred = 4, seed = 5, n_neighbors = 10,
              n_epochs = 30, name = "UMAP_4")
  ref <- umap(pca[, 1:4], seed = 5, n_neighbors = 10, n_epochs = 30)$embedding
  expect_identical(unname(SingleCellExperiment::reducedDim(out, "UMAP_4")[, ]),
                   unname(ref))
  # the same seed through knn = nearest_neighbors(sce, ...)
  knn <- nearest_neighbors(sce, dimred = "PCA", n_neighbors = 10, seed = 5)
  out2 <- umap(sce, dimred = "PCA", knn = knn, seed = 5, n_neighbors = 10,
               n_epochs = 50)
  out1 <- umap(sce, dimred = "PCA", seed = 5, n_neighbors = 10, n_epochs = 50)
  expect_identical(SingleCellExperiment::reducedDim(out1, "UMAP")[, ],
                   SingleCellExperiment::reducedDim(out2, "UMAP")[, ])
})

test_that("umap(sce) on an assay transposes it (cells are columns)", {
  skip_if_not_installed("SingleCellExperiment")
  sce <- make_sce()
  logc <- SummarizedExperiment::assay(sce, "logcounts")
  expect_silent(out <- umap(sce, seed = 2, n_neighbors = 10, n_epochs = 30))
  emb <- SingleCellExperiment::reducedDim(out, "UMAP")
  ref <- suppressMessages(umap(t(logc), seed = 2, n_neighbors = 10,
                              n_epochs = 30))$embedding
  expect_identical(unname(emb[, ]), unname(ref))
  # sparse counts stay sparse, same numbers as the dense ones
  sparse <- sce
  SummarizedExperiment::assay(sparse, "logcounts") <- methods::as(logc, "CsparseMatrix")
  out_s <- umap(sparse, seed = 2, n_neighbors = 10, n_epochs = 30)
  expect_equal(SingleCellExperiment::reducedDim(out_s, "UMAP")[, ], emb[, ])
  expect_error(umap(sce, assay.type = "normcounts"),
               "`assay.type` = \"normcounts\" is not an assay of `X`, which has \"counts\", \"logcounts\"")
  expect_error(umap(sce, dimred = "TSNE"),
               "`dimred` = \"TSNE\" is not a reduced dimension of `X`, which has \"PCA\"")
  expect_error(umap(sce, dimred = "PCA", n_dimred = 11),
               "`n_dimred` must be NULL, a whole number from 1 to 10")
  expect_error(umap(sce, n_dimred = 3), "`n_dimred` needs `dimred`")
  expect_error(umap(sce, dimred = "PCA", name = NA), "`name` must be a single non-empty string")
  expect_error(umap(sce, dimred = "PCA", name = ""), "`name` must be a single non-empty string .* not \"\"")
  # by number: the same checks as any whole number
  expect_error(umap(sce, dimred = 1.5), "`dimred` must be a single whole number >= 1, not 1.5")
  expect_error(umap(sce, dimred = 2), "`dimred` = 2 is not a reduced dimension")
  expect_error(umap(sce, assay.type = TRUE), "`assay.type` must be the name or number of an assay, not TRUE")
  expect_error(umap(sce, assay.type = 0), "`assay.type` must be a single whole number >= 1, not 0")
  # a plain SummarizedExperiment gives the model
  se <- SummarizedExperiment::SummarizedExperiment(assays = list(logcounts = logc))
  fit <- umap(se, seed = 2, n_neighbors = 10, n_epochs = 30)
  expect_s3_class(fit, "umapc")
  expect_identical(unname(fit$embedding), unname(ref))
  expect_error(umap(se, dimred = "PCA"), "`dimred` needs a SingleCellExperiment")
})

test_that("the model is kept for predict() on other cells", {
  skip_if_not_installed("SingleCellExperiment")
  sce <- make_sce(n_cells = 120)
  train <- sce[, 1:90]
  test <- sce[, 91:120]
  out <- umap(train, dimred = "PCA", seed = 3, n_neighbors = 10, n_epochs = 40)
  model <- umap_model(out)
  expect_s3_class(model, "umapc")
  expect_identical(model$embedding[, ],
                   SingleCellExperiment::reducedDim(out, "UMAP")[, ])
  p <- predict(model, newdata = test, n_threads = 1)
  pca_test <- SingleCellExperiment::reducedDim(test, "PCA")
  attributes(pca_test) <- list(dim = dim(pca_test), dimnames = dimnames(pca_test))
  expect_identical(p, predict(model, pca_test, n_threads = 2))
  expect_identical(rownames(p), colnames(test))
  expect_identical(p, predict(model, newdata = test, dimred = "PCA"))
  # from an assay
  out <- umap(train, seed = 3, n_neighbors = 10, n_epochs = 40)
  p <- predict(umap_model(out), newdata = test)
  expect_equal(dim(p), c(30L, 2L))
  expect_error(umap_model(out, "TSNE"), "no reduced dimension \"TSNE\"")
  expect_error(umap_model(matrix(1)), "no umapc model is stored")
  # BiocNeighbors::findKNN()'s list(index, distance), self excluded
  pca <- SingleCellExperiment::reducedDim(train, "PCA")
  d <- as.matrix(stats::dist(pca))
  diag(d) <- Inf
  index <- t(apply(d, 1, order))[, 1:9]
  distance <- t(apply(d, 1, sort))[, 1:9]
  o1 <- umap(train, dimred = "PCA", knn = list(index = index, distance = distance),
             seed = 3, n_neighbors = 10, n_epochs = 40)
  attributes(pca) <- list(dim = dim(pca), dimnames = dimnames(pca))
  o2 <- umap(pca, knn = list(index = index, distance = distance), seed = 3,
             n_neighbors = 10, n_epochs = 40)
  expect_identical(SingleCellExperiment::reducedDim(o1, "UMAP")[, ], o2$embedding)
})

test_that("DelayedMatrix and DataFrame inputs give the dense result", {
  skip_if_not_installed("DelayedArray")
  X <- as.matrix(iris[, 1:4])
  ref <- umap(X, seed = 4, n_epochs = 30)
  dm <- DelayedArray::DelayedArray(X)
  expect_identical(umap(dm, seed = 4, n_epochs = 30)$embedding, ref$embedding)
  expect_identical(nearest_neighbors(dm, 10, seed = 4),
                   nearest_neighbors(X, 10, seed = 4))
  sp <- methods::as(X, "CsparseMatrix")
  ref_sp <- umap(sp, seed = 4, n_epochs = 30)
  dms <- DelayedArray::DelayedArray(sp)
  expect_equal(umap(dms, seed = 4, n_epochs = 30)$embedding, ref_sp$embedding)
  skip_if_not_installed("S4Vectors")
  df <- S4Vectors::DataFrame(iris)
  expect_warning(fit <- umap(df, seed = 4, n_epochs = 30),
                 "non-numeric columns, which are left out: `Species`")
  expect_identical(unname(fit$embedding), unname(ref$embedding))
})

test_that("other Matrix classes are converted", {
  X <- as.matrix(iris[, 1:4])
  ref <- umap(X, seed = 4, n_epochs = 30)
  dge <- Matrix::Matrix(X, sparse = FALSE)
  expect_identical(umap(dge, seed = 4, n_epochs = 30)$embedding, ref$embedding)
  tsp <- methods::as(methods::as(X, "CsparseMatrix"), "TsparseMatrix")
  expect_identical(umap(tsp, seed = 4, n_epochs = 30)$embedding,
                   umap(methods::as(X, "CsparseMatrix"), seed = 4, n_epochs = 30)$embedding)
})

test_that("a genes x cells-like matrix gets a hint; images and plain data do not", {
  set.seed(1)
  gx <- matrix(rpois(50 * 200, 3), 50, 200,
               dimnames = list(paste0("gene", 1:50), paste0("cell", 1:200)))
  expect_message(nearest_neighbors(gx, 5, seed = 1),
                 "embeds the ROWS \\(here 50, e.g. \"gene1\"\\).*t\\(X\\)",
                 class = "umapc_orientation")
  expect_message(umap(gx, seed = 1, n_epochs = 5), class = "umapc_orientation")
  expect_message(umap(methods::as(gx, "CsparseMatrix"), seed = 1, n_epochs = 5),
                 class = "umapc_orientation")
  # the Fashion-MNIST images: 1,000 x 784, no message
  img <- umapc::fmnist$pixels[1:1000, ]
  expect_equal(dim(img), c(1000L, 784L))
  expect_no_orientation <- function(expr) {
    got <- FALSE
    withCallingHandlers(expr, umapc_orientation = function(m) got <<- TRUE)
    expect_false(got)
  }
  expect_no_orientation(nearest_neighbors(img, 5, seed = 1, method = "nndescent"))
  # wide data without row names (100 images), or with row names but not wider
  expect_no_orientation(nearest_neighbors(img[1:100, ], 5, seed = 1))
  wide <- img[1:100, ]
  rownames(wide) <- paste0("img", 1:100)
  colnames(wide) <- NULL
  expect_no_orientation(nearest_neighbors(wide, 5, seed = 1))
  expect_no_orientation(nearest_neighbors(t(gx), 5, seed = 1))
  expect_no_orientation(nearest_neighbors(as.data.frame(gx), 5, seed = 1))
})
