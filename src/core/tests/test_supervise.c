/* Standalone tests of the supervised-UMAP graph operations (supervise.c):
 * the categorical intersection, the general intersection and the reset of
 * the local connectivity, each against a dense computation of umap-learn's
 * formulas on a small random symmetric graph; malformed graphs are refused.
 * Built with -fsanitize=address,undefined by the Makefile. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "supervise.h"
#include "testutil.h"

#define N 9

/* A random symmetric sparse graph: about half the pairs, no diagonal. */
static void random_graph(uint64_t seed, double dense[N][N], umapc_csr *g) {
  const uint64_t key = umapc_rng_key(seed, 5);
  int i, j, c = 0;
  memset(dense, 0, sizeof(double) * N * N);
  for (i = 0; i < N; i++)
    for (j = i + 1; j < N; j++)
      if (umapc_rng_unif(umapc_rng_u64(key, (uint64_t)i, (uint64_t)j)) < 0.5)
        dense[i][j] = dense[j][i] =
            0.05 + 0.95 * umapc_rng_unif(umapc_rng_u64(key, (uint64_t)j,
                                                       (uint64_t)i + 100));
  g->n = N;
  g->p = (int *)calloc(N + 1, sizeof(int));
  g->j = (int *)malloc(N * N * sizeof(int));
  g->w = (double *)malloc(N * N * sizeof(double));
  for (i = 0; i < N; i++) {
    for (j = 0; j < N; j++)
      if (dense[i][j] > 0.0) {
        g->j[c] = j;
        g->w[c] = dense[i][j];
        c++;
      }
    g->p[i + 1] = c;
  }
}

/* Dense reset: rows scaled by their max, then P + P^T - P o P^T. */
static void dense_reset(double m[N][N]) {
  double p[N][N];
  int i, j;
  for (i = 0; i < N; i++) {
    double mx = 0.0;
    for (j = 0; j < N; j++)
      if (m[i][j] > mx) mx = m[i][j];
    for (j = 0; j < N; j++) p[i][j] = mx > 0.0 ? m[i][j] / mx : m[i][j];
  }
  for (i = 0; i < N; i++)
    for (j = 0; j < N; j++) m[i][j] = p[i][j] + p[j][i] - p[i][j] * p[j][i];
}

/* g equals the dense matrix (pattern = its non-zeros) and is symmetric. */
static int matches(const umapc_csr *g, double m[N][N]) {
  int i, j, t, ok = g->n == N && umapc_csr_valid(g);
  for (i = 0; ok && i < N; i++) {
    t = g->p[i];
    for (j = 0; j < N; j++) {
      if (m[i][j] > 0.0) {
        if (t >= g->p[i + 1] || g->j[t] != j ||
            fabs(g->w[t] - m[i][j]) > 1e-12 * (1.0 + m[i][j]))
          return 0;
        t++;
      }
    }
    if (t != g->p[i + 1]) return 0;
  }
  return ok;
}

static void test_categorical(void) {
  double m[N][N];
  umapc_csr g, out;
  const int labels[N] = {0, 0, 1, 1, -1, 2, 0, -1, 1};
  const double unknown = 1.0, far = 5.0;
  int i, j;
  random_graph(11, m, &g);
  CHECK(umapc_categorical_intersection(&g, labels, unknown, far, &out) ==
        UMAPC_OK);
  for (i = 0; i < N; i++)
    for (j = 0; j < N; j++) {
      if (labels[i] < 0 || labels[j] < 0)
        m[i][j] *= exp(-unknown);
      else if (labels[i] != labels[j])
        m[i][j] *= exp(-far);
    }
  dense_reset(m);
  CHECK(matches(&out, m));
  umapc_csr_free(&out);
  /* far_dist so large that exp() underflows: different labels disconnect */
  CHECK(umapc_categorical_intersection(&g, labels, unknown, 1e12, &out) ==
        UMAPC_OK);
  for (i = 0; i < N; i++) {
    int t;
    for (t = out.p[i]; t < out.p[i + 1]; t++) {
      const int li = labels[i], lj = labels[out.j[t]];
      CHECK(li < 0 || lj < 0 || li == lj);
      CHECK(out.w[t] > 0.0 && out.w[t] <= 1.0);
    }
  }
  umapc_csr_free(&out);
  umapc_csr_free(&g);
}

static void test_general(double weight) {
  double m1[N][N], m2[N][N], r[N][N];
  double min1 = INFINITY, min2 = INFINITY, lmin, rmin;
  umapc_csr g1, g2, out;
  int i, j;
  random_graph(21, m1, &g1);
  random_graph(22, m2, &g2);
  for (i = 0; i < N; i++)
    for (j = 0; j < N; j++) {
      if (m1[i][j] > 0.0 && m1[i][j] < min1) min1 = m1[i][j];
      if (m2[i][j] > 0.0 && m2[i][j] < min2) min2 = m2[i][j];
    }
  lmin = fmax(min1 / 2.0, 1e-8);
  rmin = fmin(fmax(min2 / 2.0, 1e-8), 1e-4);
  for (i = 0; i < N; i++)
    for (j = 0; j < N; j++) {
      double l = m1[i][j] > 0.0 ? m1[i][j] : lmin;
      double rr = m2[i][j] > 0.0 ? m2[i][j] : rmin;
      if (m1[i][j] == 0.0 && m2[i][j] == 0.0)
        r[i][j] = 0.0;
      else if (weight < 0.5)
        r[i][j] = l * pow(rr, weight / (1.0 - weight));
      else
        r[i][j] = pow(l, (1.0 - weight) / weight) * rr;
    }
  dense_reset(r);
  CHECK(umapc_general_intersection(&g1, &g2, weight, &out) == UMAPC_OK);
  CHECK(matches(&out, r));
  umapc_csr_free(&out);
  umapc_csr_free(&g1);
  umapc_csr_free(&g2);
}

static void test_invalid(void) {
  double m[N][N];
  umapc_csr g, out;
  const int labels[N] = {0};
  random_graph(31, m, &g);
  CHECK(umapc_general_intersection(&g, &g, 1.5, &out) == UMAPC_ERR_INVALID);
  CHECK(out.p == NULL);
  /* unsorted columns */
  if (g.p[1] - g.p[0] >= 2) {
    const int t = g.j[0];
    g.j[0] = g.j[1];
    g.j[1] = t;
    CHECK(!umapc_csr_valid(&g));
    CHECK(umapc_reset_local_connectivity(&g, &out) == UMAPC_ERR_INVALID);
    CHECK(umapc_categorical_intersection(&g, labels, 1.0, 5.0, &out) ==
          UMAPC_ERR_INVALID);
  }
  umapc_csr_free(&g);
}

static void test_empty_rows(void) {
  /* a graph whose vertex 2 has no edges stays valid, vertex 2 stays empty */
  int p[4] = {0, 1, 2, 2}, j[2] = {1, 0};
  double w[2] = {0.25, 0.25};
  umapc_csr g, out;
  g.n = 3;
  g.p = p;
  g.j = j;
  g.w = w;
  CHECK(umapc_reset_local_connectivity(&g, &out) == UMAPC_OK);
  CHECK(out.p[3] == 2 && out.p[2] == 2 && out.w[0] == 1.0 && out.w[1] == 1.0);
  umapc_csr_free(&out);
}

int main(void) {
  test_categorical();
  test_general(0.0);
  test_general(0.3);
  test_general(0.5);
  test_general(0.8);
  test_general(1.0);
  test_invalid();
  test_empty_rows();
  TEST_DONE();
}
