/*
 * Exact k-nearest neighbours by blocked brute force.
 *
 * Query rows are processed in blocks (one block per task, tasks spread over
 * threads); each block is compared with the reference rows one cache-sized
 * block at a time. Every query row owns its heap, so the result does not
 * depend on the number of threads or on scheduling.
 */
#include <stdlib.h>

#include "heap.h"
#include "kernels.h"
#include "knn.h"

#define QBLOCK 32   /* query rows per task */
#define RBLOCK 256  /* reference rows per cache block */

/* Kernel values of one query row against reference rows [r0, r1). */
static void kernel_row_block(const umapc_data *ref, const umapc_data *qd,
                             int q, int r0, int r1, float *out) {
  const int ld = ref->ld;
  const float *x = qd->x + (size_t)q * ld;
  int r;
  switch (ref->metric) {
    case UMAPC_METRIC_EUCLIDEAN:
      for (r = r0; r < r1; r++)
        out[r - r0] = umapc_sqdist(x, ref->x + (size_t)r * ld, ld);
      break;
    case UMAPC_METRIC_MANHATTAN:
      for (r = r0; r < r1; r++)
        out[r - r0] = umapc_l1dist(x, ref->x + (size_t)r * ld, ld);
      break;
    default:
      for (r = r0; r < r1; r++) out[r - r0] = umapc_kernel(qd, q, ref, r);
      break;
  }
}

int umapc_knn_exact(const umapc_data *ref, const umapc_data *query, int k,
                    int n_threads, const umapc_interrupt *intr,
                    const umapc_progress *prog, int *idx, double *dist) {
  const int self = (query == NULL);
  const umapc_data *qd = self ? ref : query;
  const int nq = qd->n, nr = ref->n;
  const int hk = self ? k - 1 : k; /* heap size: neighbours besides self */
  const int n_blocks = (nq + QBLOCK - 1) / QBLOCK;
  float *hd = NULL;
  int round; /* query blocks per round between interrupt checks */
  int *hi = NULL, status = UMAPC_OK, b0;

  if (k < 1 || hk > nr - (self ? 1 : 0) || (!self && qd->d != ref->d))
    return UMAPC_ERR_INVALID;
  n_threads = umapc_clamp_threads(n_threads);
  {
    /* about 2^27 kernel elements per round: well under a second */
    const double per_block = (double)QBLOCK * nr * ref->ld;
    const double r = 134217728.0 / (per_block > 1.0 ? per_block : 1.0);
    round = r > 64.0 ? 64 : (int)r;
    if (round < n_threads) round = n_threads;
  }
  if (hk > 0) {
    hd = (float *)malloc((size_t)nq * (size_t)hk * sizeof(float));
    hi = (int *)malloc((size_t)nq * (size_t)hk * sizeof(int));
    if (hd == NULL || hi == NULL) {
      free(hd);
      free(hi);
      return UMAPC_ERR_NOMEM;
    }
  }

  for (b0 = 0; b0 < n_blocks && hk > 0; b0 += round) {
    const int b1 = b0 + round < n_blocks ? b0 + round : n_blocks;
    int b, alloc_failed = 0;
#ifdef _OPENMP
#pragma omp parallel num_threads(n_threads)
#endif
    {
      float *buf = (float *)malloc(RBLOCK * sizeof(float));
      if (buf == NULL) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
        alloc_failed = 1;
      }
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
      for (b = b0; b < b1; b++) {
        const int q0 = b * QBLOCK;
        const int q1 = q0 + QBLOCK < nq ? q0 + QBLOCK : nq;
        int q, r0;
        if (buf == NULL) continue;
        for (q = q0; q < q1; q++)
          umapc_heap_init(hd + (size_t)q * hk, hi + (size_t)q * hk, hk);
        for (r0 = 0; r0 < nr; r0 += RBLOCK) {
          const int r1 = r0 + RBLOCK < nr ? r0 + RBLOCK : nr;
          for (q = q0; q < q1; q++) {
            float *d = hd + (size_t)q * hk;
            int *ix = hi + (size_t)q * hk, r;
            kernel_row_block(ref, qd, q, r0, r1, buf);
            for (r = r0; r < r1; r++) {
              const float v = buf[r - r0];
              if (self && r == q) continue;
              if (v < d[0] || (v == d[0] && r < ix[0]))
                umapc_heap_replace_root(d, ix, hk, v, r);
            }
          }
        }
        for (q = q0; q < q1; q++)
          umapc_heap_sort(hd + (size_t)q * hk, hi + (size_t)q * hk, hk);
      }
      free(buf);
    }
    if (alloc_failed) {
      status = UMAPC_ERR_NOMEM;
      break;
    }
    umapc_report(prog, "exact k-NN", (long)b1 * QBLOCK < nq ? (long)b1 * QBLOCK : nq,
                 nq);
    if (umapc_interrupted(intr)) {
      status = UMAPC_ERR_INTERRUPTED;
      break;
    }
  }

  if (status == UMAPC_OK) {
    int q;
    for (q = 0; q < nq; q++) {
      int *oi = idx + (size_t)q * k;
      double *od = dist + (size_t)q * k;
      const float *d = hd + (size_t)q * hk;
      const int *ix = hi + (size_t)q * hk;
      int c = 0, t;
      if (self) {
        oi[0] = q;
        od[0] = 0.0;
        c = 1;
      }
      for (t = 0; t < hk; t++, c++) {
        oi[c] = ix[t];
        od[c] = umapc_kernel_to_dist(ref, d[t]);
      }
    }
  }
  free(hd);
  free(hi);
  return status;
}
