/*
 * densMAP (Narayan, Berger and Cho, 2021): local radii.
 *
 * The local radius of vertex i in a weighted graph is the membership-
 * weighted mean of its squared edge lengths (umap-learn's "rad_orig"); its
 * log is what the densMAP term correlates between the data and the layout
 * (the layout's side is umapc_layout_densmap(), with its state in
 * layout_densmap.c).
 */
#ifndef UMAPC_DENSMAP_H
#define UMAPC_DENSMAP_H

#include "core.h"
#include "graph.h"

/*
 * Log local radii, umap-learn's way:
 *   rad[i] = log(1e-8 + sum_j w_ij D_ij / sum_j w_ij)
 * over the edges of row i of the symmetric graph g with weight >= min_weight
 * (and > 0), where D_ij is the k-NN distance between i and j (the larger of
 * d(i, j) and d(j, i) when both are in the k-NN lists), squared if `squared`
 * (umap-learn squares it for the data, not for its radii of the layout).
 * idx, dist: the k-NN lists the graph was built from (n x k row-major,
 * 0-based). rows without such an edge get NaN.
 */
int umapc_local_radii(const umapc_csr *g, double min_weight, const int *idx,
                      const double *dist, int k, int squared, double *rad);

#endif
