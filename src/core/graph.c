/*
 * The fuzzy simplicial set: per-row smooth k-NN distances (rho, sigma),
 * membership strengths and the fuzzy union into a symmetric graph, and
 * umapc_fuzzy_graph(), which chains them for fitting and for new rows.
 */
#include "fp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fmath.h"
#include "graph.h"
#include "parallel.h"

#define SMOOTH_K_TOLERANCE 1e-5
#define MIN_K_DIST_SCALE 1e-3
#define SMOOTH_K_ITER 64

void umapc_csr_free(umapc_csr *g) {
  if (g == NULL) return;
  free(g->p);
  free(g->j);
  free(g->w);
  g->p = NULL;
  g->j = NULL;
  g->w = NULL;
}

/* rho: distance to the local_connectivity-th non-zero neighbour,
 * interpolated for fractional values. d is one row of k distances. */
static double row_rho(const double *d, int k, double local_connectivity) {
  int t, nz = 0, first = -1;
  double rho = 0.0;
  for (t = 0; t < k; t++)
    if (d[t] > 0.0) {
      if (first < 0) first = t;
      nz++;
    }
  if (nz == 0) return 0.0;
  if ((double)nz >= local_connectivity) {
    const int index = (int)floor(local_connectivity);
    const double interp = local_connectivity - index;
    /* non-zero distances are a suffix of the sorted row: nz-th is first+.. */
    if (index > 0) {
      rho = d[first + index - 1];
      if (interp > SMOOTH_K_TOLERANCE)
        rho += interp * (d[first + index] - d[first + index - 1]);
    } else {
      rho = interp * d[first];
    }
  } else {
    rho = d[k - 1]; /* the largest non-zero distance */
  }
  return rho;
}

int umapc_smooth_knn(const double *dist, int n, int k, double local_connectivity,
                     int n_threads, double *rho, double *sigma) {
  const double target = umapc_log2((double)k);
  double mean_all = 0.0;
  int i;
  if (n < 1 || k < 1) return UMAPC_INVALID();
  n_threads = umapc_clamp_threads(n_threads);
  for (i = 0; i < n; i++) {
    double s = 0.0;
    int t;
    for (t = 0; t < k; t++) s += dist[(size_t)i * k + t];
    mean_all += s;
  }
  mean_all /= (double)n * (double)k;

#ifdef _OPENMP
#pragma omp parallel for num_threads(n_threads) schedule(static) if (n > UMAPC_PAR_ROWS_MIN)
#endif
  for (i = 0; i < n; i++) {
    const double *d = dist + (size_t)i * k;
    const double r = row_rho(d, k, local_connectivity);
    double lo = 0.0, hi = INFINITY, mid = 1.0, mean_row = 0.0;
    int it, t;
    for (t = 0; t < k; t++) mean_row += d[t];
    mean_row /= (double)k;
    /* start at the power of two nearest the row's scale (1 for distances
     * of order 1, as umap-learn), so any scale of the data converges within
     * the iteration budget and scaling the data by 2^e scales sigma by 2^e */
    if (mean_row > 0.0 && isfinite(mean_row)) mid = ldexp(1.0, ilogb(mean_row));
    for (it = 0; it < SMOOTH_K_ITER; it++) {
      double psum = 0.0, e[64];
      int t0;
      /* psum = sum over t >= 1 of (x > 0 ? exp(-x / mid) : 1), x = d[t] - r,
       * added in order; the exponentials 64 at a time (umapc_exp_n()), of
       * 0 where x <= 0 (exp(0) is exactly 1) */
      for (t0 = 1; t0 < k; t0 += 64) {
        const int m = k - t0 < 64 ? k - t0 : 64;
        for (t = 0; t < m; t++) {
          const double x = d[t0 + t] - r;
          e[t] = x > 0.0 ? -x / mid : 0.0;
        }
        for (; t % 4 != 0; t++) e[t] = 0.0; /* whole vectors (e has 64) */
        umapc_exp_n(e, e, t);
        for (t = 0; t < m; t++) psum += e[t];
      }
      if (fabs(psum - target) < SMOOTH_K_TOLERANCE) break;
      if (psum > target) {
        hi = mid;
        mid = (lo + hi) / 2.0;
      } else {
        lo = mid;
        if (isinf(hi))
          mid *= 2.0;
        else
          mid = (lo + hi) / 2.0;
      }
    }
    if (r > 0.0) {
      if (mid < MIN_K_DIST_SCALE * mean_row) mid = MIN_K_DIST_SCALE * mean_row;
    } else {
      if (mid < MIN_K_DIST_SCALE * mean_all) mid = MIN_K_DIST_SCALE * mean_all;
    }
    rho[i] = r;
    sigma[i] = mid;
  }
  return UMAPC_OK;
}

