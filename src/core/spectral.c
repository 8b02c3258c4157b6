/*
 * Spectral initialisation (see spectral.h), on top of the thick-restart
 * Lanczos solver in eigen.c.
 *
 * N = D^-1/2 W D^-1/2 on the graph without the entries below min_weight.
 * Its top eigenvector on a connected component is D^1/2 1 (eigenvalue 1);
 * rather than computing it and dropping it, the solver is given it as a
 * deflation vector, so it returns directly the next dim eigenvectors (the
 * "dim + 1 largest, first dropped" of umap-learn, with the trivial one
 * handled exactly). Each connected component is embedded on its own, the
 * components are placed apart, then everything is scaled so the largest
 * |coordinate| is 10 and N(0, 1e-4) jitter is added (init_common.c).
 *
 * umapc_spectral_init() runs the steps below in order: check the graph,
 * degrees and components, components ordered and their vertices grouped,
 * the normalised operator, where the components go, then each component
 * embedded and placed.
 */
#include "fp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eigen.h"
#include "init_common.h"
#include "parallel.h"
#include "rng.h"
#include "spectral.h"
#include "team.h"

/* rows of small components per batch (interrupts polled in between) */
#define SPEC_BATCH_ROWS 262144

/* ---------------------------------------------------------------------- */
/* the normalised operator                                                 */
/* ---------------------------------------------------------------------- */

typedef struct {
  const int *p;    /* row offsets of the component's rows (global array) */
  const int *j;    /* local column indices */
  const double *w; /* normalised weights w_ij / sqrt(d_i d_j) */
  int nc;          /* rows in this component */
} norm_op;

static void norm_matvec(void *ctx, int nt, const double *x, double *y) {
  const norm_op *op = (const norm_op *)ctx;
  const int *p = op->p, *jj = op->j;
  const double *w = op->w;
  long r;
  (void)nt; /* the threads, for OpenMP builds */
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(static, 512) if (op->nc >= UMAPC_PAR_VEC_MIN && nt > 1)
#endif
  for (r = 0; r < op->nc; r++) {
    double s = 0.0;
    int e;
    for (e = p[r]; e < p[r + 1]; e++) s += w[e] * x[jj[e]];
    y[r] = s;
  }
}

/* ---------------------------------------------------------------------- */
/* the steps' shared state                                                 */
/* ---------------------------------------------------------------------- */

typedef struct {
  int id; /* first-appearance (= smallest vertex) order */
  int size;
} comp_t;

typedef struct {
  int n, dim, K; /* vertices, dimensions, components */
  long nnz;      /* edges kept */
  int *parent, *label; /* union-find; component of each vertex */
  int *perm, *loc;     /* vertices grouped by component; local index */
  int *start, *rank;   /* first position of each component; rank by size */
  int *P2, *J2;        /* the normalised operator, rows in perm order */
  double *deg, *W2;
  double *centres, *radius; /* where each component goes */
  comp_t *comps; /* components, biggest first */
} spec_work;

/* One component's scratch (a thread's own, when components are embedded
 * side by side): its eigenvectors, deflation vector, eigenvalues and
 * layout, sized by scratch_alloc() for the biggest component it serves. */
typedef struct {
  double *evecs, *evals, *defl, *tmp;
} comp_scratch;

static void work_free(spec_work *w) {
  free(w->parent);
  free(w->label);
  free(w->perm);
  free(w->loc);
  free(w->start);
  free(w->P2);
  free(w->J2);
  free(w->rank);
  free(w->deg);
  free(w->W2);
  free(w->centres);
  free(w->radius);
  free(w->comps);
}

static void scratch_free(comp_scratch *cs, int m) {
  int t;
  if (cs == NULL) return;
  for (t = 0; t < m; t++) {
    free(cs[t].evecs);
    free(cs[t].evals);
    free(cs[t].defl);
    free(cs[t].tmp);
  }
  free(cs);
}

/* m scratches for components of up to `rows` rows (NULL when memory is
 * short) */
