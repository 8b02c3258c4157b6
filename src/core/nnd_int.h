/*
 * NN-descent's private header (nndescent.c, nnd_candidates.c, nnd_join.c,
 * nnd_reorder.c; nothing else includes it): the state of one search, the
 * neighbour lists with their hot inline operations, the per-thread scratch,
 * the fixed block sizes of the local joins, and the functions the files
 * call across. The algorithm and its determinism rules are described at the
 * top of nndescent.c.
 */
#ifndef UMAPC_NND_INT_H
#define UMAPC_NND_INT_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "data.h"
#include "heap.h"
#include "kernels.h"
#include "rpforest.h"

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

#if defined(__GNUC__) || defined(__clang__)
#define NND_VEC 1
typedef int nnd_v4i __attribute__((vector_size(16)));
/* Inlined at every call: most offers of the joins end at the list's root
 * test, which must cost no call (GCC's limits depend on the size of the
 * file, and left it out of line in nnd_join.c). */
#define NND_ALWAYS_INLINE static inline __attribute__((always_inline))
#else
#define NND_ALWAYS_INLINE static inline
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
NND_ALWAYS_INLINE int nnd_lpush(const nnd_lists *L, int row, float dv, int iv) {
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

/* Bound on row i's updates: its pairs of candidates. */
static inline size_t nnd_row_bound(const nnd_state *S, int i) {
  const size_t nn = (size_t)S->cnn[i], no = (size_t)S->cno[i];
  return nn * (nn > 0 ? nn - 1 : 0) / 2 + nn * no;
}

/* ------------------------------------------------------------------------ */
/* Across the files. */

/* nnd_reorder.c: row r of the n rows of w bytes at base becomes row perm[r]
 * of the input; done (n bytes) and tmp (w bytes) are scratch. */
void umapc_nnd_permute(void *base, size_t w, int n, const int *perm,
                       unsigned char *done, void *tmp);
/* nnd_reorder.c: the same for the per-row parts of a dense copy (rows, zero
 * flags, counts). */
void umapc_nnd_permute_data(umapc_data *X, const int *perm,
                            unsigned char *done, void *tmp);

/* nnd_candidates.c: the new and old candidates of iteration iter (S->cand,
 * S->cnn, S->cno); returns the number of rows with new candidates, or -1
 * when out of memory. */
long umapc_nnd_candidates(nnd_state *S, int iter);

/* nnd_join.c: all pairs of each leaf of tree tr offered to the lists. */
void umapc_nnd_join_tree(const nnd_state *S, const umapc_rp_tree *tr);
/* nnd_join.c: the local joins of rows [b0, b1), then the list updates, on
 * T <= S->T threads (the result does not depend on T); returns the number
 * of successful updates, or -1 when out of memory. */
long umapc_nnd_block(nnd_state *S, int b0, int b1, int T);
/* nnd_join.c: fill the lists not full after the forest. */
void umapc_nnd_fill(nnd_state *S);

#endif
