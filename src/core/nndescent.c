/*
 * Approximate k-nearest neighbours: a forest of random-projection trees for
 * the initial graph, then NN-descent (Dong, Moses & Li 2011) as in
 * pynndescent / umap-learn.
 *
 * Determinism. Every random number is a pure function of the seed and of
 * counters (tree, node), (tree, node, point), (iteration, pair) or
 * (row, attempt); no generator state is shared. Work that writes neighbour
 * lists is organised so that every list receives its offers in an order that
 * depends only on the data and the seed:
 *
 *   - RP-forest initialisation: trees are built in parallel (each tree is a
 *     pure function of its counters), then processed one after the other in
 *     tree order; within a tree the leaves are disjoint, so leaves can be
 *     joined in parallel and each row only ever receives offers from its own
 *     leaf, in a fixed order.
 *   - Candidate sampling: each thread owns a contiguous range of rows and
 *     scans every neighbour list in row order, keeping the offers whose
 *     destination it owns; the offers to a row therefore arrive in the same
 *     order whatever the number of threads.
 *   - Local joins: rows are processed in fixed blocks; within a block, fixed
 *     chunks of rows write their candidate updates (p, q, d) into buffers;
 *     then each thread applies, in chunk order, the updates whose
 *     destination row it owns. The sequence of offers a row receives, and so
 *     its list, the number of successful updates and the stopping decision,
 *     does not depend on the thread count or on scheduling.
 *
 * Lists are max-heaps ordered by (kernel value, index) (heap.h) that refuse
 * duplicate indices, so ties go to the lower index. Row i is never in its own
 * list during the search; it is put in column 0 at the end.
 *
 * Speed (every item leaves the results unchanged unless stated):
 *   - distances use the shared kernels of kernels.h: the lane arithmetic
 *     written with GCC/clang vector types (GCC -O2 does not vectorise the
 *     scalar lane loops), and 8-wide AVX2 versions when the CPU has AVX2
 *     (same lanes, no FMA, so the same bits);
 *   - rows are joined in the order of the first tree's leaves, so that
 *     consecutive rows share candidates and their data stays in cache;
 *   - a pair (p, q) whose q is already in p's list reuses the stored
 *     distance instead of recomputing it (leaf joins and local joins);
 *   - list roots are mirrored in compact arrays so most refused offers cost
 *     no cache miss; duplicate scans use 4-wide integer compares;
 *   - with more than NND_PROJ_MIN features the trees split a sparse random
 *     projection of the rows (this changes which leaves are formed, not the
 *     distances; see nnd_project).
 */
#include "fp.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "heap.h"
#include "kernels.h"
#include "knn.h"
#include "rng.h"

/* Counter tags: the high byte of the first counter says what a draw is for. */
#define NND_TAG_PIVOT 1ULL
#define NND_TAG_SIDE 2ULL
#define NND_TAG_FILL 3ULL
#define NND_TAG_CAND 4ULL
#define NND_TAG_PROJ 5ULL
#define NND_CTR(tag, x) (((tag) << 56) ^ (uint64_t)(x))

/* Rows per chunk of a local-join block (scheduling unit; fixed). */
#define NND_CHUNK 16
/* Margins within this of the hyperplane go to a random side (pynndescent). */
#define NND_EPS 1e-8f
/* Stack of the iterative tree build: descending into the smaller child
 * first bounds the depth by log2(n) + 1 <= 33. */
#define NND_STACK 72

typedef struct {
  int p, q;
  float d;
} nnd_update;

typedef struct {
  int lo, hi;
  uint64_t id;
} nnd_node;

/* Per-thread scratch. */
typedef struct {
  unsigned char *side; /* n: tree split sides */
  float *h;            /* ld: hyperplane */
  unsigned *mark;      /* n: stamp per row (leaf join) */
  float *markd;        /* n: distance recorded with the stamp */
  unsigned stamp;
  nnd_update *buf; /* local-join updates of this thread in the block */
  size_t cap, len;
  int *cn, *co;      /* gathered new / old candidates (max_candidates) */
  float *cnd, *cod;  /* their list roots: distance */
  int *cni, *coi;    /* their list roots: index */
  long count;
} nnd_thread;

/* A built tree waiting to be joined. */
typedef struct {
  int *perm;   /* n: row indices, leaves contiguous */
  int *leaves; /* 2 * n: [lo, hi) of each leaf */
  int n_leaves;
} nnd_tree;

/* Python's round(): halves go to the even neighbour (umap-learn's formulas). */
static int nnd_round(double x) {
  const double r = floor(x), f = x - r;
  if (f > 0.5 || (f == 0.5 && fmod(r, 2.0) != 0.0)) return (int)r + 1;
  return (int)r;
}

/* round(log2(n)) for n >= 1 in integer arithmetic (no libm): the k with
 * 2^(k - 1/2) <= n < 2^(k + 1/2), i.e. 2^(2k - 1) <= n^2 < 2^(2k + 1) (n^2
 * is never a power of two with an odd exponent, so there are no ties). */
static int nnd_round_log2(int n) {
  const uint64_t sq = (uint64_t)n * (uint64_t)n;
  int k = 0;
  while ((n >> (k + 1)) > 0) k++; /* floor(log2(n)) */
  return sq >= (uint64_t)1 << (2 * k + 1) ? k + 1 : k;
}

void umapc_nnd_defaults(int n, int k, umapc_nnd_params *p) {
  int t, it, ls;
  if (n < 1) n = 1;
  if (k < 1) k = 1;
  t = 5 + nnd_round(sqrt((double)n) / 20.0);
  p->n_trees = t < 64 ? t : 64;
  it = nnd_round_log2(n);
  p->n_iters = it > 5 ? it : 5;
  p->max_candidates = 60;
  ls = 5 * k < 256 ? 5 * k : 256;
  p->leaf_size = ls > 60 ? ls : 60;
  p->delta = 0.001;
}

