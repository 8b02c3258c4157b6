/*
 * What the layout's source files share, private to them (the interface is
 * layout.h): the edge schedule and the due lists (layout_schedule.c), what
 * the per-vertex kernels get for one epoch (layout_kernels.c), densMAP's
 * state (layout_densmap.c), and the small inline functions that more than
 * one of them uses.
 */
#ifndef UMAPC_LAYOUT_INT_H
#define UMAPC_LAYOUT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "graph.h"
#include "layout.h"
#include "rng.h"

#define VERTEX_CHUNK 256 /* vertices per scheduling unit, at the most */

/*
 * Negative samples. Each due edge gets a 32-bit edge key from its vertex's
 * per-epoch key and its index among the vertex's edges, the hash32 of
 * negative_edge_prekey() (umapc_due_finish() writes the prekeys, its callers
 * hash them); negative sample q of the edge is hash32(edge key + q * odd
 * constant) mapped to [0, n) by a multiply-shift. The same arithmetic runs
 * on vector lanes in layout_vec.h.
 */
#define UMAPC_NEG_EDGE_MULT 0x9E3779B9u
#define UMAPC_NEG_SAMPLE_MULT 0x632BE5ABu

static inline uint32_t negative_edge_prekey(uint64_t vkey, int tl) {
  return ((uint32_t)vkey + (uint32_t)tl * UMAPC_NEG_EDGE_MULT) ^
         (uint32_t)(vkey >> 32);
}

static inline int negative_vertex(uint32_t edge_key, int q, uint32_t n) {
  const uint32_t h =
      umapc_hash32(edge_key + (uint32_t)q * UMAPC_NEG_SAMPLE_MULT);
  return (int)(((uint64_t)h * n) >> 32);
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
  int n_in;        /* moves listed */
  int n_slots;     /* the most moves sent in one phase: the slots needed,
                      since a phase's moves are taken before the next phase
                      sends any */
  int *in_pe;      /* n_phases * n_chunks + 1: the moves for the vertices of
                      chunk k sent in phase p are in_pe[p * n_chunks + k] ..
                      (next) - 1, by receiving vertex, then in its edge order */
  uint8_t *in_off; /* each move's receiver, as its offset in the chunk */
  float *in_r;     /* the relative weight of the sender's edge (i, j) */
  int *out;        /* per kept edge (i, j): the slot of i's move for j,
                      j's list entry less the first entry of i's phase
                      (in_pe[phase * n_chunks]); -1 if j's reverse edge was
                      not kept (then j does not move) */
} schedule;

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

/*
 * What the densMAP term needs in one epoch (see block_epochs() in
 * layout.c): for every vertex v, pv[2v] = W_v / (phi_v exp(re_v)) and
 * pv[2v + 1] = W_v / phi_v, where re_v is v's log radius in the layout,
 * phi_v twice the sum of its edges' output memberships
 * phi = 1 / (1 + a d^2b) (umap-learn counts each edge from both ends) and
 * W_v = R_v - cov (re_v - mean) / std^2 (R: the standardised original log
 * radii); c = lambda mu_tot / (w_max std n). An edge (i, j) of relative
 * weight r then adds clip(2 g (y_i - y_j)) to its attraction, with
 *   g = c / r phi ((1 - b + b phi) (pv[2i] + pv[2j])
 *                  + dphi (pv[2i + 1] + pv[2j + 1])),
 * dphi = a b d^(2(b - 1)) phi: umap-learn's grad_cor_coeff.
 */
typedef struct {
  const float *pv; /* n x 2 */
  const float *r;  /* the schedule's relative weights, by edge */
  float c;
} dens_epoch;

/* The kernels for this processor (chosen once, before threads). */
typedef struct {
  void (*collect)(const schedule *, int, int, int, uint64_t,
                  const uint64_t *, due_list *);
  void (*take)(const schedule *, int, int, int, int, const float *,
               const float *, float *);
  void (*epoch2d)(const due_list *, int, int, int, const float *, float *,
                  const float *, uint32_t, float, float, float, float,
                  float *, const dens_epoch *);
  void (*radii2d)(const int *, int, float, float, const float *, float, float,
                  float *, float *);
} layout_kernels;

