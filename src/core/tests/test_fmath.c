/*
 * umapc's own exp, log, log2, pow and cos(2 pi u) (fmath.h) against the C
 * library: within 2 units in the last place (exp, log, cos) over their
 * ranges, exact special values; and the blocked dot products (dotblock.h)
 * against umapc_dot() bit for bit, with either choice of kernels.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "dotblock.h"
#include "fmath.h"
#include "kernels.h"
#include "testutil.h"

static uint64_t st = 0x9E3779B97F4A7C15ULL;
static uint64_t next_u64(void) {
  st ^= st << 13;
  st ^= st >> 7;
  st ^= st << 17;
  return st;
}
static double unif(void) {
  return (double)(next_u64() >> 11) / 9007199254740992.0;
}

/* distance in units in the last place between a and the reference r */
static double ulps(double a, double r) {
  double u;
  int e;
  if (a == r) return 0.0;
  if (!isfinite(a) || !isfinite(r)) return 1e300;
  (void)frexp(r, &e);
  u = ldexp(1.0, (e - 53 > -1074 ? e - 53 : -1074));
  return fabs(a - r) / u;
}

/* cos(2 pi u) in long double after an exact reduction of u to the first
 * quarter (2 pi u itself, even in long double, is off by many ulps of cos
 * near its zeros) */
static double ref_cos_2pi(double u) {
  const long double half_pi = 1.5707963267948966192313216916397514L;
  const double v = 4.0 * u;
  const int q = (int)v;
  const double t = v - (double)q;
  long double c = (q & 1) ? sinl(half_pi * (long double)t)
                          : cosl(half_pi * (long double)t);
  if (t > 0.5) /* the same by symmetry, from the smaller angle */
    c = (q & 1) ? cosl(half_pi * (long double)(1.0 - t))
                : sinl(half_pi * (long double)(1.0 - t));
  return (double)((q == 1 || q == 2) ? -c : c);
}

static double worst_exp = 0, worst_log = 0, worst_log2 = 0, worst_cos = 0,
              worst_pow = 0;

static void check_exp(double x) {
  const double e = ulps(umapc_exp(x), exp(x));
  if (e > worst_exp) worst_exp = e;
}

static void check_log(double x) {
  double e = ulps(umapc_log(x), log(x));
  if (e > worst_log) worst_log = e;
  e = ulps(umapc_log2(x), log2(x));
  if (e > worst_log2) worst_log2 = e;
}

static void test_fmath(void) {
  int i;
  for (i = 0; i < 200000; i++) {
    check_exp(-745.0 + 1454.7 * unif());
    check_exp(-2.0 + 4.0 * unif());
    check_exp(ldexp(unif() - 0.5, -(int)(next_u64() % 60)));
    check_log(ldexp(0.5 + unif(), (int)(next_u64() % 2090) - 1070));
    check_log(0.5 + 1.5 * unif());
    check_log(1.0 + ldexp(unif() - 0.5, -(int)(next_u64() % 50)));
    {
      const double u = unif(), c = ref_cos_2pi(u);
      const double e = c == 0.0 ? fabs(umapc_cos_2pi(u)) / 1e-300
                                : ulps(umapc_cos_2pi(u), c);
      if (e > worst_cos) worst_cos = e;
    }
    {
      const double x = ldexp(0.5 + unif(), (int)(next_u64() % 40) - 20);
      const double y = 4.0 * unif() - 2.0;
      const double r = pow(x, y);
      const double e = ulps(umapc_pow(x, y), r) /
                       (1.0 + fabs(y * log(x)));
      if (e > worst_pow) worst_pow = e;
    }
  }
  fprintf(stderr,
          "test_fmath: worst ulps exp %.2f log %.2f log2 %.2f cos %.2f pow "
          "%.2f (per unit of |y log x|)\n",
          worst_exp, worst_log, worst_log2, worst_cos, worst_pow);
  CHECK(worst_exp <= 2.0);
  CHECK(worst_log <= 2.0);
  CHECK(worst_log2 <= 2.0);
  CHECK(worst_cos <= 2.0);
  CHECK(worst_pow <= 4.0);

  /* exact and special values */
  CHECK(umapc_exp(0.0) == 1.0);
  CHECK(umapc_exp(-800.0) == 0.0);
  CHECK(isinf(umapc_exp(710.0)) && umapc_exp(710.0) > 0);
  CHECK(isnan(umapc_exp(NAN)));
  CHECK(umapc_exp(-INFINITY) == 0.0);
  CHECK(isinf(umapc_exp(INFINITY)));
  CHECK(umapc_exp(-745.0) > 0.0); /* subnormal */
  CHECK(umapc_log(1.0) == 0.0);
  CHECK(isinf(umapc_log(0.0)) && umapc_log(0.0) < 0);
  CHECK(isnan(umapc_log(-1.0)));
  CHECK(isnan(umapc_log(NAN)));
  CHECK(isinf(umapc_log(INFINITY)));
  CHECK(ulps(umapc_log(4.9406564584124654e-324), log(4.9406564584124654e-324)) <= 1.0);
  for (i = -1074; i <= 1023; i++) CHECK(umapc_log2(ldexp(1.0, i)) == (double)i);
  CHECK(umapc_pow(0.0, 2.0) == 0.0);
  CHECK(umapc_pow(0.0, 0.0) == 1.0);
  CHECK(isinf(umapc_pow(0.0, -1.0)));
  CHECK(umapc_pow(2.0, 10.0) == 1024.0);
  CHECK(umapc_pow(7.0, 1.0) == 7.0 || ulps(umapc_pow(7.0, 1.0), 7.0) <= 1.0);
  CHECK(isnan(umapc_pow(-1.0, 0.5)));
  CHECK(umapc_cos_2pi(0.0) == 1.0);
  CHECK(umapc_cos_2pi(0.5) == -1.0);
  CHECK(umapc_cos_2pi(0.25) == 0.0 || fabs(umapc_cos_2pi(0.25)) < 1e-16);
  CHECK(isnan(umapc_cos_2pi(1.0)));
}

