/* Deterministic SGD layout (see layout.h). */
#include "fp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fmath.h"
#include "kernels.h"
#include "layout.h"
#include "parallel.h"
#include "rng.h"
#include "team.h"

#define VERTEX_CHUNK 256 /* vertices per scheduling unit, at the most */

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
typedef struct {
  int n;
  int *p;          /* n + 1 row offsets into the kept edges */
  int *j;          /* edge tails */
  float *r;        /* relative weights, in (0, 1] */
  double neg_rate; /* negative samples per positive sample */
  double wmax;     /* the largest weight (per_row = 0) */
  double wsum;     /* the kept edges' total weight, in edge order */
  int whole_rate;  /* neg_rate if a whole number below 2^20, else -1 */
  int chunk;       /* vertices per chunk (see chunk_size()) */
  /* fits only (NULL for transforms): the moves the vertices receive, phase
   * by phase (the phase of the vertex that sends them), then by receiving
   * vertex, then in the receiver's edge order, so that the step after each
   * phase reads one contiguous part of these arrays: */
  int n_phases, n_chunks;
  int n_in;        /* moves listed (slots) */
  int *in_pe;      /* n_phases * n_chunks + 1: the moves for the vertices of
                      chunk k sent in phase p are in_pe[p * n_chunks + k] ..
                      (next) - 1, by receiving vertex, then in its edge order */
  uint8_t *in_off; /* each move's receiver, as its offset in the chunk */
  float *in_r;     /* the relative weight of the sender's edge (i, j) */
  int *out;        /* per kept edge (i, j): the slot of i's move for j,
                      which is j's list entry; -1 if j's reverse edge was
                      not kept (then j does not move) */
} schedule;

static void schedule_free(schedule *s) {
  free(s->p);
  free(s->j);
  free(s->r);
  free(s->in_pe);
  free(s->in_off);
  free(s->in_r);
  free(s->out);
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
  s->wmax = gmax;
  s->wsum = 0.0;
  for (i = 0; i < n; i++) {
    int t;
    for (t = g->p[i]; t < g->p[i + 1]; t++)
      if (g->w[t] > 0.0 && g->w[t] >= min_weight) s->wsum += g->w[t];
  }
  return UMAPC_OK;
}

/*
 * Both ends of an edge move (see layout.h): list the moves each vertex j
 * receives, one per kept edge (j, i) whose reverse (i, j) is kept too: i
 * leaves the move in the slot of (i, j) when it samples that edge. The
 * lists are sorted by the phase of i, then by j, then in j's edge order (a
 * stable counting sort), so that the step after each phase reads one
 * contiguous run of them. Rows list their tails in ascending order
 * (graph.h), so one cursor per row finds every reverse edge in a single
 * pass; a row out of order falls back to a scan of the row. n_phases is a
 * power of two (<= 256).
 */
