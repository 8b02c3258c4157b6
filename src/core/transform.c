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
  umapc_graph_params gp;
  umapc_csr g;
  int status, i;

  if (n < 1 || k < 1 || n_tail < 1 || dim < 1) return UMAPC_INVALID();
  /* the bipartite graph: memberships with local_connectivity - 1 */
  gp.local_connectivity = local_connectivity > 1.0 ? local_connectivity - 1.0
                                                   : 0.0;
  gp.set_op_mix_ratio = 1.0;
  gp.bipartite = 1;
  status = umapc_fuzzy_graph(idx, dist, n, k, n_tail, &gp, n_threads, NULL,
                             NULL, &g);
  if (status != UMAPC_OK) return status;

  /* the membership-weighted mean starting positions */
  for (i = 0; i < n; i++) {
    double total = 0.0;
    int c, d;
    for (d = 0; d < dim; d++) out[(size_t)i * dim + d] = 0.0;
    for (c = g.p[i]; c < g.p[i + 1]; c++) {
      total += g.w[c];
      for (d = 0; d < dim; d++)
        out[(size_t)i * dim + d] += g.w[c] * tail[(size_t)g.j[c] * dim + d];
    }
    for (d = 0; d < dim; d++) {
      if (total > 0.0)
        out[(size_t)i * dim + d] /= total;
      else /* cannot happen (the nearest has weight 1), kept for safety */
        out[(size_t)i * dim + d] = tail[(size_t)idx[(size_t)i * k] * dim + d];
    }
  }
  status = umapc_layout_transform(&g, tail, n_tail, row_keys, par, n_threads,
                                  intr, prog, out);
  umapc_csr_free(&g);
  return status;
}
