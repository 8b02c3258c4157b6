/* Tests of the eigensolver (eigen.c) and the spectral / PCA initialisation
 * (spectral.c, pca_init.c). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eigen.h"
#include "parallel.h"
#include "rng.h"
#include "spectral.h"
#include "testutil.h"

static const double PI = 3.14159265358979323846;

/* ---------------------------------------------------------------------- */
/* helpers                                                                 */
/* ---------------------------------------------------------------------- */

typedef struct {
  int i, j;
  double w;
} edge;

static int edge_cmp(const void *a, const void *b) {
  const edge *x = (const edge *)a, *y = (const edge *)b;
  if (x->i != y->i) return x->i < y->i ? -1 : 1;
  if (x->j != y->j) return x->j < y->j ? -1 : 1;
  return 0;
}

/* symmetric CSR from directed edges: both directions added, duplicates
 * merged by the fuzzy union a + b - ab, self edges dropped */
static int csr_from_edges(int n, const edge *in, long m, umapc_csr *g) {
  edge *e = (edge *)malloc((size_t)(2 * m + 1) * sizeof(edge));
  long t, q = 0, k;
  if (e == NULL) return 1;
  for (t = 0; t < m; t++) {
    if (in[t].i == in[t].j) continue;
    e[q++] = in[t];
    e[q].i = in[t].j;
    e[q].j = in[t].i;
    e[q].w = in[t].w;
    q++;
  }
  qsort(e, (size_t)q, sizeof(edge), edge_cmp);
  g->n = n;
  g->p = (int *)calloc((size_t)n + 1, sizeof(int));
  g->j = (int *)malloc((size_t)(q + 1) * sizeof(int));
  g->w = (double *)malloc((size_t)(q + 1) * sizeof(double));
  if (g->p == NULL || g->j == NULL || g->w == NULL) {
    free(e);
    return 1;
  }
  k = 0;
  for (t = 0; t < q; t++) {
    if (k > 0 && t > 0 && e[t].i == e[t - 1].i && e[t].j == e[t - 1].j) {
      g->w[k - 1] = g->w[k - 1] + e[t].w - g->w[k - 1] * e[t].w;
      continue;
    }
    g->j[k] = e[t].j;
    g->w[k] = e[t].w;
    g->p[e[t].i + 1]++;
    k++;
  }
  for (t = 0; t < n; t++) g->p[t + 1] += g->p[t];
  free(e);
  return 0;
}

/* a kNN-like graph: points in the unit square, each linked to its k nearest
 * among a window of candidates sorted along x (cheap, local, irregular) */
static int knn_like_graph(int n, int k, uint64_t seed, umapc_csr *g) {
  double *x = (double *)malloc((size_t)n * 2 * sizeof(double));
  edge *ed = (edge *)malloc((size_t)n * (size_t)k * sizeof(edge));
  const uint64_t key = umapc_rng_key(seed, 99);
  int i, rc;
  if (x == NULL || ed == NULL) return 1;
  /* x sorted along the first coordinate by construction */
  for (i = 0; i < n; i++) {
    x[2 * i] = (i + urand(key, (uint64_t)i, 0)) / n;
    x[2 * i + 1] = urand(key, (uint64_t)i, 1);
  }
  for (i = 0; i < n; i++) {
    double bd[64];
    int bj[64], nb = 0, j, a;
    const int lo = i - 3 * k * 4 < 0 ? 0 : i - 3 * k * 4;
    const int hi = i + 3 * k * 4 >= n ? n - 1 : i + 3 * k * 4;
    for (j = lo; j <= hi; j++) {
      double dx, dy, d;
      if (j == i) continue;
      dx = x[2 * i] - x[2 * j];
      dy = x[2 * i + 1] - x[2 * j + 1];
      d = sqrt(dx * dx + dy * dy);
      if (nb < k) {
        a = nb++;
      } else if (d < bd[nb - 1]) {
        a = nb - 1;
      } else {
        continue;
      }
      while (a > 0 && bd[a - 1] > d) {
        bd[a] = bd[a - 1];
        bj[a] = bj[a - 1];
        a--;
      }
      bd[a] = d;
      bj[a] = j;
    }
    for (j = 0; j < k; j++) {
      ed[(size_t)i * k + j].i = i;
      ed[(size_t)i * k + j].j = bj[j];
      ed[(size_t)i * k + j].w = exp(-(bd[j] - bd[0]) / (bd[k - 1] + 1e-12));
    }
  }
  rc = csr_from_edges(n, ed, (long)n * k, g);
  free(x);
  free(ed);
  return rc;
}

