/* exp, log, pow and cos of umapc's own (see fmath.h). */
#include "fp.h"

#include <stdint.h>
#include <string.h>

#include "fmath.h"
#include "kernels.h"

static double from_bits(uint64_t u) {
  double d;
  memcpy(&d, &u, sizeof(d));
  return d;
}

static uint64_t to_bits(double d) {
  uint64_t u;
  memcpy(&u, &d, sizeof(u));
  return u;
}

#define POS_INF from_bits(0x7ff0000000000000ULL)
#define NEG_INF from_bits(0xfff0000000000000ULL)
#define QNAN from_bits(0x7ff8000000000000ULL)

/* log(2) in two parts: LN2_HI has 32 significant bits, so k * LN2_HI is
 * exact for |k| < 2^21 */
#define LN2_HI 6.93147180369123816490e-01 /* 0x3fe62e42fee00000 */
#define LN2_LO 1.90821492927058770002e-10 /* 0x3dea39ef35793c76 */
#define INV_LN2 1.44269504088896338700e+00

/* e^r by its Taylor series to r^13 in Horner's order, on a double or a
 * vector of doubles (umapc_exp() and umapc_exp_n(): the same operations);
 * c13: the first coefficient, 1 / 13!, of r's type */
#define EXP_TAYLOR(r, c13)                                                  \
  ((((((((((((((c13) * (r) + 1.0 / 479001600.0) * (r) +                    \
              1.0 / 39916800.0) * (r) + 1.0 / 3628800.0) * (r) +            \
            1.0 / 362880.0) * (r) + 1.0 / 40320.0) * (r) + 1.0 / 5040.0) *  \
         (r) + 1.0 / 720.0) * (r) + 1.0 / 120.0) * (r) + 1.0 / 24.0) *      \
      (r) + 1.0 / 6.0) * (r) + 0.5) * (r) + 1.0) * (r) + 1.0)

/* 2^k for -1022 <= k <= 1023, exactly */
static double pow2i(int k) {
  return from_bits((uint64_t)(k + 1023) << 52);
}

/* x * 2^k for x in [1/2, 2], rounded once (into the subnormal range too) */
static double scale2(double x, int k) {
  if (k > 1023) return (x * pow2i(1023)) * pow2i(k - 1023);
  if (k < -1022) {
    if (k < -1022 - 53) return 0.0;
    return (x * pow2i(k + 53)) * pow2i(-53);
  }
  return x * pow2i(k);
}

double umapc_exp(double x) {
  double kd, r, p;
  int k;
  if (x != x) return x;
  if (x > 709.782712893384) return POS_INF;
  if (x < -745.2) return 0.0;
  /* x = k log 2 + r, |r| <= log(2) / 2 (plus rounding) */
  kd = x * INV_LN2;
  k = (int)(kd < 0.0 ? kd - 0.5 : kd + 0.5);
  kd = (double)k;
  r = (x - kd * LN2_HI) - kd * LN2_LO;
  /* e^r by its Taylor series to r^13 (truncation < 5e-18 for |r| < 0.35) */
  p = EXP_TAYLOR(r, 1.0 / 6227020800.0);
  return scale2(p, k);
}

/*
 * umapc_exp() of n values, four at a time where the compiler has vector
 * extensions: the same operations in the same order on each lane, so the
 * same bits. Lanes outside [-708, 708] (or NaN), where umapc_exp() clamps or
 * scales in two steps, go through umapc_exp() itself.
 */
#if (defined(__GNUC__) || defined(__clang__)) && !defined(UMAPC_NO_VECTOR)
typedef double v4d __attribute__((vector_size(32)));
typedef long long v4l __attribute__((vector_size(32)));
typedef int v4i32 __attribute__((vector_size(16)));

static inline __attribute__((always_inline)) void exp_n_body(const double *x,
                                                            double *y, int n) {
  int i = 0, l;
  for (; i + 4 <= n; i += 4) {
    const v4d c13 = {1.0 / 6227020800.0, 1.0 / 6227020800.0,
                     1.0 / 6227020800.0, 1.0 / 6227020800.0};
    v4d v, kd, r, p;
    v4l ok, bits;
    v4i32 k;
    memcpy(&v, x + i, sizeof(v));
    ok = (v >= -708.0) & (v <= 708.0);
    kd = v * INV_LN2;
    kd = (v4d)(((v4l)(kd - 0.5) & (kd < 0.0)) | ((v4l)(kd + 0.5) & ~(kd < 0.0)));
    k = __builtin_convertvector(kd, v4i32);
    kd = __builtin_convertvector(k, v4d);
    r = (v - kd * LN2_HI) - kd * LN2_LO;
    p = EXP_TAYLOR(r, c13);
    /* 2^k exactly (|k| <= 1022 here), as pow2i() */
    bits = (__builtin_convertvector(k, v4l) + 1023) << 52;
    p = p * (v4d)bits;
    memcpy(y + i, &p, sizeof(p));
    for (l = 0; l < 4; l++)
      if (!ok[l]) y[i + l] = umapc_exp(v[l]);
  }
  for (; i < n; i++) y[i] = umapc_exp(x[i]);
}

static void exp_n_generic(const double *x, double *y, int n) {
  exp_n_body(x, y, n);
}