static comp_scratch *scratch_alloc(int m, int rows, int dim) {
  comp_scratch *cs = (comp_scratch *)calloc((size_t)m, sizeof(comp_scratch));
  const size_t r = rows > 0 ? (size_t)rows : 1;
  int t;
  if (cs == NULL) return NULL;
  for (t = 0; t < m; t++) {
    cs[t].evecs = (double *)malloc(r * (size_t)dim * sizeof(double));
    cs[t].evals = (double *)malloc((size_t)dim * sizeof(double));
    cs[t].defl = (double *)malloc(r * sizeof(double));
    cs[t].tmp = (double *)malloc(r * (size_t)dim * sizeof(double));
    if (cs[t].evecs == NULL || cs[t].evals == NULL || cs[t].defl == NULL ||
        cs[t].tmp == NULL) {
      scratch_free(cs, m);
      return NULL;
    }
  }
  return cs;
}

static int keep_edge(double w, double min_weight) {
  return isfinite(w) && w > 0.0 && w >= min_weight;
}

/* A CSR graph with row offsets from 0, non-decreasing, columns in range. */
static int check_graph(const umapc_csr *g) {
  const int n = g->n;
  int r, e;
  if (g->p == NULL || (g->p[n] > 0 && g->j == NULL) ||
      (g->p[n] > 0 && g->w == NULL) || g->p[0] != 0)
    return UMAPC_INVALID();
  for (r = 0; r < n; r++) {
    if (g->p[r + 1] < g->p[r]) return UMAPC_INVALID();
    for (e = g->p[r]; e < g->p[r + 1]; e++)
      if (g->j[e] < 0 || g->j[e] >= n) return UMAPC_INVALID();
  }
  return UMAPC_OK;
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

/* Degrees over the kept edges, their number, and the connected components
 * (union by smaller root index), labelled by their smallest vertex. */
static void find_components(const umapc_csr *g, double min_weight,
                            spec_work *w) {
  const int n = w->n;
  int r, e;
  for (r = 0; r < n; r++) w->parent[r] = r;
  for (r = 0; r < n; r++) {
    double d = 0.0;
    for (e = g->p[r]; e < g->p[r + 1]; e++) {
      const int cc = g->j[e];
      if (!keep_edge(g->w[e], min_weight)) continue;
      d += g->w[e];
      w->nnz++;
      if (cc != r) {
        const int a = uf_find(w->parent, r), b = uf_find(w->parent, cc);
        if (a < b) w->parent[b] = a;
        else if (b < a) w->parent[a] = b;
      }
    }
    w->deg[r] = d;
  }
  for (r = 0; r < n; r++) {
    const int root = uf_find(w->parent, r);
    if (root == r) w->label[r] = w->K++;
    else w->label[r] = w->label[root]; /* root < r: already labelled */
  }
}

static int comp_cmp(const void *a, const void *b) {
  const comp_t *x = (const comp_t *)a, *y = (const comp_t *)b;
  if (x->size != y->size) return x->size > y->size ? -1 : 1;
  return x->id < y->id ? -1 : (x->id > y->id ? 1 : 0);
}

/* Components biggest first (ties: smallest vertex first), their vertices
 * grouped in that order, ascending inside each. */
static int group_components(spec_work *w) {
  const int n = w->n, K = w->K;
  int r, c, *fill = (int *)malloc((size_t)(K > 0 ? K : 1) * sizeof(int));
  if (fill == NULL) return UMAPC_ERR_NOMEM;
  for (c = 0; c < K; c++) w->comps[c].id = c;
  for (r = 0; r < n; r++) w->comps[w->label[r]].size++;
  qsort(w->comps, (size_t)K, sizeof(comp_t), comp_cmp);
  for (c = 0; c < K; c++) w->rank[w->comps[c].id] = c;
  w->start[0] = 0;
  for (c = 0; c < K; c++) w->start[c + 1] = w->start[c] + w->comps[c].size;
  for (c = 0; c < K; c++) fill[c] = w->start[c];
  for (r = 0; r < n; r++) {
    const int cr = w->rank[w->label[r]];
    w->perm[fill[cr]] = r;
    w->loc[r] = fill[cr] - w->start[cr];
    fill[cr]++;
  }
  free(fill);
  return UMAPC_OK;
}

/* The normalised operator, rows in perm order, local column indices. */
static void normalised_operator(const umapc_csr *g, double min_weight,
                                spec_work *w) {
  const double *deg = w->deg;
  long pos = 0;
  int q, e;
  for (q = 0; q < w->n; q++) {
    const int rr = w->perm[q];
    const double dr = deg[rr] > 0.0 ? 1.0 / sqrt(deg[rr]) : 0.0;
    w->P2[q] = (int)pos;
    for (e = g->p[rr]; e < g->p[rr + 1]; e++) {
      const int cc = g->j[e];
      if (!keep_edge(g->w[e], min_weight)) continue;
      w->J2[pos] = w->loc[cc];
      w->W2[pos] = deg[cc] > 0.0 ? dr * g->w[e] * (1.0 / sqrt(deg[cc])) : 0.0;
      pos++;
    }
  }
  w->P2[w->n] = (int)pos;
}

/* Where the components go: a centre and a radius each. */
static void place_components(spec_work *w) {
  const int K = w->K, dim = w->dim;
  double *centres = w->centres, *radius = w->radius;
  int c;
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
}

/* Component c's layout in cs->tmp (row-major nc x dim): its dim leading
 * non-trivial eigenvectors, or uniform in a cube when it is too small.
 * *failed is set when the eigensolver cannot give them. */
static int embed_component(const spec_work *w, int c, uint64_t key, int nt,
                           umapc_pace *pace, const umapc_interrupt *intr,
                           comp_scratch *cs, int *failed) {
  const int nc = w->comps[c].size, s0 = w->start[c], dim = w->dim;
  int q, d, status;
  if (nc >= dim + 2 && w->P2[s0 + nc] > w->P2[s0]) {
    norm_op op;
    umapc_eigen_opts eo;
    umapc_eigen_info info;
    double dn;
    op.p = w->P2 + s0;
    op.j = w->J2;
    op.w = w->W2;
    op.nc = nc;
    /* the trivial eigenvector D^1/2 1, normalised */
    for (q = 0; q < nc; q++) cs->defl[q] = sqrt(w->deg[w->perm[s0 + q]]);
    dn = sqrt(umapc_det_dot(cs->defl, cs->defl, (size_t)nc, nt));
    if (!(dn > 0.0) || !isfinite(dn)) {
      *failed = 1;
      return UMAPC_OK;
    }
    for (q = 0; q < nc; q++) cs->defl[q] /= dn;
    umapc_eigen_opts_default(&eo);
    eo.n_threads = nt;
    eo.pace = pace;
    /* a gathered multiply-add per edge, about two streamed ones */
    eo.matvec_cost = 2.0 * (double)(op.p[nc] - op.p[0]) / (double)nc;
    eo.key = key;
    eo.ctr = UMAPC_INIT_CTR_EIGEN + ((uint64_t)c << 20);
    eo.ndefl = 1;
    eo.defl = cs->defl;
    eo.tol = 1e-6;
    /* a work cap: a Ritz vector that is not converged to 1e-6 is still a
     * smooth low-frequency vector, all an initial layout needs */
    eo.max_restarts = 50;
    status = umapc_eigsh_largest(nc, dim, norm_matvec, &op, &eo, intr,
                                 cs->evals, cs->evecs, &info);
    if (status == UMAPC_ERR_NUMERIC || status == UMAPC_ERR_INVALID) {
      *failed = 1;
      return UMAPC_OK;
    }
    if (status != UMAPC_OK) return status;
    for (q = 0; q < nc; q++)
      for (d = 0; d < dim; d++)
        cs->tmp[(size_t)q * dim + d] = cs->evecs[(size_t)d * nc + q];
  } else {
    /* too small for a spectral embedding: uniform in a cube */
    for (q = 0; q < nc; q++)
      for (d = 0; d < dim; d++)
        cs->tmp[(size_t)q * dim + d] =
            2.0 * umapc_rng_unif(umapc_rng_u64(key, (uint64_t)w->perm[s0 + q],
                                               UMAPC_INIT_CTR_SMALL +
                                                   (uint64_t)d)) -
            1.0;
  }
  return UMAPC_OK;
}

/* Centre component c's layout (cs->tmp), fit it into the component's ball
 * and write it to its vertices' rows of out; 0 if it is not finite. */
static int place_component(const spec_work *w, int c, comp_scratch *cs,
                           double *out) {
  const int nc = w->comps[c].size, s0 = w->start[c], dim = w->dim;
  double *tmp = cs->tmp, rmax = 0.0, sc;
  int q, d;
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
  if (!isfinite(rmax)) return 0;
  sc = rmax > 0.0 ? w->radius[c] / rmax : 0.0;
  for (q = 0; q < nc; q++) {
    const int v = w->perm[s0 + q];
    for (d = 0; d < dim; d++)
      out[(size_t)v * dim + d] =
          w->centres[(size_t)c * dim + d] + sc * tmp[(size_t)q * dim + d];
  }
  return 1;
}

/* Component c embedded (embed_component()) and placed (place_component());
 * *failed is set when either cannot give a finite layout. */
static int embed_and_place(const spec_work *w, int c, uint64_t key, int nt,
                           umapc_pace *pace, const umapc_interrupt *intr,
                           comp_scratch *cs, double *out, int *failed) {
  const int status = embed_component(w, c, key, nt, pace, intr, cs, failed);
  if (status == UMAPC_OK && !*failed && !place_component(w, c, cs, out))
    *failed = 1;
  return status;
}

/* uniform in [-10, 10]: the layout when the spectral one fails */
static void uniform_layout(double *out, int n, int dim, uint64_t key) {
  long i;
  for (i = 0; i < n; i++) {
    int d;
    for (d = 0; d < dim; d++)
      out[(size_t)i * (size_t)dim + (size_t)d] =
          20.0 * umapc_rng_unif(umapc_rng_u64(
                     key, (uint64_t)i, UMAPC_INIT_CTR_FALLBACK + (uint64_t)d)) -
          10.0;
  }
}

int umapc_spectral_init(const umapc_csr *g, double min_weight, int dim,
                        uint64_t seed, int n_threads,
                        const umapc_interrupt *intr, double *out,
                        int *fallback) {
  const uint64_t key = umapc_rng_key(seed, UMAPC_STREAM_INIT);
  const int nt = umapc_clamp_threads(n_threads);
  int n, c, c0, c1, K = 0, big = 0, status = UMAPC_OK, failed = 0;
  spec_work w;
  comp_scratch *cs = NULL;
  int n_cs = 0; /* scratches in cs */
  umapc_pace pace; /* one for all big components: what it learns carries
                      over */

  if (fallback != NULL) *fallback = 0;
  if (g == NULL || dim < 1 || g->n < 0) return UMAPC_INVALID();
  n = g->n;
  if (n == 0) return UMAPC_OK;
  if (out == NULL) return UMAPC_INVALID();
  status = check_graph(g);
  if (status != UMAPC_OK) return status;

  memset(&w, 0, sizeof(w));
  w.n = n;
  w.dim = dim;
  w.parent = (int *)malloc((size_t)n * sizeof(int));
  w.label = (int *)malloc((size_t)n * sizeof(int));
  w.perm = (int *)malloc((size_t)n * sizeof(int));
  w.loc = (int *)malloc((size_t)n * sizeof(int));
  w.deg = (double *)malloc((size_t)n * sizeof(double));
  if (w.parent == NULL || w.label == NULL || w.perm == NULL ||
      w.loc == NULL || w.deg == NULL) {
    status = UMAPC_ERR_NOMEM;
    goto done;
  }

  find_components(g, min_weight, &w);
  K = w.K;
  w.comps = (comp_t *)calloc((size_t)K, sizeof(comp_t));
  w.rank = (int *)malloc((size_t)K * sizeof(int));
  w.start = (int *)malloc((size_t)(K + 1) * sizeof(int));
  w.centres = (double *)calloc((size_t)K * (size_t)dim, sizeof(double));
  w.radius = (double *)malloc((size_t)K * sizeof(double));
  w.P2 = (int *)malloc((size_t)(n + 1) * sizeof(int));
  w.J2 = (int *)malloc((size_t)(w.nnz > 0 ? w.nnz : 1) * sizeof(int));
  w.W2 = (double *)malloc((size_t)(w.nnz > 0 ? w.nnz : 1) * sizeof(double));
  if (w.comps == NULL || w.rank == NULL || w.start == NULL ||
      w.centres == NULL || w.radius == NULL || w.P2 == NULL ||
      w.J2 == NULL || w.W2 == NULL) {
    status = UMAPC_ERR_NOMEM;
    goto done;
  }
  status = group_components(&w);
  if (status != UMAPC_OK) goto done;
  normalised_operator(g, min_weight, &w);
  place_components(&w);

  /* the components of UMAPC_PAR_COMPONENT_ROWS rows or more one at a time,
   * each on the team (biggest first: they come first) */
  for (c = 0; c < K && w.comps[c].size >= UMAPC_PAR_COMPONENT_ROWS; c++)
    ;
  big = c;
  if (big > 0) {
    cs = scratch_alloc(1, w.comps[0].size, dim);
    n_cs = 1;
    if (cs == NULL) {
      status = UMAPC_ERR_NOMEM;
      goto done;
    }
  }
  umapc_pace_init(&pace, nt);
  for (c = 0; c < big && !failed; c++) {
    status = embed_and_place(&w, c, key, nt, &pace, intr, cs, out, &failed);
    if (status != UMAPC_OK) goto done;
  }
  scratch_free(cs, n_cs);
  cs = NULL;
  /* the smaller ones side by side, one per thread: a small component's
   * steps are too short for a team (on a busy machine each would wait for
   * a descheduled thread), and they do not depend on each other; in
   * batches, so that interrupts are polled between them */
  if (big < K && !failed) {
    cs = scratch_alloc(nt, w.comps[big].size, dim);
    n_cs = nt;
    if (cs == NULL) {
      status = UMAPC_ERR_NOMEM;
      goto done;
    }
  }
  for (c0 = big; c0 < K && !failed; c0 = c1) {
    long rows = 0;
    int bad = -1, bad_status = UMAPC_OK;
    for (c1 = c0; c1 < K && (c1 == c0 || rows < SPEC_BATCH_ROWS); c1++)
      rows += w.comps[c1].size;
    if (c0 > big && umapc_interrupted(intr)) {
      status = UMAPC_ERR_INTERRUPTED;
      goto done;
    }
    if (c1 - c0 == 1) { /* alone: as a big one */
      status = embed_and_place(&w, c0, key, nt, &pace, intr, cs, out, &failed);
      if (status != UMAPC_OK) goto done;
      continue;
    }
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) if (nt > 1)
#endif
    for (c = c0; c < c1; c++) {
      int f = 0;
      const int st = embed_and_place(&w, c, key, 1, NULL, NULL,
                                     cs + umapc_thread_num(), out, &f);
      if (st != UMAPC_OK || f) {
#ifdef _OPENMP
#pragma omp critical(umapc_spectral_component)
#endif
        {
          if (f) failed = 1;
          if (st != UMAPC_OK && (bad < 0 || c < bad)) { /* the first one's */
            bad = c;
            bad_status = st;
          }
        }
      }
    }
    if (bad >= 0) {
      status = bad_status;
      goto done;
    }
  }

  if (failed || !umapc_init_scale_and_jitter(out, n, dim, key, nt)) {
    uniform_layout(out, n, dim, key);
    if (fallback != NULL) *fallback = 1;
  }

done:
  scratch_free(cs, n_cs);
  work_free(&w);
  return status;
}
