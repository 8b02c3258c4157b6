/*
 * Exact neighbours from precomputed distances: R's `dist` layout, the lower
 * triangle stored by columns (d(i, j) for i < j at i*n - i*(i+1)/2 + j-i-1,
 * 0-based). Each row keeps a max-heap of (distance, index) in double
 * precision (heap.h); ties go to the lower index, the row itself comes
 * first.
 */
#include "fp.h"

#include <stdlib.h>

#include "heap.h"
#include "knn.h"
#include "parallel.h"

static double dist_at(const double *dv, long n, long i, long j) {
  long a = i < j ? i : j, b = i < j ? j : i;
  return dv[a * n - a * (a + 1) / 2 + b - a - 1];
}

int umapc_knn_dist(const double *dv, int n, int k, int n_threads,
                   const umapc_interrupt *intr, int *idx, double *dist) {
  const int hk = k - 1, chunk = 1024;
  int i0, status = UMAPC_OK;
  if (k < 1 || k > n) return UMAPC_INVALID();
  n_threads = umapc_clamp_threads(n_threads);
  for (i0 = 0; i0 < n; i0 += chunk) {
    const int i1 = i0 + chunk < n ? i0 + chunk : n;
    int i;
#ifdef _OPENMP
#pragma omp parallel for num_threads(n_threads) schedule(dynamic, 16) if (i1 - i0 > UMAPC_PAR_SEARCH_MIN)
#endif
    for (i = i0; i < i1; i++) {
      int *ix = idx + (size_t)i * k + 1;
      double *d = dist + (size_t)i * k + 1;
      int j;
      idx[(size_t)i * k] = i;
      dist[(size_t)i * k] = 0.0;
      if (hk == 0) continue;
      umapc_dheap_init(d, ix, hk);
      for (j = 0; j < n; j++)
        if (j != i) umapc_dheap_push(d, ix, hk, dist_at(dv, n, i, j), j);
      umapc_dheap_sort(d, ix, hk);
    }
    if (umapc_interrupted(intr)) {
      status = UMAPC_ERR_INTERRUPTED;
      break;
    }
  }
  return status;
}
