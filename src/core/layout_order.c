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

static int sort_row(int *j, double *w, int m) {
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

int umapc_layout_order(const umapc_csr *g, int **perm_out, umapc_csr *out) {
  const int n = g->n;
  const size_t nnz = (size_t)g->p[n];
  int *perm = (int *)malloc(((size_t)n + 1) * sizeof(int));
  int *inv = (int *)malloc(((size_t)n + 1) * sizeof(int));
  int i, status;
  memset(out, 0, sizeof(*out));
  *perm_out = NULL;
  out->p = (int *)malloc(((size_t)n + 1) * sizeof(int));
  out->j = (int *)malloc((nnz + 1) * sizeof(int));
  out->w = (double *)malloc((nnz + 1) * sizeof(double));
  if (perm == NULL || inv == NULL || out->p == NULL || out->j == NULL ||
      out->w == NULL) {
    status = UMAPC_ERR_NOMEM;
    goto fail;
  }
  status = bfs_order(g, perm);
  if (status != UMAPC_OK) goto fail;
  for (i = 0; i < n; i++) inv[perm[i]] = i;
  out->n = n;
  out->p[0] = 0;
  for (i = 0; i < n; i++) {
    const int r = perm[i], t0 = g->p[r], m = g->p[r + 1] - t0;
    const int o = out->p[i];
    int t;
    for (t = 0; t < m; t++) {
      out->j[o + t] = inv[g->j[t0 + t]];
      out->w[o + t] = g->w[t0 + t];
    }
    status = sort_row(out->j + o, out->w + o, m);
    if (status != UMAPC_OK) goto fail;
    out->p[i + 1] = o + m;
  }
  free(inv);
  *perm_out = perm;
  return UMAPC_OK;
fail:
  free(perm);
  free(inv);
  free(out->p);
  free(out->j);
  free(out->w);
  memset(out, 0, sizeof(*out));
  return status;
}
