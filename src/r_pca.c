/* .Call glue: PCA before the neighbour search (umap(X, pca = k)). */
#include "core/pca.h"
#include "r_util.h"
#include "umapc.h"

/* X: a double matrix, or the sparse slots list(p, i, x, dim) (i 0-based) */
static umapc_pca_input pca_input(SEXP X) {
  umapc_pca_input in;
  in.dense = NULL;
  in.p = in.i = NULL;
  in.x = NULL;
  if (Rf_isMatrix(X) && TYPEOF(X) == REALSXP) {
    in.n = Rf_nrows(X);
    in.d = Rf_ncols(X);
    in.dense = REAL(X);
    return in;
  }
  if (TYPEOF(X) == VECSXP && Rf_length(X) == 4) {
    SEXP p = VECTOR_ELT(X, 0), i = VECTOR_ELT(X, 1), x = VECTOR_ELT(X, 2),
         dim = VECTOR_ELT(X, 3);
    if (TYPEOF(p) != INTSXP || TYPEOF(i) != INTSXP || TYPEOF(x) != REALSXP ||
        TYPEOF(dim) != INTSXP || Rf_length(dim) != 2 ||
        Rf_length(p) != INTEGER(dim)[1] + 1 ||
        Rf_length(i) != Rf_length(x) ||
        INTEGER(p)[INTEGER(dim)[1]] != Rf_length(x))
      Rf_error("internal: malformed sparse matrix");
    in.n = INTEGER(dim)[0];
    in.d = INTEGER(dim)[1];
    in.p = INTEGER(p);
    in.i = INTEGER(i);
    in.x = REAL(x);
    return in;
  }
  Rf_error("internal: X must be a double matrix or sparse slots");
  return in;
}

/* pca(X, params) -> list(center, rotation, sdev, x, converged). params:
 * list(k, seed, n_threads). */
SEXP umapc_call_pca(SEXP X, SEXP s_params) {
  umapc_r_params pl = umapc_r_params_open(s_params, "pca");
  const int k = umapc_r_param_int(&pl, "k");
  const uint64_t seed = umapc_r_param_seed(&pl, "seed");
  const int n_threads = umapc_r_param_int(&pl, "n_threads");
  const char *names[] = {"center", "rotation", "sdev", "x", "converged", ""};
  umapc_pca_input in;
  SEXP res, center, rotation, sdev, scores;
  int status, converged = 0;
  umapc_r_params_close(&pl);
  in = pca_input(X);
  if (k < 1 || k > in.d) Rf_error("internal: k out of range");
  res = PROTECT(Rf_mkNamed(VECSXP, names));
  center = Rf_allocVector(REALSXP, in.d);
  SET_VECTOR_ELT(res, 0, center);
  rotation = Rf_allocMatrix(REALSXP, in.d, k);
  SET_VECTOR_ELT(res, 1, rotation);
  sdev = Rf_allocVector(REALSXP, k);
  SET_VECTOR_ELT(res, 2, sdev);
  scores = Rf_allocMatrix(REALSXP, in.n, k);
  SET_VECTOR_ELT(res, 3, scores);
  status = umapc_pca_fit(&in, k, seed, n_threads, &umapc_r_interrupt,
                         REAL(center), REAL(rotation), REAL(sdev),
                         REAL(scores), &converged);
  umapc_r_stop(status, "PCA");
  SET_VECTOR_ELT(res, 4, Rf_ScalarLogical(converged));
  UNPROTECT(1);
  return res;
}

/* pca_project(X, center, rotation, params) -> n x k scores. params:
 * list(n_threads). */
SEXP umapc_call_pca_project(SEXP X, SEXP s_center, SEXP s_rotation,
                            SEXP s_params) {
  umapc_r_params pl = umapc_r_params_open(s_params, "pca_project");
  const int n_threads = umapc_r_param_int(&pl, "n_threads");
  umapc_pca_input in;
  SEXP out;
  int status, k;
  umapc_r_params_close(&pl);
  in = pca_input(X);
  if (TYPEOF(s_center) != REALSXP || Rf_length(s_center) != in.d ||
      TYPEOF(s_rotation) != REALSXP || !Rf_isMatrix(s_rotation) ||
      Rf_nrows(s_rotation) != in.d)
    Rf_error("internal: center or rotation does not match X");
  k = Rf_ncols(s_rotation);
  out = PROTECT(Rf_allocMatrix(REALSXP, in.n, k));
  status = umapc_pca_project(&in, k, REAL(s_center), REAL(s_rotation),
                             n_threads, REAL(out));
  umapc_r_stop(status, "PCA projection");
  UNPROTECT(1);
  return out;
}
