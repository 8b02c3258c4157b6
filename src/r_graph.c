/* .Call glue: the fuzzy simplicial set and the curve parameters. */
#include <string.h>

#include "core/abfit.h"
#include "core/graph.h"
#include "r_util.h"

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
 * fuzzy_graph(indices, distances, set_op_mix_ratio, local_connectivity,
 *             bandwidth, n_threads): indices/distances are R's n x k
 * matrices (1-based, self in column 1). Returns list(p, i, x).
 */
SEXP umapc_fuzzy_graph(SEXP s_idx, SEXP s_dist, SEXP s_mix, SEXP s_lc,
                       SEXP s_bw, SEXP s_threads) {
  const int n = Rf_nrows(s_idx), k = Rf_ncols(s_idx);
  const int n_threads = umapc_r_int(s_threads, "n_threads");
  const double mix = umapc_r_double(s_mix, "set_op_mix_ratio");
  const double lc = umapc_r_double(s_lc, "local_connectivity");
  const double bw = umapc_r_double(s_bw, "bandwidth");
  int *idx, status;
  double *dist, *rho, *sigma, *w;
  umapc_csr g;
  SEXP out, res, v;
  const char *names[] = {"p", "i", "x", "rho", "sigma", ""};

  if (TYPEOF(s_idx) != INTSXP || TYPEOF(s_dist) != REALSXP ||
      Rf_nrows(s_dist) != n || Rf_ncols(s_dist) != k)
    Rf_error("internal: malformed k-NN matrices");
  umapc_r_knn_rows(s_idx, s_dist, &idx, &dist);
  w = (double *)R_alloc((size_t)n * k, sizeof(double));
  rho = (double *)R_alloc((size_t)n, sizeof(double));
  sigma = (double *)R_alloc((size_t)n, sizeof(double));
  status = umapc_smooth_knn(dist, n, k, lc, bw, n_threads, rho, sigma);
  umapc_r_stop(status, "smooth k-NN distances");
  umapc_memberships(idx, dist, n, k, rho, sigma, 0, n_threads, w);
  status = umapc_fuzzy_union(idx, w, n, k, mix, n_threads, &g);
  umapc_r_stop(status, "fuzzy union");
  /* copying into R vectors may longjmp (out of memory): free g first */
  out = PROTECT(umapc_r_unwind_protect((SEXP(*)(void *))csr_to_list, &g,
                                       (void (*)(void *))umapc_csr_free, &g));
  umapc_csr_free(&g);
  res = PROTECT(Rf_mkNamed(VECSXP, names));
  SET_VECTOR_ELT(res, 0, VECTOR_ELT(out, 0));
  SET_VECTOR_ELT(res, 1, VECTOR_ELT(out, 1));
  SET_VECTOR_ELT(res, 2, VECTOR_ELT(out, 2));
  v = Rf_allocVector(REALSXP, n);
  SET_VECTOR_ELT(res, 3, v);
  memcpy(REAL(v), rho, (size_t)n * sizeof(double));
  v = Rf_allocVector(REALSXP, n);
  SET_VECTOR_ELT(res, 4, v);
  memcpy(REAL(v), sigma, (size_t)n * sizeof(double));
  UNPROTECT(2);
  return res;
}

SEXP umapc_find_ab_r(SEXP s_spread, SEXP s_min_dist) {
  double a = 0.0, b = 0.0;
  int status = umapc_find_ab(umapc_r_double(s_spread, "spread"),
                             umapc_r_double(s_min_dist, "min_dist"), &a, &b);
  SEXP out;
  umapc_r_stop(status, "fitting a and b");
  out = PROTECT(Rf_allocVector(REALSXP, 2));
  REAL(out)[0] = a;
  REAL(out)[1] = b;
  UNPROTECT(1);
  return out;
}
