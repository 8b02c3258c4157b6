/*
 * Principal components of the data before the neighbour search
 * (umap(X, pca = k)): the top k right singular vectors of the centred data
 * Xc = X - 1 mu^T, found by subspace iteration with Rayleigh-Ritz on the
 * d x d operator Xc^T Xc (a random start of k + 10 columns from the seed,
 * see pca.c), which is applied to a block V without forming Xc:
 *   Xc^T Xc V = X^T Y - mu (1^T Y),  Y = X V - 1 (mu^T V),
 * so a sparse X is never densified.
 *
 * Dense and sparse input give bit-identical results: every product visits
 * the entries of a row (or column) in ascending order and the sparse code
 * merely skips the zeros, whose products add exactly nothing. Sums over rows
 * use fixed chunks of UMAPC_SUM_CHUNK rows added in order, and the parallel
 * loops split rows or columns without changing any per-entry order, so the
 * results do not depend on the number of threads either. No BLAS/LAPACK.
 */
#ifndef UMAPC_PCA_H
#define UMAPC_PCA_H

#include "core.h"

/* The data: n x d, dense column-major (dense != NULL) or sparse CSC with
 * 0-based row indices sorted within each column (p[d + 1], i, x). */
typedef struct {
  int n, d;
  const double *dense;
  const int *p, *i;
  const double *x;
} umapc_pca_input;

/*
 * Fit: center[d] (column means), rotation (d x k column-major, unit
 * columns, each with its entry of largest magnitude positive), sdev[k]
 * (standard deviations of the scores, divisor n - 1), and, if scores is not
 * NULL, the scores (n x k column-major, as umapc_pca_project() computes
 * them). The start vector of the solver is drawn from the seed's stream
 * UMAPC_STREAM_PCA. converged (may be NULL) is set to 1 when every
 * component met the solver's tolerance. Requires 1 <= k <= d.
 */
int umapc_pca_fit(const umapc_pca_input *X, int k, uint64_t seed,
                  int n_threads, const umapc_interrupt *intr, double *center,
                  double *rotation, double *sdev, double *scores,
                  int *converged);

/* scores (n x k column-major) = (X - 1 center^T) rotation, computed as
 * X rotation - 1 (center^T rotation). */
int umapc_pca_project(const umapc_pca_input *X, int k, const double *center,
                      const double *rotation, int n_threads, double *scores);

#endif
