/* Core tests (no R): counter-based RNG streams and bounded heaps. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "heap.h"
#include "rng.h"
#include "testutil.h"

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

int main(void) {
  test_rng();
  test_heap();
  test_heap_types();
  TEST_DONE();
}