static double max_abs(const double *x, size_t len) {
  double m = 0.0;
  size_t t;
  for (t = 0; t < len; t++)
    if (fabs(x[t]) > m) m = fabs(x[t]);
  return m;
}

/* ---------------------------------------------------------------------- */
/* eigensolver                                                             */
/* ---------------------------------------------------------------------- */

/* Laplacian of the path graph on n vertices: eigenvalues 2 - 2 cos(pi k / n) */
static void path_lap(void *ctx, int nt, const double *x, double *y) {
  (void)nt;
  const int n = *(const int *)ctx;
  int i;
  for (i = 0; i < n; i++) {
    double deg = (i > 0) + (i < n - 1), s = deg * x[i];
    if (i > 0) s -= x[i - 1];
    if (i < n - 1) s -= x[i + 1];
    y[i] = s;
  }
}

static void test_path_laplacian(int n, int nev, int ncv) {
  double *evals = (double *)malloc((size_t)nev * sizeof(double));
  double *evecs = (double *)malloc((size_t)n * nev * sizeof(double));
  double *y = (double *)malloc((size_t)n * sizeof(double));
  umapc_eigen_opts o;
  umapc_eigen_info info;
  int i, a, b, st;
  umapc_eigen_opts_default(&o);
  o.key = 7;
  o.ncv = ncv;
  st = umapc_eigsh_largest(n, nev, path_lap, &n, &o, NULL, evals, evecs,
                           &info);
  CHECK(st == UMAPC_OK);
  CHECK(info.converged == 1);
  for (i = 0; i < nev; i++) {
    const double exact = 2.0 - 2.0 * cos(PI * (n - 1 - i) / n);
    double res = 0.0, big = 0.0;
    int arg = 0;
    CHECK(fabs(evals[i] - exact) < 1e-8);
    path_lap(&n, 1, evecs + (size_t)i * n, y);
    for (a = 0; a < n; a++) {
      const double r = y[a] - evals[i] * evecs[(size_t)i * n + a];
      res += r * r;
      if (fabs(evecs[(size_t)i * n + a]) > big) {
        big = fabs(evecs[(size_t)i * n + a]);
        arg = a;
      }
    }
    CHECK(sqrt(res) < 1e-5);
    CHECK(evecs[(size_t)i * n + arg] > 0.0); /* sign convention */
    for (b = 0; b <= i; b++) {
      double dd = 0.0;
      for (a = 0; a < n; a++)
        dd += evecs[(size_t)i * n + a] * evecs[(size_t)b * n + a];
      CHECK(fabs(dd - (i == b ? 1.0 : 0.0)) < 1e-8);
    }
  }
  free(evals);
  free(evecs);
  free(y);
}

static void test_jacobi(void) {
  const int m = 12;
  double a[144], a0[144], ev[12], V[144];
  int i, j, k;
  for (i = 0; i < m; i++)
    for (j = 0; j <= i; j++)
      a[i * m + j] = a[j * m + i] = urand(3, (uint64_t)i, (uint64_t)j) - 0.5;
  memcpy(a0, a, sizeof(a));
  CHECK(umapc_jacobi_eigen(a, m, ev, V) == UMAPC_OK);
  for (i = 0; i + 1 < m; i++) CHECK(ev[i] >= ev[i + 1]);
  for (k = 0; k < m; k++) {
    double r = 0.0;
    for (i = 0; i < m; i++) {
      double s = 0.0;
      for (j = 0; j < m; j++) s += a0[i * m + j] * V[j * m + k];
      s -= ev[k] * V[i * m + k];
      r += s * s;
    }
    CHECK(sqrt(r) < 1e-12);
  }
}

/* a diagonal operator with repeated eigenvalues and an invariant start */
static void diag_op(void *ctx, int nt, const double *x, double *y) {
  (void)nt;
  const int n = *(const int *)ctx;
  int i;
  for (i = 0; i < n; i++) y[i] = (i < 3 ? 2.0 : (i % 2 ? 1.0 : 0.5)) * x[i];
}

