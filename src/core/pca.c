/*
 * PCA before the neighbour search (see pca.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eigen.h"
#include "pca.h"
#include "rng.h"

#define PAR_MIN 4096
#define ROW_BLOCK 64

/* the data with, for sparse input, a CSR copy of its pattern (rows' entries
 * in ascending column order) for the row-wise products */
typedef struct {
  const umapc_pca_input *in;
  int *rp, *ci;    /* CSR row pointers and column indices (sparse only) */
  double *rx;      /* CSR values */
  const double *mu;
  double *u;       /* n: X v - 1 (mu^T v) */
  int nt;
} pca_op;

static int build_csr(pca_op *op) {
  const umapc_pca_input *in = op->in;
  const int n = in->n, d = in->d;
  const size_t nnz = (size_t)in->p[d];
  int *pos = NULL, j;
  size_t e;
  op->rp = (int *)calloc((size_t)n + 1, sizeof(int));
  op->ci = (int *)malloc((nnz ? nnz : 1) * sizeof(int));
  op->rx = (double *)malloc((nnz ? nnz : 1) * sizeof(double));
  pos = (int *)malloc(((size_t)n + 1) * sizeof(int));
  if (op->rp == NULL || op->ci == NULL || op->rx == NULL || pos == NULL) {
    free(pos);
    return UMAPC_ERR_NOMEM;
  }
  for (e = 0; e < nnz; e++) {
    const int r = in->i[e];
    if (r < 0 || r >= n) {
      free(pos);
      return UMAPC_ERR_INVALID;
    }
    op->rp[r + 1]++;
  }
  for (j = 0; j < n; j++) op->rp[j + 1] += op->rp[j];
  memcpy(pos, op->rp, ((size_t)n + 1) * sizeof(int));
  for (j = 0; j < d; j++) {
    int t;
    for (t = in->p[j]; t < in->p[j + 1]; t++) {
      const int r = in->i[t];
      op->ci[pos[r]] = j;
      op->rx[pos[r]] = in->x[t];
      pos[r]++;
    }
  }
  free(pos);
  return UMAPC_OK;
}

static void free_csr(pca_op *op) {
  free(op->rp);
  free(op->ci);
  free(op->rx);
  op->rp = op->ci = NULL;
  op->rx = NULL;
}

/* u = X v, each u_i summed over the row's columns in ascending order */
static void x_times(const pca_op *op, const double *v, double *u) {
  const umapc_pca_input *in = op->in;
  const int n = in->n, d = in->d;
  long b;
  if (in->dense != NULL) {
    const long nb = (n + ROW_BLOCK - 1) / ROW_BLOCK;
#ifdef _OPENMP
#pragma omp parallel for num_threads(op->nt) schedule(static) if ((size_t)n * d >= PAR_MIN && op->nt > 1)
#endif
    for (b = 0; b < nb; b++) {
      const size_t lo = (size_t)b * ROW_BLOCK;
      const size_t hi = lo + ROW_BLOCK < (size_t)n ? lo + ROW_BLOCK : (size_t)n;
      double ub[ROW_BLOCK];
      size_t t;
      int j;
      for (t = lo; t < hi; t++) ub[t - lo] = 0.0;
      for (j = 0; j < d; j++) {
        const double *x = in->dense + (size_t)j * (size_t)n;
        const double vj = v[j];
        for (t = lo; t < hi; t++) ub[t - lo] += x[t] * vj;
      }
      for (t = lo; t < hi; t++) u[t] = ub[t - lo];
    }
  } else {
#ifdef _OPENMP
#pragma omp parallel for num_threads(op->nt) schedule(static) if ((size_t)in->p[d] >= PAR_MIN && op->nt > 1)
#endif
    for (b = 0; b < n; b++) {
      double s = 0.0;
      int t;
      for (t = op->rp[b]; t < op->rp[b + 1]; t++) s += op->rx[t] * v[op->ci[t]];
      u[b] = s;
    }
  }
}

/* y = X^T u, each y_j a sum over fixed chunks of UMAPC_SUM_CHUNK rows
 * (rows ascending within a chunk), the chunk sums added in order */