static int schedule_link(schedule *s, int n_phases) {
  const int n = s->n, m = s->p[n], chunk = s->chunk;
  const int n_chunks = (n + chunk - 1) / chunk;
  const size_t n_pc = (size_t)n_phases * n_chunks;
  int *pos = (int *)malloc(((size_t)n + 1) * sizeof(int));
  int *rev = (int *)malloc((size_t)m * sizeof(int) + 1);
  int i, n_in;
  size_t q;
  s->n_phases = n_phases;
  s->n_chunks = n_chunks;
  s->in_pe = (int *)calloc(n_pc + 1, sizeof(int));
  s->in_off = (uint8_t *)malloc((size_t)m + 1);
  s->in_r = (float *)malloc((size_t)m * sizeof(float) + 1);
  s->out = (int *)malloc((size_t)m * sizeof(int) + 1);
  if (pos == NULL || rev == NULL || s->in_pe == NULL || s->in_off == NULL ||
      s->in_r == NULL || s->out == NULL) {
    free(pos);
    free(rev);
    return UMAPC_ERR_NOMEM;
  }
  memcpy(pos, s->p, (size_t)n * sizeof(int));
  for (i = 0; i < n; i++) {
    int t;
    for (t = s->p[i]; t < s->p[i + 1]; t++) {
      const int j = s->j[t];
      int *qp = pos + j;
      while (*qp < s->p[j + 1] && s->j[*qp] < i) (*qp)++;
      if (*qp < s->p[j + 1] && s->j[*qp] == i) {
        rev[t] = *qp;
      } else {
        int u;
        rev[t] = -1;
        for (u = s->p[j]; u < s->p[j + 1]; u++)
          if (s->j[u] == i) {
            rev[t] = u;
            break;
          }
      }
    }
  }
  /* a counting sort of the moves by (sender's phase, receiver's chunk);
   * stable, so by receiver, then in its edge order, within each */
  for (i = 0; i < n; i++) {
    int t;
    for (t = s->p[i]; t < s->p[i + 1]; t++)
      if (rev[t] >= 0)
        s->in_pe[(size_t)((s->j[t] / chunk) & (n_phases - 1)) * n_chunks +
                 i / chunk + 1]++;
  }
  for (q = 0; q < n_pc; q++) s->in_pe[q + 1] += s->in_pe[q];
  n_in = s->in_pe[n_pc];
  s->n_in = n_in;
  for (q = 0; q < (size_t)m; q++) s->out[q] = -1; /* nobody reads it */
  for (i = 0; i < n; i++) {
    int t;
    for (t = s->p[i]; t < s->p[i + 1]; t++) {
      if (rev[t] >= 0) {
        const size_t cell =
            (size_t)((s->j[t] / chunk) & (n_phases - 1)) * n_chunks + i / chunk;
        const int u = s->in_pe[cell]++;
        s->out[rev[t]] = u;
        s->in_off[u] = (uint8_t)(i % chunk);
        s->in_r[u] = s->r[rev[t]];
      }
    }
  }
  /* the cursors went one cell forward: shift them back */
  for (q = n_pc; q > 0; q--) s->in_pe[q] = s->in_pe[q - 1];
  s->in_pe[0] = 0;
  free(pos);
  free(rev);
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
 * one writer per slot). When i's phase ends, every vertex j adds the slots
 * written for it in that phase, in the order schedule_link() fixed; the
 * graph is symmetric, so (j, i) has the weight of (i, j) and j can tell from
 * its own list which slots were written this epoch. Vertices of later
 * phases thus read j's position with the moves of earlier phases in it, as
 * they would in umap-learn's sequential loop; only vertices of the same
 * phase see each other as they were at the phase's start.
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
  int *w;          /* fits: the slots of their opposite moves */
  int *j;          /* their tails */
  int *n_neg;      /* their negative samples */
  uint32_t *ekey;  /* their keys for negative sampling */
  int *start;      /* VERTEX_CHUNK + 1: vertex r's due edges are
                      start[r] .. start[r + 1] - 1 */
} due_list;

static void due_free(due_list *d) {
  free(d->t);
  free(d->w);
  free(d->j);
  free(d->n_neg);
  free(d->ekey);
  free(d->start);
}

static int due_alloc(due_list *d, size_t max_edges) {
  d->t = (int *)malloc(max_edges * sizeof(int) + 1);
  d->w = (int *)malloc(max_edges * sizeof(int) + 1);
  d->j = (int *)malloc(max_edges * sizeof(int) + 1);
  d->n_neg = (int *)malloc(max_edges * sizeof(int) + 1);
  d->ekey = (uint32_t *)malloc(max_edges * sizeof(uint32_t) + 1);
  d->start = (int *)malloc((VERTEX_CHUNK + 1) * sizeof(int));
  return d->t && d->w && d->j && d->n_neg && d->ekey && d->start ? UMAPC_OK
                                                         : UMAPC_ERR_NOMEM;
}

/*
 * Given the m due edges d->t of vertices i0 .. i1 - 1 (in edge order), fill
 * in the rest of the list. Vertex i draws from its own key per epoch:
 * (seed, stream, vertex, epoch) for a fit, the caller's per-row key for a
 * transform.
 */
static void due_finish(const schedule *s, int i0, int i1, int epoch,
                       uint64_t key, const uint64_t *row_keys, due_list *d,
                       int m) {
  int i, u = 0;
  for (i = i0; i < i1; i++) {
    const int t0 = s->p[i], t1 = s->p[i + 1];
    d->start[i - i0] = u;
    if (u < m && d->t[u] < t1) {
      const uint64_t vkey = umapc_rng_u64(
          key, row_keys != NULL ? row_keys[i] : (uint64_t)i, (uint64_t)epoch);
      for (; u < m && d->t[u] < t1; u++) {
        const int t = d->t[u];
        d->j[u] = s->j[t];
        if (s->out != NULL) d->w[u] = s->out[t];
        d->n_neg[u] = negatives_for(samples_by(epoch, s->r[t]), s->neg_rate,
                                   s->whole_rate);
        d->ekey[u] = negative_edge_key(vkey, t - t0);
      }
    }
  }
  d->start[i1 - i0] = m;
}

