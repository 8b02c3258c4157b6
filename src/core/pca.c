/*
 * PCA before the neighbour search (see pca.h).
 */
#include "fp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eigen.h"
#include "pca.h"
#include "rng.h"

#define PAR_MIN 4096
#define ROW_BLOCK 64

/* subspace iteration: at least PCA_MIN_EXTRA extra columns (k extra when
 * k is larger), iterations, residual tolerance. On the 271 cells x 2,000
 * genes of HSMMSingleCell, whose variances flatten out after the first ten
 * components, 2k columns and 10 iterations give 15-NN lists that share 98%
 * of their members with those of the exact 50 components (prcomp), and
 * 99.98% of their variance. */
#define PCA_MIN_EXTRA 10
#define PCA_MIN_ITER 2
#define PCA_MAX_ITER 10
#define PCA_TOL 1e-5

/* the data with, for sparse input, a CSR copy of its pattern (rows' entries
 * in ascending column order) for the row-wise products */
typedef struct {
  const umapc_pca_input *in;
  int *rp, *ci;    /* CSR row pointers and column indices (sparse only) */
  double *rx;      /* CSR values */
  const double *mu;
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
                   double *scores, int row_major) {
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
      if (row_major) {
        for (t = 0; t < m; t++)
          for (cc = 0; cc < k; cc++)
            scores[(lo + t) * (size_t)k + (size_t)cc] =
                acc[(size_t)cc * m + t] - muv[cc];
      } else {
        for (cc = 0; cc < k; cc++)
          for (t = 0; t < m; t++)
            scores[(size_t)cc * (size_t)n + lo + t] =
                acc[(size_t)cc * m + t] - muv[cc];
      }
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
        scores[row_major ? (size_t)b * (size_t)k + (size_t)cc
                         : (size_t)cc * (size_t)n + (size_t)b] = acc[cc] - muv[cc];
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
  status = project(&op, k, rotation, scores, 0);
  free_csr(&op);
  return status;
}

/* Z = Xc^T Y (d x m column-major) for Y (n x m row-major):
 * Z_jc = sum_i x_ij Y_ic - mu_j sum_i Y_ic, the sums over i in fixed chunks
 * as xt_times(), rows ascending within a chunk. buf: n_threads * 2m
 * doubles. */
static void xt_block(const pca_op *op, const double *Y, int m, double *Z,
                     double *buf, double *ysum) {
  const umapc_pca_input *in = op->in;
  const int n = in->n, d = in->d;
  int c;
  long j;
  for (c = 0; c < m; c++) {
    double tot = 0.0;
    size_t lo;
    for (lo = 0; lo < (size_t)n; lo += UMAPC_SUM_CHUNK) {
      const size_t hi =
          lo + UMAPC_SUM_CHUNK < (size_t)n ? lo + UMAPC_SUM_CHUNK : (size_t)n;
      double a = 0.0;
      size_t t;
      for (t = lo; t < hi; t++) a += Y[t * (size_t)m + (size_t)c];
      tot += a;
    }
    ysum[c] = tot;
  }
#ifdef _OPENMP
#pragma omp parallel for num_threads(op->nt) schedule(dynamic, 16) if ((in->dense != NULL ? (size_t)n * d : (size_t)in->p[d]) * m >= PAR_MIN && op->nt > 1)
#endif
  for (j = 0; j < d; j++) {
#ifdef _OPENMP
    double *tot = buf + (size_t)omp_get_thread_num() * 2 * (size_t)m;
#else
    double *tot = buf;
#endif
    double *s = tot + m;
    int cc;
    for (cc = 0; cc < m; cc++) tot[cc] = s[cc] = 0.0;
    if (in->dense != NULL) {
      const double *x = in->dense + (size_t)j * (size_t)n;
      size_t lo;
      for (lo = 0; lo < (size_t)n; lo += UMAPC_SUM_CHUNK) {
        const size_t hi =
            lo + UMAPC_SUM_CHUNK < (size_t)n ? lo + UMAPC_SUM_CHUNK : (size_t)n;
        size_t t;
        for (cc = 0; cc < m; cc++) s[cc] = 0.0;
        for (t = lo; t < hi; t++) {
          const double xv = x[t];
          const double *y = Y + t * (size_t)m;
          for (cc = 0; cc < m; cc++) s[cc] += xv * y[cc];
        }
        for (cc = 0; cc < m; cc++) tot[cc] += s[cc];
      }
    } else {
      int t, chunk = -1;
      for (t = in->p[j]; t < in->p[j + 1]; t++) {
        const int r = in->i[t];
        const int ch = r / UMAPC_SUM_CHUNK;
        const double xv = in->x[t];
        const double *y = Y + (size_t)r * (size_t)m;
        if (ch != chunk) {
          for (cc = 0; cc < m; cc++) {
            tot[cc] += s[cc];
            s[cc] = 0.0;
          }
          chunk = ch;
        }
        for (cc = 0; cc < m; cc++) s[cc] += xv * y[cc];
      }
      for (cc = 0; cc < m; cc++) tot[cc] += s[cc];
    }
    for (cc = 0; cc < m; cc++)
      Z[(size_t)cc * (size_t)d + (size_t)j] = tot[cc] - op->mu[j] * ysum[cc];
  }
}