static void test_invariant(void) {
  int n = 40, i;
  double v0[40], ev[3], vec[120];
  umapc_eigen_opts o;
  umapc_eigen_info info;
  umapc_eigen_opts_default(&o);
  /* start in an invariant subspace that misses the top eigenvalue */
  for (i = 0; i < n; i++) v0[i] = i >= 3 ? 1.0 : 0.0;
  o.v0 = v0;
  o.ncv = 10;
  CHECK(umapc_eigsh_largest(n, 3, diag_op, &n, &o, NULL, ev, vec, &info) ==
        UMAPC_OK);
  for (i = 0; i < 3; i++) CHECK(fabs(ev[i] - 2.0) < 1e-10);
  CHECK(info.converged == 1);
  /* tiny: n = 3 (full solve) */
  {
    int n3 = 3;
    double e3[3], v3[9];
    CHECK(umapc_eigsh_largest(3, 3, path_lap, &n3, NULL, NULL, e3, v3,
                              &info) == UMAPC_OK);
    CHECK(fabs(e3[0] - 3.0) < 1e-12 && fabs(e3[1] - 1.0) < 1e-12 &&
          fabs(e3[2]) < 1e-12);
  }
  CHECK(umapc_eigsh_largest(3, 4, path_lap, &n, NULL, NULL, ev, vec, NULL) ==
        UMAPC_ERR_INVALID);
}

static int stop_after(void *ctx) {
  int *c = (int *)ctx;
  return ++(*c) > 5;
}

static void test_interrupt(void) {
  umapc_csr g;
  int calls = 0, fb = -1;
  umapc_interrupt intr;
  double *out = (double *)malloc(3000 * 2 * sizeof(double));
  intr.check = stop_after;
  intr.ctx = &calls;
  CHECK(knn_like_graph(3000, 10, 5, &g) == 0);
  CHECK(umapc_spectral_init(&g, 0.0, 2, 1, 1, &intr, out, &fb) ==
        UMAPC_ERR_INTERRUPTED);
  umapc_csr_free(&g);
  free(out);
}

/* ---------------------------------------------------------------------- */
/* spectral                                                                */
/* ---------------------------------------------------------------------- */

static void test_ring(void) {
  const int n = 200;
  edge ed[200];
  umapc_csr g;
  double out[400], rmax = 0.0;
  int i, fb = -1;
  for (i = 0; i < n; i++) {
    ed[i].i = i;
    ed[i].j = (i + 1) % n;
    ed[i].w = 1.0;
  }
  CHECK(csr_from_edges(n, ed, n, &g) == 0);
  CHECK(umapc_spectral_init(&g, 0.0, 2, 42, 1, NULL, out, &fb) == UMAPC_OK);
  CHECK(fb == 0);
  CHECK(all_finite(out, 400));
  CHECK(fabs(max_abs(out, 400) - 10.0) < 1e-3);
  for (i = 0; i < n; i++) {
    const double r = sqrt(out[2 * i] * out[2 * i] + out[2 * i + 1] * out[2 * i + 1]);
    if (r > rmax) rmax = r;
  }
  /* Single-vector Lanczos sees one copy of the ring's double eigenvalues,
   * so the layout is the (cos t, cos 2t) curve rather than a circle: check
   * it is spread out and that consecutive vertices stay close. */
  CHECK(rmax > 5.0);
  for (i = 0; i < n; i++) {
    const int a = i, b = (i + 1) % n;
    const double dx = out[2 * a] - out[2 * b], dy = out[2 * a + 1] - out[2 * b + 1];
    CHECK(sqrt(dx * dx + dy * dy) < 1.0);
  }
  umapc_csr_free(&g);
}

static void test_grid(void) {
  const int s = 30, n = s * s;
  edge *ed = (edge *)malloc((size_t)n * 2 * sizeof(edge));
  umapc_csr g;
  double *out = (double *)malloc((size_t)n * 2 * sizeof(double));
  long m = 0;
  int r, c, fb = -1, d;
  for (r = 0; r < s; r++)
    for (c = 0; c < s; c++) {
      if (c + 1 < s) {
        ed[m].i = r * s + c;
        ed[m].j = r * s + c + 1;
        ed[m++].w = 1.0;
      }
      if (r + 1 < s) {
        ed[m].i = r * s + c;
        ed[m].j = (r + 1) * s + c;
        ed[m++].w = 1.0;
      }
    }
  CHECK(csr_from_edges(n, ed, m, &g) == 0);
  CHECK(umapc_spectral_init(&g, 0.0, 2, 3, 2, NULL, out, &fb) == UMAPC_OK);
  CHECK(fb == 0);
  CHECK(all_finite(out, (size_t)n * 2));
  for (d = 0; d < 2; d++) {
    double mean = 0.0, var = 0.0;
    for (r = 0; r < n; r++) mean += out[2 * r + d];
    mean /= n;
    for (r = 0; r < n; r++) var += (out[2 * r + d] - mean) * (out[2 * r + d] - mean);
    CHECK(sqrt(var / n) > 2.0); /* well spread, not collapsed */
  }
  umapc_csr_free(&g);
  free(ed);
  free(out);
}

