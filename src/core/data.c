/* The compact single-precision copy of the data and its distance kernels. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "kernels.h"

static int round_up_lanes(int d) {
  return ((d + UMAPC_LANES - 1) / UMAPC_LANES) * UMAPC_LANES;
}

void umapc_data_free(umapc_data *data) {
  if (data == NULL) return;
  free(data->x);
  free(data->zero);
  free(data->center);
  data->x = NULL;
  data->zero = NULL;
  data->center = NULL;
}

static int data_alloc(umapc_data *out, int n, int d, int metric) {
  memset(out, 0, sizeof(*out));
  out->n = n;
  out->d = d;
  out->ld = round_up_lanes(d > 0 ? d : 1);
  out->metric = metric;
  out->scale = 1.0;
  out->x = (float *)calloc((size_t)n * (size_t)out->ld, sizeof(float));
  if (out->x == NULL) return UMAPC_ERR_NOMEM;
  if (metric == UMAPC_METRIC_COSINE || metric == UMAPC_METRIC_CORRELATION) {
    out->zero = (unsigned char *)calloc((size_t)(n > 0 ? n : 1), 1);
    if (out->zero == NULL) {
      umapc_data_free(out);
      return UMAPC_ERR_NOMEM;
    }
  }
  return UMAPC_OK;
}

/* Power of two p with max_abs * p in [0.5, 1) (1 when max_abs is 0/inf). */
static double pow2_scale_for(double max_abs) {
  int e;
  if (!(max_abs > 0.0) || !isfinite(max_abs)) return 1.0;
  (void)frexp(max_abs, &e);
  return ldexp(1.0, -e);
}

/*
 * Row preprocessing shared by every constructor. `rows` holds n rows of
 * `d` doubles each, row-major (a scratch copy), already centred by columns
 * where the metric asks for it. Writes the float copy.
 */
static void finish_rows(umapc_data *out, double *rows, int n_threads) {
  const int n = out->n, d = out->d, ld = out->ld, metric = out->metric;
  int i;
  (void)n_threads;
  if (metric == UMAPC_METRIC_EUCLIDEAN || metric == UMAPC_METRIC_MANHATTAN) {
    double max_abs = 0.0, s;
    size_t t, nd = (size_t)n * (size_t)d;
    for (t = 0; t < nd; t++) {
      double a = fabs(rows[t]);
      if (a > max_abs) max_abs = a;
    }
    s = pow2_scale_for(max_abs);
    out->scale = 1.0 / s;
#ifdef _OPENMP
#pragma omp parallel for num_threads(n_threads) schedule(static) if (n > 2048)
#endif
    for (i = 0; i < n; i++) {
      int j;
      const double *r = rows + (size_t)i * d;
      float *o = out->x + (size_t)i * ld;
      for (j = 0; j < d; j++) o[j] = (float)(r[j] * s);
    }
    return;
  }
#ifdef _OPENMP
#pragma omp parallel for num_threads(n_threads) schedule(static) if (n > 2048)
#endif
  for (i = 0; i < n; i++) {
    int j;
    double *r = rows + (size_t)i * d;
    float *o = out->x + (size_t)i * ld;
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
        out->zero[i] = 0;
      } else {
        out->zero[i] = 1;
      }
    } else {
      for (j = 0; j < d; j++) o[j] = (float)r[j];
    }
  }
}

static int centre_columns(umapc_data *out, double *rows) {
  const int n = out->n, d = out->d;
  int i, j;
  if (out->metric != UMAPC_METRIC_EUCLIDEAN &&
      out->metric != UMAPC_METRIC_MANHATTAN)
    return UMAPC_OK;
  out->center = (double *)calloc((size_t)(d > 0 ? d : 1), sizeof(double));
  if (out->center == NULL) return UMAPC_ERR_NOMEM;
  /* mean as the sum of x / n: cannot overflow for finite x */
  for (i = 0; i < n; i++) {
    const double *r = rows + (size_t)i * d;
    for (j = 0; j < d; j++) out->center[j] += r[j] / (double)n;
  }
  for (i = 0; i < n; i++) {
    double *r = rows + (size_t)i * d;
    for (j = 0; j < d; j++) r[j] -= out->center[j];
  }
  return UMAPC_OK;
}

