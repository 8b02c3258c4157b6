/*
 * Approximate k-nearest neighbours: NN-descent (Dong, Moses & Li 2011) as in
 * pynndescent / umap-learn, started from the leaves of a forest of
 * random-projection trees (rpforest.c).
 *
 * Locality. The search runs on the rows reordered by the leaves of the
 * first tree (rows of one leaf next to each other, neighbouring leaves
 * close): a dense copy is permuted in place for the duration of the call
 * (and put back before returning), a sparse one is read through the
 * permutation. Neighbours of neighbours are then mostly near in memory, so
 * the distance computations of the joins hit the caches; row numbers are
 * mapped back at the end. The permutation is a pure function of the data
 * and the seed, so results stay independent of the thread count.
 *
 * Determinism. Every random number is a pure function of the seed and of
 * counters (tree, node), (tree, node, row), (iteration, pair) or
 * (row, attempt); no generator state is shared. Work that writes neighbour
 * lists is organised so that every list receives its offers in an order that
 * depends only on the data and the seed:
 *
 *   - forest: trees are built in parallel (each tree is a pure function of
 *     its counters), then joined one after the other in tree order; within
 *     a tree the leaves are disjoint, so leaves are joined in parallel and
 *     each row only receives offers from its own leaf, in a fixed order.
 *   - candidates: each row's new and old candidates (its neighbours and
 *     reverse neighbours) are gathered in any order, then sorted by
 *     (priority, row), deduplicated and cut to max_candidates, then sorted
 *     by row number: the result is a function of the lists only.
 *   - local joins: rows are processed in blocks fixed by the data; within
 *     a block, fixed chunks of rows write their candidate updates (p, q, d)
 *     into buffers; then each thread applies, in chunk order, the updates
 *     whose destination row it owns. The sequence of offers a row receives,
 *     the number of successful updates and the stopping decision do not
 *     depend on the thread count or on scheduling.
 *
 * Lists are max-heaps ordered by (kernel value, index) (heap.h) that refuse
 * duplicate indices, so ties go to the lower index (of the reordered rows;
 * the output is sorted again by original row number). Row i is never in
 * its own list during the search; it is put in column 0 at the end.
 *
 * Speed (besides the reordering): distances use the shared kernels
 * (kernels.h, through umapc_kernel() of data.c); a pair (p, q) whose q is
 * already in p's list reuses the stored distance; list roots are mirrored
 * in compact arrays so most refused offers cost no cache miss; duplicate
 * scans use 4-wide integer compares; candidates are stored once per edge
 * (compressed rows), not in fixed max_candidates slots.
 */
#include "fp.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "heap.h"
#include "kernels.h"
#include "knn.h"
#include "parallel.h"
#include "rng.h"
#include "rpforest.h"

/* Default number of trees at most (see NND_EXTRA). */
#define NND_MAX_TREES 8
/* The lists the search keeps are longer than the k - 1 neighbours returned,
 * by (k - 1) / 5 rounded up, at most NND_EXTRA: NN-descent converges to a
 * much better top k - 1 with a few more entries per list, for less work
 * than the many more trees (pynndescent's default, up to 64) it takes
 * otherwise. */
#define NND_EXTRA 8

/* Rows per chunk of a local-join block (scheduling unit; fixed). */
#define NND_CHUNK 16
/* A block ends after this many rows or when the bound on its updates
 * (pairs of candidates) would pass NND_BLOCK_PAIRS: both fixed, so the
 * blocks depend on the data only. */
#define NND_BLOCK_ROWS 4096
#define NND_BLOCK_PAIRS ((size_t)1 << 22)

typedef struct {
  int p, q;
  float d;
} nnd_update;

