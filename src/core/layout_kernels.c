/*
 * The layout's per-vertex work (the scheme is described in layout.h): one
 * epoch of a chunk of vertices, umapc_chunk_epoch(), by the code here for
 * any dimension or by the vector kernels of layout_vec.h for two (eight
 * lanes, or sixteen with AVX-512), the kernels chosen once per run; the
 * power function and the clipping that both use; and the edges' output
 * memberships for densMAP's radii.
 */
#include "fp.h"

#include <string.h>

#include "fmath.h"
#include "kernels.h"
#include "layout.h"
#include "layout_int.h"


/*
 * x^b for the gradient terms, as exp2(b * log2(x)) with polynomial
 * approximations fitted by least squares on Chebyshev nodes (log2: absolute
 * error < 4e-6 for the mantissa in [sqrt(1/2), sqrt(2)); exp2: relative
 * error < 1.1e-7 on [-1/2, 1/2]); overall relative error about 3e-6, far
 * below the noise of stochastic gradient descent. No division, pure float
 * arithmetic: the same inputs give the same bits on every machine. Tiny,
 * huge or non-finite inputs fall back to slow_powf(), umapc_pow() of
 * fmath.h (not the C library's powf, whose last bits vary by platform).
 */
/* The two polynomials, written once for the scalar code here and the
 * eight-lane code of layout_vec.h (the same expression on float or on a
 * vector of floats): log2(1 + m) for m in [-0.293, 0.415), and 2^f for f in
 * [-1/2, 1/2]. */
#define UMAPC_LOG2_POLY(m)                                                  \
  ((m) * (1.4427017998f +                                                   \
          (m) * (-0.72120846756f +                                          \
                 (m) * (0.47979388416f +                                    \
                        (m) * (-0.36641325939f +                            \
                               (m) * (0.31840711837f +                      \
                                      (m) * -0.20685812421f))))))
#define UMAPC_EXP2_POLY(f)                                                  \
  (1.0000000755f +                                                          \
   (f) * (0.69314720671f +                                                  \
          (f) * (0.24022107356f +                                           \
                 (f) * (0.055503272142f +                                   \
                        (f) * (0.0096760370979f + (f) * 0.0013400432165f)))))

/* x^b where fast_powf() is out of its range: rare (tiny or huge
 * distances), so double precision and no hurry */
static float slow_powf(float x, float b) {
  return (float)umapc_pow((double)x, (double)b);
}

static inline float fast_powf(float x, float b) {
  union {
    float f;
    uint32_t u;
  } v;
  float m, lg, p, f, r;
  int e, i;
  if (!(x > 1e-30f && x < 1e30f)) return slow_powf(x, b);
  v.f = x;
  e = (int)((v.u >> 23) & 0xffu) - 127;
  v.u = (v.u & 0x007fffffu) | 0x3f800000u; /* mantissa in [1, 2) */
  m = v.f;
  if (m > 1.41421356f) {
    m *= 0.5f;
    e += 1;
  }
  m -= 1.0f; /* in [-0.293, 0.415) */
  lg = (float)e + UMAPC_LOG2_POLY(m);
  p = b * lg;
  if (p < -126.0f || p > 126.0f) return slow_powf(x, b);
  /* round p to the nearest integer by adding 1.5 * 2^23 (|p| < 2^22) */
  v.f = p + 12582912.0f;
  i = (int)(v.u - 0x4B400000u);
  f = p - (v.f - 12582912.0f); /* in [-0.5, 0.5] */
  r = UMAPC_EXP2_POLY(f);
  v.f = r;
  v.u += (uint32_t)i << 23;
  return v.f;
}

/* written as min/max so it compiles to two branch-free instructions */
static inline float clip4(float g) {
  g = g < 4.0f ? g : 4.0f;
  return g > -4.0f ? g : -4.0f;
}

