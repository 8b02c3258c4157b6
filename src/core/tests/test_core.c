/* Standalone tests of the core's building blocks, without R:
 * counter-based RNG streams, bounded heaps, smooth k-NN distances,
 * memberships and the fuzzy union (against a dense computation), the
 * chained fuzzy graph for fitting and for new rows, the a/b
 * fit, a few layout epochs, the transform of new points, exact k-NN against
 * brute force for every metric, sparse == dense data copies, interrupts
 * and the site recorded for invalid input.
 * Built with -fsanitize=address,undefined by the Makefile: the run must
 * report no sanitizer errors and no leaks. */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "abfit.h"
#include "data.h"
#include "graph.h"
#include "heap.h"
#include "knn.h"
#include "layout.h"
#include "rng.h"
#include "transform.h"
#include "testutil.h"

/* ---------------------------------------------------------------------- */
/* helpers                                                                 */
/* ---------------------------------------------------------------------- */

static double urand(uint64_t key, uint64_t a, uint64_t b) {
  return umapc_rng_unif(umapc_rng_u64(key, a, b));
}

/* Column-major n x d: two gaussian blobs (sd 1) centred at -5 and +5. */
static double *two_blobs(int n, int d, uint64_t seed) {
  const uint64_t key = umapc_rng_key(seed, 77);
  double *X = (double *)malloc((size_t)n * d * sizeof(double));
  int i, j;
  for (i = 0; i < n; i++)
    for (j = 0; j < d; j++)
      X[(size_t)j * n + i] = (i % 2 ? 5.0 : -5.0) +
                             umapc_rng_normal(key, (uint64_t)i, (uint64_t)j);
  return X;
}

/* Interrupt callback that asks to stop on its `*ctx`-th call. */
static int stop_on_call(void *ctx) {
  int *left = (int *)ctx;
  return --(*left) <= 0;
}

static int all_finite(const double *x, size_t n) {
  size_t t;
  for (t = 0; t < n; t++)
    if (!isfinite(x[t])) return 0;
  return 1;
}

/* ---------------------------------------------------------------------- */
/* RNG                                                                     */
/* ---------------------------------------------------------------------- */

static void test_rng(void) {
  const uint64_t k1 = umapc_rng_key(42, UMAPC_STREAM_LAYOUT);
  const uint64_t k1b = umapc_rng_key(42, UMAPC_STREAM_LAYOUT);
  const uint64_t k2 = umapc_rng_key(42, UMAPC_STREAM_INIT);
  const uint64_t k3 = umapc_rng_key(43, UMAPC_STREAM_LAYOUT);
  int i, same_stream = 0, same_c0 = 0, same_c1 = 0, same_seed = 0;
  long counts[7] = {0, 0, 0, 0, 0, 0, 0};
  const long n_draw = 70000;
  double s = 0.0, ss = 0.0, umin = 1.0, umax = 0.0;
  const int n_norm = 100000;

  /* pure functions of their inputs */
  CHECK(k1 == k1b);
  CHECK(umapc_rng_u64(k1, 5, 9) == umapc_rng_u64(k1b, 5, 9));
  CHECK(umapc_rng_normal(k1, 3, 4) == umapc_rng_normal(k1, 3, 4));
  /* streams, seeds and counters give different numbers */
  CHECK(k1 != k2 && k1 != k3 && k2 != k3);
  for (i = 0; i < 1000; i++) {
    const uint64_t a = umapc_rng_u64(k1, (uint64_t)i, 0);
    same_stream += a == umapc_rng_u64(k2, (uint64_t)i, 0);
    same_seed += a == umapc_rng_u64(k3, (uint64_t)i, 0);
    same_c0 += a == umapc_rng_u64(k1, (uint64_t)i + 1, 0);
    same_c1 += a == umapc_rng_u64(k1, (uint64_t)i, 1);
  }
  CHECK(same_stream == 0);
  CHECK(same_seed == 0);
  CHECK(same_c0 == 0);
  CHECK(same_c1 == 0);
  /* swapping the two counters changes the value */
  CHECK(umapc_rng_u64(k1, 1, 2) != umapc_rng_u64(k1, 2, 1));

  /* below: range and rough uniformity (each bin within 3% of 10000) */
  for (i = 0; i < n_draw; i++) {
    const uint32_t v = umapc_rng_below(umapc_rng_u64(k1, 7, (uint64_t)i), 7);
    CHECK(v < 7);
    if (v < 7) counts[v]++;
  }
  for (i = 0; i < 7; i++) CHECK(labs(counts[i] - n_draw / 7) < 300);
  for (i = 0; i < 1000; i++)
    CHECK(umapc_rng_below(umapc_rng_u64(k2, 1, (uint64_t)i), 1) == 0);
  CHECK(umapc_rng_below(UINT64_MAX, 5) == 4);
  CHECK(umapc_rng_below(0, 5) == 0);
  {
    /* a large n stays in range */
    uint32_t big = 4000000000u, mx = 0;
    for (i = 0; i < 10000; i++) {
      uint32_t v = umapc_rng_below(umapc_rng_u64(k3, 2, (uint64_t)i), big);
      if (v > mx) mx = v;
      CHECK(v < big);
    }
    CHECK(mx > big / 2);
  }

  /* uniform in [0, 1) */
  CHECK(umapc_rng_unif(UINT64_MAX) < 1.0);
  CHECK(umapc_rng_unif(0) == 0.0);
  for (i = 0; i < 10000; i++) {
    const double u = urand(k2, 3, (uint64_t)i);
    if (u < umin) umin = u;
    if (u > umax) umax = u;
  }
  CHECK(umin >= 0.0 && umin < 0.01);
  CHECK(umax < 1.0 && umax > 0.99);

  /* normal: mean 0, sd 1 (standard errors 0.003 and 0.002) */
  for (i = 0; i < n_norm; i++) {
    const double z = umapc_rng_normal(k3, 11, (uint64_t)i);
    CHECK(isfinite(z));
    s += z;
    ss += z * z;
  }
  {
    const double mean = s / n_norm;
    const double sd = sqrt(ss / n_norm - mean * mean);
    CHECK(fabs(mean) < 0.015);
    CHECK(fabs(sd - 1.0) < 0.015);
  }
}

/* ---------------------------------------------------------------------- */
/* heaps                                                                   */
/* ---------------------------------------------------------------------- */