/* ------------------------------------------------------------------------ */
/* Kernels: umapc_kernel() (data.c) inlined; the distance kernels are the
 * shared ones of kernels.h (vector types, AVX2 chosen at load time). */

#if defined(__GNUC__) || defined(__clang__)
#define NND_VEC 1
typedef int nnd_v4i __attribute__((vector_size(16)));
#endif

static inline float nnd_kernel(const umapc_data *X, int a, int b) {
  const float *x, *y;
  if (X->x == NULL) return umapc_kernel(X, a, X, b); /* sparse copy */
  x = X->x + (size_t)a * (size_t)X->ld;
  y = X->x + (size_t)b * (size_t)X->ld;
  switch (X->metric) {
    case UMAPC_METRIC_EUCLIDEAN:
      return umapc_sqdist(x, y, X->ld);
    case UMAPC_METRIC_MANHATTAN:
      return umapc_l1dist(x, y, X->ld);
    case UMAPC_METRIC_HAMMING:
      return umapc_hamming(x, y, X->ld) / (float)X->d;
    case UMAPC_METRIC_COSINE:
    case UMAPC_METRIC_CORRELATION: {
      const int za = X->zero[a], zb = X->zero[b];
      float v;
      if (za || zb) return (za && zb) ? 0.0f : 1.0f;
      v = 1.0f - umapc_dot(x, y, X->ld);
      return v > 0.0f ? v : 0.0f;
    }
    default: /* the further metrics */
      return umapc_kernel(X, a, X, b);
  }
}

/* ------------------------------------------------------------------------ */
/* Neighbour lists with "new" flags. */

/* 1 when iv is among idx[0..k). Branch-free; 4-wide compares with
 * GCC/clang vectors (the scan dominates list updates for large k). */
static inline int nnd_contains(const int *idx, int k, int iv) {
  int t = 0, found = 0;
#ifdef NND_VEC
  {
    const nnd_v4i v = {iv, iv, iv, iv};
    nnd_v4i acc = {0, 0, 0, 0};
    for (; t + 16 <= k; t += 16) {
      nnd_v4i a0, a1, a2, a3;
      memcpy(&a0, idx + t, sizeof(a0));
      memcpy(&a1, idx + t + 4, sizeof(a1));
      memcpy(&a2, idx + t + 8, sizeof(a2));
      memcpy(&a3, idx + t + 12, sizeof(a3));
      acc |= (a0 == v) | (a1 == v) | (a2 == v) | (a3 == v);
    }
    for (; t + 4 <= k; t += 4) {
      nnd_v4i a0;
      memcpy(&a0, idx + t, sizeof(a0));
      acc |= (a0 == v);
    }
    found = acc[0] | acc[1] | acc[2] | acc[3];
  }
#endif
  for (; t + 4 <= k; t += 4)
    found |= (idx[t] == iv) | (idx[t + 1] == iv) | (idx[t + 2] == iv) |
             (idx[t + 3] == iv);
  for (; t < k; t++) found |= (idx[t] == iv);
  return found != 0;
}

/* umapc_heap_push_unique that also keeps a flag per slot (set to 1 for the
 * entering element). Same ordering, same result. */
static inline int nnd_push(float *d, int *idx, unsigned char *f, int k,
                           float dv, int iv) {
  if (!umapc_after(d[0], idx[0], dv, iv)) return 0;
  if (nnd_contains(idx, k, iv)) return 0;
  umapc_heap_sift_tagged(d, idx, f, k, 0, dv, iv, 1);
  return 1;
}

/* A set of n lists of length k, with each list's root (its largest
 * element) also kept in compact arrays: most offers are refused by the root
 * test, which then reads a few hundred kB instead of a cache line per row. */
typedef struct {
  float *d;         /* n * k */
  int *i;           /* n * k */
  unsigned char *f; /* n * k "new" flags (neighbour lists only) */
  float *rd;        /* n: root distance / priority */
  int *ri;          /* n: root index */
  int k;
} nnd_lists;

static void nnd_lists_init_row(const nnd_lists *L, int row) {
  umapc_heap_init(L->d + (size_t)row * L->k, L->i + (size_t)row * L->k, L->k);
  L->rd[row] = INFINITY;
  L->ri[row] = INT_MAX;
}

/* Offer (dv, iv) to neighbour list `row`; 1 if it entered. */
static inline int nnd_lpush(const nnd_lists *L, int row, float dv, int iv) {
  const size_t o = (size_t)row * L->k;
  if (!umapc_after(L->rd[row], L->ri[row], dv, iv)) return 0;
  if (!nnd_push(L->d + o, L->i + o, L->f + o, L->k, dv, iv)) return 0;
  L->rd[row] = L->d[o];
  L->ri[row] = L->i[o];
  return 1;
}

/* Offer (priority, iv) to candidate list `row`. */
static inline void nnd_lcpush(const nnd_lists *L, int row, float dv, int iv) {
  const size_t o = (size_t)row * L->k;
  if (!umapc_after(L->rd[row], L->ri[row], dv, iv)) return;
  if (nnd_contains(L->i + o, L->k, iv)) return;
  umapc_heap_replace_root(L->d + o, L->i + o, L->k, dv, iv);
  L->rd[row] = L->d[o];
  L->ri[row] = L->i[o];
}

/* ------------------------------------------------------------------------ */
/* Random-projection trees. */

static inline float nnd_dot(const float *x, const float *y, int ld) {
  return umapc_dot(x, y, ld);
}

