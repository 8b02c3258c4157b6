/* Deterministic SGD layout (see layout.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "rng.h"
#include "team.h"

#define VERTEX_CHUNK 256 /* vertices per scheduling unit, at the most */

/*
 * x^b for the gradient terms, as exp2(b * log2(x)) with polynomial
 * approximations fitted by least squares on Chebyshev nodes (log2: absolute
 * error < 4e-6 for the mantissa in [sqrt(1/2), sqrt(2)); exp2: relative
 * error < 1.1e-7 on [-1/2, 1/2]); overall relative error about 3e-6, far
 * below the noise of stochastic gradient descent. No division, pure float
 * arithmetic: the same inputs give the same bits. Tiny, huge or non-finite
 * inputs fall back to powf.
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
  lg = (float)e + UMAPC_LOG2_POLY(m);
  p = b * lg;
  if (p < -126.0f || p > 126.0f) return powf(x, b);
  /* round p to the nearest integer by adding 1.5 * 2^23 (|p| < 2^22) */
  v.f = p + 12582912.0f;
  i = (int)(v.u - 0x4B400000u);
  f = p - (v.f - 12582912.0f); /* in [-0.5, 0.5] */
  r = UMAPC_EXP2_POLY(f);
  v.f = r;
  v.u += (uint32_t)i << 23;
  return v.f;
}

/*
 * Negative samples. Each due edge gets a 32-bit edge key from its vertex's
 * per-epoch key and its index among the vertex's edges; negative sample q of
 * the edge is hash32(edge key + q * odd constant) mapped to [0, n) by a
 * multiply-shift. The same arithmetic runs on eight lanes in layout_vec.h.
 */
#define UMAPC_NEG_EDGE_MULT 0x9E3779B9u
#define UMAPC_NEG_SAMPLE_MULT 0x632BE5ABu

static inline uint32_t negative_edge_key(uint64_t vkey, int tl) {
  return umapc_hash32(((uint32_t)vkey + (uint32_t)tl * UMAPC_NEG_EDGE_MULT) ^
                      (uint32_t)(vkey >> 32));
}

static inline int negative_vertex(uint32_t edge_key, int q, uint32_t n) {
  const uint32_t h =
      umapc_hash32(edge_key + (uint32_t)q * UMAPC_NEG_SAMPLE_MULT);
  return (int)(((uint64_t)h * n) >> 32);
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

/*
 * The sampling schedule. umap-learn samples an edge of weight w every
 * eps = w_max / w epochs, starting at epoch eps, keeping a floating-point
 * "next epoch" per edge, and draws its negative samples on a second such
 * clock at rate times the pace. Here the same schedule is a function of the
 * epoch alone, with no state: an edge of relative weight r = w / w_max has
 * been sampled c(n) = floor(n r) times by the end of epoch n, so it is due
 * at epoch n when c(n) > c(n - 1) (r <= 1, so at most once per epoch), and
 * its c-th sample draws floor(c rate) - floor((c - 1) rate) negative
 * samples. Nothing is written while the epochs run, and the test for eight
 * edges is a handful of vector instructions over one array of floats.
 */
enum { PULL_NOW = 0, PULL_NEXT = 1, PULL_NEVER = 2 };

typedef struct {
  int n;
  int *p;          /* n + 1 row offsets into the kept edges */
  int *j;          /* edge tails */
  float *r;        /* relative weights, in (0, 1] */
  double neg_rate; /* negative samples per positive sample */
  int whole_rate;  /* neg_rate if a whole number below 2^20, else -1 */
  int chunk;       /* vertices per chunk (see chunk_size()) */
  /* fits only (NULL for transforms): */
  int *rev;        /* the reverse edge (j, i) of edge (i, j); -1 if none */
  uint8_t *when;   /* when the head collects the tail's move on this edge:
                      PULL_NOW (the tail's phase comes first), PULL_NEXT
                      (the next epoch) or PULL_NEVER (no reverse edge) */
} schedule;

static void schedule_free(schedule *s) {
  free(s->p);
  free(s->j);
  free(s->r);
  free(s->rev);
  free(s->when);
}

/* Keep the edges of g with weight >= min_weight; relative weights are
 * w / max_w, with max_w over the whole graph (per_row = 0) or per row (then
 * edges below max_w / n_epochs of their row are dropped too). */
static int schedule_build(const umapc_csr *g, double min_weight, int per_row,
                          int n_epochs, double neg_rate, schedule *s) {
  const int n = g->n;
  int i, c = 0;
  double gmax = 0.0;
  memset(s, 0, sizeof(*s));
  s->n = n;
  s->neg_rate = neg_rate;
  s->whole_rate = neg_rate >= 0.0 && neg_rate < (double)(1 << 20) &&
                          neg_rate == (double)(int)neg_rate
                      ? (int)neg_rate
                      : -1;
  for (i = 0; i < g->p[n]; i++)
    if (g->w[i] > gmax) gmax = g->w[i];
  s->p = (int *)malloc(((size_t)n + 1) * sizeof(int));
  s->j = (int *)malloc((size_t)g->p[n] * sizeof(int) + 1);
  s->r = (float *)malloc((size_t)g->p[n] * sizeof(float) + 1);
  if (!s->p || !s->j || !s->r) {
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
      s->r[c] = (float)(w / rmax);
      c++;
    }
  }
  s->p[n] = c;
  return UMAPC_OK;
}