/* Per-thread scratch. */
typedef struct {
  unsigned char *side; /* n: tree split sides */
  float *h;            /* ld: hyperplane */
  unsigned *mark;      /* n: stamp per row (joins) */
  float *markd;        /* n: distance recorded with the stamp */
  unsigned stamp;
  nnd_update *buf; /* local-join updates of this thread in the block */
  size_t cap, len;
  uint64_t *keys; /* candidate sorting */
  long count;
} nnd_thread;

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
  p->n_trees = t < NND_MAX_TREES ? t : NND_MAX_TREES;
  it = nnd_round_log2(n);
  p->n_iters = it > 5 ? it : 5;
  p->max_candidates = 60;
  ls = 5 * k < 256 ? 5 * k : 256;
  p->leaf_size = ls > 60 ? ls : 60;
  p->delta = 0.001;
}

#if defined(__GNUC__) || defined(__clang__)
#define NND_VEC 1
typedef int nnd_v4i __attribute__((vector_size(16)));
#endif

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

/* n neighbour lists of length k, with each list's root (its largest
 * element) also kept in compact arrays: most offers are refused by the root
 * test, which then reads a few hundred kB instead of a cache line per row.
 * Lists are ordered by (kernel value, original row number): `orig` maps the
 * search's row numbers to the original ones (NULL for the identity), so
 * that ties go to the lower original row whatever the reordering. */
typedef struct {
  float *d;         /* n * k */
  int *i;           /* n * k */
  unsigned char *f; /* n * k "new" flags */
  float *rd;        /* n: root distance */
  int *ri;          /* n: root index */
  const int *orig;  /* search row -> original row, or NULL */
  int k;
} nnd_lists;

/* (da, ia) comes after (db, ib) in list order. */
static inline int nnd_after(const nnd_lists *L, float da, int ia, float db,
                            int ib) {
  return umapc_heap_after_ranked(L->orig, da, ia, db, ib);
}

/* Offer (dv, iv) to list `row`; 1 if it entered (flagged new): the root is
 * replaced and sifted down (heap.h's sift in list order). */
static inline int nnd_lpush(const nnd_lists *L, int row, float dv, int iv) {
  const size_t o = (size_t)row * L->k;
  float *d = L->d + o;
  int *idx = L->i + o;
  if (!nnd_after(L, L->rd[row], L->ri[row], dv, iv)) return 0;
  if (nnd_contains(idx, L->k, iv)) return 0;
  umapc_heap_sift_tagged(d, idx, L->f + o, L->orig, L->k, 0, dv, iv, 1);
  L->rd[row] = d[0];
  L->ri[row] = idx[0];
  return 1;
}

/* ------------------------------------------------------------------------ */
/* State of one search. */

typedef struct {
  const umapc_data *X; /* rows in search order (dense copies are permuted) */
  const int *map;      /* search row -> row of X, NULL for the identity */
  int sq;              /* dense euclidean: umapc_sqdist() directly */
  int n, K, M, T;
  uint64_t key;
  nnd_lists nb;
  /* candidates of an iteration, compressed rows: row i's new candidates
   * start at cand + off[i] (room for capn[i]), its old ones at
   * cand + off[i] + capn[i] (room for capo[i]); cnn / cno count the ones
   * kept */
  int *cand;
  size_t *off;
  int *capn, *capo, *cnn, *cno;
  int *seg_tid;
  size_t *seg_lo, *seg_hi;
  nnd_thread *ws;
} nnd_state;

/* Kernel value between search rows a and b: umapc_kernel(), with the dense
 * euclidean case (the common one) calling its kernel directly. */
static inline float nnd_dist(const nnd_state *S, int a, int b) {
  const umapc_data *X = S->X;
  if (S->sq)
    return umapc_sqdist(X->x + (size_t)a * X->ld, X->x + (size_t)b * X->ld,
                        X->ld);
  if (S->map != NULL) {
    a = S->map[a];
    b = S->map[b];
  }
  return umapc_kernel(X, a, X, b);
}

/* Stamp the rows of p's list in w->mark with their distances to p. */
static inline unsigned nnd_mark(const nnd_state *S, nnd_thread *w, int p) {
  const int K = S->K;
  const float *pd = S->nb.d + (size_t)p * K;
  const int *pi = S->nb.i + (size_t)p * K;
  int s;
  if (++w->stamp == 0) {
    memset(w->mark, 0, (size_t)S->n * sizeof(unsigned));
    w->stamp = 1;
  }
  for (s = 0; s < K; s++)
    if (pi[s] != INT_MAX) {
      w->mark[pi[s]] = w->stamp;
      w->markd[pi[s]] = pd[s];
    }
  return w->stamp;
}

