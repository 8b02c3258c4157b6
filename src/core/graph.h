/*
 * The fuzzy simplicial set (UMAP's weighted k-NN graph).
 */
#ifndef UMAPC_GRAPH_H
#define UMAPC_GRAPH_H

#include "core.h"

/*
 * A sparse symmetric matrix in compressed form. For a symmetric matrix the
 * compressed-row and compressed-column layouts coincide, so this is also
 * the layout of a Matrix::dgCMatrix (p: n + 1 offsets, j: 0-based column
 * indices ascending within each row, w: weights). Arrays are owned by
 * whoever allocated them.
 */
typedef struct {
  int n;
  int *p;
  int *j;
  double *w;
} umapc_csr;

void umapc_csr_free(umapc_csr *g);

/*
 * smooth_knn_dist: per-row rho and sigma (sigma found by bisection so that
 * a row's memberships sum to log2(k)). dist is n x k row-major with the
 * row itself in column 0 (distance 0). Writes rho[n], sigma[n].
 */
int umapc_smooth_knn(const double *dist, int n, int k, double local_connectivity,
                     int n_threads, double *rho, double *sigma);

/* Membership strengths of the directed k-NN graph, n x k row-major. Self
 * edges get 0 unless `bipartite` (rows and neighbours are different sets,
 * as for new points against training points). */
void umapc_memberships(const int *idx, const double *dist, int n, int k,
                       const double *rho, const double *sigma, int bipartite,
                       int n_threads, double *w);

/*
 * The fuzzy union W = r (P + P^T - P o P^T) + (1 - r) (P o P^T) of the
 * directed membership graph P (idx, w: n x k row-major, 0-based; self and
 * zero-weight entries are ignored). Allocates out's arrays.
 */
int umapc_fuzzy_union(const int *idx, const double *w, int n, int k,
                      double set_op_mix_ratio, int n_threads, umapc_csr *out);

/* What umapc_fuzzy_graph() builds. */
typedef struct {
  double local_connectivity; /* neighbours assumed connected (for rho) */
  double set_op_mix_ratio;   /* symmetric graph: 1 union ... 0 intersection */
  int bipartite;             /* 0: the rows' own graph; 1: new rows (below) */
} umapc_graph_params;

/*
 * The fuzzy simplicial set of a k-NN graph, every stage in order: smooth
 * k-NN distances, membership strengths, then
 *  - bipartite = 0 (fitting): idx indexes the n rows themselves (self in
 *    column 0, n_cols = n); the result is their fuzzy union with
 *    set_op_mix_ratio, the symmetric n x n graph;
 *  - bipartite = 1 (new rows, predict()): idx indexes n_cols other points;
 *    the result is the directed memberships, n rows of columns in idx's
 *    order (not sorted), weights of 0 dropped; set_op_mix_ratio is unused.
 * idx, dist: n x k row-major, 0-based, ascending distance along a row; an
 * index outside [0, n_cols) is UMAPC_ERR_INVALID. rho and sigma (n each)
 * receive the smoothing when not NULL. Allocates out's arrays.
 */
int umapc_fuzzy_graph(const int *idx, const double *dist, int n, int k,
                      int n_cols, const umapc_graph_params *par,
                      int n_threads, double *rho, double *sigma,
                      umapc_csr *out);

/*
 * umapc_fuzzy_graph() that takes idx and dist (both from malloc) and frees
 * them on every path, each as soon as it has been read, so that the copies
 * a caller made for the call are gone before the largest arrays exist.
 */
int umapc_fuzzy_graph_take(int *idx, double *dist, int n, int k, int n_cols,
                           const umapc_graph_params *par, int n_threads,
                           double *rho, double *sigma, umapc_csr *out);

#endif
