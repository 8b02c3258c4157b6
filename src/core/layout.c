/* Deterministic SGD layout (see layout.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "rng.h"

#define VERTEX_CHUNK 256 /* vertices per scheduling unit */

/*
 * x^b for the gradient terms, as exp2(b * log2(x)) with polynomial
 * approximations fitted by least squares on Chebyshev nodes (log2: absolute
 * error < 4e-6 for the mantissa in [sqrt(1/2), sqrt(2)); exp2: relative
 * error < 1.1e-7 on [-1/2, 1/2]); overall relative error about 3e-6, far
 * below the noise of stochastic gradient descent. No division, pure float
 * arithmetic: the same inputs give the same bits. Tiny, huge or non-finite
 * inputs fall back to powf.
 */
static inline float fast_powf(float x, float b) {
  union {
    float f;
    uint32_t u;
  } v;
  float m, lg, p, f, r;
  int e, i;
  if (!(x > 1e-30f && x < 1e30f)) return powf(x, b);
  v.f = x;
  e = (int)((v.u >> 23) & 0xffu) - 127;
  v.u = (v.u & 0x007fffffu) | 0x3f800000u; /* mantissa in [1, 2) */
  m = v.f;
  if (m > 1.41421356f) {
    m *= 0.5f;
    e += 1;
  }
  m -= 1.0f; /* in [-0.293, 0.415) */
  lg = (float)e +
       m * (1.4427017998f +
            m * (-0.72120846756f +
                 m * (0.47979388416f +
                      m * (-0.36641325939f +
                           m * (0.31840711837f + m * -0.20685812421f)))));
  p = b * lg;
  if (p < -126.0f || p > 126.0f) return powf(x, b);
  /* round p to the nearest integer by adding 1.5 * 2^23 (|p| < 2^22) */
  v.f = p + 12582912.0f;
  i = (int)(v.u - 0x4B400000u);
  f = p - (v.f - 12582912.0f); /* in [-0.5, 0.5] */
  r = 1.0000000755f +
      f * (0.69314720671f +
           f * (0.24022107356f +
                f * (0.055503272142f +
                     f * (0.0096760370979f + f * 0.0013400432165f))));
  v.f = r;
  v.u += (uint32_t)i << 23;
  return v.f;
}

/* The vertex for negative sample q of the vertex's local edge tl: two
 * samples per 64-bit draw (one per 32-bit half), keyed by the vertex's
 * per-epoch key. */
static inline uint64_t negative_bits(uint64_t vkey, int tl, int q) {
  return umapc_mix64(vkey + (((uint64_t)tl << 20) | (uint64_t)(q >> 1)) *
                                0x9E3779B97F4A7C15ULL);
}

/* `bits` = negative_bits(vkey, tl, q & ~1): one draw serves q and q + 1 */
static inline int negative_vertex(uint64_t bits, int q, uint32_t n) {
  const uint64_t half = (q & 1) ? (bits & 0xffffffffULL) : (bits >> 32);
  return (int)((half * (uint64_t)n) >> 32);
}

/* written as min/max so it compiles to two branch-free instructions */
static inline float clip4(float g) {
  g = g < 4.0f ? g : 4.0f;
  return g > -4.0f ? g : -4.0f;
}