/*
 * One vertex's updates for one epoch (any dimension). y: its position
 * (in/out, dim floats); others: positions of the vertices it reads
 * (row-major, fixed this phase); g: dim floats of scratch; due edges
 * m0 .. m1 - 1 of d; slots: where the opposite attraction moves go (NULL
 * for transforms).
 *
 * For each due edge the attraction and that edge's negative samples are all
 * evaluated at the same position of y, each term clipped to [-4, 4] on its
 * own, then added in order (attraction, negative samples 0, 1, ...) and
 * applied together; the attraction's opposite, -alpha times its term, goes
 * to the reverse edge's slot. de (fits in densMAP epochs, else NULL): the
 * densMAP term, added to the attraction. The 2-d kernel in layout_vec.h
 * does exactly this on eight (or sixteen) vertices at a time.
 */
static void vertex_epoch(int self_index, float *y, float *g,
                         const float *others, uint32_t n_others, int dim,
                         const due_list *d, int m0, int m1, float alpha,
                         float a, float b, float gamma, float *slots,
                         const dens_epoch *de) {
  const float rep_num = 2.0f * gamma * b, att_num = -2.0f * a * b;
  const float one_minus_b = 1.0f - b;
  int m;
  for (m = m0; m < m1; m++) {
    const float *yj = others + (size_t)d->j[m] * dim;
    float d2 = 0.0f;
    int q, c;
    for (c = 0; c < dim; c++) {
      const float diff = y[c] - yj[c];
      d2 += diff * diff;
    }
    if (d2 > 0.0f) {
      /* d2^(b-1) directly avoids a division by d2 */
      const float pbm1 = fast_powf(d2, b - 1.0f);
      const float coef = att_num * pbm1 / (a * pbm1 * d2 + 1.0f);
      for (c = 0; c < dim; c++) g[c] = clip4(coef * (y[c] - yj[c]));
      if (de != NULL) {
        const float phi = 1.0f / (a * pbm1 * d2 + 1.0f);
        const float dphi = -0.5f * coef;
        const float *pi = de->pv + 2 * (size_t)self_index;
        const float *pj = de->pv + 2 * (size_t)d->j[m];
        const float gc = de->c / de->r[d->t[m]] * phi *
                         ((one_minus_b + b * phi) * (pi[0] + pj[0]) +
                          dphi * (pi[1] + pj[1]));
        for (c = 0; c < dim; c++) g[c] += clip4(2.0f * gc * (y[c] - yj[c]));
      }
    } else {
      for (c = 0; c < dim; c++) g[c] = 0.0f;
    }
    if (slots != NULL && d->w[m] >= 0)
      for (c = 0; c < dim; c++) slots[(size_t)d->w[m] * dim + c] = -(g[c] * alpha);
    for (q = 0; q < d->n_neg[m]; q++) {
      const int kk = negative_vertex(d->ekey[m], q, n_others);
      const float *yk;
      float e2 = 0.0f;
        if (kk == self_index) continue;
      yk = others + (size_t)kk * dim;
      for (c = 0; c < dim; c++) {
        const float diff = y[c] - yk[c];
        e2 += diff * diff;
      }
      if (e2 > 0.0f) {
        const float coef =
            rep_num / ((0.001f + e2) * (a * fast_powf(e2, b) + 1.0f));
        for (c = 0; c < dim; c++) g[c] += clip4(coef * (y[c] - yk[c]));
      } else {
        for (c = 0; c < dim; c++) g[c] += 4.0f;
      }
    }
    for (c = 0; c < dim; c++) y[c] += g[c] * alpha;
  }
}

/* densMAP: squared lengths and output memberships of the m edges from yi
 * (dim floats) to tails[0 .. m - 1] (layout_vec.h has the 2-d vector
 * version). */
void umapc_edge_phi(const int *tails, int m, const float *yi, const float *y,
                    int dim, float a, float b, float *phi, float *d2) {
  int t;
  for (t = 0; t < m; t++) {
    const float *yj = y + (size_t)tails[t] * dim;
    float dd = 0.0f;
    int c;
    for (c = 0; c < dim; c++) {
      const float diff = yi[c] - yj[c];
      dd += diff * diff;
    }
    d2[t] = dd;
    phi[t] = 1.0f / (1.0f + a * fast_powf(dd, b));
  }
}

