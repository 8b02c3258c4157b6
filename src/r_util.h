/* Helpers shared by the .Call glue files. */
#ifndef UMAPC_R_UTIL_H
#define UMAPC_R_UTIL_H

#define R_NO_REMAP
#include <R.h>
#include <Rinternals.h>
#include <stdint.h>

#include "core/core.h"

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

/* Turn a core status into an R error (after the caller freed its memory).
 * An interrupt is re-raised as an R interrupt. `what` names the stage. A
 * jump started by a progress message handler is resumed first, whatever
 * the status. */
void umapc_r_stop(int status, const char *what);

/* Run fn(data); if it raises an R error (e.g. allocation failure),
 * cleanup(cdata) runs before the error continues. */
SEXP umapc_r_unwind_protect(SEXP (*fn)(void *), void *data,
                            void (*cleanup)(void *), void *cdata);

/* A key per row of a column-major double matrix, from the row's values
 * alone (R_alloc'd): the same row gets the same random numbers wherever it
 * stands in a batch. */
uint64_t *umapc_r_row_keys(SEXP X);

/* R's n x k neighbour matrices (column-major, 1-based indices; dist may be
 * R_NilValue) as row-major 0-based R_alloc'd arrays for the core. */
void umapc_r_knn_rows(SEXP s_idx, SEXP s_dist, int **idx, double **dist);

/* Scalar accessors that check type and length (internal errors only: the
 * R layer validates user input before calling). */
int umapc_r_int(SEXP x, const char *name);
double umapc_r_double(SEXP x, const char *name);
uint64_t umapc_r_seed(SEXP x);

#endif