static void test_two_cliques(void) {
  /* two 10-cliques, a 3-vertex path, one isolated vertex, one edge below
   * min_weight joining the cliques */
  const int n = 24;
  edge ed[200];
  umapc_csr g;
  double out[24 * 2];
  long m = 0;
  int a, b, fb = -1, cl;
  double cen[2][2] = {{0, 0}, {0, 0}}, rad[2] = {0, 0}, dist;
  for (cl = 0; cl < 2; cl++)
    for (a = 0; a < 10; a++)
      for (b = a + 1; b < 10; b++) {
        ed[m].i = cl * 10 + a;
        ed[m].j = cl * 10 + b;
        ed[m++].w = 0.5 + 0.04 * a;
      }
  ed[m].i = 20; ed[m].j = 21; ed[m++].w = 1.0;
  ed[m].i = 21; ed[m].j = 22; ed[m++].w = 1.0;
  ed[m].i = 3; ed[m].j = 15; ed[m++].w = 1e-3; /* pruned */
  CHECK(csr_from_edges(n, ed, m, &g) == 0);
  CHECK(umapc_spectral_init(&g, 0.01, 2, 9, 1, NULL, out, &fb) == UMAPC_OK);
  CHECK(fb == 0);
  CHECK(all_finite(out, 48));
  CHECK(fabs(max_abs(out, 48) - 10.0) < 1e-3);
  for (cl = 0; cl < 2; cl++) {
    for (a = 0; a < 10; a++) {
      cen[cl][0] += out[2 * (cl * 10 + a)] / 10;
      cen[cl][1] += out[2 * (cl * 10 + a) + 1] / 10;
    }
    for (a = 0; a < 10; a++) {
      const double dx = out[2 * (cl * 10 + a)] - cen[cl][0];
      const double dy = out[2 * (cl * 10 + a) + 1] - cen[cl][1];
      if (sqrt(dx * dx + dy * dy) > rad[cl]) rad[cl] = sqrt(dx * dx + dy * dy);
    }
  }
  dist = sqrt((cen[0][0] - cen[1][0]) * (cen[0][0] - cen[1][0]) +
              (cen[0][1] - cen[1][1]) * (cen[0][1] - cen[1][1]));
  CHECK(dist > rad[0] + rad[1]); /* placed apart, no overlap */
  CHECK(rad[0] > 0.5 && rad[1] > 0.5); /* not collapsed */
  /* the isolated vertex is not on top of a clique */
  for (cl = 0; cl < 2; cl++) {
    const double dx = out[46] - cen[cl][0], dy = out[47] - cen[cl][1];
    CHECK(sqrt(dx * dx + dy * dy) > rad[cl]);
  }
  /* no edge kept at all: every vertex is its own component */
  CHECK(umapc_spectral_init(&g, 2.0, 2, 9, 1, NULL, out, &fb) == UMAPC_OK);
  CHECK(fb == 0 && all_finite(out, 48));
  CHECK(fabs(max_abs(out, 48) - 10.0) < 1e-3);
  /* dim = 1 and dim = 3 */
  CHECK(umapc_spectral_init(&g, 0.01, 1, 9, 1, NULL, out, &fb) == UMAPC_OK);
  CHECK(fb == 0 && all_finite(out, 24));
  {
    double out3[72];
    CHECK(umapc_spectral_init(&g, 0.01, 3, 9, 1, NULL, out3, &fb) == UMAPC_OK);
    CHECK(fb == 0 && all_finite(out3, 72));
  }
  umapc_csr_free(&g);
}