static void test_heap(void) {
  enum { K = 8, M = 200 };
  float d[K], cand_d[M];
  int idx[K], cand_i[M], t, trial;
  const uint64_t key = umapc_rng_key(5, 99);

  /* empty slots */
  umapc_heap_init(d, idx, K);
  for (t = 0; t < K; t++) CHECK(isinf(d[t]) && idx[t] == INT_MAX);

  for (trial = 0; trial < 20; trial++) {
    int used[M];
    umapc_heap_init(d, idx, K);
    /* distances from a small set so that ties are common; indices distinct */
    for (t = 0; t < M; t++) {
      cand_d[t] = (float)umapc_rng_below(umapc_rng_u64(key, (uint64_t)trial,
                                                       (uint64_t)t), 10);
      cand_i[t] = (t * 37 + trial) % M; /* a permutation of 0..M-1 */
      umapc_heap_push(d, idx, K, cand_d[t], cand_i[t]);
    }
    umapc_heap_sort(d, idx, K);
    /* ascending (dist, index) */
    for (t = 1; t < K; t++)
      CHECK(d[t - 1] < d[t] || (d[t - 1] == d[t] && idx[t - 1] < idx[t]));
    /* equal to the K smallest by (dist, index), found by selection */
    memset(used, 0, sizeof(used));
    for (t = 0; t < K; t++) {
      int best = -1, c;
      for (c = 0; c < M; c++) {
        if (used[c]) continue;
        if (best < 0 || umapc_after(cand_d[best], cand_i[best], cand_d[c],
                                    cand_i[c]))
          best = c;
      }
      used[best] = 1;
      CHECK(d[t] == cand_d[best] && idx[t] == cand_i[best]);
    }
  }

  /* ties go to the lower index, whatever the arrival order */
  {
    float d1[1];
    int i1[1];
    umapc_heap_init(d1, i1, 1);
    CHECK(umapc_heap_push(d1, i1, 1, 1.0f, 7) == 1);
    CHECK(umapc_heap_push(d1, i1, 1, 1.0f, 3) == 1);
    CHECK(umapc_heap_push(d1, i1, 1, 1.0f, 5) == 0);
    CHECK(i1[0] == 3 && d1[0] == 1.0f);
    umapc_heap_init(d1, i1, 1);
    umapc_heap_push(d1, i1, 1, 1.0f, 3);
    CHECK(umapc_heap_push(d1, i1, 1, 1.0f, 7) == 0);
    CHECK(i1[0] == 3);
    /* a strictly closer point wins even with a higher index */
    CHECK(umapc_heap_push(d1, i1, 1, 0.5f, 9) == 1);
    CHECK(i1[0] == 9);
  }

  /* push_unique refuses an index already present, push does not */
  {
    float d3[3];
    int i3[3];
    umapc_heap_init(d3, i3, 3);
    CHECK(umapc_heap_push_unique(d3, i3, 3, 0.5f, 2) == 1);
    CHECK(umapc_heap_push_unique(d3, i3, 3, 0.4f, 2) == 0);
    CHECK(umapc_heap_push_unique(d3, i3, 3, 0.5f, 2) == 0);
    CHECK(umapc_heap_push_unique(d3, i3, 3, 0.7f, 4) == 1);
    CHECK(umapc_heap_push_unique(d3, i3, 3, 0.1f, 1) == 1);
    CHECK(umapc_heap_push_unique(d3, i3, 3, 0.9f, 8) == 0); /* full, farther */
    CHECK(umapc_heap_push_unique(d3, i3, 3, 0.2f, 4) == 0); /* present */
    umapc_heap_sort(d3, i3, 3);
    CHECK(i3[0] == 1 && i3[1] == 2 && i3[2] == 4);
    CHECK(d3[0] == 0.1f && d3[1] == 0.5f && d3[2] == 0.7f);
    /* a partly filled heap sorts its empty slots last */
    umapc_heap_init(d3, i3, 3);
    umapc_heap_push(d3, i3, 3, 2.0f, 6);
    umapc_heap_sort(d3, i3, 3);
    CHECK(i3[0] == 6 && i3[1] == INT_MAX && i3[2] == INT_MAX);
  }
}

/* The double heap and the min-queue, from the same template: the k best
 * by (value, index) in order, and a queue that pops in that order. */
static void test_heap_types(void) {
  enum { K = 5, M = 64 };
  double dd[K], qd[M];
  float fd[M];
  int di[K], qi[M], fi[M], t, nq = 0, nf = 0;
  uint64_t st = 12345;
  double prev_d = -1.0;
  int prev_i = -1;
  umapc_dheap_init(dd, di, K);
  for (t = 0; t < M; t++) {
    /* values from a small set: ties are common */
    const double v = (double)(test_u64(&st) % 9);
    umapc_dheap_push(dd, di, K, v, M - t);
    umapc_dheap_queue_push(qd, qi, &nq, v, M - t);
    umapc_heap_queue_push(fd, fi, &nf, (float)v, M - t);
  }
  umapc_dheap_sort(dd, di, K);
  CHECK(nq == M && nf == M);
  for (t = 0; t < M; t++) {
    double v;
    float fv;
    int i, fi1;
    umapc_dheap_queue_pop(qd, qi, &nq, &v, &i);
    umapc_heap_queue_pop(fd, fi, &nf, &fv, &fi1);
    CHECK(v > prev_d || (v == prev_d && i > prev_i));
    CHECK((double)fv == v && fi1 == i);
    if (t < K) CHECK(dd[t] == v && di[t] == i);
    prev_d = v;
    prev_i = i;
  }
  CHECK(nq == 0 && nf == 0);
}

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

/* ---------------------------------------------------------------------- */
/* graph of a data set (exact k-NN + smooth + union)                      */
/* ---------------------------------------------------------------------- */

static int build_graph(const double *X, int n, int d, int k, umapc_csr *g,
                       umapc_data *keep) {
  umapc_data D;
  int *idx = (int *)malloc((size_t)n * k * sizeof(int));
  double *dist = (double *)malloc((size_t)n * k * sizeof(double));
  const umapc_graph_params gp = {1.0, 1.0, 0};
  int st = umapc_data_from_dense(X, n, d, UMAPC_METRIC_EUCLIDEAN, 1, &D);
  if (st == UMAPC_OK) st = umapc_knn_exact(&D, NULL, k, 2, NULL, NULL, idx, dist);
  if (st == UMAPC_OK)
    st = umapc_fuzzy_graph(idx, dist, n, k, n, &gp, 1, NULL, NULL, g);
  if (keep != NULL && st == UMAPC_OK)
    *keep = D;
  else
    umapc_data_free(&D);
  free(idx);
  free(dist);
  return st;
}

