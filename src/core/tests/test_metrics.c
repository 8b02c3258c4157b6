/*
 * The further metrics (chebyshev, minkowski, canberra, braycurtis,
 * hellinger, jaccard, dice) and sparse copies:
 *  - every kernel, converted to a distance, matches a double-precision
 *    reference computed here from the definitions;
 *  - a sparse copy gives bit for bit the dense copy's kernel values for the
 *    metrics whose preprocessing is row-wise (cosine, hamming, canberra,
 *    braycurtis, hellinger, jaccard, dice), and reference distances for the
 *    others kept sparse (manhattan, chebyshev, minkowski);
 *  - new rows expressed like a sparse reference give its kernel values;
 *  - exact and NN-descent searches run on sparse copies.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "kernels.h"
#include "knn.h"
#include "testutil.h"

/* the test values' generator state (testutil.h), seeded */
static uint64_t st = 0x9e3779b97f4a7c15ULL;

static uint32_t fbits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof(u));
  return u;
}

/* Reference distance between rows a and b of the column-major n x d X. */
static double ref_dist(const double *X, int n, int d, int a, int b, int metric,
                       double p) {
  double s = 0.0, s2 = 0.0, sa = 0.0, sb = 0.0, m = 0.0;
  int j, tt = 0, u = 0;
  for (j = 0; j < d; j++) {
    const double x = X[(size_t)j * n + a], y = X[(size_t)j * n + b];
    const double t = fabs(x - y);
    switch (metric) {
      case UMAPC_METRIC_MANHATTAN: s += t; break;
      case UMAPC_METRIC_CHEBYSHEV: m = t > m ? t : m; break;
      case UMAPC_METRIC_MINKOWSKI: s += pow(t, p); break;
      case UMAPC_METRIC_CANBERRA:
        if (fabs(x) + fabs(y) > 0.0) s += t / (fabs(x) + fabs(y));
        break;
      case UMAPC_METRIC_BRAYCURTIS: s += t; s2 += fabs(x + y); break;
      case UMAPC_METRIC_HELLINGER: s += sqrt(x * y); sa += x; sb += y; break;
      case UMAPC_METRIC_COSINE: s += x * y; sa += x * x; sb += y * y; break;
      case UMAPC_METRIC_HAMMING: s += x != y; break;
      default: /* jaccard, dice */
        tt += (x != 0.0) && (y != 0.0);
        u += (x != 0.0) + (y != 0.0);
        break;
    }
  }
  switch (metric) {
    case UMAPC_METRIC_CHEBYSHEV: return m;
    case UMAPC_METRIC_MINKOWSKI: return pow(s, 1.0 / p);
    case UMAPC_METRIC_BRAYCURTIS: return s2 > 0.0 ? s / s2 : 0.0;
    case UMAPC_METRIC_HELLINGER:
      if (sa == 0.0 || sb == 0.0) return (sa == 0.0 && sb == 0.0) ? 0.0 : 1.0;
      return sqrt(fmax(0.0, 1.0 - s / sqrt(sa * sb)));
    case UMAPC_METRIC_COSINE:
      if (sa == 0.0 || sb == 0.0) return (sa == 0.0 && sb == 0.0) ? 0.0 : 1.0;
      return fmax(0.0, 1.0 - s / sqrt(sa * sb));
    case UMAPC_METRIC_HAMMING: return s / d;
    case UMAPC_METRIC_JACCARD: return u - tt > 0 ? (double)(u - 2 * tt) / (u - tt) : 0.0;
    case UMAPC_METRIC_DICE: return u > 0 ? (double)(u - 2 * tt) / u : 0.0;
    default: return s;
  }
}

/* n x d data: values by `style` (0 real with signs, 1 non-negative counts,
 * 2 binary), about half zeros, and rows 0 and 3 all zero. */
