/* Blocked dot products with run-time dispatch (see dotblock.h). */
#include "fp.h"

#include <string.h>

#include "dotblock.h"
#include "kernels.h"

/* Portable version: the shared 16-lane kernel, pair by pair. */
#ifdef UMAPC_KERNEL_VEC
#define DOT_PORTABLE umapc_dot_v4
#else
#define DOT_PORTABLE umapc_dot_scalar
#endif

static void dot_block_generic(const float *x, int na, const float *y, int nb,
                              int ld, float *out, int ldo) {
  int a, b;
  for (a = 0; a < na; a++) {
    const float *xa = x + (size_t)a * ld;
    for (b = 0; b < nb; b++)
      out[(size_t)a * ldo + b] = DOT_PORTABLE(xa, y + (size_t)b * ld, ld);
  }
}

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__) && \
    !defined(UMAPC_NO_AVX2) && defined(UMAPC_KERNEL_VEC)
#define UMAPC_HAVE_AVX2_PATH 1
/* one pair (the v4 kernel is compiled for AVX2 when the baseline has it) */
#ifdef UMAPC_KERNEL_AVX2
#define DOT_AVX2 umapc_dot_avx2
#else
#define DOT_AVX2 umapc_dot_v4
#endif

typedef float v8sf __attribute__((vector_size(32)));

__attribute__((target("avx2"))) static inline v8sf load8(const float *p) {
  v8sf v;
  memcpy(&v, p, sizeof(v));
  return v;
}

/* The 16 lanes of one pair (lanes 0-7 in lo, 8-15 in hi) added in
 * umapc_lane_sum()'s order. */
__attribute__((target("avx2"))) static inline float fold16(v8sf lo,
                                                           v8sf hi) {
  const v8sf s = lo + hi; /* acc[l] + acc[l + 8] */
  const float s0 = s[0] + s[4], s1 = s[1] + s[5], s2 = s[2] + s[6],
              s3 = s[3] + s[7];
  return (s0 + s2) + (s1 + s3);
}

/*
 * 2 rows of x against 2 rows of y at a time. Each pair keeps the 16 lanes
 * of umapc_dot() in two 8-wide accumulators (the even and odd halves of
 * every 16-float step), multiplies and adds separately (no FMA), and folds
 * them as umapc_lane_sum() does: the same bits as the portable kernel.
 */
__attribute__((target("avx2"))) static void dot_block_avx2(
    const float *x, int na, const float *y, int nb, int ld, float *out,
    int ldo) {
  int a, b;
  for (a = 0; a + 1 < na; a += 2) {
    const float *x0 = x + (size_t)a * ld, *x1 = x0 + ld;
    for (b = 0; b + 1 < nb; b += 2) {
      const float *y0 = y + (size_t)b * ld, *y1 = y0 + ld;
      v8sf c00l = {0}, c00h = {0}, c01l = {0}, c01h = {0};
      v8sf c10l = {0}, c10h = {0}, c11l = {0}, c11h = {0};
      int k;
      for (k = 0; k < ld; k += 16) {
        const v8sf p0l = load8(x0 + k), p0h = load8(x0 + k + 8);
        const v8sf p1l = load8(x1 + k), p1h = load8(x1 + k + 8);
        v8sf ql = load8(y0 + k), qh = load8(y0 + k + 8);
        c00l += p0l * ql;
        c00h += p0h * qh;
        c10l += p1l * ql;
        c10h += p1h * qh;
        ql = load8(y1 + k);
        qh = load8(y1 + k + 8);
        c01l += p0l * ql;
        c01h += p0h * qh;
        c11l += p1l * ql;
        c11h += p1h * qh;
      }
      out[(size_t)a * ldo + b] = fold16(c00l, c00h);
      out[(size_t)a * ldo + b + 1] = fold16(c01l, c01h);
      out[(size_t)(a + 1) * ldo + b] = fold16(c10l, c10h);
      out[(size_t)(a + 1) * ldo + b + 1] = fold16(c11l, c11h);
    }
    for (; b < nb; b++) {
      out[(size_t)a * ldo + b] = DOT_AVX2(x0, y + (size_t)b * ld, ld);
      out[(size_t)(a + 1) * ldo + b] =
          DOT_AVX2(x1, y + (size_t)b * ld, ld);
    }
  }
  for (; a < na; a++) {
    const float *xa = x + (size_t)a * ld;
    for (b = 0; b < nb; b++)
      out[(size_t)a * ldo + b] = DOT_AVX2(xa, y + (size_t)b * ld, ld);
  }
}
#endif

umapc_dot_block_fn umapc_dot_block_select(void) {
#ifdef UMAPC_HAVE_AVX2_PATH
  if (umapc_kernel_avx2) return dot_block_avx2;
#endif
  return dot_block_generic;
}