static void init_params(umapc_layout_params *par, int n_epochs, int stream) {
  memset(par, 0, sizeof(*par));
  par->dim = 2;
  par->n_epochs = n_epochs;
  CHECK(umapc_find_ab(1.0, 0.1, &par->a, &par->b) == UMAPC_OK);
  par->gamma = 1.0;
  par->alpha = 1.0;
  par->negative_sample_rate = 5.0;
  par->seed = 20240601;
  par->stream = stream;
}

/* ---------------------------------------------------------------------- */
/* layout                                                                  */
/* ---------------------------------------------------------------------- */

static void test_layout(void) {
  /* more than 256 vertices so that two threads really share the epoch */
  enum { N = 600, D = 5, K = 10, DIM = 2 };
  double *X = two_blobs(N, D, 1);
  double *e0 = (double *)malloc(N * DIM * sizeof(double));
  double *e1 = (double *)malloc(N * DIM * sizeof(double));
  double *e2 = (double *)malloc(N * DIM * sizeof(double));
  double *e3 = (double *)malloc(N * DIM * sizeof(double));
  const uint64_t key = umapc_rng_key(3, UMAPC_STREAM_INIT);
  umapc_layout_params par;
  umapc_csr g = {0, NULL, NULL, NULL};
  double wmax = 0.0;
  int i, moved = 0, left;
  umapc_interrupt intr;

  CHECK(build_graph(X, N, D, K, &g, NULL) == UMAPC_OK);
  for (i = 0; i < g.p[N]; i++)
    if (g.w[i] > wmax) wmax = g.w[i];
  for (i = 0; i < N * DIM; i++) e0[i] = 20.0 * urand(key, (uint64_t)i, 0) - 10.0;
  umapc_rescale_init(e0, N, DIM);
  for (i = 0; i < N * DIM; i++) CHECK(e0[i] >= 0.0 && e0[i] <= 10.0);

  init_params(&par, 5, UMAPC_STREAM_LAYOUT);
  memcpy(e1, e0, N * DIM * sizeof(double));
  memcpy(e2, e0, N * DIM * sizeof(double));
  memcpy(e3, e0, N * DIM * sizeof(double));
  CHECK(umapc_layout(&g, wmax / 5, &par, 1, NULL, NULL, e1) == UMAPC_OK);
  CHECK(umapc_layout(&g, wmax / 5, &par, 2, NULL, NULL, e2) == UMAPC_OK);
  CHECK(umapc_layout(&g, wmax / 5, &par, 1, NULL, NULL, e3) == UMAPC_OK);
  CHECK(all_finite(e1, N * DIM));
  for (i = 0; i < N * DIM; i++) moved += e1[i] != e0[i];
  CHECK(moved > N); /* most coordinates moved */
  CHECK(memcmp(e1, e2, N * DIM * sizeof(double)) == 0); /* 1 vs 2 threads */
  CHECK(memcmp(e1, e3, N * DIM * sizeof(double)) == 0); /* twice */
  /* 3 and 4 threads (more threads than the three chunks of vertices) */
  memcpy(e3, e0, N * DIM * sizeof(double));
  CHECK(umapc_layout(&g, wmax / 5, &par, 3, NULL, NULL, e3) == UMAPC_OK);
  CHECK(memcmp(e1, e3, N * DIM * sizeof(double)) == 0);
  memcpy(e3, e0, N * DIM * sizeof(double));
  CHECK(umapc_layout(&g, wmax / 5, &par, 4, NULL, NULL, e3) == UMAPC_OK);
  CHECK(memcmp(e1, e3, N * DIM * sizeof(double)) == 0);

  /* an even number of epochs takes the other buffer path */
  par.n_epochs = 4;
  memcpy(e1, e0, N * DIM * sizeof(double));
  memcpy(e2, e0, N * DIM * sizeof(double));
  CHECK(umapc_layout(&g, 0.0, &par, 1, NULL, NULL, e1) == UMAPC_OK);
  CHECK(umapc_layout(&g, 0.0, &par, 2, NULL, NULL, e2) == UMAPC_OK);
  CHECK(all_finite(e1, N * DIM));
  CHECK(memcmp(e1, e2, N * DIM * sizeof(double)) == 0);
  CHECK(memcmp(e1, e0, N * DIM * sizeof(double)) != 0);

  /* another seed gives another layout */
  par.seed += 1;
  memcpy(e2, e0, N * DIM * sizeof(double));
  CHECK(umapc_layout(&g, 0.0, &par, 1, NULL, NULL, e2) == UMAPC_OK);
  CHECK(memcmp(e1, e2, N * DIM * sizeof(double)) != 0);

  /* zero epochs: the input unchanged */
  par.n_epochs = 0;
  memcpy(e1, e0, N * DIM * sizeof(double));
  CHECK(umapc_layout(&g, 0.0, &par, 2, NULL, NULL, e1) == UMAPC_OK);
  CHECK(memcmp(e1, e0, N * DIM * sizeof(double)) == 0);

  /* no negative sampling is fine */
  par.n_epochs = 3;
  par.negative_sample_rate = 0.0;
  memcpy(e1, e0, N * DIM * sizeof(double));
  CHECK(umapc_layout(&g, 0.0, &par, 2, NULL, NULL, e1) == UMAPC_OK);
  CHECK(all_finite(e1, N * DIM));

  /* all points at the same place: finite */
  par.negative_sample_rate = 5.0;
  for (i = 0; i < N * DIM; i++) e1[i] = 5.0;
  CHECK(umapc_layout(&g, 0.0, &par, 2, NULL, NULL, e1) == UMAPC_OK);
  CHECK(all_finite(e1, N * DIM));

  /* the eight-lane kernels against plain scalar code: the same schedule,
   * the same negative samples, the same arithmetic, so the same bits */
  {
    double *es = (double *)malloc(N * DIM * sizeof(double));
    int old;
    par.n_epochs = 3;
    par.negative_sample_rate = 5.0;
    memcpy(e1, e0, N * DIM * sizeof(double));
    memcpy(e2, e0, N * DIM * sizeof(double));
    memcpy(es, e0, N * DIM * sizeof(double));
    CHECK(umapc_layout(&g, wmax / 10, &par, 2, NULL, NULL, e1) == UMAPC_OK);
    old = umapc_layout_set_kernels(1);
    CHECK(umapc_layout(&g, wmax / 10, &par, 2, NULL, NULL, e2) == UMAPC_OK);
    umapc_layout_set_kernels(2);
    CHECK(umapc_layout(&g, wmax / 10, &par, 2, NULL, NULL, es) == UMAPC_OK);
    umapc_layout_set_kernels(old);
    CHECK(memcmp(es, e0, N * DIM * sizeof(double)) != 0);
    /* every kernel gives the same bits (no FMA anywhere: fp.h) */
    CHECK(memcmp(e1, es, N * DIM * sizeof(double)) == 0);
    CHECK(memcmp(e2, es, N * DIM * sizeof(double)) == 0);
    /* a fractional negative sample rate and an odd number of epochs */
    par.negative_sample_rate = 2.5;
    memcpy(e2, e0, N * DIM * sizeof(double));
    memcpy(es, e0, N * DIM * sizeof(double));
    old = umapc_layout_set_kernels(1);
    CHECK(umapc_layout(&g, 0.0, &par, 1, NULL, NULL, e2) == UMAPC_OK);
    umapc_layout_set_kernels(2);
    CHECK(umapc_layout(&g, 0.0, &par, 2, NULL, NULL, es) == UMAPC_OK);
    umapc_layout_set_kernels(old);
    CHECK(memcmp(e2, es, N * DIM * sizeof(double)) == 0);
    par.negative_sample_rate = 5.0;
    free(es);
  }

  /* three dimensions (the general-dimension code): 1 vs 3 threads */
  {
    double *f1 = (double *)malloc(N * 3 * sizeof(double));
    double *f3 = (double *)malloc(N * 3 * sizeof(double));
    for (i = 0; i < N * 3; i++) f1[i] = f3[i] = 10.0 * urand(key, (uint64_t)i, 7);
    par.dim = 3;
    par.n_epochs = 4;
    CHECK(umapc_layout(&g, 0.0, &par, 1, NULL, NULL, f1) == UMAPC_OK);
    CHECK(umapc_layout(&g, 0.0, &par, 3, NULL, NULL, f3) == UMAPC_OK);
    CHECK(all_finite(f1, N * 3));
    CHECK(memcmp(f1, f3, N * 3 * sizeof(double)) == 0);
    par.dim = DIM;
    free(f1);
    free(f3);
  }

  /* an interrupt stops it cleanly (ASan checks for leaks); it is polled
   * between blocks of at most 50 epochs */
  par.n_epochs = 500;
  left = 3;
  intr.check = stop_on_call;
  intr.ctx = &left;
  memcpy(e1, e0, N * DIM * sizeof(double));
  CHECK(umapc_layout(&g, 0.0, &par, 2, &intr, NULL, e1) == UMAPC_ERR_INTERRUPTED);
  CHECK(left == 0);

  umapc_csr_free(&g);
  free(X);
  free(e0);
  free(e1);
  free(e2);
  free(e3);
}

