/*
 * The distance kernels' AVX2 versions and the one choice of kernels for the
 * whole core (see kernels.h): the processor is probed once, when the
 * library is loaded; the exact search's blocked dot products (dotblock.c)
 * and the layout (layout_kernels.c) read the same switches,
 * umapc_kernel_avx2 and (the layout only) umapc_kernel_avx512.
 */
#include "fp.h"

#include "kernels.h"
/* ------------------------------------------------------------------------ */
/* The choice of kernels (see kernels.h). */

int umapc_kernel_avx2 = 0;
int umapc_kernel_avx512 = 0;

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__) && \
    !defined(UMAPC_NO_AVX2)
int umapc_kernels_avx2_available(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") ? 1 : 0;
}

/* __builtin_cpu_supports() also checks that the operating system saves
 * the AVX-512 registers */
int umapc_kernels_avx512_available(void) {
  __builtin_cpu_init();
  return umapc_kernels_avx2_available() &&
                 __builtin_cpu_supports("avx512f") &&
                 __builtin_cpu_supports("avx512dq") &&
                 __builtin_cpu_supports("avx512bw") &&
                 __builtin_cpu_supports("avx512vl")
             ? 1
             : 0;
}

/* Runs once when the library is loaded, before any caller can start a
 * parallel region. */
__attribute__((constructor)) static void umapc_kernels_default(void) {
  umapc_kernels_select(UMAPC_KERNELS_AVX512);
}
#else
int umapc_kernels_avx2_available(void) { return 0; }
int umapc_kernels_avx512_available(void) { return 0; }
#endif

int umapc_kernels_select(int which) {
  umapc_kernel_avx512 =
      which == UMAPC_KERNELS_AVX512 && umapc_kernels_avx512_available();
  umapc_kernel_avx2 = (which == UMAPC_KERNELS_AVX512 ||
                       which == UMAPC_KERNELS_AVX2) &&
                      umapc_kernels_avx2_available();
  return umapc_kernels_in_use();
}

int umapc_kernels_in_use(void) {
  return umapc_kernel_avx512 ? UMAPC_KERNELS_AVX512
         : umapc_kernel_avx2 ? UMAPC_KERNELS_AVX2
                             : UMAPC_KERNELS_PORTABLE;
}

/* ------------------------------------------------------------------------ */
/* AVX2 kernels (see kernels.h): the 16 lanes as two 8-wide vectors, no FMA,
 * so the same bits as the scalar and 4-wide kernels. */
#ifdef UMAPC_KERNEL_AVX2
typedef float umapc_v8 __attribute__((vector_size(32)));
typedef int umapc_v8i __attribute__((vector_size(32)));

__attribute__((target("avx2"))) static inline float lanes8(umapc_v8 a0,
                                                           umapc_v8 a1) {
  float acc[UMAPC_LANES];
  memcpy(acc, &a0, sizeof(a0));
  memcpy(acc + 8, &a1, sizeof(a1));
  return umapc_lane_sum(acc);
}

#define LOAD2(p, v0, v1)                 \
  do {                                   \
    memcpy(&(v0), (p), sizeof(v0));      \
    memcpy(&(v1), (p) + 8, sizeof(v1));  \
  } while (0)

/* An AVX2 kernel: the sum over the row of TERM(x, y), 16 floats a step in
 * two accumulators, combined in umapc_lane_sum()'s fixed order. */
#define UMAPC_AVX2_KERNEL(name, TERM)                                      \
  __attribute__((target("avx2"))) float name(const float *x,               \
                                             const float *y, int ld) {     \
    umapc_v8 a0 = {0, 0, 0, 0, 0, 0, 0, 0}, a1 = a0;                       \
    int k;                                                                 \
    for (k = 0; k < ld; k += UMAPC_LANES) {                                \
      umapc_v8 x0, x1, y0, y1;                                             \
      LOAD2(x + k, x0, x1);                                                \
      LOAD2(y + k, y0, y1);                                                \
      a0 += TERM(x0, y0);                                                  \
      a1 += TERM(x1, y1);                                                  \
    }                                                                      \
    return lanes8(a0, a1);                                                 \
  }

/* every lane of a vector of ints */
#define V8I(c) ((umapc_v8i){(c), (c), (c), (c), (c), (c), (c), (c)})
#define SQDIFF(a, b) (((a) - (b)) * ((a) - (b)))
#define PROD(a, b) ((a) * (b))
/* |a - b|: clear the sign bit */
#define ABSDIFF(a, b) ((umapc_v8)((umapc_v8i)((a) - (b)) & V8I(0x7fffffff)))
/* 1.0f where a != b, else 0 */
#define NOTEQ(a, b) ((umapc_v8)((umapc_v8i)((a) != (b)) & V8I(0x3f800000)))

UMAPC_AVX2_KERNEL(umapc_sqdist_avx2, SQDIFF)
UMAPC_AVX2_KERNEL(umapc_dot_avx2, PROD)
UMAPC_AVX2_KERNEL(umapc_l1dist_avx2, ABSDIFF)
UMAPC_AVX2_KERNEL(umapc_hamming_avx2, NOTEQ)

#undef UMAPC_AVX2_KERNEL
#undef V8I
#undef SQDIFF
#undef PROD
#undef ABSDIFF
#undef NOTEQ
#undef LOAD2
#endif