/* Build tree `tree` over all rows into t (perm + leaves); side/h scratch. */
static void nnd_build_tree(const float *rows, int n, int ld, uint64_t key,
                           int tree, int leaf_size, nnd_tree *t,
                           unsigned char *side, float *h) {
  int *perm = t->perm;
  nnd_node stack[NND_STACK];
  int sp = 0, nl = 0, i;
  for (i = 0; i < n; i++) perm[i] = i;
  stack[sp].lo = 0;
  stack[sp].hi = n;
  stack[sp].id = 1;
  sp++;
  while (sp > 0) {
    nnd_node nd = stack[--sp];
    const int lo = nd.lo, hi = nd.hi, m = hi - lo;
    int a, b, j, nleft, l, r;
    uint64_t bits, idl, idr;
    const float *xa, *xb;
    float off;
    if (m <= leaf_size) {
      t->leaves[2 * nl] = lo;
      t->leaves[2 * nl + 1] = hi;
      nl++;
      continue;
    }
    /* two distinct random rows of the node define the hyperplane */
    bits = umapc_rng_u64(key, NND_CTR(NND_TAG_PIVOT, tree), nd.id);
    a = (int)umapc_rng_below(bits, (uint32_t)m);
    b = (int)umapc_rng_below(bits << 32, (uint32_t)(m - 1));
    if (b >= a) b++;
    xa = rows + (size_t)perm[lo + a] * ld;
    xb = rows + (size_t)perm[lo + b] * ld;
    for (j = 0; j < ld; j++) h[j] = xa[j] - xb[j];
    off = -0.5f * (nnd_dot(h, xa, ld) + nnd_dot(h, xb, ld));
    nleft = 0;
    for (j = lo; j < hi; j++) {
      const float mg = nnd_dot(h, rows + (size_t)perm[j] * ld, ld) + off;
      unsigned char s;
      if (mg > NND_EPS)
        s = 0;
      else if (mg < -NND_EPS)
        s = 1;
      else
        s = (unsigned char)(umapc_rng_u64(key, NND_CTR(NND_TAG_SIDE, tree),
                                          nd.id ^ umapc_mix64((uint64_t)perm[j])) >>
                            63);
      side[j] = s;
      nleft += (s == 0);
    }
    if (nleft == 0 || nleft == m) {
      /* degenerate split (e.g. duplicates): random sides */
      nleft = 0;
      for (j = lo; j < hi; j++) {
        side[j] = (unsigned char)(umapc_rng_u64(
                                      key, NND_CTR(NND_TAG_SIDE, tree),
                                      ~nd.id ^ umapc_mix64((uint64_t)perm[j])) >>
                                  63);
        nleft += (side[j] == 0);
      }
      if (nleft == 0 || nleft == m) {
        nleft = 0;
        for (j = lo; j < hi; j++) {
          side[j] = (unsigned char)(j - lo >= m / 2);
          nleft += (side[j] == 0);
        }
      }
    }
    /* partition perm[lo, hi) by side: left = side 0 */
    l = lo;
    r = hi - 1;
    while (l <= r) {
      if (side[l] == 0) {
        l++;
      } else {
        int tp = perm[l];
        unsigned char ts = side[l];
        perm[l] = perm[r];
        perm[r] = tp;
        side[l] = side[r];
        side[r] = ts;
        r--;
      }
    }
    idl = umapc_mix64(nd.id * 2u);
    idr = umapc_mix64(nd.id * 2u + 1u);
    /* push the larger child first so the smaller is processed next */
    if (nleft >= m - nleft) {
      stack[sp].lo = lo; stack[sp].hi = lo + nleft; stack[sp].id = idl; sp++;
      stack[sp].lo = lo + nleft; stack[sp].hi = hi; stack[sp].id = idr; sp++;
    } else {
      stack[sp].lo = lo + nleft; stack[sp].hi = hi; stack[sp].id = idr; sp++;
      stack[sp].lo = lo; stack[sp].hi = lo + nleft; stack[sp].id = idl; sp++;
    }
  }
  t->n_leaves = nl;
}

/*
 * Rows the trees split. A tree level reads every row once, so with wide
 * rows the forest is bound by memory bandwidth (Fashion-MNIST: 18 trees x
 * ~12 levels x 220 MB). Above NND_PROJ_MIN features the trees therefore
 * split a very sparse random projection of the rows to NND_PROJ_DIM
 * dimensions (Li, Hastie & Church 2006: entries +-1 with probability
 * 1/sqrt(d)), which preserves distances well enough for a random partition
 * and is 12x smaller for 784 features. Leaves are still joined with the
 * exact kernel. Returns NULL when out of memory.
 */
#define NND_PROJ_DIM 64
#define NND_PROJ_MIN 128

