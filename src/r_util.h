/* Helpers shared by the .Call glue files. */
#ifndef UMAPC_R_UTIL_H
#define UMAPC_R_UTIL_H

#define R_NO_REMAP
#include <R.h>
#include <Rinternals.h>
#include <stdint.h>

#include "core/core.h"
#include "core/graph.h"

/* Interrupt callback for the core: R_CheckUserInterrupt run under
 * R_ToplevelExec, so a pending interrupt is detected without a longjmp
 * through C frames; the core then frees its memory and returns
 * UMAPC_ERR_INTERRUPTED, which the glue turns into an R condition. */
extern umapc_interrupt umapc_r_interrupt;

/* Progress reporter (R messages of class "umapc_progress", signalled by
 * umapc:::progress_message()) or NULL when not verbose. Call it right
 * before the core routine; follow the routine by umapc_r_stop(), which
 * resumes a jump a message handler started. */
const umapc_progress *umapc_r_progress(int verbose);

/* Whether a progress handler started a jump that umapc_r_stop() will
 * resume (even after a core routine that returned UMAPC_OK): memory the
 * glue malloc'd must be freed before umapc_r_stop() then. */
int umapc_r_jump_pending(void);

#if defined(__GNUC__) || defined(__clang__)
#define UMAPC_R_NORETURN __attribute__((noreturn))
#else
#define UMAPC_R_NORETURN
#endif

/*
 * Errors reach R as classed conditions (R/conditions.R builds and signals
 * them), so callers can catch them by class:
 *   umapc_error_nomem     a core allocation failed;
 *   umapc_error_numeric   a non-finite intermediate result;
 *   umapc_error_internal  a broken contract between R and C (a bug): it
 *                         carries the C file and line and asks to report it;
 *   umapc_error_interrupt an interrupt that could not be re-raised as R's
 *                         own (see umapc_r_stop() in r_util.c);
 * each also of class "umapc_error", "error", "condition".
 *
 * umapc_r_stop(status, what): turn a core status into one of them (after
 * the caller freed its memory; nothing happens for UMAPC_OK). An interrupt
 * is re-raised as an R interrupt. `what` names the stage. A jump started by
 * a progress message handler is resumed first, whatever the status.
 */
#define umapc_r_stop(status, what) \
  umapc_r_stop_at((status), (what), __FILE__, __LINE__)
void umapc_r_stop_at(int status, const char *what, const char *file,
                     int line);

/* umapc_r_internal(routine, fmt, ...): an umapc_error_internal naming the
 * routine (the .Call entry point) and this file and line. */
#define umapc_r_internal(...) umapc_r_internal_at(__FILE__, __LINE__, __VA_ARGS__)
void umapc_r_internal_at(const char *file, int line, const char *routine,
                         const char *fmt, ...) UMAPC_R_NORETURN;

/* The R value to_r(data) makes of C data the glue malloc'd, the data
 * released by release(data) whatever happens: after to_r() returns, and
 * before an R error raised in it (an allocation failure) continues.
 * release() must leave the data releasable again (freed pointers NULL). */
SEXP umapc_r_take(SEXP (*to_r)(void *), void (*release)(void *), void *data);

/* umapc_r_stop(), releasing the glue's malloc'd data first when the core
 * failed or a progress handler's jump is pending (both leave the .Call) */
#define umapc_r_stop_releasing(status, what, release, data)              \
  do {                                                                    \
    const int umapc_st_ = (status);                                       \
    if (umapc_st_ != UMAPC_OK || umapc_r_jump_pending()) (release)(data); \
    umapc_r_stop(umapc_st_, what);                                        \
  } while (0)

/* A key per row of a column-major double matrix, from the row's values
 * alone (R_alloc'd): the same row gets the same random numbers wherever it
 * stands in a batch. */
uint64_t *umapc_r_row_keys(SEXP X);

/* R's n x k neighbour matrices (column-major, 1-based indices; dist may be
 * R_NilValue) as row-major 0-based R_alloc'd arrays for the core. */
void umapc_r_knn_rows(SEXP s_idx, SEXP s_dist, int **idx, double **dist);

/* The same with both matrices (dist not R_NilValue), into malloc'd arrays
 * for a core call that takes them and frees them as soon as it has read
 * them (umapc_fuzzy_graph_take()): they are not left to R's garbage
 * collector (180 MB at a million rows and k = 15). UMAPC_ERR_NOMEM, with
 * nothing allocated, if they do not fit. */
int umapc_r_knn_rows_take(SEXP s_idx, SEXP s_dist, int **idx, double **dist);

/* A core graph as the list(p, i, x) of a dgCMatrix's slots (CSR of a
 * symmetric graph == CSC), moved: each C array is freed as soon as it is
 * copied, so the graph is never held twice. umapc_r_csr_move() must run
 * under umapc_r_take() with a release that frees g (it leaves
 * freed arrays NULL); umapc_r_csr_take() does that. */
SEXP umapc_r_csr_move(umapc_csr *g);
SEXP umapc_r_csr_take(umapc_csr *g);

/*
 * Parameters cross from R as one named list of scalars per call (see
 * DESIGN.md, "The R-to-C contract"). The glue reads each by name, before it
 * allocates anything, then closes the list: a missing name, a value of the
 * wrong kind, or a name the glue did not read is an internal error naming
 * the routine and the parameter.
 *
 *   umapc_r_params par = umapc_r_params_open(s_params, "optimize");
 *   double a = umapc_r_param_double(&par, "a");
 *   ...
 *   umapc_r_params_close(&par);
 */
typedef struct {
  SEXP list;
  const char *routine; /* for messages */
  uint64_t read;       /* bit i: element i was read (lists of <= 64) */
} umapc_r_params;

umapc_r_params umapc_r_params_open(SEXP list, const char *routine);
void umapc_r_params_close(const umapc_r_params *par);
double umapc_r_param_double(umapc_r_params *par, const char *name);
/* a whole number (integer, logical or double) in int's range */
int umapc_r_param_int(umapc_r_params *par, const char *name);
/* a seed: a whole double (|seed| < 2^53) or integer */
uint64_t umapc_r_param_seed(umapc_r_params *par, const char *name);
/* a string, one of the NULL-terminated `choices`: returns its position */
int umapc_r_param_choice(umapc_r_params *par, const char *name,
                         const char *const *choices);
/* a metric name, as umapc_metric_name() spells it: returns its code */
int umapc_r_param_metric(umapc_r_params *par, const char *name);

#endif