/* The due edges of vertices i0 .. i1 - 1 at this epoch (the scalar version
 * of layout_vec.h's), then due_finish(). */
static void collect_due(const schedule *s, int i0, int i1, int epoch,
                        uint64_t key, const uint64_t *row_keys, due_list *d) {
  int t, m = 0;
  for (t = s->p[i0]; t < s->p[i1]; t++) {
    d->t[m] = t;
    m += due_at(epoch, s->r[t]);
  }
  due_finish(s, i0, i1, epoch, key, row_keys, d, m);
}

/*
 * After phase `phase` of an epoch (fits), for the vertices of chunk k:
 * those of the phase take their new positions from nxt, and every vertex
 * adds to its position in cur the moves that the phase's vertices left for
 * it, in schedule_link()'s order (one contiguous run of the lists per
 * phase and chunk).
 */
static void take_moves(const schedule *s, int k, int phase, int epoch,
                       int dim, const float *slots, const float *nxt,
                       float *cur) {
  const int j0 = k * s->chunk;
  const int j1 = j0 + s->chunk < s->n ? j0 + s->chunk : s->n;
  const size_t cell = (size_t)phase * s->n_chunks + k;
  const int u0 = s->in_pe[cell], u1 = s->in_pe[cell + 1];
  float *y = cur + (size_t)j0 * dim;
  int u;
  if ((k & (s->n_phases - 1)) == phase)
    memcpy(y, nxt + (size_t)j0 * dim, (size_t)(j1 - j0) * dim * sizeof(float));
  if (epoch == 0) return; /* nothing is due at epoch 0 */
  if (dim == 2) {
    /* whether a move is due is unpredictable, so no branch: every slot of
     * the run is read (they are contiguous) and its sum kept or not; the
     * results are those of adding the due moves one by one, in order */
    const float now = (float)epoch, before = (float)(epoch - 1);
    for (u = u0; u < u1; u++) {
      const float r = s->in_r[u];
      const int due = (int)(now * r) != (int)(before * r);
      float *yj = y + 2 * (size_t)s->in_off[u];
      const float a0 = yj[0] + slots[2 * (size_t)u],
                  a1 = yj[1] + slots[2 * (size_t)u + 1];
      yj[0] = due ? a0 : yj[0];
      yj[1] = due ? a1 : yj[1];
    }
    return;
  }
  for (u = u0; u < u1; u++) {
    if (due_at(epoch, s->in_r[u])) {
      float *yj = y + (size_t)s->in_off[u] * dim;
      int c;
      for (c = 0; c < dim; c++) yj[c] += slots[(size_t)u * dim + c];
    }
  }
}

/*
 * What the densMAP term needs in one epoch (see block_epochs()): for every
 * vertex v, pv[2v] = W_v / (phi_v exp(re_v)) and pv[2v + 1] = W_v / phi_v,
 * where re_v is v's log radius in the layout, phi_v twice the sum of its
 * edges' output memberships phi = 1 / (1 + a d^2b) (umap-learn counts each
 * edge from both ends) and W_v = R_v - cov (re_v - mean) / std^2 (R: the
 * standardised original log radii); c = lambda mu_tot / (w_max std n). An
 * edge (i, j) of relative weight r then adds clip(2 g (y_i - y_j)) to its
 * attraction, with
 *   g = c / r phi ((1 - b + b phi) (pv[2i] + pv[2j])
 *                  + dphi (pv[2i + 1] + pv[2j + 1])),
 * dphi = a b d^(2(b - 1)) phi: umap-learn's grad_cor_coeff.
 */