static double dotv(const double *a, const double *b, size_t len) {
  double s = 0.0;
  size_t t;
  for (t = 0; t < len; t++) s += a[t] * b[t];
  return s;
}

/* Orthonormal columns for Q (len x m column-major) by Gram-Schmidt applied
 * twice; a column that vanishes (rank deficiency) is replaced by a random
 * one drawn from key with counters (row, *ctr). Sequential: deterministic. */
static void orthonormalise(double *Q, size_t len, int m, uint64_t key,
                           uint64_t *ctr) {
  int c, p, pass, tries;
  for (c = 0; c < m; c++) {
    double *q = Q + (size_t)c * len;
    for (tries = 0; tries < 4; tries++) {
      const double n0 = sqrt(dotv(q, q, len));
      double nrm;
      size_t t;
      for (pass = 0; pass < 2; pass++)
        for (p = 0; p < c; p++) {
          const double *qp = Q + (size_t)p * len;
          const double h = dotv(qp, q, len);
          for (t = 0; t < len; t++) q[t] -= h * qp[t];
        }
      nrm = sqrt(dotv(q, q, len));
      if (nrm > 1e-10 * n0 && nrm > 0.0 && isfinite(nrm)) {
        for (t = 0; t < len; t++) q[t] /= nrm;
        break;
      }
      for (t = 0; t < len; t++) q[t] = umapc_rng_normal(key, (uint64_t)t, *ctr);
      (*ctr)++;
    }
  }
}

/*
 * Subspace iteration with Rayleigh-Ritz (randomised start, m = k +
 * max(10, k) columns, at most d):
 * V <- orth(A V) with A = Xc^T Xc, until the residuals |A u - theta u| of
 * the k wanted Ritz vectors are below PCA_TOL times the largest Ritz value
 * (at least PCA_MIN_ITER and at most PCA_MAX_ITER products with A). Near
 * the cap only directions inside a cluster of almost equal variances stay
 * mixed, which does not change distances much.
 */
