/* The compact single-precision copy of the data (see data.h); its distance
 * kernels are in distance.c. */
#include "fp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "parallel.h"

const char *umapc_metric_name(int metric) {
  static const char *const names[] = {
      NULL,        "euclidean", "cosine",    "manhattan",  "correlation",
      "hamming",   "chebyshev", "minkowski", "canberra",   "braycurtis",
      "hellinger", "jaccard",   "dice"};
  if (metric < 1 || metric >= (int)(sizeof(names) / sizeof(names[0])))
    return NULL;
  return names[metric];
}

static int round_up_lanes(int d) {
  return ((d + UMAPC_LANES - 1) / UMAPC_LANES) * UMAPC_LANES;
}

void umapc_data_free(umapc_data *data) {
  if (data == NULL) return;
  free(data->x);
  free(data->zero);
  free(data->center);
  free(data->cnt);
  free(data->sp);
  free(data->sj);
  free(data->sx);
  data->sp = NULL;
  data->sj = NULL;
  data->sx = NULL;
  data->x = NULL;
  data->zero = NULL;
  data->center = NULL;
  data->cnt = NULL;
}

static int zero_metric(int metric) {
  return metric == UMAPC_METRIC_COSINE || metric == UMAPC_METRIC_CORRELATION ||
         metric == UMAPC_METRIC_HELLINGER;
}

static int binary_metric(int metric) {
  return metric == UMAPC_METRIC_JACCARD || metric == UMAPC_METRIC_DICE;
}

/* canberra and braycurtis: the whole matrix scaled by one power of two */
static int scaled_metric(int metric) {
  return metric == UMAPC_METRIC_CANBERRA || metric == UMAPC_METRIC_BRAYCURTIS;
}

int umapc_data_set_p(umapc_data *data, double p) {
  if (!(p >= 1.0) || !(p <= UMAPC_MINKOWSKI_PMAX)) return UMAPC_INVALID();
  data->p = p;
  data->p_int = (p == floor(p)) ? (int)p : 0;
  return UMAPC_OK;
}

int umapc_sparse_metric(int metric) {
  return metric != UMAPC_METRIC_EUCLIDEAN && metric != UMAPC_METRIC_CORRELATION;
}

/* The copy's fields; the dense rows x only when `dense`. */
static int data_alloc2(umapc_data *out, int n, int d, int metric, int dense) {
  memset(out, 0, sizeof(*out));
  out->n = n;
  out->d = d;
  out->ld = round_up_lanes(d > 0 ? d : 1);
  out->metric = metric;
  out->scale = 1.0;
  out->p = 2.0;
  out->p_int = 2;
  if (dense) {
    out->x = (float *)calloc((size_t)n * (size_t)out->ld, sizeof(float));
    if (out->x == NULL) return UMAPC_ERR_NOMEM;
  }
  if (zero_metric(metric)) {
    out->zero = (unsigned char *)calloc((size_t)(n > 0 ? n : 1), 1);
    if (out->zero == NULL) {
      umapc_data_free(out);
      return UMAPC_ERR_NOMEM;
    }
  }
  if (binary_metric(metric)) {
    out->cnt = (float *)calloc((size_t)(n > 0 ? n : 1), sizeof(float));
    if (out->cnt == NULL) {
      umapc_data_free(out);
      return UMAPC_ERR_NOMEM;
    }
  }
  return UMAPC_OK;
}

static int data_alloc(umapc_data *out, int n, int d, int metric) {
  return data_alloc2(out, n, d, metric, 1);
}

/* Power of two p with max_abs * p in [0.5, 1) (1 when max_abs is 0/inf). */
static double pow2_scale_for(double max_abs) {
  int e;
  if (!(max_abs > 0.0) || !isfinite(max_abs)) return 1.0;
  (void)frexp(max_abs, &e);
  return ldexp(1.0, -e);
}

/*
 * Row preprocessing for the metrics that are not centred. `rows` holds `cnt`
 * rows (starting at row i0) of `d` doubles each, row-major: a small scratch
 * block. Writes those rows of the float copy.
 */