static float *nnd_project(const umapc_data *X, uint64_t key, int T) {
  const int n = X->n, d = X->d, ld = X->ld;
  const double pr = 1.0 / sqrt((double)d);
  int *start = (int *)malloc((NND_PROJ_DIM + 1) * sizeof(int));
  int *col = NULL, nnz = 0, o, j, i;
  float *out = NULL;
  (void)T;
  if (start == NULL) return NULL;
  /* count, then fill: column j of output o kept with probability pr; the
   * sign is stored in the high bit of the column index */
  for (o = 0; o < NND_PROJ_DIM; o++)
    for (j = 0; j < d; j++)
      nnz += umapc_rng_unif(umapc_rng_u64(key, NND_CTR(NND_TAG_PROJ, o), (uint64_t)j)) < pr;
  col = (int *)malloc((size_t)(nnz > 0 ? nnz : 1) * sizeof(int));
  out = (float *)malloc((size_t)n * NND_PROJ_DIM * sizeof(float));
  if (col == NULL || out == NULL) {
    free(start);
    free(col);
    free(out);
    return NULL;
  }
  nnz = 0;
  for (o = 0; o < NND_PROJ_DIM; o++) {
    start[o] = nnz;
    for (j = 0; j < d; j++) {
      const uint64_t u = umapc_rng_u64(key, NND_CTR(NND_TAG_PROJ, o), (uint64_t)j);
      if (umapc_rng_unif(u) < pr) col[nnz++] = (int)(u & 1u) ? -(j + 1) : (j + 1);
    }
  }
  start[NND_PROJ_DIM] = nnz;
  if (X->x == NULL) {
    /* sparse rows: the projection's entries by column, so that each row's
     * non-zeros (ascending columns) add to every output in the dense
     * order; the zeros the dense sums add change nothing */
    int *cs = (int *)calloc((size_t)d + 1, sizeof(int));
    int *co = (int *)malloc((size_t)(nnz > 0 ? nnz : 1) * sizeof(int));
    int *cf = (int *)malloc(((size_t)d + 1) * sizeof(int));
    if (cs == NULL || co == NULL || cf == NULL) {
      free(cs);
      free(co);
      free(cf);
      free(start);
      free(col);
      free(out);
      return NULL;
    }
    for (j = 0; j < nnz; j++) cs[(col[j] > 0 ? col[j] : -col[j])]++;
    for (j = 0; j < d; j++) cs[j + 1] += cs[j];
    memcpy(cf, cs, ((size_t)d + 1) * sizeof(int));
    for (o = 0; o < NND_PROJ_DIM; o++) {
      int t;
      for (t = start[o]; t < start[o + 1]; t++) {
        const int c = (col[t] > 0 ? col[t] : -col[t]) - 1;
        co[cf[c]++] = col[t] > 0 ? o + 1 : -(o + 1);
      }
    }
#ifdef _OPENMP
#pragma omp parallel for num_threads(T) schedule(static)
#endif
    for (i = 0; i < n; i++) {
      float *y = out + (size_t)i * NND_PROJ_DIM;
      int t, u;
      for (t = 0; t < NND_PROJ_DIM; t++) y[t] = 0.0f;
      for (t = X->sp[i]; t < X->sp[i + 1]; t++) {
        const int c = X->sj[t];
        const float v = X->sx[t];
        for (u = cs[c]; u < cs[c + 1]; u++) {
          if (co[u] > 0)
            y[co[u] - 1] += v;
          else
            y[-co[u] - 1] += -v;
        }
      }
    }
    free(cs);
    free(co);
    free(cf);
    free(start);
    free(col);
    return out;
  }
#ifdef _OPENMP
#pragma omp parallel for num_threads(T) schedule(static)
#endif
  for (i = 0; i < n; i++) {
    const float *x = X->x + (size_t)i * ld;
    float *y = out + (size_t)i * NND_PROJ_DIM;
    int oo, t;
    for (oo = 0; oo < NND_PROJ_DIM; oo++) {
      float acc = 0.0f;
      for (t = start[oo]; t < start[oo + 1]; t++)
        acc += col[t] > 0 ? x[col[t] - 1] : -x[-col[t] - 1];
      y[oo] = acc;
    }
  }
  free(start);
  free(col);
  return out;
}

/* The rows of a sparse copy as dense zero-padded float rows, for the trees
 * of data with at most NND_PROJ_MIN columns. NULL when out of memory. */
static float *nnd_dense_rows(const umapc_data *X) {
  float *out = (float *)calloc((size_t)X->n * (size_t)X->ld, sizeof(float));
  int i, t;
  if (out == NULL) return NULL;
  for (i = 0; i < X->n; i++)
    for (t = X->sp[i]; t < X->sp[i + 1]; t++)
      out[(size_t)i * X->ld + X->sj[t]] = X->sx[t];
  return out;
}

/* All pairs of one leaf offered to both rows' lists. Rows of a leaf belong
 * to no other leaf of the same tree, so leaves may run in parallel. */
static void nnd_join_leaf(const umapc_data *X, const int *rows, int m,
                          const nnd_lists *L, nnd_thread *w) {
  const int K = L->k;
  int a, b;
  for (a = 0; a < m; a++) {
    const int p = rows[a];
    const float *pd = L->d + (size_t)p * K;
    const int *pi = L->i + (size_t)p * K;
    int s;
    if (++w->stamp == 0) {
      memset(w->mark, 0, (size_t)X->n * sizeof(unsigned));
      w->stamp = 1;
    }
    /* rows already in p's list: their distance is known */
    for (s = 0; s < K; s++)
      if (pi[s] != INT_MAX) {
        w->mark[pi[s]] = w->stamp;
        w->markd[pi[s]] = pd[s];
      }
    for (b = a + 1; b < m; b++) {
      const int q = rows[b];
      float d;
      if (w->mark[q] == w->stamp) {
        d = w->markd[q];
      } else {
        d = nnd_kernel(X, p, q);
        nnd_lpush(L, p, d, q);
      }
      nnd_lpush(L, q, d, p);
    }
  }
}

/* ------------------------------------------------------------------------ */
/* NN-descent. */

/* Candidate priority: a pure function of (iteration, unordered pair), so the
 * forward and reverse offers of one pair agree. 24 bits, exact in a float. */
static inline float nnd_priority(uint64_t key, int iter, int i, int j,
                                 int n) {
  const uint64_t lo = (uint64_t)(i < j ? i : j), hi = (uint64_t)(i < j ? j : i);
  return (float)(umapc_rng_u64(key, NND_CTR(NND_TAG_CAND, iter),
                               lo * (uint64_t)n + hi) >>
                 40);
}

static int nnd_row_lo(int n, int t, int nt) {
  return (int)(((long long)n * t) / nt);
}