static void test_tiny(void) {
  int n, fb;
  for (n = 1; n <= 6; n++) {
    edge ed[6];
    umapc_csr g;
    double out[12];
    int i;
    for (i = 0; i + 1 < n; i++) {
      ed[i].i = i;
      ed[i].j = i + 1;
      ed[i].w = 1.0;
    }
    if (n == 3) { /* a triangle */
      ed[2].i = 2;
      ed[2].j = 0;
      ed[2].w = 1.0;
    }
    CHECK(csr_from_edges(n, ed, n == 3 ? 3 : n - 1, &g) == 0);
    fb = -1;
    CHECK(umapc_spectral_init(&g, 0.0, 2, 11, 4, NULL, out, &fb) == UMAPC_OK);
    CHECK(fb == 0);
    CHECK(all_finite(out, (size_t)n * 2));
    if (n > 1) CHECK(fabs(max_abs(out, (size_t)n * 2) - 10.0) < 1e-3);
    umapc_csr_free(&g);
  }
}

static void test_threads(int n, double min_weight) {
  umapc_csr g;
  double *o1 = (double *)malloc((size_t)n * 2 * sizeof(double));
  double *o2 = (double *)malloc((size_t)n * 2 * sizeof(double));
  double *o4 = (double *)malloc((size_t)n * 2 * sizeof(double));
  double *o5 = (double *)malloc((size_t)n * 2 * sizeof(double));
  int f1 = -1, f2 = -1, f4 = -1, f5 = -1;
  CHECK(knn_like_graph(n, 10, 17, &g) == 0);
  CHECK(umapc_spectral_init(&g, min_weight, 2, 123, 1, NULL, o1, &f1) == UMAPC_OK);
  CHECK(umapc_spectral_init(&g, min_weight, 2, 123, 2, NULL, o2, &f2) == UMAPC_OK);
  CHECK(umapc_spectral_init(&g, min_weight, 2, 123, 4, NULL, o4, &f4) == UMAPC_OK);
  CHECK(umapc_spectral_init(&g, min_weight, 2, 124, 4, NULL, o5, &f5) == UMAPC_OK);
  CHECK(f1 == 0 && f2 == 0 && f4 == 0);
  CHECK(all_finite(o1, (size_t)n * 2));
  CHECK(memcmp(o1, o2, (size_t)n * 2 * sizeof(double)) == 0);
  CHECK(memcmp(o1, o4, (size_t)n * 2 * sizeof(double)) == 0);
  CHECK(memcmp(o1, o5, (size_t)n * 2 * sizeof(double)) != 0); /* seed */
  umapc_csr_free(&g);
  free(o1);
  free(o2);
  free(o4);
  free(o5);
}

/* ---------------------------------------------------------------------- */
/* PCA                                                                     */
/* ---------------------------------------------------------------------- */