static void finish_block(umapc_data *out, double *rows, int i0, int cnt,
                         int n_threads) {
  const int d = out->d, ld = out->ld, metric = out->metric;
  int i;
  (void)n_threads;
#ifdef _OPENMP
#pragma omp parallel for num_threads(n_threads) schedule(static) if (cnt > UMAPC_PAR_BLOCK_ROWS_MIN)
#endif
  for (i = 0; i < cnt; i++) {
    int j;
    double *r = rows + (size_t)i * d;
    float *o = out->x + (size_t)(i0 + i) * ld;
    if (metric == UMAPC_METRIC_CORRELATION) {
      double m = 0.0;
      for (j = 0; j < d; j++) m += r[j];
      m /= (double)d;
      for (j = 0; j < d; j++) r[j] -= m;
    }
    if (metric == UMAPC_METRIC_COSINE || metric == UMAPC_METRIC_CORRELATION) {
      double ss = 0.0, max_abs = 0.0, s;
      /* scale first by a power of two so the squares cannot overflow */
      for (j = 0; j < d; j++)
        if (fabs(r[j]) > max_abs) max_abs = fabs(r[j]);
      s = pow2_scale_for(max_abs);
      for (j = 0; j < d; j++) {
        r[j] *= s;
        ss += r[j] * r[j];
      }
      if (ss > 0.0) {
        double inv = 1.0 / sqrt(ss);
        for (j = 0; j < d; j++) o[j] = (float)(r[j] * inv);
        out->zero[i0 + i] = 0;
      } else {
        out->zero[i0 + i] = 1;
      }
    } else if (metric == UMAPC_METRIC_HELLINGER) {
      /* sqrt(x / sum(x)) (x >= 0, checked in R), after a power-of-two
       * scaling so that the sum cannot overflow */
      double sum = 0.0, max_abs = 0.0, s;
      for (j = 0; j < d; j++)
        if (fabs(r[j]) > max_abs) max_abs = fabs(r[j]);
      s = pow2_scale_for(max_abs);
      for (j = 0; j < d; j++) sum += r[j] * s;
      if (sum > 0.0) {
        for (j = 0; j < d; j++) o[j] = (float)sqrt(r[j] * s / sum);
        out->zero[i0 + i] = 0;
      } else {
        out->zero[i0 + i] = 1;
      }
    } else if (binary_metric(metric)) {
      int c = 0;
      for (j = 0; j < d; j++) {
        o[j] = r[j] != 0.0 ? 1.0f : 0.0f;
        c += r[j] != 0.0;
      }
      out->cnt[i0 + i] = (float)c;
    } else if (scaled_metric(metric)) {
      const double s = 1.0 / out->scale; /* a power of two: exact */
      for (j = 0; j < d; j++) o[j] = (float)(r[j] * s);
    } else {
      for (j = 0; j < d; j++) o[j] = (float)r[j];
    }
  }
}

/* Rows per scratch block for the row-wise metrics. */
#define ROW_BLOCK 512

static int centred_metric(int metric) {
  return metric == UMAPC_METRIC_EUCLIDEAN || metric == UMAPC_METRIC_MANHATTAN ||
         metric == UMAPC_METRIC_CHEBYSHEV || metric == UMAPC_METRIC_MINKOWSKI;
}

/*
 * Euclidean and manhattan from a column-major matrix, with no scratch copy:
 * column means (sum of x / n, which cannot overflow), the largest |centred
 * value|, then the scaled float rows written in column tiles.
 */
static int dense_centred(const double *X, umapc_data *out, int n_threads) {
  const int n = out->n, d = out->d, ld = out->ld;
  double max_abs = 0.0, s;
  int i, j;
  out->center = (double *)calloc((size_t)d, sizeof(double));
  if (out->center == NULL) return UMAPC_ERR_NOMEM;
  for (j = 0; j < d; j++) {
    const double *c = X + (size_t)j * n;
    double m = 0.0;
    for (i = 0; i < n; i++) m += c[i] / (double)n;
    out->center[j] = m;
  }
  for (j = 0; j < d; j++) {
    const double *c = X + (size_t)j * n, m = out->center[j];
    for (i = 0; i < n; i++) {
      const double v = fabs(c[i] - m);
      if (v > max_abs) max_abs = v;
    }
  }
  s = pow2_scale_for(max_abs);
  out->scale = 1.0 / s;
  (void)n_threads;
#ifdef _OPENMP
#pragma omp parallel for num_threads(n_threads) schedule(static) if (n > UMAPC_PAR_ROWS_MIN)
#endif
  for (i = 0; i < n; i += 64) {
    const int ie = i + 64 < n ? i + 64 : n;
    int jj, ii;
    for (jj = 0; jj < d; jj++) {
      const double *c = X + (size_t)jj * n, m = out->center[jj];
      for (ii = i; ii < ie; ii++)
        out->x[(size_t)ii * ld + jj] = (float)((c[ii] - m) * s);
    }
  }
  return UMAPC_OK;
}