#ifdef _OPENMP
#define NND_TID() omp_get_thread_num()
#define NND_NT() omp_get_num_threads()
#else
#define NND_TID() 0
#define NND_NT() 1
#endif

typedef struct {
  const umapc_data *X;
  int n, K, M;
  uint64_t key;
  nnd_lists nb;     /* neighbour lists (n * K) */
  nnd_lists cn, co; /* new / old candidates (n * M; d = priority) */
  int *order;     /* processing order of rows */
  int *seg_tid;
  size_t *seg_lo, *seg_hi;
  nnd_thread *ws;
  int T;
} nnd_state;

/* Sample new / old candidates of every row; mark sampled new entries old.
 * Returns the number of rows with at least one new candidate. */
static long nnd_candidates(nnd_state *S, int iter) {
  const int n = S->n, K = S->K, M = S->M;
  long n_active = 0;
#ifdef _OPENMP
#pragma omp parallel num_threads(S->T) reduction(+ : n_active)
#endif
  {
    const int tid = NND_TID(), nt = NND_NT();
    const int lo = nnd_row_lo(n, tid, nt), hi = nnd_row_lo(n, tid + 1, nt);
    int i, s;
    for (i = lo; i < hi; i++) {
      nnd_lists_init_row(&S->cn, i);
      nnd_lists_init_row(&S->co, i);
    }
    for (i = 0; i < n; i++) {
      const int *ri = S->nb.i + (size_t)i * K;
      const unsigned char *rf = S->nb.f + (size_t)i * K;
      const int own_i = (i >= lo && i < hi);
      for (s = 0; s < K; s++) {
        const int j = ri[s];
        int own_j;
        float pr;
        if (j == INT_MAX) continue;
        own_j = (j >= lo && j < hi);
        if (!own_i && !own_j) continue;
        pr = nnd_priority(S->key, iter, i, j, n);
        if (rf[s]) {
          if (own_i) nnd_lcpush(&S->cn, i, pr, j);
          if (own_j) nnd_lcpush(&S->cn, j, pr, i);
        } else {
          if (own_i) nnd_lcpush(&S->co, i, pr, j);
          if (own_j) nnd_lcpush(&S->co, j, pr, i);
        }
      }
    }
    /* every thread reads every row's flags above: wait before changing them */
#ifdef _OPENMP
#pragma omp barrier
#endif
    /* new entries that made it into the sample are new no more */
    for (i = lo; i < hi; i++) {
      const float rd = S->cn.rd[i];
      const int rix = S->cn.ri[i];
      const int *ri = S->nb.i + (size_t)i * K;
      unsigned char *rf = S->nb.f + (size_t)i * K;
      for (s = 0; s < K; s++) {
        if (rf[s] && ri[s] != INT_MAX) {
          const float pr = nnd_priority(S->key, iter, i, ri[s], n);
          if (!umapc_after(pr, ri[s], rd, rix)) rf[s] = 0;
        }
      }
      for (s = 0; s < M; s++)
        if (S->cn.i[(size_t)i * M + s] != INT_MAX) {
          n_active++;
          break;
        }
    }
  }
  return n_active;
}

/* Make room for `extra` more updates in w's buffer (0 on failure). */
static int nnd_reserve(nnd_thread *w, size_t extra) {
  size_t need = w->len + extra, cap;
  nnd_update *nb;
  if (need <= w->cap) return 1;
  cap = w->cap ? w->cap : 4096;
  while (cap < need) cap *= 2;
  nb = (nnd_update *)realloc(w->buf, cap * sizeof(nnd_update));
  if (nb == NULL) return 0;
  w->buf = nb;
  w->cap = cap;
  return 1;
}

/* Offers (p, q, d) for candidates c[from..to) of p, as updates that may
 * improve p's list (p's root rpd/rpi) or q's (root cd/ci); with skip_p,
 * q == p is passed over (old candidates may include p). Rows marked with
 * stamp st are already in p's list: their distance is known and only q's
 * list can gain. */
static inline size_t join_candidates(const nnd_state *S, const nnd_thread *w,
                                     int p, float rpd, int rpi, unsigned st,
                                     const int *c, const float *cd,
                                     const int *ci, int from, int to,
                                     int skip_p, nnd_update *out, size_t len) {
  int b;
  for (b = from; b < to; b++) {
    const int q = c[b];
    float d;
    if (skip_p && q == p) continue;
    if (w->mark[q] == st) {
      d = w->markd[q];
      if (!umapc_after(cd[b], ci[b], d, p)) continue;
    } else {
      d = nnd_kernel(S->X, p, q);
      if (!umapc_after(rpd, rpi, d, q) && !umapc_after(cd[b], ci[b], d, p))
        continue;
    }
    out[len].p = p;
    out[len].q = q;
    out[len].d = d;
    len++;
  }
  return len;
}

/* Local join of one row's candidates: updates (p, q, d) that may improve
 * the list of p or of q (judged against the lists at the block start). */