/* ------------------------------------------------------------------------ */
/* Reordering rows in place. */

/* Row r becomes row perm[r] of the input (n rows of w bytes); done (n
 * bytes) and tmp (w bytes) are scratch. */
static void nnd_permute(void *base, size_t w, int n, const int *perm,
                        unsigned char *done, void *tmp) {
  char *b = (char *)base;
  int s;
  memset(done, 0, (size_t)n);
  for (s = 0; s < n; s++) {
    int p = s;
    if (done[s]) continue;
    done[s] = 1;
    if (perm[s] == s) continue;
    memcpy(tmp, b + (size_t)s * w, w);
    for (;;) {
      const int src = perm[p];
      done[p] = 1;
      if (src == s) {
        memcpy(b + (size_t)p * w, tmp, w);
        break;
      }
      memcpy(b + (size_t)p * w, b + (size_t)src * w, w);
      p = src;
    }
  }
}

/* Reorder the per-row parts of a dense copy (rows, zero flags, counts). */
static void nnd_permute_data(umapc_data *X, const int *perm,
                             unsigned char *done, void *tmp) {
  nnd_permute(X->x, (size_t)X->ld * sizeof(float), X->n, perm, done, tmp);
  if (X->zero != NULL) nnd_permute(X->zero, 1, X->n, perm, done, tmp);
  if (X->cnt != NULL)
    nnd_permute(X->cnt, sizeof(float), X->n, perm, done, tmp);
}

/* ------------------------------------------------------------------------ */
/* Forest. */

/* All pairs of one leaf offered to both rows' lists. Rows of a leaf belong
 * to no other leaf of the same tree, so leaves may run in parallel. */
static void nnd_join_leaf(const nnd_state *S, const int *rows, int m,
                          nnd_thread *w) {
  int a, b;
  for (a = 0; a < m; a++) {
    const int p = rows[a];
    const unsigned st = nnd_mark(S, w, p);
    for (b = a + 1; b < m; b++) {
      const int q = rows[b];
      float d;
      if (w->mark[q] == st) {
        d = w->markd[q];
      } else {
        d = nnd_dist(S, p, q);
        nnd_lpush(&S->nb, p, d, q);
      }
      nnd_lpush(&S->nb, q, d, p);
    }
  }
}

static void nnd_join_tree(const nnd_state *S, const umapc_rp_tree *tr) {
  int l;
#ifdef _OPENMP
#pragma omp parallel for num_threads(S->T) schedule(dynamic, 4)
#endif
  for (l = 0; l < tr->n_leaves; l++) {
    const int lo = tr->leaves[2 * l], hi = tr->leaves[2 * l + 1];
    nnd_join_leaf(S, tr->perm + lo, hi - lo, S->ws + umapc_thread_num());
  }
}

/* ------------------------------------------------------------------------ */
/* Candidates. */

/* Sort key of candidate j of row i in iteration iter: its priority (24
 * random bits, a pure function of the iteration and the unordered pair, so
 * the forward and reverse offers of one pair agree) above its row number. */
static inline uint64_t nnd_cand_key(uint64_t key, int iter, int i, int j,
                                    int n) {
  const uint64_t lo = (uint64_t)(i < j ? i : j), hi = (uint64_t)(i < j ? j : i);
  const uint64_t pr = umapc_rng_u64(key, UMAPC_KNN_CTR(UMAPC_KNN_TAG_CAND, iter),
                                    lo * (uint64_t)n + hi) >> 40;
  return (pr << 32) | (uint64_t)(uint32_t)j;
}

static inline int nnd_fetch_inc(int *c, int atomic) {
  int v;
  if (!atomic) return (*c)++;
#ifdef _OPENMP
#pragma omp atomic capture
#endif
  v = (*c)++;
  return v;
}

