/*
 * Approximate k-nearest neighbours: NN-descent (Dong, Moses & Li 2011) as in
 * pynndescent / umap-learn, started from the leaves of a forest of
 * random-projection trees (rpforest.c).
 *
 * This file is the driver: the defaults, the search's setup (lists,
 * per-thread scratch, the forest and the reordering), the iterations and
 * the output. The rest is in nnd_candidates.c (each iteration's
 * candidates), nnd_join.c (the forest's leaf joins, the local joins, the
 * filling of short lists) and nnd_reorder.c (rows permuted in place), which
 * share nnd_int.h (the search's state and the neighbour lists).
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
 * Lists are max-heaps ordered by (kernel value, original row number)
 * (heap.h's sift through the rank of each reordered row) that refuse
 * duplicate indices, so ties go to the lower original row (the output is
 * sorted again in the original row numbers). Row i is never in
 * its own list during the search; it is put in column 0 at the end.
 *
 * Speed (besides the reordering): distances use the shared kernels
 * (kernels.h, through umapc_kernel() of distance.c); a pair (p, q) whose q is
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
#include "knn.h"
#include "nnd_int.h"
#include "parallel.h"
#include "rng.h"
#include "rpforest.h"
#include "team.h"

/* Default number of trees at most (see NND_EXTRA). */
#define NND_MAX_TREES 8
/* The lists the search keeps are longer than the k - 1 neighbours returned,
 * by (k - 1) / 5 rounded up, at most NND_EXTRA: NN-descent converges to a
 * much better top k - 1 with a few more entries per list, for less work
 * than the many more trees (pynndescent's default, up to 64) it takes
 * otherwise. */
#define NND_EXTRA 8

/* Entries kept per list beyond the K = k - 1 returned. Chebyshev and
 * hamming distances take few distinct values (on Fashion-MNIST's grey
 * levels, a handful of pixels decide every chebyshev distance), so a
 * neighbour's neighbours say less about a row's own neighbours and the
 * descent stalls early: at k = 15 and the general rule, recall@15 was
 * 0.962 (chebyshev) and 0.979 (hamming) against 0.99 and more for the
 * other metrics. Their lists are twice as long (bench/knn_metrics.R). */
static int nnd_list_extra(int metric, int K) {
  if (metric == UMAPC_METRIC_CHEBYSHEV || metric == UMAPC_METRIC_HAMMING)
    return K;
  return (K + 4) / 5 < NND_EXTRA ? (K + 4) / 5 : NND_EXTRA;
}

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
  /* blocks of joins on the team or on one thread, whichever is faster
   * (team.h: on a busy machine, a team waits for its descheduled members) */
  umapc_pace pace;
  umapc_pace_init(&pace, S->T);
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
    active = umapc_nnd_candidates(S, iter);
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
      u = umapc_nnd_block(S, b0, b1, umapc_pace_begin(&pace, NULL));
      umapc_pace_end(&pace, (double)pairs + (b1 - b0));
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
    const int extra = nnd_list_extra(ref->metric, K);
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
      umapc_nnd_permute_data(ref, perm, seen, tmp);
      permuted = 1;
    } else {
      S.map = perm;
    }
    S.nb.orig = perm;
    if (owned_rows != NULL)
      umapc_nnd_permute(owned_rows, (size_t)tld * sizeof(float), n, perm,
                        seen, tmp);
    trows = ref->x != NULL && owned_rows == NULL ? ref->x : owned_rows;
    umapc_nnd_join_tree(&S, trees);
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
    for (b = 0; b < nb; b++) umapc_nnd_join_tree(&S, trees + b);
  }
  umapc_nnd_fill(&S);
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
  if (permuted) umapc_nnd_permute_data(ref, inv, seen, tmp);
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
