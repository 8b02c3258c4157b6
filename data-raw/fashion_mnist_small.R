# Makes data/fmnist.rda: a small, class-stratified subset of Fashion-MNIST
# shipped with umapc for the examples and the "precomputed-knn" vignette.
#
# Source: the Debian package dataset-fashion-mnist (Zalando Research,
# Fashion-MNIST, MIT licence), read with tools/fmnist.R.
# Run from the package root:  Rscript data-raw/fashion_mnist_small.R
#
# Selection (deterministic, no random numbers): from the 60,000 training
# images, the first `per_class` images of each of the 10 classes, in file
# order; rows are then interleaved by class rank so that the first rows of
# the subset are balanced too.

source(file.path("tools", "fmnist.R"))

per_class <- 300L

d <- fmnist_dir()
X <- read_idx(file.path(d, "train-images-idx3-ubyte.gz"))
y <- read_idx(file.path(d, "train-labels-idx1-ubyte.gz"))
stopifnot(nrow(X) == 60000L, length(y) == 60000L)

# rank of each image within its class, in file order
rank_in_class <- ave(seq_along(y), y, FUN = seq_along)
keep <- which(rank_in_class <= per_class)
# order: by rank within class, then by class (0..9) -> classes interleaved
keep <- keep[order(rank_in_class[keep], y[keep])]
stopifnot(length(keep) == 10L * per_class)

pixels <- X[keep, , drop = FALSE]
storage.mode(pixels) <- "integer"          # 0..255, stored compactly
dimnames(pixels) <- list(NULL, sprintf("px%03d", seq_len(ncol(pixels))))

fmnist <- list(
  pixels = pixels,
  labels = factor(fmnist_classes[y[keep] + 1L], levels = fmnist_classes),
  index = as.integer(keep)                 # row in the 60,000 training images
)
stopifnot(all(table(fmnist$labels) == per_class))

save(fmnist, file = file.path("data", "fmnist.rda"), compress = "xz",
     compression_level = 9)
message(sprintf("data/fmnist.rda: %d rows x %d pixels, %.0f KB",
                nrow(pixels), ncol(pixels),
                file.size(file.path("data", "fmnist.rda")) / 1024))
