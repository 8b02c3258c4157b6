# Ctrl-C during a long computation: an Rscript child runs a long umap() /
# nearest_neighbors(), we send it SIGINT once the long loop is running, and
# check that it stops promptly with an R *interrupt* condition (not an error,
# not a crash), frees what it holds, and that R keeps working afterwards.

# Path of an installed umapc (a child process cannot see a load_all()ed one).
installed_umapc <- function() {
  path <- find.package("umapc", lib.loc = .libPaths(), quiet = TRUE)
  if (length(path) && dir.exists(file.path(path[1], "Meta"))) path[1] else ""
}

skip_if_no_child_r <- function() {
  skip_on_cran()
  skip_on_os(c("windows", "mac", "solaris"))
  skip_if_not(.Platform$OS.type == "unix" && Sys.info()[["sysname"]] == "Linux",
              "signals are tested on Linux only")
  skip_if_not(file.exists(file.path(R.home("bin"), "Rscript")), "Rscript unavailable")
  skip_if_not(nzchar(installed_umapc()), "umapc is not installed (load_all?)")
}

# Start `code` (R source text) in an Rscript child. Returns a handle with the
# pid and the files receiving its stdout and stderr.
start_child <- function(code) {
  dir <- tempfile("umapc-intr-")
  dir.create(dir)
  script <- file.path(dir, "child.R")
  lib <- dirname(installed_umapc())
  writeLines(c(sprintf(".libPaths(c(%s, .libPaths()))", deparse(lib)),
               "suppressPackageStartupMessages(library(umapc))",
               code), script)
  out <- file.path(dir, "stdout")
  err <- file.path(dir, "stderr")
  rscript <- file.path(R.home("bin"), "Rscript")
  if (requireNamespace("processx", quietly = TRUE)) {
    p <- processx::process$new(rscript, c("--vanilla", script), stdout = out,
                               stderr = err, cleanup = TRUE)
    list(pid = p$get_pid(), proc = p, out = out, err = err, dir = dir,
         alive = function() p$is_alive(),
         status = function() p$get_exit_status(),
         kill = function() p$kill())
  } else {
    pidfile <- file.path(dir, "pid")
    system2("sh", c("-c", shQuote(sprintf("%s --vanilla %s >%s 2>%s & echo $! >%s",
                                         shQuote(rscript), shQuote(script),
                                         shQuote(out), shQuote(err),
                                         shQuote(pidfile)))), wait = TRUE)
    for (i in 1:50) if (file.exists(pidfile) && length(readLines(pidfile))) break else Sys.sleep(0.05)
    pid <- as.integer(readLines(pidfile)[1])
    list(pid = pid, proc = NULL, out = out, err = err, dir = dir,
         alive = function() {
           # kill -0 fails once the child is gone (zombies reaped by sh)
           st <- suppressWarnings(system2("kill", c("-0", pid), stdout = FALSE,
                                          stderr = FALSE))
           identical(as.integer(st), 0L) &&
             !grepl("Z", suppressWarnings(system2("ps", c("-o", "stat=", "-p", pid),
                                                  stdout = TRUE)))[1]
         },
         status = function() NA_integer_,
         kill = function() tools::pskill(pid, tools::SIGKILL))
  }
}

read_file <- function(path) {
  if (!file.exists(path)) return("")
  paste(readLines(path, warn = FALSE), collapse = "\n")
}

# Wait until `pattern` appears in the child's stdout or stderr (or it dies).
wait_for <- function(child, pattern, timeout) {
  t0 <- Sys.time()
  repeat {
    txt <- paste(read_file(child$out), read_file(child$err))
    if (grepl(pattern, txt)) return(TRUE)
    if (!child$alive()) return(FALSE)
    if (as.numeric(Sys.time() - t0, units = "secs") > timeout) return(FALSE)
    Sys.sleep(0.05)
  }
}

# Interrupt the child and time how long it takes to report the interrupt and
# to exit. Returns list(t_report, t_exit, out, err).
interrupt_child <- function(child, timeout = 10) {
  t0 <- Sys.time()
  tools::pskill(child$pid, tools::SIGINT)
  t_report <- NA_real_
  repeat {
    el <- as.numeric(Sys.time() - t0, units = "secs")
    if (is.na(t_report) && grepl("INTERRUPTED|ERROR", read_file(child$out))) t_report <- el
    if (!child$alive() || el > timeout) break
    Sys.sleep(0.02)
  }
  t_exit <- if (child$alive()) NA_real_ else as.numeric(Sys.time() - t0, units = "secs")
  if (child$alive()) child$kill()
  Sys.sleep(0.1)
  list(t_report = t_report, t_exit = t_exit, out = read_file(child$out),
       err = read_file(child$err), status = child$status())
}