/*
 * Both ends of an edge move (see layout.h): find each kept edge's reverse
 * and whether the tail's turn comes at or after the head's. Rows list their
 * tails in ascending order (graph.h), so one cursor per row finds every
 * reverse edge in a single pass; a row out of order falls back to a scan of
 * the row. n_phases is a power of two.
 */
static int schedule_link(schedule *s, int n_phases) {
  const int n = s->n, m = s->p[n];
  int *pos = (int *)malloc(((size_t)n + 1) * sizeof(int));
  int i;
  s->rev = (int *)malloc((size_t)m * sizeof(int) + 1);
  s->when = (uint8_t *)malloc((size_t)m + 1);
  if (pos == NULL || s->rev == NULL || s->when == NULL) {
    free(pos);
    return UMAPC_ERR_NOMEM;
  }
  memcpy(pos, s->p, (size_t)n * sizeof(int));
  for (i = 0; i < n; i++) {
    const int ph = (i / s->chunk) & (n_phases - 1);
    int t;
    for (t = s->p[i]; t < s->p[i + 1]; t++) {
      const int j = s->j[t];
      int *q = pos + j;
      while (*q < s->p[j + 1] && s->j[*q] < i) (*q)++;
      if (*q < s->p[j + 1] && s->j[*q] == i) {
        s->rev[t] = *q;
      } else {
        int u;
        s->rev[t] = -1;
        for (u = s->p[j]; u < s->p[j + 1]; u++)
          if (s->j[u] == i) {
            s->rev[t] = u;
            break;
          }
      }
      s->when[t] = s->rev[t] < 0 ? PULL_NEVER
                   : ((j / s->chunk) & (n_phases - 1)) >= ph ? PULL_NEXT
                                                              : PULL_NOW;
    }
  }
  free(pos);
  return UMAPC_OK;
}

/* Samples of an edge of relative weight r by the end of epoch n. */
static inline int samples_by(int n, float r) {
  return (int)((float)n * r);
}

/* Negative samples drawn by an edge's c-th sample (at most 2^20). */
static inline int negatives_for(int c, double rate, int whole_rate) {
  const double cap = (double)(1 << 20);
  double hi, lo;
  if (whole_rate >= 0) return whole_rate; /* the usual case: rate 5 */
  if (!(rate > 0.0)) return 0;
  if (rate >= cap) return 1 << 20;
  hi = (double)c * rate;
  lo = (double)(c - 1) * rate;
  hi = (double)(long long)hi - (double)(long long)lo; /* both >= 0 */
  return hi < cap ? (int)hi : 1 << 20;
}

/* Whether an edge of relative weight r is sampled at epoch n (never at
 * epoch 0, as in umap-learn). */
static inline int due_at(int n, float r) {
  return n > 0 && samples_by(n, r) != samples_by(n - 1, r);
}

