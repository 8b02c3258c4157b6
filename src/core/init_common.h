/*
 * What the initial layouts (spectral.c, pca_init.c) share: the counter
 * domains of their random numbers and the final scaling with jitter.
 */
#ifndef UMAPC_INIT_COMMON_H
#define UMAPC_INIT_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* counter domains (second counter) of stream UMAPC_STREAM_INIT; the jitter
 * uses (i, d) with d < dim */
#define UMAPC_INIT_CTR_SMALL ((uint64_t)1 << 48)    /* tiny components, PCA padding */
#define UMAPC_INIT_CTR_FALLBACK ((uint64_t)1 << 52) /* uniform fallback layout */
#define UMAPC_INIT_CTR_EIGEN ((uint64_t)1 << 56)    /* eigensolver start vectors */

/* largest |x| over len values, or -1 when one is not finite */
double umapc_init_max_abs(const double *x, size_t len);

/* out (n x dim) *= 10 / max|out|, then + N(0, 1e-4) jitter drawn with key;
 * returns 0 if a value is not finite */
int umapc_init_scale_and_jitter(double *out, int n, int dim, uint64_t key,
                                int n_threads);

#endif