/* A large random graph: enough chunks of vertices for several phases per
 * epoch. Threads and kernels must not change a bit. */
static void test_layout_phases(void) {
  enum { N = 20000, DEG = 6 };
  const uint64_t key = umapc_rng_key(11, UMAPC_STREAM_INIT);
  umapc_csr g;
  umapc_layout_params par;
  double *e0 = (double *)malloc(N * 2 * sizeof(double));
  double *e1 = (double *)malloc(N * 2 * sizeof(double));
  double *e2 = (double *)malloc(N * 2 * sizeof(double));
  int i, t, old;
  /* vertex i linked to i +- 1..3 (mod N): symmetric, weights in (0, 1] */
  g.n = N;
  g.p = (int *)malloc((N + 1) * sizeof(int));
  g.j = (int *)malloc((size_t)N * DEG * sizeof(int));
  g.w = (double *)malloc((size_t)N * DEG * sizeof(double));
  for (i = 0; i <= N; i++) g.p[i] = i * DEG;
  for (i = 0; i < N; i++)
    for (t = 0; t < DEG; t++) {
      const int off = t / 2 + 1, j = t % 2 ? (i + off) % N : (i - off + N) % N;
      g.j[i * DEG + t] = j;
      g.w[i * DEG + t] = 1.0 / (double)off;
    }
  for (i = 0; i < N * 2; i++) e0[i] = 10.0 * urand(key, (uint64_t)i, 3);
  init_params(&par, 6, UMAPC_STREAM_LAYOUT);
  memcpy(e1, e0, N * 2 * sizeof(double));
  CHECK(umapc_layout(&g, 0.0, &par, 1, NULL, NULL, e1) == UMAPC_OK);
  CHECK(all_finite(e1, N * 2));
  CHECK(memcmp(e1, e0, N * 2 * sizeof(double)) != 0);
  for (t = 2; t <= 4; t++) {
    memcpy(e2, e0, N * 2 * sizeof(double));
    CHECK(umapc_layout(&g, 0.0, &par, t, NULL, NULL, e2) == UMAPC_OK);
    CHECK(memcmp(e1, e2, N * 2 * sizeof(double)) == 0);
  }
  memcpy(e1, e0, N * 2 * sizeof(double));
  memcpy(e2, e0, N * 2 * sizeof(double));
  old = umapc_layout_set_kernels(1);
  CHECK(umapc_layout(&g, 0.0, &par, 2, NULL, NULL, e1) == UMAPC_OK);
  umapc_layout_set_kernels(2);
  CHECK(umapc_layout(&g, 0.0, &par, 2, NULL, NULL, e2) == UMAPC_OK);
  umapc_layout_set_kernels(old);
  CHECK(memcmp(e1, e2, N * 2 * sizeof(double)) == 0);
  umapc_csr_free(&g);
  free(e0);
  free(e1);
  free(e2);
}

