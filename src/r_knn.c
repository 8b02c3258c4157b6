/* .Call glue: nearest-neighbour searches. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/knn.h"
#include "r_util.h"
#include "umapc.h"

/* Element `name` of list x, or R_NilValue. */
static SEXP list_elt(SEXP x, const char *name) {
  SEXP nm = Rf_getAttrib(x, R_NamesSymbol);
  R_xlen_t t;
  if (TYPEOF(nm) != STRSXP) return R_NilValue;
  for (t = 0; t < XLENGTH(x); t++)
    if (strcmp(CHAR(STRING_ELT(nm, t)), name) == 0) return VECTOR_ELT(x, t);
  return R_NilValue;
}

/* The compact copy kept by a model (a "umapc_rows" list, see
 * umapc_call_data_rows()), rebuilt bit for bit. */
static int data_from_rows_sexp(SEXP X, int metric, umapc_data *d) {
  SEXP rows = list_elt(X, "rows"), dim = list_elt(X, "dim"),
       mname = list_elt(X, "metric"), scale = list_elt(X, "scale"),
       center = list_elt(X, "center"), zero = list_elt(X, "zero"),
       cnt = list_elt(X, "cnt");
  int n, dd;
  if (TYPEOF(rows) != INTSXP || TYPEOF(dim) != INTSXP || Rf_length(dim) != 2 ||
      TYPEOF(mname) != STRSXP || Rf_length(mname) != 1 ||
      TYPEOF(scale) != REALSXP || Rf_length(scale) != 1 ||
      (center != R_NilValue && TYPEOF(center) != REALSXP) ||
      (zero != R_NilValue && TYPEOF(zero) != RAWSXP) ||
      (cnt != R_NilValue && TYPEOF(cnt) != INTSXP))
    umapc_r_internal("knn", "malformed umapc_rows");
  n = INTEGER(dim)[0];
  dd = INTEGER(dim)[1];
  if (strcmp(CHAR(STRING_ELT(mname, 0)), umapc_metric_name(metric)) != 0 ||
      n < 1 || dd < 1 || XLENGTH(rows) != (R_xlen_t)n * dd ||
      (center != R_NilValue && Rf_length(center) != dd) ||
      (zero != R_NilValue && Rf_length(zero) != n) ||
      (cnt != R_NilValue && Rf_length(cnt) != n))
    umapc_r_internal("knn", "umapc_rows do not match the metric or their size");
  /* the floats travel as the bits of R integers (same size and byte order) */
  return umapc_data_from_rows(
      (const float *)(const void *)INTEGER(rows), n, dd, metric, REAL(scale)[0],
      center == R_NilValue ? NULL : REAL(center),
      zero == R_NilValue ? NULL : RAW(zero),
      cnt == R_NilValue ? NULL : (const float *)(const void *)INTEGER(cnt), d);
}

static int data_from_sexp_m(SEXP X, int metric, int n_threads,
                            umapc_data *d) {
  if (TYPEOF(X) == VECSXP && Rf_inherits(X, "umapc_rows"))
    return data_from_rows_sexp(X, metric, d);
  if (Rf_isMatrix(X) && TYPEOF(X) == REALSXP)
    return umapc_data_from_dense(REAL(X), Rf_nrows(X), Rf_ncols(X), metric,
                                 n_threads, d);
  if (TYPEOF(X) == VECSXP && Rf_length(X) == 4) {
    SEXP p = VECTOR_ELT(X, 0), i = VECTOR_ELT(X, 1), x = VECTOR_ELT(X, 2),
         dim = VECTOR_ELT(X, 3);
    if (TYPEOF(p) != INTSXP || TYPEOF(i) != INTSXP || TYPEOF(x) != REALSXP ||
        TYPEOF(dim) != INTSXP || Rf_length(dim) != 2)
      umapc_r_internal("knn", "malformed sparse matrix");
    return umapc_data_from_csc(INTEGER(p), INTEGER(i), REAL(x),
                               INTEGER(dim)[0], INTEGER(dim)[1], metric,
                               n_threads, d);
  }
  umapc_r_internal("knn", "X must be a double matrix or sparse slots");
  return UMAPC_ERR_INVALID;
}

/* Build the compact copy from a dense double matrix or a sparse
 * list(p, i, x, dim) (the slots of a dgCMatrix, i 0-based); minkowski's
 * exponent p is set on it. */
