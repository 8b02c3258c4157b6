/* NN-descent: recall against brute force, determinism across thread counts,
 * tiny inputs, heavy duplicates, interrupts. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "heap.h"
#include "knn.h"
#include "rng.h"
#include "testutil.h"

/* distances must match umapc_kernel(); exact on x86-64 (same lane sums) */
#ifndef DIST_TOL
#define DIST_TOL 1e-5
#endif

/* Column-major n x d: n_clusters gaussian clusters (sd 1) around centres
 * drawn uniformly in [-10, 10]^d. */
static double *clustered(int n, int d, int n_clusters, uint64_t seed) {
  const uint64_t key = umapc_rng_key(seed, 99);
  double *X = (double *)malloc((size_t)n * d * sizeof(double));
  double *c = (double *)malloc((size_t)n_clusters * d * sizeof(double));
  int i, j;
  for (i = 0; i < n_clusters * d; i++)
    c[i] = 20.0 * umapc_rng_unif(umapc_rng_u64(key, 1, (uint64_t)i)) - 10.0;
  for (i = 0; i < n; i++) {
    const int g = i % n_clusters;
    for (j = 0; j < d; j++)
      X[(size_t)j * n + i] = c[g * d + j] + umapc_rng_normal(key, 2, (uint64_t)i * d + j);
  }
  free(c);
  return X;
}

/* Exact k nearest (self first) by brute force over the kernel. */
static void brute(const umapc_data *D, int k, int *idx, float *kd) {
  int i, j;
  for (i = 0; i < D->n; i++) {
    float *hd = kd + (size_t)i * k;
    int *hi = idx + (size_t)i * k;
    umapc_heap_init(hd, hi, k);
    for (j = 0; j < D->n; j++) {
      const float v = (j == i) ? -1.0f : umapc_kernel(D, i, D, j);
      umapc_heap_push(hd, hi, k, v, j);
    }
    umapc_heap_sort(hd, hi, k);
    hd[0] = 0.0f;
  }
}

/* Structural checks every result must pass; returns the number of rows
 * that fail. Distances must equal the kernel recomputed for the pair. */
static int check_rows(const umapc_data *D, int k, const int *idx,
                      const double *dist) {
  int i, c, e, bad = 0;
  for (i = 0; i < D->n; i++) {
    const int *r = idx + (size_t)i * k;
    const double *rd = dist + (size_t)i * k;
    int ok = (r[0] == i && rd[0] == 0.0);
    for (c = 1; c < k && ok; c++) {
      double want;
      if (r[c] < 0 || r[c] >= D->n || r[c] == i) ok = 0;
      if (!ok) break;
      for (e = 0; e < c; e++)
        if (r[e] == r[c]) ok = 0;
      want = umapc_kernel_to_dist(D, umapc_kernel(D, i, D, r[c]));
      if (fabs(rd[c] - want) > DIST_TOL * (1.0 + fabs(want))) ok = 0;
      if (c > 1 && (rd[c] < rd[c - 1] || (rd[c] == rd[c - 1] && r[c] < r[c - 1])))
        ok = 0;
    }
    bad += !ok;
  }
  return bad;
}

static double recall(int n, int k, const int *idx, const int *ex) {
  long hit = 0;
  int i, c, e;
  for (i = 0; i < n; i++)
    for (c = 0; c < k; c++)
      for (e = 0; e < k; e++)
        if (idx[(size_t)i * k + c] == ex[(size_t)i * k + e]) {
          hit++;
          break;
        }
  return (double)hit / ((double)n * k);
}

static int progress_calls = 0;
static void on_progress(void *ctx, const char *stage, long done, long total) {
  (void)ctx;
  (void)stage;
  if (done >= 1 && done <= total) progress_calls++;
}

static int stop_after(void *ctx) {
  int *calls = (int *)ctx;
  return ++*calls > 3;
}

/* The buffers of one test: exact neighbours (ex, exd) and two runs'
 * results (i1, d1 and i2, d2) of n rows x k. */
typedef struct {
  int n, k;
  int *ex, *i1, *i2;
  float *exd;
  double *d1, *d2;
} runs;

static runs runs_alloc(int n, int k) {
  runs b;
  const size_t m = (size_t)n * k;
  b.n = n;
  b.k = k;
  b.ex = (int *)malloc(m * sizeof(int));
  b.exd = (float *)malloc(m * sizeof(float));
  b.i1 = (int *)malloc(m * sizeof(int));
  b.i2 = (int *)malloc(m * sizeof(int));
  b.d1 = (double *)malloc(m * sizeof(double));
  b.d2 = (double *)malloc(m * sizeof(double));
  return b;
}