/*
 * The moves a vertex receives from its neighbours (fits only). When vertex
 * i samples edge (i, j), i moves towards j, and j must move towards i by the
 * opposite step, as in umap-learn; but j belongs to another thread's work.
 * So i writes that step into the slot of its edge (i, j) (one slot per edge,
 * one writer per slot, written in edge order), and j, at the start of its
 * next turn, adds the slots of the reverse edges of its own due edges (the
 * graph is symmetric, so (j, i) has the weight of (i, j) and is due in the
 * same epochs). Slots written by vertices whose turn came earlier in this
 * epoch are read in this epoch; slots of vertices whose turn comes at or
 * after j's are read in the next one (PULL_NEXT): j adds those first, then
 * this epoch's, each group in its edge order. Two slot buffers, by epoch
 * parity, keep the writes of one epoch apart from the reads of the previous
 * epoch's. A chunk keeps its PULL_NEXT due edges from one epoch to the next
 * (its "carry"), so that finding the pending slots costs nothing beyond the
 * due edges themselves.
 */

/*
 * The edges due in one epoch for one chunk of vertices, in edge order, with
 * everything that does not depend on positions worked out beforehand (how
 * many negative samples each draws, the random keys, the slot its opposite
 * move goes to). The geometry then runs on this list, for several vertices
 * at once. For fits, also the slots each vertex collects first.
 */
typedef struct {
  int *t;          /* the due edges */
  int *j;          /* their tails */
  int *n_neg;      /* their negative samples */
  uint32_t *ekey;  /* their keys for negative sampling */
  int *start;      /* VERTEX_CHUNK + 1: vertex r's due edges are
                      start[r] .. start[r + 1] - 1 */
  size_t *in_off;  /* pending slots (fits): offsets into the slot buffers,
                      in floats */
  int *in_start;   /* VERTEX_CHUNK + 1, as start */
} due_list;

static void due_free(due_list *d) {
  free(d->t);
  free(d->j);
  free(d->n_neg);
  free(d->ekey);
  free(d->start);
  free(d->in_off);
  free(d->in_start);
}

static int due_alloc(due_list *d, size_t max_edges) {
  d->t = (int *)malloc(max_edges * sizeof(int) + 1);
  d->j = (int *)malloc(max_edges * sizeof(int) + 1);
  d->n_neg = (int *)malloc(max_edges * sizeof(int) + 1);
  d->ekey = (uint32_t *)malloc(max_edges * sizeof(uint32_t) + 1);
  d->start = (int *)malloc((VERTEX_CHUNK + 1) * sizeof(int));
  /* the carry and this epoch's due edges, plus one speculative write */
  d->in_off = (size_t *)malloc((2 * max_edges + 1) * sizeof(size_t));
  d->in_start = (int *)malloc((VERTEX_CHUNK + 1) * sizeof(int));
  return d->t && d->j && d->n_neg && d->ekey && d->start &&
                 d->in_off && d->in_start
             ? UMAPC_OK
             : UMAPC_ERR_NOMEM;
}

/*
 * Given the m due edges d->t of vertices i0 .. i1 - 1 (in edge order), fill
 * in the rest of the list. Vertex i draws from its own key per epoch:
 * (seed, stream, vertex, epoch) for a fit, the caller's per-row key for a
 * transform. Fits (slots != NULL; two buffers of s->p[n] * dim floats):
 * vertex i's pending slots are those of its PULL_NEXT edges due the epoch
 * before (carry[0 .. *n_carry - 1], the chunk's, kept from then), then
 * those of its PULL_NOW edges due now; the carry then becomes this epoch's
 * PULL_NEXT due edges. Branch-free appends: whether an edge qualifies is
 * unpredictable.
 */
