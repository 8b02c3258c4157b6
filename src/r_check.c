/*
 * Input checks that R would do in several passes over large matrices (each
 * allocating a logical matrix), done here in one pass each. Only the
 * detection lives here: the R code builds the error messages, and runs
 * only when something is wrong.
 */
#include <math.h>

#include "r_util.h"
#include "umapc.h"

/* c(code, max_abs) for a double vector: code 0 if every value is finite,
 * 1 if there is an NA or NaN, 2 if there is an infinite value (and no NA);
 * max_abs the largest absolute value (0 when code != 0). */
SEXP umapc_call_scan_values(SEXP x) {
  const double *v;
  R_xlen_t i, len;
  double hi = 0.0;
  int code = 0;
  SEXP out;
  if (TYPEOF(x) != REALSXP)
    umapc_r_internal("scan_values", "a double vector is needed");
  v = REAL(x);
  len = XLENGTH(x);
  for (i = 0; i < len; i++) {
    const double a = fabs(v[i]);
    /* NaN fails every comparison: the loop stays branch-light */
    if (a > hi) hi = a;
    if (!(a <= hi)) break;
  }
  if (i < len || ISNAN(hi) || !R_FINITE(hi)) {
    /* something is not finite: classify it */
    for (i = 0; i < len; i++) {
      if (ISNAN(v[i])) {
        code = 1;
        break;
      }
      if (!R_FINITE(v[i])) code = 2;
    }
    if (code == 0) code = 2;
    hi = 0.0;
  }
  out = PROTECT(Rf_allocVector(REALSXP, 2));
  REAL(out)[0] = code;
  REAL(out)[1] = hi;
  UNPROTECT(1);
  return out;
}

/*
 * What knn_normalise() (R/knn_convert.R) needs to know about a validated
 * n x m neighbour matrix pair (integer indices in 1..n, finite distances
 * >= 0), column by column so memory is read in order:
 *   dup_self: first row listing itself more than once (1-based), or 0;
 *   any_self: whether any row lists itself;
 *   bad:      rows to normalise: with self listed somewhere, a row must
 *             have it first at distance 0 and the rest in (distance, index)
 *             order; with self nowhere (the self-excluded format, where
 *             self will be prepended), the row must be in that order.
 */
SEXP umapc_call_knn_rows(SEXP s_idx, SEXP s_dist) {
  const int *idx;
  const double *dist;
  int n, m, i, j, dup_self = 0, any_self = 0, first;
  int *n_self, *bad;
  SEXP out, s_bad;
  if (TYPEOF(s_idx) != INTSXP || TYPEOF(s_dist) != REALSXP ||
      !Rf_isMatrix(s_idx) || !Rf_isMatrix(s_dist))
    umapc_r_internal("knn_rows", "integer and double matrices are needed");
  n = Rf_nrows(s_idx);
  m = Rf_ncols(s_idx);
  if (Rf_nrows(s_dist) != n || Rf_ncols(s_dist) != m)
    umapc_r_internal("knn_rows", "index and distance matrices differ in shape");
  idx = INTEGER(s_idx);
  dist = REAL(s_dist);
  s_bad = PROTECT(Rf_allocVector(LGLSXP, n));
  bad = LOGICAL(s_bad);
  n_self = (int *)R_alloc((size_t)n + 1, sizeof(int));
  for (i = 0; i < n; i++) n_self[i] = 0;
  for (j = 0; j < m; j++) {
    const int *col = idx + (size_t)j * n;
    for (i = 0; i < n; i++) n_self[i] += col[i] == i + 1;
  }
  for (i = 0; i < n; i++) {
    if (n_self[i] > 1 && dup_self == 0) dup_self = i + 1;
    any_self |= n_self[i] > 0;
  }
  if (any_self) {
    for (i = 0; i < n; i++)
      bad[i] = n_self[i] == 0 || idx[i] != i + 1 || dist[i] != 0.0;
    first = 1; /* neighbours start in the second column */
  } else {
    for (i = 0; i < n; i++) bad[i] = 0;
    first = 0;
  }
  for (j = first; j + 1 < m; j++) {
    const int *ia = idx + (size_t)j * n, *ib = ia + n;
    const double *da = dist + (size_t)j * n, *db = da + n;
    for (i = 0; i < n; i++)
      bad[i] |= da[i] > db[i] || (da[i] == db[i] && ia[i] > ib[i]);
  }
  {
    const char *names[] = {"dup_self", "any_self", "bad", ""};
    out = PROTECT(Rf_mkNamed(VECSXP, names));
  }
  SET_VECTOR_ELT(out, 0, Rf_ScalarInteger(dup_self));
  SET_VECTOR_ELT(out, 1, Rf_ScalarLogical(any_self));
  SET_VECTOR_ELT(out, 2, s_bad);
  UNPROTECT(2);
  return out;
}

/* The first neighbour listed twice side by side in a sorted n x m index
 * matrix, looking at columns 2..m (1-based): c(row, column) of the first
 * of the pair, by column then row, or c(0, 0). */
SEXP umapc_call_knn_adjacent_dup(SEXP s_idx) {
  const int *idx;
  int n, m, i, j, row = 0, colm = 0;
  SEXP out;
  if (TYPEOF(s_idx) != INTSXP || !Rf_isMatrix(s_idx))
    umapc_r_internal("knn_adjacent_dup", "an integer matrix is needed");
  n = Rf_nrows(s_idx);
  m = Rf_ncols(s_idx);
  idx = INTEGER(s_idx);
  for (j = 1; j + 1 < m && row == 0; j++) {
    const int *a = idx + (size_t)j * n, *b = a + n;
    for (i = 0; i < n; i++)
      if (a[i] == b[i]) {
        row = i + 1;
        colm = j + 1;
        break;
      }
  }
  out = PROTECT(Rf_allocVector(INTSXP, 2));
  INTEGER(out)[0] = row;
  INTEGER(out)[1] = colm;
  UNPROTECT(1);
  return out;
}
