/* Interrupts, progress, errors and argument unpacking for the glue. */
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/data.h"
#include "core/kernels.h"
#include "core/knn.h"
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

int umapc_r_jump_pending(void) { return pending_jump != NULL; }

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

/* Signal the condition umapc:::abort_condition(class, message, routine,
 * file, line) builds; it does not return. */
static void abort_condition(const char *cls, const char *msg,
                            const char *routine, const char *file, int line)
    UMAPC_R_NORETURN;
static void abort_condition(const char *cls, const char *msg,
                            const char *routine, const char *file, int line) {
  SEXP ns = PROTECT(R_FindNamespace(PROTECT(Rf_mkString("umapc"))));
  SEXP call = PROTECT(Rf_lang6(
      Rf_install("abort_condition"), PROTECT(Rf_mkString(cls)),
      PROTECT(Rf_mkString(msg)), PROTECT(Rf_mkString(routine)),
      PROTECT(Rf_mkString(file)), PROTECT(Rf_ScalarInteger(line))));
  Rf_eval(call, ns);
  /* not reached: abort_condition() stops */
  UNPROTECT(8);
  Rf_error("%s", msg);
}

void umapc_r_internal_at(const char *file, int line, const char *routine,
                         const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  abort_condition("umapc_error_internal", msg, routine, file, line);
}

/*
 * An interrupt the core stopped for. The check under R_ToplevelExec
 * consumed it, so it is posted again once everything is freed: on
 * Unix-alikes raise(SIGINT) runs R's handler, which marks the interrupt
 * pending, and R_CheckUserInterrupt() then raises R's own interrupt
 * condition. On Windows R takes interrupts from its console (a flag that
 * R_CheckUserInterrupt() reads and clears), not from SIGINT, and raising
 * SIGINT where no handler is set would end the process, so it is not done
 * there. In both cases, when no interrupt came, the fallback is
 * umapc:::abort_condition("umapc_error_interrupt", ...): it signals a
 * condition of class "interrupt" (what tryCatch(interrupt = ) and calling
 * handlers see for a genuine one) and, unless a handler took it, stops
 * with an error of class umapc_error_interrupt.
 */
static void reraise_interrupt(const char *what, const char *file, int line)
    UMAPC_R_NORETURN;
static void reraise_interrupt(const char *what, const char *file, int line) {
  char msg[256];
#ifndef _WIN32
  raise(SIGINT);
  R_CheckUserInterrupt();
#endif
  snprintf(msg, sizeof msg, "%s: interrupted by the user", what);
  abort_condition("umapc_error_interrupt", msg, what, file, line);
}

void umapc_r_stop_at(int status, const char *what, const char *file,
                     int line) {
  char msg[256];
  const char *site_file;
  int site_line;
  if (pending_jump != NULL) {
    /* resume the jump a progress handler started (the core has stopped
     * and freed its memory; so has the caller) */
    SEXP cont = PROTECT(pending_jump);
    forget_pending();
    R_ContinueUnwind(cont);
  }
  if (status == UMAPC_OK) return;
  snprintf(msg, sizeof msg, "%s failed: %s", what, umapc_status_string(status));
  switch (status) {
    case UMAPC_ERR_INTERRUPTED:
      reraise_interrupt(what, file, line);
    case UMAPC_ERR_NOMEM:
      abort_condition("umapc_error_nomem", msg, what, file, line);
    case UMAPC_ERR_NUMERIC:
      abort_condition("umapc_error_numeric", msg, what, file, line);
    case UMAPC_ERR_INVALID:
      /* where the core saw it, when it recorded the site */
      umapc_invalid_site(&site_file, &site_line);
      umapc_invalid_clear();
      if (site_file != NULL) {
        file = site_file;
        line = site_line;
      }
      umapc_r_internal_at(file, line, what, "invalid input reached the core");
    default:
      umapc_r_internal_at(file, line, what, "unknown status %d", status);
  }
}

/* test_error(list(kind)): the condition each error class comes from, for
 * its tests: kind "nomem" and "numeric" pass that status to
 * umapc_r_stop(); "invalid" gives a real core routine invalid input (the
 * site recorded is the core's); "interrupt" takes the fallback of an
 * interrupt that could not be re-raised; "internal" is a glue check. */
SEXP umapc_call_test_error(SEXP s_params) {
  static const char *const kinds[] = {"nomem", "numeric", "invalid",
                                      "interrupt", "internal", NULL};
  umapc_r_params par = umapc_r_params_open(s_params, "test_error");
  const int kind = umapc_r_param_choice(&par, "kind", kinds);
  const double dv[1] = {1.0};
  int idx[3];
  double dist[3];
  umapc_r_params_close(&par);
  switch (kind) {
    case 0: umapc_r_stop(UMAPC_ERR_NOMEM, "test_error"); break;
    case 1: umapc_r_stop(UMAPC_ERR_NUMERIC, "test_error"); break;
    case 2: /* k = 3 neighbours among n = 2 points */
      umapc_r_stop(umapc_knn_dist(dv, 2, 3, 1, NULL, idx, dist), "test_error");
      break;
    case 3:
      abort_condition("umapc_error_interrupt",
                      "test_error: interrupted by the user", "test_error",
                      __FILE__, __LINE__);
    default: umapc_r_internal("test_error", "a test of the internal error");
  }
  return R_NilValue;
}

