/* The initial layouts' final step (init_common.h). */
#include "fp.h"

#include <math.h>

#include "core.h"
#include "init_common.h"
#include "parallel.h"
#include "rng.h"

double umapc_init_max_abs(const double *x, size_t len) {
  double m = 0.0;
  size_t t;
  for (t = 0; t < len; t++) {
    const double a = fabs(x[t]);
    if (!isfinite(a)) return -1.0;
    if (a > m) m = a;
  }
  return m;
}

int umapc_init_scale_and_jitter(double *out, int n, int dim, uint64_t key,
                                int n_threads) {
  const size_t len = (size_t)n * (size_t)dim;
  const double mx = umapc_init_max_abs(out, len);
  const double s = mx > 0.0 ? 10.0 / mx : 1.0;
  long i;
  if (mx < 0.0) return 0;
  (void)n_threads;
#ifdef _OPENMP
#pragma omp parallel for num_threads(n_threads) schedule(static) if (n >= UMAPC_PAR_VEC_MIN && n_threads > 1)
#endif
  for (i = 0; i < n; i++) {
    int d;
    for (d = 0; d < dim; d++) {
      double *y = out + (size_t)i * (size_t)dim + (size_t)d;
      *y = *y * s + 1e-4 * umapc_rng_normal(key, (uint64_t)i, (uint64_t)d);
    }
  }
  return umapc_init_max_abs(out, len) >= 0.0;
}
