/* Interrupts, progress, errors and argument unpacking for the glue. */
#include <signal.h>
#include <time.h>

#include "core/kernels.h"
#include "core/rng.h"
#include "r_util.h"

static void check_interrupt_fn(void *dummy) {
  (void)dummy;
  R_CheckUserInterrupt();
}

static int r_interrupt_pending(void *ctx) {
  (void)ctx;
  /* FALSE when R_CheckUserInterrupt jumped, i.e. an interrupt is pending */
  return R_ToplevelExec(check_interrupt_fn, NULL) == FALSE;
}

umapc_interrupt umapc_r_interrupt = {r_interrupt_pending, NULL};

static void r_report(void *ctx, const char *stage, long done, long total) {
  char stamp[32];
  time_t now = time(NULL);
  (void)ctx;
  strftime(stamp, sizeof(stamp), "%H:%M:%S", localtime(&now));
  REprintf("%s %s: %ld / %ld\n", stamp, stage, done, total);
}

static const umapc_progress r_progress = {r_report, NULL};

const umapc_progress *umapc_r_progress(int verbose) {
  return verbose ? &r_progress : NULL;
}

void umapc_r_stop(int status, const char *what) {
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

/*
 * kernels(which): which = 0 portable, 1 AVX2 (taken only where available),
 * -1 no change. Returns the kernels in use ("portable" or "avx2") with
 * attribute "avx2_available". R calls it before every computation, from
 * the option umapc.kernels; no computation is running then.
 */
SEXP umapc_kernels_r(SEXP s_which) {
  const int which = umapc_r_int(s_which, "which");
  int in_use;
  SEXP out;
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
