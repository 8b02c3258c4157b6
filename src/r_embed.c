/* .Call glue: initial layouts and the SGD optimisation. */
#include "core/densmap.h"
#include "core/graph.h"
#include "core/layout.h"
#include "core/rng.h"
#include "core/spectral.h"
#include "core/transform.h"
#include "r_util.h"

/* A read-only view of a symmetric dgCMatrix's slots as a umapc_csr. */
static umapc_csr csr_view(SEXP p, SEXP i, SEXP x) {
  umapc_csr g;
  if (TYPEOF(p) != INTSXP || TYPEOF(i) != INTSXP || TYPEOF(x) != REALSXP ||
      Rf_length(i) != Rf_length(x) || Rf_length(p) < 1)
    Rf_error("internal: malformed graph");
  g.n = Rf_length(p) - 1;
  g.p = INTEGER(p);
  g.j = INTEGER(i);
  g.w = REAL(x);
  return g;
}

/* params: double(>= 6) a, b, gamma, alpha, negative_sample_rate, n_epochs */
static umapc_layout_params layout_params(SEXP s_par, int dim, SEXP s_seed,
                                         int stream) {
  const double *pp = REAL(s_par);
  umapc_layout_params par;
  par.dim = dim;
  par.a = pp[0];
  par.b = pp[1];
  par.gamma = pp[2];
  par.alpha = pp[3];
  par.negative_sample_rate = pp[4];
  par.n_epochs = (int)pp[5];
  par.seed = umapc_r_seed(s_seed);
  par.stream = stream;
  return par;
}

/* Row-major core layout <-> R's column-major n x dim matrix. */
static SEXP to_r_matrix(const double *rm, int n, int dim) {
  SEXP out = PROTECT(Rf_allocMatrix(REALSXP, n, dim));
  double *o = REAL(out);
  int i, c;
  for (c = 0; c < dim; c++)
    for (i = 0; i < n; i++) o[(size_t)c * n + i] = rm[(size_t)i * dim + c];
  UNPROTECT(1);
  return out;
}

static double *from_r_matrix(SEXP m) {
  const int n = Rf_nrows(m), dim = Rf_ncols(m);
  double *rm = (double *)R_alloc((size_t)n * dim, sizeof(double));
  const double *s = REAL(m);
  int i, c;
  for (c = 0; c < dim; c++)
    for (i = 0; i < n; i++) rm[(size_t)i * dim + c] = s[(size_t)c * n + i];
  return rm;
}

/* init_spectral(p, i, x, min_weight, dim, seed, n_threads) -> n x dim
 * matrix with attribute "fallback" (TRUE when a random layout was used). */
SEXP umapc_init_spectral(SEXP p, SEXP i, SEXP x, SEXP s_minw, SEXP s_dim,
                         SEXP s_seed, SEXP s_threads) {
  umapc_csr g = csr_view(p, i, x);
  const int dim = umapc_r_int(s_dim, "dim");
  double *out = (double *)R_alloc((size_t)g.n * dim, sizeof(double));
  int fallback = 0, status;
  SEXP res;
  status = umapc_spectral_init(&g, umapc_r_double(s_minw, "min_weight"), dim,
                               umapc_r_seed(s_seed),
                               umapc_r_int(s_threads, "n_threads"),
                               &umapc_r_interrupt, out, &fallback);
  umapc_r_stop(status, "spectral initialisation");
  res = PROTECT(to_r_matrix(out, g.n, dim));
  Rf_setAttrib(res, Rf_install("fallback"), Rf_ScalarLogical(fallback));
  UNPROTECT(1);
  return res;
}