umapc_r_params umapc_r_params_open(SEXP list, const char *routine) {
  umapc_r_params par;
  if (TYPEOF(list) != VECSXP || Rf_length(list) > 64 ||
      (Rf_length(list) > 0 &&
       TYPEOF(Rf_getAttrib(list, R_NamesSymbol)) != STRSXP))
    umapc_r_internal(routine, "the parameters must be a named list of at "
                     "most 64 scalars");
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
      umapc_r_internal(par->routine, "unexpected parameter '%s'",
                       Rf_translateCharUTF8(STRING_ELT(
                           Rf_getAttrib(par->list, R_NamesSymbol), i)));
  /* a site a previous call left behind is not this call's */
  umapc_invalid_clear();
}

/* The element called `name`, which must be a single non-NA value. */
static SEXP param_get(umapc_r_params *par, const char *name) {
  SEXP names = Rf_getAttrib(par->list, R_NamesSymbol), x;
  const int len = Rf_length(par->list);
  int i;
  for (i = 0; i < len; i++)
    if (strcmp(Rf_translateCharUTF8(STRING_ELT(names, i)), name) == 0) break;
  if (i == len)
    umapc_r_internal(par->routine, "parameter '%s' is missing", name);
  par->read |= (uint64_t)1 << i;
  x = VECTOR_ELT(par->list, i);
  if (Rf_length(x) != 1 ||
      (TYPEOF(x) == REALSXP && ISNAN(REAL(x)[0])) ||
      ((TYPEOF(x) == INTSXP || TYPEOF(x) == LGLSXP) &&
       INTEGER(x)[0] == NA_INTEGER) ||
      (TYPEOF(x) == STRSXP && STRING_ELT(x, 0) == NA_STRING))
    umapc_r_internal(par->routine,
                     "parameter '%s' must be a single value, not NA", name);
  return x;
}

double umapc_r_param_double(umapc_r_params *par, const char *name) {
  SEXP x = param_get(par, name);
  if (TYPEOF(x) == REALSXP) return REAL(x)[0];
  if (TYPEOF(x) == INTSXP || TYPEOF(x) == LGLSXP) return (double)INTEGER(x)[0];
  umapc_r_internal(par->routine, "parameter '%s' must be a number", name);
  return 0.0;
}

int umapc_r_param_int(umapc_r_params *par, const char *name) {
  SEXP x = param_get(par, name);
  if (TYPEOF(x) == INTSXP || TYPEOF(x) == LGLSXP) return INTEGER(x)[0];
  if (TYPEOF(x) == REALSXP) {
    const double v = REAL(x)[0];
    if (v == floor(v) && v > INT_MIN && v <= INT_MAX) return (int)v;
  }
  umapc_r_internal(par->routine, "parameter '%s' must be a whole number", name);
  return 0;
}

uint64_t umapc_r_param_seed(umapc_r_params *par, const char *name) {
  const double s = umapc_r_param_double(par, name);
  if (!(s == floor(s) && fabs(s) < 9007199254740992.0))
    umapc_r_internal(par->routine,
                     "parameter '%s' must be a whole number below 2^53 in "
                     "magnitude",
                     name);
  return (uint64_t)(int64_t)s;
}

int umapc_r_param_choice(umapc_r_params *par, const char *name,
                         const char *const *choices) {
  SEXP x = param_get(par, name);
  const char *v;
  int i;
  if (TYPEOF(x) != STRSXP)
    umapc_r_internal(par->routine, "parameter '%s' must be a string", name);
  v = Rf_translateCharUTF8(STRING_ELT(x, 0));
  for (i = 0; choices[i] != NULL; i++)
    if (strcmp(v, choices[i]) == 0) return i;
  umapc_r_internal(par->routine, "parameter '%s' is \"%s\", not a known value",
                   name, v);
  return -1;
}