#if (defined(__GNUC__) || defined(__clang__)) && !defined(UMAPC_NO_VECTOR)
/* eight lanes at a time: the schedule scan, and the 2-d update of eight
 * vertices (sixteen with AVX-512; see layout_vec.h) */
#define UMAPC_HAVE_VEC 1
typedef float v8f __attribute__((vector_size(32)));
typedef int v8i __attribute__((vector_size(32)));
typedef uint32_t v8u __attribute__((vector_size(32)));
typedef unsigned long long v4u64 __attribute__((vector_size(32)));
typedef int v4i __attribute__((vector_size(16)));
typedef uint8_t v4u8 __attribute__((vector_size(4)));

/* for each 4-bit mask, the positions of its set bits, lowest first, and
 * how many there are (_pack_due() of layout_vec.h) */
static const uint8_t umapc_nibble_pos[16][4] = {
    {0, 0, 0, 0}, {0, 0, 0, 0}, {1, 0, 0, 0}, {0, 1, 0, 0},
    {2, 0, 0, 0}, {0, 2, 0, 0}, {1, 2, 0, 0}, {0, 1, 2, 0},
    {3, 0, 0, 0}, {0, 3, 0, 0}, {1, 3, 0, 0}, {0, 1, 3, 0},
    {2, 3, 0, 0}, {0, 2, 3, 0}, {1, 2, 3, 0}, {0, 1, 2, 3}};
static const int umapc_nibble_count[16] = {0, 1, 1, 2, 1, 2, 2, 3,
                                           1, 2, 2, 3, 2, 3, 3, 4};

/* lanes of a (0-7) and b (8-15) picked by eight constant indices */
#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 12)
#define UMAPC_VEC_SHUFFLE(a, b, i0, i1, i2, i3, i4, i5, i6, i7)             \
  __builtin_shufflevector(a, b, i0, i1, i2, i3, i4, i5, i6, i7)
#else
#define UMAPC_VEC_SHUFFLE(a, b, i0, i1, i2, i3, i4, i5, i6, i7)             \
  __builtin_shuffle(a, b, (v8i){i0, i1, i2, i3, i4, i5, i6, i7})
#endif

/* the lanes of an all-ones/all-zeros v8i as a bit mask, lane 0 lowest */
#define UMAPC_VEC_MASK(v)                                                   \
  ((int)(((*(v))[0] & 1) | ((*(v))[1] & 2) | ((*(v))[2] & 4) |              \
         ((*(v))[3] & 8) | ((*(v))[4] & 16) | ((*(v))[5] & 32) |            \
         ((*(v))[6] & 64) | ((*(v))[7] & 128)))

/* the 2-d update's lanes: eight, or sixteen with AVX-512 (below) */
#define UMAPC_W 8
#define VF v8f
#define VI v8i
#define VU v8u
#define VU64 v4u64
#define UMAPC_VEC_NAME(suffix) vec_generic##suffix
#define UMAPC_VEC_ATTR
#include "layout_vec.h"
#undef UMAPC_VEC_NAME
#undef UMAPC_VEC_ATTR

#if defined(__x86_64__) && !defined(UMAPC_NO_AVX2)
#define UMAPC_HAVE_VEC_AVX2 1
#define UMAPC_VEC_NAME(suffix) vec_avx2##suffix
#define UMAPC_VEC_ATTR __attribute__((target("avx2")))
/* one instruction (vmovmskps) */
#undef UMAPC_VEC_MASK
#define UMAPC_VEC_MASK(v) __builtin_ia32_movmskps256((v8f)(*(v)))
#include "layout_vec.h"
#undef UMAPC_VEC_NAME
#undef UMAPC_VEC_ATTR
#undef UMAPC_W
#undef VF
#undef VI
#undef VU
#undef VU64

