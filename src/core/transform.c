/* New points into an existing embedding (see transform.h). */
#include "fp.h"

#include <stdlib.h>

#include "graph.h"
#include "transform.h"

int umapc_transform(const int *idx, const double *dist, int n, int k,
                    const double *tail, int n_tail, const uint64_t *row_keys,
                    double local_connectivity, const umapc_layout_params *par,
                    int n_threads, const umapc_interrupt *intr,
                    const umapc_progress *prog, double *out) {
  const int dim = par->dim;
  const double lc = local_connectivity > 1.0 ? local_connectivity - 1.0 : 0.0;
  double *rho = NULL, *sigma = NULL, *w = NULL;
  umapc_csr g = {0, NULL, NULL, NULL};
  int status = UMAPC_ERR_NOMEM, i;

  if (n < 1 || k < 1 || n_tail < 1 || dim < 1) return UMAPC_ERR_INVALID;
  for (i = 0; i < n * k; i++)
    if (idx[i] < 0 || idx[i] >= n_tail) return UMAPC_ERR_INVALID;
  rho = (double *)malloc((size_t)n * sizeof(double));
  sigma = (double *)malloc((size_t)n * sizeof(double));
  w = (double *)malloc((size_t)n * k * sizeof(double));
  g.p = (int *)malloc(((size_t)n + 1) * sizeof(int));
  g.j = (int *)malloc((size_t)n * k * sizeof(int));
  g.w = (double *)malloc((size_t)n * k * sizeof(double));
  if (!rho || !sigma || !w || !g.p || !g.j || !g.w) goto done;
  g.n = n;

  status = umapc_smooth_knn(dist, n, k, lc, 1.0, n_threads, rho, sigma);
  if (status != UMAPC_OK) goto done;
  umapc_memberships(idx, dist, n, k, rho, sigma, 1, n_threads, w);

  /* the bipartite graph, and the weighted-mean starting positions */
  {
    int c = 0;
    for (i = 0; i < n; i++) {
      double total = 0.0;
      int t, d;
      g.p[i] = c;
      for (d = 0; d < dim; d++) out[(size_t)i * dim + d] = 0.0;
      for (t = 0; t < k; t++) {
        const size_t e = (size_t)i * k + t;
        if (!(w[e] > 0.0)) continue;
        g.j[c] = idx[e];
        g.w[c] = w[e];
        c++;
        total += w[e];
        for (d = 0; d < dim; d++)
          out[(size_t)i * dim + d] += w[e] * tail[(size_t)idx[e] * dim + d];
      }
      for (d = 0; d < dim; d++) {
        if (total > 0.0)
          out[(size_t)i * dim + d] /= total;
        else /* cannot happen (the nearest has weight 1), kept for safety */
          out[(size_t)i * dim + d] = tail[(size_t)idx[(size_t)i * k] * dim + d];
      }
    }
    g.p[n] = c;
  }
  status = umapc_layout_transform(&g, tail, n_tail, row_keys, par, n_threads,
                                  intr, prog, out);
done:
  free(rho);
  free(sigma);
  free(w);
  umapc_csr_free(&g);
  return status;
}
