/* Interrupts, progress, errors and argument unpacking for the glue. */
#include <setjmp.h>
#include <signal.h>

#include "core/rng.h"
#include "r_util.h"

static void check_interrupt_fn(void *dummy) {
  (void)dummy;
  R_CheckUserInterrupt();
}

/*
 * Progress goes through R's condition system: each report calls the R
 * function umapc:::progress_message(), which signals a classed message, so
 * suppressMessages(), knitr and calling handlers see it like any message.
 * A handler may leave by a jump (tryCatch(message = ...), an error raised
 * in a handler, an interrupt while printing): the jump is caught under
 * R_UnwindProtect, held as a continuation token, and the core is asked to
 * stop through the interrupt callback; once the core has freed its memory,
 * umapc_r_stop() resumes the jump. Reports come from the thread that
 * entered the core, outside parallel regions (core.h).
 */
static SEXP pending_jump = NULL; /* preserved continuation token, or NULL */

static void forget_pending(void) {
  if (pending_jump != NULL) {
    R_ReleaseObject(pending_jump);
    pending_jump = NULL;
  }
}

static int r_interrupt_pending(void *ctx) {
  (void)ctx;
  if (pending_jump != NULL) return 1; /* a progress handler jumped */
  /* FALSE when R_CheckUserInterrupt jumped, i.e. an interrupt is pending */
  return R_ToplevelExec(check_interrupt_fn, NULL) == FALSE;
}

umapc_interrupt umapc_r_interrupt = {r_interrupt_pending, NULL};

static SEXP eval_report(void *call) {
  SEXP ns = PROTECT(R_FindNamespace(PROTECT(Rf_mkString("umapc"))));
  SEXP res = Rf_eval((SEXP)call, ns);
  UNPROTECT(2);
  return res;
}

static void jump_back(void *buf, Rboolean jump) {
  if (jump) longjmp(*(jmp_buf *)buf, 1);
}

/* the token of the report being made (static, so no local variable is
 * read after the longjmp) */
static SEXP report_cont = NULL;

static void r_report(void *ctx, const char *stage, long done, long total) {
  jmp_buf buf;
  SEXP a_stage, a_done, a_total, call;
  (void)ctx;
  if (pending_jump != NULL) return;
  report_cont = PROTECT(R_MakeUnwindCont());
  a_stage = PROTECT(Rf_mkString(stage));
  a_done = PROTECT(Rf_ScalarReal((double)done));
  a_total = PROTECT(Rf_ScalarReal((double)total));
  call = PROTECT(Rf_lang4(Rf_install("progress_message"), a_stage, a_done,
                          a_total));
  if (setjmp(buf)) {
    /* a handler jumped: keep the token until the core has cleaned up */
    R_PreserveObject(report_cont);
    pending_jump = report_cont;
    report_cont = NULL;
    UNPROTECT(5);
    return;
  }
  R_UnwindProtect(eval_report, call, jump_back, &buf, report_cont);
  report_cont = NULL;
  UNPROTECT(5);
}

static const umapc_progress r_progress = {r_report, NULL};

const umapc_progress *umapc_r_progress(int verbose) {
  forget_pending();
  return verbose ? &r_progress : NULL;
}

void umapc_r_stop(int status, const char *what) {
  if (pending_jump != NULL) {
    /* resume the jump a progress handler started (the core has stopped
     * and freed its memory; so has the caller) */
    SEXP cont = PROTECT(pending_jump);
    forget_pending();
    R_ContinueUnwind(cont);
  }
  if (status == UMAPC_OK) return;
  if (status == UMAPC_ERR_INTERRUPTED) {
    /* the interrupt was consumed by the check under R_ToplevelExec: post it
     * again so R raises a genuine interrupt condition, now that the core
     * has freed everything */
    raise(SIGINT);
    R_CheckUserInterrupt();
    Rf_error("%s: interrupted", what);
  }
  Rf_error("%s failed: %s", what, umapc_status_string(status));
}

int umapc_r_int(SEXP x, const char *name) {
  if (Rf_length(x) != 1) Rf_error("internal: '%s' must have length 1", name);
  if (TYPEOF(x) == INTSXP || TYPEOF(x) == LGLSXP) return INTEGER(x)[0];
  if (TYPEOF(x) == REALSXP) return (int)REAL(x)[0];
  Rf_error("internal: '%s' must be numeric", name);
  return 0;
}

double umapc_r_double(SEXP x, const char *name) {
  if (Rf_length(x) != 1) Rf_error("internal: '%s' must have length 1", name);
  if (TYPEOF(x) == REALSXP) return REAL(x)[0];
  if (TYPEOF(x) == INTSXP) return (double)INTEGER(x)[0];
  Rf_error("internal: '%s' must be numeric", name);
  return 0.0;
}

uint64_t umapc_r_seed(SEXP x) {
  const double s = umapc_r_double(x, "seed");
  return (uint64_t)(int64_t)s;
}

typedef struct {
  void (*cleanup)(void *);
  void *cdata;
} unwind_ctx;

static void unwind_clean(void *ctx, Rboolean jump) {
  unwind_ctx *u = (unwind_ctx *)ctx;
  if (jump) u->cleanup(u->cdata);
}

SEXP umapc_r_unwind_protect(SEXP (*fn)(void *), void *data,
                            void (*cleanup)(void *), void *cdata) {
  unwind_ctx u;
  u.cleanup = cleanup;
  u.cdata = cdata;
  return R_UnwindProtect(fn, data, unwind_clean, &u, NULL);
}

/* Whether the package was built with OpenMP, and how many processors. */
SEXP umapc_openmp_threads(void) {
#ifdef _OPENMP
  return Rf_ScalarInteger(omp_get_num_procs());
#else
  return Rf_ScalarInteger(0);
#endif
}

/* A key per row of a column-major double matrix, from the row's values
 * alone: the same row gets the same random numbers wherever it stands. */
uint64_t *umapc_r_row_keys(SEXP X) {
  const int n = Rf_nrows(X), d = Rf_ncols(X);
  const double *x = REAL(X);
  uint64_t *keys = (uint64_t *)R_alloc((size_t)n, sizeof(uint64_t));
  int i, j;
  for (i = 0; i < n; i++) {
    uint64_t h = 0x243F6A8885A308D3ULL;
    for (j = 0; j < d; j++) {
      union {
        double f;
        uint64_t u;
      } v;
      v.f = x[(size_t)j * n + i];
      if (v.f == 0.0) v.u = 0; /* -0 and +0 alike */
      h = umapc_mix64(h ^ v.u);
    }
    keys[i] = h;
  }
  return keys;
}


void umapc_r_knn_rows(SEXP s_idx, SEXP s_dist, int **idx, double **dist) {
  const int n = Rf_nrows(s_idx), k = Rf_ncols(s_idx);
  const int *ri = INTEGER(s_idx);
  int i, t;
  *idx = (int *)R_alloc((size_t)n * k, sizeof(int));
  for (t = 0; t < k; t++)
    for (i = 0; i < n; i++) (*idx)[(size_t)i * k + t] = ri[(size_t)t * n + i] - 1;
  if (dist == NULL || s_dist == R_NilValue) return;
  *dist = (double *)R_alloc((size_t)n * k, sizeof(double));
  for (t = 0; t < k; t++)
    for (i = 0; i < n; i++)
      (*dist)[(size_t)i * k + t] = REAL(s_dist)[(size_t)t * n + i];
}
