/*
 * Exact k-nearest neighbours by blocked brute force.
 *
 * Query rows are processed in blocks (one block per task, tasks spread over
 * threads); each block is compared with the reference rows one cache-sized
 * block at a time. Every query row owns its heap, so the result does not
 * depend on the number of threads or on scheduling.
 *
 * Euclidean, cosine, correlation, hellinger, jaccard and dice distances come
 * from blocks of dot products (|x|^2 + |y|^2 - 2 x.y, 1 - x.y on unit rows,
 * or counts of common ones on 0/1 rows), the fast path.
 * Because that formula loses precision to cancellation, each row keeps a few
 * more candidates than it needs, and at the end their distances are
 * recomputed directly (difference by difference) and re-ranked: the result
 * is the exact k nearest under the direct kernel, with precise distances.
 * The other metrics use the direct kernels throughout.
 */
#include "fp.h"

#include <stdlib.h>

#include "dotblock.h"
#include "heap.h"
#include "kernels.h"
#include "knn.h"
#include "parallel.h"

#define QBLOCK 32   /* query rows per task */
#define RBLOCK 256  /* reference rows per cache block */

static int uses_dot(int metric) {
  return metric == UMAPC_METRIC_EUCLIDEAN || metric == UMAPC_METRIC_COSINE ||
         metric == UMAPC_METRIC_CORRELATION ||
         metric == UMAPC_METRIC_HELLINGER || metric == UMAPC_METRIC_JACCARD ||
         metric == UMAPC_METRIC_DICE;
}

/* Dense copies of the dot-product metrics take the fast path; sparse
 * copies use their kernel throughout. */
static int dot_path(const umapc_data *d) {
  return d->x != NULL && uses_dot(d->metric);
}

/* Squared norms of the rows (euclidean only). */
static float *row_norms(const umapc_data *d) {
  float *nr = (float *)malloc((size_t)(d->n > 0 ? d->n : 1) * sizeof(float));
  int i;
  if (nr == NULL) return NULL;
  for (i = 0; i < d->n; i++) {
    const float *x = d->x + (size_t)i * d->ld;
    nr[i] = umapc_dot(x, x, d->ld);
  }
  return nr;
}

/* Kernel values of query rows [q0, q1) against reference rows [r0, r1),
 * into buf (QBLOCK x RBLOCK, row stride RBLOCK). */
static void kernel_block(const umapc_data *ref, const umapc_data *qd,
                         umapc_dot_block_fn dot, const float *qn,
                         const float *rn, int q0, int q1, int r0, int r1,
                         float *buf) {
  const int ld = ref->ld, nqb = q1 - q0, nrb = r1 - r0;
  int a, b;
  if (dot_path(ref)) {
    dot(qd->x + (size_t)q0 * ld, nqb, ref->x + (size_t)r0 * ld, nrb, ld, buf,
        RBLOCK);
    for (a = 0; a < nqb; a++) {
      float *o = buf + (size_t)a * RBLOCK;
      if (ref->metric == UMAPC_METRIC_EUCLIDEAN) {
        const float nq = qn[q0 + a];
        for (b = 0; b < nrb; b++) {
          const float v = nq + rn[r0 + b] - 2.0f * o[b];
          o[b] = v > 0.0f ? v : 0.0f;
        }
      } else if (ref->metric == UMAPC_METRIC_JACCARD ||
                 ref->metric == UMAPC_METRIC_DICE) {
        /* 0/1 rows: the dot products are exact whole numbers */
        const float cq = qd->cnt[q0 + a];
        for (b = 0; b < nrb; b++)
          o[b] = ref->metric == UMAPC_METRIC_JACCARD
                     ? umapc_jaccard_from(o[b], cq + ref->cnt[r0 + b])
                     : umapc_dice_from(o[b], cq + ref->cnt[r0 + b]);
      } else {
        const int zq = qd->zero[q0 + a];
        for (b = 0; b < nrb; b++) {
          const int zr = ref->zero[r0 + b];
          float v = 1.0f - o[b];
          if (zq || zr) v = (zq && zr) ? 0.0f : 1.0f;
          o[b] = v > 0.0f ? v : 0.0f;
        }
      }
    }
    return;
  }
  if (ref->x == NULL) {
    for (a = 0; a < nqb; a++) {
      float *o = buf + (size_t)a * RBLOCK;
      for (b = 0; b < nrb; b++) o[b] = umapc_kernel(qd, q0 + a, ref, r0 + b);
    }
    return;
  }
  for (a = 0; a < nqb; a++) {
    const float *x = qd->x + (size_t)(q0 + a) * ld;
    float *o = buf + (size_t)a * RBLOCK;
    for (b = 0; b < nrb; b++) {
      const float *y = ref->x + (size_t)(r0 + b) * ld;
      o[b] = ref->metric == UMAPC_METRIC_MANHATTAN
                 ? umapc_l1dist(x, y, ld)
                 : umapc_kernel(qd, q0 + a, ref, r0 + b);
    }
  }
}