/* What every chunk of one epoch shares. */
typedef struct {
  const schedule *s;
  const layout_kernels *kern;
  const uint64_t *row_keys;
  uint64_t key;
  int epoch, dim, head_only;
  float alpha, a, b, gamma;
  float *slots;              /* fits: one move per edge (umapc_take_moves()) */
  const float *cur, *others; /* positions at the start of the phase */
  uint32_t n_others;
  float *nxt;                /* the chunk's new positions */
  float *scratch;            /* per-thread, for vertex_epoch() */
  due_list *dues;            /* per-thread */
  const dens_epoch *de;      /* densMAP epochs (fits): the term; else NULL */
} epoch_args;

/* floats between two threads' scratch vectors: whole cache lines */
static inline size_t scratch_stride(int dim) {
  return ((size_t)dim + 31) / 16 * 16;
}

/*
 * densMAP's state (fits with the term on). R, ok and the constants are set
 * once; re, phi, part and pv are rewritten at the start of every densMAP
 * epoch (see block_epochs() in layout.c).
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

/* layout_densmap.c */
int umapc_dens_setup(const schedule *s, const umapc_densmap_params *dp,
                     int n_chunks, int n_thr, dens_state *ds);
void umapc_dens_free(dens_state *ds);
int umapc_dens_active(const dens_state *ds, int epoch, int n_epochs);
void umapc_dens_radii(const schedule *s, const layout_kernels *kern,
                      dens_state *ds, int k, int thread, const float *y,
                      int dim, float a, float b);
int umapc_dens_stats(const dens_state *ds, int n_chunks, double *mean,
                     double *std, double *cov, float *c);
void umapc_dens_weights(const schedule *s, dens_state *ds, int k, double mean,
                        double std, double cov);

/* From this many vertices to read from up (1 MB of 2-d positions, the size
 * of a core's L2 cache on common processors), the 2-d kernel prefetches the
 * positions its lanes' next edges read (see layout_vec.h): 1M vertices,
 * optimisation on 1 thread 111 -> 76 s, on 2 threads 61 -> 51 s (means of
 * interleaved runs); below, the extra hashes cost about 4% (70,000). */
#ifndef UMAPC_PREFETCH_MIN
#define UMAPC_PREFETCH_MIN 131072
#endif
/* negative samples per lane prefetched (the default rate, 5, draws at most
 * 5 per edge and epoch) */
#ifndef UMAPC_PREFETCH_NEG_MAX
#define UMAPC_PREFETCH_NEG_MAX 8
#endif

/* layout_order.c: from UMAPC_REORDER_MIN vertices up, fits run on the
 * vertices in breadth-first order of the graph (see there) */
#define UMAPC_REORDER_MIN 131072
int umapc_layout_reorders(int n);
int umapc_layout_order(const umapc_csr *g, int **perm);
int umapc_sort_tails(int *j, double *w, int m);

/* layout_kernels.c */
layout_kernels umapc_layout_pick_kernels(void);
void umapc_chunk_epoch(const epoch_args *e, int ch, int thread);
void umapc_edge_phi(const int *tails, int m, const float *yi, const float *y,
                    int dim, float a, float b, float *phi, float *d2);

/* layout_schedule.c (each function is described where it is defined) */
void umapc_schedule_free(schedule *s);
int umapc_schedule_build(const umapc_csr *g, const int *perm,
                         double min_weight, int per_row, int n_epochs,
                         double neg_rate, schedule *s);
int umapc_schedule_link(schedule *s, int n_phases);
void umapc_due_free(due_list *d);
int umapc_due_alloc(due_list *d, size_t max_edges);
void umapc_due_finish(const schedule *s, int i0, int i1, int epoch,
                      uint64_t key, const uint64_t *row_keys, due_list *d,
                      int m);
void umapc_collect_due(const schedule *s, int i0, int i1, int epoch,
                       uint64_t key, const uint64_t *row_keys, due_list *d);
void umapc_take_moves(const schedule *s, int k, int phase, int epoch,
                      int dim, const float *slots, const float *nxt,
                      float *cur);
/* umapc_take_moves() with the due moves of each block of 256 listed by
 * pack(r, n, base, epoch, list): the indices base + i of the due ones among
 * the n relative weights r, in order; returns how many */
typedef int (*umapc_due_pack)(const float *, int, int, int, int *);
void umapc_take_moves_by(const schedule *s, int k, int phase, int epoch,
                         int dim, const float *slots, const float *nxt,
                         float *cur, umapc_due_pack pack);

#endif