static void runs_free(runs *b) {
  free(b->ex);
  free(b->exd);
  free(b->i1);
  free(b->i2);
  free(b->d1);
  free(b->d2);
}

/* the two runs gave the same bits */
static void check_same_runs(const runs *b) {
  const size_t m = (size_t)b->n * b->k;
  CHECK(memcmp(b->i1, b->i2, m * sizeof(int)) == 0);
  CHECK(memcmp(b->d1, b->d2, m * sizeof(double)) == 0);
}

static void test_recall_and_threads(int metric, int n, int d, double min_recall) {
  const int k = 15;
  double *X = clustered(n, d, 10, 7);
  umapc_data D;
  runs B = runs_alloc(n, k);
  umapc_progress prog;
  int th;
  double r;
  prog.report = on_progress;
  prog.ctx = NULL;
  CHECK(umapc_data_from_dense(X, n, d, metric, 2, &D) == UMAPC_OK);
  brute(&D, k, B.ex, B.exd);
  progress_calls = 0;
  CHECK(umapc_knn_nndescent(&D, k, NULL, 42, 1, NULL, &prog, B.i1, B.d1) == UMAPC_OK);
  CHECK(progress_calls >= 1);
  CHECK(check_rows(&D, k, B.i1, B.d1) == 0);
  r = recall(n, k, B.i1, B.ex);
  fprintf(stderr, "  metric %d, %d x %d: recall %.4f\n", metric, n, d, r);
  CHECK(r >= min_recall);
  for (th = 2; th <= 4; th += 2) {
    memset(B.i2, 0, (size_t)n * k * sizeof(int));
    CHECK(umapc_knn_nndescent(&D, k, NULL, 42, th, NULL, NULL, B.i2, B.d2) == UMAPC_OK);
    check_same_runs(&B);
  }
  /* other seeds: also fine, and deterministic */
  CHECK(umapc_knn_nndescent(&D, k, NULL, 12345, 3, NULL, NULL, B.i2, B.d2) == UMAPC_OK);
  CHECK(check_rows(&D, k, B.i2, B.d2) == 0);
  CHECK(recall(n, k, B.i2, B.ex) >= min_recall);
  CHECK(umapc_knn_nndescent(&D, k, NULL, 12345, 1, NULL, NULL, B.i1, B.d1) == UMAPC_OK);
  check_same_runs(&B);
  free(X);
  runs_free(&B);
  umapc_data_free(&D);
}

/* Small leaves and few candidates stress the fill and the joins. */
static void test_params(void) {
  const int n = 3000, d = 10, k = 10;
  double *X = clustered(n, d, 5, 3);
  umapc_data D;
  runs B = runs_alloc(n, k);
  umapc_nnd_params P;
  double r;
  memset(&P, 0, sizeof(P));
  P.n_trees = 2;
  P.leaf_size = 3;
  P.max_candidates = 7;
  P.n_iters = 30;
  CHECK(umapc_data_from_dense(X, n, d, UMAPC_METRIC_EUCLIDEAN, 1, &D) == UMAPC_OK);
  brute(&D, k, B.ex, B.exd);
  CHECK(umapc_knn_nndescent(&D, k, &P, 5, 1, NULL, NULL, B.i1, B.d1) == UMAPC_OK);
  CHECK(check_rows(&D, k, B.i1, B.d1) == 0);
  r = recall(n, k, B.i1, B.ex);
  fprintf(stderr, "  small leaves/candidates: recall %.4f\n", r);
  CHECK(r >= 0.95);
  CHECK(umapc_knn_nndescent(&D, k, &P, 5, 4, NULL, NULL, B.i2, B.d2) == UMAPC_OK);
  check_same_runs(&B);
  /* no trees at all: random initial graph */
  P.n_trees = 0;
  P.leaf_size = 0;
  P.max_candidates = 0;
  CHECK(umapc_knn_nndescent(&D, k, &P, 5, 2, NULL, NULL, B.i1, B.d1) == UMAPC_OK);
  CHECK(check_rows(&D, k, B.i1, B.d1) == 0);
  free(X);
  runs_free(&B);
  umapc_data_free(&D);
}