void umapc_memberships(const int *idx, const double *dist, int n, int k,
                       const double *rho, const double *sigma, int bipartite,
                       int n_threads, double *w) {
  int i;
  n_threads = umapc_clamp_threads(n_threads);
#ifdef _OPENMP
#pragma omp parallel for num_threads(n_threads) schedule(static) if (n > UMAPC_PAR_ROWS_MIN)
#endif
  for (i = 0; i < n; i++) {
    int t;
    for (t = 0; t < k; t++) {
      const size_t e = (size_t)i * k + t;
      double v;
      if (!bipartite && idx[e] == i) {
        v = 0.0;
      } else {
        const double x = dist[e] - rho[i];
        v = (x <= 0.0 || sigma[i] == 0.0) ? 1.0 : umapc_exp(-x / sigma[i]);
      }
      w[e] = v;
    }
  }
}

typedef struct {
  int j;
  double w;
} entry;

static int cmp_entry(const void *a, const void *b) {
  const entry *x = (const entry *)a, *y = (const entry *)b;
  if (x->j != y->j) return x->j < y->j ? -1 : 1;
  /* equal columns: order by weight so the result is fully determined */
  return (x->w < y->w) ? -1 : (x->w > y->w);
}

/*
 * umapc_fuzzy_union(); own_idx, own_w: idx, w were malloc'd for this call
 * and are freed on every path, as soon as they have been read (before the
 * largest arrays are allocated: 180 MB at 1M rows and k = 15).
 */