#if defined(__x86_64__) && !defined(UMAPC_NO_AVX2)
__attribute__((target("avx2"))) static void exp_n_avx2(const double *x,
                                                       double *y, int n) {
  exp_n_body(x, y, n);
}
#endif

void umapc_exp_n(const double *x, double *y, int n) {
#if defined(__x86_64__) && !defined(UMAPC_NO_AVX2)
  if (umapc_kernel_avx2) {
    exp_n_avx2(x, y, n);
    return;
  }
#endif
  exp_n_generic(x, y, n);
}
#else
void umapc_exp_n(const double *x, double *y, int n) {
  int i;
  for (i = 0; i < n; i++) y[i] = umapc_exp(x[i]);
}
#endif

/*
 * x = 2^e (1 + f) with 1 + f in [sqrt(1/2), sqrt(2)); returns log(1 + f)
 * and sets *e. x must be finite and > 0. With s = f / (2 + f),
 * log(1 + f) = 2 atanh(s) = 2s + s R(s^2), R = 2/3 s^2 + 2/5 s^4 + ...,
 * and 2s = f - s f, so log(1 + f) = f - s (f - R); |s| < 0.1716, so ten
 * terms of R leave a truncation error below 1e-18.
 */
static double log_parts(double x, int *e) {
  uint64_t u = to_bits(x);
  int ex = (int)(u >> 52) - 1023;
  double m, f, s, z, R;
  if (ex == -1023) { /* subnormal: scale by 2^54 first */
    u = to_bits(x * pow2i(54));
    ex = (int)(u >> 52) - 1023 - 54;
  }
  m = from_bits((u & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);
  if (m > 1.4142135623730951) {
    m *= 0.5;
    ex += 1;
  }
  f = m - 1.0; /* exact */
  s = f / (2.0 + f);
  z = s * s;
  R = 2.0 / 21.0;
  R = R * z + 2.0 / 19.0;
  R = R * z + 2.0 / 17.0;
  R = R * z + 2.0 / 15.0;
  R = R * z + 2.0 / 13.0;
  R = R * z + 2.0 / 11.0;
  R = R * z + 2.0 / 9.0;
  R = R * z + 2.0 / 7.0;
  R = R * z + 2.0 / 5.0;
  R = R * z + 2.0 / 3.0;
  R = R * z;
  *e = ex;
  return f - s * (f - R);
}

double umapc_log(double x) {
  double l, dk;
  int e;
  if (x != x) return x;
  if (x < 0.0) return QNAN;
  if (x == 0.0) return NEG_INF;
  if (x == POS_INF) return x;
  l = log_parts(x, &e);
  dk = (double)e;
  return dk * LN2_HI + (l + dk * LN2_LO);
}

double umapc_log2(double x) {
  int e;
  double l;
  if (x != x) return x;
  if (x < 0.0) return QNAN;
  if (x == 0.0) return NEG_INF;
  if (x == POS_INF) return x;
  l = log_parts(x, &e);
  return (double)e + l * INV_LN2;
}

double umapc_pow(double x, double y) {
  if (x != x || y != y) return x + y;
  if (y == 0.0 || x == 1.0) return 1.0;
  if (x < 0.0) return QNAN;
  if (x == 0.0) return y > 0.0 ? 0.0 : POS_INF;
  if (x == POS_INF) return y > 0.0 ? POS_INF : 0.0;
  return umapc_exp(y * umapc_log(x));
}

/* sin and cos on [0, pi/4] by their Taylor series (to x^15 and x^16) */
static double sin_poly(double x) {
  const double z = x * x;
  double p = -1.0 / 1307674368000.0;
  p = p * z + 1.0 / 6227020800.0;
  p = p * z - 1.0 / 39916800.0;
  p = p * z + 1.0 / 362880.0;
  p = p * z - 1.0 / 5040.0;
  p = p * z + 1.0 / 120.0;
  p = p * z - 1.0 / 6.0;
  return x + (x * z) * p;
}

static double cos_poly(double x) {
  const double z = x * x;
  double p = 1.0 / 20922789888000.0;
  p = p * z - 1.0 / 87178291200.0;
  p = p * z + 1.0 / 479001600.0;
  p = p * z - 1.0 / 3628800.0;
  p = p * z + 1.0 / 40320.0;
  p = p * z - 1.0 / 720.0;
  p = p * z + 1.0 / 24.0;
  p = p * z - 0.5;
  return 1.0 + z * p;
}

double umapc_cos_2pi(double u) {
  const double half_pi = 1.5707963267948966;
  double v, t, c;
  int q;
  if (!(u >= 0.0 && u < 1.0)) return QNAN;
  /* 2 pi u = q pi/2 + t pi/2, t in [0, 1): both steps exact */
  v = u * 4.0;
  q = (int)v;
  t = v - (double)q;
  /* c = cos(t pi/2) for even q, sin(t pi/2) for odd q, by symmetry about
   * pi/4 from an angle in [0, pi/4] */
  if (t <= 0.5) {
    const double x = t * half_pi;
    c = (q & 1) ? sin_poly(x) : cos_poly(x);
  } else {
    const double x = (1.0 - t) * half_pi;
    c = (q & 1) ? cos_poly(x) : sin_poly(x);
  }
  /* cos(q pi/2 + a): cos a, -sin a, -cos a, sin a */
  return (q == 1 || q == 2) ? -c : c;
}