static void due_finish(const schedule *s, int i0, int i1, int epoch,
                       uint64_t key, const uint64_t *row_keys, int dim,
                       const float *slots, int *carry, int *n_carry,
                       due_list *d, int m) {
  const size_t buf = (size_t)s->p[s->n] * dim;
  const size_t now = (size_t)(epoch & 1) * buf,
               before = (size_t)((epoch + 1) & 1) * buf;
  int i, u = 0, v = 0, c = 0;
  for (i = i0; i < i1; i++) {
    const int t0 = s->p[i], t1 = s->p[i + 1], u0 = u;
    d->start[i - i0] = u;
    if (u < m && d->t[u] < t1) {
      const uint64_t vkey = umapc_rng_u64(
          key, row_keys != NULL ? row_keys[i] : (uint64_t)i, (uint64_t)epoch);
      for (; u < m && d->t[u] < t1; u++) {
        const int t = d->t[u];
        d->j[u] = s->j[t];
        d->n_neg[u] = negatives_for(samples_by(epoch, s->r[t]), s->neg_rate,
                                   s->whole_rate);
        d->ekey[u] = negative_edge_key(vkey, t - t0);
      }
    }
    d->in_start[i - i0] = v;
    if (slots != NULL) {
      int w;
      for (; c < *n_carry && carry[c] < t1; c++)
        d->in_off[v++] = before + (size_t)s->rev[carry[c]] * dim;
      for (w = u0; w < u; w++) {
        const int t = d->t[w];
        d->in_off[v] = now + (size_t)s->rev[t] * dim; /* unused unless kept */
        v += s->when[t] == PULL_NOW;
      }
    }
  }
  d->start[i1 - i0] = m;
  d->in_start[i1 - i0] = v;
  if (slots != NULL) {
    c = 0;
    for (u = 0; u < m; u++) {
      carry[c] = d->t[u];
      c += s->when[d->t[u]] == PULL_NEXT;
    }
    *n_carry = c;
    for (u = 0; u < v; u++) /* scattered reads, needed at the vertices' turns */
      __builtin_prefetch(slots + d->in_off[u]);
  }
}

/* The due edges of vertices i0 .. i1 - 1 at this epoch (the scalar version
 * of layout_vec.h's), then due_finish(). */
static void collect_due(const schedule *s, int i0, int i1, int epoch,
                        uint64_t key, const uint64_t *row_keys, int dim,
                        const float *slots, int *carry, int *n_carry,
                        due_list *d) {
  int t, m = 0;
  for (t = s->p[i0]; t < s->p[i1]; t++) {
    d->t[m] = t;
    m += due_at(epoch, s->r[t]);
  }
  due_finish(s, i0, i1, epoch, key, row_keys, dim, slots, carry, n_carry, d,
             m);
}

/* y (dim floats) plus vertex r's pending slots, in due_finish()'s order */
static inline void collect_moves(const due_list *d, int r, const float *slots,
                                 int dim, float *y) {
  int u, c;
  for (u = d->in_start[r]; u < d->in_start[r + 1]; u++)
    for (c = 0; c < dim; c++) y[c] += slots[d->in_off[u] + c];
}

/*
 * One vertex's updates for one epoch (any dimension). y: its position
 * (in/out, dim floats); others: positions of the vertices it reads
 * (row-major, fixed this phase); g: dim floats of scratch; due edges
 * m0 .. m1 - 1 of d; slots: where the opposite attraction moves go (this
 * epoch's slot buffer; NULL for transforms).
 *
 * For each due edge the attraction and that edge's negative samples are all
 * evaluated at the same position of y, each term clipped to [-4, 4] on its
 * own, then added in order (attraction, negative samples 0, 1, ...) and
 * applied together; the attraction's opposite, -alpha times its term, goes
 * to the reverse edge's slot. The 2-d kernel in layout_vec.h does exactly
 * this on eight vertices at a time.
 */
static void vertex_epoch(int self_index, float *y, float *g,
                         const float *others, uint32_t n_others, int dim,
                         const due_list *d, int m0, int m1, float alpha,
                         float a, float b, float gamma, float *slots) {
  const float rep_num = 2.0f * gamma * b, att_num = -2.0f * a * b;
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
    } else {
      for (c = 0; c < dim; c++) g[c] = 0.0f;
    }
    if (slots != NULL)
      for (c = 0; c < dim; c++) slots[(size_t)d->t[m] * dim + c] = -(g[c] * alpha);
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

#if (defined(__GNUC__) || defined(__clang__)) && !defined(UMAPC_NO_VECTOR)
/* eight lanes at a time: the schedule scan, and the 2-d update of eight
 * vertices (see layout_vec.h) */
#define UMAPC_HAVE_VEC 1
typedef float v8f __attribute__((vector_size(32)));
typedef int v8i __attribute__((vector_size(32)));
typedef uint32_t v8u __attribute__((vector_size(32)));
typedef unsigned long long v4u64 __attribute__((vector_size(32)));

