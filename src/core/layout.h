/*
 * Layout optimisation by stochastic gradient descent on the fuzzy graph.
 *
 * Deterministic scheme (no racing updates). The vertices are split into
 * chunks (16 to 256 vertices, by graph size), and the chunks into up to 64
 * phases per epoch below 16,384 vertices, up to 16 from there (chunk c in
 * phase c mod the number of phases, a power of two that depends on the
 * number of vertices only); a vertex reads the others' positions as they
 * were at the start of its phase, so later phases see the moves of earlier
 * ones, as in umap-learn's sequential epoch, while the vertices of one phase
 * run in parallel.
 *
 * As in umap-learn, a sampled edge's attraction moves both of its ends:
 * vertex i moves itself by the step and leaves the opposite step for j in a
 * slot of edge (i, j). When i's phase ends, every vertex adds the slots
 * written for it during that phase (in its edge order, grouped by the
 * sender's phase), so the next phases read positions with those moves in
 * them, as in umap-learn's sequential loop. Every slot has one writer and
 * one reader, so nothing races. Threads never change which slot a move
 * goes to, nor the order in which they are added.
 * Negative samples move only the vertex that draws them.
 *
 * The sampling schedule is a pure function of the edge's weight and the
 * epoch, and negative samples come from the counter RNG keyed by (vertex,
 * epoch, edge, sample), so no result depends on the number of threads.
 * Threads claim chunks as they come free and wait for each other between
 * phases on a barrier that sleeps after a short spin (team.h); the team's
 * size is chosen block by block by measurement (one thread when that is
 * faster, as on a loaded machine). Two-dimensional
 * layouts run eight vertices at a time in vector registers (sixteen with
 * AVX-512; layout_vec.h).
 * Fits of many vertices run on them in breadth-first order of the graph,
 * for memory locality, and map back (layout_order.c).
 */
#ifndef UMAPC_LAYOUT_H
#define UMAPC_LAYOUT_H

#include "core.h"
#include "graph.h"

typedef struct {
  int dim;                  /* output dimensions */
  int n_epochs;             /* epochs to run (0: return the input) */
  double a, b;              /* output kernel parameters */
  double gamma;             /* repulsion strength */
  double alpha;             /* initial learning rate */
  double negative_sample_rate;
  uint64_t seed;            /* the run's seed (stream chosen by the caller) */
  int stream;               /* UMAPC_STREAM_LAYOUT or _TRANSFORM */
} umapc_layout_params;

/*
 * Optimise `emb` (n x dim, row-major, in/out) on the symmetric graph g,
 * ignoring edges with weight < min_weight.
 */
int umapc_layout(const umapc_csr *g, double min_weight,
                 const umapc_layout_params *par, int n_threads,
                 const umapc_interrupt *intr, const umapc_progress *prog,
                 double *emb);

/*
 * densMAP (Narayan, Berger and Cho, 2021, as umap-learn 0.5.7 implements
 * it): in the epochs e with (e + 1) / n_epochs > 1 - frac, the gradient of
 * lambda times the correlation between the original log radii and the
 * layout's is added to every sampled edge's attraction (and so to the move
 * handed to its other end). At the start of each such epoch the layout's
 * log radii are computed from the positions at the epoch's start, vertex by
 * vertex over its kept edges in row order, and their mean, variance and
 * covariance with the original radii are summed chunk by chunk in chunk
 * order: the same bits for any number of threads.
 */
typedef struct {
  double lambda;        /* weight of the correlation term (>= 0) */
  double frac;          /* fraction of the epochs, at the end, that use it */
  double var_shift;     /* added to the layout radii's variance */
  const double *rad_orig; /* n log radii of the data (umapc_local_radii(),
                             squared); NaN: the vertex takes no part */
} umapc_densmap_params;

/* umapc_layout() with the densMAP term (dens NULL: umapc_layout()). */
int umapc_layout_densmap(const umapc_csr *g, double min_weight,
                         const umapc_layout_params *par,
                         const umapc_densmap_params *dens, int n_threads,
                         const umapc_interrupt *intr,
                         const umapc_progress *prog, double *emb);

/*
 * Move only new points: `head` (n_new x dim, row-major, in/out) against the
 * fixed `tail` embedding (n_tail x dim). Row i of the graph (CSR over n_new
 * rows, columns index tail points) holds i's edges. Epochs-per-sample and
 * the pruning of weak edges are per row, and row i draws its random numbers
 * from row_keys[i], so each row's result is independent of the others and of
 * its position in the batch.
 */
int umapc_layout_transform(const umapc_csr *g, const double *tail, int n_tail,
                           const uint64_t *row_keys,
                           const umapc_layout_params *par, int n_threads,
                           const umapc_interrupt *intr,
                           const umapc_progress *prog, double *head);

/*
 * For the core's own tests: the kernels the layout uses. 0 (the default):
 * those of umapc_kernels_select() (kernels.h); 1: the portable eight-lane
 * code; 2: plain scalar code. All give the same bits. Returns the previous
 * setting. Not thread-safe; the package never calls it.
 */
int umapc_layout_set_kernels(int which);

/*
 * For the core's own tests: the number of vertices from which fits run on
 * the vertices in breadth-first order of the graph (layout_order.c;
 * default 131,072). Returns the previous setting. Not thread-safe; the
 * package never calls it.
 */
int umapc_layout_set_reorder_min(int n);

/* Rescale each column of emb (n x dim, row-major) to [0, 10]. */
void umapc_rescale_init(double *emb, int n, int dim);

#endif