/* init_pca(X, dim, seed, n_threads) -> n x dim matrix. */
SEXP umapc_init_pca(SEXP X, SEXP s_dim, SEXP s_seed, SEXP s_threads) {
  const int n = Rf_nrows(X), d = Rf_ncols(X), dim = umapc_r_int(s_dim, "dim");
  double *out;
  int status;
  if (TYPEOF(X) != REALSXP) Rf_error("internal: X must be double");
  out = (double *)R_alloc((size_t)n * dim, sizeof(double));
  status = umapc_pca_init(REAL(X), n, d, dim, umapc_r_seed(s_seed),
                          umapc_r_int(s_threads, "n_threads"),
                          &umapc_r_interrupt, out);
  umapc_r_stop(status, "PCA initialisation");
  return to_r_matrix(out, n, dim);
}

/* init_random(n, dim, seed) -> uniform in [-10, 10], as umap-learn. */
SEXP umapc_init_random(SEXP s_n, SEXP s_dim, SEXP s_seed) {
  const int n = umapc_r_int(s_n, "n"), dim = umapc_r_int(s_dim, "dim");
  const uint64_t key = umapc_rng_key(umapc_r_seed(s_seed), UMAPC_STREAM_INIT);
  SEXP out = PROTECT(Rf_allocMatrix(REALSXP, n, dim));
  double *o = REAL(out);
  int i, c;
  for (c = 0; c < dim; c++)
    for (i = 0; i < n; i++)
      o[(size_t)c * n + i] =
          -10.0 + 20.0 * umapc_rng_unif(umapc_rng_u64(key, (uint64_t)i,
                                                      (uint64_t)c + 1000003u));
  UNPROTECT(1);
  return out;
}

/*
 * layout(init, p, i, x, min_weight, params, seed, n_threads, verbose)
 *   params: double(7) a, b, gamma, alpha, negative_sample_rate, n_epochs,
 *   rescale (1: rescale init columns to [0, 10] first, as umap-learn).
 */
static SEXP optimize(SEXP init, SEXP p, SEXP i, SEXP x, SEXP s_minw,
                     SEXP s_par, SEXP s_seed, SEXP s_threads, SEXP s_verbose,
                     const umapc_densmap_params *dens) {
  umapc_csr g = csr_view(p, i, x);
  const int n = Rf_nrows(init), dim = Rf_ncols(init);
  const double *pp = REAL(s_par);
  umapc_layout_params par;
  double *emb;
  int status;
  if (TYPEOF(init) != REALSXP || n != g.n || Rf_length(s_par) != 7)
    Rf_error("internal: malformed layout arguments");
  emb = from_r_matrix(init);
  par = layout_params(s_par, dim, s_seed, UMAPC_STREAM_LAYOUT);
  if (pp[6] != 0.0) umapc_rescale_init(emb, n, dim);
  status = umapc_layout_densmap(
      &g, umapc_r_double(s_minw, "min_weight"), &par, dens,
      umapc_r_int(s_threads, "n_threads"), &umapc_r_interrupt,
      umapc_r_progress(umapc_r_int(s_verbose, "verbose")), emb);
  umapc_r_stop(status, "layout optimisation");
  return to_r_matrix(emb, n, dim);
}

SEXP umapc_optimize(SEXP init, SEXP p, SEXP i, SEXP x, SEXP s_minw,
                    SEXP s_par, SEXP s_seed, SEXP s_threads, SEXP s_verbose) {
  return optimize(init, p, i, x, s_minw, s_par, s_seed, s_threads, s_verbose,
                  NULL);
}

/*
 * optimize_densmap(init, p, i, x, min_weight, params, seed, n_threads,
 *                  verbose, dens, rad_orig): umapc_optimize() with the
 * densMAP term; dens: double(3) lambda, frac, var_shift; rad_orig: the
 * data's n log radii (local_radii(..., squared = TRUE)).
 */
SEXP umapc_optimize_densmap(SEXP init, SEXP p, SEXP i, SEXP x, SEXP s_minw,
                            SEXP s_par, SEXP s_seed, SEXP s_threads,
                            SEXP s_verbose, SEXP s_dens, SEXP s_rad) {
  umapc_densmap_params dp;
  if (TYPEOF(s_dens) != REALSXP || Rf_length(s_dens) != 3 ||
      TYPEOF(s_rad) != REALSXP || Rf_length(s_rad) != Rf_nrows(init))
    Rf_error("internal: malformed densMAP arguments");
  dp.lambda = REAL(s_dens)[0];
  dp.frac = REAL(s_dens)[1];
  dp.var_shift = REAL(s_dens)[2];
  dp.rad_orig = REAL(s_rad);
  return optimize(init, p, i, x, s_minw, s_par, s_seed, s_threads, s_verbose,
                  &dp);
}