int umapc_pca_fit(const umapc_pca_input *X, int k, uint64_t seed,
                  int n_threads, const umapc_interrupt *intr, double *center,
                  double *rotation, double *sdev, double *scores,
                  int *converged) {
  pca_op op;
  const uint64_t key = umapc_rng_key(seed, UMAPC_STREAM_PCA);
  uint64_t ctr = 0;
  double *ones = NULL, *V = NULL, *Z = NULL, *U = NULL, *AU = NULL, *Y = NULL;
  double *H = NULL, *W = NULL, *theta = NULL, *buf = NULL, *ysum = NULL;
  int status = UMAPC_OK, m, it, c, a, b;
  const int n = X != NULL ? X->n : 0, d = X != NULL ? X->d : 0;
  size_t t, dd;

  if (converged != NULL) *converged = 0;
  if (!check_input(X, k) || center == NULL || rotation == NULL ||
      sdev == NULL)
    return UMAPC_ERR_INVALID;
  memset(&op, 0, sizeof op);
  op.in = X;
  op.mu = center;
  op.nt = umapc_clamp_threads(n_threads);
  m = k + (k > PCA_MIN_EXTRA ? k : PCA_MIN_EXTRA);
  if (m > d) m = d;
  dd = (size_t)d * (size_t)m;
  ones = (double *)malloc((size_t)n * sizeof(double));
  V = (double *)malloc(dd * sizeof(double));
  Z = (double *)malloc(dd * sizeof(double));
  U = (double *)malloc(dd * sizeof(double));
  AU = (double *)malloc(dd * sizeof(double));
  Y = (double *)malloc((size_t)n * (size_t)m * sizeof(double));
  H = (double *)malloc((size_t)m * (size_t)m * sizeof(double));
  W = (double *)malloc((size_t)m * (size_t)m * sizeof(double));
  theta = (double *)malloc((size_t)m * sizeof(double));
  buf = (double *)malloc((size_t)op.nt * 2 * (size_t)m * sizeof(double));
  ysum = (double *)malloc((size_t)m * sizeof(double));
  if (ones == NULL || V == NULL || Z == NULL || U == NULL || AU == NULL ||
      Y == NULL || H == NULL || W == NULL || theta == NULL || buf == NULL ||
      ysum == NULL) {
    status = UMAPC_ERR_NOMEM;
    goto done;
  }
  if (X->dense == NULL) {
    status = build_csr(&op);
    if (status != UMAPC_OK) goto done;
  }

  /* column means */
  for (t = 0; t < (size_t)n; t++) ones[t] = 1.0;
  xt_times(&op, ones, center);
  for (c = 0; c < d; c++) {
    center[c] /= n;
    if (!isfinite(center[c])) {
      status = UMAPC_ERR_NUMERIC;
      goto done;
    }
  }

  /* random start */
  for (c = 0; c < m; c++)
    for (t = 0; t < (size_t)d; t++)
      V[(size_t)c * (size_t)d + t] = umapc_rng_normal(key, (uint64_t)t, ctr + (uint64_t)c);
  ctr += (uint64_t)m;
  orthonormalise(V, (size_t)d, m, key, &ctr);

  for (it = 1;; it++) {
    double worst = 0.0;
    status = project(&op, m, V, Y, 1); /* Y = Xc V, n x m row-major */
    if (status != UMAPC_OK) goto done;
    xt_block(&op, Y, m, Z, buf, ysum); /* Z = A V */
    if (umapc_interrupted(intr)) {
      status = UMAPC_ERR_INTERRUPTED;
      goto done;
    }
    /* Rayleigh-Ritz: H = V^T A V (symmetrised) */
    for (a = 0; a < m; a++)
      for (b = a; b < m; b++) {
        const double h = 0.5 * (dotv(V + (size_t)a * d, Z + (size_t)b * d, (size_t)d) +
                                dotv(V + (size_t)b * d, Z + (size_t)a * d, (size_t)d));
        H[(size_t)a * m + b] = H[(size_t)b * m + a] = h;
      }
    status = umapc_jacobi_eigen(H, m, theta, W);
    if (status != UMAPC_OK) goto done;
    /* Ritz vectors U = V W and A U = Z W (the wanted k, then the rest) */
    for (c = 0; c < m; c++) {
      double *u = U + (size_t)c * d, *au = AU + (size_t)c * d;
      for (t = 0; t < (size_t)d; t++) u[t] = au[t] = 0.0;
      for (a = 0; a < m; a++) {
        const double w = W[(size_t)a * m + c];
        const double *v = V + (size_t)a * d, *z = Z + (size_t)a * d;
        for (t = 0; t < (size_t)d; t++) {
          u[t] += w * v[t];
          au[t] += w * z[t];
        }
      }
      if (c < k) {
        double r = 0.0;
        for (t = 0; t < (size_t)d; t++) {
          const double e = au[t] - theta[c] * u[t];
          r += e * e;
        }
        r = sqrt(r);
        if (!(r <= worst)) worst = r;
      }
    }
    if (!isfinite(worst)) {
      status = UMAPC_ERR_NUMERIC;
      goto done;
    }
    if (it >= PCA_MIN_ITER && worst <= PCA_TOL * fabs(theta[0])) {
      if (converged != NULL) *converged = 1;
      break;
    }
    if (it >= PCA_MAX_ITER) break;
    /* power step: the next basis spans A U (= A V) */
    memcpy(V, AU, dd * sizeof(double));
    orthonormalise(V, (size_t)d, m, key, &ctr);
  }

  /* the wanted components: unit, largest entry positive */
  for (c = 0; c < k; c++) {
    const double *u = U + (size_t)c * d;
    double *r = rotation + (size_t)c * d;
    const double nrm = sqrt(dotv(u, u, (size_t)d));
    double big = -1.0, sgn;
    size_t arg = 0;
    for (t = 0; t < (size_t)d; t++)
      if (fabs(u[t]) > big) {
        big = fabs(u[t]);
        arg = t;
      }
    sgn = u[arg] < 0.0 ? -1.0 : 1.0;
    for (t = 0; t < (size_t)d; t++) r[t] = sgn * u[t] / nrm;
    sdev[c] = n > 1 && theta[c] > 0.0 ? sqrt(theta[c] / (double)(n - 1)) : 0.0;
  }
  if (scores != NULL) status = project(&op, k, rotation, scores, 0);

done:
  free_csr(&op);
  free(ones);
  free(V);
  free(Z);
  free(U);
  free(AU);
  free(Y);
  free(H);
  free(W);
  free(theta);
  free(buf);
  free(ysum);
  return status;
}