#define UMAPC_VEC_NAME(suffix) vec_generic##suffix
#define UMAPC_VEC_ATTR
#include "layout_vec.h"
#undef UMAPC_VEC_NAME
#undef UMAPC_VEC_ATTR

#if defined(__x86_64__)
#define UMAPC_HAVE_VEC_AVX2 1
#define UMAPC_VEC_NAME(suffix) vec_avx2##suffix
#define UMAPC_VEC_ATTR __attribute__((target("avx2,fma")))
#include "layout_vec.h"
#undef UMAPC_VEC_NAME
#undef UMAPC_VEC_ATTR
#endif
#endif

/* The kernels for this processor (chosen once, before threads). */
typedef struct {
  void (*collect)(const schedule *, int, int, int, uint64_t,
                  const uint64_t *, int, const float *, int *, int *,
                  due_list *);
  void (*epoch2d)(const due_list *, int, int, int, const float *, float *,
                  const float *, uint32_t, float, float, float, float,
                  const float *, float *);
} layout_kernels;

static int kernel_choice = 0; /* see umapc_layout_set_kernels() */

int umapc_layout_set_kernels(int which) {
  const int old = kernel_choice;
  kernel_choice = which;
  return old;
}

static layout_kernels select_kernels(void) {
  layout_kernels k;
  k.collect = collect_due;
  k.epoch2d = NULL; /* no vector extensions: the general-dimension code */
  if (kernel_choice == 2) return k;
#ifdef UMAPC_HAVE_VEC
  k.collect = vec_generic_collect;
  k.epoch2d = vec_generic_epoch2d;
#endif
  if (kernel_choice == 1) return k;
#ifdef UMAPC_HAVE_VEC_AVX2
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    k.collect = vec_avx2_collect;
    k.epoch2d = vec_avx2_epoch2d;
  }
#endif
  return k;
}

/* What every chunk of one epoch shares. */
typedef struct {
  const schedule *s;
  const layout_kernels *kern;
  const uint64_t *row_keys;
  uint64_t key;
  int epoch, dim, head_only;
  float alpha, a, b, gamma;
  float *slots;              /* fits: the two slot buffers (see due_at) */
  int *carry;                /* fits: each chunk's PULL_NEXT due edges, at its
                                first edge's index */
  int *n_carry;              /* fits: how many, per chunk */
  const float *cur, *others; /* positions at the start of the phase */
  uint32_t n_others;
  float *nxt;                /* the chunk's new positions */
  float *scratch;            /* per-thread, for vertex_epoch() */
  due_list *dues;            /* per-thread */
} epoch_args;

/* One epoch of chunk ch (vertices ch * s->chunk ...), on `thread`. */
static void chunk_epoch(const epoch_args *e, int ch, int thread) {
  const int n = e->s->n, dim = e->dim;
  const int i0 = ch * e->s->chunk;
  const int i1 = i0 + e->s->chunk < n ? i0 + e->s->chunk : n;
  /* per-thread scratch, a cache line apart to avoid false sharing */
  float *g = e->scratch + scratch_stride(dim) * (size_t)thread;
  due_list *d = e->dues + thread;
  int i;
  /* this epoch's slot buffer, written by the vertices' attraction */
  float *wslots =
      e->slots != NULL
          ? e->slots + (size_t)(e->epoch & 1) * e->s->p[n] * (size_t)dim
          : NULL;
  e->kern->collect(e->s, i0, i1, e->epoch, e->key, e->row_keys, dim, e->slots,
                   e->carry != NULL ? e->carry + e->s->p[i0] : NULL,
                   e->carry != NULL ? e->n_carry + ch : NULL, d);
  if (dim == 2 && e->kern->epoch2d != NULL) {
    e->kern->epoch2d(d, i0, i1, !e->head_only, e->cur, e->nxt, e->others,
                     e->n_others, e->alpha, e->a, e->b, e->gamma, e->slots,
                     wslots);
    return;
  }
  for (i = i0; i < i1; i++) {
    float *y = e->nxt + (size_t)i * dim;
    memcpy(y, e->cur + (size_t)i * dim, (size_t)dim * sizeof(float));
    if (e->slots != NULL) collect_moves(d, i - i0, e->slots, dim, y);
    vertex_epoch(e->head_only ? -1 : i, y, g, e->others, e->n_others, dim, d,
                 d->start[i - i0], d->start[i - i0 + 1], e->alpha, e->a, e->b,
                 e->gamma, wslots);
  }
}

