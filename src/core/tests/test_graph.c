/* Core tests (no R): smooth k-NN, memberships, fuzzy union/graph, a/b fit. */
#include <math.h>
#include <string.h>

#include "abfit.h"
#include "graph.h"
#include "testutil.h"

/* ---------------------------------------------------------------------- */
/* smooth k-NN distances                                                   */
/* ---------------------------------------------------------------------- */

static double psum_row(const double *d, int k, double rho, double sigma) {
  double s = 0.0;
  int t;
  for (t = 1; t < k; t++) {
    const double x = d[t] - rho;
    s += x > 0.0 ? exp(-x / sigma) : 1.0;
  }
  return s;
}

static void test_smooth_knn(void) {
  enum { N = 4, K = 6 };
  /* rows: self first at 0, ascending; row 1 has a duplicate (zero) neighbour */
  const double dist[N * K] = {0, 1.0, 1.5, 2.0, 3.0, 4.5,
                              0, 0.0, 0.7, 0.9, 2.5, 6.0,
                              0, 0.2, 0.21, 0.25, 0.3, 0.31,
                              0, 10.0, 20.0, 30.0, 40.0, 50.0};
  double rho[N], sigma[N], rho2[N], sigma2[N];
  const double target = log2((double)K);
  int i;

  CHECK(umapc_smooth_knn(dist, N, K, 1.0, 1, rho, sigma) == UMAPC_OK);
  for (i = 0; i < N; i++) {
    const double *d = dist + (size_t)i * K;
    int first = 1;
    while (d[first] == 0.0) first++;
    CHECK(rho[i] == d[first]); /* the first non-zero distance */
    CHECK(sigma[i] > 0.0 && isfinite(sigma[i]));
    CHECK(fabs(psum_row(d, K, rho[i], sigma[i]) - target) < 1e-5);
  }
  /* thread count does not matter */
  CHECK(umapc_smooth_knn(dist, N, K, 1.0, 2, rho2, sigma2) == UMAPC_OK);
  CHECK(memcmp(rho, rho2, sizeof(rho)) == 0);
  CHECK(memcmp(sigma, sigma2, sizeof(sigma)) == 0);

  /* fractional local_connectivity interpolates between non-zero distances */
  CHECK(umapc_smooth_knn(dist, N, K, 1.5, 1, rho, sigma) == UMAPC_OK);
  CHECK(fabs(rho[0] - 1.25) < 1e-12);       /* 1 + 0.5 (1.5 - 1) */
  CHECK(fabs(rho[1] - 0.8) < 1e-12);        /* 0.7 + 0.5 (0.9 - 0.7) */
  CHECK(fabs(rho[3] - 15.0) < 1e-12);
  CHECK(umapc_smooth_knn(dist, N, K, 2.0, 1, rho, sigma) == UMAPC_OK);
  CHECK(rho[0] == 1.5 && rho[1] == 0.9 && rho[3] == 20.0);
  CHECK(umapc_smooth_knn(dist, N, K, 0.5, 1, rho, sigma) == UMAPC_OK);
  CHECK(fabs(rho[0] - 0.5) < 1e-12 && fabs(rho[1] - 0.35) < 1e-12);
  CHECK(umapc_smooth_knn(dist, N, K, 0.0, 1, rho, sigma) == UMAPC_OK);
  for (i = 0; i < N; i++) {
    CHECK(rho[i] == 0.0);
    CHECK(fabs(psum_row(dist + (size_t)i * K, K, 0.0, sigma[i]) - target) < 1e-5);
  }
  /* more connectivity than non-zero neighbours: the largest distance */
  CHECK(umapc_smooth_knn(dist, N, K, 10.0, 1, rho, sigma) == UMAPC_OK);
  for (i = 0; i < N; i++) CHECK(rho[i] == dist[(size_t)i * K + K - 1]);

  /* all distances zero (identical points): rho 0, sigma finite, no NaN */
  {
    const double z[2 * 4] = {0, 0, 0, 0, 0, 0, 0, 0};
    CHECK(umapc_smooth_knn(z, 2, 4, 1.0, 1, rho, sigma) == UMAPC_OK);
    CHECK(rho[0] == 0.0 && rho[1] == 0.0);
    CHECK(!isnan(sigma[0]) && !isnan(sigma[1]) && sigma[0] >= 0.0);
  }
  /* degenerate sizes are refused, not crashed on */
  CHECK(umapc_smooth_knn(dist, 0, K, 1.0, 1, rho, sigma) == UMAPC_ERR_INVALID);
  CHECK(umapc_smooth_knn(dist, N, 0, 1.0, 1, rho, sigma) == UMAPC_ERR_INVALID);
}