# The child's shared tail: report how the call ended, then show R still works.
child_tail <- c(
  "x <- umap(as.matrix(iris[1:40, 1:4]), n_neighbors = 5, n_epochs = 5,",
  "          n_threads = 1, seed = 1)",
  "stopifnot(all(is.finite(x$embedding)))",
  "cat('STILL-WORKS\\n')"
)
child_call <- function(call) {
  c("res <- tryCatch({",
    call,
    "  'FINISHED'",
    "}, interrupt = function(e) 'INTERRUPTED',",
    "   error = function(e) paste('ERROR:', conditionMessage(e)))",
    "cat(res, '\\n', sep = '')")
}

expect_clean_interrupt <- function(res, what) {
  info <- sprintf("%s\n--- child stdout:\n%s\n--- child stderr:\n%s", what,
                  res$out, res$err)
  expect_false(grepl("segfault|caught segfault|Segmentation|address \\(nil\\)|Traceback",
                     res$err), info = info)
  expect_true(grepl("INTERRUPTED", res$out), info = info)
  expect_false(grepl("ERROR:", res$out), info = info)
  expect_true(!is.na(res$t_report) && res$t_report < 2, info = paste(info, "\nreport after", res$t_report, "s"))
  expect_true(!is.na(res$t_exit) && res$t_exit < 2, info = paste(info, "\nexit after", res$t_exit, "s"))
  expect_true(grepl("STILL-WORKS", res$out), info = info)
  if (!is.na(res$status)) expect_identical(res$status, 0L, info = info)
}

test_that("SIGINT stops a long umap() layout within 2 s with an interrupt", {
  skip_if_no_child_r()
  # 60,000 x 50 random data, 5,000 epochs: minutes if not interrupted. The
  # graph comes from a quick NN-descent search with small k (done before
  # "started") and the init is random, so the layout (announced on stderr by
  # verbose = TRUE) starts within a second of umap() being called.
  child <- start_child(c(
    "set.seed(1)",
    "X <- matrix(rnorm(60000 * 50), ncol = 50)",
    "knn <- nearest_neighbors(X, n_neighbors = 4, method = 'nndescent',",
    "                         n_iters = 1, n_trees = 2, seed = 1, n_threads = 2)",
    "cat('started\\n')",
    child_call(paste("  umap(X, knn = knn, n_neighbors = 4, n_epochs = 5000,",
                     "init = 'random', seed = 1, n_threads = 2, verbose = TRUE)")),
    child_tail))
  on.exit({ if (child$alive()) child$kill(); unlink(child$dir, recursive = TRUE) }, add = TRUE)
  expect_true(wait_for(child, "started", 30), info = read_file(child$err))
  running <- wait_for(child, "optimi[sz]", 40)
  expect_true(running, info = read_file(child$err))
  skip_if_not(running, "the layout never started")
  Sys.sleep(0.5) # well inside the epoch loop
  res <- interrupt_child(child)
  expect_clean_interrupt(res, "umap()")
})

test_that("SIGINT stops a long exact nearest_neighbors() and R keeps working", {
  skip_if_no_child_r()
  # 60,000 x 50 exact search: about 10^11 operations.
  child <- start_child(c(
    "set.seed(2)",
    "X <- matrix(rnorm(60000 * 50), ncol = 50)",
    "cat('started\\n')",
    child_call(paste("  nearest_neighbors(X, n_neighbors = 15, method = 'exact',",
                     "seed = 1, n_threads = 2, verbose = TRUE)")),
    child_tail))
  on.exit({ if (child$alive()) child$kill(); unlink(child$dir, recursive = TRUE) }, add = TRUE)
  expect_true(wait_for(child, "started", 30), info = read_file(child$err))
  running <- wait_for(child, "exact k-NN", 30) # first progress line: searching
  expect_true(running, info = read_file(child$err))
  skip_if_not(running, "the search never started")
  Sys.sleep(0.3)
  res <- interrupt_child(child)
  expect_clean_interrupt(res, "nearest_neighbors(method = 'exact')")
})
