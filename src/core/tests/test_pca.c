/* PCA before the neighbour search (pca.c): dense and sparse input give the
 * same bits, so do 1 and 4 threads; the components of exactly low-rank data
 * are exact; projection of the training rows gives the fitted scores. */
#include <math.h>
#include <string.h>

#include "pca.h"
#include "rng.h"
#include "testutil.h"

/* n x d column-major, about a third non-zero, rank <= 3 plus sparse noise
 * when noise != 0 */
static double *make_data(int n, int d, int noise) {
  double *X = (double *)calloc((size_t)n * d, sizeof(double));
  const uint64_t key = umapc_rng_key(7, 99);
  int i, j;
  for (i = 0; i < n; i++)
    for (j = 0; j < d; j++) {
      const double u = umapc_rng_unif(umapc_rng_u64(key, (uint64_t)i, (uint64_t)j));
      if (u < 0.35) {
        X[(size_t)j * n + i] =
            (double)(1 + (i % 3)) * (double)(1 + (j % 4)) +
            (noise ? 0.1 * umapc_rng_normal(key, (uint64_t)i, 1000 + (uint64_t)j) : 0.0);
      }
    }
  return X;
}

/* CSC slots of a dense column-major matrix */
static void to_csc(const double *X, int n, int d, int **p, int **ri, double **x) {
  int j, i, nnz = 0;
  *p = (int *)malloc(((size_t)d + 1) * sizeof(int));
  *ri = (int *)malloc((size_t)n * d * sizeof(int));
  *x = (double *)malloc((size_t)n * d * sizeof(double));
  for (j = 0; j < d; j++) {
    (*p)[j] = nnz;
    for (i = 0; i < n; i++)
      if (X[(size_t)j * n + i] != 0.0) {
        (*ri)[nnz] = i;
        (*x)[nnz] = X[(size_t)j * n + i];
        nnz++;
      }
  }
  (*p)[d] = nnz;
}

static void test_dense_sparse_threads(int n, int d, int k) {
  double *X = make_data(n, d, 1), *xs;
  int *p, *ri, conv;
  double *c1 = malloc(d * 8), *r1 = malloc((size_t)d * k * 8), *s1 = malloc(k * 8),
         *x1 = malloc((size_t)n * k * 8);
  double *c2 = malloc(d * 8), *r2 = malloc((size_t)d * k * 8), *s2 = malloc(k * 8),
         *x2 = malloc((size_t)n * k * 8), *x3 = malloc((size_t)n * k * 8);
  umapc_pca_input dense, sparse;
  to_csc(X, n, d, &p, &ri, &xs);
  memset(&dense, 0, sizeof dense);
  dense.n = sparse.n = n;
  dense.d = sparse.d = d;
  dense.dense = X;
  sparse.dense = NULL;
  sparse.p = p;
  sparse.i = ri;
  sparse.x = xs;
  CHECK(umapc_pca_fit(&dense, k, 3, 1, NULL, c1, r1, s1, x1, &conv) == UMAPC_OK);
  CHECK(umapc_pca_fit(&sparse, k, 3, 4, NULL, c2, r2, s2, x2, &conv) == UMAPC_OK);
  CHECK(memcmp(c1, c2, d * 8) == 0);
  CHECK(memcmp(r1, r2, (size_t)d * k * 8) == 0);
  CHECK(memcmp(x1, x2, (size_t)n * k * 8) == 0);
  CHECK(memcmp(s1, s2, k * 8) == 0);
  /* projecting the training rows gives the fitted scores */
  CHECK(umapc_pca_project(&sparse, k, c1, r1, 2, x3) == UMAPC_OK);
  CHECK(memcmp(x1, x3, (size_t)n * k * 8) == 0);
  /* variances in decreasing order */
  {
    int c, ok = 1;
    for (c = 1; c < k; c++) ok &= s1[c] <= s1[c - 1] * (1 + 1e-12);
    CHECK(ok);
  }
  free(X); free(xs); free(p); free(ri);
  free(c1); free(r1); free(s1); free(x1); free(c2); free(r2); free(s2); free(x2); free(x3);
}

/* noiseless rank-1 structure per column block: the first component's
 * scores reproduce the centred data exactly in its span */
static void test_low_rank(void) {
  const int n = 60, d = 5, k = 2;
  double X[300], c[5], r[10], s[2], x[120];
  int i, j, conv;
  umapc_pca_input in;
  for (i = 0; i < n; i++)
    for (j = 0; j < d; j++) X[j * n + i] = (double)(i - 30) * (double)(j + 1) + 4.0;
  memset(&in, 0, sizeof in);
  in.n = n;
  in.d = d;
  in.dense = X;
  CHECK(umapc_pca_fit(&in, k, 1, 1, NULL, c, r, s, x, &conv) == UMAPC_OK);
  /* rotation[,0] is (1..5)/sqrt(55), largest entry positive */
  for (j = 0; j < d; j++) CHECK(fabs(r[j] - (j + 1) / sqrt(55.0)) < 1e-12);
  /* the second component has no variance */
  CHECK(s[1] < 1e-6 * s[0]);
  CHECK(fabs(x[0] - (0 - 30 + 0.5) * sqrt(55.0)) < 1e-9);
}

static void test_invalid(void) {
  double X[6] = {1, 2, 3, 4, 5, 6}, c[2], r[6], s[3];
  umapc_pca_input in;
  memset(&in, 0, sizeof in);
  in.n = 3;
  in.d = 2;
  in.dense = X;
  CHECK(umapc_pca_fit(&in, 3, 1, 1, NULL, c, r, s, NULL, NULL) == UMAPC_ERR_INVALID);
  CHECK(umapc_pca_fit(&in, 0, 1, 1, NULL, c, r, s, NULL, NULL) == UMAPC_ERR_INVALID);
  CHECK(umapc_pca_fit(NULL, 1, 1, 1, NULL, c, r, s, NULL, NULL) == UMAPC_ERR_INVALID);
}

int main(void) {
  test_dense_sparse_threads(300, 40, 5);
  test_dense_sparse_threads(9000, 30, 12); /* several row chunks */
  test_dense_sparse_threads(20, 50, 30);   /* more components than rank */
  test_low_rank();
  test_invalid();
  TEST_DONE();
}