static void test_pca_rank2(void) {
  const int n = 500, d = 6;
  double *X = (double *)malloc((size_t)n * d * sizeof(double));
  double *out = (double *)malloc((size_t)n * 3 * sizeof(double));
  double *ref = (double *)malloc((size_t)n * 2 * sizeof(double));
  double B[2][6], mu[6] = {0}, C[36], ev[6], Vv[36];
  int i, j, k, c;
  for (k = 0; k < 2; k++)
    for (j = 0; j < d; j++) B[k][j] = urand(21, (uint64_t)k, (uint64_t)j) - 0.5;
  for (i = 0; i < n; i++) {
    const double a0 = 3.0 * (urand(22, (uint64_t)i, 0) - 0.5);
    const double a1 = 1.0 * (urand(22, (uint64_t)i, 1) - 0.5);
    for (j = 0; j < d; j++)
      X[(size_t)j * n + i] = 5.0 + j + a0 * B[0][j] + a1 * B[1][j];
  }
  /* direct: covariance, Jacobi, scores */
  for (j = 0; j < d; j++) {
    for (i = 0; i < n; i++) mu[j] += X[(size_t)j * n + i];
    mu[j] /= n;
  }
  for (j = 0; j < d; j++)
    for (k = 0; k < d; k++) {
      double s = 0.0;
      for (i = 0; i < n; i++)
        s += (X[(size_t)j * n + i] - mu[j]) * (X[(size_t)k * n + i] - mu[k]);
      C[j * d + k] = s;
    }
  CHECK(umapc_jacobi_eigen(C, d, ev, Vv) == UMAPC_OK);
  for (c = 0; c < 2; c++) {
    /* same sign convention: largest |loading| positive */
    int arg = 0;
    double sg;
    for (j = 1; j < d; j++)
      if (fabs(Vv[j * d + c]) > fabs(Vv[arg * d + c])) arg = j;
    sg = Vv[arg * d + c] < 0 ? -1.0 : 1.0;
    for (i = 0; i < n; i++) {
      double s = 0.0;
      for (j = 0; j < d; j++) s += (X[(size_t)j * n + i] - mu[j]) * Vv[j * d + c] * sg;
      ref[i * 2 + c] = s;
    }
  }
  {
    const double sc = 10.0 / max_abs(ref, (size_t)n * 2);
    double err = 0.0;
    CHECK(umapc_pca_init(X, n, d, 2, 5, 1, NULL, out) == UMAPC_OK);
    for (i = 0; i < 2 * n; i++)
      if (fabs(out[i] - sc * ref[i]) > err) err = fabs(out[i] - sc * ref[i]);
    CHECK(err < 1e-3); /* jitter is N(0, 1e-4) */
  }
  /* dim 3 on rank-2 data: padded, finite, first two unchanged in spirit */
  CHECK(umapc_pca_init(X, n, d, 3, 5, 2, NULL, out) == UMAPC_OK);
  CHECK(all_finite(out, (size_t)n * 3));
  {
    double m2 = 0.0;
    for (i = 0; i < n; i++)
      if (fabs(out[i * 3 + 2]) > m2) m2 = fabs(out[i * 3 + 2]);
    CHECK(m2 < 0.5); /* the padding is small */
  }
  /* d < dim */
  CHECK(umapc_pca_init(X, n, 1, 2, 5, 1, NULL, out) == UMAPC_OK);
  CHECK(all_finite(out, (size_t)n * 2));
  /* constant data */
  for (i = 0; i < n; i++) X[i] = X[n + i] = 1.0;
  CHECK(umapc_pca_init(X, n, 2, 2, 5, 1, NULL, out) == UMAPC_OK);
  CHECK(all_finite(out, (size_t)n * 2));
  /* n = 1 and n = 3 */
  CHECK(umapc_pca_init(X, 1, 2, 2, 5, 1, NULL, out) == UMAPC_OK);
  CHECK(all_finite(out, 2));
  CHECK(umapc_pca_init(X + 100, 3, 1, 2, 5, 1, NULL, out) == UMAPC_OK);
  CHECK(all_finite(out, 6));
  free(X);
  free(out);
  free(ref);
}

static void test_pca_threads(void) {
  const int n = 20000, d = 40;
  double *X = (double *)malloc((size_t)n * d * sizeof(double));
  double *o1 = (double *)malloc((size_t)n * 2 * sizeof(double));
  double *o4 = (double *)malloc((size_t)n * 2 * sizeof(double));
  int i, j;
  for (j = 0; j < d; j++)
    for (i = 0; i < n; i++)
      X[(size_t)j * n + i] = urand(31, (uint64_t)i, (uint64_t)j) * (1.0 + j % 5) +
                             (j < 3 ? 4.0 * urand(32, (uint64_t)i, 0) : 0.0);
  CHECK(umapc_pca_init(X, n, d, 2, 8, 1, NULL, o1) == UMAPC_OK);
  CHECK(umapc_pca_init(X, n, d, 2, 8, 4, NULL, o4) == UMAPC_OK);
  CHECK(memcmp(o1, o4, (size_t)n * 2 * sizeof(double)) == 0);
  CHECK(umapc_pca_init(X, n, 8, 2, 8, 1, NULL, o1) == UMAPC_OK);
  CHECK(umapc_pca_init(X, n, 8, 2, 8, 3, NULL, o4) == UMAPC_OK);
  CHECK(memcmp(o1, o4, (size_t)n * 2 * sizeof(double)) == 0);
  free(X);
  free(o1);
  free(o4);
}

int main(void) {
  test_jacobi();
  test_path_laplacian(50, 4, 0);
  test_path_laplacian(200, 2, 0);
  test_path_laplacian(5, 5, 0);
  test_path_laplacian(30, 3, 8);
  test_invariant();
  test_ring();
  test_grid();
  test_two_cliques();
  test_tiny();
  test_threads(2000, 0.0);
  test_threads(20000, 0.0);
  test_threads(12000, 0.6); /* pruning splits it into components */
  /* one component of more than UMAPC_PAR_COMPONENT_ROWS rows (embedded on
   * the team; the smaller ones of the test above are embedded side by side,
   * one per thread) */
  test_threads(UMAPC_PAR_COMPONENT_ROWS + 4000, 0.0);
  test_interrupt();
  test_pca_rank2();
  test_pca_threads();
  TEST_DONE();
}
