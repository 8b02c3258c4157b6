# Shared helpers for the benchmarks: run one measured step in a fresh R
# process so its wall time and peak resident memory (VmHWM) are its own.
# Every step gets the same preamble (packages, data loader, metrics).

bench_root <- normalizePath(".")
bench_out <- file.path(bench_root, "bench", "out")
dir.create(bench_out, showWarnings = FALSE, recursive = TRUE)

# Run `code` (a string of R code that must assign `result`, a list) in a
# child Rscript. Returns result plus seconds (of the timed part, set by the
# code as `result$seconds`) and peak_mb: the child's peak resident memory
# (VmHWM) during the step, the high-water mark being reset after `setup`
# (data loading) so it counts the data held plus what the step adds. A step
# that computes quality measures sets result$peak_mb <- peak_mb() before
# them, so that their memory is not counted.
run_step <- function(name, code, setup = "") {
  script <- tempfile(fileext = ".R")
  res_file <- tempfile(fileext = ".rds")
  writeLines(c(
    sprintf("setwd(%s)", deparse(bench_root)),
    "source('tools/fmnist.R'); source('bench/metrics.R')",
    sprintf("bench_out <- %s", deparse(bench_out)),
    "suppressPackageStartupMessages(library(umapc))",
    setup,
    "# peak memory of the step itself: reset the high-water mark after setup",
    "invisible(gc()); try(writeLines('5', '/proc/self/clear_refs'), silent = TRUE)",
    "base_mb <- as.numeric(gsub('[^0-9]', '', grep('^VmRSS', readLines('/proc/self/status'), value = TRUE))) / 1024",
    "# the step's code calls peak_mb() right after the measured call, before",
    "# computing quality measures (which need memory of their own)",
    "peak_mb <- function() as.numeric(gsub('[^0-9]', '', grep('^VmHWM', readLines('/proc/self/status'), value = TRUE))) / 1024",
    code,
    "if (is.null(result$peak_mb)) result$peak_mb <- peak_mb()",
    "result$base_mb <- base_mb",
    sprintf("saveRDS(result, %s)", deparse(res_file))
  ), script)
  t0 <- proc.time()[["elapsed"]]
  status <- system2(file.path(R.home("bin"), "Rscript"), script, stdout = "", stderr = "")
  if (status != 0 || !file.exists(res_file)) stop("bench step failed: ", name)
  res <- readRDS(res_file)
  res$step <- name
  res$process_seconds <- proc.time()[["elapsed"]] - t0
  cat(sprintf("%-34s %8.2f s  peak %6.0f MB (after loading the data: %6.0f MB)\n",
              name, res$seconds, res$peak_mb, res$base_mb))
  res
}

machine_info <- function() {
  cpu <- tryCatch(sub(".*: ", "", grep("model name", readLines("/proc/cpuinfo"), value = TRUE)[1]),
                  error = function(e) NA)
  data.frame(
    cpu = cpu, cores = parallel::detectCores(),
    R = R.version.string,
    umapc = as.character(utils::packageVersion("umapc")),
    uwot = if (requireNamespace("uwot", quietly = TRUE)) as.character(utils::packageVersion("uwot")) else NA,
    date = format(Sys.time(), "%Y-%m-%d %H:%M")
  )
}

# k processes spinning on the processors (`sh -c 'while :; do :; done'`),
# to measure on a busy machine; their process ids, for stop_busy().
start_busy <- function(k) {
  vapply(seq_len(k), function(i) {
    as.integer(system("sh -c 'while :; do :; done' > /dev/null 2>&1 & echo $!", intern = TRUE))
  }, integer(1))
}
stop_busy <- function(pids) for (p in pids) tools::pskill(p)