/* ---------------------------------------------------------------------- */
/* memberships and the fuzzy union                                         */
/* ---------------------------------------------------------------------- */

/* a directed 3-NN graph on 6 points (self first); one-sided edges exist */
enum { N6 = 6, K6 = 3 };
static const int idx6[N6 * K6] = {0, 1, 2,  1, 0, 2,  2, 3, 1,
                                  3, 2, 4,  4, 5, 3,  5, 4, 0};
static const double dist6[N6 * K6] = {0, 1.0, 2.0,  0, 1.0, 1.5,
                                      0, 0.5, 1.5,  0, 0.5, 0.8,
                                      0, 0.3, 0.8,  0, 0.3, 3.0};

static void test_fuzzy_union(void) {
  enum { N = N6, K = K6 };
  const int *idx = idx6;
  const double *dist = dist6;
  double rho[N], sigma[N], w[N * K], P[N][N];
  const double mixes[3] = {1.0, 0.5, 0.0};
  int i, j, t, m;

  CHECK(umapc_smooth_knn(dist, N, K, 1.0, 1, rho, sigma) == UMAPC_OK);
  umapc_memberships(idx, dist, N, K, rho, sigma, 0, 1, w);
  memset(P, 0, sizeof(P));
  for (i = 0; i < N; i++)
    for (t = 0; t < K; t++) {
      const double v = w[i * K + t];
      if (idx[i * K + t] == i) {
        CHECK(v == 0.0); /* self edges get 0 */
      } else {
        CHECK(v > 0.0 && v <= 1.0);
        CHECK(fabs(v - exp(-fmax(0.0, dist[i * K + t] - rho[i]) / sigma[i])) <
              1e-15);
      }
      P[i][idx[i * K + t]] = v;
    }
  /* the nearest (non-self) neighbour has membership 1 */
  for (i = 0; i < N; i++) CHECK(w[i * K + 1] == 1.0);
  /* bipartite: the first column is not treated as self */
  {
    double wb[N * K];
    umapc_memberships(idx, dist, N, K, rho, sigma, 1, 2, wb);
    for (i = 0; i < N; i++) CHECK(wb[i * K] == 1.0);
  }

  for (m = 0; m < 3; m++) {
    const double r = mixes[m];
    umapc_csr g;
    double W[N][N];
    int nnz_dense = 0;
    CHECK(umapc_fuzzy_union(idx, w, N, K, r, 1, &g) == UMAPC_OK);
    memset(W, 0, sizeof(W));
    CHECK(g.n == N && g.p[0] == 0);
    for (i = 0; i < N; i++) {
      for (t = g.p[i]; t < g.p[i + 1]; t++) {
        CHECK(g.j[t] >= 0 && g.j[t] < N && g.j[t] != i);
        if (t > g.p[i]) CHECK(g.j[t] > g.j[t - 1]); /* ascending, no dups */
        CHECK(g.w[t] > 0.0 && g.w[t] <= 1.0);
        if (g.j[t] >= 0 && g.j[t] < N) W[i][g.j[t]] = g.w[t];
      }
    }
    for (i = 0; i < N; i++)
      for (j = 0; j < N; j++) {
        const double x = P[i][j], y = P[j][i];
        const double want = r * (x + y - x * y) + (1.0 - r) * (x * y);
        CHECK(W[i][j] == W[j][i]); /* exactly symmetric */
        CHECK(fabs(W[i][j] - want) < 1e-15);
        nnz_dense += want > 0.0;
      }
    CHECK(g.p[N] == nnz_dense);
    /* same bits with two threads */
    {
      umapc_csr g2;
      CHECK(umapc_fuzzy_union(idx, w, N, K, r, 2, &g2) == UMAPC_OK);
      CHECK(g2.p[N] == g.p[N]);
      if (g2.p[N] == g.p[N]) {
        CHECK(memcmp(g.p, g2.p, (N + 1) * sizeof(int)) == 0);
        CHECK(memcmp(g.j, g2.j, (size_t)g.p[N] * sizeof(int)) == 0);
        CHECK(memcmp(g.w, g2.w, (size_t)g.p[N] * sizeof(double)) == 0);
      }
      umapc_csr_free(&g2);
    }
    umapc_csr_free(&g);
    CHECK(g.p == NULL && g.j == NULL && g.w == NULL);
  }

  /* out-of-range and negative indices are ignored, not dereferenced */
  {
    const int bad[2 * 3] = {0, 1, 7, 1, -3, 0};
    const double wb[2 * 3] = {0.0, 1.0, 1.0, 0.0, 1.0, 0.5};
    umapc_csr g;
    CHECK(umapc_fuzzy_union(bad, wb, 2, 3, 1.0, 1, &g) == UMAPC_OK);
    CHECK(g.p[2] == 2);
    umapc_csr_free(&g);
  }
  umapc_csr_free(NULL); /* allowed */
}

