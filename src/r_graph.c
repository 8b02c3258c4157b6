/* .Call glue: the fuzzy simplicial set and the curve parameters. */
#include <string.h>

#include "core/abfit.h"
#include "core/graph.h"
#include "r_util.h"
#include "umapc.h"

/* csr -> list(p, i, x) as a dgCMatrix wants them (symmetric: CSR == CSC). */
static SEXP csr_to_list(const umapc_csr *g) {
  const int nnz = g->p[g->n];
  const char *names[] = {"p", "i", "x", ""};
  SEXP out = PROTECT(Rf_mkNamed(VECSXP, names));
  SEXP p = Rf_allocVector(INTSXP, (R_xlen_t)g->n + 1);
  SET_VECTOR_ELT(out, 0, p);
  memcpy(INTEGER(p), g->p, ((size_t)g->n + 1) * sizeof(int));
  SET_VECTOR_ELT(out, 1, Rf_allocVector(INTSXP, nnz));
  memcpy(INTEGER(VECTOR_ELT(out, 1)), g->j, (size_t)nnz * sizeof(int));
  SET_VECTOR_ELT(out, 2, Rf_allocVector(REALSXP, nnz));
  memcpy(REAL(VECTOR_ELT(out, 2)), g->w, (size_t)nnz * sizeof(double));
  UNPROTECT(1);
  return out;
}

/*
 * fuzzy_graph(indices, distances, params): indices/distances are R's n x k
 * matrices (1-based, self in column 1). params: list(set_op_mix_ratio,
 * local_connectivity, n_threads). Returns list(p, i, x).
 */
SEXP umapc_call_fuzzy_graph(SEXP s_idx, SEXP s_dist, SEXP s_params) {
  umapc_r_params pl = umapc_r_params_open(s_params, "fuzzy_graph");
  umapc_graph_params gp;
  const int n_threads = umapc_r_param_int(&pl, "n_threads");
  const int n = Rf_nrows(s_idx), k = Rf_ncols(s_idx);
  int *idx, status;
  double *dist;
  umapc_csr g;
  SEXP out;

  gp.set_op_mix_ratio = umapc_r_param_double(&pl, "set_op_mix_ratio");
  gp.local_connectivity = umapc_r_param_double(&pl, "local_connectivity");
  gp.bipartite = 0;
  umapc_r_params_close(&pl);
  if (TYPEOF(s_idx) != INTSXP || TYPEOF(s_dist) != REALSXP ||
      Rf_nrows(s_dist) != n || Rf_ncols(s_dist) != k)
    umapc_r_internal("fuzzy_graph", "malformed k-NN matrices");
  umapc_r_knn_rows(s_idx, s_dist, &idx, &dist);
  status = umapc_fuzzy_graph(idx, dist, n, k, n, &gp, n_threads, NULL, NULL,
                             &g);
  umapc_r_stop(status, "fuzzy simplicial set");
  /* copying into R vectors may longjmp (out of memory): free g first */
  out = umapc_r_unwind_protect((SEXP(*)(void *))csr_to_list, &g,
                               (void (*)(void *))umapc_csr_free, &g);
  umapc_csr_free(&g);
  return out;
}

/* find_ab(params): c(a, b) for params list(spread, min_dist). */
SEXP umapc_call_find_ab(SEXP s_params) {
  umapc_r_params pl = umapc_r_params_open(s_params, "find_ab");
  const double spread = umapc_r_param_double(&pl, "spread");
  const double min_dist = umapc_r_param_double(&pl, "min_dist");
  double a = 0.0, b = 0.0;
  int status;
  SEXP out;
  umapc_r_params_close(&pl);
  status = umapc_find_ab(spread, min_dist, &a, &b);
  umapc_r_stop(status, "fitting a and b");
  out = PROTECT(Rf_allocVector(REALSXP, 2));
  REAL(out)[0] = a;
  REAL(out)[1] = b;
  UNPROTECT(1);
  return out;
}