static void xt_times(const pca_op *op, const double *u, double *y) {
  const umapc_pca_input *in = op->in;
  const int n = in->n, d = in->d;
  long j;
#ifdef _OPENMP
#pragma omp parallel for num_threads(op->nt) schedule(dynamic, 16) if ((in->dense != NULL ? (size_t)n * d : (size_t)in->p[d]) >= PAR_MIN && op->nt > 1)
#endif
  for (j = 0; j < d; j++) {
    double tot = 0.0, s = 0.0;
    if (in->dense != NULL) {
      const double *x = in->dense + (size_t)j * (size_t)n;
      size_t lo;
      for (lo = 0; lo < (size_t)n; lo += UMAPC_SUM_CHUNK) {
        const size_t hi =
            lo + UMAPC_SUM_CHUNK < (size_t)n ? lo + UMAPC_SUM_CHUNK : (size_t)n;
        size_t t;
        s = 0.0;
        for (t = lo; t < hi; t++) s += x[t] * u[t];
        tot += s;
      }
    } else {
      int t, chunk = -1;
      for (t = in->p[j]; t < in->p[j + 1]; t++) {
        const int r = in->i[t];
        const int c = r / UMAPC_SUM_CHUNK;
        if (c != chunk) {
          tot += s;
          s = 0.0;
          chunk = c;
        }
        s += in->x[t] * u[r];
      }
      tot += s;
    }
    y[j] = tot;
  }
}

/* sum of u over fixed chunks, added in order */
static double chunk_sum(const double *u, size_t n) {
  double tot = 0.0;
  size_t lo;
  for (lo = 0; lo < n; lo += UMAPC_SUM_CHUNK) {
    const size_t hi = lo + UMAPC_SUM_CHUNK < n ? lo + UMAPC_SUM_CHUNK : n;
    double s = 0.0;
    size_t t;
    for (t = lo; t < hi; t++) s += u[t];
    tot += s;
  }
  return tot;
}

/* y = Xc^T Xc v = X^T u - mu (1^T u), u = X v - 1 (mu^T v) */
static void cov_matvec(void *ctx, const double *v, double *y) {
  pca_op *op = (pca_op *)ctx;
  const int n = op->in->n, d = op->in->d;
  double c = 0.0, su;
  int j;
  long i;
  for (j = 0; j < d; j++) c += op->mu[j] * v[j];
  x_times(op, v, op->u);
  for (i = 0; i < n; i++) op->u[i] -= c;
  su = chunk_sum(op->u, (size_t)n);
  xt_times(op, op->u, y);
  for (j = 0; j < d; j++) y[j] -= op->mu[j] * su;
}

static int check_input(const umapc_pca_input *X, int k) {
  if (X == NULL || X->n < 1 || X->d < 1 || k < 1 || k > X->d) return 0;
  if (X->dense == NULL &&
      (X->p == NULL || X->i == NULL || X->x == NULL || X->p[0] != 0 ||
       X->p[X->d] < 0))
    return 0;
  return 1;
}

/* scores with a CSR copy already built (sparse) */
static int project(const pca_op *op, int k, const double *rotation,
                   double *scores) {
  const umapc_pca_input *in = op->in;
  const int n = in->n, d = in->d, nt = op->nt;
  double *muv = NULL, *buf = NULL;
  const size_t bw = in->dense != NULL ? (size_t)ROW_BLOCK * (size_t)k
                                      : (size_t)k;
  int c;
  long b;
  muv = (double *)malloc((size_t)k * sizeof(double));
  buf = (double *)malloc((size_t)nt * bw * sizeof(double));
  if (muv == NULL || buf == NULL) {
    free(muv);
    free(buf);
    return UMAPC_ERR_NOMEM;
  }
  for (c = 0; c < k; c++) {
    const double *r = rotation + (size_t)c * (size_t)d;
    double s = 0.0;
    int j;
    for (j = 0; j < d; j++) s += op->mu[j] * r[j];
    muv[c] = s;
  }
  if (in->dense != NULL) {
    const long nb = (n + ROW_BLOCK - 1) / ROW_BLOCK;
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(static) if ((size_t)n * d >= PAR_MIN && nt > 1)
#endif
    for (b = 0; b < nb; b++) {
#ifdef _OPENMP
      double *acc = buf + (size_t)omp_get_thread_num() * bw;
#else
      double *acc = buf;
#endif
      const size_t lo = (size_t)b * ROW_BLOCK;
      const size_t hi = lo + ROW_BLOCK < (size_t)n ? lo + ROW_BLOCK : (size_t)n;
      const size_t m = hi - lo;
      size_t t;
      int j, cc;
      for (t = 0; t < m * (size_t)k; t++) acc[t] = 0.0;
      for (j = 0; j < d; j++) {
        const double *x = in->dense + (size_t)j * (size_t)n + lo;
        for (cc = 0; cc < k; cc++) {
          const double rj = rotation[(size_t)cc * (size_t)d + (size_t)j];
          double *a = acc + (size_t)cc * m;
          for (t = 0; t < m; t++) a[t] += x[t] * rj;
        }
      }
      for (cc = 0; cc < k; cc++)
        for (t = 0; t < m; t++)
          scores[(size_t)cc * (size_t)n + lo + t] =
              acc[(size_t)cc * m + t] - muv[cc];
    }
  } else {
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(dynamic, 64) if ((size_t)in->p[d] * k >= PAR_MIN && nt > 1)
#endif
    for (b = 0; b < n; b++) {
#ifdef _OPENMP
      double *acc = buf + (size_t)omp_get_thread_num() * bw;
#else
      double *acc = buf;
#endif
      int t, cc;
      for (cc = 0; cc < k; cc++) acc[cc] = 0.0;
      for (t = op->rp[b]; t < op->rp[b + 1]; t++) {
        const double xv = op->rx[t];
        const size_t j = (size_t)op->ci[t];
        for (cc = 0; cc < k; cc++)
          acc[cc] += xv * rotation[(size_t)cc * (size_t)d + j];
      }
      for (cc = 0; cc < k; cc++)
        scores[(size_t)cc * (size_t)n + (size_t)b] = acc[cc] - muv[cc];
    }
  }
  free(muv);
  free(buf);
  return UMAPC_OK;
}