static int fuzzy_union(int *idx, int own_idx, double *w, int own_w, int n,
                       int k, double mix, int n_threads, umapc_csr *out) {
  /* P as CSR with sorted, de-duplicated columns (duplicates: max weight) */
  int *pp = NULL, *pj = NULL, *tp = NULL, *tj = NULL, *fill = NULL,
      *cnt = NULL, *tw = NULL;
  double *pw = NULL;
  int i, status = UMAPC_ERR_NOMEM;
  size_t nnz = 0;

  memset(out, 0, sizeof(*out));
  n_threads = umapc_clamp_threads(n_threads);
  pp = (int *)calloc((size_t)n + 1, sizeof(int));
  pj = (int *)malloc((size_t)n * k * sizeof(int) + 1);
  pw = (double *)malloc((size_t)n * k * sizeof(double) + 1);
  if (pp == NULL || pj == NULL || pw == NULL) goto done;

  {
    /* per row: sort entries, drop self/zero weights, merge duplicates */
    umapc_scratch bufs; /* each thread's row of k entries */
    if (!umapc_scratch_alloc(&bufs, n_threads, (size_t)k * sizeof(entry), 0))
      goto done;
#ifdef _OPENMP
#pragma omp parallel num_threads(n_threads) if (n > UMAPC_PAR_ROWS_MIN)
#endif
    {
      entry *buf = (entry *)umapc_scratch_get(&bufs);
      int r;
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
      for (r = 0; r < n; r++) {
        int t, m = 0, u = 0;
        for (t = 0; t < k; t++) {
          const size_t e = (size_t)r * k + t;
          if (idx[e] == r || idx[e] < 0 || idx[e] >= n || !(w[e] > 0.0))
            continue;
          buf[m].j = idx[e];
          buf[m].w = w[e];
          m++;
        }
        qsort(buf, (size_t)m, sizeof(entry), cmp_entry);
        for (t = 0; t < m; t++) {
          if (u > 0 && buf[u - 1].j == buf[t].j) {
            buf[u - 1].w = buf[t].w; /* sorted by weight: keeps the max */
          } else {
            buf[u++] = buf[t];
          }
        }
        /* store in the row's fixed slot; compacted below */
        for (t = 0; t < u; t++) {
          pj[(size_t)r * k + t] = buf[t].j;
          pw[(size_t)r * k + t] = buf[t].w;
        }
        pp[r + 1] = u;
      }
    }
    umapc_scratch_free(&bufs);
  }
  if (own_w) {
    free(w);
    w = NULL;
  }
  if (own_idx) {
    free(idx);
    idx = NULL;
  }
  /* compact the fixed slots into CSR */
  for (i = 0; i < n; i++) {
    const int u = pp[i + 1];
    int t;
    for (t = 0; t < u; t++) {
      pj[nnz + t] = pj[(size_t)i * k + t];
      pw[nnz + t] = pw[(size_t)i * k + t];
    }
    pp[i + 1] = (int)(nnz + u);
    nnz += u;
  }

  /* transpose: counting sort by column keeps rows ascending in each column;
   * tw: where in pw the entry's weight is (an int, half a double) */
  tp = (int *)calloc((size_t)n + 1, sizeof(int));
  tj = (int *)malloc(nnz * sizeof(int) + 1);
  tw = (int *)malloc(nnz * sizeof(int) + 1);
  fill = (int *)malloc((size_t)n * sizeof(int) + 1);
  cnt = (int *)calloc((size_t)n + 1, sizeof(int));
  if (tp == NULL || tj == NULL || tw == NULL || fill == NULL || cnt == NULL)
    goto done;
  for (i = 0; i < (int)nnz; i++) tp[pj[i] + 1]++;
  for (i = 0; i < n; i++) tp[i + 1] += tp[i];
  memcpy(fill, tp, (size_t)n * sizeof(int));
  for (i = 0; i < n; i++) {
    int t;
    for (t = pp[i]; t < pp[i + 1]; t++) {
      const int c = pj[t];
      tj[fill[c]] = i;
      tw[fill[c]] = t;
      fill[c]++;
    }
  }

  /* merge row i of P and of P^T: count, then fill (row-parallel) */
#ifdef _OPENMP
#pragma omp parallel for num_threads(n_threads) schedule(static) if (n > UMAPC_PAR_ROWS_MIN)
#endif
  for (i = 0; i < n; i++) {
    int a = pp[i], ae = pp[i + 1], b = tp[i], be = tp[i + 1], c = 0;
    while (a < ae || b < be) {
      if (b >= be || (a < ae && pj[a] < tj[b]))
        a++;
      else if (a >= ae || tj[b] < pj[a])
        b++;
      else {
        a++;
        b++;
      }
      c++;
    }
    cnt[i + 1] = c;
  }
  for (i = 0; i < n; i++) cnt[i + 1] += cnt[i];
  out->n = n;
  out->p = (int *)malloc(((size_t)n + 1) * sizeof(int));
  out->j = (int *)malloc((size_t)cnt[n] * sizeof(int) + 1);
  out->w = (double *)malloc((size_t)cnt[n] * sizeof(double) + 1);
  if (out->p == NULL || out->j == NULL || out->w == NULL) {
    umapc_csr_free(out);
    goto done;
  }
#ifdef _OPENMP
#pragma omp parallel for num_threads(n_threads) schedule(static) if (n > UMAPC_PAR_ROWS_MIN)
#endif
  for (i = 0; i < n; i++) {
    int a = pp[i], ae = pp[i + 1], b = tp[i], be = tp[i + 1], c = cnt[i];
    while (a < ae || b < be) {
      double x = 0.0, y = 0.0;
      int col;
      if (b >= be || (a < ae && pj[a] < tj[b])) {
        col = pj[a];
        x = pw[a++];
      } else if (a >= ae || tj[b] < pj[a]) {
        col = tj[b];
        y = pw[tw[b++]];
      } else {
        col = pj[a];
        x = pw[a++];
        y = pw[tw[b++]];
      }
      out->j[c] = col;
      out->w[c] = mix * (x + y - x * y) + (1.0 - mix) * (x * y);
      c++;
    }
  }
  /* drop exact zeros (possible when mix = 0 and an edge is one-sided) */
  {
    int c = 0;
    for (i = 0; i < n; i++) {
      int t, start = c;
      for (t = cnt[i]; t < cnt[i + 1]; t++)
        if (out->w[t] > 0.0) {
          out->j[c] = out->j[t];
          out->w[c] = out->w[t];
          c++;
        }
      out->p[i] = start;
    }
    out->p[n] = c;
  }
  status = UMAPC_OK;

done:
  free(pp);
  free(pj);
  free(pw);
  free(tp);
  free(tj);
  free(tw);
  free(fill);
  free(cnt);
  if (own_w) free(w);
  if (own_idx) free(idx);
  return status;
}