/* umapc_exp_n() gives umapc_exp()'s bits on every lane, in range or not,
 * with both kernel choices, in place and with a tail of 1 to 3 */
static void test_exp_n(void) {
  enum { N = 4099 };
  static double x[N], y[N], z[N];
  const double special[] = {0.0, -0.0, 708.0, -708.0, 708.5, -708.5,
                            709.9, -745.0, -745.3, -800.0, 1e300, -1e300};
  int which, i, bad = 0;
  for (i = 0; i < N; i++) {
    const double u = unif();
    x[i] = i % 5 == 0 ? (u - 0.5) * 1600.0 : -u * 30.0;
  }
  for (i = 0; i < (int)(sizeof(special) / sizeof(special[0])); i++)
    x[7 * i + 3] = special[i];
  x[100] = NAN;
  x[101] = INFINITY;
  x[102] = -INFINITY;
  for (which = 0; which < 2; which++) {
    const int old = umapc_kernels_in_use();
    umapc_kernels_select(which ? UMAPC_KERNELS_AVX2 : UMAPC_KERNELS_PORTABLE);
    umapc_exp_n(x, y, N);
    memcpy(z, x, sizeof(z));
    umapc_exp_n(z, z, N - 2);
    for (i = 0; i < N; i++) {
      const double e = umapc_exp(x[i]);
      if (memcmp(&e, y + i, sizeof(e)) != 0) bad++;
      if (i < N - 2 && memcmp(&e, z + i, sizeof(e)) != 0) bad++;
    }
    umapc_kernels_select(old);
  }
  CHECK(bad == 0);
}

/* dot blocks of every shape against umapc_dot(), both kernel choices */
static void test_dotblock(void) {
  enum { NA = 7, NB = 9, LD = 48 };
  float x[NA * LD], y[NB * LD], out[NA * NB];
  int which, a, b, t, bad = 0;
  for (t = 0; t < NA * LD; t++) x[t] = (float)(unif() * 2.0 - 1.0);
  for (t = 0; t < NB * LD; t++) y[t] = (float)(unif() * 2.0 - 1.0);
  for (which = 0; which < 2; which++) {
    const int old = umapc_kernels_in_use();
    umapc_kernels_select(which ? UMAPC_KERNELS_AVX2 : UMAPC_KERNELS_PORTABLE);
    {
      const umapc_dot_block_fn f = umapc_dot_block_select();
      int na, nb;
      for (na = 1; na <= NA; na++)
        for (nb = 1; nb <= NB; nb++) {
          f(x, na, y, nb, LD, out, NB);
          for (a = 0; a < na; a++)
            for (b = 0; b < nb; b++) {
              const float r = umapc_dot_scalar(x + a * LD, y + b * LD, LD);
              if (memcmp(&r, out + a * NB + b, sizeof(r)) != 0) bad++;
            }
        }
    }
    umapc_kernels_select(old);
  }
  CHECK(bad == 0);
}

int main(void) {
  test_fmath();
  test_exp_n();
  test_dotblock();
  TEST_DONE();
}
