/*
 * Distance kernels over zero-padded float rows of length ld (a multiple of
 * UMAPC_LANES). Each keeps UMAPC_LANES = 16 independent partial sums,
 * accumulated in row order without reassociating floating point, then adds
 * the lanes in a fixed order (umapc_lane_sum): the result is a pure
 * function of the two rows, whatever the vector width that computed it.
 *
 * Three implementations of that one arithmetic, giving the same bits:
 *
 *   umapc_*_scalar  portable C99 (16-lane loops). The reference, and what
 *                   umapc_* are on compilers without GCC/clang vector types.
 *   umapc_*_v4      the 16 lanes as four 4-wide GCC/clang vectors (SSE on
 *                   x86-64, NEON on arm64): the "portable" kernels. GCC at
 *                   -O2 (R's default) does not vectorise the scalar loops.
 *   umapc_*_avx2    the 16 lanes as two 8-wide vectors, compiled for AVX2
 *                   (x86-64 only; defined in kernels.c), used when the CPU has
 *                   AVX2 and the portable kernels are not asked for. No FMA:
 *                   each lane rounds the product, then the sum.
 *
 * umapc_sqdist / umapc_dot / umapc_l1dist / umapc_hamming pick one. Which
 * (umapc_kernels_select() below) is decided when the library is loaded and
 * may be changed between computations, never during one: parallel regions
 * only read it. The blocked dot products (dotblock.c) and the layout
 * (layout_kernels.c) follow the same choice; the AVX-512 choice changes the
 * layout's 2-d update only (sixteen lanes), the distance kernels staying
 * AVX2 (a 16-wide version gained nothing measurable: they wait on memory).
 *
 * Bit-identity needs no contraction of a * b + c into a fused multiply-add
 * anywhere: fp.h turns it off for every core file.
 */
#ifndef UMAPC_KERNELS_H
#define UMAPC_KERNELS_H

#include <math.h>
#include <string.h>

#include "data.h"
#include "fmath.h"

/* ------------------------------------------------------------------------ */
/* Which kernels run. */

#define UMAPC_KERNELS_PORTABLE 0
#define UMAPC_KERNELS_AVX2 1
#define UMAPC_KERNELS_AVX512 2

/* 1 when this build and processor can run the AVX2 kernels. */
int umapc_kernels_avx2_available(void);

/* 1 when this build and processor can run the AVX-512 kernels (AVX-512 F,
 * DQ, BW and VL: every AVX-512 processor since 2017). */
int umapc_kernels_avx512_available(void);

/*
 * Run the AVX-512 kernels (UMAPC_KERNELS_AVX512), the AVX2 ones
 * (UMAPC_KERNELS_AVX2) or the portable ones (UMAPC_KERNELS_PORTABLE) from
 * now on; a choice this build or processor cannot run falls back to the
 * best it can below it. Returns the choice in effect. All give the same
 * bits. AVX-512 is the AVX2 set plus the layout's 2-d update on sixteen
 * lanes (layout_kernels.c). The default, set when the library is loaded,
 * is the best available. Not thread-safe: call it only while no
 * computation runs.
 */
int umapc_kernels_select(int which);

/* The kernels in use: one of the UMAPC_KERNELS_* above. */
int umapc_kernels_in_use(void);

/* 1 while the AVX2 (or AVX-512) kernels are in use, and 1 while the
 * AVX-512 ones are (read-only during computations). */
extern int umapc_kernel_avx2;
extern int umapc_kernel_avx512;

/* ------------------------------------------------------------------------ */

static inline float umapc_lane_sum(const float *acc) {
  /* pairwise, fixed order */
  float s8[8];
  int l;
  for (l = 0; l < 8; l++) s8[l] = acc[l] + acc[l + 8];
  for (l = 0; l < 4; l++) s8[l] += s8[l + 4];
  return (s8[0] + s8[2]) + (s8[1] + s8[3]);
}

/* ------------------------------------------------------------------------ */
/* Portable scalar reference. */

static inline float umapc_sqdist_scalar(const float *x, const float *y,
                                        int ld) {
  float acc[UMAPC_LANES] = {0};
  int k, l;
  for (k = 0; k < ld; k += UMAPC_LANES)
    for (l = 0; l < UMAPC_LANES; l++) {
      const float t = x[k + l] - y[k + l];
      acc[l] += t * t;
    }
  return umapc_lane_sum(acc);
}

