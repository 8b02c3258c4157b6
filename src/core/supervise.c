/*
 * Supervised UMAP: intersections of the data's fuzzy graph with the labels'
 * or the target's, and the reset of the local connectivity that follows
 * (supervise.h has the formulas).
 */
#include "fp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fmath.h"
#include "supervise.h"

int umapc_csr_valid(const umapc_csr *g) {
  int i, t;
  if (g == NULL || g->n < 0 || g->p == NULL || g->p[0] != 0) return 0;
  for (i = 0; i < g->n; i++) {
    if (g->p[i + 1] < g->p[i]) return 0;
    for (t = g->p[i]; t < g->p[i + 1]; t++) {
      if (g->j[t] < 0 || g->j[t] >= g->n) return 0;
      if (t > g->p[i] && g->j[t] <= g->j[t - 1]) return 0;
    }
  }
  return 1;
}

/* Allocate out for n rows and nnz entries (p zeroed). */
static int csr_alloc(umapc_csr *out, int n, size_t nnz) {
  out->n = n;
  out->p = (int *)calloc((size_t)n + 1, sizeof(int));
  out->j = (int *)malloc(nnz * sizeof(int) + 1);
  out->w = (double *)malloc(nnz * sizeof(double) + 1);
  if (out->p == NULL || out->j == NULL || out->w == NULL) {
    umapc_csr_free(out);
    return UMAPC_ERR_NOMEM;
  }
  return UMAPC_OK;
}

/* Copy of g without its zero (or negative, or NaN) entries. */
static int csr_drop_zeros(const umapc_csr *g, umapc_csr *out) {
  int i, t, c = 0;
  if (csr_alloc(out, g->n, (size_t)g->p[g->n]) != UMAPC_OK)
    return UMAPC_ERR_NOMEM;
  for (i = 0; i < g->n; i++) {
    for (t = g->p[i]; t < g->p[i + 1]; t++)
      if (g->w[t] > 0.0) {
        out->j[c] = g->j[t];
        out->w[c] = g->w[t];
        c++;
      }
    out->p[i + 1] = c;
  }
  return UMAPC_OK;
}

int umapc_reset_local_connectivity(const umapc_csr *g, umapc_csr *out) {
  umapc_csr P, T;
  int i, t, status = UMAPC_ERR_NOMEM, n;
  int *fill = NULL;
  size_t nnz, c;

  memset(out, 0, sizeof(*out));
  memset(&P, 0, sizeof(P));
  memset(&T, 0, sizeof(T));
  if (!umapc_csr_valid(g)) return UMAPC_ERR_INVALID;
  n = g->n;
  /* P: rows scaled by their largest weight (rows of zeros stay as they are,
   * as sklearn's normalize(norm = "max") leaves them), zeros dropped */
  if (csr_drop_zeros(g, &P) != UMAPC_OK) goto done;
  for (i = 0; i < n; i++) {
    double m = 0.0;
    for (t = P.p[i]; t < P.p[i + 1]; t++)
      if (P.w[t] > m) m = P.w[t];
    if (m > 0.0)
      for (t = P.p[i]; t < P.p[i + 1]; t++) P.w[t] /= m;
  }
  nnz = (size_t)P.p[n];
  /* T = P^T by a counting sort on the column: rows ascend within each row
   * of T because P's rows are visited in order */
  if (csr_alloc(&T, n, nnz) != UMAPC_OK) goto done;
  fill = (int *)malloc((size_t)n * sizeof(int) + 1);
  if (fill == NULL) goto done;
  for (c = 0; c < nnz; c++) T.p[P.j[c] + 1]++;
  for (i = 0; i < n; i++) T.p[i + 1] += T.p[i];
  memcpy(fill, T.p, (size_t)n * sizeof(int));
  for (i = 0; i < n; i++)
    for (t = P.p[i]; t < P.p[i + 1]; t++) {
      const int col = P.j[t];
      T.j[fill[col]] = i;
      T.w[fill[col]] = P.w[t];
      fill[col]++;
    }
  /* fuzzy union of row i of P and of T (at most 2 nnz entries) */
  if (csr_alloc(out, n, 2 * nnz) != UMAPC_OK) goto done;
  c = 0;
  for (i = 0; i < n; i++) {
    int a = P.p[i], ae = P.p[i + 1], b = T.p[i], be = T.p[i + 1];
    while (a < ae || b < be) {
      double x = 0.0, y = 0.0, v;
      int col;
      if (b >= be || (a < ae && P.j[a] < T.j[b])) {
        col = P.j[a];
        x = P.w[a++];
      } else if (a >= ae || T.j[b] < P.j[a]) {
        col = T.j[b];
        y = T.w[b++];
      } else {
        col = P.j[a];
        x = P.w[a++];
        y = T.w[b++];
      }
      v = x + y - x * y;
      if (v > 0.0) {
        out->j[c] = col;
        out->w[c] = v;
        c++;
      }
    }
    out->p[i + 1] = (int)c;
  }
  status = UMAPC_OK;

done:
  if (status != UMAPC_OK) umapc_csr_free(out);
  umapc_csr_free(&P);
  umapc_csr_free(&T);
  free(fill);
  return status;
}

