#' The kernels umapc runs
#'
#' umapc's inner loops (distances, blocked dot products, the layout's
#' gradient steps) come in three versions: portable C, which every processor
#' runs; AVX2 versions for x86-64 processors that have AVX2; and AVX-512,
#' the AVX2 set with the two-dimensional layout's update on sixteen lanes
#' instead of eight, for processors with AVX-512 (F, DQ, BW and VL). The
#' vector versions are faster; all give the same bits, so the choice never
#' changes a result (see the Reproducibility section of [umap()]).
#'
#' On Windows the package is built without the AVX2 and AVX-512 kernels:
#' 64-bit Windows aligns the stack to 16 bytes only, and GCC, the Rtools
#' compiler, may still store 32- and 64-byte vectors on it with instructions
#' that need them aligned, which crashes (GCC bug 54412). Windows runs the
#' portable kernels, with the same results.
#'
#' The choice follows `options(umapc.kernels = )`:
#' * `"auto"` (the default, also when the option is unset): the best this
#'   processor has (AVX-512, else AVX2, else portable);
#' * `"portable"`: the portable kernels, everywhere;
#' * `"avx2"`: the AVX2 kernels, also on a processor with AVX-512; an error
#'   on processors (or builds) without AVX2;
#' * `"avx512"`: the AVX-512 kernels; an error on processors (or builds)
#'   without them.
#'
#' Every call of [umap()], [nearest_neighbors()], [predict.umapc()] and
#' [umap_grid()] reads the option when it starts.
#'
#' @return `"avx512"`, `"avx2"` or `"portable"`: the kernels the next
#'   computation will run, with the option as it is now. Attributes
#'   `avx2_available` and `avx512_available`: whether this processor and
#'   build have the AVX2 and the AVX-512 kernels.
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
                       c("auto", "avx512", "avx2", "portable"))
  now <- .Call(C_umapc_call_kernels, list(which = -1L))
  avail <- c(avx2 = isTRUE(attr(now, "avx2_available")),
             avx512 = isTRUE(attr(now, "avx512_available")))
  if (want %in% names(avail) && !avail[[want]]) {
    stop(sprintf("`getOption(\"umapc.kernels\")` is \"%s\", but this processor or build has no %s kernels; use \"auto\"%s or \"portable\".",
                 want, if (want == "avx2") "AVX2" else "AVX-512",
                 if (want == "avx512" && avail[["avx2"]]) ", \"avx2\"" else ""),
         call. = FALSE)
  }
  which <- switch(want, portable = 0L, avx2 = 1L, avx512 = 2L, auto = 2L)
  .Call(C_umapc_call_kernels, list(which = which))
}