static inline float umapc_dot_scalar(const float *x, const float *y, int ld) {
  float acc[UMAPC_LANES] = {0};
  int k, l;
  for (k = 0; k < ld; k += UMAPC_LANES)
    for (l = 0; l < UMAPC_LANES; l++) acc[l] += x[k + l] * y[k + l];
  return umapc_lane_sum(acc);
}

static inline float umapc_l1dist_scalar(const float *x, const float *y,
                                        int ld) {
  float acc[UMAPC_LANES] = {0};
  int k, l;
  for (k = 0; k < ld; k += UMAPC_LANES)
    for (l = 0; l < UMAPC_LANES; l++) {
      const float t = x[k + l] - y[k + l];
      acc[l] += t < 0.0f ? -t : t;
    }
  return umapc_lane_sum(acc);
}

static inline float umapc_hamming_scalar(const float *x, const float *y,
                                         int ld) {
  float acc[UMAPC_LANES] = {0};
  int k, l;
  for (k = 0; k < ld; k += UMAPC_LANES)
    for (l = 0; l < UMAPC_LANES; l++)
      acc[l] += (x[k + l] != y[k + l]) ? 1.0f : 0.0f;
  return umapc_lane_sum(acc);
}

/* ------------------------------------------------------------------------ */
/* GCC/clang vector types: 4 x 4 lanes. */

#if (defined(__GNUC__) || defined(__clang__)) && !defined(UMAPC_NO_VEC)
#define UMAPC_KERNEL_VEC 1
typedef float umapc_v4 __attribute__((vector_size(16)));
typedef int umapc_v4i __attribute__((vector_size(16)));

static inline umapc_v4 umapc_ld4(const float *p) {
  umapc_v4 v;
  memcpy(&v, p, sizeof(v));
  return v;
}

static inline float umapc_lanes4(umapc_v4 a0, umapc_v4 a1, umapc_v4 a2,
                                 umapc_v4 a3) {
  float acc[UMAPC_LANES];
  memcpy(acc, &a0, sizeof(a0));
  memcpy(acc + 4, &a1, sizeof(a1));
  memcpy(acc + 8, &a2, sizeof(a2));
  memcpy(acc + 12, &a3, sizeof(a3));
  return umapc_lane_sum(acc);
}

static inline float umapc_sqdist_v4(const float *x, const float *y, int ld) {
  umapc_v4 a0 = {0, 0, 0, 0}, a1 = a0, a2 = a0, a3 = a0;
  int k;
  for (k = 0; k < ld; k += UMAPC_LANES) {
    const umapc_v4 t0 = umapc_ld4(x + k) - umapc_ld4(y + k);
    const umapc_v4 t1 = umapc_ld4(x + k + 4) - umapc_ld4(y + k + 4);
    const umapc_v4 t2 = umapc_ld4(x + k + 8) - umapc_ld4(y + k + 8);
    const umapc_v4 t3 = umapc_ld4(x + k + 12) - umapc_ld4(y + k + 12);
    a0 += t0 * t0;
    a1 += t1 * t1;
    a2 += t2 * t2;
    a3 += t3 * t3;
  }
  return umapc_lanes4(a0, a1, a2, a3);
}

static inline float umapc_dot_v4(const float *x, const float *y, int ld) {
  umapc_v4 a0 = {0, 0, 0, 0}, a1 = a0, a2 = a0, a3 = a0;
  int k;
  for (k = 0; k < ld; k += UMAPC_LANES) {
    a0 += umapc_ld4(x + k) * umapc_ld4(y + k);
    a1 += umapc_ld4(x + k + 4) * umapc_ld4(y + k + 4);
    a2 += umapc_ld4(x + k + 8) * umapc_ld4(y + k + 8);
    a3 += umapc_ld4(x + k + 12) * umapc_ld4(y + k + 12);
  }
  return umapc_lanes4(a0, a1, a2, a3);
}

/* |v| by clearing the sign bit. Differs from the scalar t < 0 ? -t : t only
 * for t = -0 (gives +0): adding +0 or -0 to a lane that starts at +0 gives
 * the same sums. */
static inline umapc_v4 umapc_abs4(umapc_v4 v) {
  const umapc_v4i m = {0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff};
  return (umapc_v4)((umapc_v4i)v & m);
}

