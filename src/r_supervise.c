/* .Call glue: supervised UMAP's graph intersections. */
#include <string.h>

#include "core/supervise.h"
#include "r_util.h"

/* A read-only view of a symmetric dgCMatrix's slots (p, i, x). */
static umapc_csr graph_view(SEXP p, SEXP i, SEXP x) {
  umapc_csr g;
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

/* csr -> list(p, i, x), the slots of a dgCMatrix (symmetric: CSR == CSC). */
static SEXP graph_list(void *data) {
  const umapc_csr *g = (const umapc_csr *)data;
  const int nnz = g->p[g->n];
  const char *names[] = {"p", "i", "x", ""};
  SEXP out = PROTECT(Rf_mkNamed(VECSXP, names));
  SET_VECTOR_ELT(out, 0, Rf_allocVector(INTSXP, (R_xlen_t)g->n + 1));
  memcpy(INTEGER(VECTOR_ELT(out, 0)), g->p, ((size_t)g->n + 1) * sizeof(int));
  SET_VECTOR_ELT(out, 1, Rf_allocVector(INTSXP, nnz));
  memcpy(INTEGER(VECTOR_ELT(out, 1)), g->j, (size_t)nnz * sizeof(int));
  SET_VECTOR_ELT(out, 2, Rf_allocVector(REALSXP, nnz));
  memcpy(REAL(VECTOR_ELT(out, 2)), g->w, (size_t)nnz * sizeof(double));
  UNPROTECT(1);
  return out;
}

static void free_graph(void *data) { umapc_csr_free((umapc_csr *)data); }

static SEXP return_graph(umapc_csr *g) {
  /* copying into R vectors may longjmp (out of memory): free g first */
  SEXP out = umapc_r_unwind_protect(graph_list, g, free_graph, g);
  umapc_csr_free(g);
  return out;
}

/* categorical_intersection(p, i, x, labels, unknown_dist, far_dist):
 * labels an integer vector of length n, negative for unknown. */
SEXP umapc_categorical_intersection_r(SEXP p, SEXP i, SEXP x, SEXP s_labels,
                                      SEXP s_unknown, SEXP s_far) {
  umapc_csr g = graph_view(p, i, x), out;
  int status;
  if (TYPEOF(s_labels) != INTSXP || Rf_length(s_labels) != g.n)
    Rf_error("internal: malformed labels");
  status = umapc_categorical_intersection(
      &g, INTEGER(s_labels), umapc_r_double(s_unknown, "unknown_dist"),
      umapc_r_double(s_far, "far_dist"), &out);
  umapc_r_stop(status, "categorical intersection");
  return return_graph(&out);
}

/* general_intersection(p1, i1, x1, p2, i2, x2, weight): the data graph
 * (1) intersected with the target graph (2). */
SEXP umapc_general_intersection_r(SEXP p1, SEXP i1, SEXP x1, SEXP p2, SEXP i2,
                                  SEXP x2, SEXP s_weight) {
  umapc_csr g1 = graph_view(p1, i1, x1), g2 = graph_view(p2, i2, x2), out;
  int status;
  if (g1.n != g2.n) Rf_error("internal: graphs of different sizes");
  status = umapc_general_intersection(
      &g1, &g2, umapc_r_double(s_weight, "target_weight"), &out);
  umapc_r_stop(status, "target graph intersection");
  return return_graph(&out);
}