/*
 * local_radii(p, i, x, min_weight, indices, distances, squared): the log
 * local radii of the graph's rows (densmap.h), from the k-NN lists it was
 * built from (R's n x k matrices, 1-based). NA where a row has no edge.
 */
SEXP umapc_local_radii_r(SEXP p, SEXP i, SEXP x, SEXP s_minw, SEXP s_idx,
                         SEXP s_dist, SEXP s_sq) {
  umapc_csr g = csr_view(p, i, x);
  const int k = Rf_ncols(s_idx);
  int *idx, status, r;
  double *dist, *rad;
  SEXP out;
  if (TYPEOF(s_idx) != INTSXP || TYPEOF(s_dist) != REALSXP ||
      Rf_nrows(s_idx) != g.n || Rf_nrows(s_dist) != g.n ||
      Rf_ncols(s_dist) != k)
    Rf_error("internal: malformed k-NN matrices");
  umapc_r_knn_rows(s_idx, s_dist, &idx, &dist);
  out = PROTECT(Rf_allocVector(REALSXP, g.n));
  rad = REAL(out);
  status = umapc_local_radii(&g, umapc_r_double(s_minw, "min_weight"), idx,
                             dist, k, umapc_r_int(s_sq, "squared"), rad);
  umapc_r_stop(status, "local radii");
  for (r = 0; r < g.n; r++)
    if (ISNAN(rad[r])) rad[r] = NA_REAL;
  UNPROTECT(1);
  return out;
}

/*
 * transform(indices, distances, embedding, newdata, params, seed, n_threads,
 *           verbose): indices/distances n_new x k (1-based training rows),
 * embedding n_train x dim, newdata n_new x d (for the per-row keys).
 * params: double(7) a, b, gamma, alpha, negative_sample_rate, n_epochs,
 * local_connectivity.
 */
SEXP umapc_transform_r(SEXP s_idx, SEXP s_dist, SEXP s_emb, SEXP s_new,
                       SEXP s_par, SEXP s_seed, SEXP s_threads,
                       SEXP s_verbose) {
  const int n = Rf_nrows(s_idx), k = Rf_ncols(s_idx);
  const int n_tail = Rf_nrows(s_emb), dim = Rf_ncols(s_emb);
  const double *pp;
  int *idx, status;
  double *dist, *tail, *out;
  uint64_t *keys;
  umapc_layout_params par;
  if (TYPEOF(s_idx) != INTSXP || TYPEOF(s_dist) != REALSXP ||
      TYPEOF(s_emb) != REALSXP || TYPEOF(s_new) != REALSXP ||
      Rf_nrows(s_dist) != n || Rf_ncols(s_dist) != k || Rf_nrows(s_new) != n ||
      TYPEOF(s_par) != REALSXP || Rf_length(s_par) != 7)
    Rf_error("internal: malformed transform arguments");
  pp = REAL(s_par);
  out = (double *)R_alloc((size_t)n * dim, sizeof(double));
  umapc_r_knn_rows(s_idx, s_dist, &idx, &dist);
  tail = from_r_matrix(s_emb);
  keys = umapc_r_row_keys(s_new);
  par = layout_params(s_par, dim, s_seed, UMAPC_STREAM_TRANSFORM);
  status = umapc_transform(idx, dist, n, k, tail, n_tail, keys, pp[6], &par,
                           umapc_r_int(s_threads, "n_threads"),
                           &umapc_r_interrupt,
                           umapc_r_progress(umapc_r_int(s_verbose, "verbose")),
                           out);
  umapc_r_stop(status, "embedding new points");
  return to_r_matrix(out, n, dim);
}