/* umapc_data_from_dense()'s work on a copy allocated for it (x zeroed) */
static int fill_dense(const double *X, umapc_data *out, int n_threads) {
  const int n = out->n, d = out->d, metric = out->metric;
  int i0;
  double *rows;
  n_threads = umapc_clamp_threads(n_threads);
  if (centred_metric(metric)) return dense_centred(X, out, n_threads);
  if (scaled_metric(metric)) {
    double max_abs = 0.0;
    size_t t;
    for (t = 0; t < (size_t)n * (size_t)d; t++)
      if (fabs(X[t]) > max_abs) max_abs = fabs(X[t]);
    out->scale = 1.0 / pow2_scale_for(max_abs);
  }
  rows = (double *)malloc((size_t)ROW_BLOCK * (size_t)d * sizeof(double));
  if (rows == NULL) return UMAPC_ERR_NOMEM;
  for (i0 = 0; i0 < n; i0 += ROW_BLOCK) {
    const int cnt = i0 + ROW_BLOCK < n ? ROW_BLOCK : n - i0;
    int i, j;
    for (j = 0; j < d; j++) {
      const double *c = X + (size_t)j * n + i0;
      for (i = 0; i < cnt; i++) rows[(size_t)i * d + j] = c[i];
    }
    finish_block(out, rows, i0, cnt, n_threads);
  }
  free(rows);
  return UMAPC_OK;
}

int umapc_data_from_dense(const double *X, int n, int d, int metric,
                          int n_threads, umapc_data *out) {
  int st;
  if (n < 1 || d < 1) return UMAPC_INVALID();
  st = data_alloc(out, n, d, metric);
  if (st != UMAPC_OK) return st;
  st = fill_dense(X, out, n_threads);
  if (st != UMAPC_OK) umapc_data_free(out);
  return st;
}

int umapc_data_rows_from_dense(const double *X, int n, int d, int metric,
                               int n_threads, float *rows,
                               umapc_data *parts) {
  int st;
  if (n < 1 || d < 1) return UMAPC_INVALID();
  st = data_alloc2(parts, n, d, metric, 0);
  if (st != UMAPC_OK) return st;
  /* the same work on unpadded rows: every write goes through ld */
  memset(rows, 0, (size_t)n * (size_t)d * sizeof(float));
  parts->ld = d;
  parts->x = rows;
  st = fill_dense(X, parts, n_threads);
  parts->x = NULL;
  parts->ld = round_up_lanes(d);
  if (st != UMAPC_OK) umapc_data_free(parts);
  return st;
}

/*
 * A sparse copy from the row-wise non-zeros (rp, rj, rx; columns ascending
 * within a row): finish_block()'s preprocessing on the non-zeros, in the
 * same order and arithmetic, so every value is the dense copy's.
 */
static int sparse_copy(umapc_data *out, const int *rp, const int *rj,
                       const double *rx) {
  const int n = out->n, metric = out->metric;
  const int nnz = rp[n];
  double gs = 1.0;
  int i, t, o = 0;
  out->sp = (int *)malloc(((size_t)n + 1) * sizeof(int));
  out->sj = (int *)malloc((size_t)nnz * sizeof(int) + 1);
  out->sx = (float *)malloc((size_t)nnz * sizeof(float) + 1);
  if (!out->sp || !out->sj || !out->sx) return UMAPC_ERR_NOMEM;
  if (scaled_metric(metric) || metric == UMAPC_METRIC_MANHATTAN ||
      metric == UMAPC_METRIC_CHEBYSHEV || metric == UMAPC_METRIC_MINKOWSKI) {
    double max_abs = 0.0;
    for (t = 0; t < nnz; t++)
      if (fabs(rx[t]) > max_abs) max_abs = fabs(rx[t]);
    gs = pow2_scale_for(max_abs);
    out->scale = 1.0 / gs;
  }
  for (i = 0; i < n; i++) {
    const int t0 = rp[i], t1 = rp[i + 1];
    double mul = 1.0, sum = 0.0, max_abs = 0.0, s = 1.0;
    int kind = 0; /* 0: v * mul, 1: sqrt(v * s / sum), 2: 1 */
    out->sp[i] = o;
    if (metric == UMAPC_METRIC_COSINE || metric == UMAPC_METRIC_HELLINGER) {
      for (t = t0; t < t1; t++)
        if (fabs(rx[t]) > max_abs) max_abs = fabs(rx[t]);
      s = pow2_scale_for(max_abs);
      for (t = t0; t < t1; t++) {
        const double v = rx[t] * s;
        sum += metric == UMAPC_METRIC_COSINE ? v * v : v;
      }
      out->zero[i] = !(sum > 0.0);
      if (!(sum > 0.0)) continue;
      if (metric == UMAPC_METRIC_COSINE) {
        mul = 1.0 / sqrt(sum);
      } else {
        kind = 1;
      }
    } else if (binary_metric(metric)) {
      kind = 2;
    } else if (metric != UMAPC_METRIC_HAMMING) {
      mul = gs;
    }
    for (t = t0; t < t1; t++) {
      float f;
      if (rx[t] == 0.0) continue;
      if (kind == 0)
        f = metric == UMAPC_METRIC_COSINE ? (float)(rx[t] * s * mul)
                                          : (float)(rx[t] * mul);
      else if (kind == 1)
        f = (float)sqrt(rx[t] * s / sum);
      else
        f = 1.0f;
      if (f == 0.0f) continue;
      out->sj[o] = rj[t];
      out->sx[o++] = f;
    }
    if (binary_metric(metric)) out->cnt[i] = (float)(o - out->sp[i]);
  }
  out->sp[n] = o;
  return UMAPC_OK;
}

