/* .Call glue: initial layouts and the SGD optimisation. */
#include <stdlib.h>
#include <string.h>

#include "core/densmap.h"
#include "core/graph.h"
#include "core/layout.h"
#include "core/rng.h"
#include "core/spectral.h"
#include "core/transform.h"
#include "r_util.h"
#include "umapc.h"

/* A read-only view of the graph list(p, i, x) (a symmetric dgCMatrix's
 * slots, as umapc_call_fuzzy_graph returns them) as a umapc_csr. */
static umapc_csr csr_view(SEXP graph) {
  umapc_csr g;
  SEXP p, i, x;
  if (TYPEOF(graph) != VECSXP || Rf_length(graph) != 3)
    umapc_r_internal("graph", "malformed graph");
  p = VECTOR_ELT(graph, 0);
  i = VECTOR_ELT(graph, 1);
  x = VECTOR_ELT(graph, 2);
  if (TYPEOF(p) != INTSXP || TYPEOF(i) != INTSXP || TYPEOF(x) != REALSXP ||
      Rf_length(i) != Rf_length(x) || Rf_length(p) < 1)
    umapc_r_internal("graph", "malformed graph");
  g.n = Rf_length(p) - 1;
  g.p = INTEGER(p);
  g.j = INTEGER(i);
  g.w = REAL(x);
  return g;
}

/* The optimiser's parameters, read from the list by the names of umap()'s
 * arguments: a, b, repulsion_strength, learning_rate, negative_sample_rate,
 * n_epochs and seed. */