int umapc_r_param_metric(umapc_r_params *par, const char *name) {
  SEXP x = param_get(par, name);
  const char *v, *m;
  int code;
  if (TYPEOF(x) != STRSXP)
    umapc_r_internal(par->routine, "parameter '%s' must be a string", name);
  v = Rf_translateCharUTF8(STRING_ELT(x, 0));
  for (code = 1; (m = umapc_metric_name(code)) != NULL; code++)
    if (strcmp(v, m) == 0) return code;
  umapc_r_internal(par->routine, "\"%s\" is not a metric of the core", v);
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

SEXP umapc_r_take(SEXP (*to_r)(void *), void (*release)(void *), void *data) {
  unwind_ctx u;
  SEXP out;
  u.cleanup = release;
  u.cdata = data;
  out = R_UnwindProtect(to_r, data, unwind_clean, &u, NULL);
  release(data); /* no R allocation: out needs no protection */
  return out;
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


/* R's column-major 1-based k-NN matrices into row-major 0-based arrays */
static void knn_rows_fill(SEXP s_idx, SEXP s_dist, int *idx, double *dist) {
  const int n = Rf_nrows(s_idx), k = Rf_ncols(s_idx);
  const int *ri = INTEGER(s_idx);
  int i, t;
  for (t = 0; t < k; t++)
    for (i = 0; i < n; i++) idx[(size_t)i * k + t] = ri[(size_t)t * n + i] - 1;
  if (dist == NULL) return;
  for (t = 0; t < k; t++)
    for (i = 0; i < n; i++)
      dist[(size_t)i * k + t] = REAL(s_dist)[(size_t)t * n + i];
}

void umapc_r_knn_rows(SEXP s_idx, SEXP s_dist, int **idx, double **dist) {
  const size_t nk = (size_t)Rf_nrows(s_idx) * Rf_ncols(s_idx);
  const int with_dist = dist != NULL && s_dist != R_NilValue;
  *idx = (int *)R_alloc(nk, sizeof(int));
  if (with_dist) *dist = (double *)R_alloc(nk, sizeof(double));
  knn_rows_fill(s_idx, s_dist, *idx, with_dist ? *dist : NULL);
}

int umapc_r_knn_rows_take(SEXP s_idx, SEXP s_dist, int **idx,
                          double **dist) {
  const size_t nk = (size_t)Rf_nrows(s_idx) * Rf_ncols(s_idx);
  *idx = (int *)malloc(nk * sizeof(int) + 1);
  *dist = (double *)malloc(nk * sizeof(double) + 1);
  if (*idx == NULL || *dist == NULL) {
    free(*idx);
    free(*dist);
    *idx = NULL;
    *dist = NULL;
    return UMAPC_ERR_NOMEM;
  }
  knn_rows_fill(s_idx, s_dist, *idx, *dist);
  return UMAPC_OK;
}

/* umapc_r_csr_move(): the largest array first, each C array freed as soon
 * as it is copied, so that at most one is held twice (the weights: 8 bytes
 * an edge, not 12) */
SEXP umapc_r_csr_move(umapc_csr *g) {
  const char *names[] = {"p", "i", "x", ""};
  const int n = g->n, nnz = g->p[g->n];
  SEXP out = PROTECT(Rf_mkNamed(VECSXP, names)), v;
  v = Rf_allocVector(REALSXP, nnz);
  SET_VECTOR_ELT(out, 2, v);
  if (nnz > 0) memcpy(REAL(v), g->w, (size_t)nnz * sizeof(double));
  free(g->w);
  g->w = NULL;
  v = Rf_allocVector(INTSXP, nnz);
  SET_VECTOR_ELT(out, 1, v);
  if (nnz > 0) memcpy(INTEGER(v), g->j, (size_t)nnz * sizeof(int));
  free(g->j);
  g->j = NULL;
  v = Rf_allocVector(INTSXP, (R_xlen_t)n + 1);
  SET_VECTOR_ELT(out, 0, v);
  memcpy(INTEGER(v), g->p, ((size_t)n + 1) * sizeof(int));
  free(g->p);
  g->p = NULL;
  UNPROTECT(1);
  return out;
}

static SEXP csr_move_fn(void *g) { return umapc_r_csr_move((umapc_csr *)g); }

static void csr_free_fn(void *g) { umapc_csr_free((umapc_csr *)g); }

SEXP umapc_r_csr_take(umapc_csr *g) {
  return umapc_r_take(csr_move_fn, csr_free_fn, g);
}

/*
 * kernels(which): which = 0 portable, 1 AVX2, 2 AVX-512 (each taken only
 * where available, else the best below it), -1 no change. Returns the
 * kernels in use ("portable", "avx2" or "avx512") with attributes
 * "avx2_available" and "avx512_available". R calls it before every
 * computation, from the option umapc.kernels; no computation is running
 * then.
 */
SEXP umapc_call_kernels(SEXP s_params) {
  umapc_r_params pl = umapc_r_params_open(s_params, "kernels");
  const int which = umapc_r_param_int(&pl, "which");
  int in_use;
  SEXP out;
  umapc_r_params_close(&pl);
  if (which == UMAPC_KERNELS_PORTABLE || which == UMAPC_KERNELS_AVX2 ||
      which == UMAPC_KERNELS_AVX512)
    in_use = umapc_kernels_select(which);
  else
    in_use = umapc_kernels_in_use();
  out = PROTECT(Rf_mkString(in_use == UMAPC_KERNELS_AVX512 ? "avx512"
                            : in_use == UMAPC_KERNELS_AVX2 ? "avx2"
                                                           : "portable"));
  Rf_setAttrib(out, Rf_install("avx2_available"),
               Rf_ScalarLogical(umapc_kernels_avx2_available()));
  Rf_setAttrib(out, Rf_install("avx512_available"),
               Rf_ScalarLogical(umapc_kernels_avx512_available()));
  UNPROTECT(1);
  return out;
}
