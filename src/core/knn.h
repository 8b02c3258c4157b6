/*
 * k-nearest-neighbour searches over a umapc_data copy.
 *
 * Output convention for every search: `idx` and `dist` are n x k, row-major
 * (row i at offset i * k), indices 0-based. Row i starts with i itself at
 * distance 0, then the k - 1 nearest other rows in ascending
 * (distance, index) order; distances are in the user's units. Results never
 * depend on the number of threads.
 */
#ifndef UMAPC_KNN_H
#define UMAPC_KNN_H

#include "core.h"
#include "data.h"

/* Exact search of `query` rows against `ref` rows (blocked brute force).
 * When `query` is NULL the search is over ref itself (self first). When it is
 * not NULL no self is added: row i holds the k nearest rows of ref. */
int umapc_knn_exact(const umapc_data *ref, const umapc_data *query, int k,
                    int n_threads, const umapc_interrupt *intr,
                    const umapc_progress *prog, int *idx, double *dist);

/*
 * Approximate neighbours of `query` rows among `ref` rows by best-first
 * search of ref's k-NN graph `gidx` (n_ref x K, row-major, 0-based; reverse
 * edges are added). Row i starts from rows drawn with key row_keys[i], so
 * its result depends only on its own values. No self is added: row i holds
 * the k nearest rows of ref found.
 */
int umapc_knn_query(const umapc_data *ref, const umapc_data *query,
                    const int *gidx, int K, int k, const uint64_t *row_keys,
                    uint64_t seed, int n_threads, const umapc_interrupt *intr,
                    int *idx, double *dist);

/* Exact neighbours from R's `dist` vector (n * (n - 1) / 2 distances, the
 * lower triangle by columns); self first, ties to the lower index. */
int umapc_knn_dist(const double *dv, int n, int k, int n_threads,
                   const umapc_interrupt *intr, int *idx, double *dist);

/* NN-descent tuning; fields <= 0 take the documented defaults for (n, k). */
typedef struct {
  int n_trees;        /* random-projection trees for the initial graph */
  int leaf_size;      /* largest leaf of an RP tree */
  int n_iters;        /* maximum NN-descent iterations */
  int max_candidates; /* new/old candidates kept per row per iteration */
  double delta;       /* stop when updates < delta * n * k */
} umapc_nnd_params;

/* Fill in the defaults for n rows and k neighbours. */
void umapc_nnd_defaults(int n, int k, umapc_nnd_params *p);

/* Approximate search of ref against itself (self first). The rows of a
 * dense ref are reordered in place during the call (for locality) and put
 * back before it returns, whatever the status. */
int umapc_knn_nndescent(umapc_data *ref, int k,
                        const umapc_nnd_params *params, uint64_t seed,
                        int n_threads, const umapc_interrupt *intr,
                        const umapc_progress *prog, int *idx, double *dist);

#endif
