/* Levenberg-Marquardt fit of the UMAP output kernel (see abfit.h). */
#include "fp.h"

#include <math.h>

#include "abfit.h"
#include "core.h"
#include "fmath.h"

#define AB_POINTS 300

/* Sum of squared residuals, gradient-normal equations J^T J and J^T r. */
static double ab_system(const double *x, const double *y, double a, double b,
                        double jtj[3], double jtr[2]) {
  double ss = 0.0;
  int t;
  jtj[0] = jtj[1] = jtj[2] = 0.0;
  jtr[0] = jtr[1] = 0.0;
  for (t = 0; t < AB_POINTS; t++) {
    double p = 0.0, lx = 0.0, m, r, den, ja, jb;
    if (x[t] > 0.0) {
      lx = umapc_log(x[t]);
      p = umapc_exp(2.0 * b * lx); /* x^(2b) */
    }
    den = 1.0 + a * p;
    m = 1.0 / den;
    r = m - y[t];
    ja = -p / (den * den);
    jb = -a * p * 2.0 * lx / (den * den);
    ss += r * r;
    jtj[0] += ja * ja;
    jtj[1] += ja * jb;
    jtj[2] += jb * jb;
    jtr[0] += ja * r;
    jtr[1] += jb * r;
  }
  return ss;
}

int umapc_find_ab(double spread, double min_dist, double *a_out,
                  double *b_out) {
  double x[AB_POINTS], y[AB_POINTS];
  double a = 1.0, b = 1.0, lambda = 1e-3, ss;
  double jtj[3], jtr[2];
  int t, it;
  for (t = 0; t < AB_POINTS; t++) {
    x[t] = 3.0 * spread * t / (AB_POINTS - 1);
    y[t] = x[t] < min_dist ? 1.0 : umapc_exp(-(x[t] - min_dist) / spread);
  }
  ss = ab_system(x, y, a, b, jtj, jtr);
  for (it = 0; it < 500; it++) {
    double m00 = jtj[0] * (1.0 + lambda), m11 = jtj[2] * (1.0 + lambda);
    double m01 = jtj[1], det = m00 * m11 - m01 * m01, da, db, na, nb, nss;
    double njtj[3], njtr[2];
    if (!(fabs(det) > 0.0)) break;
    da = -(m11 * jtr[0] - m01 * jtr[1]) / det;
    db = -(-m01 * jtr[0] + m00 * jtr[1]) / det;
    na = a + da;
    nb = b + db;
    if (na <= 0.0 || nb <= 0.0) {
      lambda *= 10.0;
      if (lambda > 1e12) break;
      continue;
    }
    nss = ab_system(x, y, na, nb, njtj, njtr);
    if (nss <= ss) {
      const double rel = fabs(da) / (fabs(a) + 1e-12) + fabs(db) / (fabs(b) + 1e-12);
      a = na;
      b = nb;
      ss = nss;
      jtj[0] = njtj[0];
      jtj[1] = njtj[1];
      jtj[2] = njtj[2];
      jtr[0] = njtr[0];
      jtr[1] = njtr[1];
      lambda = lambda / 10.0 > 1e-12 ? lambda / 10.0 : 1e-12;
      if (rel < 1e-12) break;
    } else {
      lambda *= 10.0;
      if (lambda > 1e12) break;
    }
  }
  if (!isfinite(a) || !isfinite(b) || a <= 0.0 || b <= 0.0)
    return UMAPC_ERR_NUMERIC;
  *a_out = a;
  *b_out = b;
  return UMAPC_OK;
}
