/*
 * Spectral and PCA initialisation (see spectral.h), on top of the
 * thick-restart Lanczos solver in eigen.c.
 *
 * Spectral: N = D^-1/2 W D^-1/2 on the graph without the entries below
 * min_weight. Its top eigenvector on a connected component is D^1/2 1
 * (eigenvalue 1); rather than computing it and dropping it, the solver is
 * given it as a deflation vector, so it returns directly the next dim
 * eigenvectors (the "dim + 1 largest, first dropped" of umap-learn, with
 * the trivial one handled exactly). Each connected component is embedded on
 * its own, the components are placed apart, then everything is scaled so the
 * largest |coordinate| is 10 and N(0, 1e-4) jitter is added.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eigen.h"
#include "rng.h"
#include "spectral.h"

/* counter domains (second counter) of stream UMAPC_STREAM_INIT; the jitter
 * uses (i, d) with d < dim */
#define CTR_SMALL ((uint64_t)1 << 48)    /* tiny components, PCA padding */
#define CTR_FALLBACK ((uint64_t)1 << 52) /* uniform fallback layout */
#define CTR_EIGEN ((uint64_t)1 << 56)    /* eigensolver start vectors */

#define PAR_MIN 4096

/* ---------------------------------------------------------------------- */
/* shared helpers                                                          */
/* ---------------------------------------------------------------------- */

/* largest |x| over n * dim values, or -1 when one is not finite */
static double max_abs(const double *x, size_t len) {
  double m = 0.0;
  size_t t;
  for (t = 0; t < len; t++) {
    const double a = fabs(x[t]);
    if (!isfinite(a)) return -1.0;
    if (a > m) m = a;
  }
  return m;
}

/* out *= 10 / max|out|, then + N(0, 1e-4) jitter; returns 0 if non-finite */
static int scale_and_jitter(double *out, int n, int dim, uint64_t key,
                            int nt) {
  const size_t len = (size_t)n * (size_t)dim;
  const double mx = max_abs(out, len);
  const double s = mx > 0.0 ? 10.0 / mx : 1.0;
  long i;
  if (mx < 0.0) return 0;
  (void)nt;
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(static) if (n >= PAR_MIN && nt > 1)
#endif
  for (i = 0; i < n; i++) {
    int d;
    for (d = 0; d < dim; d++) {
      double *y = out + (size_t)i * (size_t)dim + (size_t)d;
      *y = *y * s + 1e-4 * umapc_rng_normal(key, (uint64_t)i, (uint64_t)d);
    }
  }
  return max_abs(out, len) >= 0.0;
}

static void uniform_layout(double *out, int n, int dim, uint64_t key) {
  long i;
  for (i = 0; i < n; i++) {
    int d;
    for (d = 0; d < dim; d++)
      out[(size_t)i * (size_t)dim + (size_t)d] =
          20.0 * umapc_rng_unif(umapc_rng_u64(key, (uint64_t)i,
                                              CTR_FALLBACK + (uint64_t)d)) -
          10.0;
  }
}

/* ---------------------------------------------------------------------- */
/* spectral                                                                */
/* ---------------------------------------------------------------------- */

typedef struct {
  const int *p;    /* row offsets of the component's rows (global array) */
  const int *j;    /* local column indices */
  const double *w; /* normalised weights w_ij / sqrt(d_i d_j) */
  int nc;          /* rows in this component */
  int nt;
} norm_op;

static void norm_matvec(void *ctx, const double *x, double *y) {
  const norm_op *op = (const norm_op *)ctx;
  const int *p = op->p, *jj = op->j;
  const double *w = op->w;
  long r;
#ifdef _OPENMP
#pragma omp parallel for num_threads(op->nt) schedule(static, 512) if (op->nc >= PAR_MIN && op->nt > 1)
#endif
  for (r = 0; r < op->nc; r++) {
    double s = 0.0;
    int e;
    for (e = p[r]; e < p[r + 1]; e++) s += w[e] * x[jj[e]];
    y[r] = s;
  }
}

static int uf_find(int *parent, int x) {
  int r = x;
  while (parent[r] != r) r = parent[r];
  while (parent[x] != r) {
    const int nx = parent[x];
    parent[x] = r;
    x = nx;
  }
  return r;
}

typedef struct {
  int id;   /* first-appearance (= smallest vertex) order */
  int size;
} comp_t;

static int comp_cmp(const void *a, const void *b) {
  const comp_t *x = (const comp_t *)a, *y = (const comp_t *)b;
  if (x->size != y->size) return x->size > y->size ? -1 : 1;
  return x->id < y->id ? -1 : (x->id > y->id ? 1 : 0);
}