static int data_from_sexp(SEXP X, int metric, double p, int n_threads,
                          umapc_data *d) {
  int st = data_from_sexp_m(X, metric, n_threads, d);
  if (st == UMAPC_OK && metric == UMAPC_METRIC_MINKOWSKI) {
    st = umapc_data_set_p(d, p);
    if (st != UMAPC_OK) umapc_data_free(d);
  }
  return st;
}

/* Row-major core output -> R's column-major matrices (indices 1-based). */
static SEXP knn_result(const int *idx, const double *dist, int n, int k) {
  SEXP ri = PROTECT(Rf_allocMatrix(INTSXP, n, k));
  SEXP rd = PROTECT(Rf_allocMatrix(REALSXP, n, k));
  const char *names[] = {"indices", "distances", ""};
  SEXP out = PROTECT(Rf_mkNamed(VECSXP, names));
  int *pi = INTEGER(ri), i, t;
  double *pd = REAL(rd);
  for (t = 0; t < k; t++)
    for (i = 0; i < n; i++) {
      pi[(size_t)t * n + i] = idx[(size_t)i * k + t] + 1;
      pd[(size_t)t * n + i] = dist[(size_t)i * k + t];
    }
  SET_VECTOR_ELT(out, 0, ri);
  SET_VECTOR_ELT(out, 1, rd);
  UNPROTECT(3);
  return out;
}

/* A search's malloc'd row-major result, moved into R by knn_result_take() */
typedef struct {
  int *idx;
  double *dist;
  int n, k;
} knn_rows;

static SEXP knn_rows_list(void *data) {
  const knn_rows *r = (const knn_rows *)data;
  return knn_result(r->idx, r->dist, r->n, r->k);
}

static void knn_rows_free(void *data) {
  knn_rows *r = (knn_rows *)data;
  free(r->idx);
  free(r->dist);
  r->idx = NULL;
  r->dist = NULL;
}

/* knn_result() of malloc'd rows, which are freed here on every path (an
 * allocation failure in R included): not left to R's garbage collector
 * (180 MB at a million rows and k = 15) */
static SEXP knn_result_take(knn_rows *r) {
  return umapc_r_take(knn_rows_list, knn_rows_free, r);
}

/*
 * knn(X, query, params): neighbours of every row of X (query NULL: self
 * first), or of the rows of `query` (a double matrix) among X's, exactly.
 * params: list(k, metric, method ("exact" or "nndescent"), seed, n_threads,
 * verbose, n_trees, leaf_size, n_iters, max_candidates, delta); the last
 * five tune NN-descent (0: the default).
 */
SEXP umapc_call_knn(SEXP X, SEXP query, SEXP s_params) {
  static const char *const methods[] = {"exact", "nndescent", NULL};
  umapc_r_params pl = umapc_r_params_open(s_params, "knn");
  const int k = umapc_r_param_int(&pl, "k");
  const int metric = umapc_r_param_metric(&pl, "metric");
  const double mp = umapc_r_param_double(&pl, "metric_p");
  const int nndescent = umapc_r_param_choice(&pl, "method", methods) == 1;
  const uint64_t seed = umapc_r_param_seed(&pl, "seed");
  const int n_threads = umapc_r_param_int(&pl, "n_threads");
  const int verbose = umapc_r_param_int(&pl, "verbose");
  umapc_nnd_params nnd;
  umapc_data ref, qd;
  knn_rows res;
  int status, nq;

  nnd.n_trees = umapc_r_param_int(&pl, "n_trees");
  nnd.leaf_size = umapc_r_param_int(&pl, "leaf_size");
  nnd.n_iters = umapc_r_param_int(&pl, "n_iters");
  nnd.max_candidates = umapc_r_param_int(&pl, "max_candidates");
  nnd.delta = umapc_r_param_double(&pl, "delta");
  umapc_r_params_close(&pl);

  if (query != R_NilValue &&
      (!Rf_isMatrix(query) || TYPEOF(query) != REALSXP))
    umapc_r_internal("knn", "malformed query");
  status = data_from_sexp(X, metric, mp, n_threads, &ref);
  umapc_r_stop(status, "preparing the data");
  nq = query == R_NilValue ? ref.n : Rf_nrows(query);
  if (query != R_NilValue) {
    if (Rf_ncols(query) != ref.d) {
      umapc_data_free(&ref);
      umapc_r_internal("knn", "query has the wrong number of columns");
    }
    status = umapc_data_like(&ref, REAL(query), Rf_nrows(query), n_threads, &qd);
    if (status != UMAPC_OK) {
      umapc_data_free(&ref);
      umapc_r_stop(status, "preparing the query data");
    }
  }
  /* the result, malloc'd: from here to knn_result_take() no R call is
   * made, and that frees it whatever happens */
  res.n = nq;
  res.k = k;
  res.idx = (int *)malloc((size_t)nq * k * sizeof(int) + 1);
  res.dist = (double *)malloc((size_t)nq * k * sizeof(double) + 1);
  if (res.idx == NULL || res.dist == NULL) {
    status = UMAPC_ERR_NOMEM;
  } else if (nndescent && query == R_NilValue) {
    status = umapc_knn_nndescent(&ref, k, &nnd, seed, n_threads,
                                 &umapc_r_interrupt, umapc_r_progress(verbose),
                                 res.idx, res.dist);
  } else {
    status = umapc_knn_exact(&ref, query == R_NilValue ? NULL : &qd, k,
                             n_threads, &umapc_r_interrupt,
                             umapc_r_progress(verbose), res.idx, res.dist);
  }
  umapc_data_free(&ref);
  if (query != R_NilValue) umapc_data_free(&qd);
  umapc_r_stop_releasing(status, "nearest neighbour search", knn_rows_free,
                         &res);
  return knn_result_take(&res);
}