static void nnd_join_row(const nnd_state *S, int i, nnd_thread *w) {
  const int K = S->K, M = S->M;
  const int *nidx = S->cn.i + (size_t)i * M, *oidx = S->co.i + (size_t)i * M;
  int nn = 0, no = 0, a;
  nnd_update *out = w->buf + w->len;
  size_t len = 0;
  for (a = 0; a < M; a++) {
    const int p = nidx[a];
    if (p == INT_MAX) continue;
    w->cn[nn] = p;
    w->cnd[nn] = S->nb.rd[p];
    w->cni[nn] = S->nb.ri[p];
    nn++;
  }
  if (nn == 0) return;
  for (a = 0; a < M; a++) {
    const int p = oidx[a];
    if (p == INT_MAX) continue;
    w->co[no] = p;
    w->cod[no] = S->nb.rd[p];
    w->coi[no] = S->nb.ri[p];
    no++;
  }
  for (a = 0; a < nn; a++) {
    const int p = w->cn[a];
    const float rpd = w->cnd[a];
    const int rpi = w->cni[a];
    const float *pd = S->nb.d + (size_t)p * K;
    const int *pi = S->nb.i + (size_t)p * K;
    unsigned st;
    int s;
    /* rows already in p's list: their distance to p is known and they
     * cannot improve p's list, only the other end's */
    if (++w->stamp == 0) {
      memset(w->mark, 0, (size_t)S->n * sizeof(unsigned));
      w->stamp = 1;
    }
    st = w->stamp;
    for (s = 0; s < K; s++) {
      if (pi[s] == INT_MAX) continue; /* (lists are full after nnd_fill) */
      w->mark[pi[s]] = st;
      w->markd[pi[s]] = pd[s];
    }
    len = join_candidates(S, w, p, rpd, rpi, st, w->cn, w->cnd, w->cni, a + 1,
                          nn, 0, out, len);
    len = join_candidates(S, w, p, rpd, rpi, st, w->co, w->cod, w->coi, 0, no,
                          1, out, len);
  }
  w->len += len;
}

/* Count candidates of row i (bound on its updates). */
static size_t nnd_row_bound(const nnd_state *S, int i) {
  const int M = S->M;
  const int *nidx = S->cn.i + (size_t)i * M, *oidx = S->co.i + (size_t)i * M;
  size_t nn = 0, no = 0;
  int a;
  for (a = 0; a < M; a++) {
    nn += (nidx[a] != INT_MAX);
    no += (oidx[a] != INT_MAX);
  }
  return nn * (nn > 0 ? nn - 1 : 0) / 2 + nn * no;
}

/* One block of rows (positions [b0, b1) of the order): joins, then updates.
 * Returns the number of successful list updates, or -1 when out of memory. */
static long nnd_block(nnd_state *S, int b0, int b1) {
  const int n = S->n;
  const int n_chunks = (b1 - b0 + NND_CHUNK - 1) / NND_CHUNK;
  int failed = 0, t;
  long total = 0;
  for (t = 0; t < S->T; t++) {
    S->ws[t].len = 0;
    S->ws[t].count = 0;
  }
#ifdef _OPENMP
#pragma omp parallel num_threads(S->T)
#endif
  {
    const int tid = NND_TID();
    nnd_thread *w = S->ws + tid;
    int c;
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
    for (c = 0; c < n_chunks; c++) {
      const int c0 = b0 + c * NND_CHUNK;
      const int c1 = c0 + NND_CHUNK < b1 ? c0 + NND_CHUNK : b1;
      size_t bound = 0;
      int pos, f;
#ifdef _OPENMP
#pragma omp atomic read
#endif
      f = failed;
      if (f) continue;
      for (pos = c0; pos < c1; pos++) bound += nnd_row_bound(S, S->order[pos]);
      if (!nnd_reserve(w, bound)) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
        failed = 1;
        continue;
      }
      S->seg_tid[c] = tid;
      S->seg_lo[c] = w->len;
      for (pos = c0; pos < c1; pos++) nnd_join_row(S, S->order[pos], w);
      S->seg_hi[c] = w->len;
    }
  }
  if (failed) return -1;
#ifdef _OPENMP
#pragma omp parallel num_threads(S->T)
#endif
  {
    const int tid = NND_TID(), nt = NND_NT();
    const int lo = nnd_row_lo(n, tid, nt), hi = nnd_row_lo(n, tid + 1, nt);
    long cnt = 0;
    int c;
    for (c = 0; c < n_chunks; c++) {
      const nnd_update *u = S->ws[S->seg_tid[c]].buf;
      size_t e;
      for (e = S->seg_lo[c]; e < S->seg_hi[c]; e++) {
        const int p = u[e].p, q = u[e].q;
        if (p >= lo && p < hi) cnt += nnd_lpush(&S->nb, p, u[e].d, q);
        if (q >= lo && q < hi) cnt += nnd_lpush(&S->nb, q, u[e].d, p);
      }
    }
    S->ws[tid].count = cnt;
  }
  for (t = 0; t < S->T; t++) total += S->ws[t].count;
  return total;
}

/* Rows whose list is not full after the forest get random rows, then (when
 * k is close to n) a sequential sweep. Each thread writes only its rows. */
static void nnd_fill(nnd_state *S) {
  const int n = S->n, K = S->K;
  int i;
#ifdef _OPENMP
#pragma omp parallel for num_threads(S->T) schedule(dynamic, 256)
#endif
  for (i = 0; i < n; i++) {
    const int *pi = S->nb.i + (size_t)i * K;
    int att, j0, t;
    if (pi[0] != INT_MAX) continue; /* the root is the largest: list full */
    for (att = 0; att < 4 * K && pi[0] == INT_MAX; att++) {
      const int j = (int)umapc_rng_below(
          umapc_rng_u64(S->key, NND_CTR(NND_TAG_FILL, att), (uint64_t)i),
          (uint32_t)n);
      if (j == i || nnd_contains(pi, K, j)) continue;
      nnd_lpush(&S->nb, i, nnd_kernel(S->X, i, j), j);
    }
    j0 = (int)umapc_rng_below(
        umapc_rng_u64(S->key, NND_CTR(NND_TAG_FILL, 4 * K), (uint64_t)i),
        (uint32_t)n);
    for (t = 0; t < n && pi[0] == INT_MAX; t++) {
      const int j = (j0 + t) % n;
      if (j == i || nnd_contains(pi, K, j)) continue;
      nnd_lpush(&S->nb, i, nnd_kernel(S->X, i, j), j);
    }
  }
}