int umapc_categorical_intersection(const umapc_csr *g, const int *labels,
                                   double unknown_dist, double far_dist,
                                   umapc_csr *out) {
  umapc_csr h;
  const double unknown = umapc_exp(-unknown_dist),
               far = umapc_exp(-far_dist);
  int i, t, status;
  memset(out, 0, sizeof(*out));
  if (!umapc_csr_valid(g) || labels == NULL) return UMAPC_ERR_INVALID;
  if (csr_alloc(&h, g->n, (size_t)g->p[g->n]) != UMAPC_OK)
    return UMAPC_ERR_NOMEM;
  memcpy(h.p, g->p, ((size_t)g->n + 1) * sizeof(int));
  memcpy(h.j, g->j, (size_t)g->p[g->n] * sizeof(int));
  for (i = 0; i < g->n; i++)
    for (t = g->p[i]; t < g->p[i + 1]; t++) {
      const int li = labels[i], lj = labels[g->j[t]];
      double w = g->w[t];
      if (li < 0 || lj < 0)
        w *= unknown;
      else if (li != lj)
        w *= far;
      h.w[t] = w;
    }
  /* the reset drops the zeros (far_dist so large that exp underflows) */
  status = umapc_reset_local_connectivity(&h, out);
  umapc_csr_free(&h);
  return status;
}

static double min_weight(const umapc_csr *g) {
  const int nnz = g->p[g->n];
  double m = INFINITY;
  int t;
  for (t = 0; t < nnz; t++)
    if (g->w[t] < m) m = g->w[t];
  return nnz > 0 ? m : 0.0;
}

int umapc_general_intersection(const umapc_csr *g1, const umapc_csr *g2,
                               double weight, umapc_csr *out) {
  umapc_csr h;
  double left_min, right_min;
  int i, status;
  size_t c = 0;

  memset(out, 0, sizeof(*out));
  if (!umapc_csr_valid(g1) || !umapc_csr_valid(g2) || g1->n != g2->n ||
      !(weight >= 0.0 && weight <= 1.0))
    return UMAPC_ERR_INVALID;
  left_min = fmax(min_weight(g1) / 2.0, 1e-8);
  right_min = fmin(fmax(min_weight(g2) / 2.0, 1e-8), 1e-4);
  if (csr_alloc(&h, g1->n, (size_t)g1->p[g1->n] + (size_t)g2->p[g2->n]) !=
      UMAPC_OK)
    return UMAPC_ERR_NOMEM;
  for (i = 0; i < g1->n; i++) {
    int a = g1->p[i], ae = g1->p[i + 1], b = g2->p[i], be = g2->p[i + 1];
    while (a < ae || b < be) {
      double l = left_min, r = right_min, stored = 0.0;
      int col;
      if (b >= be || (a < ae && g1->j[a] < g2->j[b])) {
        col = g1->j[a];
        l = g1->w[a++];
        stored = l;
      } else if (a >= ae || g2->j[b] < g1->j[a]) {
        col = g2->j[b];
        r = g2->w[b++];
        stored = r;
      } else {
        col = g1->j[a];
        l = g1->w[a++];
        r = g2->w[b++];
        stored = l + r;
      }
      h.j[c] = col;
      if (l > left_min || r > right_min) {
        h.w[c] = weight < 0.5 ? l * umapc_pow(r, weight / (1.0 - weight))
                              : umapc_pow(l, (1.0 - weight) / weight) * r;
      } else {
        h.w[c] = stored;
      }
      c++;
    }
    h.p[i + 1] = (int)c;
  }
  status = umapc_reset_local_connectivity(&h, out);
  umapc_csr_free(&h);
  return status;
}