static void test_metrics(void) {
  const int metrics[3] = {UMAPC_METRIC_MANHATTAN, UMAPC_METRIC_CORRELATION,
                          UMAPC_METRIC_HAMMING};
  const int n = 2000, d = 16, k = 10;
  double *X = clustered(n, d, 8, 11);
  runs B = runs_alloc(n, k);
  int m, t;
  for (m = 0; m < 3; m++) {
    umapc_data D;
    if (metrics[m] == UMAPC_METRIC_HAMMING)
      for (t = 0; t < n * d; t++) X[t] = X[t] > 0 ? 1.0 : 0.0;
    CHECK(umapc_data_from_dense(X, n, d, metrics[m], 1, &D) == UMAPC_OK);
    brute(&D, k, B.ex, B.exd);
    CHECK(umapc_knn_nndescent(&D, k, NULL, 1, 2, NULL, NULL, B.i1, B.d1) == UMAPC_OK);
    CHECK(check_rows(&D, k, B.i1, B.d1) == 0);
    CHECK(umapc_knn_nndescent(&D, k, NULL, 1, 1, NULL, NULL, B.i2, B.d2) == UMAPC_OK);
    check_same_runs(&B);
    if (metrics[m] != UMAPC_METRIC_HAMMING) { /* hamming: massive ties */
      double r = recall(n, k, B.i1, B.ex);
      fprintf(stderr, "  metric %d: recall %.4f\n", metrics[m], r);
      CHECK(r >= 0.97);
    } else {
      /* compare the k-th distance: ties make index recall meaningless */
      int i, worse = 0;
      for (i = 0; i < n; i++)
        worse += B.d1[(size_t)i * k + k - 1] >
                 umapc_kernel_to_dist(&D, B.exd[(size_t)i * k + k - 1]) + 1e-9;
      CHECK(worse <= n / 50);
    }
    umapc_data_free(&D);
  }
  free(X);
  runs_free(&B);
}

static void test_tiny(void) {
  const double X[5 * 3] = {0, 1, 2, 3, 4.5, 0, 0, 1, 1, 0, 3, 2, 1, 0, 1};
  int idx[25], idx2[25], i;
  double dist[25], dist2[25];
  umapc_data D;
  CHECK(umapc_data_from_dense(X, 5, 3, UMAPC_METRIC_EUCLIDEAN, 1, &D) == UMAPC_OK);
  CHECK(umapc_knn_nndescent(&D, 5, NULL, 1, 1, NULL, NULL, idx, dist) == UMAPC_OK);
  CHECK(check_rows(&D, 5, idx, dist) == 0);
  CHECK(umapc_knn_nndescent(&D, 5, NULL, 1, 4, NULL, NULL, idx2, dist2) == UMAPC_OK);
  CHECK(memcmp(idx, idx2, sizeof(idx)) == 0);
  CHECK(memcmp(dist, dist2, sizeof(dist)) == 0);
  CHECK(umapc_knn_nndescent(&D, 2, NULL, 9, 2, NULL, NULL, idx, dist) == UMAPC_OK);
  CHECK(check_rows(&D, 2, idx, dist) == 0);
  CHECK(umapc_knn_nndescent(&D, 1, NULL, 9, 2, NULL, NULL, idx, dist) == UMAPC_OK);
  for (i = 0; i < 5; i++) CHECK(idx[i] == i && dist[i] == 0.0);
  CHECK(umapc_knn_nndescent(&D, 6, NULL, 9, 2, NULL, NULL, idx, dist) == UMAPC_ERR_INVALID);
  CHECK(umapc_knn_nndescent(&D, 0, NULL, 9, 2, NULL, NULL, idx, dist) == UMAPC_ERR_INVALID);
  umapc_data_free(&D);
  {
    const double one[2] = {1.0, 2.0};
    CHECK(umapc_data_from_dense(one, 1, 2, UMAPC_METRIC_COSINE, 1, &D) == UMAPC_OK);
    CHECK(umapc_knn_nndescent(&D, 1, NULL, 9, 2, NULL, NULL, idx, dist) == UMAPC_OK);
    CHECK(idx[0] == 0 && dist[0] == 0.0);
    umapc_data_free(&D);
  }
}

