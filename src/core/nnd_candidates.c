/*
 * NN-descent: the candidates of one iteration. Each row's new and old
 * candidates (its list entries and the rows whose lists hold it) are
 * gathered in any order into compressed rows, then each row keeps at most
 * max_candidates of each by a random priority (a pure function of the
 * iteration and the unordered pair), sorted by row number, and its new
 * entries that were kept are marked old: the result is a function of the
 * lists only, whatever the threads.
 */
#include "fp.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "nnd_int.h"
#include "parallel.h"
#include "rng.h"

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
long umapc_nnd_candidates(nnd_state *S, int iter) {
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