/* Dense copy -> sparse copy (the query rows of a sparse reference). */
static int dense_to_sparse(umapc_data *out) {
  const int n = out->n, d = out->d, ld = out->ld;
  size_t cnt = 0;
  int i, j, o = 0;
  for (i = 0; i < n; i++)
    for (j = 0; j < d; j++) cnt += out->x[(size_t)i * ld + j] != 0.0f;
  out->sp = (int *)malloc(((size_t)n + 1) * sizeof(int));
  out->sj = (int *)malloc(cnt * sizeof(int) + 1);
  out->sx = (float *)malloc(cnt * sizeof(float) + 1);
  if (!out->sp || !out->sj || !out->sx) return UMAPC_ERR_NOMEM;
  for (i = 0; i < n; i++) {
    const float *r = out->x + (size_t)i * ld;
    out->sp[i] = o;
    for (j = 0; j < d; j++)
      if (r[j] != 0.0f) {
        out->sj[o] = j;
        out->sx[o++] = r[j];
      }
  }
  out->sp[n] = o;
  free(out->x);
  out->x = NULL;
  return UMAPC_OK;
}

/*
 * Sparse columns: the rows are rebuilt block by block from a row-wise copy
 * of the non-zeros; the centred metrics get exactly the dense path's column
 * means (zeros add nothing and the stored entries come in row order).
 */
int umapc_data_from_csc(const int *p, const int *ri, const double *x, int n,
                        int d, int metric, int n_threads, umapc_data *out) {
  int st = UMAPC_ERR_NOMEM, j, i0, nnz = p[d];
  int *rp = NULL, *rj = NULL, *fill = NULL;
  double *rx = NULL, *rows = NULL;
  const int sparse = umapc_sparse_metric(metric);
  if (n < 1 || d < 1) return UMAPC_INVALID();
  st = data_alloc2(out, n, d, metric, !sparse);
  if (st != UMAPC_OK) return st;
  st = UMAPC_ERR_NOMEM;
  n_threads = umapc_clamp_threads(n_threads);
  rp = (int *)calloc((size_t)n + 1, sizeof(int));
  rj = (int *)malloc((size_t)nnz * sizeof(int) + 1);
  rx = (double *)malloc((size_t)nnz * sizeof(double) + 1);
  fill = (int *)malloc((size_t)n * sizeof(int) + 1);
  if (!sparse)
    rows = (double *)malloc((size_t)ROW_BLOCK * (size_t)d * sizeof(double));
  if (!rp || !rj || !rx || !fill || (!sparse && !rows)) goto done;
  for (j = 0; j < nnz; j++) rp[ri[j] + 1]++;
  for (j = 0; j < n; j++) rp[j + 1] += rp[j];
  memcpy(fill, rp, (size_t)n * sizeof(int));
  for (j = 0; j < d; j++) {
    int t;
    for (t = p[j]; t < p[j + 1]; t++) {
      rj[fill[ri[t]]] = j;
      rx[fill[ri[t]]++] = x[t];
    }
  }
  if (sparse) {
    st = sparse_copy(out, rp, rj, rx);
    goto done;
  }
  if (centred_metric(metric)) {
    double max_abs = 0.0, s;
    out->center = (double *)calloc((size_t)d, sizeof(double));
    if (out->center == NULL) goto done;
    for (j = 0; j < d; j++) {
      int t;
      double m = 0.0;
      for (t = p[j]; t < p[j + 1]; t++) m += x[t] / (double)n;
      out->center[j] = m;
    }
    /* largest |centred value|: stored entries, and zeros where present */
    for (j = 0; j < d; j++) {
      int t;
      const double m = out->center[j];
      for (t = p[j]; t < p[j + 1]; t++)
        if (fabs(x[t] - m) > max_abs) max_abs = fabs(x[t] - m);
      if (p[j + 1] - p[j] < n && fabs(m) > max_abs) max_abs = fabs(m);
    }
    s = pow2_scale_for(max_abs);
    out->scale = 1.0 / s;
    for (i0 = 0; i0 < n; i0++) {
      float *o = out->x + (size_t)i0 * out->ld;
      int t;
      for (j = 0; j < d; j++) o[j] = (float)((0.0 - out->center[j]) * s);
      for (t = rp[i0]; t < rp[i0 + 1]; t++)
        o[rj[t]] = (float)((rx[t] - out->center[rj[t]]) * s);
    }
  } else {
    if (scaled_metric(metric)) {
      double max_abs = 0.0;
      for (j = 0; j < nnz; j++)
        if (fabs(x[j]) > max_abs) max_abs = fabs(x[j]);
      out->scale = 1.0 / pow2_scale_for(max_abs);
    }
    for (i0 = 0; i0 < n; i0 += ROW_BLOCK) {
      const int cnt = i0 + ROW_BLOCK < n ? ROW_BLOCK : n - i0;
      int i, t;
      memset(rows, 0, (size_t)cnt * d * sizeof(double));
      for (i = 0; i < cnt; i++)
        for (t = rp[i0 + i]; t < rp[i0 + i + 1]; t++)
          rows[(size_t)i * d + rj[t]] = rx[t];
      finish_block(out, rows, i0, cnt, n_threads);
    }
  }
  st = UMAPC_OK;
done:
  free(rp);
  free(rj);
  free(rx);
  free(fill);
  free(rows);
  if (st != UMAPC_OK) umapc_data_free(out);
  return st;
}