int umapc_fuzzy_union(const int *idx, const double *w, int n, int k,
                      double mix, int n_threads, umapc_csr *out) {
  return fuzzy_union((int *)idx, 0, (double *)w, 0, n, k, mix, n_threads,
                     out);
}

/* The directed memberships w (n x k) as CSR rows, in idx's order, without
 * the zero weights. */
static int directed_rows(const int *idx, const double *w, int n, int k,
                         umapc_csr *out) {
  int i, c = 0;
  out->p = (int *)malloc(((size_t)n + 1) * sizeof(int));
  out->j = (int *)malloc((size_t)n * k * sizeof(int));
  out->w = (double *)malloc((size_t)n * k * sizeof(double));
  if (out->p == NULL || out->j == NULL || out->w == NULL) {
    umapc_csr_free(out);
    return UMAPC_ERR_NOMEM;
  }
  out->n = n;
  for (i = 0; i < n; i++) {
    int t;
    out->p[i] = c;
    for (t = 0; t < k; t++) {
      const size_t e = (size_t)i * k + t;
      if (!(w[e] > 0.0)) continue;
      out->j[c] = idx[e];
      out->w[c] = w[e];
      c++;
    }
  }
  out->p[n] = c;
  return UMAPC_OK;
}

/* umapc_fuzzy_graph() and umapc_fuzzy_graph_take() (own: idx and dist
 * are the caller's malloc'd copies, freed here as soon as read) */
static int fuzzy_graph(int *idx, double *dist, int own, int n, int k,
                       int n_cols, const umapc_graph_params *par,
                       int n_threads, double *rho, double *sigma,
                       umapc_csr *out) {
  double *own_rho = NULL, *own_sigma = NULL, *w = NULL;
  int status = UMAPC_ERR_NOMEM;
  size_t e;

  memset(out, 0, sizeof(*out));
  if (n < 1 || k < 1 || n_cols < 1 || (!par->bipartite && n_cols != n)) {
    status = UMAPC_INVALID();
    goto done;
  }
  for (e = 0; e < (size_t)n * k; e++)
    if (idx[e] < 0 || idx[e] >= n_cols) {
      status = UMAPC_INVALID();
      goto done;
    }
  if (rho == NULL)
    rho = own_rho = (double *)malloc((size_t)n * sizeof(double));
  if (sigma == NULL)
    sigma = own_sigma = (double *)malloc((size_t)n * sizeof(double));
  w = (double *)malloc((size_t)n * k * sizeof(double));
  if (rho == NULL || sigma == NULL || w == NULL) goto done;

  status = umapc_smooth_knn(dist, n, k, par->local_connectivity, n_threads,
                            rho, sigma);
  if (status != UMAPC_OK) goto done;
  umapc_memberships(idx, dist, n, k, rho, sigma, par->bipartite, n_threads,
                    w);
  if (own) {
    free(dist);
    dist = NULL;
  }
  if (par->bipartite)
    status = directed_rows(idx, w, n, k, out);
  else {
    /* the union frees w (and idx, if ours) once it has read them */
    status = fuzzy_union(idx, own, w, 1, n, k, par->set_op_mix_ratio,
                         n_threads, out);
    if (own) idx = NULL;
    w = NULL;
  }
done:
  free(own_rho);
  free(own_sigma);
  free(w);
  if (own) {
    free(idx);
    free(dist);
  }
  return status;
}

int umapc_fuzzy_graph(const int *idx, const double *dist, int n, int k,
                      int n_cols, const umapc_graph_params *par,
                      int n_threads, double *rho, double *sigma,
                      umapc_csr *out) {
  return fuzzy_graph((int *)idx, (double *)dist, 0, n, k, n_cols, par,
                     n_threads, rho, sigma, out);
}

int umapc_fuzzy_graph_take(int *idx, double *dist, int n, int k, int n_cols,
                           const umapc_graph_params *par, int n_threads,
                           double *rho, double *sigma, umapc_csr *out) {
  return fuzzy_graph(idx, dist, 1, n, k, n_cols, par, n_threads, rho, sigma,
                     out);
}