static int keep_edge(double w, double min_weight) {
  return isfinite(w) && w > 0.0 && w >= min_weight;
}

int umapc_spectral_init(const umapc_csr *g, double min_weight, int dim,
                        uint64_t seed, int n_threads,
                        const umapc_interrupt *intr, double *out,
                        int *fallback) {
  const uint64_t key = umapc_rng_key(seed, UMAPC_STREAM_INIT);
  const int nt = umapc_clamp_threads(n_threads);
  int n, r, e, c, K = 0, status = UMAPC_OK, failed = 0;
  long nnz = 0;
  int *parent = NULL, *label = NULL, *perm = NULL, *loc = NULL, *start = NULL;
  int *P2 = NULL, *J2 = NULL, *rank = NULL;
  double *deg = NULL, *W2 = NULL, *evecs = NULL, *evals = NULL, *defl = NULL;
  double *centres = NULL, *radius = NULL, *tmp = NULL;
  comp_t *comps = NULL;

  if (fallback != NULL) *fallback = 0;
  if (g == NULL || dim < 1 || g->n < 0) return UMAPC_INVALID();
  n = g->n;
  if (n == 0) return UMAPC_OK;
  if (out == NULL || g->p == NULL || (g->p[n] > 0 && g->j == NULL) ||
      (g->p[n] > 0 && g->w == NULL) || g->p[0] != 0)
    return UMAPC_INVALID();
  for (r = 0; r < n; r++) {
    if (g->p[r + 1] < g->p[r]) return UMAPC_INVALID();
    for (e = g->p[r]; e < g->p[r + 1]; e++)
      if (g->j[e] < 0 || g->j[e] >= n) return UMAPC_INVALID();
  }

  parent = (int *)malloc((size_t)n * sizeof(int));
  label = (int *)malloc((size_t)n * sizeof(int));
  perm = (int *)malloc((size_t)n * sizeof(int));
  loc = (int *)malloc((size_t)n * sizeof(int));
  deg = (double *)malloc((size_t)n * sizeof(double));
  tmp = (double *)malloc((size_t)n * (size_t)dim * sizeof(double));
  if (parent == NULL || label == NULL || perm == NULL || loc == NULL ||
      deg == NULL || tmp == NULL) {
    status = UMAPC_ERR_NOMEM;
    goto done;
  }

  /* degrees and connected components (union by smaller root index) */
  for (r = 0; r < n; r++) parent[r] = r;
  for (r = 0; r < n; r++) {
    double d = 0.0;
    for (e = g->p[r]; e < g->p[r + 1]; e++) {
      const int cc = g->j[e];
      if (!keep_edge(g->w[e], min_weight)) continue;
      d += g->w[e];
      nnz++;
      if (cc != r) {
        const int a = uf_find(parent, r), b = uf_find(parent, cc);
        if (a < b) parent[b] = a;
        else if (b < a) parent[a] = b;
      }
    }
    deg[r] = d;
  }
  for (r = 0; r < n; r++) {
    const int root = uf_find(parent, r);
    if (root == r) label[r] = K++;
    else label[r] = label[root]; /* root < r: already labelled */
  }

  comps = (comp_t *)calloc((size_t)K, sizeof(comp_t));
  rank = (int *)malloc((size_t)K * sizeof(int));
  start = (int *)malloc((size_t)(K + 1) * sizeof(int));
  centres = (double *)calloc((size_t)K * (size_t)dim, sizeof(double));
  radius = (double *)malloc((size_t)K * sizeof(double));
  P2 = (int *)malloc((size_t)(n + 1) * sizeof(int));
  J2 = (int *)malloc((size_t)(nnz > 0 ? nnz : 1) * sizeof(int));
  W2 = (double *)malloc((size_t)(nnz > 0 ? nnz : 1) * sizeof(double));
  if (comps == NULL || rank == NULL || start == NULL || centres == NULL ||
      radius == NULL || P2 == NULL || J2 == NULL || W2 == NULL) {
    status = UMAPC_ERR_NOMEM;
    goto done;
  }
  for (c = 0; c < K; c++) comps[c].id = c;
  for (r = 0; r < n; r++) comps[label[r]].size++;
  qsort(comps, (size_t)K, sizeof(comp_t), comp_cmp);
  for (c = 0; c < K; c++) rank[comps[c].id] = c;
  start[0] = 0;
  for (c = 0; c < K; c++) start[c + 1] = start[c] + comps[c].size;
  {
    /* vertices grouped by component (biggest first), ascending inside */
    int *fill = (int *)malloc((size_t)K * sizeof(int));
    if (fill == NULL) {
      status = UMAPC_ERR_NOMEM;
      goto done;
    }
    for (c = 0; c < K; c++) fill[c] = start[c];
    for (r = 0; r < n; r++) {
      const int cr = rank[label[r]];
      perm[fill[cr]] = r;
      loc[r] = fill[cr] - start[cr];
      fill[cr]++;
    }
    free(fill);
  }
  /* the normalised operator, rows in perm order, local column indices */
  {
    long pos = 0;
    int q;
    for (q = 0; q < n; q++) {
      const int rr = perm[q];
      const double dr = deg[rr] > 0.0 ? 1.0 / sqrt(deg[rr]) : 0.0;
      P2[q] = (int)pos;
      for (e = g->p[rr]; e < g->p[rr + 1]; e++) {
        const int cc = g->j[e];
        if (!keep_edge(g->w[e], min_weight)) continue;
        J2[pos] = loc[cc];
        W2[pos] = deg[cc] > 0.0 ? dr * g->w[e] * (1.0 / sqrt(deg[cc])) : 0.0;
        pos++;
      }
    }
    P2[n] = (int)pos;
  }

  /* where the components go: centres and radii */
  if (K == 1) {
    radius[0] = 1.0;
  } else if (K <= 2 * dim) {
    /* umap-learn: e_1..e_h, then -e_1..-e_h, h = ceil(K / 2) */
    const int half = (K + 1) / 2;
    for (c = 0; c < K; c++) {
      const int axis = c < half ? c : c - half;
      centres[(size_t)c * dim + axis] = c < half ? 1.0 : -1.0;
    }
    for (c = 0; c < K; c++) {
      double best = HUGE_VAL;
      int c2, d;
      for (c2 = 0; c2 < K; c2++) {
        double s = 0.0;
        if (c2 == c) continue;
        for (d = 0; d < dim; d++) {
          const double t = centres[(size_t)c * dim + d] -
                           centres[(size_t)c2 * dim + d];
          s += t * t;
        }
        if (s < best) best = s;
      }
      radius[c] = 0.45 * sqrt(best);
    }
  } else {
    /* a centred square grid of unit spacing in the first two dimensions
     * (a line when dim == 1), biggest component first */
    int side = dim == 1 ? K : (int)ceil(sqrt((double)K));
    int rows;
    while (dim > 1 && side * side < K) side++;
    rows = (K + side - 1) / side;
    for (c = 0; c < K; c++) {
      centres[(size_t)c * dim] = (double)(c % side) - 0.5 * (side - 1);
      if (dim > 1)
        centres[(size_t)c * dim + 1] = (double)(c / side) - 0.5 * (rows - 1);
      radius[c] = 0.45;
    }
  }

  /* embed each component */
  {
    const int nmax = K > 0 ? comps[0].size : 0;
    evecs = (double *)malloc((size_t)nmax * (size_t)dim * sizeof(double));
    defl = (double *)malloc((size_t)nmax * sizeof(double));
    evals = (double *)malloc((size_t)dim * sizeof(double));
    if (evecs == NULL || defl == NULL || evals == NULL) {
      status = UMAPC_ERR_NOMEM;
      goto done;
    }
  }
  for (c = 0; c < K && !failed; c++) {
    const int nc = comps[c].size, s0 = start[c];
    int q, d;
    double rmax = 0.0, sc;
    if ((c & 1023) == 1023 && umapc_interrupted(intr)) {
      status = UMAPC_ERR_INTERRUPTED;
      goto done;
    }
    if (nc >= dim + 2 && P2[s0 + nc] > P2[s0]) {
      norm_op op;
      umapc_eigen_opts eo;
      umapc_eigen_info info;
      double dn;
      op.p = P2 + s0;
      op.j = J2;
      op.w = W2;
      op.nc = nc;
      op.nt = nt;
      /* the trivial eigenvector D^1/2 1, normalised */
      for (q = 0; q < nc; q++) defl[q] = sqrt(deg[perm[s0 + q]]);
      dn = sqrt(umapc_det_dot(defl, defl, (size_t)nc, nt));
      if (!(dn > 0.0) || !isfinite(dn)) {
        failed = 1;
        break;
      }
      for (q = 0; q < nc; q++) defl[q] /= dn;
      umapc_eigen_opts_default(&eo);
      eo.n_threads = nt;
      eo.key = key;
      eo.ctr = CTR_EIGEN + ((uint64_t)c << 20);
      eo.ndefl = 1;
      eo.defl = defl;
      eo.tol = 1e-6;
      /* a work cap: a Ritz vector that is not converged to 1e-6 is still a
       * smooth low-frequency vector, all an initial layout needs */
      eo.max_restarts = 50;
      status = umapc_eigsh_largest(nc, dim, norm_matvec, &op, &eo, intr,
                                   evals, evecs, &info);
      if (status == UMAPC_ERR_NUMERIC || status == UMAPC_ERR_INVALID) {
        status = UMAPC_OK;
        failed = 1;
        break;
      }
      if (status != UMAPC_OK) goto done;
      for (q = 0; q < nc; q++)
        for (d = 0; d < dim; d++)
          tmp[(size_t)q * dim + d] = evecs[(size_t)d * nc + q];
    } else {
      /* too small for a spectral embedding: uniform in a cube */
      for (q = 0; q < nc; q++)
        for (d = 0; d < dim; d++)
          tmp[(size_t)q * dim + d] =
              2.0 * umapc_rng_unif(umapc_rng_u64(key, (uint64_t)perm[s0 + q],
                                                 CTR_SMALL + (uint64_t)d)) -
              1.0;
    }
    /* centre, fit into the component's ball, place */
    for (d = 0; d < dim; d++) {
      double mean = 0.0;
      for (q = 0; q < nc; q++) mean += tmp[(size_t)q * dim + d];
      mean /= nc;
      for (q = 0; q < nc; q++) tmp[(size_t)q * dim + d] -= mean;
    }
    for (q = 0; q < nc; q++) {
      double s2 = 0.0;
      for (d = 0; d < dim; d++)
        s2 += tmp[(size_t)q * dim + d] * tmp[(size_t)q * dim + d];
      if (s2 > rmax) rmax = s2;
    }
    rmax = sqrt(rmax);
    if (!isfinite(rmax)) {
      failed = 1;
      break;
    }
    sc = rmax > 0.0 ? radius[c] / rmax : 0.0;
    for (q = 0; q < nc; q++) {
      const int v = perm[s0 + q];
      for (d = 0; d < dim; d++)
        out[(size_t)v * dim + d] =
            centres[(size_t)c * dim + d] + sc * tmp[(size_t)q * dim + d];
    }
  }

  if (failed || !scale_and_jitter(out, n, dim, key, nt)) {
    uniform_layout(out, n, dim, key);
    if (fallback != NULL) *fallback = 1;
  }

done:
  free(parent);
  free(label);
  free(perm);
  free(loc);
  free(start);
  free(P2);
  free(J2);
  free(rank);
  free(deg);
  free(W2);
  free(evecs);
  free(evals);
  free(defl);
  free(centres);
  free(radius);
  free(tmp);
  free(comps);
  return status;
}