/*
 * An edge's attraction reaches both of its ends, as in umap-learn: when
 * vertex i samples edge (i, j), i moves by the step and j by its opposite.
 * On a graph of disjoint pairs, without negative samples, every pair's
 * midpoint therefore stays where it was while the pair draws together,
 * even with the two ends in different phases of an epoch (a vertex that
 * moved only itself, by twice the step, would shift the midpoint: the
 * second end reads the first's new position).
 */
static void test_layout_both_ends(void) {
  enum { N = 16384 }; /* 64 chunks of 256: four phases */
  const uint64_t key = umapc_rng_key(5, UMAPC_STREAM_INIT);
  umapc_csr g;
  umapc_layout_params par;
  double *e0 = (double *)malloc(N * 2 * sizeof(double));
  double *e1 = (double *)malloc(N * 2 * sizeof(double));
  double worst = 0.0, closer = 0.0;
  int i, nt;
  /* i paired with i ^ 256: the neighbouring chunk, another phase */
  g.n = N;
  g.p = (int *)malloc((N + 1) * sizeof(int));
  g.j = (int *)malloc(N * sizeof(int));
  g.w = (double *)malloc(N * sizeof(double));
  for (i = 0; i <= N; i++) g.p[i] = i;
  for (i = 0; i < N; i++) {
    g.j[i] = i ^ 256;
    g.w[i] = 1.0;
  }
  for (i = 0; i < N * 2; i++) e0[i] = 10.0 * urand(key, (uint64_t)i, 4);
  init_params(&par, 20, UMAPC_STREAM_LAYOUT);
  par.negative_sample_rate = 0.0;
  for (nt = 1; nt <= 2; nt++) {
    memcpy(e1, e0, N * 2 * sizeof(double));
    CHECK(umapc_layout(&g, 0.0, &par, nt, NULL, NULL, e1) == UMAPC_OK);
    for (i = 0; i < N; i++) {
      const int j = i ^ 256;
      int c;
      double d0 = 0.0, d1 = 0.0;
      for (c = 0; c < 2; c++) {
        const double m0 = 0.5 * (e0[2 * i + c] + e0[2 * j + c]);
        const double m1 = 0.5 * (e1[2 * i + c] + e1[2 * j + c]);
        if (fabs(m1 - m0) > worst) worst = fabs(m1 - m0);
        d0 += (e0[2 * i + c] - e0[2 * j + c]) * (e0[2 * i + c] - e0[2 * j + c]);
        d1 += (e1[2 * i + c] - e1[2 * j + c]) * (e1[2 * i + c] - e1[2 * j + c]);
      }
      closer += d1 < d0;
    }
  }
  /* float positions near 10: a few roundings of 1e-6 each */
  CHECK(worst < 1e-4);
  CHECK(closer == 2 * N); /* and every pair drew together */
  umapc_csr_free(&g);
  free(e0);
  free(e1);
}

/* ---------------------------------------------------------------------- */
/* transform                                                               */
/* ---------------------------------------------------------------------- */

static void test_transform(void) {
  enum { N = 300, M = 12, D = 4, K = 8, DIM = 2 };
  double *X = two_blobs(N, D, 2), *Y = two_blobs(M, D, 3);
  double *emb = (double *)malloc(N * DIM * sizeof(double));
  double *all = (double *)malloc(M * DIM * sizeof(double));
  double *all2 = (double *)malloc(M * DIM * sizeof(double));
  double one[DIM];
  int *idx = (int *)malloc(M * K * sizeof(int));
  double *dist = (double *)malloc(M * K * sizeof(double));
  uint64_t keys[M];
  umapc_csr g = {0, NULL, NULL, NULL};
  umapc_data ref, q;
  umapc_layout_params par;
  const uint64_t key = umapc_rng_key(9, UMAPC_STREAM_INIT);
  int i, same = 1, left;
  umapc_interrupt intr;

  CHECK(build_graph(X, N, D, K, &g, &ref) == UMAPC_OK);
  for (i = 0; i < N * DIM; i++) emb[i] = 10.0 * urand(key, (uint64_t)i, 1);
  init_params(&par, 10, UMAPC_STREAM_LAYOUT);
  CHECK(umapc_layout(&g, 0.0, &par, 2, NULL, NULL, emb) == UMAPC_OK);

  CHECK(umapc_data_like(&ref, Y, M, 1, &q) == UMAPC_OK);
  CHECK(umapc_knn_exact(&ref, &q, K, 2, NULL, NULL, idx, dist) == UMAPC_OK);
  for (i = 0; i < M; i++) keys[i] = umapc_mix64((uint64_t)i * 1234567u + 1);

  init_params(&par, 15, UMAPC_STREAM_TRANSFORM);
  par.alpha = 0.25;
  CHECK(umapc_transform(idx, dist, M, K, emb, N, keys, 1.0, &par, 1, NULL,
                        NULL, all) == UMAPC_OK);
  CHECK(all_finite(all, M * DIM));
  CHECK(umapc_transform(idx, dist, M, K, emb, N, keys, 1.0, &par, 2, NULL,
                        NULL, all2) == UMAPC_OK);
  CHECK(memcmp(all, all2, M * DIM * sizeof(double)) == 0);
  /* each row alone gives exactly its row of the batch */
  for (i = 0; i < M; i++) {
    CHECK(umapc_transform(idx + i * K, dist + i * K, 1, K, emb, N, keys + i,
                          1.0, &par, 1, NULL, NULL, one) == UMAPC_OK);
    if (memcmp(one, all + i * DIM, sizeof(one)) != 0) same = 0;
  }
  CHECK(same);
  /* reversed batch order: same rows, same bits */
  {
    int *ridx = (int *)malloc(M * K * sizeof(int));
    double *rdist = (double *)malloc(M * K * sizeof(double));
    uint64_t rkeys[M];
    for (i = 0; i < M; i++) {
      memcpy(ridx + i * K, idx + (M - 1 - i) * K, K * sizeof(int));
      memcpy(rdist + i * K, dist + (M - 1 - i) * K, K * sizeof(double));
      rkeys[i] = keys[M - 1 - i];
    }
    CHECK(umapc_transform(ridx, rdist, M, K, emb, N, rkeys, 1.0, &par, 2, NULL,
                          NULL, all2) == UMAPC_OK);
    same = 1;
    for (i = 0; i < M; i++)
      if (memcmp(all2 + i * DIM, all + (M - 1 - i) * DIM, DIM * sizeof(double)))
        same = 0;
    CHECK(same);
    free(ridx);
    free(rdist);
  }
  /* zero epochs: the weighted mean of the neighbours, inside their hull */
  par.n_epochs = 0;
  CHECK(umapc_transform(idx, dist, M, K, emb, N, keys, 1.0, &par, 1, NULL,
                        NULL, all2) == UMAPC_OK);
  CHECK(all_finite(all2, M * DIM));
  for (i = 0; i < M; i++) {
    int c, t;
    for (c = 0; c < DIM; c++) {
      double lo = INFINITY, hi = -INFINITY;
      for (t = 0; t < K; t++) {
        const double v = emb[idx[i * K + t] * DIM + c];
        lo = fmin(lo, v);
        hi = fmax(hi, v);
      }
      CHECK(all2[i * DIM + c] >= lo - 1e-12 && all2[i * DIM + c] <= hi + 1e-12);
    }
  }
  /* bad indices are refused */
  {
    int bad[K];
    memcpy(bad, idx, sizeof(bad));
    bad[3] = N;
    CHECK(umapc_transform(bad, dist, 1, K, emb, N, keys, 1.0, &par, 1, NULL,
                          NULL, one) == UMAPC_ERR_INVALID);
    bad[3] = -1;
    CHECK(umapc_transform(bad, dist, 1, K, emb, N, keys, 1.0, &par, 1, NULL,
                          NULL, one) == UMAPC_ERR_INVALID);
  }
  /* interrupted: clean return (polled every 50 epochs at the most) */
  par.n_epochs = 300;
  left = 2;
  intr.check = stop_on_call;
  intr.ctx = &left;
  CHECK(umapc_transform(idx, dist, M, K, emb, N, keys, 1.0, &par, 1, &intr,
                        NULL, all2) == UMAPC_ERR_INTERRUPTED);

  umapc_data_free(&q);
  umapc_data_free(&ref);
  umapc_csr_free(&g);
  free(X);
  free(Y);
  free(emb);
  free(all);
  free(all2);
  free(idx);
  free(dist);
}

