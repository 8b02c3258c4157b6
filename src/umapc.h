/*
 * The .Call entry points: the one list of them and their prototypes.
 *
 * Conventions (every entry point follows them; DESIGN.md has the rest of
 * the R-to-C contract):
 *  - the C name is umapc_call_<name>; it is registered as
 *    "C_umapc_call_<name>", and R calls it as .Call(C_umapc_call_<name>, ...);
 *  - it is defined in one of the glue files src/r_*.c, each of which
 *    includes this header, so the compiler checks every definition against
 *    the prototype generated here, and init.c builds its registration table
 *    from the same list (the argument counts cannot disagree);
 *  - data (matrices, the graph) are positional arguments; every scalar
 *    option comes in one named list, the last argument, read by name with
 *    the umapc_r_param_*() helpers of r_util.h;
 *  - to add one: a line X(name, number of arguments) in UMAPC_CALLS below,
 *    and its definition in an r_*.c file.
 */
#ifndef UMAPC_H
#define UMAPC_H

#define R_NO_REMAP
#include <Rinternals.h>

/* X(name, number of SEXP arguments) for each entry point. */
#define UMAPC_CALLS(X)        \
  X(knn, 3)                   \
  X(knn_query, 4)             \
  X(knn_dist, 2)              \
  X(data_rows, 2)             \
  X(metric_names, 0)          \
  X(fuzzy_graph, 3)           \
  X(find_ab, 1)               \
  X(init_spectral, 2)         \
  X(init_pca, 2)              \
  X(init_random, 1)           \
  X(optimize, 3)              \
  X(optimize_densmap, 4)      \
  X(local_radii, 4)           \
  X(transform, 5)             \
  X(openmp_threads, 0)        \
  X(scan_values, 1)           \
  X(knn_rows, 2)              \
  X(knn_adjacent_dup, 1)         \
  X(test_error, 1)               \
  X(pca, 2)                      \
  X(pca_project, 4)              \
  X(kernels, 1)                  \
  X(categorical_intersection, 3) \
  X(general_intersection, 3)

/* Parameter lists by number of arguments. */
#define UMAPC_SEXPS_0 void
#define UMAPC_SEXPS_1 SEXP
#define UMAPC_SEXPS_2 SEXP, SEXP
#define UMAPC_SEXPS_3 SEXP, SEXP, SEXP
#define UMAPC_SEXPS_4 SEXP, SEXP, SEXP, SEXP
#define UMAPC_SEXPS_5 SEXP, SEXP, SEXP, SEXP, SEXP
#define UMAPC_SEXPS_6 SEXP, SEXP, SEXP, SEXP, SEXP, SEXP
#define UMAPC_SEXPS_7 SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP
#define UMAPC_SEXPS_8 SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP
#define UMAPC_SEXPS_9 SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP, SEXP

/* SEXP umapc_call_<name>(SEXP, ...); for each entry point */
#define UMAPC_CALL_PROTOTYPE(name, n) SEXP umapc_call_##name(UMAPC_SEXPS_##n);
UMAPC_CALLS(UMAPC_CALL_PROTOTYPE)
#undef UMAPC_CALL_PROTOTYPE

#endif
