/*
 * The vertex order of large layouts. The layout reads a vertex's
 * neighbours' positions and writes the moves it hands them into their
 * slots; in the input's row order these are scattered over the whole
 * embedding and the whole slot array (hundreds of megabytes at a million
 * rows), and every access misses the caches. So from UMAPC_REORDER_MIN
 * vertices up the layout runs on the vertices renumbered in breadth-first
 * order of the graph (each connected part from its lowest vertex, the
 * neighbours of a vertex in ascending order: a Cuthill-McKee order without
 * the sorting by degree), which puts neighbours near each other in memory,
 * and the result is put back in the input's order. The order depends on the
 * graph alone, so it is part of the deterministic algorithm: the same bits
 * for any number of threads.
 */
#include "fp.h"

#include <stdlib.h>
#include <string.h>

#include "layout_int.h"

static int reorder_min = UMAPC_REORDER_MIN;

int umapc_layout_set_reorder_min(int n) {
  const int old = reorder_min;
  reorder_min = n;
  return old;
}

int umapc_layout_reorders(int n) { return n >= reorder_min; }

/* perm[new] = old: breadth-first from the lowest unvisited vertex */
static int bfs_order(const umapc_csr *g, int *perm) {
  const int n = g->n;
  unsigned char *seen = (unsigned char *)calloc((size_t)n + 1, 1);
  int head = 0, tail = 0, start;
  if (seen == NULL) return UMAPC_ERR_NOMEM;
  for (start = 0; start < n; start++) {
    if (seen[start]) continue;
    seen[start] = 1;
    perm[tail++] = start;
    while (head < tail) {
      const int v = perm[head++];
      int t;
      for (t = g->p[v]; t < g->p[v + 1]; t++) {
        const int u = g->j[t];
        if (u >= 0 && u < n && !seen[u]) {
          seen[u] = 1;
          perm[tail++] = u;
        }
      }
    }
  }
  free(seen);
  return UMAPC_OK;
}

/* tails in ascending order within rows, with their weights: insertion
 * sort for the usual short rows, qsort() for hubs (a row's tails are
 * distinct, so the order is total and any sort gives the same result) */
typedef struct {
  int j;
  double w;
} tail_weight;

static int cmp_tail(const void *a, const void *b) {
  const int x = ((const tail_weight *)a)->j, y = ((const tail_weight *)b)->j;
  return (x > y) - (x < y);
}

int umapc_sort_tails(int *j, double *w, int m) {
  int a, b;
  if (m > 64) {
    tail_weight *tw = (tail_weight *)malloc((size_t)m * sizeof(tail_weight));
    if (tw == NULL) return UMAPC_ERR_NOMEM;
    for (a = 0; a < m; a++) {
      tw[a].j = j[a];
      tw[a].w = w[a];
    }
    qsort(tw, (size_t)m, sizeof(tail_weight), cmp_tail);
    for (a = 0; a < m; a++) {
      j[a] = tw[a].j;
      w[a] = tw[a].w;
    }
    free(tw);
    return UMAPC_OK;
  }
  for (a = 1; a < m; a++) {
    const int jj = j[a];
    const double ww = w[a];
    for (b = a; b > 0 && j[b - 1] > jj; b--) {
      j[b] = j[b - 1];
      w[b] = w[b - 1];
    }
    j[b] = jj;
    w[b] = ww;
  }
  return UMAPC_OK;
}

/* perm[new] = old (n ints, malloc'd); the schedule is built on the
 * renumbered graph directly (umapc_schedule_build()), without a renumbered
 * copy of the graph (286 MB at a million vertices) */
int umapc_layout_order(const umapc_csr *g, int **perm_out) {
  int *perm = (int *)malloc(((size_t)g->n + 1) * sizeof(int));
  int status;
  *perm_out = NULL;
  if (perm == NULL) return UMAPC_ERR_NOMEM;
  status = bfs_order(g, perm);
  if (status != UMAPC_OK) {
    free(perm);
    return status;
  }
  *perm_out = perm;
  return UMAPC_OK;
}
