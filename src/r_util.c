/* Interrupts, progress, errors and argument unpacking for the glue. */
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "core/data.h"
#include "core/kernels.h"
#include "core/rng.h"
#include "r_util.h"
#include "umapc.h"

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

umapc_r_params umapc_r_params_open(SEXP list, const char *routine) {
  umapc_r_params par;
  if (TYPEOF(list) != VECSXP || Rf_length(list) > 64 ||
      (Rf_length(list) > 0 &&
       TYPEOF(Rf_getAttrib(list, R_NamesSymbol)) != STRSXP))
    Rf_error("internal error in %s: the parameters must be a named list "
             "of at most 64 scalars",
             routine);
  par.list = list;
  par.routine = routine;
  par.read = 0;
  return par;
}

void umapc_r_params_close(const umapc_r_params *par) {
  const int len = Rf_length(par->list);
  int i;
  for (i = 0; i < len; i++)
    if (!((par->read >> i) & 1u))
      Rf_error("internal error in %s: unexpected parameter '%s'",
               par->routine,
               Rf_translateCharUTF8(STRING_ELT(
                   Rf_getAttrib(par->list, R_NamesSymbol), i)));
}

/* The element called `name`, which must be a single non-NA value. */
static SEXP param_get(umapc_r_params *par, const char *name) {
  SEXP names = Rf_getAttrib(par->list, R_NamesSymbol), x;
  const int len = Rf_length(par->list);
  int i;
  for (i = 0; i < len; i++)
    if (strcmp(Rf_translateCharUTF8(STRING_ELT(names, i)), name) == 0) break;
  if (i == len)
    Rf_error("internal error in %s: parameter '%s' is missing", par->routine,
             name);
  par->read |= (uint64_t)1 << i;
  x = VECTOR_ELT(par->list, i);
  if (Rf_length(x) != 1 ||
      (TYPEOF(x) == REALSXP && ISNAN(REAL(x)[0])) ||
      ((TYPEOF(x) == INTSXP || TYPEOF(x) == LGLSXP) &&
       INTEGER(x)[0] == NA_INTEGER) ||
      (TYPEOF(x) == STRSXP && STRING_ELT(x, 0) == NA_STRING))
    Rf_error("internal error in %s: parameter '%s' must be a single value, "
             "not NA",
             par->routine, name);
  return x;
}

double umapc_r_param_double(umapc_r_params *par, const char *name) {
  SEXP x = param_get(par, name);
  if (TYPEOF(x) == REALSXP) return REAL(x)[0];
  if (TYPEOF(x) == INTSXP || TYPEOF(x) == LGLSXP) return (double)INTEGER(x)[0];
  Rf_error("internal error in %s: parameter '%s' must be a number",
           par->routine, name);
  return 0.0;
}

int umapc_r_param_int(umapc_r_params *par, const char *name) {
  SEXP x = param_get(par, name);
  if (TYPEOF(x) == INTSXP || TYPEOF(x) == LGLSXP) return INTEGER(x)[0];
  if (TYPEOF(x) == REALSXP) {
    const double v = REAL(x)[0];
    if (v == floor(v) && v > INT_MIN && v <= INT_MAX) return (int)v;
  }
  Rf_error("internal error in %s: parameter '%s' must be a whole number",
           par->routine, name);
  return 0;
}

uint64_t umapc_r_param_seed(umapc_r_params *par, const char *name) {
  const double s = umapc_r_param_double(par, name);
  if (!(s == floor(s) && fabs(s) < 9007199254740992.0))
    Rf_error("internal error in %s: parameter '%s' must be a whole number "
             "below 2^53 in magnitude",
             par->routine, name);
  return (uint64_t)(int64_t)s;
}

int umapc_r_param_choice(umapc_r_params *par, const char *name,
                         const char *const *choices) {
  SEXP x = param_get(par, name);
  const char *v;
  int i;
  if (TYPEOF(x) != STRSXP)
    Rf_error("internal error in %s: parameter '%s' must be a string",
             par->routine, name);
  v = Rf_translateCharUTF8(STRING_ELT(x, 0));
  for (i = 0; choices[i] != NULL; i++)
    if (strcmp(v, choices[i]) == 0) return i;
  Rf_error("internal error in %s: parameter '%s' is \"%s\", not a known "
           "value",
           par->routine, name, v);
  return -1;
}

int umapc_r_param_metric(umapc_r_params *par, const char *name) {
  SEXP x = param_get(par, name);
  const char *v, *m;
  int code;
  if (TYPEOF(x) != STRSXP)
    Rf_error("internal error in %s: parameter '%s' must be a string",
             par->routine, name);
  v = Rf_translateCharUTF8(STRING_ELT(x, 0));
  for (code = 1; (m = umapc_metric_name(code)) != NULL; code++)
    if (strcmp(v, m) == 0) return code;
  Rf_error("internal error in %s: \"%s\" is not a metric of the core",
           par->routine, v);
  return 0;
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
SEXP umapc_call_openmp_threads(void) {
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

/*
 * kernels(which): which = 0 portable, 1 AVX2 (taken only where available),
 * -1 no change. Returns the kernels in use ("portable" or "avx2") with
 * attribute "avx2_available". R calls it before every computation, from
 * the option umapc.kernels; no computation is running then.
 */
SEXP umapc_call_kernels(SEXP s_params) {
  umapc_r_params pl = umapc_r_params_open(s_params, "kernels");
  const int which = umapc_r_param_int(&pl, "which");
  int in_use;
  SEXP out;
  umapc_r_params_close(&pl);
  if (which == UMAPC_KERNELS_PORTABLE || which == UMAPC_KERNELS_AVX2)
    in_use = umapc_kernels_select(which);
  else
    in_use = umapc_kernels_in_use();
  out = PROTECT(
      Rf_mkString(in_use == UMAPC_KERNELS_AVX2 ? "avx2" : "portable"));
  Rf_setAttrib(out, Rf_install("avx2_available"),
               Rf_ScalarLogical(umapc_kernels_avx2_available()));
  UNPROTECT(1);
  return out;
}
