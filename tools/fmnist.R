# Read Fashion-MNIST from the Debian package dataset-fashion-mnist
# (idx format, gzip-compressed). Used by the demo and the benchmarks.
fmnist_dir <- function() {
  d <- Sys.getenv("FMNIST_DIR", "/usr/share/datasets/fashion-mnist")
  if (!file.exists(file.path(d, "train-images-idx3-ubyte.gz"))) {
    stop("Fashion-MNIST not found in ", d,
         ": install the Debian package dataset-fashion-mnist or set FMNIST_DIR.",
         call. = FALSE)
  }
  d
}

read_idx <- function(path) {
  con <- gzfile(path, "rb")
  on.exit(close(con))
  magic <- readBin(con, "integer", n = 1, size = 4, endian = "big")
  ndim <- magic %% 256
  dims <- readBin(con, "integer", n = ndim, size = 4, endian = "big")
  x <- readBin(con, "integer", n = prod(dims), size = 1, signed = FALSE)
  if (ndim == 1) return(x)
  # idx is row-major: one image after another
  matrix(as.double(x), nrow = dims[1], ncol = prod(dims[-1]), byrow = TRUE)
}

fmnist_classes <- c("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")

# All 70,000 rows (training set first, then the test set), with labels.
load_fmnist <- function(n = 70000L) {
  d <- fmnist_dir()
  X <- rbind(read_idx(file.path(d, "train-images-idx3-ubyte.gz")),
             read_idx(file.path(d, "t10k-images-idx3-ubyte.gz")))
  y <- c(read_idx(file.path(d, "train-labels-idx1-ubyte.gz")),
         read_idx(file.path(d, "t10k-labels-idx1-ubyte.gz")))
  n <- min(n, nrow(X))
  list(X = X[seq_len(n), , drop = FALSE],
       labels = factor(fmnist_classes[y[seq_len(n)] + 1L], levels = fmnist_classes))
}
