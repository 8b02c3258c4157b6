/*
 * Typed neighbour heaps, one definition for every value type (the
 * matrixStats way: this file is included once per type by heap.h, with
 * HEAP_T the value type and HEAP_NAME(x) the name of function x; no include
 * guard on purpose).
 *
 * Entries are (value, index) pairs in two parallel arrays, ordered by value
 * then index, so ties go to the lower index whatever the order in which
 * entries arrive:
 *  - a bounded max-heap of the k best entries (init, push, push_unique,
 *    sift, replace_root, build, sort), empty slots (+inf, INT_MAX);
 *  - an unbounded min-queue (queue_push, queue_pop) for best-first search.
 */
#if !defined(HEAP_T) || !defined(HEAP_NAME)
#error "define HEAP_T and HEAP_NAME before including heap_template.h"
#endif

/* (da, ia) comes after (db, ib) */
static inline int HEAP_NAME(after)(HEAP_T da, int ia, HEAP_T db, int ib) {
  return da > db || (da == db && ia > ib);
}

/* The same with the indices compared through rank (rank[i] in place of i;
 * INT_MAX, an empty slot, stays INT_MAX). A NULL rank compares the indices
 * themselves; called with a constant NULL, the rank code compiles away. */
static inline int HEAP_NAME(after_ranked)(const int *rank, HEAP_T da, int ia,
                                          HEAP_T db, int ib) {
  if (rank == NULL) return HEAP_NAME(after)(da, ia, db, ib);
  if (da != db) return da > db;
  ia = ia == INT_MAX ? INT_MAX : rank[ia];
  ib = ib == INT_MAX ? INT_MAX : rank[ib];
  return ia > ib;
}

static inline void HEAP_NAME(init)(HEAP_T *d, int *idx, int k) {
  int t;
  for (t = 0; t < k; t++) {
    d[t] = (HEAP_T)INFINITY;
    idx[t] = INT_MAX;
  }
}

/* Put (dv, iv) at position pos and sift it down within the first k. When
 * tag is not NULL it holds one byte per slot, moved with its entry, and the
 * entering entry gets tv (NN-descent's "new" flags). When rank is not NULL
 * the heap is ordered by (value, rank[index]) (after_ranked; NN-descent's
 * lists on reordered rows). Called with constant NULLs, the tag and rank
 * code compiles away. */
static inline void HEAP_NAME(sift_tagged)(HEAP_T *d, int *idx,
                                          unsigned char *tag, const int *rank,
                                          int k, int pos, HEAP_T dv, int iv,
                                          unsigned char tv) {
  for (;;) {
    int c = 2 * pos + 1, r = c + 1, big;
    if (c >= k) break;
    big = c;
    if (r < k && HEAP_NAME(after_ranked)(rank, d[r], idx[r], d[c], idx[c]))
      big = r;
    if (!HEAP_NAME(after_ranked)(rank, d[big], idx[big], dv, iv)) break;
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
static inline void HEAP_NAME(sift)(HEAP_T *d, int *idx, int k, int pos,
                                   HEAP_T dv, int iv) {
  HEAP_NAME(sift_tagged)(d, idx, NULL, NULL, k, pos, dv, iv, 0);
}

/* Replace the root by (dv, iv) and sift down. */
static inline void HEAP_NAME(replace_root)(HEAP_T *d, int *idx, int k,
                                           HEAP_T dv, int iv) {
  HEAP_NAME(sift)(d, idx, k, 0, dv, iv);
}

/* Turn k arbitrary entries into a heap (bottom-up). */
static inline void HEAP_NAME(build)(HEAP_T *d, int *idx, int k) {
  int t;
  for (t = k / 2 - 1; t >= 0; t--) HEAP_NAME(sift)(d, idx, k, t, d[t], idx[t]);
}

/* Offer (dv, iv); returns 1 if it entered the list. No duplicate check. */
static inline int HEAP_NAME(push)(HEAP_T *d, int *idx, int k, HEAP_T dv,
                                  int iv) {
  if (!HEAP_NAME(after)(d[0], idx[0], dv, iv)) return 0;
  HEAP_NAME(replace_root)(d, idx, k, dv, iv);
  return 1;
}

/* As push, but refuses an index already in the list. */
static inline int HEAP_NAME(push_unique)(HEAP_T *d, int *idx, int k,
                                         HEAP_T dv, int iv) {
  int t;
  if (!HEAP_NAME(after)(d[0], idx[0], dv, iv)) return 0;
  for (t = 0; t < k; t++)
    if (idx[t] == iv) return 0;
  HEAP_NAME(replace_root)(d, idx, k, dv, iv);
  return 1;
}

/* Sort a heap into ascending (value, index) order, in place. */
static inline void HEAP_NAME(sort)(HEAP_T *d, int *idx, int k) {
  int m;
  for (m = k - 1; m > 0; m--) {
    const HEAP_T dv = d[m];
    const int iv = idx[m];
    d[m] = d[0];
    idx[m] = idx[0];
    HEAP_NAME(replace_root)(d, idx, m, dv, iv);
  }
}

/* Min-queue of *n entries (room for every entry pushed): add (dv, iv). */
static inline void HEAP_NAME(queue_push)(HEAP_T *d, int *idx, int *n,
                                         HEAP_T dv, int iv) {
  int pos = (*n)++;
  while (pos > 0) {
    const int parent = (pos - 1) / 2;
    if (!HEAP_NAME(after)(d[parent], idx[parent], dv, iv)) break;
    d[pos] = d[parent];
    idx[pos] = idx[parent];
    pos = parent;
  }
  d[pos] = dv;
  idx[pos] = iv;
}

/* Remove the smallest entry of a non-empty min-queue into (*dv, *iv). */
static inline void HEAP_NAME(queue_pop)(HEAP_T *d, int *idx, int *n,
                                        HEAP_T *dv, int *iv) {
  const HEAP_T dl = d[*n - 1];
  const int il = idx[*n - 1];
  int pos = 0;
  *dv = d[0];
  *iv = idx[0];
  (*n)--;
  for (;;) {
    int c = 2 * pos + 1;
    if (c >= *n) break;
    if (c + 1 < *n && HEAP_NAME(after)(d[c], idx[c], d[c + 1], idx[c + 1]))
      c++;
    if (!HEAP_NAME(after)(dl, il, d[c], idx[c])) break;
    d[pos] = d[c];
    idx[pos] = idx[c];
    pos = c;
  }
  if (*n > 0) {
    d[pos] = dl;
    idx[pos] = il;
  }
}

#undef HEAP_T
#undef HEAP_NAME