/* Sorted output: column 0 is the row itself. */
static void nnd_output(nnd_state *S, int k, int *idx, double *dist) {
  const int n = S->n, K = S->K;
  int i;
#ifdef _OPENMP
#pragma omp parallel for num_threads(S->T) schedule(static)
#endif
  for (i = 0; i < n; i++) {
    float *pd = S->nb.d + (size_t)i * K;
    int *pi = S->nb.i + (size_t)i * K;
    int *oi = idx + (size_t)i * k;
    double *od = dist + (size_t)i * k;
    int s;
    if (K > 0) umapc_heap_sort(pd, pi, K);
    oi[0] = i;
    od[0] = 0.0;
    for (s = 0; s < K; s++) {
      if (pi[s] == INT_MAX) { /* not reachable: lists are filled */
        oi[s + 1] = -1;
        od[s + 1] = INFINITY;
      } else {
        oi[s + 1] = pi[s];
        od[s + 1] = umapc_kernel_to_dist(S->X, pd[s]);
      }
    }
  }
}

static void nnd_free_threads(nnd_thread *ws, int T) {
  int t;
  if (ws == NULL) return;
  for (t = 0; t < T; t++) {
    free(ws[t].side);
    free(ws[t].h);
    free(ws[t].mark);
    free(ws[t].markd);
    free(ws[t].buf);
    free(ws[t].cn);
    free(ws[t].co);
    free(ws[t].cnd);
    free(ws[t].cod);
    free(ws[t].cni);
    free(ws[t].coi);
  }
  free(ws);
}