static void nnd_sort_u64(uint64_t *a, int m) {
  int i, j;
  for (i = 1; i < m; i++) {
    const uint64_t v = a[i];
    for (j = i; j > 0 && a[j - 1] > v; j--) a[j] = a[j - 1];
    a[j] = v;
  }
}

static int nnd_cmp_u64(const void *a, const void *b) {
  const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

/* Keep the M first distinct candidates of c[0..m) by key, written back to
 * c in ascending row order; returns how many. *thr is the largest key kept
 * when M were kept (UINT64_MAX otherwise). */
static int nnd_select(const nnd_state *S, int iter, int i, int *c, int m,
                      uint64_t *keys, uint64_t *thr) {
  int t, r = 0;
  *thr = UINT64_MAX;
  if (m == 0) return 0;
  for (t = 0; t < m; t++) keys[t] = nnd_cand_key(S->key, iter, i, c[t], S->n);
  if (m <= 64)
    nnd_sort_u64(keys, m);
  else
    qsort(keys, (size_t)m, sizeof(uint64_t), nnd_cmp_u64);
  for (t = 0; t < m && r < S->M; t++)
    if (r == 0 || keys[t] != keys[r - 1]) keys[r++] = keys[t];
  if (r == S->M) *thr = keys[r - 1];
  for (t = 0; t < r; t++) keys[t] &= 0xFFFFFFFFu;
  nnd_sort_u64(keys, r);
  for (t = 0; t < r; t++) c[t] = (int)keys[t];
  return r;
}

/* Gather every row's new and old candidates (its list entries and the rows
 * whose lists hold it), keep at most M of each by priority, and mark the
 * new list entries that were kept as old. Returns the number of rows with
 * new candidates. */
static long nnd_candidates(nnd_state *S, int iter) {
  const int n = S->n, K = S->K, atomic = S->T > 1;
  long n_active = 0;
  int i, maxcap = 0;
  size_t o = 0;
  memset(S->capn, 0, (size_t)n * sizeof(int));
  memset(S->capo, 0, (size_t)n * sizeof(int));
#ifdef _OPENMP
#pragma omp parallel for num_threads(S->T) schedule(static)
#endif
  for (i = 0; i < n; i++) {
    const int *ri = S->nb.i + (size_t)i * K;
    const unsigned char *rf = S->nb.f + (size_t)i * K;
    int s;
    for (s = 0; s < K; s++) {
      int *cap;
      if (ri[s] == INT_MAX) continue;
      cap = rf[s] ? S->capn : S->capo;
      nnd_fetch_inc(cap + i, atomic);
      nnd_fetch_inc(cap + ri[s], atomic);
    }
  }
  for (i = 0; i < n; i++) {
    S->off[i] = o;
    o += (size_t)S->capn[i] + (size_t)S->capo[i];
    if (S->capn[i] > maxcap) maxcap = S->capn[i];
    if (S->capo[i] > maxcap) maxcap = S->capo[i];
  }
  S->off[n] = o;
  for (i = 0; i < S->T; i++) {
    uint64_t *k2 = (uint64_t *)realloc(S->ws[i].keys,
                                       ((size_t)maxcap + 1) * sizeof(uint64_t));
    if (k2 == NULL) return -1;
    S->ws[i].keys = k2;
  }
  memset(S->cnn, 0, (size_t)n * sizeof(int));
  memset(S->cno, 0, (size_t)n * sizeof(int));
#ifdef _OPENMP
#pragma omp parallel for num_threads(S->T) schedule(static)
#endif
  for (i = 0; i < n; i++) {
    const int *ri = S->nb.i + (size_t)i * K;
    const unsigned char *rf = S->nb.f + (size_t)i * K;
    int s;
    for (s = 0; s < K; s++) {
      const int j = ri[s];
      if (j == INT_MAX) continue;
      if (rf[s]) {
        S->cand[S->off[i] + nnd_fetch_inc(S->cnn + i, atomic)] = j;
        S->cand[S->off[j] + nnd_fetch_inc(S->cnn + j, atomic)] = i;
      } else {
        S->cand[S->off[i] + S->capn[i] + nnd_fetch_inc(S->cno + i, atomic)] = j;
        S->cand[S->off[j] + S->capn[j] + nnd_fetch_inc(S->cno + j, atomic)] = i;
      }
    }
  }
#ifdef _OPENMP
#pragma omp parallel for num_threads(S->T) schedule(dynamic, 256) reduction(+ : n_active)
#endif
  for (i = 0; i < n; i++) {
    uint64_t *keys = S->ws[umapc_thread_num()].keys, thr, tho;
    int *c = S->cand + S->off[i];
    const int *ri = S->nb.i + (size_t)i * K;
    unsigned char *rf = S->nb.f + (size_t)i * K;
    int s;
    S->cnn[i] = nnd_select(S, iter, i, c, S->capn[i], keys, &thr);
    S->cno[i] = nnd_select(S, iter, i, c + S->capn[i], S->capo[i], keys, &tho);
    /* new entries that made it into the sample are new no more */
    for (s = 0; s < K; s++)
      if (rf[s] && ri[s] != INT_MAX &&
          nnd_cand_key(S->key, iter, i, ri[s], n) <= thr)
        rf[s] = 0;
    n_active += S->cnn[i] > 0;
  }
  return n_active;
}

/* ------------------------------------------------------------------------ */
/* Local joins. */

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

/* Offers (p, q, d) for candidates c[0..m) of p, as updates that may improve
 * p's list (root rpd/rpi) or q's; with skip_p, q == p is passed over (a row
 * can be both a new and an old candidate). Rows marked with stamp st are
 * already in p's list: their distance is known and only q's list can
 * gain. */
static inline size_t nnd_join_with(const nnd_state *S, const nnd_thread *w,
                                   int p, float rpd, int rpi, unsigned st,
                                   const int *c, int m, int skip_p,
                                   nnd_update *out, size_t len) {
  const float *rd = S->nb.rd;
  const int *ri = S->nb.ri;
  int b;
  for (b = 0; b < m; b++) {
    const int q = c[b];
    float d;
    if (skip_p && q == p) continue;
    if (w->mark[q] == st) {
      d = w->markd[q];
      if (!nnd_after(&S->nb, rd[q], ri[q], d, p)) continue;
    } else {
      d = nnd_dist(S, p, q);
      if (!nnd_after(&S->nb, rpd, rpi, d, q) &&
          !nnd_after(&S->nb, rd[q], ri[q], d, p))
        continue;
    }
    out[len].p = p;
    out[len].q = q;
    out[len].d = d;
    len++;
  }
  return len;
}

/* Local join of row i's candidates: updates (p, q, d) that may improve the
 * list of p or of q (judged against the lists at the block start). */
static void nnd_join_row(const nnd_state *S, int i, nnd_thread *w) {
  const int *cn = S->cand + S->off[i], *co = cn + S->capn[i];
  const int nn = S->cnn[i], no = S->cno[i];
  nnd_update *out = w->buf + w->len;
  size_t len = 0;
  int a;
  for (a = 0; a < nn; a++) {
    const int p = cn[a];
    const unsigned st = nnd_mark(S, w, p);
    len = nnd_join_with(S, w, p, S->nb.rd[p], S->nb.ri[p], st, cn + a + 1,
                        nn - a - 1, 0, out, len);
    len = nnd_join_with(S, w, p, S->nb.rd[p], S->nb.ri[p], st, co, no, 1, out,
                        len);
  }
  w->len += len;
}

/* Bound on row i's updates: its pairs of candidates. */
static size_t nnd_row_bound(const nnd_state *S, int i) {
  const size_t nn = (size_t)S->cnn[i], no = (size_t)S->cno[i];
  return nn * (nn > 0 ? nn - 1 : 0) / 2 + nn * no;
}

static int nnd_row_lo(int n, int t, int nt) {
  return (int)(((long long)n * t) / nt);
}

/* One block of rows [b0, b1): joins, then updates. Returns the number of
 * successful list updates, or -1 when out of memory. */
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
    const int tid = umapc_thread_num();
    nnd_thread *w = S->ws + tid;
    int c;
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
    for (c = 0; c < n_chunks; c++) {
      const int c0 = b0 + c * NND_CHUNK;
      const int c1 = c0 + NND_CHUNK < b1 ? c0 + NND_CHUNK : b1;
      size_t bound = 0;
      int i, f;
#ifdef _OPENMP
#pragma omp atomic read
#endif
      f = failed;
      if (f) continue;
      for (i = c0; i < c1; i++) bound += nnd_row_bound(S, i);
      if (!nnd_reserve(w, bound)) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
        failed = 1;
        continue;
      }
      S->seg_tid[c] = tid;
      S->seg_lo[c] = w->len;
      for (i = c0; i < c1; i++) nnd_join_row(S, i, w);
      S->seg_hi[c] = w->len;
    }
  }
  if (failed) return -1;
