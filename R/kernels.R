#' The kernels umapc runs
#'
#' umapc's inner loops (distances, blocked dot products, the layout's
#' gradient steps) come in two versions: portable C, which every processor
#' runs, and AVX2 versions for x86-64 processors that have AVX2. The AVX2
#' versions are faster; both give the same bits, so the choice never
#' changes a result (see the Reproducibility section of [umap()]).
#'
#' The choice follows `options(umapc.kernels = )`:
#' * `"auto"` (the default, also when the option is unset): AVX2 where the
#'   processor has it, else portable;
#' * `"portable"`: the portable kernels, everywhere;
#' * `"avx2"`: the AVX2 kernels; an error on processors (or builds) without
#'   them.
#'
#' Every call of [umap()], [nearest_neighbors()], [predict.umapc()] and
#' [umap_grid()] reads the option when it starts.
#'
#' @return `"avx2"` or `"portable"`: the kernels the next computation will
#'   run, with the option as it is now. Attribute `avx2_available`: whether
#'   this processor and build have the AVX2 kernels.
#' @seealso The Reproducibility section of [umap()].
#' @examples
#' umapc_kernels()
#' old <- options(umapc.kernels = "portable")
#' umapc_kernels()
#' X <- as.matrix(iris[, 1:4])
#' a <- nearest_neighbors(X, 10, seed = 1, n_threads = 1)
#' options(old)
#' b <- nearest_neighbors(X, 10, seed = 1, n_threads = 1)
#' identical(a, b) # TRUE: the same bits either way
#' @export
umapc_kernels <- function() {
  use_kernels()
}

# Applies options(umapc.kernels) before a computation; returns what
# umapc_kernels() returns.
use_kernels <- function() {
  want <- getOption("umapc.kernels", "auto")
  want <- check_choice(want, "getOption(\"umapc.kernels\")",
                       c("auto", "avx2", "portable"))
  avail <- isTRUE(attr(.Call(C_umapc_call_kernels, list(which = -1L)), "avx2_available"))
  if (want == "avx2" && !avail) {
    stop("`getOption(\"umapc.kernels\")` is \"avx2\", but this processor or build has no AVX2 kernels; use \"auto\" or \"portable\".",
         call. = FALSE)
  }
  .Call(C_umapc_call_kernels, list(which = if (want == "portable" || !avail) 0L else 1L))
}
