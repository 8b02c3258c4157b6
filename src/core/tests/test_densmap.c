/*
 * densMAP: the local radii (densmap.c) and the layout with the density term
 * (umapc_layout_densmap()): bit-identical for any number of threads and for
 * the portable vector and scalar kernels (where neither contracts to FMA),
 * the same as the plain layout when the term is off, and a higher
 * correlation of log radii than the plain layout on two clusters of very
 * different densities.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "abfit.h"
#include "data.h"
#include "densmap.h"
#include "graph.h"
#include "kernels.h"
#include "knn.h"
#include "layout.h"
#include "rng.h"
#include "testutil.h"

enum { N = 600, D = 4, K = 10 };

/* Column-major N x D: a tight cluster (sd 0.2) and a loose one (sd 2). */
static double *two_densities(uint64_t seed) {
  const uint64_t key = umapc_rng_key(seed, 91);
  double *X = (double *)malloc((size_t)N * D * sizeof(double));
  int i, j;
  for (i = 0; i < N; i++)
    for (j = 0; j < D; j++)
      X[(size_t)j * N + i] =
          (i % 2 ? 0.2 : 2.0) * umapc_rng_normal(key, (uint64_t)i, (uint64_t)j) +
          (i % 2 ? 10.0 : -10.0);
  return X;
}

