/*
 * PCA initialisation (see spectral.h): the leading eigenvectors of the
 * covariance of the column-centred data from the Lanczos solver in eigen.c,
 * the covariance applied as Xc^T (Xc v) without forming it, with sums in
 * fixed chunks so that the result does not depend on the thread count.
 */
#include "fp.h"

#include <math.h>
#include <stdlib.h>

#include "eigen.h"
#include "init_common.h"
#include "parallel.h"
#include "rng.h"
#include "spectral.h"

typedef struct {
  const double *X; /* n x d column-major */
  const double *mu;
  int n, d, nt;
  size_t n_chunks;
  double *partial; /* n_chunks * d */
} cov_op;

/* y_j = sum_t (X_tj - mu_j) u_t: chunk sums of UMAPC_SUM_CHUNK rows added in
 * order, so the value does not depend on how the work is split */
static void xct_times(const cov_op *op, const double *u, double *y) {
  const size_t n = (size_t)op->n, nc = op->n_chunks;
  const int d = op->d;
  if (d >= 16 || nc < 2) {
    long j;
#ifdef _OPENMP
#pragma omp parallel for num_threads(op->nt) schedule(static) if ((size_t)d * n >= UMAPC_PAR_VEC_MIN && op->nt > 1)
#endif
    for (j = 0; j < d; j++) {
      const double *x = op->X + (size_t)j * n;
      const double m = op->mu[j];
      double tot = 0.0;
      size_t c;
      for (c = 0; c < nc; c++) {
        const size_t lo = c * UMAPC_SUM_CHUNK;
        const size_t hi = lo + UMAPC_SUM_CHUNK < n ? lo + UMAPC_SUM_CHUNK : n;
        double s = 0.0;
        size_t t;
        for (t = lo; t < hi; t++) s += (x[t] - m) * u[t];
        tot += s;
      }
      y[j] = tot;
    }
  } else {
    long c;
    int j;
#ifdef _OPENMP
#pragma omp parallel for num_threads(op->nt) schedule(static) if (n >= UMAPC_PAR_VEC_MIN && op->nt > 1)
#endif
    for (c = 0; c < (long)nc; c++) {
      const size_t lo = (size_t)c * UMAPC_SUM_CHUNK;
      const size_t hi = lo + UMAPC_SUM_CHUNK < n ? lo + UMAPC_SUM_CHUNK : n;
      int jj;
      for (jj = 0; jj < d; jj++) {
        const double *x = op->X + (size_t)jj * n;
        const double m = op->mu[jj];
        double s = 0.0;
        size_t t;
        for (t = lo; t < hi; t++) s += (x[t] - m) * u[t];
        op->partial[(size_t)c * d + jj] = s;
      }
    }
    for (j = 0; j < d; j++) {
      double tot = 0.0;
      size_t cc;
      for (cc = 0; cc < nc; cc++) tot += op->partial[cc * d + j];
      y[j] = tot;
    }
  }
}

/* y = Xc^T (Xc v) in one pass over X: for each fixed chunk of
 * UMAPC_SUM_CHUNK rows, in sub-blocks of 64 rows (kept in cache),
 * u = Xc v row by row in column order, then the chunk's partial sums of
 * Xc^T u row by row; the chunk sums are added in chunk order. */
#define PCA_SUB 64
static void cov_matvec(void *ctx, int nt, const double *v, double *y) {
  const cov_op *op = (const cov_op *)ctx;
  const size_t n = (size_t)op->n, nc = op->n_chunks;
  const int d = op->d;
  long c;
  int j;
  (void)nt; /* the threads, for OpenMP builds */
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(static) if ((size_t)d * n >= UMAPC_PAR_VEC_MIN && nt > 1)
#endif
  for (c = 0; c < (long)nc; c++) {
    const size_t lo = (size_t)c * UMAPC_SUM_CHUNK;
    const size_t hi = lo + UMAPC_SUM_CHUNK < n ? lo + UMAPC_SUM_CHUNK : n;
    double *part = op->partial + (size_t)c * d;
    double ub[PCA_SUB];
    size_t sb, t;
    int jj;
    for (jj = 0; jj < d; jj++) part[jj] = 0.0;
    for (sb = lo; sb < hi; sb += PCA_SUB) {
      const size_t se = sb + PCA_SUB < hi ? sb + PCA_SUB : hi;
      for (t = sb; t < se; t++) ub[t - sb] = 0.0;
      for (jj = 0; jj < d; jj++) {
        const double *x = op->X + (size_t)jj * n;
        const double m = op->mu[jj], vj = v[jj];
        for (t = sb; t < se; t++) ub[t - sb] += (x[t] - m) * vj;
      }
      for (jj = 0; jj < d; jj++) {
        const double *x = op->X + (size_t)jj * n;
        const double m = op->mu[jj];
        double s = part[jj];
        for (t = sb; t < se; t++) s += (x[t] - m) * ub[t - sb];
        part[jj] = s;
      }
    }
  }
  for (j = 0; j < d; j++) {
    double tot = 0.0;
    size_t cc;
    for (cc = 0; cc < nc; cc++) tot += op->partial[cc * d + j];
    y[j] = tot;
  }
}