static inline float umapc_l1dist_v4(const float *x, const float *y, int ld) {
  umapc_v4 a0 = {0, 0, 0, 0}, a1 = a0, a2 = a0, a3 = a0;
  int k;
  for (k = 0; k < ld; k += UMAPC_LANES) {
    a0 += umapc_abs4(umapc_ld4(x + k) - umapc_ld4(y + k));
    a1 += umapc_abs4(umapc_ld4(x + k + 4) - umapc_ld4(y + k + 4));
    a2 += umapc_abs4(umapc_ld4(x + k + 8) - umapc_ld4(y + k + 8));
    a3 += umapc_abs4(umapc_ld4(x + k + 12) - umapc_ld4(y + k + 12));
  }
  return umapc_lanes4(a0, a1, a2, a3);
}

/* 1.0f where x != y, else 0.0f: the all-ones compare mask ANDed with the
 * bits of 1.0f. */
static inline umapc_v4 umapc_ne4(umapc_v4 x, umapc_v4 y) {
  const umapc_v4i one = {0x3f800000, 0x3f800000, 0x3f800000, 0x3f800000};
  return (umapc_v4)((umapc_v4i)(x != y) & one);
}

static inline float umapc_hamming_v4(const float *x, const float *y, int ld) {
  umapc_v4 a0 = {0, 0, 0, 0}, a1 = a0, a2 = a0, a3 = a0;
  int k;
  for (k = 0; k < ld; k += UMAPC_LANES) {
    a0 += umapc_ne4(umapc_ld4(x + k), umapc_ld4(y + k));
    a1 += umapc_ne4(umapc_ld4(x + k + 4), umapc_ld4(y + k + 4));
    a2 += umapc_ne4(umapc_ld4(x + k + 8), umapc_ld4(y + k + 8));
    a3 += umapc_ne4(umapc_ld4(x + k + 12), umapc_ld4(y + k + 12));
  }
  return umapc_lanes4(a0, a1, a2, a3);
}

/* ------------------------------------------------------------------------ */
/* AVX2 versions, chosen at run time (x86-64 builds whose baseline lacks
 * AVX2; when the baseline has it, the v4 code is compiled with it anyway). */

#if defined(__x86_64__) && !defined(__AVX2__) && !defined(UMAPC_NO_AVX2) && \
    (defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 5))
#define UMAPC_KERNEL_AVX2 1

float umapc_sqdist_avx2(const float *x, const float *y, int ld);
float umapc_dot_avx2(const float *x, const float *y, int ld);
float umapc_l1dist_avx2(const float *x, const float *y, int ld);
float umapc_hamming_avx2(const float *x, const float *y, int ld);

