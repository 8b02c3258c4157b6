/*
 * Embedding new points into an existing layout (predict()).
 */
#ifndef UMAPC_TRANSFORM_H
#define UMAPC_TRANSFORM_H

#include "core.h"
#include "layout.h"

/*
 * idx, dist: n x k row-major, the k nearest training points of each new
 * point (0-based, ascending distance; no self). tail: the training embedding
 * (n_tail x par->dim, row-major). Memberships use local_connectivity - 1
 * (at least 0); each new point starts at the membership-weighted mean of its
 * neighbours' coordinates, then only the new points move (par->n_epochs
 * epochs). Row i's random numbers come from row_keys[i]. out: n x dim,
 * row-major. Every row's result depends only on its own inputs.
 */
int umapc_transform(const int *idx, const double *dist, int n, int k,
                    const double *tail, int n_tail, const uint64_t *row_keys,
                    double local_connectivity, const umapc_layout_params *par,
                    int n_threads, const umapc_interrupt *intr,
                    const umapc_progress *prog, double *out);

#endif