/* Rows are converted in blocks so the double scratch stays small. */
int umapc_data_from_dense(const double *X, int n, int d, int metric,
                          int n_threads, umapc_data *out) {
  int st, i, j;
  double *rows;
  if (n < 1 || d < 1) return UMAPC_ERR_INVALID;
  st = data_alloc(out, n, d, metric);
  if (st != UMAPC_OK) return st;
  rows = (double *)malloc((size_t)n * (size_t)d * sizeof(double));
  if (rows == NULL) {
    umapc_data_free(out);
    return UMAPC_ERR_NOMEM;
  }
  /* transpose column-major -> row-major, in tiles for cache friendliness */
  for (j = 0; j < d; j += 64) {
    int je = j + 64 < d ? j + 64 : d;
    for (i = 0; i < n; i++) {
      int jj;
      for (jj = j; jj < je; jj++)
        rows[(size_t)i * d + jj] = X[(size_t)jj * n + i];
    }
  }
  st = centre_columns(out, rows);
  if (st == UMAPC_OK) finish_rows(out, rows, umapc_clamp_threads(n_threads));
  free(rows);
  if (st != UMAPC_OK) umapc_data_free(out);
  return st;
}

int umapc_data_from_csc(const int *p, const int *ri, const double *x, int n,
                        int d, int metric, int n_threads, umapc_data *out) {
  int st, j;
  double *rows;
  if (n < 1 || d < 1) return UMAPC_ERR_INVALID;
  st = data_alloc(out, n, d, metric);
  if (st != UMAPC_OK) return st;
  rows = (double *)calloc((size_t)n * (size_t)d, sizeof(double));
  if (rows == NULL) {
    umapc_data_free(out);
    return UMAPC_ERR_NOMEM;
  }
  for (j = 0; j < d; j++) {
    int t;
    for (t = p[j]; t < p[j + 1]; t++) rows[(size_t)ri[t] * d + j] = x[t];
  }
  st = centre_columns(out, rows);
  if (st == UMAPC_OK) finish_rows(out, rows, umapc_clamp_threads(n_threads));
  free(rows);
  if (st != UMAPC_OK) umapc_data_free(out);
  return st;
}

int umapc_data_like(const umapc_data *ref, const double *X, int n,
                    int n_threads, umapc_data *out) {
  int st, i, j;
  const int d = ref->d;
  double *rows;
  if (n < 1) return UMAPC_ERR_INVALID;
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
  if (ref->metric == UMAPC_METRIC_EUCLIDEAN ||
      ref->metric == UMAPC_METRIC_MANHATTAN) {
    const double s = 1.0 / ref->scale;
    out->scale = ref->scale;
    for (i = 0; i < n; i++) {
      float *o = out->x + (size_t)i * out->ld;
      for (j = 0; j < d; j++) o[j] = (float)(rows[(size_t)i * d + j] * s);
    }
  } else {
    finish_rows(out, rows, umapc_clamp_threads(n_threads));
  }
  free(rows);
  return UMAPC_OK;
}

/* ------------------------------------------------------------------------ */
/* AVX2 kernels (see kernels.h): the 16 lanes as two 8-wide vectors, no FMA,
 * so the same bits as the scalar and 4-wide kernels. */
#ifdef UMAPC_KERNEL_AVX2
typedef float umapc_v8 __attribute__((vector_size(32)));
typedef int umapc_v8i __attribute__((vector_size(32)));

int umapc_kernel_avx2 = 0;

int umapc_kernel_cpu_has_avx2(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") ? 1 : 0;
}

/* Runs once when the library is loaded, before any caller can start a
 * parallel region; umapc_kernel_avx2 is never written again. */
__attribute__((constructor)) static void umapc_kernel_select(void) {
  umapc_kernel_avx2 = umapc_kernel_cpu_has_avx2();
}

__attribute__((target("avx2"))) static inline float lanes8(umapc_v8 a0,
                                                           umapc_v8 a1) {
  float acc[UMAPC_LANES];
  memcpy(acc, &a0, sizeof(a0));
  memcpy(acc + 8, &a1, sizeof(a1));
  return umapc_lane_sum(acc);
}

