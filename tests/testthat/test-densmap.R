# densMAP: reproducibility, the radii it preserves, its arguments.

# Three clusters of very different spreads (sd 0.1, 1 and 3) in 5 dimensions,
# far apart: local radii differ by orders of magnitude between them.
densities_data <- function(n_per = 100, seed = 7) {
  old <- if (exists(".Random.seed", globalenv())) get(".Random.seed", globalenv()) else NULL
  on.exit(if (!is.null(old)) assign(".Random.seed", old, globalenv()))
  set.seed(seed)
  sds <- c(0.1, 1, 3)
  X <- do.call(rbind, lapply(seq_along(sds), function(k) {
    matrix(rnorm(n_per * 5, mean = 40 * k, sd = sds[k]), n_per)
  }))
  rownames(X) <- paste0("r", seq_len(nrow(X)))
  X
}

Xd <- densities_data()

test_that("densMAP is bit-identical across threads and from precomputed neighbours", {
  f1 <- umap(Xd, densmap = TRUE, n_epochs = 150, seed = 11, n_threads = 1)
  f2 <- umap(Xd, densmap = TRUE, n_epochs = 150, seed = 11, n_threads = 2)
  expect_identical(f1$embedding, f2$embedding)
  knn <- nearest_neighbors(Xd, n_neighbors = 15, seed = 11, n_threads = 2)
  f3 <- umap(Xd, knn = knn, densmap = TRUE, n_epochs = 150, seed = 11,
             n_threads = 2)
  expect_identical(f1$embedding, f3$embedding)
  # the density term changes the layout
  p <- umap(Xd, n_epochs = 150, seed = 11, n_threads = 2)
  expect_false(identical(p$embedding, f1$embedding))
  expect_true(all(is.finite(f1$embedding)))
  # output_dens: same layout, radii identical across threads too
  o1 <- umap(Xd, densmap = TRUE, n_epochs = 150, seed = 11, n_threads = 1,
             output_dens = TRUE)
  o2 <- umap(Xd, densmap = TRUE, n_epochs = 150, seed = 11, n_threads = 2,
             output_dens = TRUE)
  expect_identical(o1$embedding, f1$embedding)
  expect_identical(o1$rad_orig, o2$rad_orig)
  expect_identical(o1$rad_emb, o2$rad_emb)
})

test_that("densMAP keeps local densities much better than plain UMAP", {
  # the same epochs, so the same pruned graph and original radii
  dm <- umap(Xd, densmap = TRUE, output_dens = TRUE, n_epochs = 500, seed = 3)
  pl <- umap(Xd, output_dens = TRUE, n_epochs = 500, seed = 3)
  expect_identical(dm$rad_orig, pl$rad_orig)
  r_dm <- cor(dm$rad_orig, dm$rad_emb)
  r_pl <- cor(pl$rad_orig, pl$rad_emb)
  expect_gt(r_dm, 0.7)
  expect_gt(r_dm, r_pl + 0.3)
  # the loose cluster takes more room than the tight one
  spread <- function(e, rows) mean(apply(e[rows, ], 2, sd))
  expect_gt(spread(dm$embedding, 201:300) / spread(dm$embedding, 1:100),
            2 * spread(pl$embedding, 201:300) / spread(pl$embedding, 1:100))
})

test_that("the model records densMAP's settings and radii", {
  fit <- umap(Xd, densmap = TRUE, output_dens = TRUE, n_epochs = 50, seed = 1)
  expect_true(fit$densmap)
  expect_identical(c(fit$dens_lambda, fit$dens_frac, fit$dens_var_shift),
                   c(2, 0.3, 0.1))
  expect_length(fit$rad_orig, nrow(Xd))
  expect_length(fit$rad_emb, nrow(Xd))
  expect_identical(names(fit$rad_orig), rownames(Xd))
  expect_identical(names(fit$rad_emb), rownames(Xd))
  expect_true(all(is.finite(fit$rad_orig)) && all(is.finite(fit$rad_emb)))
  # the tight cluster has the smallest original radii
  expect_lt(max(fit$rad_orig[1:100]), min(fit$rad_orig[201:300]))
  expect_output(print(fit), "densMAP: dens_lambda 2, dens_frac 0.3")
  # umap-learn's default epochs: 200 more with densMAP
  expect_identical(umap(Xd, densmap = TRUE, n_epochs = NULL, seed = 1,
                        dens_frac = 0.01)$n_epochs, 700L)
  # no radii unless asked for
  plain <- umap(Xd, n_epochs = 20, seed = 1)
  expect_null(plain$rad_orig)
  expect_null(plain$rad_emb)
  expect_false(plain$densmap)
  # the model still predicts (with the plain objective)
  new <- predict(fit, Xd[c(1, 150, 250), ])
  expect_identical(dim(new), c(3L, 2L))
  expect_true(all(is.finite(new)))
})

test_that("without densmap, the dens_ arguments and output_dens leave the layout alone", {
  base <- umap(Xd, n_epochs = 60, seed = 5)
  other <- umap(Xd, n_epochs = 60, seed = 5, dens_lambda = 7, dens_frac = 1,
                dens_var_shift = 2)
  expect_identical(base$embedding, other$embedding)
  out <- umap(Xd, n_epochs = 60, seed = 5, output_dens = TRUE)
  expect_identical(base$embedding, out$embedding)
  expect_length(out$rad_emb, nrow(Xd))
  # densmap with a zero weight or no epochs of it: the plain layout
  z <- umap(Xd, n_epochs = 60, seed = 5, densmap = TRUE, dens_lambda = 0)
  expect_identical(base$embedding, z$embedding)
  z <- umap(Xd, n_epochs = 60, seed = 5, densmap = TRUE, dens_frac = 0)
  expect_identical(base$embedding, z$embedding)
})

test_that("bad densMAP arguments give errors naming them and their values", {
  X <- as.matrix(iris[1:40, 1:4])
  cases <- list(
    list(list(densmap = NA), "`densmap` must be TRUE or FALSE, not NA"),
    list(list(densmap = "yes"), "`densmap` must be TRUE or FALSE, not \"yes\""),
    list(list(densmap = c(TRUE, FALSE)), "`densmap` must be TRUE or FALSE, not c\\( ?TRUE, FALSE\\)"),
    list(list(output_dens = 1), "`output_dens` must be TRUE or FALSE, not 1"),
    list(list(dens_lambda = -1), "`dens_lambda` must be a single number >= 0, not -1"),
    list(list(dens_lambda = NA), "`dens_lambda` .* not NA"),
    list(list(dens_lambda = Inf), "`dens_lambda` .* not Inf"),
    list(list(dens_frac = 1.5), "`dens_frac` must be a single number >= 0 and <= 1, not 1.5"),
    list(list(dens_frac = -0.1), "`dens_frac` .* not -0.1"),
    list(list(dens_frac = "0.3"), "`dens_frac` .* not \"0.3\""),
    list(list(dens_var_shift = -0.1), "`dens_var_shift` must be a single number >= 0, not -0.1"),
    list(list(dens_var_shift = c(0.1, 0.2)), "`dens_var_shift` .* not c\\(0.1, 0.2\\)")
  )
  for (cs in cases) {
    args <- utils::modifyList(list(X, densmap = TRUE, n_epochs = 5, seed = 1),
                              cs[[1]])
    expect_error(do.call(umap, args), cs[[2]])
  }
  # checked even when densmap is FALSE
  expect_error(umap(X, dens_frac = 2, n_epochs = 5, seed = 1), "`dens_frac`")
})