/*
 * knn_query(X, query, graph, params): approximate neighbours of the rows of
 * `query` (double matrix) among the rows of X by searching X's k-NN graph
 * (`graph`: n x K integer matrix, 1-based). params: list(k, metric, seed,
 * n_threads).
 */
SEXP umapc_call_knn_query(SEXP X, SEXP query, SEXP s_graph, SEXP s_params) {
  umapc_r_params pl = umapc_r_params_open(s_params, "knn_query");
  const int k = umapc_r_param_int(&pl, "k");
  const int metric = umapc_r_param_metric(&pl, "metric");
  const double mp = umapc_r_param_double(&pl, "metric_p");
  const uint64_t seed = umapc_r_param_seed(&pl, "seed");
  const int n_threads = umapc_r_param_int(&pl, "n_threads");
  int nq, nr, K, *idx, *gidx, status;
  double *dist;
  uint64_t *keys;
  umapc_data ref, qd;
  umapc_r_params_close(&pl);
  if (!Rf_isMatrix(query) || TYPEOF(query) != REALSXP || !Rf_isMatrix(s_graph) ||
      TYPEOF(s_graph) != INTSXP)
    umapc_r_internal("knn_query", "malformed query arguments");
  nq = Rf_nrows(query);
  nr = Rf_nrows(s_graph);
  K = Rf_ncols(s_graph);
  idx = (int *)R_alloc((size_t)nq * k, sizeof(int));
  dist = (double *)R_alloc((size_t)nq * k, sizeof(double));
  umapc_r_knn_rows(s_graph, R_NilValue, &gidx, NULL);
  keys = umapc_r_row_keys(query);
  status = data_from_sexp(X, metric, mp, n_threads, &ref);
  umapc_r_stop(status, "preparing the data");
  if (ref.n != nr || Rf_ncols(query) != ref.d) {
    umapc_data_free(&ref);
    umapc_r_internal("knn_query", "graph or query does not match the data");
  }
  status = umapc_data_like(&ref, REAL(query), nq, n_threads, &qd);
  if (status != UMAPC_OK) {
    umapc_data_free(&ref);
    umapc_r_stop(status, "preparing the query data");
  }
  status = umapc_knn_query(&ref, &qd, gidx, K, k, keys, seed, n_threads,
                           &umapc_r_interrupt, idx, dist);
  umapc_data_free(&ref);
  umapc_data_free(&qd);
  umapc_r_stop(status, "nearest neighbour search of new rows");
  return knn_result(idx, dist, nq, k);
}

/* knn_dist(d, params): neighbours from a `dist` object's values.
 * params: list(k, n_threads). */
SEXP umapc_call_knn_dist(SEXP s_d, SEXP s_params) {
  umapc_r_params pl = umapc_r_params_open(s_params, "knn_dist");
  const int k = umapc_r_param_int(&pl, "k");
  const int n_threads = umapc_r_param_int(&pl, "n_threads");
  const double nd = (double)XLENGTH(s_d);
  const int n = (int)((1.0 + sqrt(1.0 + 8.0 * nd)) / 2.0 + 0.5);
  int *idx, status;
  double *dist;
  umapc_r_params_close(&pl);
  if (TYPEOF(s_d) != REALSXP || (double)n * (n - 1) / 2.0 != nd)
    umapc_r_internal("knn_dist", "malformed dist vector");
  idx = (int *)R_alloc((size_t)n * k, sizeof(int));
  dist = (double *)R_alloc((size_t)n * k, sizeof(double));
  status = umapc_knn_dist(REAL(s_d), n, k, n_threads, &umapc_r_interrupt, idx,
                          dist);
  umapc_r_stop(status, "nearest neighbours from distances");
  return knn_result(idx, dist, n, k);
}

