# Progress goes through R's condition system, from R and from C.

collect_messages <- function(expr) {
  msgs <- list()
  withCallingHandlers(expr, message = function(m) {
    msgs[[length(msgs) + 1L]] <<- m
    invokeRestart("muffleMessage")
  })
  msgs
}

test_that("verbose progress, from R and from C, is classed messages in order", {
  X <- as.matrix(iris[, 1:4])
  msgs <- collect_messages(umap(X, seed = 1, n_epochs = 40, verbose = TRUE,
                                method = "exact"))
  expect_gt(length(msgs), 4)
  for (m in msgs) expect_s3_class(m, "umapc_progress")
  text <- vapply(msgs, conditionMessage, "")
  expect_true(all(grepl("^[0-9]{2}:[0-9]{2}:[0-9]{2} .*\n$", text)))
  # the C code's reports (k-NN blocks, epochs) arrive between R's, in order
  first <- function(pattern) which(grepl(pattern, text))[1]
  expect_lt(first("nearest neighbours: exact"), first("exact k-NN: 150 / 150"))
  expect_lt(first("exact k-NN: 150 / 150"), first("fuzzy simplicial set"))
  expect_lt(first("optimising the layout"), first("optimize: 40 / 40"))
  expect_lt(first("optimize: 40 / 40"), first("done"))
  # NN-descent and predict() report through the same channel
  msgs <- collect_messages(nearest_neighbors(X, 10, method = "nndescent",
                                             seed = 1, verbose = TRUE))
  expect_true(any(grepl("nndescent: ", vapply(msgs, conditionMessage, ""))))
  fit <- umap(X, seed = 1, n_epochs = 20)
  msgs <- collect_messages(predict(fit, X[1:5, ], verbose = TRUE))
  expect_true(any(grepl("optimize: ", vapply(msgs, conditionMessage, ""))))
})

test_that("suppressMessages() and verbose = FALSE silence everything", {
  X <- as.matrix(iris[, 1:4])
  out <- capture.output(
    err <- capture.output(
      invisible(suppressMessages(umap(X, seed = 1, n_epochs = 30, verbose = TRUE))),
      type = "message"))
  expect_identical(err, character())
  expect_identical(out, character())
  out <- capture.output(
    err <- capture.output(invisible(umap(X, seed = 1, n_epochs = 30)),
                          type = "message"))
  expect_identical(c(out, err), character())
})

test_that("a handler that leaves during C progress unwinds cleanly", {
  X <- as.matrix(iris[, 1:4])
  # an exiting handler on the first message from the layout's C loop
  res <- tryCatch(
    withCallingHandlers(
      umap(X, seed = 1, n_epochs = 200, verbose = TRUE),
      umapc_progress = function(m) {
        if (grepl("optimize:", conditionMessage(m))) stop("stop at the layout")
        invokeRestart("muffleMessage")
      }),
    error = function(e) conditionMessage(e))
  expect_identical(res, "stop at the layout")
  # tryCatch(message = ) in the k-NN search
  res <- tryCatch(nearest_neighbors(X, 10, method = "exact", verbose = TRUE,
                                    n_threads = 2),
                  message = function(m) "left")
  expect_identical(res, "left")
  res <- tryCatch(
    withCallingHandlers(
      nearest_neighbors(X, 10, method = "exact", verbose = TRUE),
      umapc_progress = function(m) {
        if (grepl("exact k-NN", conditionMessage(m))) stop("in C")
        invokeRestart("muffleMessage")
      }),
    error = function(e) conditionMessage(e))
  expect_identical(res, "in C")
  # everything still works, with the same results
  a <- suppressMessages(umap(X, seed = 1, n_epochs = 30, verbose = TRUE))
  b <- umap(X, seed = 1, n_epochs = 30)
  expect_identical(a$embedding, b$embedding)
})

test_that("a knitted report shows no progress and the same model twice", {
  skip_if_not_installed("rmarkdown")
  skip_if_not(rmarkdown::pandoc_available(), "pandoc is not available")
  dir <- tempfile("rmd")
  dir.create(dir)
  on.exit(unlink(dir, recursive = TRUE), add = TRUE)
  rmd <- file.path(dir, "report.Rmd")
  writeLines(c(
    "---", "title: umapc", "output: md_document", "---", "",
    "```{r}",
    "library(umapc)",
    "fit <- umap(iris[, 1:4], seed = 1, n_epochs = 30, n_threads = 2)",
    "fit",
    "```", "",
    "```{r, message = FALSE}",
    "fit2 <- umap(iris[, 1:4], seed = 1, n_epochs = 30, n_threads = 2, verbose = TRUE)",
    "```", "",
    "```{r}",
    "knn <- nearest_neighbors(iris[, 1:4], 10, n_threads = 2, verbose = TRUE)",
    "```"), rmd)
  render <- function(out) {
    suppressMessages(rmarkdown::render(rmd, output_file = out, quiet = TRUE,
                                       envir = new.env()))
    readLines(file.path(dir, out))
  }
  a <- render("a.md")
  b <- render("b.md")
  body_a <- a[!grepl("^ *## [0-9]{2}:[0-9]{2}:[0-9]{2} ", a)]
  body_b <- b[!grepl("^ *## [0-9]{2}:[0-9]{2}:[0-9]{2} ", b)]
  expect_identical(body_a, body_b)
  expect_true(any(grepl("UMAP embedding of 150 rows", a)))
  # message = FALSE hides the verbose chunk's progress entirely
  chunk2 <- grep("fit2 <- umap", a)
  expect_false(any(grepl("optimi[sz]", a[chunk2 + 0:6])))
  # with messages shown, progress lines from C appear in the report, in order
  shown <- grep("^ *## [0-9]{2}:[0-9]{2}:[0-9]{2} ", a, value = TRUE)
  expect_true(any(grepl("nearest neighbours: exact", shown)))
  expect_true(any(grepl("exact k-NN: 150 / 150", shown)))
  expect_lt(grep("nearest neighbours: exact", shown)[1],
            grep("exact k-NN: 150 / 150", shown)[1])
})