/* ---------------------------------------------------------------------- */
/* PCA                                                                     */
/* ---------------------------------------------------------------------- */

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
#pragma omp parallel for num_threads(op->nt) schedule(static) if ((size_t)d * n >= PAR_MIN && op->nt > 1)
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
#pragma omp parallel for num_threads(op->nt) schedule(static) if (n >= PAR_MIN && op->nt > 1)
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
static void cov_matvec(void *ctx, const double *v, double *y) {
  const cov_op *op = (const cov_op *)ctx;
  const size_t n = (size_t)op->n, nc = op->n_chunks;
  const int d = op->d;
  long c;
  int j;
#ifdef _OPENMP
#pragma omp parallel for num_threads(op->nt) schedule(static) if ((size_t)d * n >= PAR_MIN && op->nt > 1)
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
    eo.key = key;
    eo.ctr = CTR_EIGEN;
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
#pragma omp parallel for num_threads(nt) schedule(static) if (n >= PAR_MIN && nt > 1)
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
    const double mx = max_abs(out, (size_t)n * (size_t)dim);
    const double amp = (nok > 0 && mx > 0.0) ? 1e-2 * mx : 1.0;
    if (mx < 0.0) {
      status = UMAPC_ERR_NUMERIC;
      goto done;
    }
    for (i = 0; i < n; i++)
      for (c = nok; c < dim; c++)
        out[(size_t)i * dim + c] =
            amp * (2.0 * umapc_rng_unif(umapc_rng_u64(
                             key, (uint64_t)i, CTR_SMALL + (uint64_t)c)) -
                   1.0);
  }
  if (!scale_and_jitter(out, n, dim, key, nt)) status = UMAPC_ERR_NUMERIC;

done:
  free(mu);
  free(u);
  free(partial);
  free(V);
  free(evals);
  return status;
}