#define LOAD2(p, v0, v1)                 \
  do {                                   \
    memcpy(&(v0), (p), sizeof(v0));      \
    memcpy(&(v1), (p) + 8, sizeof(v1));  \
  } while (0)

__attribute__((target("avx2"))) float umapc_sqdist_avx2(const float *x,
                                                        const float *y,
                                                        int ld) {
  umapc_v8 a0 = {0, 0, 0, 0, 0, 0, 0, 0}, a1 = a0;
  int k;
  for (k = 0; k < ld; k += UMAPC_LANES) {
    umapc_v8 x0, x1, y0, y1, t0, t1;
    LOAD2(x + k, x0, x1);
    LOAD2(y + k, y0, y1);
    t0 = x0 - y0;
    t1 = x1 - y1;
    a0 += t0 * t0;
    a1 += t1 * t1;
  }
  return lanes8(a0, a1);
}

__attribute__((target("avx2"))) float umapc_dot_avx2(const float *x,
                                                     const float *y, int ld) {
  umapc_v8 a0 = {0, 0, 0, 0, 0, 0, 0, 0}, a1 = a0;
  int k;
  for (k = 0; k < ld; k += UMAPC_LANES) {
    umapc_v8 x0, x1, y0, y1;
    LOAD2(x + k, x0, x1);
    LOAD2(y + k, y0, y1);
    a0 += x0 * y0;
    a1 += x1 * y1;
  }
  return lanes8(a0, a1);
}

__attribute__((target("avx2"))) float umapc_l1dist_avx2(const float *x,
                                                        const float *y,
                                                        int ld) {
  const umapc_v8i m = {0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff,
                       0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff};
  umapc_v8 a0 = {0, 0, 0, 0, 0, 0, 0, 0}, a1 = a0;
  int k;
  for (k = 0; k < ld; k += UMAPC_LANES) {
    umapc_v8 x0, x1, y0, y1;
    LOAD2(x + k, x0, x1);
    LOAD2(y + k, y0, y1);
    a0 += (umapc_v8)((umapc_v8i)(x0 - y0) & m);
    a1 += (umapc_v8)((umapc_v8i)(x1 - y1) & m);
  }
  return lanes8(a0, a1);
}

__attribute__((target("avx2"))) float umapc_hamming_avx2(const float *x,
                                                         const float *y,
                                                         int ld) {
  const umapc_v8i one = {0x3f800000, 0x3f800000, 0x3f800000, 0x3f800000,
                         0x3f800000, 0x3f800000, 0x3f800000, 0x3f800000};
  umapc_v8 a0 = {0, 0, 0, 0, 0, 0, 0, 0}, a1 = a0;
  int k;
  for (k = 0; k < ld; k += UMAPC_LANES) {
    umapc_v8 x0, x1, y0, y1;
    LOAD2(x + k, x0, x1);
    LOAD2(y + k, y0, y1);
    a0 += (umapc_v8)((umapc_v8i)(x0 != y0) & one);
    a1 += (umapc_v8)((umapc_v8i)(x1 != y1) & one);
  }
  return lanes8(a0, a1);
}
#undef LOAD2
#endif

float umapc_kernel(const umapc_data *da, int a, const umapc_data *db, int b) {
  const float *x = da->x + (size_t)a * da->ld;
  const float *y = db->x + (size_t)b * db->ld;
  switch (da->metric) {
    case UMAPC_METRIC_EUCLIDEAN:
      return umapc_sqdist(x, y, da->ld);
    case UMAPC_METRIC_MANHATTAN:
      return umapc_l1dist(x, y, da->ld);
    case UMAPC_METRIC_HAMMING:
      return umapc_hamming(x, y, da->ld) / (float)da->d;
    default: {
      const int za = da->zero[a], zb = db->zero[b];
      float v;
      if (za || zb) return (za && zb) ? 0.0f : 1.0f;
      v = 1.0f - umapc_dot(x, y, da->ld);
      return v > 0.0f ? v : 0.0f;
    }
  }
}

double umapc_kernel_to_dist(const umapc_data *data, float k) {
  switch (data->metric) {
    case UMAPC_METRIC_EUCLIDEAN:
      return sqrt((double)k) * data->scale;
    case UMAPC_METRIC_MANHATTAN:
      return (double)k * data->scale;
    default:
      return (double)k;
  }
}