/*
 * Vertices per chunk: 256, or fewer (a multiple of 8, at least 16) for
 * fewer than 65,536 vertices, so that smaller graphs also get up to 16
 * phases. Phases per epoch (see layout.h): a power of two up to 16, keeping
 * at least 16 chunks in each so that threads share a phase's work evenly.
 * Both depend on the number of vertices only. A transform moves only new
 * points, which read none of each other, so it needs one phase.
 */
static int chunk_size(int n) {
  int c = n / 256 / 8 * 8;
  return c < 16 ? 16 : c > VERTEX_CHUNK ? VERTEX_CHUNK : c;
}

static int phases_for(int n_chunks, int head_only) {
  int p = 1;
  if (head_only) return 1;
  while (p < 16 && 2 * p * 16 <= n_chunks) p *= 2;
  return p;
}

/* After the last epoch: the slots of PULL_NEXT edges, which their
 * vertices would have collected at the start of the next epoch. */
static void collect_last_moves(const schedule *s, int n_epochs, int dim,
                               const float *slots, float *pos,
                               int n_threads) {
  const int n = s->n;
  const size_t buf = (size_t)s->p[n] * dim;
  const float *last = slots + (size_t)((n_epochs - 1) & 1) * buf;
  int i;
  (void)n_threads;
#ifdef _OPENMP
#pragma omp parallel for num_threads(n_threads) schedule(static) if (n > 4096)
#endif
  for (i = 0; i < n; i++) {
    int t, c;
    for (t = s->p[i]; t < s->p[i + 1]; t++)
      if (s->when[t] == PULL_NEXT && due_at(n_epochs - 1, s->r[t]))
        for (c = 0; c < dim; c++)
          pos[(size_t)i * dim + c] += last[(size_t)s->rev[t] * dim + c];
  }
}

/* Everything the team shares while it runs a block of epochs. */
typedef struct {
  epoch_args e;      /* the epoch-independent fields */
  const umapc_layout_params *par;
  int n_phases, n_chunks;
  float *cur, *nxt;  /* the two position buffers at the block's start */
  umapc_team team;
} epoch_block;

/*
 * Epochs e0 .. e1 - 1, on the calling thread (one of the team). Each phase
 * is a step: its chunks are claimed one at a time, then the team waits for
 * the phase to finish; with several phases, the phase's new positions are
 * copied into the shared ones (another step). Every thread keeps the same
 * view of which buffer is which.
 */
static void block_epochs(epoch_block *bl, int e0, int e1, int thread) {
  const int n = bl->e.s->n, dim = bl->e.dim, n_phases = bl->n_phases;
  const int n_chunks = bl->n_chunks;
  float *cur = bl->cur, *nxt = bl->nxt;
  int epoch, sense = 0;
  epoch_args e = bl->e;
  for (epoch = e0; epoch < e1; epoch++) {
    int phase;
    e.epoch = epoch;
    e.alpha = (float)(bl->par->alpha * (1.0 - (double)epoch / bl->par->n_epochs));
    e.cur = cur;
    if (!e.head_only) e.others = cur;
    e.nxt = nxt;
    for (phase = 0; phase < n_phases; phase++) {
      const int in_phase = (n_chunks - phase + n_phases - 1) / n_phases;
      int k;
      while ((k = umapc_team_claim(&bl->team)) < in_phase)
        chunk_epoch(&e, phase + k * n_phases, thread);
      umapc_team_barrier(&bl->team, &sense);
      if (n_phases > 1) {
        /* the phase's vertices become visible to the next phases */
        while ((k = umapc_team_claim(&bl->team)) < in_phase) {
          const int i0 = (phase + k * n_phases) * bl->e.s->chunk;
          const int i1 = i0 + bl->e.s->chunk < n ? i0 + bl->e.s->chunk : n;
          memcpy(cur + (size_t)i0 * dim, nxt + (size_t)i0 * dim,
                 (size_t)(i1 - i0) * dim * sizeof(float));
        }
        umapc_team_barrier(&bl->team, &sense);
      }
    }
    if (n_phases == 1) { /* the new positions are the next epoch's start */
      float *tmp = cur;
      cur = nxt;
      nxt = tmp;
    }
  }
}