void umapc_rescale_init(double *emb, int n, int dim) {
  int c, i;
  for (c = 0; c < dim; c++) {
    double lo = INFINITY, hi = -INFINITY, range;
    for (i = 0; i < n; i++) {
      const double v = emb[(size_t)i * dim + c];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    range = hi - lo;
    for (i = 0; i < n; i++) {
      double *v = emb + (size_t)i * dim + c;
      *v = range > 0.0 ? 10.0 * (*v - lo) / range : 5.0;
    }
  }
}

/* floats between two threads' scratch vectors: whole cache lines */
static size_t scratch_stride(int dim) {
  return ((size_t)dim + 31) / 16 * 16;
}

/* Shared state of one optimisation: the edges kept and their schedules. */
typedef struct {
  int n;
  int *p;          /* n + 1 row offsets into the kept edges */
  int *j;          /* edge tails */
  float *eps;      /* epochs per positive sample */
  float *eps_neg;  /* epochs per negative sample (eps / negative rate) */
  float *next;     /* epoch of the next positive sample */
  float *next_neg; /* epoch of the next negative sample */
} schedule;

static void schedule_free(schedule *s) {
  free(s->p);
  free(s->j);
  free(s->eps);
  free(s->eps_neg);
  free(s->next);
  free(s->next_neg);
}

/* Keep the edges of g with weight >= min_weight; epochs per sample are
 * max_w / w, with max_w over the whole graph (per_row = 0) or per row (then
 * edges below max_w / n_epochs of their row are dropped too). */
static int schedule_build(const umapc_csr *g, double min_weight, int per_row,
                          int n_epochs, double neg_rate, schedule *s) {
  const int n = g->n;
  int i, c = 0;
  double gmax = 0.0;
  memset(s, 0, sizeof(*s));
  s->n = n;
  for (i = 0; i < g->p[n]; i++)
    if (g->w[i] > gmax) gmax = g->w[i];
  s->p = (int *)malloc(((size_t)n + 1) * sizeof(int));
  s->j = (int *)malloc((size_t)g->p[n] * sizeof(int) + 1);
  s->eps = (float *)malloc((size_t)g->p[n] * sizeof(float) + 1);
  s->eps_neg = (float *)malloc((size_t)g->p[n] * sizeof(float) + 1);
  s->next = (float *)malloc((size_t)g->p[n] * sizeof(float) + 1);
  s->next_neg = (float *)malloc((size_t)g->p[n] * sizeof(float) + 1);
  if (!s->p || !s->j || !s->eps || !s->eps_neg || !s->next || !s->next_neg) {
    schedule_free(s);
    return UMAPC_ERR_NOMEM;
  }
  for (i = 0; i < n; i++) {
    double rmax = 0.0;
    int t;
    s->p[i] = c;
    if (per_row) {
      for (t = g->p[i]; t < g->p[i + 1]; t++)
        if (g->w[t] > rmax) rmax = g->w[t];
    } else {
      rmax = gmax;
    }
    for (t = g->p[i]; t < g->p[i + 1]; t++) {
      const double w = g->w[t];
      if (!(w > 0.0) || w < min_weight) continue;
      /* per-row pruning for transforms: weak edges of the row never sampled */
      if (per_row && n_epochs > 0 && w < rmax / n_epochs) continue;
      s->j[c] = g->j[t];
      s->eps[c] = (float)(rmax / w);
      s->eps_neg[c] =
          neg_rate > 0.0 ? (float)(s->eps[c] / neg_rate) : (float)INFINITY;
      s->next[c] = s->eps[c];
      s->next_neg[c] = s->eps_neg[c];
      c++;
    }
  }
  s->p[n] = c;
  return UMAPC_OK;
}

/* Negative samples due for edge t at this epoch (and their bookkeeping). */
static inline int due_negatives(schedule *s, int t, int epoch) {
  int n_neg;
  if (!(s->next_neg[t] <= (float)epoch)) return 0;
  n_neg = (int)(((float)epoch - s->next_neg[t]) / s->eps_neg[t]);
  if (n_neg > (1 << 20)) n_neg = 1 << 20;
  s->next_neg[t] += (float)n_neg * s->eps_neg[t];
  return n_neg;
}

/*
 * One vertex's updates for one epoch. y: its position (in/out, dim floats);
 * others: positions of the vertices it reads (row-major, fixed this epoch);
 * g: dim floats of scratch.
 *
 * For each due edge the attraction and that edge's negative samples are all
 * evaluated at the same position of y and applied together: the terms are
 * independent, so the processor overlaps them instead of waiting on a chain
 * of dependent updates. Each term is still clipped to [-4, 4] on its own.
 */
static void vertex_epoch(int i, int self_index, float *y, float *g,
                         const float *others, int n_others, int dim,
                         schedule *s, int epoch, float alpha, float a, float b,
                         float gamma, float attract_mult,
                         uint64_t key) {
  const float rep_num = 2.0f * gamma * b, att_num = -2.0f * a * b;
  int t;
  for (t = s->p[i]; t < s->p[i + 1]; t++) {
    const float *yj;
    float d2 = 0.0f;
    int n_neg, q, c;
    uint64_t bits = 0;
    if (s->next[t] > (float)epoch) continue;
    yj = others + (size_t)s->j[t] * dim;
    for (c = 0; c < dim; c++) {
      const float diff = y[c] - yj[c];
      d2 += diff * diff;
    }
    if (d2 > 0.0f) {
      /* d2^(b-1) directly avoids a division by d2 */
      const float pbm1 = fast_powf(d2, b - 1.0f);
      const float coef = att_num * pbm1 / (a * pbm1 * d2 + 1.0f);
      for (c = 0; c < dim; c++)
        g[c] = attract_mult * clip4(coef * (y[c] - yj[c]));
    } else {
      for (c = 0; c < dim; c++) g[c] = 0.0f;
    }
    s->next[t] += s->eps[t];

    n_neg = due_negatives(s, t, epoch);
    for (q = 0; q < n_neg; q++) {
      int kk;
      if ((q & 1) == 0) bits = negative_bits(key, t - s->p[i], q);
      kk = negative_vertex(bits, q, (uint32_t)n_others);
      const float *yk;
      float e2 = 0.0f;
      if (kk == self_index) continue;
      yk = others + (size_t)kk * dim;
      for (c = 0; c < dim; c++) {
        const float diff = y[c] - yk[c];
        e2 += diff * diff;
      }
      if (e2 > 0.0f) {
        const float coef = rep_num / ((0.001f + e2) * (a * fast_powf(e2, b) + 1.0f));
        for (c = 0; c < dim; c++) g[c] += clip4(coef * (y[c] - yk[c]));
      } else {
        for (c = 0; c < dim; c++) g[c] += 4.0f;
      }
    }
    for (c = 0; c < dim; c++) y[c] += g[c] * alpha;
  }
}

#if (defined(__GNUC__) || defined(__clang__)) && !defined(UMAPC_NO_VECTOR)
/* eight-lane negative sampling for dim = 2 (see layout2d.h) */
#define UMAPC_HAVE_L2D 1
typedef float v8f __attribute__((vector_size(32)));
typedef int v8i __attribute__((vector_size(32)));

#define UMAPC_L2D_NAME(suffix) epoch2d_generic##suffix
#define UMAPC_L2D_ATTR
#include "layout2d.h"
#undef UMAPC_L2D_NAME
#undef UMAPC_L2D_ATTR

#if defined(__x86_64__)
#define UMAPC_HAVE_L2D_AVX2 1
#define UMAPC_L2D_NAME(suffix) epoch2d_avx2##suffix
#define UMAPC_L2D_ATTR __attribute__((target("avx2,fma")))
#include "layout2d.h"
#undef UMAPC_L2D_NAME
#undef UMAPC_L2D_ATTR
#endif
#endif

typedef void (*epoch2d_fn)(int, int, const float *, float *, const float *,
                           int, schedule *, int, float, float, float, float,
                           float, uint64_t);

/* The 2-d vertex update for this processor (chosen once, before threads). */
static epoch2d_fn select_epoch2d(void) {
#ifdef UMAPC_HAVE_L2D_AVX2
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return epoch2d_avx2;
#endif
#ifdef UMAPC_HAVE_L2D
  return epoch2d_generic;
#else
  return NULL; /* no vector extensions: the general-dimension code runs */
#endif
}

static int run_epochs(schedule *s, const umapc_layout_params *par, int head_only,
                      float *cur, float *nxt, float *scratch,
                      const float *tail, int n_tail, const uint64_t *row_keys,
                      int n_threads, const umapc_interrupt *intr,
                      const umapc_progress *prog) {
  const int n = s->n, dim = par->dim, n_epochs = par->n_epochs;
  const uint64_t key = umapc_rng_key(par->seed, (uint64_t)par->stream);
  const int n_chunks = (n + VERTEX_CHUNK - 1) / VERTEX_CHUNK;
  const long report_every = n_epochs >= 10 ? n_epochs / 10 : 1;
  const epoch2d_fn epoch2d = select_epoch2d();
  int epoch, team;
  n_threads = umapc_clamp_threads(n_threads);
  /* no more threads than chunks of work: tiny graphs run serially */
  team = n_threads < n_chunks ? n_threads : n_chunks;
#ifndef _OPENMP
  (void)team;
#endif
  for (epoch = 0; epoch < n_epochs; epoch++) {
    const float alpha = (float)(par->alpha * (1.0 - (double)epoch / n_epochs));
    const float *others = head_only ? tail : cur;
    const int n_others = head_only ? n_tail : n;
    int ch;
    float *tmp;
#ifdef _OPENMP
#pragma omp parallel for num_threads(team) schedule(dynamic, 1) if (team > 1)
#endif
    for (ch = 0; ch < n_chunks; ch++) {
      /* per-thread scratch, a cache line apart to avoid false sharing */
      float *g = scratch + scratch_stride(dim) * (size_t)
#ifdef _OPENMP
                               omp_get_thread_num();
#else
                               0;
#endif
      const int i0 = ch * VERTEX_CHUNK;
      const int i1 = i0 + VERTEX_CHUNK < n ? i0 + VERTEX_CHUNK : n;
      int i;
      for (i = i0; i < i1; i++) {
        /* each vertex draws from its own key per epoch: (seed, stream,
         * vertex, epoch) for a fit, the caller's per-row key for a
         * transform */
        const uint64_t vkey =
            umapc_rng_u64(key, row_keys != NULL ? row_keys[i] : (uint64_t)i,
                          (uint64_t)epoch);
        float *y = nxt + (size_t)i * dim;
        if (dim == 2 && epoch2d != NULL) {
          epoch2d(i, head_only ? -1 : i, cur + (size_t)i * 2, y, others,
                  n_others, s, epoch, alpha, (float)par->a, (float)par->b,
                  (float)par->gamma, head_only ? 1.0f : 2.0f, vkey);
        } else {
          memcpy(y, cur + (size_t)i * dim, (size_t)dim * sizeof(float));
          vertex_epoch(i, head_only ? -1 : i, y, g, others, n_others, dim, s,
                       epoch, alpha, (float)par->a, (float)par->b,
                       (float)par->gamma, head_only ? 1.0f : 2.0f, vkey);
        }
      }
    }
    tmp = cur;
    cur = nxt;
    nxt = tmp;
    if ((epoch + 1) % report_every == 0 || epoch + 1 == n_epochs)
      umapc_report(prog, "optimize", epoch + 1, n_epochs);
    if (umapc_interrupted(intr)) return UMAPC_ERR_INTERRUPTED;
  }
  /* make sure the final positions are in the first buffer's partner */
  if (n_epochs % 2 == 1) memcpy(nxt, cur, (size_t)n * dim * sizeof(float));
  return UMAPC_OK;
}

static int optimise(const umapc_csr *g, double min_weight, int per_row,
                    const umapc_layout_params *par, const double *tail,
                    int n_tail, const uint64_t *row_keys, int n_threads, const umapc_interrupt *intr,
                    const umapc_progress *prog, double *emb) {
  const int n = g->n, dim = par->dim;
  schedule s;
  float *a = NULL, *b = NULL, *ft = NULL, *scratch = NULL;
  int status, i;
  size_t t;
  if (par->n_epochs <= 0) return UMAPC_OK;
  status = schedule_build(g, min_weight, per_row, par->n_epochs,
                          par->negative_sample_rate, &s);
  if (status != UMAPC_OK) return status;
  a = (float *)malloc((size_t)n * dim * sizeof(float) + 1);
  b = (float *)malloc((size_t)n * dim * sizeof(float) + 1);
  if (tail != NULL) ft = (float *)malloc((size_t)n_tail * dim * sizeof(float) + 1);
  scratch = (float *)malloc((size_t)umapc_clamp_threads(n_threads) *
                            scratch_stride(dim) * sizeof(float));
  if (a == NULL || b == NULL || scratch == NULL || (tail != NULL && ft == NULL)) {
    status = UMAPC_ERR_NOMEM;
    goto done;
  }
  for (t = 0; t < (size_t)n * dim; t++) a[t] = (float)emb[t];
  if (tail != NULL)
    for (t = 0; t < (size_t)n_tail * dim; t++) ft[t] = (float)tail[t];
  status = run_epochs(&s, par, tail != NULL, a, b, scratch, ft, n_tail,
                      row_keys, n_threads, intr, prog);
  if (status == UMAPC_OK) {
    /* after an even number of epochs the result is in a, else in b (and
     * copied back into a by run_epochs) */
    for (i = 0; i < n; i++) {
      int c;
      for (c = 0; c < dim; c++)
        emb[(size_t)i * dim + c] = (double)a[(size_t)i * dim + c];
    }
  }
done:
  free(a);
  free(b);
  free(ft);
  free(scratch);
  schedule_free(&s);
  return status;
}

int umapc_layout(const umapc_csr *g, double min_weight,
                 const umapc_layout_params *par, int n_threads,
                 const umapc_interrupt *intr, const umapc_progress *prog,
                 double *emb) {
  return optimise(g, min_weight, 0, par, NULL, 0, NULL, n_threads, intr, prog,
                  emb);
}

int umapc_layout_transform(const umapc_csr *g, const double *tail, int n_tail,
                           const uint64_t *row_keys,
                           const umapc_layout_params *par, int n_threads,
                           const umapc_interrupt *intr,
                           const umapc_progress *prog, double *head) {
  return optimise(g, 0.0, 1, par, tail, n_tail, row_keys, n_threads, intr,
                  prog, head);
}