/* ---------------------------------------------------------------------- */
/* exact k-NN against brute force                                          */
/* ---------------------------------------------------------------------- */

/* Distance between row a of column-major A (na rows) and row b of B (nb). */
static double ref_dist(int metric, const double *A, int na, int a,
                       const double *B, int nb, int b, int d) {
  double s = 0.0, sa = 0.0, sb = 0.0, ma = 0.0, mb = 0.0;
  int j;
  switch (metric) {
    case UMAPC_METRIC_EUCLIDEAN:
      for (j = 0; j < d; j++) {
        const double t = A[(size_t)j * na + a] - B[(size_t)j * nb + b];
        s += t * t;
      }
      return sqrt(s);
    case UMAPC_METRIC_MANHATTAN:
      for (j = 0; j < d; j++) s += fabs(A[(size_t)j * na + a] - B[(size_t)j * nb + b]);
      return s;
    case UMAPC_METRIC_HAMMING:
      for (j = 0; j < d; j++) s += A[(size_t)j * na + a] != B[(size_t)j * nb + b];
      return s / d;
    case UMAPC_METRIC_CORRELATION:
      for (j = 0; j < d; j++) {
        ma += A[(size_t)j * na + a];
        mb += B[(size_t)j * nb + b];
      }
      ma /= d;
      mb /= d;
      /* fall through */
    default:
      for (j = 0; j < d; j++) {
        const double x = A[(size_t)j * na + a] - ma, y = B[(size_t)j * nb + b] - mb;
        s += x * y;
        sa += x * x;
        sb += y * y;
      }
      if (sa == 0.0 && sb == 0.0) return 0.0;
      if (sa == 0.0 || sb == 0.0) return 1.0;
      return fmax(0.0, 1.0 - s / sqrt(sa * sb));
  }
}

typedef struct {
  double d;
  int i;
} cand;

static int cand_cmp(const void *x, const void *y) {
  const cand *a = (const cand *)x, *b = (const cand *)y;
  if (a->d != b->d) return a->d < b->d ? -1 : 1;
  return (a->i > b->i) - (a->i < b->i);
}

/* Checks one result row against the brute-force sorted candidate list. */
static int row_ok(int metric, const int *ix, const double *ds, int k,
                  const cand *sorted, int self, int n_ref) {
  int c;
  const double tol = 2e-5;
  int start = self >= 0 ? 1 : 0;
  if (self >= 0 && (ix[0] != self || ds[0] != 0.0)) return 0;
  for (c = start; c < k; c++) {
    int e;
    if (ix[c] < 0 || ix[c] >= n_ref || ix[c] == self) return 0;
    for (e = 0; e < c; e++)
      if (ix[e] == ix[c]) return 0;
    if (c > start && ds[c] < ds[c - 1]) return 0;
    /* the c-th distance matches the brute-force c-th distance */
    if (fabs(ds[c] - sorted[c - start].d) > tol * (1.0 + sorted[c - start].d))
      return 0;
    /* hamming distances are exact: the indices must agree too */
    if (metric == UMAPC_METRIC_HAMMING && ix[c] != sorted[c - start].i) return 0;
  }
  return 1;
}

