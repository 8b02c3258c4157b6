/* Blocked dot products with run-time dispatch (see dotblock.h). */
#include "dotblock.h"
#include "data.h"

/* Portable version: 16 lanes per pair, lanes summed pairwise. */
static void dot_block_generic(const float *x, int na, const float *y, int nb,
                              int ld, float *out, int ldo) {
  int a, b;
  for (a = 0; a < na; a++) {
    const float *xa = x + (size_t)a * ld;
    for (b = 0; b < nb; b++) {
      const float *yb = y + (size_t)b * ld;
      float acc[UMAPC_LANES] = {0}, s8[8];
      int k, l;
      for (k = 0; k < ld; k += UMAPC_LANES)
        for (l = 0; l < UMAPC_LANES; l++) acc[l] += xa[k + l] * yb[k + l];
      for (l = 0; l < 8; l++) s8[l] = acc[l] + acc[l + 8];
      for (l = 0; l < 4; l++) s8[l] += s8[l + 4];
      out[(size_t)a * ldo + b] = (s8[0] + s8[2]) + (s8[1] + s8[3]);
    }
  }
}

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__) && \
    !defined(UMAPC_NO_DISPATCH)
#define UMAPC_HAVE_AVX2_PATH 1

typedef float v8sf __attribute__((vector_size(32), aligned(4)));

__attribute__((target("avx2,fma"))) static inline float hsum8(v8sf v) {
  return ((v[0] + v[4]) + (v[2] + v[6])) + ((v[1] + v[5]) + (v[3] + v[7]));
}

/*
 * 2 rows of x against 4 rows of y at a time: 8 accumulators of 8 lanes
 * (each pair has two: even and odd 8-float chunks of its 16-float blocks),
 * 6 loads per 8 fused multiply-adds.
 */
__attribute__((target("avx2,fma"))) static void dot_block_avx2(
    const float *x, int na, const float *y, int nb, int ld, float *out,
    int ldo) {
  int a, b;
  for (a = 0; a + 1 < na; a += 2) {
    const float *x0 = x + (size_t)a * ld, *x1 = x0 + ld;
    for (b = 0; b + 3 < nb; b += 4) {
      const float *y0 = y + (size_t)b * ld, *y1 = y0 + ld, *y2 = y1 + ld,
                  *y3 = y2 + ld;
      v8sf c00 = {0}, c01 = {0}, c02 = {0}, c03 = {0};
      v8sf c10 = {0}, c11 = {0}, c12 = {0}, c13 = {0};
      int k;
      for (k = 0; k < ld; k += 8) {
        const v8sf p0 = *(const v8sf *)(x0 + k), p1 = *(const v8sf *)(x1 + k);
        v8sf q = *(const v8sf *)(y0 + k);
        c00 += p0 * q;
        c10 += p1 * q;
        q = *(const v8sf *)(y1 + k);
        c01 += p0 * q;
        c11 += p1 * q;
        q = *(const v8sf *)(y2 + k);
        c02 += p0 * q;
        c12 += p1 * q;
        q = *(const v8sf *)(y3 + k);
        c03 += p0 * q;
        c13 += p1 * q;
      }
      out[(size_t)a * ldo + b] = hsum8(c00);
      out[(size_t)a * ldo + b + 1] = hsum8(c01);
      out[(size_t)a * ldo + b + 2] = hsum8(c02);
      out[(size_t)a * ldo + b + 3] = hsum8(c03);
      out[(size_t)(a + 1) * ldo + b] = hsum8(c10);
      out[(size_t)(a + 1) * ldo + b + 1] = hsum8(c11);
      out[(size_t)(a + 1) * ldo + b + 2] = hsum8(c12);
      out[(size_t)(a + 1) * ldo + b + 3] = hsum8(c13);
    }
    for (; b < nb; b++) {
      const float *yb = y + (size_t)b * ld;
      v8sf c0 = {0}, c1 = {0};
      int k;
      for (k = 0; k < ld; k += 8) {
        const v8sf q = *(const v8sf *)(yb + k);
        c0 += *(const v8sf *)(x0 + k) * q;
        c1 += *(const v8sf *)(x1 + k) * q;
      }
      out[(size_t)a * ldo + b] = hsum8(c0);
      out[(size_t)(a + 1) * ldo + b] = hsum8(c1);
    }
  }
  for (; a < na; a++) {
    const float *xa = x + (size_t)a * ld;
    for (b = 0; b < nb; b++) {
      const float *yb = y + (size_t)b * ld;
      v8sf c = {0};
      int k;
      for (k = 0; k < ld; k += 8) c += *(const v8sf *)(xa + k) * *(const v8sf *)(yb + k);
      out[(size_t)a * ldo + b] = hsum8(c);
    }
  }
}
#endif

umapc_dot_block_fn umapc_dot_block_select(void) {
#ifdef UMAPC_HAVE_AVX2_PATH
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return dot_block_avx2;
#endif
  return dot_block_generic;
}