int umapc_data_like(const umapc_data *ref, const double *X, int n,
                    int n_threads, umapc_data *out) {
  int st, i, j;
  const int d = ref->d;
  double *rows;
  if (n < 1) return UMAPC_INVALID();
  st = data_alloc(out, n, d, ref->metric);
  if (st != UMAPC_OK) return st;
  rows = (double *)malloc((size_t)n * (size_t)d * sizeof(double));
  if (rows == NULL) {
    umapc_data_free(out);
    return UMAPC_ERR_NOMEM;
  }
  for (i = 0; i < n; i++)
    for (j = 0; j < d; j++) rows[(size_t)i * d + j] = X[(size_t)j * n + i];
  if (ref->center != NULL) {
    for (i = 0; i < n; i++)
      for (j = 0; j < d; j++) rows[(size_t)i * d + j] -= ref->center[j];
  }
  out->p = ref->p;
  out->p_int = ref->p_int;
  if (centred_metric(ref->metric)) {
    const double s = 1.0 / ref->scale;
    out->scale = ref->scale;
    for (i = 0; i < n; i++) {
      float *o = out->x + (size_t)i * out->ld;
      for (j = 0; j < d; j++) o[j] = (float)(rows[(size_t)i * d + j] * s);
    }
  } else {
    out->scale = ref->scale; /* canberra/braycurtis: the same scaling */
    finish_block(out, rows, 0, n, umapc_clamp_threads(n_threads));
  }
  free(rows);
  if (ref->x == NULL) {
    st = dense_to_sparse(out);
    if (st != UMAPC_OK) {
      umapc_data_free(out);
      return st;
    }
  }
  return UMAPC_OK;
}

int umapc_data_from_rows(const float *rows, int n, int d, int metric,
                         double scale, const double *center,
                         const unsigned char *zero, const float *cnt,
                         umapc_data *out) {
  int st, i;
  if (n < 1 || d < 1 || umapc_metric_name(metric) == NULL ||
      !(scale > 0.0) || (center != NULL) != centred_metric(metric) ||
      (zero != NULL) != zero_metric(metric) ||
      (cnt != NULL) != binary_metric(metric))
    return UMAPC_INVALID();
  st = data_alloc(out, n, d, metric);
  if (st != UMAPC_OK) return st;
  out->scale = scale;
  for (i = 0; i < n; i++)
    memcpy(out->x + (size_t)i * out->ld, rows + (size_t)i * d,
           (size_t)d * sizeof(float));
  if (center != NULL) {
    out->center = (double *)malloc((size_t)d * sizeof(double));
    if (out->center == NULL) {
      umapc_data_free(out);
      return UMAPC_ERR_NOMEM;
    }
    memcpy(out->center, center, (size_t)d * sizeof(double));
  }
  if (zero != NULL) memcpy(out->zero, zero, (size_t)n);
  if (cnt != NULL) memcpy(out->cnt, cnt, (size_t)n * sizeof(float));
  return UMAPC_OK;
}