static double pearson(const double *x, const double *y, int n) {
  double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;
  int i;
  for (i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  for (i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  return sxy / sqrt(sxx * syy);
}

/* Exact k-NN and fuzzy graph of X (n x d, column-major, row-major out). */
static int graph_of(const double *X, int n, int d, int *idx, double *dist,
                    umapc_csr *g) {
  umapc_data dat;
  double *rho = (double *)malloc((size_t)n * sizeof(double));
  double *sigma = (double *)malloc((size_t)n * sizeof(double));
  double *w = (double *)malloc((size_t)n * K * sizeof(double));
  int st = umapc_data_from_dense(X, n, d, UMAPC_METRIC_EUCLIDEAN, 1, &dat);
  if (st == UMAPC_OK)
    st = umapc_knn_exact(&dat, NULL, K, 2, NULL, NULL, idx, dist);
  if (st == UMAPC_OK) st = umapc_smooth_knn(dist, n, K, 1.0, 1, rho, sigma);
  if (st == UMAPC_OK) {
    umapc_memberships(idx, dist, n, K, rho, sigma, 0, 1, w);
    st = umapc_fuzzy_union(idx, w, n, K, 1.0, 1, g);
  }
  umapc_data_free(&dat);
  free(rho);
  free(sigma);
  free(w);
  return st;
}

/* The embedding's log radii as umap-learn computes them (its own k-NN and
 * graph, plain distances), for emb (n x 2, row-major). */
static void emb_radii(const double *emb, int n, double *rad) {
  double *cm = (double *)malloc((size_t)n * 2 * sizeof(double));
  int *idx = (int *)malloc((size_t)n * K * sizeof(int));
  double *dist = (double *)malloc((size_t)n * K * sizeof(double));
  umapc_csr g = {0, NULL, NULL, NULL};
  int i;
  for (i = 0; i < n; i++) {
    cm[i] = emb[2 * i];
    cm[n + i] = emb[2 * i + 1];
  }
  CHECK(graph_of(cm, n, 2, idx, dist, &g) == UMAPC_OK);
  CHECK(umapc_local_radii(&g, 0.0, idx, dist, K, 0, rad) == UMAPC_OK);
  umapc_csr_free(&g);
  free(cm);
  free(idx);
  free(dist);
}

static void test_radii(void) {
  /* a path 0 - 1 - 2 with k-NN lists that disagree on the length of (1, 2):
   * the larger one counts; vertex 3 has no edge */
  int p[5] = {0, 1, 3, 4, 4}, j[4] = {1, 0, 2, 1};
  double w[4] = {1.0, 1.0, 0.5, 0.5};
  umapc_csr g;
  int idx[8] = {0, 1, 1, 2, 2, 1, 3, -1};
  double dist[8] = {0, 2, 0, 1, 0, 3, 0, 0}, rad[4];
  g.n = 4;
  g.p = p;
  g.j = j;
  g.w = w;
  CHECK(umapc_local_radii(&g, 0.0, idx, dist, 2, 1, rad) == UMAPC_OK);
  CHECK(fabs(rad[0] - log(1e-8 + 4.0)) < 1e-12);
  CHECK(fabs(rad[1] - log(1e-8 + (1.0 * 4.0 + 0.5 * 9.0) / 1.5)) < 1e-12);
  CHECK(fabs(rad[2] - log(1e-8 + 9.0)) < 1e-12);
  CHECK(isnan(rad[3]));
  /* not squared; and edges below min_weight left out */
  CHECK(umapc_local_radii(&g, 0.75, idx, dist, 2, 0, rad) == UMAPC_OK);
  CHECK(fabs(rad[1] - log(1e-8 + 2.0)) < 1e-12);
  CHECK(isnan(rad[2]));
}

static void test_layout_densmap(void) {
  double *X = two_densities(3);
  int *idx = (int *)malloc((size_t)N * K * sizeof(int));
  double *dist = (double *)malloc((size_t)N * K * sizeof(double));
  double *ro = (double *)malloc(N * sizeof(double));
  double *re = (double *)malloc(N * sizeof(double));
  double *e0 = (double *)malloc(N * 2 * sizeof(double));
  double *e1 = (double *)malloc(N * 2 * sizeof(double));
  double *e2 = (double *)malloc(N * 2 * sizeof(double));
  double *f3 = (double *)malloc(N * 3 * sizeof(double));
  double *f1 = (double *)malloc(N * 3 * sizeof(double));
  const uint64_t key = umapc_rng_key(4, UMAPC_STREAM_INIT);
  umapc_csr g = {0, NULL, NULL, NULL};
  umapc_layout_params par;
  umapc_densmap_params dp;
  double wmax = 0.0, c_plain, c_dens;
  int i, t;

  CHECK(graph_of(X, N, D, idx, dist, &g) == UMAPC_OK);
  for (i = 0; i < g.p[N]; i++)
    if (g.w[i] > wmax) wmax = g.w[i];
  CHECK(umapc_local_radii(&g, wmax / 200, idx, dist, K, 1, ro) == UMAPC_OK);
  for (i = 0; i < N; i++) CHECK(isfinite(ro[i]));
  for (i = 0; i < N * 2; i++) e0[i] = 10.0 * umapc_rng_unif(umapc_rng_u64(key, i, 0));
  memset(&par, 0, sizeof(par));
  par.dim = 2;
  par.n_epochs = 200;
  CHECK(umapc_find_ab(1.0, 0.1, &par.a, &par.b) == UMAPC_OK);
  par.gamma = 1.0;
  par.alpha = 1.0;
  par.negative_sample_rate = 5.0;
  par.seed = 77;
  par.stream = UMAPC_STREAM_LAYOUT;
  dp.lambda = 2.0;
  dp.frac = 0.3;
  dp.var_shift = 0.1;
  dp.rad_orig = ro;

  /* plain, then densMAP: the densMAP layout follows the radii better */
  memcpy(e1, e0, N * 2 * sizeof(double));
  CHECK(umapc_layout(&g, wmax / 200, &par, 2, NULL, NULL, e1) == UMAPC_OK);
  emb_radii(e1, N, re);
  c_plain = pearson(ro, re, N);
  /* lambda = 0: exactly the plain layout */
  dp.lambda = 0.0;
  memcpy(e2, e0, N * 2 * sizeof(double));
  CHECK(umapc_layout_densmap(&g, wmax / 200, &par, &dp, 2, NULL, NULL, e2) ==
        UMAPC_OK);
  CHECK(memcmp(e1, e2, N * 2 * sizeof(double)) == 0);
  dp.lambda = 2.0;
  memcpy(e1, e0, N * 2 * sizeof(double));
  CHECK(umapc_layout_densmap(&g, wmax / 200, &par, &dp, 1, NULL, NULL, e1) ==
        UMAPC_OK);
  CHECK(all_finite(e1, N * 2));
  emb_radii(e1, N, re);
  c_dens = pearson(ro, re, N);
  fprintf(stderr, "radii correlation: plain %.3f, densMAP %.3f\n", c_plain,
          c_dens);
  CHECK(c_dens > c_plain + 0.1);
  CHECK(c_dens > 0.5);
  /* any number of threads: the same bits */
  for (t = 2; t <= 3; t++) {
    memcpy(e2, e0, N * 2 * sizeof(double));
    CHECK(umapc_layout_densmap(&g, wmax / 200, &par, &dp, t, NULL, NULL, e2) ==
          UMAPC_OK);
    CHECK(memcmp(e1, e2, N * 2 * sizeof(double)) == 0);
  }
  /* the portable eight-lane kernel and the scalar code agree */
  {
    int old;
    par.n_epochs = 20;
    dp.frac = 1.0;
    memcpy(e1, e0, N * 2 * sizeof(double));
    memcpy(e2, e0, N * 2 * sizeof(double));
    old = umapc_layout_set_kernels(1);
    CHECK(umapc_layout_densmap(&g, wmax / 200, &par, &dp, 2, NULL, NULL, e1) ==
          UMAPC_OK);
    umapc_layout_set_kernels(2);
    CHECK(umapc_layout_densmap(&g, wmax / 200, &par, &dp, 2, NULL, NULL, e2) ==
          UMAPC_OK);
    umapc_layout_set_kernels(old);
#if defined(__x86_64__) && !defined(__FMA__)
    CHECK(memcmp(e1, e2, N * 2 * sizeof(double)) == 0);
#endif
    for (i = 0; i < N * 2; i++) CHECK(fabs(e1[i] - e2[i]) < 1e-2);
    /* each vector kernel set this processor has (AVX-512: sixteen lanes)
     * gives the bits of the portable eight lanes */
    {
      const int prev = umapc_kernels_in_use();
      int kset;
      for (kset = UMAPC_KERNELS_PORTABLE; kset <= UMAPC_KERNELS_AVX512;
           kset++) {
        if (umapc_kernels_select(kset) != kset) continue; /* not here */
        memcpy(e2, e0, N * 2 * sizeof(double));
        CHECK(umapc_layout_densmap(&g, wmax / 200, &par, &dp, 2, NULL, NULL,
                                   e2) == UMAPC_OK);
        CHECK(memcmp(e1, e2, N * 2 * sizeof(double)) == 0);
      }
      umapc_kernels_select(prev);
    }
    /* and it changes the layout */
    memcpy(e2, e0, N * 2 * sizeof(double));
    CHECK(umapc_layout(&g, wmax / 200, &par, 2, NULL, NULL, e2) == UMAPC_OK);
    CHECK(memcmp(e1, e2, N * 2 * sizeof(double)) != 0);
  }
  /* three dimensions (the general code): 1 vs 3 threads */
  for (i = 0; i < N * 3; i++)
    f1[i] = f3[i] = 10.0 * umapc_rng_unif(umapc_rng_u64(key, i, 5));
  par.dim = 3;
  CHECK(umapc_layout_densmap(&g, wmax / 200, &par, &dp, 1, NULL, NULL, f1) ==
        UMAPC_OK);
  CHECK(umapc_layout_densmap(&g, wmax / 200, &par, &dp, 3, NULL, NULL, f3) ==
        UMAPC_OK);
  CHECK(all_finite(f1, N * 3));
  CHECK(memcmp(f1, f3, N * 3 * sizeof(double)) == 0);
  /* every point at the same place, and radii all equal: finite */
  par.dim = 2;
  for (i = 0; i < N * 2; i++) e1[i] = 5.0;
  CHECK(umapc_layout_densmap(&g, wmax / 200, &par, &dp, 2, NULL, NULL, e1) ==
        UMAPC_OK);
  CHECK(all_finite(e1, N * 2));
  for (i = 0; i < N; i++) ro[i] = 1.0;
  ro[0] = NAN;
  memcpy(e1, e0, N * 2 * sizeof(double));
  CHECK(umapc_layout_densmap(&g, wmax / 200, &par, &dp, 2, NULL, NULL, e1) ==
        UMAPC_OK);
  memcpy(e2, e0, N * 2 * sizeof(double));
  CHECK(umapc_layout(&g, wmax / 200, &par, 2, NULL, NULL, e2) == UMAPC_OK);
  CHECK(memcmp(e1, e2, N * 2 * sizeof(double)) == 0); /* no spread: no term */

  umapc_csr_free(&g);
  free(X);
  free(idx);
  free(dist);
  free(ro);
  free(re);
  free(e0);
  free(e1);
  free(e2);
  free(f1);
  free(f3);
}

int main(void) {
  test_radii();
  test_layout_densmap();
  TEST_DONE();
}
