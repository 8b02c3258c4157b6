/*
 * Exact neighbours from precomputed distances: R's `dist` layout, the lower
 * triangle stored by columns (d(i, j) for i < j at i*n - i*(i+1)/2 + j-i-1,
 * 0-based). Each row keeps a max-heap of (distance, index) in double
 * precision; ties go to the lower index, the row itself comes first.
 */
#include <stdlib.h>

#include "knn.h"

static int after_d(double da, int ia, double db, int ib) {
  return da > db || (da == db && ia > ib);
}

static void sift_down(double *d, int *ix, int m, int pos) {
  const double dv = d[pos];
  const int iv = ix[pos];
  for (;;) {
    int c = 2 * pos + 1;
    if (c >= m) break;
    if (c + 1 < m && after_d(d[c + 1], ix[c + 1], d[c], ix[c])) c++;
    if (!after_d(d[c], ix[c], dv, iv)) break;
    d[pos] = d[c];
    ix[pos] = ix[c];
    pos = c;
  }
  d[pos] = dv;
  ix[pos] = iv;
}

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
#pragma omp parallel for num_threads(n_threads) schedule(dynamic, 16) if (i1 - i0 > 64)
#endif
    for (i = i0; i < i1; i++) {
      int *ix = idx + (size_t)i * k + 1;
      double *d = dist + (size_t)i * k + 1;
      int j, m = 0, t;
      idx[(size_t)i * k] = i;
      dist[(size_t)i * k] = 0.0;
      if (hk == 0) continue;
      for (j = 0; j < n; j++) {
        double v;
        if (j == i) continue;
        v = dist_at(dv, n, i, j);
        if (m < hk) { /* fill, then heapify once full */
          d[m] = v;
          ix[m] = j;
          if (++m == hk)
            for (t = hk / 2 - 1; t >= 0; t--) sift_down(d, ix, hk, t);
        } else if (after_d(d[0], ix[0], v, j)) {
          d[0] = v;
          ix[0] = j;
          sift_down(d, ix, hk, 0);
        }
      }
      /* heap sort into ascending order */
      for (t = hk - 1; t > 0; t--) {
        const double dv0 = d[0];
        const int iv0 = ix[0];
        d[0] = d[t];
        ix[0] = ix[t];
        d[t] = dv0;
        ix[t] = iv0;
        sift_down(d, ix, t, 0);
      }
    }
    if (umapc_interrupted(intr)) {
      status = UMAPC_ERR_INTERRUPTED;
      break;
    }
  }
  return status;
}