static void test_knn_exact(void) {
  enum { N = 45, D = 7, K = 6, Q = 9 };
  const int metrics[5] = {UMAPC_METRIC_EUCLIDEAN, UMAPC_METRIC_COSINE,
                          UMAPC_METRIC_MANHATTAN, UMAPC_METRIC_CORRELATION,
                          UMAPC_METRIC_HAMMING};
  double X[N * D], Y[Q * D];
  const uint64_t key = umapc_rng_key(11, 5);
  int m, i, j;

  for (m = 0; m < 5; m++) {
    const int metric = metrics[m];
    umapc_data ref, qd;
    int idx[N * K], idx2[N * K], bad = 0, qbad = 0;
    double dist[N * K], dist2[N * K];
    cand c[N];
    for (i = 0; i < N * D; i++)
      X[i] = metric == UMAPC_METRIC_HAMMING
                 ? (double)umapc_rng_below(umapc_rng_u64(key, 1, (uint64_t)i), 3)
                 : 100.0 * urand(key, 2, (uint64_t)i) - 30.0;
    for (i = 0; i < Q * D; i++)
      Y[i] = metric == UMAPC_METRIC_HAMMING
                 ? (double)umapc_rng_below(umapc_rng_u64(key, 3, (uint64_t)i), 3)
                 : 100.0 * urand(key, 4, (uint64_t)i) - 30.0;
    if (metric == UMAPC_METRIC_COSINE || metric == UMAPC_METRIC_CORRELATION) {
      /* a zero row and a constant row (zero after centring) */
      for (j = 0; j < D; j++) {
        X[(size_t)j * N + 4] = 0.0;
        X[(size_t)j * N + 9] = metric == UMAPC_METRIC_CORRELATION ? 3.0 : 0.0;
      }
    }
    CHECK(umapc_data_from_dense(X, N, D, metric, 1, &ref) == UMAPC_OK);
    CHECK(umapc_knn_exact(&ref, NULL, K, 1, NULL, NULL, idx, dist) == UMAPC_OK);
    CHECK(umapc_knn_exact(&ref, NULL, K, 2, NULL, NULL, idx2, dist2) == UMAPC_OK);
    CHECK(memcmp(idx, idx2, sizeof(idx)) == 0);
    CHECK(memcmp(dist, dist2, sizeof(dist)) == 0);
    for (i = 0; i < N; i++) {
      int t = 0;
      for (j = 0; j < N; j++) {
        if (j == i) continue;
        c[t].d = ref_dist(metric, X, N, i, X, N, j, D);
        c[t].i = j;
        t++;
      }
      qsort(c, (size_t)t, sizeof(cand), cand_cmp);
      bad += !row_ok(metric, idx + i * K, dist + i * K, K, c, i, N);
    }
    CHECK(bad == 0);
    if (bad) fprintf(stderr, "  metric %d: %d rows differ from brute force\n", metric, bad);

    /* query rows against the reference (no self) */
    CHECK(umapc_data_like(&ref, Y, Q, 1, &qd) == UMAPC_OK);
    CHECK(umapc_knn_exact(&ref, &qd, K, 2, NULL, NULL, idx, dist) == UMAPC_OK);
    for (i = 0; i < Q; i++) {
      for (j = 0; j < N; j++) {
        c[j].d = ref_dist(metric, Y, Q, i, X, N, j, D);
        c[j].i = j;
      }
      qsort(c, N, sizeof(cand), cand_cmp);
      qbad += !row_ok(metric, idx + i * K, dist + i * K, K, c, -1, N);
    }
    CHECK(qbad == 0);
    if (qbad) fprintf(stderr, "  metric %d: %d query rows differ\n", metric, qbad);
    /* a k larger than the data is refused */
    CHECK(umapc_knn_exact(&ref, NULL, N + 1, 1, NULL, NULL, idx, dist) ==
          UMAPC_ERR_INVALID);
    CHECK(umapc_knn_exact(&ref, NULL, 0, 1, NULL, NULL, idx, dist) ==
          UMAPC_ERR_INVALID);
    umapc_data_free(&qd);
    umapc_data_free(&ref);
  }

  /* k = n: every row lists everyone; k = 1: self only */
  {
    umapc_data ref;
    int idx[5 * 5];
    double dist[5 * 5];
    CHECK(umapc_data_from_dense(X, 5, 2, UMAPC_METRIC_EUCLIDEAN, 1, &ref) == UMAPC_OK);
    CHECK(umapc_knn_exact(&ref, NULL, 5, 1, NULL, NULL, idx, dist) == UMAPC_OK);
    for (i = 0; i < 5; i++) {
      int seen = 0;
      for (j = 0; j < 5; j++) seen |= 1 << idx[i * 5 + j];
      CHECK(seen == 31 && idx[i * 5] == i);
    }
    CHECK(umapc_knn_exact(&ref, NULL, 1, 1, NULL, NULL, idx, dist) == UMAPC_OK);
    for (i = 0; i < 5; i++) CHECK(idx[i] == i && dist[i] == 0.0);
    umapc_data_free(&ref);
  }

  /* duplicates: distance 0, ties to the lower index */
  {
    double Z[6 * 2] = {1, 1, 1, 2, 2, 2, 0, 0, 0, 0, 0, 0};
    umapc_data ref;
    int idx[6 * 3];
    double dist[6 * 3];
    CHECK(umapc_data_from_dense(Z, 6, 2, UMAPC_METRIC_EUCLIDEAN, 1, &ref) == UMAPC_OK);
    CHECK(umapc_knn_exact(&ref, NULL, 3, 2, NULL, NULL, idx, dist) == UMAPC_OK);
    CHECK(idx[0] == 0 && idx[1] == 1 && idx[2] == 2);
    CHECK(idx[3] == 1 && idx[4] == 0 && idx[5] == 2);
    CHECK(dist[1] == 0.0 && dist[2] == 0.0);
    CHECK(idx[15] == 5 && idx[16] == 3 && idx[17] == 4);
    umapc_data_free(&ref);
  }

  /* huge and tiny magnitudes stay finite (power-of-two scaling) */
  {
    double H[4 * 2] = {1e300, -1e300, 5e299, 0, 1e300, 1e300, -1e300, 0};
    double T[4 * 2] = {1e-300, 2e-300, 3e-300, 0, 0, 0, 1e-300, 0};
    umapc_data ref;
    int idx[4 * 2];
    double dist[4 * 2];
    CHECK(umapc_data_from_dense(H, 4, 2, UMAPC_METRIC_EUCLIDEAN, 1, &ref) == UMAPC_OK);
    CHECK(umapc_knn_exact(&ref, NULL, 2, 1, NULL, NULL, idx, dist) == UMAPC_OK);
    CHECK(all_finite(dist, 8));
    CHECK(dist[1] > 1e299);
    umapc_data_free(&ref);
    CHECK(umapc_data_from_dense(T, 4, 2, UMAPC_METRIC_EUCLIDEAN, 1, &ref) == UMAPC_OK);
    CHECK(umapc_knn_exact(&ref, NULL, 2, 1, NULL, NULL, idx, dist) == UMAPC_OK);
    CHECK(all_finite(dist, 8));
    CHECK(dist[1] > 0.0 && dist[1] < 1e-299);
    umapc_data_free(&ref);
  }

  /* interrupted: clean return; invalid shapes refused */
  {
    enum { NB = 5000 };
    double *B = two_blobs(NB, 3, 4);
    int *idx = (int *)malloc(NB * 3 * sizeof(int));
    double *dist = (double *)malloc(NB * 3 * sizeof(double));
    int left = 1;
    umapc_interrupt intr;
    umapc_data ref, q2;
    intr.check = stop_on_call;
    intr.ctx = &left;
    CHECK(umapc_data_from_dense(B, NB, 3, UMAPC_METRIC_EUCLIDEAN, 1, &ref) == UMAPC_OK);
    CHECK(umapc_knn_exact(&ref, NULL, 3, 2, &intr, NULL, idx, dist) ==
          UMAPC_ERR_INTERRUPTED);
    /* query with other columns */
    CHECK(umapc_data_from_dense(B, 10, 2, UMAPC_METRIC_EUCLIDEAN, 1, &q2) == UMAPC_OK);
    CHECK(umapc_knn_exact(&ref, &q2, 3, 1, NULL, NULL, idx, dist) == UMAPC_ERR_INVALID);
    umapc_data_free(&q2);
    umapc_data_free(&ref);
    free(B);
    free(idx);
    free(dist);
  }
  /* empty data refused */
  {
    umapc_data ref;
    CHECK(umapc_data_from_dense(X, 0, 3, UMAPC_METRIC_EUCLIDEAN, 1, &ref) == UMAPC_ERR_INVALID);
    CHECK(umapc_data_from_dense(X, 3, 0, UMAPC_METRIC_EUCLIDEAN, 1, &ref) == UMAPC_ERR_INVALID);
  }
}