static int run_epochs(const schedule *s, const umapc_layout_params *par,
                      int head_only, int n_phases, float *cur, float *nxt,
                      float *scratch, due_list *dues, float *slots,
                      int *carry, int *n_carry, const float *tail, int n_tail,
                      const uint64_t *row_keys, int n_threads,
                      const umapc_interrupt *intr,
                      const umapc_progress *prog) {
  const int n = s->n, dim = par->dim, n_epochs = par->n_epochs;
  const int n_chunks = (n + s->chunk - 1) / s->chunk;
  const long report_every = n_epochs >= 10 ? n_epochs / 10 : 1;
  const layout_kernels kern = select_kernels();
  /* epochs per parallel region: about 2^24 edges and vertices of work
   * (tens of milliseconds), so that interrupts are polled often */
  const double work = (double)s->p[n] + n;
  const int block = work * 50 <= 16777216.0 ? 50
                    : work >= 16777216.0    ? 1
                                            : (int)(16777216.0 / work);
  float *const first = cur;
  epoch_block bl;
  int e0, e1, team;
#ifdef _OPENMP
  /* seconds per epoch measured with one thread [0] and the team [1] */
  double per_epoch[2] = {-1.0, -1.0};
  int blocks_since_probe = 0;
#endif
  epoch_args *e = &bl.e;
  e->s = s;
  e->kern = &kern;
  e->row_keys = row_keys;
  e->key = umapc_rng_key(par->seed, (uint64_t)par->stream);
  e->dim = dim;
  e->head_only = head_only;
  e->a = (float)par->a;
  e->b = (float)par->b;
  e->gamma = (float)par->gamma;
  e->slots = slots;
  e->carry = carry;
  e->n_carry = n_carry;
  e->others = head_only ? tail : NULL;
  e->n_others = (uint32_t)(head_only ? n_tail : n);
  e->scratch = scratch;
  e->dues = dues;
  bl.par = par;
  bl.n_phases = n_phases;
  bl.n_chunks = n_chunks;
  n_threads = umapc_clamp_threads(n_threads);
  /* at least four chunks per thread in each phase: small graphs run on
   * fewer threads (a thread would wait more than it works) */
  team = n_chunks / n_phases / 4;
  if (team > n_threads) team = n_threads;
  if (team < 1) team = 1;
  for (e0 = 0; e0 < n_epochs; e0 = e1) {
    int threads = team;
    e1 = e0 + block < n_epochs ? e0 + block : n_epochs;
#ifdef _OPENMP
    /*
     * When other programs keep the processors busy, a team loses time at
     * every barrier waiting for a descheduled member, and one thread can be
     * faster. Results do not depend on the team's size, so it is chosen by
     * measurement: a short block on the other size every few blocks, and the
     * faster per epoch for the rest.
     */
    int probe = 0;
    double t0 = 0.0;
    if (team > 1) {
      const int best = per_epoch[0] >= 0.0 && per_epoch[1] >= 0.0 &&
                               per_epoch[0] < per_epoch[1]
                           ? 0
                           : 1;
      if (per_epoch[1] < 0.0) {
        threads = team;
      } else if (per_epoch[0] < 0.0 || blocks_since_probe >= 8) {
        probe = 1;
        threads = best == 1 ? 1 : team;
      } else {
        threads = best == 1 ? team : 1;
      }
      if (probe || per_epoch[1] < 0.0) {
        const int len = block / 8 > 0 ? block / 8 : 1;
        e1 = e0 + len < n_epochs ? e0 + len : n_epochs;
      }
      blocks_since_probe = probe ? 0 : blocks_since_probe + 1;
      t0 = omp_get_wtime();
    }
#endif
    bl.cur = cur;
    bl.nxt = nxt;
    umapc_team_init(&bl.team, threads);
#ifdef _OPENMP
    if (threads > 1) {
#pragma omp parallel num_threads(threads)
      block_epochs(&bl, e0, e1, omp_get_thread_num());
    } else
#endif
      block_epochs(&bl, e0, e1, 0);
#ifdef _OPENMP
    if (team > 1)
      per_epoch[threads > 1] = (omp_get_wtime() - t0) / (e1 - e0);
#endif
    if (n_phases == 1 && (e1 - e0) % 2 == 1) { /* as block_epochs() left them */
      float *tmp = cur;
      cur = nxt;
      nxt = tmp;
    }
    if (e1 / report_every != e0 / report_every || e1 == n_epochs)
      umapc_report(prog, "optimize", e1, n_epochs);
    if (umapc_interrupted(intr)) return UMAPC_ERR_INTERRUPTED;
  }
  /* the caller reads the first buffer: with one phase the positions
   * alternate between the two, with several they never leave it */
  if (cur != first) memcpy(first, cur, (size_t)n * dim * sizeof(float));
  if (slots != NULL && n_epochs > 0)
    collect_last_moves(s, n_epochs, dim, slots, first, team);
  return UMAPC_OK;
}

