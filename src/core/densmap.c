/* densMAP's local radii (see densmap.h). */
#include "fp.h"

#include <math.h>
#include <stdlib.h>

#include "densmap.h"
#include "fmath.h"

/* The position of column j in row i of g (columns ascend), or -1. */
static int find_edge(const umapc_csr *g, int i, int j) {
  int lo = g->p[i], hi = g->p[i + 1] - 1;
  while (lo <= hi) {
    const int mid = lo + (hi - lo) / 2;
    if (g->j[mid] < j)
      lo = mid + 1;
    else if (g->j[mid] > j)
      hi = mid - 1;
    else
      return mid;
  }
  return -1;
}

int umapc_local_radii(const umapc_csr *g, double min_weight, const int *idx,
                      const double *dist, int k, int squared, double *rad) {
  const int n = g->n;
  double *len;
  int i, t;
  if (n < 0 || k < 1) return UMAPC_INVALID();
  len = (double *)malloc((size_t)g->p[n] * sizeof(double) + 1);
  if (len == NULL) return UMAPC_ERR_NOMEM;
  /* each edge's length: the larger k-NN distance of its two directions
   * (-1: in neither list, as for a graph that does not come from them) */
  for (t = 0; t < g->p[n]; t++) len[t] = -1.0;
  for (i = 0; i < n; i++) {
    for (t = 0; t < k; t++) {
      const int j = idx[(size_t)i * k + t];
      const double d = dist[(size_t)i * k + t];
      int u;
      if (j < 0 || j >= n || j == i || !(d >= 0.0)) continue;
      u = find_edge(g, i, j);
      if (u >= 0 && d > len[u]) len[u] = d;
      u = find_edge(g, j, i);
      if (u >= 0 && d > len[u]) len[u] = d;
    }
  }
  for (i = 0; i < n; i++) {
    double sw = 0.0, sd = 0.0;
    for (t = g->p[i]; t < g->p[i + 1]; t++) {
      const double w = g->w[t];
      if (!(w > 0.0) || w < min_weight || len[t] < 0.0) continue;
      sw += w;
      sd += w * (squared ? len[t] * len[t] : len[t]);
    }
    rad[i] = sw > 0.0 ? umapc_log(1e-8 + sd / sw) : NAN;
  }
  free(len);
  return UMAPC_OK;
}
