/*
 * NN-descent: reordering rows in place. The search runs on the rows in the
 * order of the first tree's leaves (nndescent.c); a dense copy of the data
 * is permuted into that order for the duration of the search and put back
 * at the end, with a cycle walk that needs one row of scratch.
 */
#include "fp.h"

#include <string.h>

#include "nnd_int.h"

/* Row r becomes row perm[r] of the input (n rows of w bytes); done (n
 * bytes) and tmp (w bytes) are scratch. */
void umapc_nnd_permute(void *base, size_t w, int n, const int *perm,
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
void umapc_nnd_permute_data(umapc_data *X, const int *perm,
                            unsigned char *done, void *tmp) {
  umapc_nnd_permute(X->x, (size_t)X->ld * sizeof(float), X->n, perm, done,
                    tmp);
  if (X->zero != NULL) umapc_nnd_permute(X->zero, 1, X->n, perm, done, tmp);
  if (X->cnt != NULL)
    umapc_nnd_permute(X->cnt, sizeof(float), X->n, perm, done, tmp);
}