/* The core's metric names in enum order (R's list of metrics). */
SEXP umapc_call_metric_names(void) {
  int n = 0, i;
  SEXP out;
  while (umapc_metric_name(n + 1) != NULL) n++;
  out = PROTECT(Rf_allocVector(STRSXP, n));
  for (i = 0; i < n; i++)
    SET_STRING_ELT(out, i, Rf_mkChar(umapc_metric_name(i + 1)));
  UNPROTECT(1);
  return out;
}

/* The copy's rows (an R vector) and other parts, moved into an R list by
 * umapc_r_take() (see umapc_call_data_rows()). */
typedef struct {
  SEXP rows;
  umapc_data parts;
} data_rows_ctx;

static SEXP data_rows_list(void *data) {
  const data_rows_ctx *c = (const data_rows_ctx *)data;
  const umapc_data *d = &c->parts;
  const char *names[] = {"rows", "dim", "metric", "scale", "center", "zero",
                         "cnt", ""};
  SEXP out = PROTECT(Rf_mkNamed(VECSXP, names));
  SEXP dim = Rf_allocVector(INTSXP, 2);
  SET_VECTOR_ELT(out, 0, c->rows);
  SET_VECTOR_ELT(out, 1, dim);
  INTEGER(dim)[0] = d->n;
  INTEGER(dim)[1] = d->d;
  SET_VECTOR_ELT(out, 2, Rf_mkString(umapc_metric_name(d->metric)));
  SET_VECTOR_ELT(out, 3, Rf_ScalarReal(d->scale));
  if (d->center != NULL) {
    SEXP v = Rf_allocVector(REALSXP, d->d);
    SET_VECTOR_ELT(out, 4, v);
    memcpy(REAL(v), d->center, (size_t)d->d * sizeof(double));
  }
  if (d->zero != NULL) {
    SEXP v = Rf_allocVector(RAWSXP, d->n);
    SET_VECTOR_ELT(out, 5, v);
    memcpy(RAW(v), d->zero, (size_t)d->n);
  }
  if (d->cnt != NULL) {
    SEXP v = Rf_allocVector(INTSXP, d->n);
    SET_VECTOR_ELT(out, 6, v);
    memcpy(INTEGER(v), d->cnt, (size_t)d->n * sizeof(float));
  }
  UNPROTECT(1);
  return out;
}

static void data_rows_free(void *data) {
  umapc_data_free(&((data_rows_ctx *)data)->parts);
}

/*
 * data_rows(X, params): the compact single-precision copy that searches
 * among the rows of X (a dense double matrix) work on, as the parts a
 * fitted model keeps for predict(): list(rows (the floats' bits, n * d,
 * row-major), dim, metric, scale, center, zero, cnt); knn() and
 * knn_query() take it, classed "umapc_rows", in place of X and rebuild
 * the same copy. The rows are written straight into their R vector.
 * params: list(metric, metric_p, n_threads).
 */
SEXP umapc_call_data_rows(SEXP X, SEXP s_params) {
  umapc_r_params pl = umapc_r_params_open(s_params, "data_rows");
  const int metric = umapc_r_param_metric(&pl, "metric");
  const int n_threads = umapc_r_param_int(&pl, "n_threads");
  data_rows_ctx c;
  SEXP out;
  int status;
  umapc_r_params_close(&pl);
  if (!Rf_isMatrix(X) || TYPEOF(X) != REALSXP)
    umapc_r_internal("data_rows", "X must be a double matrix");
  c.rows = PROTECT(Rf_allocVector(INTSXP, (R_xlen_t)Rf_nrows(X) * Rf_ncols(X)));
  /* the floats travel as the bits of R integers (same size and byte order) */
  status = umapc_data_rows_from_dense(REAL(X), Rf_nrows(X), Rf_ncols(X), metric,
                                      n_threads, (float *)(void *)INTEGER(c.rows),
                                      &c.parts);
  umapc_r_stop(status, "preparing the data");
  out = umapc_r_take(data_rows_list, data_rows_free, &c);
  UNPROTECT(1);
  return out;
}
