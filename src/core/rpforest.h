/*
 * Random-projection trees: the initial graph of NN-descent (nndescent.c)
 * joins the rows of each leaf. Internal to the k-NN search.
 *
 * A tree is a pure function of (seed key, tree number, the rows it splits):
 * every random number is drawn from counters (tree, node) or
 * (tree, node, row), so trees can be built in any order or in parallel.
 */
#ifndef UMAPC_RPFOREST_H
#define UMAPC_RPFOREST_H

#include <stdint.h>

#include "data.h"

/* Counter tags of the k-NN stream: the high byte of the first counter says
 * what a draw is for (shared by rpforest.c and NN-descent's nndescent.c and
 * nnd_*.c, never reused). */
#define UMAPC_KNN_TAG_PIVOT 1ULL
#define UMAPC_KNN_TAG_SIDE 2ULL
#define UMAPC_KNN_TAG_FILL 3ULL
#define UMAPC_KNN_TAG_CAND 4ULL
#define UMAPC_KNN_TAG_PROJ 5ULL
#define UMAPC_KNN_CTR(tag, x) (((tag) << 56) ^ (uint64_t)(x))

/* A built tree: perm holds the n row numbers with each leaf contiguous,
 * leaves[2 l], leaves[2 l + 1] the [lo, hi) range of leaf l. */
typedef struct {
  int *perm;   /* n */
  int *leaves; /* 2 * n */
  int n_leaves;
} umapc_rp_tree;

/*
 * The rows the trees split, as dense float rows: X's own rows (dense, at
 * most UMAPC_RP_PROJ_MIN features), a dense copy of a sparse X, or a sparse
 * random projection of wider rows. *rows and *ld describe them; *owned is
 * the allocation to free (NULL when the rows are X's). Returns UMAPC_OK or
 * UMAPC_ERR_NOMEM.
 */
#define UMAPC_RP_PROJ_DIM 64
#define UMAPC_RP_PROJ_MIN 128
int umapc_rp_rows(const umapc_data *X, uint64_t key, int n_threads,
                  const float **rows, int *ld, float **owned);

/*
 * Build tree `tree` over the n rows (`rows`, ld floats each) with leaves of
 * at most leaf_size rows. t->perm and t->leaves must hold n and 2 n ints;
 * side (n bytes) and h (ld floats) are scratch.
 */
void umapc_rp_build_tree(const float *rows, int n, int ld, uint64_t key,
                         int tree, int leaf_size, umapc_rp_tree *t,
                         unsigned char *side, float *h);

#endif
