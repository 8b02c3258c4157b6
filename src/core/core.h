/*
 * umapc core: shared types, status codes, interrupt and thread helpers.
 *
 * Everything under src/core/ is plain C99 (plus optional OpenMP). It includes
 * no R header, never prints, never exits: functions return a umapc_status
 * that the glue layer (src/r_*.c) turns into an R error after cleaning up.
 */
#ifndef UMAPC_CORE_H
#define UMAPC_CORE_H

#include "fp.h" /* first in every core file too (see fp.h) */

#include <stddef.h>
#include <stdint.h>

#ifdef _OPENMP
#include <omp.h>
#endif

typedef enum {
  UMAPC_OK = 0,
  UMAPC_ERR_NOMEM = 1,        /* an allocation failed */
  UMAPC_ERR_INTERRUPTED = 2,  /* the interrupt callback asked us to stop */
  UMAPC_ERR_INVALID = 3,      /* invalid input reached the core */
  UMAPC_ERR_NUMERIC = 4       /* non-finite intermediate result */
} umapc_status;

/* Human-readable text for a status code (static storage). */
const char *umapc_status_string(int status);

/*
 * Invalid input that reached the core means a caller broke its contract (R
 * validates every user value first): return UMAPC_INVALID() rather than
 * UMAPC_ERR_INVALID, so that the file and line are kept for the error
 * report (the glue's "internal error", which asks users to report it).
 * umapc_invalid_site() gives the last recorded site (file NULL if none since
 * umapc_invalid_clear()). Safe to call inside parallel regions.
 */
int umapc_invalid_at(const char *file, int line);
#define UMAPC_INVALID() umapc_invalid_at(__FILE__, __LINE__)
void umapc_invalid_site(const char **file, int *line);
void umapc_invalid_clear(void);

/*
 * Interrupt polling. `check` is called only from the thread that entered the
 * core (never inside an OpenMP parallel region) and returns non-zero when the
 * computation should stop. A NULL callback never interrupts.
 */
typedef struct {
  int (*check)(void *ctx);
  void *ctx;
} umapc_interrupt;

static inline int umapc_interrupted(const umapc_interrupt *intr) {
  return intr != NULL && intr->check != NULL && intr->check(intr->ctx);
}

/*
 * Progress reporting (verbose = TRUE). Called from the entering thread only.
 * `stage` is a short static string, `done`/`total` count units of work.
 */
typedef struct {
  void (*report)(void *ctx, const char *stage, long done, long total);
  void *ctx;
} umapc_progress;

static inline void umapc_report(const umapc_progress *p, const char *stage,
                                long done, long total) {
  if (p != NULL && p->report != NULL) p->report(p->ctx, stage, done, total);
}

/* Number of threads to use inside a parallel region (1 without OpenMP). */
static inline int umapc_clamp_threads(int n_threads) {
  if (n_threads < 1) n_threads = 1;
#ifndef _OPENMP
  n_threads = 1;
#endif
  return n_threads;
}

/*
 * Deterministic parallel sum: x is split into fixed chunks of
 * UMAPC_SUM_CHUNK elements (independent of the thread count), each chunk is
 * summed sequentially, then the chunk sums are added in order. The result is
 * therefore bit-identical for any number of threads.
 */
#define UMAPC_SUM_CHUNK 4096
double umapc_det_dot(const double *x, const double *y, size_t n, int n_threads);

#endif