static int optimise(const umapc_csr *g, double min_weight, int per_row,
                    const umapc_layout_params *par, const double *tail,
                    int n_tail, const uint64_t *row_keys, int n_threads, const umapc_interrupt *intr,
                    const umapc_progress *prog, double *emb) {
  const int n = g->n, dim = par->dim;
  schedule s;
  float *a = NULL, *b = NULL, *ft = NULL, *scratch = NULL, *slots = NULL;
  int *carry = NULL, *n_carry = NULL;
  due_list *dues = NULL;
  const int n_thr = umapc_clamp_threads(n_threads);
  const int chunk = chunk_size(n);
  const int n_phases = phases_for((n + chunk - 1) / chunk, tail != NULL);
  int status, i, ch;
  size_t t, max_edges = 0;
  if (par->n_epochs <= 0) return UMAPC_OK;
  status = schedule_build(g, min_weight, per_row, par->n_epochs,
                          par->negative_sample_rate, &s);
  if (status != UMAPC_OK) return status;
  s.chunk = chunk;
  if (tail == NULL) { /* a fit: both ends of every edge move */
    status = schedule_link(&s, n_phases);
    slots = (float *)calloc(2 * (size_t)s.p[n] * dim + 1, sizeof(float));
    carry = (int *)malloc((size_t)s.p[n] * sizeof(int) + 1);
    n_carry = (int *)calloc((size_t)n / s.chunk + 1, sizeof(int));
    if (status != UMAPC_OK || slots == NULL || carry == NULL ||
        n_carry == NULL) {
      status = UMAPC_ERR_NOMEM;
      goto done;
    }
  }
  a = (float *)malloc((size_t)n * dim * sizeof(float) + 1);
  b = (float *)malloc((size_t)n * dim * sizeof(float) + 1);
  if (tail != NULL) ft = (float *)malloc((size_t)n_tail * dim * sizeof(float) + 1);
  scratch = (float *)malloc((size_t)n_thr * scratch_stride(dim) * sizeof(float));
  dues = (due_list *)calloc((size_t)n_thr, sizeof(due_list));
  if (a == NULL || b == NULL || scratch == NULL || dues == NULL ||
      (tail != NULL && ft == NULL)) {
    status = UMAPC_ERR_NOMEM;
    goto done;
  }
  /* each thread's due list holds at most one chunk's kept edges */
  for (ch = 0; ch < n; ch += s.chunk) {
    const int end = ch + s.chunk < n ? ch + s.chunk : n;
    const size_t m = (size_t)(s.p[end] - s.p[ch]);
    if (m > max_edges) max_edges = m;
  }
  for (i = 0; i < n_thr; i++) {
    if (due_alloc(dues + i, max_edges) != UMAPC_OK) {
      status = UMAPC_ERR_NOMEM;
      goto done;
    }
  }
  for (t = 0; t < (size_t)n * dim; t++) a[t] = (float)emb[t];
  if (tail != NULL)
    for (t = 0; t < (size_t)n_tail * dim; t++) ft[t] = (float)tail[t];
  status = run_epochs(&s, par, tail != NULL, n_phases, a, b, scratch, dues,
                      slots, carry, n_carry, ft, n_tail, row_keys, n_threads,
                      intr, prog);
  if (status == UMAPC_OK) {
    /* run_epochs() leaves the result in a */
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
  free(slots);
  free(carry);
  free(n_carry);
  if (dues != NULL)
    for (i = 0; i < n_thr; i++) due_free(dues + i);
  free(dues);
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