#ifdef _OPENMP
#pragma omp parallel num_threads(S->T)
#endif
  {
    const int tid = umapc_thread_num(), nt = umapc_num_threads();
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
          umapc_rng_u64(S->key, UMAPC_KNN_CTR(UMAPC_KNN_TAG_FILL, att), (uint64_t)i),
          (uint32_t)n);
      if (j == i || nnd_contains(pi, K, j)) continue;
      nnd_lpush(&S->nb, i, nnd_dist(S, i, j), j);
    }
    j0 = (int)umapc_rng_below(
        umapc_rng_u64(S->key, UMAPC_KNN_CTR(UMAPC_KNN_TAG_FILL, 4 * K), (uint64_t)i),
        (uint32_t)n);
    for (t = 0; t < n && pi[0] == INT_MAX; t++) {
      const int j = (j0 + t) % n;
      if (j == i || nnd_contains(pi, K, j)) continue;
      nnd_lpush(&S->nb, i, nnd_dist(S, i, j), j);
    }
  }
}

/* Sorted output in the original row numbers (orig: search row -> original
 * row, NULL for the identity); column 0 is the row itself. */
static void nnd_output(nnd_state *S, const int *orig, int k, int *idx,
                       double *dist) {
  /* the lists hold S->K >= k - 1 entries: the first k - 1 are returned */
  const int n = S->n, K = S->K;
  int i;
#ifdef _OPENMP
#pragma omp parallel for num_threads(S->T) schedule(static)
#endif
  for (i = 0; i < n; i++) {
    float *pd = S->nb.d + (size_t)i * K;
    int *pi = S->nb.i + (size_t)i * K;
    const int r = orig != NULL ? orig[i] : i;
    int *oi = idx + (size_t)r * k;
    double *od = dist + (size_t)r * k;
    int s;
    if (orig != NULL) {
      for (s = 0; s < K; s++)
        if (pi[s] != INT_MAX) pi[s] = orig[pi[s]];
      umapc_heap_build(pd, pi, K);
    }
    umapc_heap_sort(pd, pi, K);
    oi[0] = r;
    od[0] = 0.0;
    for (s = 0; s < k - 1; s++) {
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

/* ------------------------------------------------------------------------ */

static void nnd_free_threads(nnd_thread *ws, int T) {
  int t;
  if (ws == NULL) return;
  for (t = 0; t < T; t++) {
    free(ws[t].side);
    free(ws[t].h);
    free(ws[t].mark);
    free(ws[t].markd);
    free(ws[t].buf);
    free(ws[t].keys);
  }
  free(ws);
}

/* The descent proper: iterations until fewer than delta * n * k updates. */
static int nnd_descend(nnd_state *S, const umapc_nnd_params *P, int k,
                       const umapc_interrupt *intr,
                       const umapc_progress *prog) {
  const int n = S->n;
  const double stop = P->delta * (double)n * (double)k;
  const int max_chunks = (NND_BLOCK_ROWS + NND_CHUNK - 1) / NND_CHUNK;
  int iter;
  S->cand = (int *)malloc(((size_t)2 * n * S->K + 1) * sizeof(int));
  S->off = (size_t *)malloc(((size_t)n + 1) * sizeof(size_t));
  S->capn = (int *)malloc((size_t)n * sizeof(int));
  S->capo = (int *)malloc((size_t)n * sizeof(int));
  S->cnn = (int *)malloc((size_t)n * sizeof(int));
  S->cno = (int *)malloc((size_t)n * sizeof(int));
  S->seg_tid = (int *)malloc((size_t)max_chunks * sizeof(int));
  S->seg_lo = (size_t *)malloc((size_t)max_chunks * sizeof(size_t));
  S->seg_hi = (size_t *)malloc((size_t)max_chunks * sizeof(size_t));
  if (!S->cand || !S->off || !S->capn || !S->capo || !S->cnn || !S->cno ||
      !S->seg_tid || !S->seg_lo || !S->seg_hi)
    return UMAPC_ERR_NOMEM;
  for (iter = 0; iter < P->n_iters; iter++) {
    long updates = 0, active;
    int b0 = 0;
    if (umapc_interrupted(intr)) return UMAPC_ERR_INTERRUPTED;
    active = nnd_candidates(S, iter);
    if (active < 0) return UMAPC_ERR_NOMEM;
    if (active == 0) break;
    while (b0 < n) {
      size_t pairs = 0;
      int b1 = b0;
      long u;
      /* the block: rows up to NND_BLOCK_ROWS or NND_BLOCK_PAIRS pairs */
      while (b1 < n && b1 - b0 < NND_BLOCK_ROWS) {
        const size_t rb = nnd_row_bound(S, b1);
        if (b1 > b0 && pairs + rb > NND_BLOCK_PAIRS) break;
        pairs += rb;
        b1++;
      }
      if (b0 > 0 && umapc_interrupted(intr)) return UMAPC_ERR_INTERRUPTED;
      u = nnd_block(S, b0, b1);
      if (u < 0) return UMAPC_ERR_NOMEM;
      updates += u;
      b0 = b1;
    }
    umapc_report(prog, "nndescent", iter + 1, P->n_iters);
    if ((double)updates <= stop) break;
  }
  return UMAPC_OK;
}

int umapc_knn_nndescent(umapc_data *ref, int k, const umapc_nnd_params *params,
                        uint64_t seed, int n_threads,
                        const umapc_interrupt *intr,
                        const umapc_progress *prog, int *idx, double *dist) {
  umapc_nnd_params P;
  nnd_state S;
  umapc_rp_tree *trees = NULL;
  float *owned_rows = NULL;
  const float *trows = NULL;
  int *perm = NULL, *inv = NULL;
  unsigned char *seen = NULL;
  void *tmp = NULL;
  int permuted = 0, tld = 0;
  int status = UMAPC_OK, n, K, T, t, tree;
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
  T = umapc_clamp_threads(n_threads);
  {
    const int extra = (K + 4) / 5 < NND_EXTRA ? (K + 4) / 5 : NND_EXTRA;
    K = K + extra < n - 1 ? K + extra : n - 1; /* the lists' length */
  }
  nK = (size_t)n * (size_t)K;

  memset(&S, 0, sizeof(S));
  S.X = ref;
  S.n = n;
  S.K = K;
  S.M = P.max_candidates;
  S.T = T;
  S.sq = ref->metric == UMAPC_METRIC_EUCLIDEAN && ref->x != NULL;
  S.key = umapc_rng_key(seed, UMAPC_STREAM_KNN);
  S.nb.k = K;
  S.nb.d = (float *)malloc(nK * sizeof(float));
  S.nb.i = (int *)malloc(nK * sizeof(int));
  S.nb.f = (unsigned char *)calloc(nK, 1);
  S.nb.rd = (float *)malloc((size_t)n * sizeof(float));
  S.nb.ri = (int *)malloc((size_t)n * sizeof(int));
  S.ws = (nnd_thread *)calloc((size_t)T, sizeof(nnd_thread));
  trees = (umapc_rp_tree *)calloc((size_t)T, sizeof(umapc_rp_tree));
  if (!S.nb.d || !S.nb.i || !S.nb.f || !S.nb.rd || !S.nb.ri || !S.ws ||
      !trees) {
    status = UMAPC_ERR_NOMEM;
    goto done;
  }
  for (t = 0; t < T; t++) {
    nnd_thread *w = S.ws + t;
    w->side = (unsigned char *)malloc((size_t)n);
    w->h = (float *)malloc((size_t)ref->ld * sizeof(float));
    w->mark = (unsigned *)calloc((size_t)n, sizeof(unsigned));
    w->markd = (float *)malloc((size_t)n * sizeof(float));
    trees[t].perm = (int *)malloc((size_t)n * sizeof(int));
    trees[t].leaves = (int *)malloc(2 * (size_t)n * sizeof(int));
    if (!w->side || !w->h || !w->mark || !w->markd || !trees[t].perm ||
        !trees[t].leaves) {
      status = UMAPC_ERR_NOMEM;
      goto done;
    }
  }
  for (t = 0; t < n; t++) {
    umapc_heap_init(S.nb.d + (size_t)t * K, S.nb.i + (size_t)t * K, K);
    S.nb.rd[t] = INFINITY;
    S.nb.ri[t] = INT_MAX;
  }

  /* ---- random-projection forest ---- */
  if (P.n_trees > 0) {
    const size_t rw = (size_t)ref->ld * sizeof(float);
    status = umapc_rp_rows(ref, S.key, T, &trows, &tld, &owned_rows);
    if (status != UMAPC_OK) goto done;
    /* the first tree orders the rows (see the top of the file) */
    perm = (int *)malloc((size_t)n * sizeof(int));
    inv = (int *)malloc((size_t)n * sizeof(int));
    seen = (unsigned char *)malloc((size_t)n);
    tmp = malloc(rw > (size_t)tld * sizeof(float) ? rw : (size_t)tld * sizeof(float));
    if (!perm || !inv || !seen || !tmp) {
      status = UMAPC_ERR_NOMEM;
      goto done;
    }
    umapc_rp_build_tree(trows, n, tld, S.key, 0, P.leaf_size, trees,
                        S.ws[0].side, S.ws[0].h);
    memcpy(perm, trees[0].perm, (size_t)n * sizeof(int));
    for (t = 0; t < n; t++) {
      inv[perm[t]] = t;
      trees[0].perm[t] = t;
    }
    if (ref->x != NULL) {
      nnd_permute_data(ref, perm, seen, tmp);
      permuted = 1;
    } else {
      S.map = perm;
    }
    S.nb.orig = perm;
    if (owned_rows != NULL)
      nnd_permute(owned_rows, (size_t)tld * sizeof(float), n, perm, seen, tmp);
    trows = ref->x != NULL && owned_rows == NULL ? ref->x : owned_rows;
    nnd_join_tree(&S, trees);
  }
  for (tree = 1; tree < P.n_trees; tree += T) {
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
      nnd_thread *w = S.ws + umapc_thread_num();
      umapc_rp_build_tree(trows, n, tld, S.key, tree + b, P.leaf_size,
                          trees + b, w->side, w->h);
    }
    for (b = 0; b < nb; b++) nnd_join_tree(&S, trees + b);
  }
  nnd_fill(&S);
  /* tree scratch no longer needed */
  free(owned_rows);
  owned_rows = NULL;
  for (t = 0; t < T; t++) {
    free(trees[t].perm);
    free(trees[t].leaves);
    free(S.ws[t].side);
    trees[t].perm = trees[t].leaves = NULL;
    S.ws[t].side = NULL;
  }

  /* ---- NN-descent ---- */
  status = nnd_descend(&S, &P, k, intr, prog);
  if (status == UMAPC_OK) nnd_output(&S, perm, k, idx, dist);

done:
  if (permuted) nnd_permute_data(ref, inv, seen, tmp);
  free(perm);
  free(inv);
  free(seen);
  free(tmp);
  free(owned_rows);
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
  free(S.cand);
  free(S.off);
  free(S.capn);
  free(S.capo);
  free(S.cnn);
  free(S.cno);
  free(S.seg_tid);
  free(S.seg_lo);
  free(S.seg_hi);
  return status;
}
