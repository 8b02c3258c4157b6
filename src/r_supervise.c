/* .Call glue: supervised UMAP's graph intersections. */
#include "core/supervise.h"
#include "r_util.h"
#include "umapc.h"

/* A read-only view of the graph list(p, i, x) (a symmetric dgCMatrix's
 * slots) as a umapc_csr, checked: rows of ascending, distinct, in-range
 * columns. */
static umapc_csr graph_view(SEXP graph) {
  umapc_csr g;
  SEXP p, i, x;
  if (TYPEOF(graph) != VECSXP || Rf_length(graph) != 3)
    Rf_error("internal: malformed graph");
  p = VECTOR_ELT(graph, 0);
  i = VECTOR_ELT(graph, 1);
  x = VECTOR_ELT(graph, 2);
  if (TYPEOF(p) != INTSXP || TYPEOF(i) != INTSXP || TYPEOF(x) != REALSXP ||
      Rf_length(i) != Rf_length(x) || Rf_length(p) < 1)
    Rf_error("internal: malformed graph");
  g.n = Rf_length(p) - 1;
  g.p = INTEGER(p);
  g.j = INTEGER(i);
  g.w = REAL(x);
  if (g.p[g.n] != Rf_length(i) || !umapc_csr_valid(&g))
    Rf_error("internal: malformed graph");
  return g;
}

/*
 * categorical_intersection(graph, labels, params): graph list(p, i, x),
 * labels an integer vector of length n (negative: unlabelled). params:
 * list(unknown_dist, far_dist). Returns list(p, i, x).
 */
SEXP umapc_call_categorical_intersection(SEXP s_graph, SEXP s_labels,
                                         SEXP s_params) {
  umapc_r_params pl = umapc_r_params_open(s_params, "categorical_intersection");
  const double unknown = umapc_r_param_double(&pl, "unknown_dist");
  const double far = umapc_r_param_double(&pl, "far_dist");
  umapc_csr g, out;
  int status;
  umapc_r_params_close(&pl);
  g = graph_view(s_graph);
  if (TYPEOF(s_labels) != INTSXP || Rf_length(s_labels) != g.n)
    Rf_error("internal: malformed labels");
  status = umapc_categorical_intersection(&g, INTEGER(s_labels), unknown, far,
                                          &out);
  umapc_r_stop(status, "categorical intersection");
  return umapc_r_csr_take(&out);
}

/*
 * general_intersection(graph, target_graph, params): the data's graph
 * intersected with the target's (both list(p, i, x) on the same vertices).
 * params: list(target_weight). Returns list(p, i, x).
 */
SEXP umapc_call_general_intersection(SEXP s_graph, SEXP s_target,
                                     SEXP s_params) {
  umapc_r_params pl = umapc_r_params_open(s_params, "general_intersection");
  const double weight = umapc_r_param_double(&pl, "target_weight");
  umapc_csr g1, g2, out;
  int status;
  umapc_r_params_close(&pl);
  g1 = graph_view(s_graph);
  g2 = graph_view(s_target);
  if (g1.n != g2.n) Rf_error("internal: graphs of different sizes");
  status = umapc_general_intersection(&g1, &g2, weight, &out);
  umapc_r_stop(status, "target graph intersection");
  return umapc_r_csr_take(&out);
}
