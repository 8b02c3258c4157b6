/* Status strings and deterministic reductions. */
#include "fp.h"

#include "core.h"
#include "parallel.h"

const char *umapc_status_string(int status) {
  switch (status) {
    case UMAPC_OK: return "success";
    case UMAPC_ERR_NOMEM: return "out of memory";
    case UMAPC_ERR_INTERRUPTED: return "interrupted by the user";
    case UMAPC_ERR_INVALID: return "invalid input";
    case UMAPC_ERR_NUMERIC: return "non-finite value in an intermediate result";
    default: return "unknown error";
  }
}

static const char *invalid_file = NULL;
static int invalid_line = 0;

int umapc_invalid_at(const char *file, int line) {
#ifdef _OPENMP
#pragma omp critical(umapc_invalid)
#endif
  {
    invalid_file = file;
    invalid_line = line;
  }
  return UMAPC_ERR_INVALID;
}

void umapc_invalid_site(const char **file, int *line) {
  *file = invalid_file;
  *line = invalid_line;
}

void umapc_invalid_clear(void) {
  invalid_file = NULL;
  invalid_line = 0;
}

double umapc_det_dot(const double *x, const double *y, size_t n,
                     int n_threads) {
  const size_t n_chunks = (n + UMAPC_SUM_CHUNK - 1) / UMAPC_SUM_CHUNK;
  double partial[64];
  double total = 0.0;
  size_t base;
  n_threads = umapc_clamp_threads(n_threads);
  /* process up to 64 chunks at a time; chunk sums are added in order */
  for (base = 0; base < n_chunks; base += 64) {
    long c, m = (long)(n_chunks - base < 64 ? n_chunks - base : 64);
#ifdef _OPENMP
#pragma omp parallel for num_threads(n_threads) schedule(static) if (m > 1 && n > UMAPC_PAR_SUM_MIN)
#endif
    for (c = 0; c < m; c++) {
      size_t lo = (base + (size_t)c) * UMAPC_SUM_CHUNK, t;
      size_t hi = lo + UMAPC_SUM_CHUNK < n ? lo + UMAPC_SUM_CHUNK : n;
      double s = 0.0;
      for (t = lo; t < hi; t++) s += x[t] * y[t];
      partial[c] = s;
    }
    for (c = 0; c < m; c++) total += partial[c];
  }
  return total;
}