int umapc_pca_project(const umapc_pca_input *X, int k, const double *center,
                      const double *rotation, int n_threads, double *scores) {
  pca_op op;
  int status;
  if (!check_input(X, k) || center == NULL || rotation == NULL ||
      scores == NULL)
    return UMAPC_ERR_INVALID;
  memset(&op, 0, sizeof op);
  op.in = X;
  op.mu = center;
  op.nt = umapc_clamp_threads(n_threads);
  if (X->dense == NULL) {
    status = build_csr(&op);
    if (status != UMAPC_OK) {
      free_csr(&op);
      return status;
    }
  }
  status = project(&op, k, rotation, scores);
  free_csr(&op);
  return status;
}

int umapc_pca_fit(const umapc_pca_input *X, int k, uint64_t seed,
                  int n_threads, const umapc_interrupt *intr, double *center,
                  double *rotation, double *sdev, double *scores,
                  int *converged) {
  pca_op op;
  double *evals = NULL, *ones = NULL;
  int status = UMAPC_OK, j, c;
  const int n = X != NULL ? X->n : 0, d = X != NULL ? X->d : 0;
  umapc_eigen_opts eo;
  umapc_eigen_info info;

  if (converged != NULL) *converged = 0;
  if (!check_input(X, k) || center == NULL || rotation == NULL ||
      sdev == NULL)
    return UMAPC_ERR_INVALID;
  memset(&op, 0, sizeof op);
  op.in = X;
  op.mu = center;
  op.nt = umapc_clamp_threads(n_threads);
  op.u = (double *)malloc((size_t)n * sizeof(double));
  ones = (double *)malloc((size_t)n * sizeof(double));
  evals = (double *)malloc((size_t)k * sizeof(double));
  if (op.u == NULL || ones == NULL || evals == NULL) {
    status = UMAPC_ERR_NOMEM;
    goto done;
  }
  if (X->dense == NULL) {
    status = build_csr(&op);
    if (status != UMAPC_OK) goto done;
  }

  /* column means */
  for (j = 0; j < n; j++) ones[j] = 1.0;
  xt_times(&op, ones, center);
  for (j = 0; j < d; j++) {
    center[j] /= n;
    if (!isfinite(center[j])) {
      status = UMAPC_ERR_NUMERIC;
      goto done;
    }
  }

  umapc_eigen_opts_default(&eo);
  eo.n_threads = op.nt;
  eo.key = umapc_rng_key(seed, UMAPC_STREAM_PCA);
  eo.ctr = 0;
  eo.tol = 1e-7;
  eo.max_restarts = 1000;
  status = umapc_eigsh_largest(d, k, cov_matvec, &op, &eo, intr, evals,
                               rotation, &info);
  if (status != UMAPC_OK) goto done;
  if (converged != NULL) *converged = info.converged;
  for (c = 0; c < k; c++) {
    const double ev = evals[c] > 0.0 ? evals[c] : 0.0;
    sdev[c] = n > 1 ? sqrt(ev / (double)(n - 1)) : 0.0;
  }
  if (scores != NULL) status = project(&op, k, rotation, scores);

done:
  free_csr(&op);
  free(op.u);
  free(ones);
  free(evals);
  return status;
}
