#' umapc: Uniform Manifold Approximation and Projection in C
#'
#' UMAP for R with every numerical step in C behind registered `.Call`
#' routines. Compute the nearest neighbours once with [nearest_neighbors()],
#' reuse them across [umap()] calls, and reproduce any embedding bit for bit
#' from its seed, whatever the number of threads.
#'
#' Options: `umapc.n_threads` sets the default number of threads.
#'
#' @keywords internal
#' @useDynLib umapc, .registration = TRUE
"_PACKAGE"