typedef struct {
  const float *pv; /* n x 2 */
  const float *r;  /* the schedule's relative weights, by edge */
  float c;
} dens_epoch;

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
 * does exactly this on eight vertices at a time.
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
static void edge_phi(const int *tails, int m, const float *yi, const float *y,
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

#if defined(__x86_64__) && !defined(UMAPC_NO_AVX2)
#define UMAPC_HAVE_VEC_AVX2 1
#define UMAPC_VEC_NAME(suffix) vec_avx2##suffix
#define UMAPC_VEC_ATTR __attribute__((target("avx2")))
#include "layout_vec.h"
#undef UMAPC_VEC_NAME
#undef UMAPC_VEC_ATTR
#endif
#endif

/* The kernels for this processor (chosen once, before threads). */
typedef struct {
  void (*collect)(const schedule *, int, int, int, uint64_t,
                  const uint64_t *, due_list *);
  void (*epoch2d)(const due_list *, int, int, int, const float *, float *,
                  const float *, uint32_t, float, float, float, float,
                  float *, const dens_epoch *);
  void (*radii2d)(const int *, int, float, float, const float *, float, float,
                  float *, float *);
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
  k.radii2d = NULL;
  if (kernel_choice == 2) return k;
#ifdef UMAPC_HAVE_VEC
  k.collect = vec_generic_collect;
  k.epoch2d = vec_generic_epoch2d;
  k.radii2d = vec_generic_radii2d;
#endif
  if (kernel_choice == 1) return k;
#ifdef UMAPC_HAVE_VEC_AVX2
  if (umapc_kernel_avx2) { /* see kernels.h: the same bits either way */
    k.collect = vec_avx2_collect;
    k.epoch2d = vec_avx2_epoch2d;
    k.radii2d = vec_avx2_radii2d;
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
  float *slots;              /* fits: one move per edge (see take_moves) */
  const float *cur, *others; /* positions at the start of the phase */
  uint32_t n_others;
  float *nxt;                /* the chunk's new positions */
  float *scratch;            /* per-thread, for vertex_epoch() */
  due_list *dues;            /* per-thread */
  const dens_epoch *de;      /* densMAP epochs (fits): the term; else NULL */
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

/*
 * densMAP's state (fits with the term on). R, ok and the constants are set
 * once; re, phi, part and pv are rewritten at the start of every densMAP
 * epoch (see block_epochs()).
 */
typedef struct {
  double lambda, frac, var_shift;
  double mu_tot;   /* the total weight of the kept edges (both directions) */
  double wmax;     /* the largest weight: an edge's is r * wmax */
  double *R;       /* n: standardised original log radii (0: no part) */
  uint8_t *ok;     /* n: the vertex has kept edges and an original radius */
  double *re;      /* n: the layout's log radii this epoch */
  double *phi;     /* n: twice the sum of its edges' memberships (0: no
                      part this epoch) */
  double *part;    /* 4 per chunk: count, sum re, sum re^2, sum re R */
  float *pv;       /* n x 2: see dens_epoch */
  float *buf;      /* per thread, 2 x max_deg floats: one row's phi, d2 */
  int max_deg;     /* the most kept edges of a vertex */
} dens_state;

static void dens_free(dens_state *ds) {
  free(ds->R);
  free(ds->ok);
  free(ds->re);
  free(ds->phi);
  free(ds->part);
  free(ds->pv);
  free(ds->buf);
}

/* Whether epoch `epoch` of n_epochs uses the densMAP term (umap-learn's
 * test). */
static int dens_active(const dens_state *ds, int epoch, int n_epochs) {
  return ds != NULL && ds->lambda > 0.0 &&
         (double)(epoch + 1) / (double)n_epochs > 1.0 - ds->frac;
}

/* The layout's log radii of chunk k's vertices at positions y, and the
 * chunk's partial sums (on `thread`, for its buffer). */
static void dens_radii(const schedule *s, const layout_kernels *kern,
                       dens_state *ds, int k, int thread, const float *y,
                       int dim, float a, float b) {
  const int i0 = k * s->chunk;
  const int i1 = i0 + s->chunk < s->n ? i0 + s->chunk : s->n;
  double *part = ds->part + 4 * (size_t)k;
  float *phi = ds->buf + (size_t)thread * 2 * ds->max_deg;
  float *d2 = phi + ds->max_deg;
  int i;
  part[0] = part[1] = part[2] = part[3] = 0.0;
  for (i = i0; i < i1; i++) {
    const float *yi = y + (size_t)i * dim;
    const int m = s->p[i + 1] - s->p[i];
    double sp = 0.0, sr = 0.0;
    int t;
    ds->re[i] = 0.0;
    ds->phi[i] = 0.0;
    if (!ds->ok[i]) continue;
    if (dim == 2 && kern->radii2d != NULL)
      kern->radii2d(s->j + s->p[i], m, yi[0], yi[1], y, a, b, phi, d2);
    else
      edge_phi(s->j + s->p[i], m, yi, y, dim, a, b, phi, d2);
    for (t = 0; t < m; t++) {
      sp += phi[t];
      sr += (double)phi[t] * d2[t];
    }
    if (sp > 0.0) {
      const double re = umapc_log(1e-8 + sr / sp);
      ds->re[i] = re;
      ds->phi[i] = 2.0 * sp;
      part[0] += 1.0;
      part[1] += re;
      part[2] += re * re;
      part[3] += re * ds->R[i];
    }
  }
}

/* The epoch's statistics from the chunks' partial sums, in chunk order (every
 * thread gets the same bits): *de's constant, and the mean, the std and the
 * covariance of the layout's radii with R. Returns 0 when the term is void
 * this epoch (fewer than two vertices, or no spread). */
static int dens_stats(const dens_state *ds, int n_chunks, double *mean,
                      double *std, double *cov, float *c) {
  double cnt = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, var;
  int k;
  for (k = 0; k < n_chunks; k++) {
    const double *part = ds->part + 4 * (size_t)k;
    cnt += part[0];
    s1 += part[1];
    s2 += part[2];
    s3 += part[3];
  }
  if (cnt < 2.0) return 0;
  *mean = s1 / cnt;
  var = s2 / cnt - *mean * *mean;
  if (var < 0.0) var = 0.0;
  *std = sqrt(var + ds->var_shift);
  if (!(*std > 0.0) || !(ds->wmax > 0.0)) return 0;
  *cov = s3 / (cnt - 1.0);
  *c = (float)(ds->lambda * ds->mu_tot / (ds->wmax * *std * cnt));
  return 1;
}

/* The per-vertex factors of dens_epoch for chunk k. */
static void dens_weights(const schedule *s, dens_state *ds, int k, double mean,
                         double std, double cov) {
  const int i0 = k * s->chunk;
  const int i1 = i0 + s->chunk < s->n ? i0 + s->chunk : s->n;
  int i;
  for (i = i0; i < i1; i++) {
    if (ds->phi[i] > 0.0) {
      const double w = ds->R[i] - cov * (ds->re[i] - mean) / (std * std);
      const double aw = w / ds->phi[i];
      ds->pv[2 * (size_t)i] = (float)(aw * umapc_exp(-ds->re[i]));
      ds->pv[2 * (size_t)i + 1] = (float)aw;
    } else {
      ds->pv[2 * (size_t)i] = ds->pv[2 * (size_t)i + 1] = 0.0f;
    }
  }
}

/* Everything the team shares while it runs a block of epochs. */
typedef struct {
  epoch_args e;      /* the epoch-independent fields */
  const umapc_layout_params *par;
  int n_phases, n_chunks;
  float *cur, *nxt;  /* the two position buffers at the block's start */
  dens_state *dens;  /* densMAP (fits), else NULL */
  umapc_team team;
} epoch_block;

/*
 * Epochs e0 .. e1 - 1, on the calling thread (one of the team). Each phase
 * is a step: its chunks are claimed one at a time, then the team waits for
 * the phase to finish. Then, in a second step, the phase's new positions
 * become the shared ones, and for a fit every vertex takes the moves the
 * phase left for it (take_moves()). Every thread keeps the same view of
 * which buffer is which.
 */
static void block_epochs(epoch_block *bl, int e0, int e1, int thread) {
  const int n = bl->e.s->n, dim = bl->e.dim, n_phases = bl->n_phases;
  const int n_chunks = bl->n_chunks;
  float *cur = bl->cur, *nxt = bl->nxt;
  int epoch, sense = 0;
  epoch_args e = bl->e;
  dens_epoch de;
  for (epoch = e0; epoch < e1; epoch++) {
    int phase;
    e.epoch = epoch;
    e.alpha = (float)(bl->par->alpha * (1.0 - (double)epoch / bl->par->n_epochs));
    e.cur = cur;
    if (!e.head_only) e.others = cur;
    e.nxt = nxt;
    e.de = NULL;
    if (dens_active(bl->dens, epoch, bl->par->n_epochs)) {
      /* the layout's radii at the epoch's start, then the term's factors */
      double mean = 0.0, std = 0.0, cov = 0.0;
      int k;
      while ((k = umapc_team_claim(&bl->team)) < n_chunks)
        dens_radii(e.s, e.kern, bl->dens, k, thread, cur, dim, e.a, e.b);
      umapc_team_barrier(&bl->team, &sense);
      if (dens_stats(bl->dens, n_chunks, &mean, &std, &cov, &de.c)) {
        while ((k = umapc_team_claim(&bl->team)) < n_chunks)
          dens_weights(e.s, bl->dens, k, mean, std, cov);
        umapc_team_barrier(&bl->team, &sense);
        de.pv = bl->dens->pv;
        de.r = e.s->r;
        e.de = &de;
      }
    }
    for (phase = 0; phase < n_phases; phase++) {
      const int in_phase = (n_chunks - phase + n_phases - 1) / n_phases;
      int k;
      while ((k = umapc_team_claim(&bl->team)) < in_phase)
        chunk_epoch(&e, phase + k * n_phases, thread);
      umapc_team_barrier(&bl->team, &sense);
      if (!e.head_only) {
        while ((k = umapc_team_claim(&bl->team)) < n_chunks)
          take_moves(e.s, k, phase, epoch, dim, e.slots, nxt, cur);
        umapc_team_barrier(&bl->team, &sense);
      } else if (n_phases > 1) {
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
    if (n_phases == 1 && e.head_only) { /* the new positions are the next
                                           epoch's start */
      float *tmp = cur;
      cur = nxt;
      nxt = tmp;
    }
  }
}

static int run_epochs(const schedule *s, const umapc_layout_params *par,
                      dens_state *dens,
                      int head_only, int n_phases, float *cur, float *nxt,
                      float *scratch, due_list *dues, float *slots,
                      const float *tail, int n_tail,
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
  e->others = head_only ? tail : NULL;
  e->n_others = (uint32_t)(head_only ? n_tail : n);
  e->scratch = scratch;
  e->dues = dues;
  e->de = NULL;
  bl.par = par;
  bl.dens = dens;
  bl.n_phases = n_phases;
  bl.n_chunks = n_chunks;
  n_threads = umapc_clamp_threads(n_threads);
  /* at least UMAPC_PAR_LAYOUT_CHUNKS chunks per thread in each phase:
   * small graphs run on fewer threads (a thread would wait more than it
   * works) */
  team = n_chunks / n_phases / UMAPC_PAR_LAYOUT_CHUNKS;
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
    if (n_phases == 1 && head_only && (e1 - e0) % 2 == 1) {
      /* as block_epochs() left them */
      float *tmp = cur;
      cur = nxt;
      nxt = tmp;
    }
    if (e1 / report_every != e0 / report_every || e1 == n_epochs)
      umapc_report(prog, "optimize", e1, n_epochs);
    if (umapc_interrupted(intr)) return UMAPC_ERR_INTERRUPTED;
  }
  /* the caller reads the first buffer: for a transform with one phase the
   * positions alternate between the two, otherwise they never leave it */
  if (cur != first) memcpy(first, cur, (size_t)n * dim * sizeof(float));
  return UMAPC_OK;
}

/* densMAP's state for a fit on schedule s (see dens_state). Returns
 * UMAPC_OK with ds->lambda = 0 when the term never applies. */
static int dens_setup(const schedule *s, const umapc_densmap_params *dp,
                      int n_chunks, int n_thr, dens_state *ds) {
  const int n = s->n;
  double cnt = 0.0, sum = 0.0, ss = 0.0, mean, sd;
  int i;
  memset(ds, 0, sizeof(*ds));
  if (!(dp->lambda > 0.0) || !(dp->frac > 0.0) || dp->rad_orig == NULL)
    return UMAPC_OK;
  ds->R = (double *)malloc((size_t)n * sizeof(double) + 1);
  ds->ok = (uint8_t *)malloc((size_t)n + 1);
  ds->re = (double *)malloc((size_t)n * sizeof(double) + 1);
  ds->phi = (double *)malloc((size_t)n * sizeof(double) + 1);
  ds->part = (double *)malloc((size_t)n_chunks * 4 * sizeof(double) + 1);
  ds->pv = (float *)malloc((size_t)n * 2 * sizeof(float) + 1);
  for (i = 0; i < n; i++)
    if (s->p[i + 1] - s->p[i] > ds->max_deg) ds->max_deg = s->p[i + 1] - s->p[i];
  ds->buf = (float *)malloc((size_t)n_thr * 2 * ds->max_deg * sizeof(float) + 1);
  if (!ds->R || !ds->ok || !ds->re || !ds->phi || !ds->part || !ds->pv ||
      !ds->buf)
    return UMAPC_ERR_NOMEM;
  for (i = 0; i < n; i++) {
    const double r = dp->rad_orig[i];
    ds->ok[i] = s->p[i + 1] > s->p[i] && isfinite(r);
    if (ds->ok[i]) {
      cnt += 1.0;
      sum += r;
    }
  }
  if (cnt < 2.0) return UMAPC_OK; /* lambda stays 0 */
  mean = sum / cnt;
  for (i = 0; i < n; i++)
    if (ds->ok[i]) ss += (dp->rad_orig[i] - mean) * (dp->rad_orig[i] - mean);
  sd = sqrt(ss / cnt); /* numpy's std: the population's */
  if (!(sd > 0.0)) return UMAPC_OK;
  for (i = 0; i < n; i++)
    ds->R[i] = ds->ok[i] ? (dp->rad_orig[i] - mean) / sd : 0.0;
  ds->lambda = dp->lambda;
  ds->frac = dp->frac;
  ds->var_shift = dp->var_shift;
  ds->mu_tot = s->wsum;
  ds->wmax = s->wmax;
  return UMAPC_OK;
}

static int optimise(const umapc_csr *g, double min_weight, int per_row,
                    const umapc_layout_params *par,
                    const umapc_densmap_params *dp, const double *tail,
                    int n_tail, const uint64_t *row_keys, int n_threads, const umapc_interrupt *intr,
                    const umapc_progress *prog, double *emb) {
  const int n = g->n, dim = par->dim;
  schedule s;
  float *a = NULL, *b = NULL, *ft = NULL, *scratch = NULL, *slots = NULL;
  due_list *dues = NULL;
  dens_state ds;
  const int n_thr = umapc_clamp_threads(n_threads);
  const int chunk = chunk_size(n);
  const int n_phases = phases_for((n + chunk - 1) / chunk, tail != NULL);
  int status, i, ch;
  size_t t, max_edges = 0;
  memset(&ds, 0, sizeof(ds));
  if (par->n_epochs <= 0) return UMAPC_OK;
  status = schedule_build(g, min_weight, per_row, par->n_epochs,
                          par->negative_sample_rate, &s);
  if (status != UMAPC_OK) return status;
  s.chunk = chunk;
  if (tail == NULL) { /* a fit: both ends of every edge move */
    status = schedule_link(&s, n_phases);
    if (status == UMAPC_OK)
      slots = (float *)calloc((size_t)s.n_in * dim + 1, sizeof(float));
    if (status != UMAPC_OK || slots == NULL) {
      status = UMAPC_ERR_NOMEM;
      goto done;
    }
    if (dp != NULL) {
      status = dens_setup(&s, dp, (n + chunk - 1) / chunk, n_thr, &ds);
      if (status != UMAPC_OK) goto done;
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
  status = run_epochs(&s, par, ds.lambda > 0.0 ? &ds : NULL, tail != NULL,
                      n_phases, a, b, scratch, dues,
                      slots, ft, n_tail, row_keys, n_threads,
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
  if (dues != NULL)
    for (i = 0; i < n_thr; i++) due_free(dues + i);
  free(dues);
  dens_free(&ds);
  schedule_free(&s);
  return status;
}

int umapc_layout(const umapc_csr *g, double min_weight,
                 const umapc_layout_params *par, int n_threads,
                 const umapc_interrupt *intr, const umapc_progress *prog,
                 double *emb) {
  return optimise(g, min_weight, 0, par, NULL, NULL, 0, NULL, n_threads, intr,
                  prog, emb);
}

int umapc_layout_densmap(const umapc_csr *g, double min_weight,
                         const umapc_layout_params *par,
                         const umapc_densmap_params *dens, int n_threads,
                         const umapc_interrupt *intr,
                         const umapc_progress *prog, double *emb) {
  return optimise(g, min_weight, 0, par, dens, NULL, 0, NULL, n_threads, intr,
                  prog, emb);
}

int umapc_layout_transform(const umapc_csr *g, const double *tail, int n_tail,
                           const uint64_t *row_keys,
                           const umapc_layout_params *par, int n_threads,
                           const umapc_interrupt *intr,
                           const umapc_progress *prog, double *head) {
  return optimise(g, 0.0, 1, par, NULL, tail, n_tail, row_keys, n_threads,
                  intr, prog, head);
}
