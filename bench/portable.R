# The cost of the same bits everywhere, stage by stage: Fashion-MNIST
# (70,000 x 784), n_neighbors = 15, 2 threads, seed 1.
#   - umapc before the change (installed in $UMAPC_LIB_BEFORE),
#   - umapc after it, with the AVX2 kernels (the default here) and with the
#     portable ones (options(umapc.kernels = "portable"); the embeddings
#     must be identical),
#   - uwot end to end and the layout alone on umapc's k-NN and initial
#     layout, for the ratios of bench/speed.R.
# Run from the repository root, with umapc (after) and uwot on R_LIBS:
#   UMAPC_LIB_BEFORE=/path/to/lib Rscript bench/portable.R
source("bench/common.R")
before_lib <- Sys.getenv("UMAPC_LIB_BEFORE")
if (!nzchar(before_lib)) stop("set UMAPC_LIB_BEFORE to the library holding umapc before the change")
setup <- "fm <- load_fmnist(); X <- fm$X"
knn_file <- file.path(bench_out, "portable_knn.rds")
init_file <- file.path(bench_out, "portable_init.rds")

fit_code <- function(kernels, save = "") sprintf("
  options(umapc.kernels = %s)
  t <- system.time(fit <- umap(X, n_neighbors = 15, min_dist = 0.1, seed = 1, n_threads = 2))[['elapsed']]
  %s
  saveRDS(fit$embedding, file.path(bench_out, sprintf('portable_emb_%%s.rds', %s)))
  result <- list(seconds = t, stages = fit$timings)", deparse(kernels), save, deparse(kernels))

with_libs <- function(libs, expr) {
  old <- Sys.getenv("R_LIBS")
  Sys.setenv(R_LIBS = paste(c(libs, old[nzchar(old)]), collapse = ":"))
  on.exit(Sys.setenv(R_LIBS = old))
  expr
}

steps <- list(
  with_libs(before_lib, run_step("umapc before (AVX2/FMA)", fit_code("auto"), setup)),
  run_step("umapc after, AVX2 kernels", fit_code("auto", sprintf("
    saveRDS(fit$knn, %s)
    g <- umapc:::fuzzy_graph(fit$knn, 1, 1, 2L)
    saveRDS(umapc:::initial_layout(\"spectral\", NULL, g, max(g$x) / 200, 2L, NULL, 1, 2L), %s)", deparse(knn_file), deparse(init_file))),
    setup),
  run_step("umapc after, portable kernels", fit_code("portable"), setup),
  run_step("umapc after, layout (same knn + init)", sprintf("
    knn <- readRDS(%s); init <- readRDS(%s)
    t <- system.time(fit <- umap(NULL, knn = knn, init = init, seed = 1, n_threads = 2))[['elapsed']]
    result <- list(seconds = t, stages = fit$timings)", deparse(knn_file), deparse(init_file)), setup),
  run_step("uwot end to end", "
    t <- system.time(emb <- uwot::umap(X, n_neighbors = 15, min_dist = 0.1, n_threads = 2))[['elapsed']]
    result <- list(seconds = t)", setup),
  run_step("uwot layout (same knn + init)", sprintf("
    knn <- readRDS(%s); init <- readRDS(%s)
    t <- system.time(emb <- uwot::umap(X = NULL, nn_method = list(idx = knn$indices, dist = knn$distances),
                                       init = init, min_dist = 0.1, n_threads = 2,
                                       n_sgd_threads = 2))[['elapsed']]
    result <- list(seconds = t)", deparse(knn_file), deparse(init_file)), setup)
)
stage_names <- c("knn", "graph", "init", "optimize")
tab <- do.call(rbind, lapply(steps, function(s) {
  st <- if (is.null(s$stages)) rep(NA_real_, length(stage_names)) else
    unlist(s$stages)[stage_names]
  names(st) <- stage_names
  data.frame(step = s$step, seconds = round(s$seconds, 2), t(round(st, 2)),
             check.names = FALSE)
}))
print(machine_info())
print(tab, row.names = FALSE)
cat(sprintf("\nratios: end to end %.3f (AVX2) %.3f (portable) of uwot; layout %.3f of uwot's\n",
            tab$seconds[2] / tab$seconds[5], tab$seconds[3] / tab$seconds[5],
            tab$seconds[4] / tab$seconds[6]))
same <- identical(readRDS(file.path(bench_out, "portable_emb_auto.rds")),
                  readRDS(file.path(bench_out, "portable_emb_portable.rds")))
cat("AVX2 and portable kernels give identical embeddings:", same, "\n")
write.csv(tab, file.path(bench_out, "portable.csv"), row.names = FALSE)