/* ---------------------------------------------------------------------- */
/* sparse input equals dense                                               */
/* ---------------------------------------------------------------------- */

static void test_csc(void) {
  enum { N = 23, D = 19 };
  const int metrics[5] = {UMAPC_METRIC_EUCLIDEAN, UMAPC_METRIC_COSINE,
                          UMAPC_METRIC_MANHATTAN, UMAPC_METRIC_CORRELATION,
                          UMAPC_METRIC_HAMMING};
  double X[N * D], x[N * D];
  int p[D + 1], ri[N * D], nnz = 0, i, j, m;
  const uint64_t key = umapc_rng_key(13, 5);
  for (j = 0; j < D; j++) {
    p[j] = nnz;
    for (i = 0; i < N; i++) {
      double v = 0.0;
      if (urand(key, (uint64_t)j, (uint64_t)i) < 0.3)
        v = 10.0 * urand(key, 100 + (uint64_t)j, (uint64_t)i) - 5.0;
      if (i == 7) v = 0.0; /* an all-zero row */
      X[(size_t)j * N + i] = v;
      if (v != 0.0) {
        ri[nnz] = i;
        x[nnz] = v;
        nnz++;
      }
    }
  }
  p[D] = nnz;
  for (m = 0; m < 5; m++) {
    umapc_data a, b;
    CHECK(umapc_data_from_dense(X, N, D, metrics[m], 1, &a) == UMAPC_OK);
    CHECK(umapc_data_from_csc(p, ri, x, N, D, metrics[m], 2, &b) == UMAPC_OK);
    CHECK(a.n == b.n && a.d == b.d && a.ld == b.ld && a.metric == b.metric);
    CHECK(a.ld % UMAPC_LANES == 0 && a.ld >= D);
    if (b.x != NULL) {
      CHECK(memcmp(a.x, b.x, (size_t)N * a.ld * sizeof(float)) == 0);
      CHECK(a.scale == b.scale);
      CHECK((a.center == NULL) == (b.center == NULL));
    } else {
      /* kept sparse: the dense kernel values, bit for bit, where the
       * preprocessing is row-wise (manhattan is not centred when sparse:
       * the same distances to single precision) */
      int r, c;
      CHECK(umapc_sparse_metric(metrics[m]));
      for (r = 0; r < N; r++)
        for (c = 0; c < N; c++) {
          const float ka = umapc_kernel(&a, r, &a, c);
          const float kb = umapc_kernel(&b, r, &b, c);
          if (metrics[m] == UMAPC_METRIC_MANHATTAN) {
            const double da = umapc_kernel_to_dist(&a, ka);
            const double db = umapc_kernel_to_dist(&b, kb);
            CHECK(fabs(da - db) <= 1e-5 * (da > 1.0 ? da : 1.0));
          } else {
            CHECK(memcmp(&ka, &kb, sizeof(float)) == 0);
          }
        }
    }
    if (a.center != NULL && b.center != NULL)
      CHECK(memcmp(a.center, b.center, D * sizeof(double)) == 0);
    CHECK((a.zero == NULL) == (b.zero == NULL));
    if (a.zero != NULL && b.zero != NULL) {
      CHECK(memcmp(a.zero, b.zero, N) == 0);
      CHECK(a.zero[7] == 1);
    }
    /* padding is zero */
    for (i = 0; i < N; i++)
      for (j = D; j < a.ld; j++) CHECK(a.x[(size_t)i * a.ld + j] == 0.0f);
    if (metrics[m] == UMAPC_METRIC_COSINE) {
      /* zero rows: 0 to each other, 1 to the rest */
      CHECK(umapc_kernel(&a, 7, &a, 7) == 0.0f);
      CHECK(umapc_kernel(&a, 7, &a, 0) == 1.0f);
    }
    umapc_data_free(&a);
    umapc_data_free(&b);
    umapc_data_free(&b); /* freeing twice is harmless */
  }
}

/* Invalid input records the core's file and line for the error report. */
static void test_invalid_site(void) {
  const double dv[1] = {1.0};
  int idx[3], line = -1;
  double dist[3];
  const char *file = "";
  umapc_invalid_clear();
  umapc_invalid_site(&file, &line);
  CHECK(file == NULL && line == 0);
  /* k = 3 neighbours among n = 2 points */
  CHECK(umapc_knn_dist(dv, 2, 3, 1, NULL, idx, dist) == UMAPC_ERR_INVALID);
  umapc_invalid_site(&file, &line);
  CHECK(file != NULL && strstr(file, "knn_dist.c") != NULL && line > 0);
  umapc_invalid_clear();
}

int main(void) {
  test_rng();
  test_heap();
  test_heap_types();
  test_smooth_knn();
  test_fuzzy_union();
  test_fuzzy_graph();
  test_find_ab();
  test_layout();
  test_layout_phases();
  test_layout_both_ends();
  test_transform();
  test_knn_exact();
  test_csc();
  test_invalid_site();
  TEST_DONE();
}
