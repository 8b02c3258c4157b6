/* .Call glue: the fuzzy simplicial set and the curve parameters. */
#include <string.h>

#include "core/abfit.h"
#include "core/graph.h"
#include "r_util.h"
#include "umapc.h"

/* What fuzzy_graph() returns: the graph's slots and, when `smoothing`, each
 * row's rho and sigma. */
typedef struct {
  umapc_csr g;
  const double *rho, *sigma;
  int smoothing;
} graph_result;

static SEXP graph_result_list(void *data) {
  graph_result *r = (graph_result *)data;
  const int n = r->g.n;
  const char *names[] = {"p", "i", "x", "rho", "sigma", ""};
  SEXP out, slots;
  if (!r->smoothing) names[3] = "";
  out = PROTECT(Rf_mkNamed(VECSXP, names));
  slots = PROTECT(umapc_r_csr_move(&r->g));
  SET_VECTOR_ELT(out, 0, VECTOR_ELT(slots, 0));
  SET_VECTOR_ELT(out, 1, VECTOR_ELT(slots, 1));
  SET_VECTOR_ELT(out, 2, VECTOR_ELT(slots, 2));
  if (r->smoothing) {
    SET_VECTOR_ELT(out, 3, Rf_allocVector(REALSXP, n));
    memcpy(REAL(VECTOR_ELT(out, 3)), r->rho, (size_t)n * sizeof(double));
    SET_VECTOR_ELT(out, 4, Rf_allocVector(REALSXP, n));
    memcpy(REAL(VECTOR_ELT(out, 4)), r->sigma, (size_t)n * sizeof(double));
  }
  UNPROTECT(2);
  return out;
}

static void graph_result_free(void *data) {
  umapc_csr_free(&((graph_result *)data)->g);
}

/*
 * fuzzy_graph(indices, distances, params): indices/distances are R's n x k
 * matrices (1-based, self in column 1). params: list(set_op_mix_ratio,
 * local_connectivity, n_threads, smoothing). Returns list(p, i, x), and
 * rho and sigma (n each) when `smoothing`.
 */
SEXP umapc_call_fuzzy_graph(SEXP s_idx, SEXP s_dist, SEXP s_params) {
  umapc_r_params pl = umapc_r_params_open(s_params, "fuzzy_graph");
  umapc_graph_params gp;
  const int n_threads = umapc_r_param_int(&pl, "n_threads");
  const int smoothing = umapc_r_param_int(&pl, "smoothing");
  const int n = Rf_nrows(s_idx), k = Rf_ncols(s_idx);
  int *idx, status;
  double *dist, *rho = NULL, *sigma = NULL;
  graph_result res;

  gp.set_op_mix_ratio = umapc_r_param_double(&pl, "set_op_mix_ratio");
  gp.local_connectivity = umapc_r_param_double(&pl, "local_connectivity");
  gp.bipartite = 0;
  umapc_r_params_close(&pl);
  if (TYPEOF(s_idx) != INTSXP || TYPEOF(s_dist) != REALSXP ||
      Rf_nrows(s_dist) != n || Rf_ncols(s_dist) != k)
    umapc_r_internal("fuzzy_graph", "malformed k-NN matrices");
  if (smoothing) {
    rho = (double *)R_alloc((size_t)n + 1, sizeof(double));
    sigma = (double *)R_alloc((size_t)n + 1, sizeof(double));
  }
  /* row-major copies of the k-NN, which the core frees as soon as it has
   * read them (no R call may come between) */
  status = umapc_r_knn_rows_take(s_idx, s_dist, &idx, &dist);
  if (status == UMAPC_OK)
    status = umapc_fuzzy_graph_take(idx, dist, n, k, n, &gp, n_threads, rho,
                                    sigma, &res.g);
  umapc_r_stop(status, "fuzzy simplicial set");
  res.rho = rho;
  res.sigma = sigma;
  res.smoothing = smoothing != 0;
  /* copying into R vectors may longjmp (out of memory): umapc_r_take()
   * frees the graph then too */
  return umapc_r_take(graph_result_list, graph_result_free, &res);
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