int umapc_knn_nndescent(const umapc_data *ref, int k,
                        const umapc_nnd_params *params, uint64_t seed,
                        int n_threads, const umapc_interrupt *intr,
                        const umapc_progress *prog, int *idx, double *dist) {
  umapc_nnd_params P;
  nnd_state S;
  nnd_tree *trees = NULL;
  float *proj = NULL;
  const float *trows;
  int tld;
  int status = UMAPC_OK, n, K, M, T, t, iter, tree, block;
  size_t nK;

  if (ref == NULL || idx == NULL || dist == NULL ||
      (ref->x == NULL && ref->sp == NULL))
    return UMAPC_ERR_INVALID;
  n = ref->n;
  if (n < 1 || k < 1 || k > n) return UMAPC_ERR_INVALID;
  umapc_nnd_defaults(n, k, &P);
  if (params != NULL) {
    if (params->n_trees > 0) P.n_trees = params->n_trees;
    if (params->leaf_size > 0) P.leaf_size = params->leaf_size;
    if (params->n_iters > 0) P.n_iters = params->n_iters;
    if (params->max_candidates > 0) P.max_candidates = params->max_candidates;
    if (params->delta > 0) P.delta = params->delta;
  }
  K = k - 1;
  if (K == 0) {
    for (t = 0; t < n; t++) {
      idx[t] = t;
      dist[t] = 0.0;
    }
    return UMAPC_OK;
  }
  M = P.max_candidates;
  T = umapc_clamp_threads(n_threads);
  nK = (size_t)n * (size_t)K;

  memset(&S, 0, sizeof(S));
  S.X = ref;
  S.n = n;
  S.K = K;
  S.M = M;
  S.T = T;
  S.key = umapc_rng_key(seed, UMAPC_STREAM_KNN);
  S.nb.k = K;
  S.nb.d = (float *)malloc(nK * sizeof(float));
  S.nb.i = (int *)malloc(nK * sizeof(int));
  S.nb.f = (unsigned char *)calloc(nK, 1);
  S.nb.rd = (float *)malloc((size_t)n * sizeof(float));
  S.nb.ri = (int *)malloc((size_t)n * sizeof(int));
  S.order = (int *)malloc((size_t)n * sizeof(int));
  S.ws = (nnd_thread *)calloc((size_t)T, sizeof(nnd_thread));
  trees = (nnd_tree *)calloc((size_t)T, sizeof(nnd_tree));
  if (!S.nb.d || !S.nb.i || !S.nb.f || !S.nb.rd || !S.nb.ri || !S.order || !S.ws || !trees) {
    status = UMAPC_ERR_NOMEM;
    goto done;
  }
  for (t = 0; t < T; t++) {
    nnd_thread *w = S.ws + t;
    w->side = (unsigned char *)malloc((size_t)n);
    w->h = (float *)malloc((size_t)ref->ld * sizeof(float));
    w->mark = (unsigned *)calloc((size_t)n, sizeof(unsigned));
    w->markd = (float *)malloc((size_t)n * sizeof(float));
    w->cn = (int *)malloc((size_t)M * sizeof(int));
    w->co = (int *)malloc((size_t)M * sizeof(int));
    w->cnd = (float *)malloc((size_t)M * sizeof(float));
    w->cod = (float *)malloc((size_t)M * sizeof(float));
    w->cni = (int *)malloc((size_t)M * sizeof(int));
    w->coi = (int *)malloc((size_t)M * sizeof(int));
    trees[t].perm = (int *)malloc((size_t)n * sizeof(int));
    trees[t].leaves = (int *)malloc(2 * (size_t)n * sizeof(int));
    if (!w->side || !w->h || !w->mark || !w->markd || !w->cn || !w->co ||
        !w->cnd || !w->cod || !w->cni || !w->coi || !trees[t].perm ||
        !trees[t].leaves) {
      status = UMAPC_ERR_NOMEM;
      goto done;
    }
  }
  for (t = 0; t < n; t++) nnd_lists_init_row(&S.nb, t);

  /* ---- random-projection forest: build up to T trees at once, join them
   * in tree order ---- */
  if (P.n_trees > 0 && ref->d > NND_PROJ_MIN) {
    proj = nnd_project(ref, S.key, T);
    if (proj == NULL) {
      status = UMAPC_ERR_NOMEM;
      goto done;
    }
    trows = proj;
    tld = NND_PROJ_DIM;
  } else if (ref->x == NULL) {
    proj = P.n_trees > 0 ? nnd_dense_rows(ref) : NULL;
    if (P.n_trees > 0 && proj == NULL) {
      status = UMAPC_ERR_NOMEM;
      goto done;
    }
    trows = proj;
    tld = ref->ld;
  } else {
    trows = ref->x;
    tld = ref->ld;
  }
  for (tree = 0; tree < P.n_trees; tree += T) {
    const int nb = P.n_trees - tree < T ? P.n_trees - tree : T;
    int b;
    if (umapc_interrupted(intr)) {
      status = UMAPC_ERR_INTERRUPTED;
      goto done;
    }
#ifdef _OPENMP
#pragma omp parallel for num_threads(T) schedule(dynamic, 1)
#endif
    for (b = 0; b < nb; b++) {
      nnd_thread *w = S.ws + NND_TID();
      nnd_build_tree(trows, n, tld, S.key, tree + b, P.leaf_size, trees + b,
                     w->side, w->h);
    }
    if (tree == 0) memcpy(S.order, trees[0].perm, (size_t)n * sizeof(int));
    for (b = 0; b < nb; b++) {
      const nnd_tree *tr = trees + b;
      int l;
#ifdef _OPENMP
#pragma omp parallel for num_threads(T) schedule(dynamic, 4)
#endif
      for (l = 0; l < tr->n_leaves; l++) {
        const int lo = tr->leaves[2 * l], hi = tr->leaves[2 * l + 1];
        nnd_join_leaf(ref, tr->perm + lo, hi - lo, &S.nb,
                      S.ws + NND_TID());
      }
    }
  }
  if (P.n_trees < 1) {
    for (t = 0; t < n; t++) S.order[t] = t;
  }
  nnd_fill(&S);
  /* tree scratch no longer needed */
  free(proj);
  proj = NULL;
  for (t = 0; t < T; t++) {
    free(trees[t].perm);
    free(trees[t].leaves);
    free(S.ws[t].side);
    trees[t].perm = trees[t].leaves = NULL;
    S.ws[t].side = NULL;
  }

  /* ---- NN-descent ---- */
  {
    const size_t nM = (size_t)n * (size_t)M;
    const size_t row_bound = (size_t)M * (size_t)(M - 1) / 2 + (size_t)M * M;
    /* block size: fixed by M only (never by the thread count); bounds the
     * update buffers at about 2^23 updates in the worst case */
    size_t bs = ((size_t)1 << 23) / (row_bound > 0 ? row_bound : 1);
    int B, n_chunks_max;
    const double stop = P.delta * (double)n * (double)k;
    if (bs < 256) bs = 256;
    if (bs > 16384) bs = 16384;
    B = (int)bs;
    n_chunks_max = (B + NND_CHUNK - 1) / NND_CHUNK;
    S.cn.k = S.co.k = M;
    S.cn.d = (float *)malloc(nM * sizeof(float));
    S.co.d = (float *)malloc(nM * sizeof(float));
    S.cn.i = (int *)malloc(nM * sizeof(int));
    S.co.i = (int *)malloc(nM * sizeof(int));
    S.cn.rd = (float *)malloc((size_t)n * sizeof(float));
    S.co.rd = (float *)malloc((size_t)n * sizeof(float));
    S.cn.ri = (int *)malloc((size_t)n * sizeof(int));
    S.co.ri = (int *)malloc((size_t)n * sizeof(int));
    S.seg_tid = (int *)malloc((size_t)n_chunks_max * sizeof(int));
    S.seg_lo = (size_t *)malloc((size_t)n_chunks_max * sizeof(size_t));
    S.seg_hi = (size_t *)malloc((size_t)n_chunks_max * sizeof(size_t));
    if (!S.cn.d || !S.co.d || !S.cn.i || !S.co.i || !S.cn.rd || !S.co.rd ||
        !S.cn.ri || !S.co.ri || !S.seg_tid || !S.seg_lo ||
        !S.seg_hi) {
      status = UMAPC_ERR_NOMEM;
      goto done;
    }
    for (iter = 0; iter < P.n_iters; iter++) {
      long updates = 0;
      if (umapc_interrupted(intr)) {
        status = UMAPC_ERR_INTERRUPTED;
        goto done;
      }
      if (nnd_candidates(&S, iter) == 0) break;
      for (block = 0; block < n; block += B) {
        const int b1 = block + B < n ? block + B : n;
        long u;
        if (block > 0 && umapc_interrupted(intr)) {
          status = UMAPC_ERR_INTERRUPTED;
          goto done;
        }
        u = nnd_block(&S, block, b1);
        if (u < 0) {
          status = UMAPC_ERR_NOMEM;
          goto done;
        }
        updates += u;
      }
      umapc_report(prog, "nndescent", iter + 1, P.n_iters);
      if ((double)updates <= stop) break;
    }
  }
  nnd_output(&S, k, idx, dist);

done:
  free(proj);
  if (trees != NULL) {
    for (t = 0; t < T; t++) {
      free(trees[t].perm);
      free(trees[t].leaves);
    }
    free(trees);
  }
  nnd_free_threads(S.ws, T);
  free(S.nb.d);
  free(S.nb.i);
  free(S.nb.f);
  free(S.nb.rd);
  free(S.nb.ri);
  free(S.order);
  free(S.cn.d);
  free(S.co.d);
  free(S.cn.i);
  free(S.co.i);
  free(S.cn.rd);
  free(S.co.rd);
  free(S.cn.ri);
  free(S.co.ri);
  free(S.seg_tid);
  free(S.seg_lo);
  free(S.seg_hi);
  return status;
}
