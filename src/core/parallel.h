/*
 * When the core goes parallel, and the threads' scratch memory.
 *
 * Thresholds: a loop runs on the team only from these work sizes on (below
 * them, starting the threads costs more than they save). Results never
 * depend on them: every parallel loop gives the same bits on any number of
 * threads.
 *
 * Scratch: memory a thread needs for itself inside a parallel region is
 * allocated before the region, one block per thread (umapc_scratch_alloc),
 * and each thread takes its own block by its thread number
 * (umapc_scratch_get); nothing is allocated inside a parallel region,
 * with one exception: the spectral initialisation runs whole eigensolver
 * calls side by side (one small component per thread), and each call
 * allocates its own workspace; a failure there is an ordinary
 * UMAPC_ERR_NOMEM for its component.
 */
#ifndef UMAPC_PARALLEL_H
#define UMAPC_PARALLEL_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* Each is compared with the loop's size as the loops have always done
 * (">" or ">=", see the loop). */

/* deterministic sums (core.c): elements */
#define UMAPC_PAR_SUM_MIN 65536
/* row loops with O(d) or O(k) work per row (data copy, fuzzy graph):
 * rows */
#define UMAPC_PAR_ROWS_MIN 2048
/* the data copy's per-row preprocessing of a scratch block: rows */
#define UMAPC_PAR_BLOCK_ROWS_MIN 256
/* vector operations of the eigensolver and the initial layouts: rows */
#define UMAPC_PAR_VEC_MIN 4096
/* the spectral initialisation: connected components of at least this many
 * rows are embedded one at a time on the team, smaller ones side by side,
 * one per thread: rows */
#define UMAPC_PAR_COMPONENT_ROWS 65536
/* searches with O(n) or more work per query row (k-NN from distances,
 * queries of new rows): rows */
#define UMAPC_PAR_SEARCH_MIN 64
/* exact k-NN: blocks of query rows (each a full pass over the data) */
#define UMAPC_PAR_BLOCKS_MIN 2
/* the layout: vertex chunks per thread in each phase, at least (fewer
 * threads for smaller graphs) */
#define UMAPC_PAR_LAYOUT_CHUNKS 4
/* NN-descent and its random-projection forest have no threshold: their
 * loops run on the whole team (the blocks of joins: on the size umapc_pace
 * of team.h chose). Their block and chunk sizes are not
 * thresholds (the blocks decide which updates a join sees, so they are part
 * of the algorithm): NND_CHUNK and NND_BLOCK_* in nnd_int.h. */

/* The calling thread's number in the current team (0 outside a parallel
 * region or without OpenMP). */
static inline int umapc_thread_num(void) {
#ifdef _OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}

/* The number of threads in the current team (1 outside a parallel region
 * or without OpenMP). */
static inline int umapc_num_threads(void) {
#ifdef _OPENMP
  return omp_get_num_threads();
#else
  return 1;
#endif
}

/* One block of `bytes` per thread, each on its own cache lines. */
typedef struct {
  unsigned char *base;
  size_t stride;
  int n_threads;
} umapc_scratch;

/* Allocate the blocks for n_threads threads (zeroed when zero != 0);
 * returns 0 when memory is short. */
static inline int umapc_scratch_alloc(umapc_scratch *s, int n_threads,
                                      size_t bytes, int zero) {
  const size_t stride = (bytes + 63) / 64 * 64 + 64;
  s->n_threads = n_threads < 1 ? 1 : n_threads;
  s->stride = stride;
  s->base = (unsigned char *)(zero ? calloc((size_t)s->n_threads, stride)
                                   : malloc((size_t)s->n_threads * stride));
  return s->base != NULL;
}

/* The calling thread's block. */
static inline void *umapc_scratch_get(const umapc_scratch *s) {
  return s->base + (size_t)umapc_thread_num() * s->stride;
}

static inline void umapc_scratch_free(umapc_scratch *s) {
  free(s->base);
  s->base = NULL;
}

#endif