/* umapc_fuzzy_graph() runs the stages above, in order, for both kinds */
static void test_fuzzy_graph(void) {
  enum { N = N6, K = K6 };
  const int *idx = idx6;
  const double *dist = dist6;
  double rho[N], sigma[N], rho2[N], sigma2[N], w[N * K];
  umapc_graph_params gp;
  umapc_csr g, h;
  int i, t, c, threads;

  for (threads = 1; threads <= 2; threads++) {
    /* fitting: the fuzzy union of the memberships, bit for bit */
    gp.local_connectivity = 1.5;
    gp.set_op_mix_ratio = 0.7;
    gp.bipartite = 0;
    CHECK(umapc_smooth_knn(dist, N, K, 1.5, 1, rho, sigma) == UMAPC_OK);
    umapc_memberships(idx, dist, N, K, rho, sigma, 0, 1, w);
    CHECK(umapc_fuzzy_union(idx, w, N, K, 0.7, 1, &h) == UMAPC_OK);
    CHECK(umapc_fuzzy_graph(idx, dist, N, K, N, &gp, threads, rho2, sigma2,
                            &g) == UMAPC_OK);
    CHECK(memcmp(rho, rho2, sizeof(rho)) == 0);
    CHECK(memcmp(sigma, sigma2, sizeof(sigma)) == 0);
    CHECK(g.n == N && memcmp(g.p, h.p, (N + 1) * sizeof(int)) == 0);
    CHECK(memcmp(g.j, h.j, (size_t)h.p[N] * sizeof(int)) == 0);
    CHECK(memcmp(g.w, h.w, (size_t)h.p[N] * sizeof(double)) == 0);
    umapc_csr_free(&g);
    umapc_csr_free(&h);

    /* new rows against 8 other points: the directed memberships, in the
     * k-NN order, the first neighbour included (weight 1) */
    gp.local_connectivity = 0.5;
    gp.bipartite = 1;
    CHECK(umapc_smooth_knn(dist, N, K, 0.5, 1, rho, sigma) == UMAPC_OK);
    umapc_memberships(idx, dist, N, K, rho, sigma, 1, 1, w);
    CHECK(umapc_fuzzy_graph(idx, dist, N, K, 8, &gp, threads, NULL, NULL,
                            &g) == UMAPC_OK);
    CHECK(g.n == N && g.p[0] == 0);
    for (i = 0, c = 0; i < N; i++) {
      CHECK(g.p[i] == c);
      for (t = 0; t < K; t++)
        if (w[i * K + t] > 0.0) {
          CHECK(g.j[c] == idx[i * K + t] && g.w[c] == w[i * K + t]);
          c++;
        }
      CHECK(g.w[g.p[i]] == 1.0 && g.j[g.p[i]] == idx[i * K]);
    }
    CHECK(g.p[N] == c);
    umapc_csr_free(&g);
  }

  /* umapc_fuzzy_graph_take(): the same graph from malloc'd copies of idx
   * and dist, which it frees (the leak checker sees to that), also when it
   * refuses them */
  for (c = 0; c < 3; c++) {
    int *ti = (int *)malloc(N * K * sizeof(int));
    double *td = (double *)malloc(N * K * sizeof(double));
    memcpy(ti, idx, N * K * sizeof(int));
    memcpy(td, dist, N * K * sizeof(double));
    gp.local_connectivity = 1.5;
    gp.set_op_mix_ratio = 0.7;
    gp.bipartite = c == 1;
    CHECK(umapc_fuzzy_graph(idx, dist, N, K, c == 1 ? 8 : N, &gp, 2, NULL,
                            NULL, &h) == UMAPC_OK);
    if (c == 2) ti[3] = -1;
    CHECK(umapc_fuzzy_graph_take(ti, td, N, K, c == 1 ? 8 : N, &gp, 2, rho2,
                                 sigma2, &g) ==
          (c == 2 ? UMAPC_ERR_INVALID : UMAPC_OK));
    if (c < 2) {
      CHECK(g.n == N && memcmp(g.p, h.p, (N + 1) * sizeof(int)) == 0);
      CHECK(memcmp(g.j, h.j, (size_t)h.p[N] * sizeof(int)) == 0);
      CHECK(memcmp(g.w, h.w, (size_t)h.p[N] * sizeof(double)) == 0);
    } else {
      CHECK(g.p == NULL && g.j == NULL && g.w == NULL);
    }
    umapc_csr_free(&g);
    umapc_csr_free(&h);
  }

  /* indices outside [0, n_cols), and a fit over other points, are refused */
  {
    int bad[N * K];
    memcpy(bad, idx6, sizeof(bad));
    bad[4] = N;
    gp.bipartite = 0;
    CHECK(umapc_fuzzy_graph(bad, dist, N, K, N, &gp, 1, NULL, NULL, &g) ==
          UMAPC_ERR_INVALID);
    CHECK(g.p == NULL && g.j == NULL && g.w == NULL);
    bad[4] = -1;
    CHECK(umapc_fuzzy_graph(bad, dist, N, K, N, &gp, 1, NULL, NULL, &g) ==
          UMAPC_ERR_INVALID);
    CHECK(umapc_fuzzy_graph(idx, dist, N, K, 8, &gp, 1, NULL, NULL, &g) ==
          UMAPC_ERR_INVALID);
    gp.bipartite = 1;
    CHECK(umapc_fuzzy_graph(idx, dist, N, K, 5, &gp, 1, NULL, NULL, &g) ==
          UMAPC_ERR_INVALID);
    CHECK(umapc_fuzzy_graph(idx, dist, 0, K, 8, &gp, 1, NULL, NULL, &g) ==
          UMAPC_ERR_INVALID);
  }
}

/* ---------------------------------------------------------------------- */
/* a, b                                                                    */
/* ---------------------------------------------------------------------- */

static void test_find_ab(void) {
  double a = 0.0, b = 0.0;
  CHECK(umapc_find_ab(1.0, 0.1, &a, &b) == UMAPC_OK);
  CHECK(fabs(a - 1.57694346) < 1e-5);
  CHECK(fabs(b - 0.89506088) < 1e-5);
  /* other settings: finite and positive; min_dist 0 gives b near 0.79 */
  CHECK(umapc_find_ab(1.0, 0.0, &a, &b) == UMAPC_OK);
  CHECK(a > 0.0 && b > 0.0 && isfinite(a) && isfinite(b));
  CHECK(umapc_find_ab(1.0, 1.0, &a, &b) == UMAPC_OK);
  CHECK(a > 0.0 && b > 0.0 && isfinite(a) && isfinite(b));
  CHECK(umapc_find_ab(5.0, 0.5, &a, &b) == UMAPC_OK);
  CHECK(a > 0.0 && b > 0.0 && isfinite(a) && isfinite(b));
}

int main(void) {
  test_smooth_knn();
  test_fuzzy_union();
  test_fuzzy_graph();
  test_find_ab();
  TEST_DONE();
}
