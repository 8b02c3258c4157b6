/* .Call glue: nearest-neighbour searches. */
#include <math.h>

#include "core/knn.h"
#include "r_util.h"

/* The metric: an integer code, or c(code, p) for minkowski. */
static int metric_from_sexp(SEXP s, double *p) {
  *p = 2.0;
  if (TYPEOF(s) == REALSXP && Rf_length(s) == 2) {
    *p = REAL(s)[1];
    return (int)REAL(s)[0];
  }
  return umapc_r_int(s, "metric");
}

static int data_from_sexp_m(SEXP X, int metric, int n_threads,
                            umapc_data *d) {
  if (Rf_isMatrix(X) && TYPEOF(X) == REALSXP)
    return umapc_data_from_dense(REAL(X), Rf_nrows(X), Rf_ncols(X), metric,
                                 n_threads, d);
  if (TYPEOF(X) == VECSXP && Rf_length(X) == 4) {
    SEXP p = VECTOR_ELT(X, 0), i = VECTOR_ELT(X, 1), x = VECTOR_ELT(X, 2),
         dim = VECTOR_ELT(X, 3);
    if (TYPEOF(p) != INTSXP || TYPEOF(i) != INTSXP || TYPEOF(x) != REALSXP ||
        TYPEOF(dim) != INTSXP || Rf_length(dim) != 2)
      Rf_error("internal: malformed sparse matrix");
    return umapc_data_from_csc(INTEGER(p), INTEGER(i), REAL(x),
                               INTEGER(dim)[0], INTEGER(dim)[1], metric,
                               n_threads, d);
  }
  Rf_error("internal: X must be a double matrix or sparse slots");
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

/*
 * knn(X, query, k, metric, method, seed, n_threads, verbose, params)
 *   method: 0 exact, 1 nndescent; query: NULL (self search) or a matrix;
 *   params: double(5) n_trees, leaf_size, n_iters, max_candidates, delta.
 */
SEXP umapc_knn(SEXP X, SEXP query, SEXP s_k, SEXP s_metric, SEXP s_method,
               SEXP s_seed, SEXP s_threads, SEXP s_verbose, SEXP s_params) {
  double mp;
  const int k = umapc_r_int(s_k, "k"), metric = metric_from_sexp(s_metric, &mp);
  const int method = umapc_r_int(s_method, "method");
  const int n_threads = umapc_r_int(s_threads, "n_threads");
  const int verbose = umapc_r_int(s_verbose, "verbose");
  const uint64_t seed = umapc_r_seed(s_seed);
  umapc_data ref, qd;
  int *idx = NULL, status, nq;
  double *dist = NULL;

  /* result buffers first: R_alloc memory is released by R on any exit,
   * and allocating it before the core's malloc'd copy means an R error
   * here cannot leak that copy */
  if (query != R_NilValue &&
      (!Rf_isMatrix(query) || TYPEOF(query) != REALSXP))
    Rf_error("internal: malformed query");
  nq = query == R_NilValue ? (Rf_isMatrix(X) ? Rf_nrows(X)
                                             : INTEGER(VECTOR_ELT(X, 3))[0])
                           : Rf_nrows(query);
  idx = (int *)R_alloc((size_t)nq * k, sizeof(int));
  dist = (double *)R_alloc((size_t)nq * k, sizeof(double));

  status = data_from_sexp(X, metric, mp, n_threads, &ref);
  umapc_r_stop(status, "preparing the data");
  if (query != R_NilValue) {
    if (Rf_ncols(query) != ref.d) {
      umapc_data_free(&ref);
      Rf_error("internal: query has the wrong number of columns");
    }
    status = umapc_data_like(&ref, REAL(query), Rf_nrows(query), n_threads, &qd);
    if (status != UMAPC_OK) {
      umapc_data_free(&ref);
      umapc_r_stop(status, "preparing the query data");
    }
  }
  if (method == 1 && query == R_NilValue) {
    umapc_nnd_params par;
    const double *pp = REAL(s_params);
    par.n_trees = (int)pp[0];
    par.leaf_size = (int)pp[1];
    par.n_iters = (int)pp[2];
    par.max_candidates = (int)pp[3];
    par.delta = pp[4];
    status = umapc_knn_nndescent(&ref, k, &par, seed, n_threads,
                                 &umapc_r_interrupt, umapc_r_progress(verbose),
                                 idx, dist);
  } else {
    status = umapc_knn_exact(&ref, query == R_NilValue ? NULL : &qd, k,
                             n_threads, &umapc_r_interrupt,
                             umapc_r_progress(verbose), idx, dist);
  }
  umapc_data_free(&ref);
  if (query != R_NilValue) umapc_data_free(&qd);
  umapc_r_stop(status, "nearest neighbour search");
  return knn_result(idx, dist, nq, k);
}

/*
 * knn_query(X, query, k, metric, graph, seed, n_threads): approximate
 * neighbours of the rows of `query` (double matrix) among the rows of X by
 * searching X's k-NN graph (`graph`: n x K integer matrix, 1-based).
 */
SEXP umapc_knn_query_r(SEXP X, SEXP query, SEXP s_k, SEXP s_metric,
                       SEXP s_graph, SEXP s_seed, SEXP s_threads) {
  double mp;
  const int k = umapc_r_int(s_k, "k"), metric = metric_from_sexp(s_metric, &mp);
  const int n_threads = umapc_r_int(s_threads, "n_threads");
  int nq, nr, K, *idx, *gidx, status;
  double *dist;
  uint64_t *keys;
  umapc_data ref, qd;
  if (!Rf_isMatrix(query) || TYPEOF(query) != REALSXP || !Rf_isMatrix(s_graph) ||
      TYPEOF(s_graph) != INTSXP)
    Rf_error("internal: malformed query arguments");
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
    Rf_error("internal: graph or query does not match the data");
  }
  status = umapc_data_like(&ref, REAL(query), nq, n_threads, &qd);
  if (status != UMAPC_OK) {
    umapc_data_free(&ref);
    umapc_r_stop(status, "preparing the query data");
  }
  status = umapc_knn_query(&ref, &qd, gidx, K, k, keys, umapc_r_seed(s_seed),
                           n_threads, &umapc_r_interrupt, idx, dist);
  umapc_data_free(&ref);
  umapc_data_free(&qd);
  umapc_r_stop(status, "nearest neighbour search of new rows");
  return knn_result(idx, dist, nq, k);
}

/* knn_dist(d, k, n_threads): neighbours from a `dist` object's values. */
SEXP umapc_knn_dist_r(SEXP s_d, SEXP s_k, SEXP s_threads) {
  const int k = umapc_r_int(s_k, "k");
  const double nd = (double)XLENGTH(s_d);
  const int n = (int)((1.0 + sqrt(1.0 + 8.0 * nd)) / 2.0 + 0.5);
  int *idx, status;
  double *dist;
  if (TYPEOF(s_d) != REALSXP || (double)n * (n - 1) / 2.0 != nd)
    Rf_error("internal: malformed dist vector");
  idx = (int *)R_alloc((size_t)n * k, sizeof(int));
  dist = (double *)R_alloc((size_t)n * k, sizeof(double));
  status = umapc_knn_dist(REAL(s_d), n, k, umapc_r_int(s_threads, "n_threads"),
                          &umapc_r_interrupt, idx, dist);
  umapc_r_stop(status, "nearest neighbours from distances");
  return knn_result(idx, dist, n, k);
}
