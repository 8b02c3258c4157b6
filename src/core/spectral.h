/*
 * Initial layouts: spectral (normalised Laplacian of the fuzzy graph) and
 * PCA, both from an iterative symmetric eigensolver that never forms a dense
 * n x n matrix: spectral in spectral.c, PCA in pca_init.c, their shared
 * final scaling in init_common.c.
 */
#ifndef UMAPC_SPECTRAL_H
#define UMAPC_SPECTRAL_H

#include "core.h"
#include "graph.h"

/*
 * Spectral initialisation of the layout.
 *  g          symmetric fuzzy graph; entries with weight < min_weight are
 *             ignored (the layout's pruning threshold)
 *  dim        number of output dimensions
 *  seed       the run's seed (stream UMAPC_STREAM_INIT is used for the
 *             start vector, if random, and for the final jitter)
 *  out        n x dim, row-major: the largest |coordinate| scaled to 10,
 *             then N(0, 1e-4) noise added
 *  fallback   set to 1 when the eigensolver failed and a random layout in
 *             [-10, 10] was returned instead (the caller warns), else 0
 * Graphs with several connected components have each component embedded
 * separately and the components placed apart. Never returns NaN.
 */
int umapc_spectral_init(const umapc_csr *g, double min_weight, int dim,
                        uint64_t seed, int n_threads,
                        const umapc_interrupt *intr, double *out,
                        int *fallback);

/*
 * PCA initialisation: scores of the first dim principal components of the
 * column-major n x d matrix X (columns centred, not scaled), then scaled so
 * the largest |coordinate| is 10 and N(0, 1e-4) noise added. out is n x dim
 * row-major.
 */
int umapc_pca_init(const double *X, int n, int d, int dim, uint64_t seed,
                   int n_threads, const umapc_interrupt *intr, double *out);

#endif
