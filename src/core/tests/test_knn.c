/* Core tests (no R): exact k-NN vs brute force, sparse == dense, bad input. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "knn.h"
#include "rng.h"
#include "testutil.h"

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
  test_knn_exact();
  test_csc();
  test_invalid_site();
  TEST_DONE();
}
