# densMAP on Fashion-MNIST (10,000 rows): how well the embedding keeps the
# data's local densities, and what it costs.
#
#   Rscript bench/densmap.R            (from the repository root; umapc
#                                       installed, or R_LIBS pointing to it)
#
# For umapc with and without densmap = TRUE (same seed, 2 threads, defaults
# otherwise: 700 and 500 epochs), the Pearson correlation of the log local
# radii, original against embedded (output_dens = TRUE: umap-learn's
# rad_orig / rad_emb definitions), 15-NN label accuracy, and the time of
# umap() without the extra radii of the embedding (timings["radii"], which
# only output_dens needs). Each fit runs twice, alternating, and the faster
# run counts (the machine is shared). Then, if umap-learn 0.5.7 is there
# (bench/umap_learn.R's settings), umap-learn's densmap = True and False on
# the same k-NN graph and initial layout (single-threaded: it is seeded).
# Writes bench/out/densmap.csv and bench/out/densmap.png.

suppressPackageStartupMessages(library(umapc))
source("tools/fmnist.R")
source("bench/umap_learn.R")
out_dir <- file.path("bench", "out")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

fm <- load_fmnist(10000L)
X <- fm$X
labels <- fm$labels
seed <- 1

accuracy15 <- function(emb) {
  knn <- nearest_neighbors(emb, n_neighbors = 16, method = "exact", n_threads = 2)
  lab <- as.integer(labels)
  nb <- matrix(lab[knn$indices[, -1]], nrow = nrow(emb))
  maj <- apply(nb, 1, function(r) which.max(tabulate(r, nbins = 10L)))
  mean(maj == lab)
}

fit_umapc <- function(densmap) {
  umap(X, densmap = densmap, output_dens = TRUE, seed = seed, n_threads = 2)
}
fits <- list(plain = NULL, densmap = NULL)
secs <- list(plain = Inf, densmap = Inf, plain_opt = Inf, densmap_opt = Inf)
for (rep in 1:2) {
  for (tag in c("plain", "densmap")) {
    f <- fit_umapc(tag == "densmap")
    tm <- f$timings
    total <- sum(tm) - tm[["radii"]]
    cat(sprintf("umapc %-8s run %d: %.2f s (%s)\n", tag, rep, total,
                paste(sprintf("%s %.2f", names(tm), tm), collapse = ", ")))
    if (total < secs[[tag]]) secs[[tag]] <- total
    if (tm[["optimize"]] < secs[[paste0(tag, "_opt")]]) secs[[paste0(tag, "_opt")]] <- tm[["optimize"]]
    if (is.null(fits[[tag]])) fits[[tag]] <- f
    else stopifnot(identical(fits[[tag]]$embedding, f$embedding))
  }
}

rows <- list()
add_row <- function(system, variant, emb, ro, re, seconds, opt_seconds = NA) {
  rows[[length(rows) + 1L]] <<- data.frame(
    system = system, variant = variant, epochs = NA_integer_,
    radii_cor = cor(ro, re, use = "complete.obs"),
    accuracy15 = accuracy15(emb), seconds = seconds,
    layout_seconds = opt_seconds)
}
for (tag in c("plain", "densmap")) {
  f <- fits[[tag]]
  add_row("umapc", tag, f$embedding, f$rad_orig, f$rad_emb, secs[[tag]],
          secs[[paste0(tag, "_opt")]])
  rows[[length(rows)]]$epochs <- f$n_epochs
}