#define UMAPC_KERNEL_PICK(name, x, y, ld)                                \
  (umapc_kernel_avx2 ? name##_avx2(x, y, ld) : name##_v4(x, y, ld))
#else
#define UMAPC_KERNEL_PICK(name, x, y, ld) name##_v4(x, y, ld)
#endif

#else /* no vector extensions */
#define UMAPC_KERNEL_PICK(name, x, y, ld) name##_scalar(x, y, ld)
#endif

/* ------------------------------------------------------------------------ */
/* The kernels used everywhere. */

static inline float umapc_sqdist(const float *x, const float *y, int ld) {
  return UMAPC_KERNEL_PICK(umapc_sqdist, x, y, ld);
}

static inline float umapc_dot(const float *x, const float *y, int ld) {
  return UMAPC_KERNEL_PICK(umapc_dot, x, y, ld);
}

static inline float umapc_l1dist(const float *x, const float *y, int ld) {
  return UMAPC_KERNEL_PICK(umapc_l1dist, x, y, ld);
}

static inline float umapc_hamming(const float *x, const float *y, int ld) {
  return UMAPC_KERNEL_PICK(umapc_hamming, x, y, ld);
}

/* ------------------------------------------------------------------------ */
/* Kernels of the further metrics: portable C only (one implementation, so
 * nothing to keep in step). Each lane accumulates its own terms in row
 * order and the lanes are combined in a fixed order, as above; a compiler
 * that vectorises these loops cannot change the result (no reassociation,
 * and no FMA on the default targets, see above). */

/* max |x - y| (a max is exact: the lane order does not matter) */
static inline float umapc_chebyshev(const float *x, const float *y, int ld) {
  float acc[UMAPC_LANES] = {0};
  float m = 0.0f;
  int k, l;
  for (k = 0; k < ld; k += UMAPC_LANES)
    for (l = 0; l < UMAPC_LANES; l++) {
      const float t = x[k + l] - y[k + l];
      const float a = t < 0.0f ? -t : t;
      acc[l] = a > acc[l] ? a : acc[l];
    }
  for (l = 0; l < UMAPC_LANES; l++) m = acc[l] > m ? acc[l] : m;
  return m;
}

static inline double umapc_lane_sum_d(const double *acc) {
  double s8[8];
  int l;
  for (l = 0; l < 8; l++) s8[l] = acc[l] + acc[l + 8];
  for (l = 0; l < 4; l++) s8[l] += s8[l + 4];
  return (s8[0] + s8[2]) + (s8[1] + s8[3]);
}

/* t^p for a whole p >= 1 by binary powering: the same multiplications, in
 * the same order, for every t. */
static inline double umapc_ipow(double t, int p) {
  double r = 1.0, b = t;
  for (;;) {
    if (p & 1) r *= b;
    p >>= 1;
    if (p == 0) break;
    b *= b;
  }
  return r;
}

/* sum |x - y|^p in double lanes; p_int > 0: the whole exponent (exact
 * powering), else umapc_pow() with the real p. */
static inline float umapc_minkowski_scalar(const float *x, const float *y,
                                           int ld, int p_int, double p) {
  double acc[UMAPC_LANES] = {0};
  int k, l;
  if (p_int > 0) {
    for (k = 0; k < ld; k += UMAPC_LANES)
      for (l = 0; l < UMAPC_LANES; l++) {
        const double t = (double)x[k + l] - (double)y[k + l];
        acc[l] += umapc_ipow(t < 0.0 ? -t : t, p_int);
      }
  } else {
    for (k = 0; k < ld; k += UMAPC_LANES)
      for (l = 0; l < UMAPC_LANES; l++) {
        const double t = (double)x[k + l] - (double)y[k + l];
        if (t != 0.0) acc[l] += umapc_pow(t < 0.0 ? -t : t, p);
      }
  }
  return (float)umapc_lane_sum_d(acc);
}

/* sum |x - y| / (|x| + |y|), terms with |x| + |y| = 0 left out */
static inline float umapc_canberra_scalar(const float *x, const float *y,
                                          int ld) {
  float acc[UMAPC_LANES] = {0};
  int k, l;
  for (k = 0; k < ld; k += UMAPC_LANES)
    for (l = 0; l < UMAPC_LANES; l++) {
      const float a = x[k + l], b = y[k + l], t = a - b;
      const float den = (a < 0.0f ? -a : a) + (b < 0.0f ? -b : b);
      acc[l] += den > 0.0f ? (t < 0.0f ? -t : t) / den : 0.0f;
    }
  return umapc_lane_sum(acc);
}

/* sum |x - y| / sum |x + y| (0 when the denominator is 0) */
static inline float umapc_braycurtis_scalar(const float *x, const float *y,
                                            int ld) {
  float num[UMAPC_LANES] = {0}, den[UMAPC_LANES] = {0};
  float sn, sd;
  int k, l;
  for (k = 0; k < ld; k += UMAPC_LANES)
    for (l = 0; l < UMAPC_LANES; l++) {
      const float t = x[k + l] - y[k + l], u = x[k + l] + y[k + l];
      num[l] += t < 0.0f ? -t : t;
      den[l] += u < 0.0f ? -u : u;
    }
  sn = umapc_lane_sum(num);
  sd = umapc_lane_sum(den);
  return sd > 0.0f ? sn / sd : 0.0f;
}

/* The same arithmetic lane by lane in GCC/clang vectors (4 x 4 lanes; the
 * minkowski lanes in double). |v| clears the sign bit, which differs from
 * the scalar form only for -0, and adding -0 or +0 to a lane changes
 * nothing (see umapc_abs4); a division by a zero denominator is masked to
 * +0, the scalar form's 0. So the results are the scalar kernels' bits. */
#ifdef UMAPC_KERNEL_VEC
static inline float umapc_canberra_v4(const float *x, const float *y, int ld) {
  const umapc_v4 zero = {0, 0, 0, 0};
  umapc_v4 acc[4];
  int k, g;
  for (g = 0; g < 4; g++) acc[g] = zero;
  for (k = 0; k < ld; k += UMAPC_LANES)
    for (g = 0; g < 4; g++) {
      const umapc_v4 a = umapc_ld4(x + k + 4 * g), b = umapc_ld4(y + k + 4 * g);
      const umapc_v4 den = umapc_abs4(a) + umapc_abs4(b);
      const umapc_v4 q = umapc_abs4(a - b) / den;
      acc[g] += (umapc_v4)((umapc_v4i)(den > zero) & (umapc_v4i)q);
    }
  return umapc_lanes4(acc[0], acc[1], acc[2], acc[3]);
}

static inline float umapc_braycurtis_v4(const float *x, const float *y,
                                        int ld) {
  const umapc_v4 zero = {0, 0, 0, 0};
  umapc_v4 num[4], den[4];
  float sn, sd;
  int k, g;
  for (g = 0; g < 4; g++) num[g] = den[g] = zero;
  for (k = 0; k < ld; k += UMAPC_LANES)
    for (g = 0; g < 4; g++) {
      const umapc_v4 a = umapc_ld4(x + k + 4 * g), b = umapc_ld4(y + k + 4 * g);
      num[g] += umapc_abs4(a - b);
      den[g] += umapc_abs4(a + b);
    }
  sn = umapc_lanes4(num[0], num[1], num[2], num[3]);
  sd = umapc_lanes4(den[0], den[1], den[2], den[3]);
  return sd > 0.0f ? sn / sd : 0.0f;
}

#if defined(__has_builtin)
#if __has_builtin(__builtin_convertvector)
#define UMAPC_KERNEL_CONVERT 1
#endif
#endif

#ifdef UMAPC_KERNEL_CONVERT
typedef double umapc_v2d __attribute__((vector_size(16)));
typedef long long umapc_v2l __attribute__((vector_size(16)));
typedef float umapc_v2f __attribute__((vector_size(8)));

static inline float umapc_minkowski_v4(const float *x, const float *y, int ld,
                                       int p_int, double p) {
  const umapc_v2d zero = {0, 0}, one = {1, 1};
  const umapc_v2l m = {0x7fffffffffffffffLL, 0x7fffffffffffffffLL};
  umapc_v2d acc[8];
  double lanes[UMAPC_LANES];
  int k, g;
  if (p_int <= 0) return umapc_minkowski_scalar(x, y, ld, p_int, p);
  for (g = 0; g < 8; g++) acc[g] = zero;
  for (k = 0; k < ld; k += UMAPC_LANES) {
    umapc_v2d base[8], r[8];
    int e = p_int;
    for (g = 0; g < 8; g++) {
      umapc_v2f xf, yf;
      umapc_v2d a, b;
      memcpy(&xf, x + k + 2 * g, sizeof(xf));
      memcpy(&yf, y + k + 2 * g, sizeof(yf));
      a = __builtin_convertvector(xf, umapc_v2d);
      b = __builtin_convertvector(yf, umapc_v2d);
      base[g] = (umapc_v2d)((umapc_v2l)(a - b) & m);
      r[g] = one;
    }
    for (;;) { /* umapc_ipow() on the 16 lanes */
      if (e & 1)
        for (g = 0; g < 8; g++) r[g] *= base[g];
      e >>= 1;
      if (e == 0) break;
      for (g = 0; g < 8; g++) base[g] *= base[g];
    }
    for (g = 0; g < 8; g++) acc[g] += r[g];
  }
  for (g = 0; g < 8; g++) memcpy(lanes + 2 * g, &acc[g], sizeof(acc[g]));
  return (float)umapc_lane_sum_d(lanes);
}
#endif
#endif

static inline float umapc_canberra(const float *x, const float *y, int ld) {
#ifdef UMAPC_KERNEL_VEC
  return umapc_canberra_v4(x, y, ld);
#else
  return umapc_canberra_scalar(x, y, ld);
#endif
}

static inline float umapc_braycurtis(const float *x, const float *y, int ld) {
#ifdef UMAPC_KERNEL_VEC
  return umapc_braycurtis_v4(x, y, ld);
#else
  return umapc_braycurtis_scalar(x, y, ld);
#endif
}

static inline float umapc_minkowski(const float *x, const float *y, int ld,
                                    int p_int, double p) {
#if defined(UMAPC_KERNEL_VEC) && defined(UMAPC_KERNEL_CONVERT)
  return umapc_minkowski_v4(x, y, ld, p_int, p);
#else
  return umapc_minkowski_scalar(x, y, ld, p_int, p);
#endif
}

/* Jaccard and Dice distances from t = |x AND y| and u = |x| + |y| (whole
 * numbers, exact in float below 2^24 columns) */
static inline float umapc_jaccard_from(float t, float u) {
  const float un = u - t;
  return un > 0.0f ? (u - 2.0f * t) / un : 0.0f;
}

static inline float umapc_dice_from(float t, float u) {
  return u > 0.0f ? (u - 2.0f * t) / u : 0.0f;
}

#endif