/* sixteen lanes in one AVX-512 register: twice the vertices per
 * instruction, each lane's arithmetic that of the eight-lane kernels */
#define UMAPC_HAVE_VEC_AVX512 1
typedef float v16f __attribute__((vector_size(64)));
typedef int v16i __attribute__((vector_size(64)));
typedef uint32_t v16u __attribute__((vector_size(64)));
typedef unsigned long long v8u64 __attribute__((vector_size(64)));
#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 12)
#define UMAPC_VEC_SHUFFLE16(a, b, ...) __builtin_shufflevector(a, b, __VA_ARGS__)
#else
#define UMAPC_VEC_SHUFFLE16(a, b, ...) __builtin_shuffle(a, b, (v16i){__VA_ARGS__})
#endif
#define UMAPC_W 16
#define VF v16f
#define VI v16i
#define VU v16u
#define VU64 v8u64
#define UMAPC_VEC_NAME(suffix) vec_avx512##suffix
#define UMAPC_VEC_ATTR \
  __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl")))
#include "layout_vec.h"
#undef UMAPC_VEC_NAME
#undef UMAPC_VEC_ATTR
#endif
#endif

static int kernel_choice = 0; /* see umapc_layout_set_kernels() */

int umapc_layout_set_kernels(int which) {
  const int old = kernel_choice;
  kernel_choice = which;
  return old;
}

layout_kernels umapc_layout_pick_kernels(void) {
  layout_kernels k;
  k.collect = umapc_collect_due;
  k.take = umapc_take_moves;
  k.epoch2d = NULL; /* no vector extensions: the general-dimension code */
  k.radii2d = NULL;
  if (kernel_choice == 2) return k;
#ifdef UMAPC_HAVE_VEC
  k.collect = vec_generic_collect;
  k.take = vec_generic_take;
  k.epoch2d = vec_generic_epoch2d;
  k.radii2d = vec_generic_radii2d;
#endif
  if (kernel_choice == 1) return k;
#ifdef UMAPC_HAVE_VEC_AVX2
  if (umapc_kernel_avx2) { /* see kernels.h: the same bits either way */
    k.collect = vec_avx2_collect;
    k.take = vec_avx2_take;
    k.epoch2d = vec_avx2_epoch2d;
    k.radii2d = vec_avx2_radii2d;
  }
#endif
#ifdef UMAPC_HAVE_VEC_AVX512
  if (umapc_kernel_avx512) { /* the same bits as the eight lanes */
    k.epoch2d = vec_avx512_epoch2d;
    k.radii2d = vec_avx512_radii2d;
  }
#endif
  return k;
}

/* One epoch of chunk ch (vertices ch * s->chunk ...), on `thread`. */
void umapc_chunk_epoch(const epoch_args *e, int ch, int thread) {
  const int n = e->s->n, dim = e->dim;
  const int i0 = ch * e->s->chunk;
  const int i1 = i0 + e->s->chunk < n ? i0 + e->s->chunk : n;
  /* per-thread scratch, a cache line apart to avoid false sharing */
  float *g = e->scratch + scratch_stride(dim) * (size_t)thread;
  due_list *d = e->dues + thread;
  int i;
  e->kern->collect(e->s, i0, i1, e->epoch, e->key, e->row_keys, d);
  if (dim == 2 && e->kern->epoch2d != NULL) {
    e->kern->epoch2d(d, i0, i1, !e->head_only, e->cur, e->nxt, e->others,
                     e->n_others, e->alpha, e->a, e->b, e->gamma, e->slots,
                     e->de);
    return;
  }
  for (i = i0; i < i1; i++) {
    float *y = e->nxt + (size_t)i * dim;
    memcpy(y, e->cur + (size_t)i * dim, (size_t)dim * sizeof(float));
    vertex_epoch(e->head_only ? -1 : i, y, g, e->others, e->n_others, dim, d,
                 d->start[i - i0], d->start[i - i0 + 1], e->alpha, e->a, e->b,
                 e->gamma, e->slots, e->de);
  }
}