static umapc_layout_params layout_params(umapc_r_params *pl, int dim,
                                         int stream) {
  umapc_layout_params par;
  memset(&par, 0, sizeof(par));
  par.dim = dim;
  par.a = umapc_r_param_double(pl, "a");
  par.b = umapc_r_param_double(pl, "b");
  par.gamma = umapc_r_param_double(pl, "repulsion_strength");
  par.alpha = umapc_r_param_double(pl, "learning_rate");
  par.negative_sample_rate = umapc_r_param_double(pl, "negative_sample_rate");
  par.n_epochs = umapc_r_param_int(pl, "n_epochs");
  par.seed = umapc_r_param_seed(pl, "seed");
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

static void rows_of_r_matrix(SEXP m, double *rm) {
  const int n = Rf_nrows(m), dim = Rf_ncols(m);
  const double *s = REAL(m);
  int i, c;
  for (c = 0; c < dim; c++)
    for (i = 0; i < n; i++) rm[(size_t)i * dim + c] = s[(size_t)c * n + i];
}

static double *from_r_matrix(SEXP m) {
  double *rm = (double *)R_alloc((size_t)Rf_nrows(m) * Rf_ncols(m),
                                 sizeof(double));
  rows_of_r_matrix(m, rm);
  return rm;
}

/*
 * The layouts of fits (n x dim doubles, 16 MB at a million rows) live in
 * malloc'd buffers, freed before the .Call returns, rather than R_alloc'd:
 * R_alloc memory stays as garbage until R's next collection, and the
 * layout allocates its own, larger buffers next. rows_alloc(): n x dim
 * doubles, or an R error (nothing to free yet); matrix_take(): the R matrix
 * of such a buffer, which it frees (umapc_r_take()).
 */
static double *rows_alloc(int n, int dim, const char *what) {
  double *rm = (double *)malloc((size_t)n * dim * sizeof(double) + 1);
  if (rm == NULL) umapc_r_stop(UMAPC_ERR_NOMEM, what);
  return rm;
}

typedef struct {
  double *rm;
  int n, dim;
} rows_ctx;

static SEXP rows_to_r(void *d) {
  const rows_ctx *c = (const rows_ctx *)d;
  return to_r_matrix(c->rm, c->n, c->dim);
}

static void rows_free(void *d) {
  rows_ctx *c = (rows_ctx *)d;
  free(c->rm);
  c->rm = NULL;
}

static SEXP matrix_take(rows_ctx *c) {
  return umapc_r_take(rows_to_r, rows_free, c);
}

/* init_spectral(graph, params) -> n x n_components matrix with attribute
 * "fallback" (TRUE when a random layout was used). params:
 * list(min_weight, n_components, seed, n_threads). */
SEXP umapc_call_init_spectral(SEXP s_graph, SEXP s_params) {
  umapc_r_params pl = umapc_r_params_open(s_params, "init_spectral");
  const double min_weight = umapc_r_param_double(&pl, "min_weight");
  const int dim = umapc_r_param_int(&pl, "n_components");
  const uint64_t seed = umapc_r_param_seed(&pl, "seed");
  const int n_threads = umapc_r_param_int(&pl, "n_threads");
  umapc_csr g;
  rows_ctx out;
  int fallback = 0, status;
  SEXP res;
  umapc_r_params_close(&pl);
  g = csr_view(s_graph);
  out.rm = rows_alloc(g.n, dim, "spectral initialisation");
  out.n = g.n;
  out.dim = dim;
  status = umapc_spectral_init(&g, min_weight, dim, seed, n_threads,
                               &umapc_r_interrupt, out.rm, &fallback);
  umapc_r_stop_releasing(status, "spectral initialisation", rows_free, &out);
  res = PROTECT(matrix_take(&out));
  Rf_setAttrib(res, Rf_install("fallback"), Rf_ScalarLogical(fallback));
  UNPROTECT(1);
  return res;
}

/* init_pca(X, params) -> n x n_components matrix. params:
 * list(n_components, seed, n_threads). */
SEXP umapc_call_init_pca(SEXP X, SEXP s_params) {
  umapc_r_params pl = umapc_r_params_open(s_params, "init_pca");
  const int dim = umapc_r_param_int(&pl, "n_components");
  const uint64_t seed = umapc_r_param_seed(&pl, "seed");
  const int n_threads = umapc_r_param_int(&pl, "n_threads");
  const int n = Rf_nrows(X), d = Rf_ncols(X);
  rows_ctx out;
  int status;
  umapc_r_params_close(&pl);
  if (TYPEOF(X) != REALSXP) umapc_r_internal("init_pca", "X must be double");
  out.rm = rows_alloc(n, dim, "PCA initialisation");
  out.n = n;
  out.dim = dim;
  status = umapc_pca_init(REAL(X), n, d, dim, seed, n_threads,
                          &umapc_r_interrupt, out.rm);
  umapc_r_stop_releasing(status, "PCA initialisation", rows_free, &out);
  return matrix_take(&out);
}

/* init_random(params) -> n x n_components, uniform in [-10, 10], as
 * umap-learn. params: list(n, n_components, seed). */
SEXP umapc_call_init_random(SEXP s_params) {
  umapc_r_params pl = umapc_r_params_open(s_params, "init_random");
  const int n = umapc_r_param_int(&pl, "n");
  const int dim = umapc_r_param_int(&pl, "n_components");
  const uint64_t key =
      umapc_rng_key(umapc_r_param_seed(&pl, "seed"), UMAPC_STREAM_INIT);
  SEXP out;
  double *o;
  int i, c;
  umapc_r_params_close(&pl);
  out = PROTECT(Rf_allocMatrix(REALSXP, n, dim));
  o = REAL(out);
  for (c = 0; c < dim; c++)
    for (i = 0; i < n; i++)
      o[(size_t)c * n + i] =
          -10.0 + 20.0 * umapc_rng_unif(umapc_rng_u64(key, (uint64_t)i,
                                                      (uint64_t)c + 1000003u));
  UNPROTECT(1);
  return out;
}

/* optimize() and optimize_densmap() (below) */
static SEXP optimize(SEXP init, SEXP s_graph, SEXP s_params, SEXP s_rad,
                     int densmap) {
  umapc_r_params pl = umapc_r_params_open(
      s_params, densmap ? "optimize_densmap" : "optimize");
  const int n = Rf_nrows(init), dim = Rf_ncols(init);
  const double min_weight = umapc_r_param_double(&pl, "min_weight");
  const umapc_layout_params par =
      layout_params(&pl, dim, UMAPC_STREAM_LAYOUT);
  const int n_threads = umapc_r_param_int(&pl, "n_threads");
  const int verbose = umapc_r_param_int(&pl, "verbose");
  umapc_densmap_params dp;
  umapc_csr g;
  rows_ctx emb;
  int status;
  memset(&dp, 0, sizeof(dp));
  if (densmap) {
    dp.lambda = umapc_r_param_double(&pl, "dens_lambda");
    dp.frac = umapc_r_param_double(&pl, "dens_frac");
    dp.var_shift = umapc_r_param_double(&pl, "dens_var_shift");
  }
  umapc_r_params_close(&pl);
  g = csr_view(s_graph);
  if (TYPEOF(init) != REALSXP || n != g.n)
    umapc_r_internal("optimize", "malformed layout arguments");
  if (densmap) {
    if (TYPEOF(s_rad) != REALSXP || Rf_length(s_rad) != n)
      umapc_r_internal("optimize_densmap", "malformed densMAP arguments");
    dp.rad_orig = REAL(s_rad);
  }
  emb.rm = rows_alloc(n, dim, "layout optimisation");
  emb.n = n;
  emb.dim = dim;
  rows_of_r_matrix(init, emb.rm);
  umapc_rescale_init(emb.rm, n, dim);
  status = umapc_layout_densmap(&g, min_weight, &par, densmap ? &dp : NULL,
                                n_threads, &umapc_r_interrupt,
                                umapc_r_progress(verbose), emb.rm);
  umapc_r_stop_releasing(status, "layout optimisation", rows_free, &emb);
  return matrix_take(&emb);
}

/*
 * optimize(init, graph, params): the layout, from `init` (n x dim) rescaled
 * per column to [0, 10] as umap-learn does. params: list(min_weight, a, b,
 * repulsion_strength, learning_rate, negative_sample_rate, n_epochs, seed,
 * n_threads, verbose).
 */
SEXP umapc_call_optimize(SEXP init, SEXP s_graph, SEXP s_params) {
  return optimize(init, s_graph, s_params, R_NilValue, 0);
}

/*
 * optimize_densmap(init, graph, params, rad_orig): optimize() with the
 * densMAP term; params also hold dens_lambda, dens_frac, dens_var_shift;
 * rad_orig: the data's n log radii (local_radii(..., squared = 1)).
 */
SEXP umapc_call_optimize_densmap(SEXP init, SEXP s_graph, SEXP s_params,
                                 SEXP s_rad) {
  return optimize(init, s_graph, s_params, s_rad, 1);
}

/*
 * local_radii(graph, indices, distances, params): the log local radii of
 * the graph's rows (densmap.h), from the k-NN lists it was built from (R's
 * n x k matrices, 1-based). NA where a row has no edge. params:
 * list(min_weight, squared).
 */
SEXP umapc_call_local_radii(SEXP s_graph, SEXP s_idx, SEXP s_dist,
                            SEXP s_params) {
  umapc_r_params pl = umapc_r_params_open(s_params, "local_radii");
  const double min_weight = umapc_r_param_double(&pl, "min_weight");
  const int squared = umapc_r_param_int(&pl, "squared");
  umapc_csr g;
  int k, *idx, status, r;
  double *dist, *rad;
  SEXP out;
  umapc_r_params_close(&pl);
  g = csr_view(s_graph);
  k = Rf_ncols(s_idx);
  if (TYPEOF(s_idx) != INTSXP || TYPEOF(s_dist) != REALSXP ||
      Rf_nrows(s_idx) != g.n || Rf_nrows(s_dist) != g.n ||
      Rf_ncols(s_dist) != k)
    umapc_r_internal("local_radii", "malformed k-NN matrices");
  umapc_r_knn_rows(s_idx, s_dist, &idx, &dist);
  out = PROTECT(Rf_allocVector(REALSXP, g.n));
  rad = REAL(out);
  status = umapc_local_radii(&g, min_weight, idx, dist, k, squared, rad);
  umapc_r_stop(status, "local radii");
  for (r = 0; r < g.n; r++)
    if (ISNAN(rad[r])) rad[r] = NA_REAL;
  UNPROTECT(1);
  return out;
}

/*
 * transform(indices, distances, embedding, newdata, params):
 * indices/distances n_new x k (1-based training rows), embedding
 * n_train x dim, newdata n_new x d (for the per-row keys). params:
 * list(a, b, repulsion_strength, learning_rate, negative_sample_rate,
 * n_epochs, local_connectivity, seed, n_threads, verbose).
 */
SEXP umapc_call_transform(SEXP s_idx, SEXP s_dist, SEXP s_emb, SEXP s_new,
                          SEXP s_params) {
  umapc_r_params pl = umapc_r_params_open(s_params, "transform");
  const int n = Rf_nrows(s_idx), k = Rf_ncols(s_idx);
  const int n_tail = Rf_nrows(s_emb), dim = Rf_ncols(s_emb);
  const umapc_layout_params par =
      layout_params(&pl, dim, UMAPC_STREAM_TRANSFORM);
  const double lc = umapc_r_param_double(&pl, "local_connectivity");
  const int n_threads = umapc_r_param_int(&pl, "n_threads");
  const int verbose = umapc_r_param_int(&pl, "verbose");
  int *idx, status;
  double *dist, *tail, *out;
  uint64_t *keys;
  umapc_r_params_close(&pl);
  if (TYPEOF(s_idx) != INTSXP || TYPEOF(s_dist) != REALSXP ||
      TYPEOF(s_emb) != REALSXP || TYPEOF(s_new) != REALSXP ||
      Rf_nrows(s_dist) != n || Rf_ncols(s_dist) != k || Rf_nrows(s_new) != n)
    umapc_r_internal("transform", "malformed transform arguments");
  out = (double *)R_alloc((size_t)n * dim, sizeof(double));
  umapc_r_knn_rows(s_idx, s_dist, &idx, &dist);
  tail = from_r_matrix(s_emb);
  keys = umapc_r_row_keys(s_new);
  status = umapc_transform(idx, dist, n, k, tail, n_tail, keys, lc, &par,
                           n_threads, &umapc_r_interrupt,
                           umapc_r_progress(verbose), out);
  umapc_r_stop(status, "embedding new points");
  return to_r_matrix(out, n, dim);
}
