/* Registration of the .Call routines. */
#define R_NO_REMAP
#include <R.h>
#include <R_ext/Rdynload.h>
#include <Rinternals.h>

SEXP umapc_knn(SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP);
SEXP umapc_fuzzy_graph(SEXP, SEXP, SEXP, SEXP, SEXP, SEXP);
SEXP umapc_find_ab_r(SEXP, SEXP);
SEXP umapc_init_spectral(SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP);
SEXP umapc_init_pca(SEXP, SEXP, SEXP, SEXP);
SEXP umapc_init_random(SEXP, SEXP, SEXP);
SEXP umapc_optimize(SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP);
SEXP umapc_transform_r(SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP);
SEXP umapc_knn_query_r(SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP);
SEXP umapc_knn_dist_r(SEXP, SEXP, SEXP);
SEXP umapc_openmp_threads(void);
SEXP umapc_scan_values(SEXP);
SEXP umapc_knn_rows(SEXP, SEXP);
SEXP umapc_knn_adjacent_dup(SEXP);
SEXP umapc_kernels_r(SEXP);

/* the cast through void (*)(void) is the portable generic function type */
#define CALLDEF(name, n) {"C_" #name, (DL_FUNC)(void (*)(void))&name, n}

static const R_CallMethodDef call_methods[] = {
    CALLDEF(umapc_knn, 9),
    CALLDEF(umapc_fuzzy_graph, 6),
    CALLDEF(umapc_find_ab_r, 2),
    CALLDEF(umapc_init_spectral, 7),
    CALLDEF(umapc_init_pca, 4),
    CALLDEF(umapc_init_random, 3),
    CALLDEF(umapc_optimize, 9),
    CALLDEF(umapc_transform_r, 8),
    CALLDEF(umapc_knn_query_r, 7),
    CALLDEF(umapc_knn_dist_r, 3),
    CALLDEF(umapc_openmp_threads, 0),
    CALLDEF(umapc_scan_values, 1),
    CALLDEF(umapc_knn_rows, 2),
    CALLDEF(umapc_knn_adjacent_dup, 1),
    CALLDEF(umapc_kernels_r, 1),
    {NULL, NULL, 0}};

void R_init_umapc(DllInfo *dll) {
  R_registerRoutines(dll, NULL, call_methods, NULL, NULL);
  R_useDynamicSymbols(dll, FALSE);
  R_forceSymbols(dll, TRUE);
}