int umapc_pca_init(const double *X, int n, int d, int dim, uint64_t seed,
                   int n_threads, const umapc_interrupt *intr, double *out) {
  const uint64_t key = umapc_rng_key(seed, UMAPC_STREAM_INIT);
  const int nt = umapc_clamp_threads(n_threads);
  int status = UMAPC_OK, nev, nok = 0, j, c;
  double *mu = NULL, *u = NULL, *partial = NULL, *V = NULL, *evals = NULL;
  cov_op op;
  size_t nc;
  long i;

  if (n < 0 || d < 1 || dim < 1) return UMAPC_INVALID();
  if (n == 0) return UMAPC_OK;
  if (X == NULL || out == NULL) return UMAPC_INVALID();
  nev = dim < d ? dim : d;
  nc = ((size_t)n + UMAPC_SUM_CHUNK - 1) / UMAPC_SUM_CHUNK;
  mu = (double *)malloc((size_t)d * sizeof(double));
  u = (double *)malloc((size_t)n * sizeof(double));
  partial = (double *)malloc(nc * (size_t)d * sizeof(double));
  V = (double *)malloc((size_t)d * (size_t)nev * sizeof(double));
  evals = (double *)malloc((size_t)nev * sizeof(double));
  if (mu == NULL || u == NULL || partial == NULL || V == NULL ||
      evals == NULL) {
    status = UMAPC_ERR_NOMEM;
    goto done;
  }

  /* column means (fixed-chunk sums) */
  for (i = 0; i < n; i++) u[i] = 1.0;
  for (j = 0; j < d; j++) mu[j] = 0.0;
  op.X = X;
  op.mu = mu;
  op.n = n;
  op.d = d;
  op.nt = nt;
  op.n_chunks = nc;
  op.partial = partial;
  xct_times(&op, u, mu);
  for (j = 0; j < d; j++) {
    mu[j] /= n;
    if (!isfinite(mu[j])) {
      status = UMAPC_INVALID();
      goto done;
    }
  }

  {
    umapc_eigen_opts eo;
    umapc_eigen_info info;
    umapc_eigen_opts_default(&eo);
    eo.n_threads = nt;
    eo.matvec_cost = 2.0 * (double)n; /* X^T (X v): 2 n d multiply-adds */
    eo.key = key;
    eo.ctr = UMAPC_INIT_CTR_EIGEN;
    eo.tol = 1e-6;
    eo.max_restarts = 300;
    status = umapc_eigsh_largest(d, nev, cov_matvec, &op, &eo, intr, evals, V,
                                 &info);
    if (status != UMAPC_OK) goto done;
  }
  /* components with (numerically) zero variance are not kept */
  for (c = 0; c < nev; c++)
    if (evals[c] > 1e-12 * evals[0] && evals[0] > 0.0) nok++;

  /* scores = Xc V, row-major n x dim */
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(static) if (n >= UMAPC_PAR_VEC_MIN && nt > 1)
#endif
  for (i = 0; i < n; i++) {
    int cc, jj;
    for (cc = 0; cc < dim; cc++) {
      double s = 0.0;
      if (cc < nok)
        for (jj = 0; jj < d; jj++)
          s += (X[(size_t)jj * (size_t)n + (size_t)i] - mu[jj]) *
               V[(size_t)cc * (size_t)d + (size_t)jj];
      out[(size_t)i * dim + cc] = s;
    }
  }
  {
    /* pad missing components with small uniform noise (all of [-1, 1] when
     * the data have no variance at all) */
    const double mx = umapc_init_max_abs(out, (size_t)n * (size_t)dim);
    const double amp = (nok > 0 && mx > 0.0) ? 1e-2 * mx : 1.0;
    if (mx < 0.0) {
      status = UMAPC_ERR_NUMERIC;
      goto done;
    }
    for (i = 0; i < n; i++)
      for (c = nok; c < dim; c++)
        out[(size_t)i * dim + c] =
            amp * (2.0 * umapc_rng_unif(umapc_rng_u64(
                             key, (uint64_t)i, UMAPC_INIT_CTR_SMALL + (uint64_t)c)) -
                   1.0);
  }
  if (!umapc_init_scale_and_jitter(out, n, dim, key, nt)) status = UMAPC_ERR_NUMERIC;

done:
  free(mu);
  free(u);
  free(partial);
  free(V);
  free(evals);
  return status;
}
