#' A small Fashion-MNIST subset
#'
#' 3,000 images of clothing from Fashion-MNIST, 300 from each of its ten
#' classes: the first 300 of each class in the 60,000 training images, in
#' file order, interleaved by class (rows 1 to 10 hold one image of each
#' class, and so on). Each 28 x 28 greyscale image is one row of 784 pixel
#' intensities. Used by the examples and the "precomputed-knn" vignette;
#' `data-raw/fashion_mnist_small.R` in the package sources makes it.
#'
#' @format A list with three elements:
#' \describe{
#'   \item{`pixels`}{an integer matrix with 3,000 rows and 784 columns
#'     (`px001` to `px784`): pixel intensities from 0 (background) to 255,
#'     row by row of the 28 x 28 image (use e.g.
#'     `image(matrix(fmnist$pixels[1, ], 28)[, 28:1])` to draw one).}
#'   \item{`labels`}{a factor of length 3,000 with the ten classes as levels:
#'     T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker,
#'     Bag, Ankle boot.}
#'   \item{`index`}{an integer vector of length 3,000: the row of each image
#'     among the 60,000 training images of the original data.}
#' }
#' @source Zalando Research, Fashion-MNIST
#'   (<https://github.com/zalandoresearch/fashion-mnist>), MIT licence,
#'   Copyright (c) 2017 Zalando SE. Xiao, H., Rasul, K. and Vollgraf, R.
#'   (2017) Fashion-MNIST: a Novel Image Dataset for Benchmarking Machine
#'   Learning Algorithms. \doi{10.48550/arXiv.1708.07747}.
#' @examples
#' dim(fmnist$pixels)
#' table(fmnist$labels)
#' \donttest{
#' fit <- umap(fmnist$pixels, seed = 1, n_threads = 2)
#' plot(fit, labels = fmnist$labels)
#' }
"fmnist"
