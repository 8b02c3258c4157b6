/*
 * The vector distance kernels (kernels.h: 4-wide GCC/clang vectors, AVX2
 * chosen at load time) must give exactly the bits of the portable scalar
 * kernels, on random rows of every length 16..1024 (multiples of 16), with
 * zeros, negative zeros, huge and tiny (subnormal-producing) magnitudes,
 * equal rows and unaligned rows.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "testutil.h"

typedef float (*kern_fn)(const float *, const float *, int);

static uint32_t bits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof(u));
  return u;
}

static int same_bits(float a, float b) { return bits(a) == bits(b); }

/* the test values' generator state (testutil.h), seeded */
static uint64_t st = 88172645463325252ULL;
static double gauss(void) {
  double u = test_unif(&st), v = test_unif(&st);
  if (u < 1e-300) u = 1e-300;
  return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* Fill n floats in the given style. */
enum { S_GAUSS, S_ZERO, S_SPARSE, S_LARGE, S_SMALL, S_MIXED, S_BINARY, S_INT,
       S_NSTYLE };
static void fill(float *v, int n, int style) {
  int i;
  for (i = 0; i < n; i++) {
    double g = gauss();
    float f;
    switch (style) {
      case S_GAUSS: f = (float)g; break;
      case S_ZERO: f = (test_u64(&st) & 1) ? 0.0f : -0.0f; break;
      case S_SPARSE: f = (test_u64(&st) % 5 == 0) ? (float)g : 0.0f; break;
      case S_LARGE: f = (float)(g * 1e18); break;  /* squares near FLT_MAX/inf */
      case S_SMALL: f = (float)(g * 1e-21); break; /* squares subnormal / 0 */
      case S_MIXED: {
        const int e = (int)(test_u64(&st) % 120) - 60;
        f = (float)ldexp(g, e);
        if (test_u64(&st) % 7 == 0) f = (test_u64(&st) & 1) ? 0.0f : -0.0f;
        break;
      }
      case S_BINARY: f = (float)(test_u64(&st) & 1); break;
      default: f = (float)((int)(test_u64(&st) % 7) - 3); break;
    }
    v[i] = f;
  }
}

static int n_compared = 0;

/* All kernels against the scalar reference for one pair of rows. */
static void compare(const float *x, const float *y, int ld) {
  const kern_fn ref[4] = {umapc_sqdist_scalar, umapc_dot_scalar,
                          umapc_l1dist_scalar, umapc_hamming_scalar};
  const kern_fn dispatched[4] = {umapc_sqdist, umapc_dot, umapc_l1dist,
                                 umapc_hamming};
#ifdef UMAPC_KERNEL_VEC
  const kern_fn v4[4] = {umapc_sqdist_v4, umapc_dot_v4, umapc_l1dist_v4,
                         umapc_hamming_v4};
#endif
#ifdef UMAPC_KERNEL_AVX2
  const kern_fn avx2[4] = {umapc_sqdist_avx2, umapc_dot_avx2,
                           umapc_l1dist_avx2, umapc_hamming_avx2};
  static int have_avx2 = -1;
  if (have_avx2 < 0) have_avx2 = umapc_kernels_avx2_available();
#endif
  int f;
  for (f = 0; f < 4; f++) {
    const float r = ref[f](x, y, ld);
    int ok = same_bits(dispatched[f](x, y, ld), r);
#ifdef UMAPC_KERNEL_VEC
    ok = ok && same_bits(v4[f](x, y, ld), r);
#endif
#ifdef UMAPC_KERNEL_AVX2
    if (have_avx2) ok = ok && same_bits(avx2[f](x, y, ld), r);
#endif
    if (!ok)
      fprintf(stderr, "kernel %d ld %d: scalar %a (0x%08x)\n", f, ld,
              (double)r, (unsigned)bits(r));
    CHECK(ok);
    n_compared++;
  }
}

int main(void) {
  const int max_ld = 1024, reps = 6;
  /* one spare float so rows can also start one float off alignment */
  float *x = (float *)malloc((size_t)(max_ld + 1) * sizeof(float));
  float *y = (float *)malloc((size_t)(max_ld + 1) * sizeof(float));
  int ld, sx, sy, rep, off;

  /* the load-time choice was made (constructor): the best the CPU has;
   * the portable kernels can be chosen, AVX2 and AVX-512 only where
   * available (else the best below them) */
  {
    const int has2 = umapc_kernels_avx2_available(),
              has512 = umapc_kernels_avx512_available();
    const int best = has512 ? UMAPC_KERNELS_AVX512
                     : has2 ? UMAPC_KERNELS_AVX2
                            : UMAPC_KERNELS_PORTABLE;
    CHECK(!has512 || has2);
    CHECK(umapc_kernel_avx2 == has2);
    CHECK(umapc_kernel_avx512 == has512);
    CHECK(umapc_kernels_in_use() == best);
    CHECK(umapc_kernels_select(UMAPC_KERNELS_PORTABLE) ==
          UMAPC_KERNELS_PORTABLE);
    CHECK(umapc_kernel_avx2 == 0 && umapc_kernel_avx512 == 0);
    CHECK(umapc_kernels_select(UMAPC_KERNELS_AVX512) == best);
    CHECK(umapc_kernel_avx2 == has2 && umapc_kernel_avx512 == has512);
    CHECK(umapc_kernels_select(UMAPC_KERNELS_AVX2) ==
          (has2 ? UMAPC_KERNELS_AVX2 : UMAPC_KERNELS_PORTABLE));
    CHECK(umapc_kernel_avx2 == has2 && umapc_kernel_avx512 == 0);
    fprintf(stderr, "test_kernels: AVX2 kernels %s, AVX-512 %s\n",
            has2 ? "available" : "not available",
            has512 ? "available" : "not available");
  }
#ifndef UMAPC_KERNEL_VEC
  fprintf(stderr, "test_kernels: no vector extensions (scalar only)\n");
#endif
  CHECK(x != NULL && y != NULL);
  if (x == NULL || y == NULL) TEST_DONE();

  for (ld = 16; ld <= max_ld; ld += 16)
    for (sx = 0; sx < S_NSTYLE; sx++)
      for (sy = 0; sy < S_NSTYLE; sy++)
        for (rep = 0; rep < (ld <= 256 ? reps : 2); rep++)
          for (off = 0; off < 2; off++) {
            float *xo = x + off, *yo = y + (rep & 1);
            fill(xo, ld, sx);
            fill(yo, ld, sy);
            compare(xo, yo, ld);
            compare(xo, xo, ld); /* equal rows */
            if (sx == sy && rep == 0) {
              /* y a small perturbation of x: cancellation in x - y */
              int i;
              for (i = 0; i < ld; i++)
                yo[i] = xo[i] * (1.0f + (float)ldexp(gauss(), -20));
              compare(xo, yo, ld);
            }
          }

  /* a few exact hand-computable values */
  {
    int i;
    for (i = 0; i < 64; i++) {
      x[i] = (float)i;
      y[i] = (float)(i % 2);
    }
    CHECK(umapc_dot(x, x, 64) == 85344.0f);  /* sum i^2, i < 64 */
    CHECK(umapc_l1dist(x, y, 64) == 1984.0f); /* sum of i - (i % 2) */
    CHECK(umapc_hamming(x, y, 64) == 62.0f); /* only 0 and 1 match */
    CHECK(umapc_sqdist(x, x, 64) == 0.0f);
  }

  fprintf(stderr, "test_kernels: %d row pairs x 4 kernels compared\n",
          n_compared / 4);
  free(x);
  free(y);
  TEST_DONE();
}