static void test_duplicates(void) {
  const int n = 1000, d = 4, k = 15;
  double *X = (double *)malloc((size_t)n * d * sizeof(double));
  int *idx = (int *)malloc((size_t)n * k * sizeof(int));
  int *idx2 = (int *)malloc((size_t)n * k * sizeof(int));
  double *dist = (double *)malloc((size_t)n * k * sizeof(double));
  double *dist2 = (double *)malloc((size_t)n * k * sizeof(double));
  umapc_data D;
  int i, j, c, bad = 0;
  for (i = 0; i < n; i++)
    for (j = 0; j < d; j++) X[(size_t)j * n + i] = (double)((i * 7) % 3) * (j + 1);
  for (c = 0; c < 2; c++) {
    const int metric = c == 0 ? UMAPC_METRIC_EUCLIDEAN : UMAPC_METRIC_COSINE;
    CHECK(umapc_data_from_dense(X, n, d, metric, 1, &D) == UMAPC_OK);
    CHECK(umapc_knn_nndescent(&D, k, NULL, 3, 1, NULL, NULL, idx, dist) == UMAPC_OK);
    CHECK(check_rows(&D, k, idx, dist) == 0);
    for (i = 0; i < n; i++)
      for (j = 0; j < k; j++) {
        const int q = idx[(size_t)i * k + j];
        if (dist[(size_t)i * k + j] > (metric == UMAPC_METRIC_COSINE ? 1e-6 : 0.0)) bad++;
        /* cosine: groups 1 and 2 are the same direction */
        if (metric == UMAPC_METRIC_EUCLIDEAN && (q * 7) % 3 != (i * 7) % 3) bad++;
        if (metric == UMAPC_METRIC_COSINE && (((q * 7) % 3 == 0) != ((i * 7) % 3 == 0)))
          bad++;
      }
    CHECK(bad == 0);
    CHECK(umapc_knn_nndescent(&D, k, NULL, 3, 4, NULL, NULL, idx2, dist2) == UMAPC_OK);
    CHECK(memcmp(idx, idx2, (size_t)n * k * sizeof(int)) == 0);
    CHECK(memcmp(dist, dist2, (size_t)n * k * sizeof(double)) == 0);
    umapc_data_free(&D);
  }
  free(X);
  free(idx);
  free(idx2);
  free(dist);
  free(dist2);
}

static void test_interrupt(void) {
  const int n = 3000, d = 8, k = 10;
  double *X = clustered(n, d, 4, 5);
  int *idx = (int *)malloc((size_t)n * k * sizeof(int));
  double *dist = (double *)malloc((size_t)n * k * sizeof(double));
  umapc_data D;
  umapc_interrupt intr;
  int calls = 0;
  umapc_nnd_params P;
  memset(&P, 0, sizeof(P));
  P.delta = 1e-12; /* keep iterating */
  P.n_iters = 20;
  intr.check = stop_after;
  intr.ctx = &calls;
  CHECK(umapc_data_from_dense(X, n, d, UMAPC_METRIC_EUCLIDEAN, 1, &D) == UMAPC_OK);
  CHECK(umapc_knn_nndescent(&D, k, &P, 1, 2, &intr, NULL, idx, dist) ==
        UMAPC_ERR_INTERRUPTED);
  calls = -1000000; /* never stops */
  CHECK(umapc_knn_nndescent(&D, k, &P, 1, 2, &intr, NULL, idx, dist) == UMAPC_OK);
  CHECK(check_rows(&D, k, idx, dist) == 0);
  umapc_data_free(&D);
  free(X);
  free(idx);
  free(dist);
}

static void test_defaults(void) {
  umapc_nnd_params P;
  umapc_nnd_defaults(70000, 15, &P);
  CHECK(P.n_trees == 8);
  CHECK(P.n_iters == 16);
  CHECK(P.leaf_size == 75);
  CHECK(P.max_candidates == 60);
  CHECK(P.delta == 0.001);
  umapc_nnd_defaults(10000000, 300, &P);
  CHECK(P.n_trees == 8);
  CHECK(P.leaf_size == 256);
  umapc_nnd_defaults(100, 5, &P);
  CHECK(P.n_iters == 7);
  CHECK(P.leaf_size == 60);
  CHECK(P.n_trees == 5);
}

int main(void) {
  test_defaults();
  test_tiny();
  test_duplicates();
  test_recall_and_threads(UMAPC_METRIC_EUCLIDEAN, 5000, 20, 0.99);
  test_recall_and_threads(UMAPC_METRIC_COSINE, 5000, 20, 0.99);
  /* wide rows: the trees split a sparse random projection */
  test_recall_and_threads(UMAPC_METRIC_EUCLIDEAN, 2000, 300, 0.99);
  test_recall_and_threads(UMAPC_METRIC_CORRELATION, 2000, 300, 0.99);
  test_params();
  test_metrics();
  test_interrupt();
  TEST_DONE();
}