static void make_data(double *X, int n, int d, int style) {
  int i, j;
  for (j = 0; j < d; j++)
    for (i = 0; i < n; i++) {
      double v = 0.0;
      if (test_unif(&st) < 0.5 && i != 0 && i != 3) {
        if (style == 0) v = (test_unif(&st) - 0.4) * 8.0;
        else if (style == 1) v = floor(test_unif(&st) * 5.0) + (test_unif(&st) < 0.3 ? test_unif(&st) : 0.0);
        else v = 1.0;
      }
      X[(size_t)j * n + i] = v;
    }
}

/* dgCMatrix slots of X (stored entries = the non-zeros) */
static void to_csc(const double *X, int n, int d, int *p, int *ri, double *x) {
  int i, j, t = 0;
  for (j = 0; j < d; j++) {
    p[j] = t;
    for (i = 0; i < n; i++)
      if (X[(size_t)j * n + i] != 0.0) {
        ri[t] = i;
        x[t++] = X[(size_t)j * n + i];
      }
  }
  p[d] = t;
}

static double rel_err(double a, double b) {
  return fabs(a - b) / (fabs(b) + 1e-12);
}

int main(void) {
  enum { N = 40 };
  const int dims[3] = {7, 37, 150};
  const int metrics[10] = {UMAPC_METRIC_CHEBYSHEV, UMAPC_METRIC_MINKOWSKI,
                           UMAPC_METRIC_CANBERRA, UMAPC_METRIC_BRAYCURTIS,
                           UMAPC_METRIC_HELLINGER, UMAPC_METRIC_JACCARD,
                           UMAPC_METRIC_DICE, UMAPC_METRIC_MANHATTAN,
                           UMAPC_METRIC_COSINE, UMAPC_METRIC_HAMMING};
  const double ps[4] = {3.0, 1.5, 7.0, 2.0};
  int di, mi, pi, worst_ok = 1;
  for (di = 0; di < 3; di++) {
    const int d = dims[di];
    double *X = (double *)malloc((size_t)N * d * sizeof(double));
    double *Q = (double *)malloc((size_t)5 * d * sizeof(double));
    int *cp = (int *)malloc(((size_t)d + 1) * sizeof(int));
    int *ri = (int *)malloc((size_t)N * d * sizeof(int));
    double *cx = (double *)malloc((size_t)N * d * sizeof(double));
    for (mi = 0; mi < 10; mi++) {
      const int metric = metrics[mi];
      const int style = (metric == UMAPC_METRIC_JACCARD || metric == UMAPC_METRIC_DICE)
                            ? 2
                            : (metric == UMAPC_METRIC_HELLINGER ? 1 : 0);
      const int same_bits = metric != UMAPC_METRIC_MANHATTAN &&
                            metric != UMAPC_METRIC_CHEBYSHEV &&
                            metric != UMAPC_METRIC_MINKOWSKI;
      for (pi = 0; pi < (metric == UMAPC_METRIC_MINKOWSKI ? 4 : 1); pi++) {
        umapc_data D, S, QS;
        int a, b, i, j;
        double worst = 0.0;
        make_data(X, N, d, style);
        to_csc(X, N, d, cp, ri, cx);
        CHECK(umapc_data_from_dense(X, N, d, metric, 2, &D) == UMAPC_OK);
        CHECK(umapc_data_from_csc(cp, ri, cx, N, d, metric, 2, &S) == UMAPC_OK);
        CHECK(D.x != NULL);
        CHECK(S.x == NULL && S.sp != NULL);
        if (metric == UMAPC_METRIC_MINKOWSKI) {
          CHECK(umapc_data_set_p(&D, ps[pi]) == UMAPC_OK);
          CHECK(umapc_data_set_p(&S, ps[pi]) == UMAPC_OK);
        }
        for (a = 0; a < N; a++)
          for (b = 0; b < N; b++) {
            const double r = ref_dist(X, N, d, a, b, metric, ps[pi]);
            const float kd = umapc_kernel(&D, a, &D, b);
            const float ks = umapc_kernel(&S, a, &S, b);
            const double dd = umapc_kernel_to_dist(&D, kd);
            const double ds = umapc_kernel_to_dist(&S, ks);
            /* float rows and sums: relative error of a few float ulps;
             * 1 - dot on unit rows has an absolute error of that size,
             * which hellinger's square root magnifies near 0 */
            const int absolute = metric == UMAPC_METRIC_HELLINGER ||
                                 metric == UMAPC_METRIC_COSINE;
            const double e = absolute ? fmax(fabs(dd - r), fabs(ds - r))
                                      : fmax(rel_err(dd, r), rel_err(ds, r));
            const double tol = metric == UMAPC_METRIC_HELLINGER ? 2e-3 : 1e-5;
            if (e > worst) worst = e;
            if (!(e <= tol)) {
              fprintf(stderr, "metric %d p %g d %d rows %d %d: ref %.9g dense %.9g sparse %.9g\n",
                      metric, ps[pi], d, a, b, r, dd, ds);
              worst_ok = 0;
            }
            if (same_bits) CHECK(fbits(kd) == fbits(ks));
            if (a == b && !absolute) CHECK(kd == 0.0f && ks == 0.0f);
          }
        (void)worst;
        /* new rows like the sparse reference: rows 0..4 of X */
        for (j = 0; j < d; j++)
          for (i = 0; i < 5; i++) Q[(size_t)j * 5 + i] = X[(size_t)j * N + i];
        CHECK(umapc_data_like(&S, Q, 5, 1, &QS) == UMAPC_OK);
        CHECK(QS.x == NULL && QS.p == S.p);
        for (i = 0; i < 5; i++)
          for (b = 0; b < N; b++)
            CHECK(fbits(umapc_kernel(&QS, i, &S, b)) == fbits(umapc_kernel(&S, i, &S, b)));
        /* searches on the sparse copy: exact and NN-descent agree here */
        {
          int idx1[N * 6], idx2[N * 6];
          double d1[N * 6], d2[N * 6];
          CHECK(umapc_knn_exact(&S, NULL, 6, 2, NULL, NULL, idx1, d1) == UMAPC_OK);
          CHECK(umapc_knn_nndescent(&S, 6, NULL, 7, 2, NULL, NULL, idx2, d2) == UMAPC_OK);
          for (i = 0; i < N * 6; i++) CHECK(d1[i] == d2[i]);
          CHECK(umapc_knn_exact(&S, &QS, 6, 1, NULL, NULL, idx2, d2) == UMAPC_OK);
          /* (under cosine and hellinger a row's kernel value to itself
           * is a rounding error, not 0, so self is not always first) */
          if (metric != UMAPC_METRIC_COSINE && metric != UMAPC_METRIC_HELLINGER)
            for (i = 0; i < 5 * 6; i++) CHECK(d2[i] == d1[i]);
        }
        /* the dense copy's parts give back the same copy */
        {
          umapc_data R, P;
          float *rows = (float *)malloc((size_t)N * d * sizeof(float));
          for (i = 0; i < N * d; i++) rows[i] = 7.0f; /* all overwritten */
          CHECK(umapc_data_rows_from_dense(X, N, d, metric, 2, rows, &P) == UMAPC_OK);
          CHECK(P.x == NULL && P.n == N && P.d == d && P.ld == D.ld);
          CHECK(P.scale == D.scale);
          CHECK(umapc_data_from_rows(rows, N, d, metric, P.scale, P.center, P.zero,
                                     P.cnt, &R) == UMAPC_OK);
          umapc_data_free(&P);
          if (metric == UMAPC_METRIC_MINKOWSKI) CHECK(umapc_data_set_p(&R, D.p) == UMAPC_OK);
          CHECK(R.ld == D.ld && R.scale == D.scale && R.p == D.p && R.p_int == D.p_int);
          CHECK(memcmp(R.x, D.x, (size_t)N * D.ld * sizeof(float)) == 0);
          CHECK((R.center == NULL) == (D.center == NULL));
          if (D.center) CHECK(memcmp(R.center, D.center, (size_t)d * sizeof(double)) == 0);
          if (D.zero) CHECK(memcmp(R.zero, D.zero, N) == 0);
          if (D.cnt) CHECK(memcmp(R.cnt, D.cnt, N * sizeof(float)) == 0);
          for (b = 0; b < N; b++)
            CHECK(fbits(umapc_kernel(&R, 3, &R, b)) == fbits(umapc_kernel(&D, 3, &D, b)));
          umapc_data_free(&R);
          /* parts that do not fit the metric are refused */
          CHECK(umapc_data_from_rows(rows, N, d, metric, 0.0, D.center, D.zero, D.cnt,
                                     &R) == UMAPC_ERR_INVALID);
          CHECK(umapc_data_from_rows(rows, N, d, 99, D.scale, D.center, D.zero, D.cnt,
                                     &R) == UMAPC_ERR_INVALID);
          CHECK(umapc_data_from_rows(rows, N, d, metric, D.scale,
                                     D.center ? NULL : X, D.zero, D.cnt,
                                     &R) == UMAPC_ERR_INVALID);
          free(rows);
        }
        umapc_data_free(&D);
        umapc_data_free(&S);
        umapc_data_free(&QS);
      }
    }
    free(X);
    free(Q);
    free(cp);
    free(ri);
    free(cx);
  }
  CHECK(worst_ok);
  /* the dispatched (vector) kernels give the scalar kernels' bits, on rows
   * with zeros, negative zeros, signs and a wide range of magnitudes */
  {
    float x[256], y[256];
    int rep_, ld, i;
    for (rep_ = 0; rep_ < 400; rep_++) {
      ld = 16 * (1 + rep_ % 16);
      for (i = 0; i < ld; i++) {
        const double u = test_unif(&st);
        x[i] = u < 0.3 ? 0.0f : u < 0.35 ? -0.0f : (float)ldexp(test_unif(&st) - 0.5, (int)(test_unif(&st) * 40) - 20);
        y[i] = test_unif(&st) < 0.3 ? 0.0f : (rep_ % 3 == 0 ? x[i] : (float)ldexp(test_unif(&st) - 0.5, (int)(test_unif(&st) * 40) - 20));
      }
      CHECK(fbits(umapc_canberra(x, y, ld)) == fbits(umapc_canberra_scalar(x, y, ld)));
      CHECK(fbits(umapc_braycurtis(x, y, ld)) == fbits(umapc_braycurtis_scalar(x, y, ld)));
      for (i = 1; i <= 9; i++)
        CHECK(fbits(umapc_minkowski(x, y, ld, i, (double)i)) ==
              fbits(umapc_minkowski_scalar(x, y, ld, i, (double)i)));
      CHECK(fbits(umapc_minkowski(x, y, ld, 64, 64.0)) ==
            fbits(umapc_minkowski_scalar(x, y, ld, 64, 64.0)));
    }
  }
  /* minkowski's exponent must be in [1, 64] */
  {
    umapc_data D;
    double X[6] = {1, 2, 3, 4, 5, 6};
    CHECK(umapc_data_from_dense(X, 3, 2, UMAPC_METRIC_MINKOWSKI, 1, &D) == UMAPC_OK);
    CHECK(umapc_data_set_p(&D, 0.5) == UMAPC_ERR_INVALID);
    CHECK(umapc_data_set_p(&D, 65.0) == UMAPC_ERR_INVALID);
    CHECK(umapc_data_set_p(&D, NAN) == UMAPC_ERR_INVALID);
    CHECK(umapc_data_set_p(&D, 64.0) == UMAPC_OK && D.p_int == 64);
    CHECK(umapc_data_set_p(&D, 2.5) == UMAPC_OK && D.p_int == 0);
    umapc_data_free(&D);
  }
  TEST_DONE();
}
