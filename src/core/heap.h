/*
 * Bounded neighbour lists: one max-heap of size k per row, ordered by
 * (distance, index) so that ties are broken by the lower index, whatever the
 * order in which candidates arrive. Empty slots hold (+inf, INT_MAX).
 */
#ifndef UMAPC_HEAP_H
#define UMAPC_HEAP_H

#include <limits.h>
#include <stddef.h>
#include <math.h>

/* (da, ia) comes after (db, ib) */
static inline int umapc_after(float da, int ia, float db, int ib) {
  return da > db || (da == db && ia > ib);
}

static inline void umapc_heap_init(float *d, int *idx, int k) {
  int t;
  for (t = 0; t < k; t++) {
    d[t] = INFINITY;
    idx[t] = INT_MAX;
  }
}

/* Put (dv, iv) at position pos and sift it down within the first k. When
 * tag is not NULL it holds one byte per slot, moved with its entry, and the
 * entering entry gets tv (NN-descent's "new" flags). Called with a constant
 * NULL, the tag code compiles away. */
static inline void umapc_heap_sift_tagged(float *d, int *idx,
                                          unsigned char *tag, int k, int pos,
                                          float dv, int iv, unsigned char tv) {
  for (;;) {
    int c = 2 * pos + 1, r = c + 1, big;
    if (c >= k) break;
    big = c;
    if (r < k && umapc_after(d[r], idx[r], d[c], idx[c])) big = r;
    if (!umapc_after(d[big], idx[big], dv, iv)) break;
    d[pos] = d[big];
    idx[pos] = idx[big];
    if (tag != NULL) tag[pos] = tag[big];
    pos = big;
  }
  d[pos] = dv;
  idx[pos] = iv;
  if (tag != NULL) tag[pos] = tv;
}

/* Put (dv, iv) at position pos and sift it down within the first k. */
static inline void umapc_heap_sift(float *d, int *idx, int k, int pos, float dv,
                                   int iv) {
  umapc_heap_sift_tagged(d, idx, NULL, k, pos, dv, iv, 0);
}

/* Replace the root by (dv, iv) and sift down. */
static inline void umapc_heap_replace_root(float *d, int *idx, int k, float dv,
                                           int iv) {
  umapc_heap_sift(d, idx, k, 0, dv, iv);
}

/* Turn k arbitrary entries into a heap (bottom-up). */
static inline void umapc_heap_build(float *d, int *idx, int k) {
  int t;
  for (t = k / 2 - 1; t >= 0; t--) umapc_heap_sift(d, idx, k, t, d[t], idx[t]);
}

/* Offer (dv, iv); returns 1 if it entered the list. No duplicate check. */
static inline int umapc_heap_push(float *d, int *idx, int k, float dv, int iv) {
  if (!umapc_after(d[0], idx[0], dv, iv)) return 0;
  umapc_heap_replace_root(d, idx, k, dv, iv);
  return 1;
}

/* As umapc_heap_push, but refuses an index already in the list. */
static inline int umapc_heap_push_unique(float *d, int *idx, int k, float dv,
                                         int iv) {
  int t;
  if (!umapc_after(d[0], idx[0], dv, iv)) return 0;
  for (t = 0; t < k; t++)
    if (idx[t] == iv) return 0;
  umapc_heap_replace_root(d, idx, k, dv, iv);
  return 1;
}

/* Sort a heap into ascending (distance, index) order, in place. */
static inline void umapc_heap_sort(float *d, int *idx, int k) {
  int m;
  for (m = k - 1; m > 0; m--) {
    float dv = d[m];
    int iv = idx[m];
    d[m] = d[0];
    idx[m] = idx[0];
    umapc_heap_replace_root(d, idx, m, dv, iv);
  }
}

#endif
