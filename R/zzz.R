# Methods registered when the package is loaded, depending on what else is
# installed or loaded (see bioc.R and methods.R).
.onLoad <- function(libname, pkgname) {
  ns <- asNamespace(pkgname)
  # models saved by umapc 0.1.0 have class "umap": upgrade them on use, but
  # never replace the CRAN package umap's methods for its own class
  if (!"umap" %in% loadedNamespaces()) register_legacy_methods(ns)
  # Bioconductor containers, only when SummarizedExperiment is installed
  if (nzchar(system.file(package = "SummarizedExperiment"))) {
    registerS3method("umap", "SummarizedExperiment", umap_se, envir = ns)
    registerS3method("nearest_neighbors", "SummarizedExperiment",
                     nearest_neighbors_se, envir = ns)
  }
  invisible(NULL)
}
