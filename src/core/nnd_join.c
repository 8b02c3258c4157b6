/*
 * NN-descent: the joins that offer pairs of rows to the neighbour lists.
 * The forest's leaves (all pairs of a leaf; the leaves of one tree are
 * disjoint, so they run in parallel), the local joins of each iteration
 * (every row's pairs of candidates, in blocks of rows fixed by the data:
 * fixed chunks of a block write their updates into buffers, then each
 * thread applies, in chunk order, the updates to the rows it owns), and the
 * random rows that fill lists the forest left short. Every list receives
 * its offers in an order that depends only on the data and the seed.
 */
#include "fp.h"

#include <limits.h>
#include <stdlib.h>

#include "nnd_int.h"
#include "parallel.h"
#include "rng.h"

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

void umapc_nnd_join_tree(const nnd_state *S, const umapc_rp_tree *tr) {
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

/* The first of the rows whose updates thread t of nt applies. */
static int nnd_row_lo(int n, int t, int nt) {
  return (int)(((long long)n * t) / nt);
}

/* One block of rows [b0, b1): joins, then updates. Returns the number of
 * successful list updates, or -1 when out of memory. */
long umapc_nnd_block(nnd_state *S, int b0, int b1, int T) {
  const int n = S->n;
  const int n_chunks = (b1 - b0 + NND_CHUNK - 1) / NND_CHUNK;
  int failed = 0, t;
  long total = 0;
  (void)T; /* the threads, for OpenMP builds */
  for (t = 0; t < S->T; t++) {
    S->ws[t].len = 0;
    S->ws[t].count = 0;
  }
#ifdef _OPENMP
#pragma omp parallel num_threads(T)
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
#pragma omp parallel num_threads(T)
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

/* ------------------------------------------------------------------------ */
/* Lists the forest left short. */

/* Rows whose list is not full after the forest get random rows, then (when
 * k is close to n) a sequential sweep. Each thread writes only its rows. */
void umapc_nnd_fill(nnd_state *S) {
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
