/*
 * Supervised UMAP: combining the data's fuzzy graph with the labels' (or a
 * target's) fuzzy graph, as umap-learn does
 * (discrete_metric_simplicial_set_intersection,
 * general_simplicial_set_intersection, reset_local_connectivity).
 *
 * Every graph here is a umapc_csr whose rows hold ascending, distinct column
 * indices; the outputs are symmetric with no zero entries and their arrays
 * are allocated here (free them with umapc_csr_free()). Nothing is parallel:
 * each function is one pass over the stored entries, so the results do not
 * depend on any thread count.
 */
#ifndef UMAPC_SUPERVISE_H
#define UMAPC_SUPERVISE_H

#include "graph.h"

/*
 * Categorical intersection: each stored weight w_ij of the symmetric graph g
 * is multiplied by exp(-unknown_dist) when label i or label j is unknown
 * (negative), by exp(-far_dist) when both are known and differ, and kept
 * otherwise; zeros are dropped and the local connectivity is reset
 * (umapc_reset_local_connectivity). labels has g->n entries.
 */
int umapc_categorical_intersection(const umapc_csr *g, const int *labels,
                                   double unknown_dist, double far_dist,
                                   umapc_csr *out);

/*
 * General intersection of two fuzzy graphs on the same vertices, weighted by
 * weight in [0, 1] (0: g1 only, 1: g2 only). The result has the union of
 * both patterns; a weight missing from g1 is taken as
 * left_min = max(min(g1) / 2, 1e-8), one missing from g2 as
 * right_min = min(max(min(g2) / 2, 1e-8), 1e-4), and the entry becomes
 *   l * r^(weight / (1 - weight))       when weight < 0.5,
 *   l^((1 - weight) / weight) * r       otherwise,
 * unless neither l nor r exceeds its minimum (then it is the sum of the
 * stored values). The local connectivity is then reset.
 */
int umapc_general_intersection(const umapc_csr *g1, const umapc_csr *g2,
                               double weight, umapc_csr *out);

/*
 * Reset the local connectivity: every row is divided by its largest weight
 * (so each vertex has one edge of weight 1), then the result P is
 * symmetrised by the fuzzy union P + P^T - P o P^T. Zeros are dropped.
 */
int umapc_reset_local_connectivity(const umapc_csr *g, umapc_csr *out);

/* 1 when every row of g has ascending, distinct, in-range column indices
 * and p is non-decreasing; 0 otherwise. */
int umapc_csr_valid(const umapc_csr *g);

#endif