# umap-learn on umapc's k-NN graph and initial layout
ul <- tryCatch({
  check_umap_learn()
  knn <- fits$plain$knn
  g <- umapc:::fuzzy_graph(knn, 1, 1, 2)
  init <- umapc:::initial_layout("spectral", "spectral", g,
                                 umapc:::prune_threshold(g, 500L, nrow(X)),
                                 2, NULL, seed, 2)
  dir <- tempfile("densmap_ul_")
  dir.create(dir)
  write.csv(data.frame(name = c("n", "k", "n_neighbors"),
                       value = c(nrow(X), ncol(knn$indices), 15)),
            file.path(dir, "params.csv"), row.names = FALSE, quote = FALSE)
  wb <- function(x, name, size = NA_integer_) {
    con <- file(file.path(dir, name), "wb")
    on.exit(close(con))
    writeBin(as.vector(x), con, size = size, endian = "little")
  }
  wb(knn$indices - 1L, "knn_idx", size = 4L)
  wb(knn$distances, "knn_dist")
  wb(range_scale_init(init), "init")
  out <- system2(Sys.getenv("UMAP_LEARN_PYTHON", "/usr/bin/python3"),
                 c("bench/densmap_umap_learn.py", dir, dir, seed),
                 stdout = TRUE, stderr = TRUE,
                 env = paste0("PYTHONPATH=", Sys.getenv("UMAP_LEARN_SRC", "/work/ext/umap-learn")))
  cat(out, sep = "\n")
  kv <- grep("^[a-z_]+=", out, value = TRUE)
  val <- setNames(sub("^[^=]*=", "", kv), sub("=.*", "", kv))
  rd <- function(name, len) readBin(file.path(dir, name), "double", n = len, endian = "little")
  n <- nrow(X)
  res <- list()
  for (tag in c("plain", "densmap")) {
    res[[tag]] <- list(embedding = matrix(rd(paste0(tag, "_embedding"), 2 * n), n, 2),
                       rad_orig = rd(paste0(tag, "_rad_orig"), n),
                       rad_emb = rd(paste0(tag, "_rad_emb"), n),
                       seconds = as.numeric(val[[paste0(tag, "_seconds")]]))
  }
  res
}, error = function(e) {
  message("umap-learn skipped: ", conditionMessage(e))
  NULL
})
if (!is.null(ul)) {
  for (tag in c("plain", "densmap")) {
    add_row("umap-learn 0.5.7", tag, ul[[tag]]$embedding, ul[[tag]]$rad_orig,
            ul[[tag]]$rad_emb, ul[[tag]]$seconds)
    rows[[length(rows)]]$epochs <- if (tag == "densmap") 700L else 500L
  }
  cat(sprintf("original log radii, umapc vs umap-learn (same k-NN): r = %.4f\n",
              cor(fits$plain$rad_orig, ul$plain$rad_orig)))
}

tab <- do.call(rbind, rows)
print(tab, digits = 4, row.names = FALSE)
ratio <- secs$densmap / secs$plain
cat(sprintf("\numapc densmap vs plain: radii correlation %.3f vs %.3f (+%.3f), time %.2fx (layout %.2fx)\n",
            tab$radii_cor[2], tab$radii_cor[1], tab$radii_cor[2] - tab$radii_cor[1],
            ratio, secs$densmap_opt / secs$plain_opt))
write.csv(tab, file.path(out_dir, "densmap.csv"), row.names = FALSE)

png(file.path(out_dir, "densmap.png"), width = 1500, height = 1000, res = 110)
op <- par(mfrow = c(2, 2), mar = c(3, 3, 2.5, 1), mgp = c(1.8, 0.6, 0))
cols <- grDevices::adjustcolor(grDevices::hcl.colors(10, "Dark 3"), 0.5)
for (tag in c("plain", "densmap")) {
  f <- fits[[tag]]
  cex <- 0.15 + 0.6 * (rank(f$rad_emb) / length(f$rad_emb))
  plot(f$embedding, pch = 16, cex = cex, col = cols[as.integer(labels)],
       xlab = "", ylab = "", axes = FALSE, frame.plot = TRUE,
       main = sprintf("umapc %s (points sized by embedded radius)", tag))
}
for (tag in c("plain", "densmap")) {
  f <- fits[[tag]]
  plot(f$rad_orig, f$rad_emb, pch = 16, cex = 0.3, col = cols[as.integer(labels)],
       xlab = "log radius, original", ylab = "log radius, embedded",
       main = sprintf("%s: r = %.3f", tag, cor(f$rad_orig, f$rad_emb)))
}
par(op)
invisible(dev.off())