int umapc_knn_exact(const umapc_data *ref, const umapc_data *query, int k,
                    int n_threads, const umapc_interrupt *intr,
                    const umapc_progress *prog, int *idx, double *dist) {
  const int self = (query == NULL);
  const umapc_data *qd = self ? ref : query;
  const int nq = qd->n, nr = ref->n;
  const int hk = self ? k - 1 : k; /* neighbours besides self */
  const int avail = nr - (self ? 1 : 0);
  const int n_blocks = (nq + QBLOCK - 1) / QBLOCK;
  const umapc_dot_block_fn dot = umapc_dot_block_select();
  int hc;          /* candidates kept per row: hk plus a refinement margin */
  int round;       /* query blocks per round between interrupt checks */
  float *hd = NULL, *qn = NULL, *rn = NULL;
  int *hi = NULL, status = UMAPC_OK, b0;
  umapc_scratch bufs = {NULL, 0, 0}; /* each thread's kernel values */

  if (k < 1 || hk > avail || (!self && qd->d != ref->d))
    return UMAPC_INVALID();
  n_threads = umapc_clamp_threads(n_threads);
  hc = hk;
  if (dot_path(ref)) hc = hk + 8 + hk / 8;
  if (hc > avail) hc = avail;
  {
    /* about 2^27 kernel elements per round: well under a second */
    const double per_block = (double)QBLOCK * nr * ref->ld;
    const double r = 134217728.0 / (per_block > 1.0 ? per_block : 1.0);
    round = r > 64.0 ? 64 : (int)r;
    if (round < n_threads) round = n_threads;
  }
  if (hk > 0) {
    hd = (float *)malloc((size_t)nq * (size_t)hc * sizeof(float));
    hi = (int *)malloc((size_t)nq * (size_t)hc * sizeof(int));
    if (ref->metric == UMAPC_METRIC_EUCLIDEAN) {
      rn = row_norms(ref);
      qn = self ? rn : row_norms(qd);
    }
    if (hd == NULL || hi == NULL ||
        (ref->metric == UMAPC_METRIC_EUCLIDEAN && (rn == NULL || qn == NULL))) {
      status = UMAPC_ERR_NOMEM;
      goto done;
    }
  }

  if (hk > 0 && !umapc_scratch_alloc(&bufs, n_threads,
                                     (size_t)QBLOCK * RBLOCK * sizeof(float),
                                     0)) {
    status = UMAPC_ERR_NOMEM;
    goto done;
  }
  for (b0 = 0; b0 < n_blocks && hk > 0; b0 += round) {
    const int b1 = b0 + round < n_blocks ? b0 + round : n_blocks;
    int b;
#ifdef _OPENMP
#pragma omp parallel num_threads(n_threads) if (b1 - b0 >= UMAPC_PAR_BLOCKS_MIN)
#endif
    {
      float *buf = (float *)umapc_scratch_get(&bufs);
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
      for (b = b0; b < b1; b++) {
        const int q0 = b * QBLOCK;
        const int q1 = q0 + QBLOCK < nq ? q0 + QBLOCK : nq;
        int q, r0;
        for (q = q0; q < q1; q++)
          umapc_heap_init(hd + (size_t)q * hc, hi + (size_t)q * hc, hc);
        for (r0 = 0; r0 < nr; r0 += RBLOCK) {
          const int r1 = r0 + RBLOCK < nr ? r0 + RBLOCK : nr;
          kernel_block(ref, qd, dot, qn, rn, q0, q1, r0, r1, buf);
          for (q = q0; q < q1; q++) {
            const float *v = buf + (size_t)(q - q0) * RBLOCK;
            float *d = hd + (size_t)q * hc;
            int *ix = hi + (size_t)q * hc, r;
            for (r = r0; r < r1; r++) {
              const float x = v[r - r0];
              if (x > d[0]) continue;
              if (self && r == q) continue;
              if (x < d[0] || r < ix[0]) umapc_heap_replace_root(d, ix, hc, x, r);
            }
          }
        }
        for (q = q0; q < q1; q++) {
          float *d = hd + (size_t)q * hc;
          int *ix = hi + (size_t)q * hc, t;
          if (dot_path(ref)) {
            /* re-rank the candidates by the direct kernel */
            for (t = 0; t < hc; t++) d[t] = umapc_kernel(qd, q, ref, ix[t]);
            umapc_heap_build(d, ix, hc);
          }
          umapc_heap_sort(d, ix, hc);
        }
      }
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
      const float *d = hd + (size_t)q * hc;
      const int *ix = hi + (size_t)q * hc;
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
done:
  umapc_scratch_free(&bufs);
  free(hd);
  free(hi);
  if (qn != rn) free(qn);
  free(rn);
  return status;
}
