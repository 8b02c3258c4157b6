/*
 * The compact copy of the input data that every k-NN search works on, and
 * the distance kernels over it.
 *
 * Rows are stored row-major in single precision, each row padded with zeros
 * to a multiple of UMAPC_LANES floats so the kernels can run in fixed-width
 * lanes. The copy is preprocessed per metric so that the kernel is cheap:
 *
 *   euclidean   columns centred (translation invariant), whole matrix scaled
 *               by a power of two (exact) so the largest |value| is near 1;
 *               kernel = squared distance, final = sqrt(.) * scale
 *   manhattan   same preprocessing; kernel = L1 distance, final = . * scale
 *   cosine      rows scaled to unit length; kernel = 1 - dot
 *   correlation rows centred, then scaled to unit length; kernel = 1 - dot
 *   hamming     raw values; kernel = share of coordinates that differ
 *
 * A zero row under cosine/correlation has distance 0 to another zero row and
 * 1 to anything else (as in umap-learn/pynndescent).
 *
 * The kernel value ("rank distance") is monotone in the final distance, so
 * searches compare kernel values and convert only the k kept per row.
 */
#ifndef UMAPC_DATA_H
#define UMAPC_DATA_H

#include "core.h"

#define UMAPC_LANES 16

typedef enum {
  UMAPC_METRIC_EUCLIDEAN = 1,
  UMAPC_METRIC_COSINE = 2,
  UMAPC_METRIC_MANHATTAN = 3,
  UMAPC_METRIC_CORRELATION = 4,
  UMAPC_METRIC_HAMMING = 5
} umapc_metric;

/*
 * The metric's name ("euclidean", ...) for a umapc_metric code, or NULL when
 * `metric` is not one: codes run from 1 without gaps, so the names in enum
 * order are umapc_metric_name(1), umapc_metric_name(2), ... up to the first
 * NULL. This table is the only list of metrics: R takes its choices from it
 * and the glue maps R's metric names to codes with it (a new metric is added
 * here, in the enum above, and in the kernels).
 */
const char *umapc_metric_name(int metric);

typedef struct {
  int n;               /* rows */
  int d;               /* features */
  int ld;              /* floats per stored row: d rounded up to UMAPC_LANES */
  int metric;          /* umapc_metric */
  float *x;            /* n * ld floats, row-major, zero padded (owned) */
  unsigned char *zero; /* cosine/correlation: 1 where the row is all zero */
  double scale;        /* user distance = final(kernel) * scale */
  double *center;      /* euclidean/manhattan: the column means removed (d) */
} umapc_data;

/* Build the copy from a column-major n x d double matrix (R's layout). */
int umapc_data_from_dense(const double *X, int n, int d, int metric,
                          int n_threads, umapc_data *out);

/*
 * Build the copy from a column-compressed sparse matrix (dgCMatrix slots:
 * p has d + 1 entries, i are 0-based row indices, x the values).
 */
int umapc_data_from_csc(const int *p, const int *i, const double *x, int n,
                        int d, int metric, int n_threads, umapc_data *out);

/*
 * Express new rows (e.g. predict()'s newdata) in the frame of `ref`: same
 * centring, scale and row preprocessing, so kernel values between a row of
 * `out` and a row of `ref` are comparable. X is column-major n x ref->d.
 */
int umapc_data_like(const umapc_data *ref, const double *X, int n,
                    int n_threads, umapc_data *out);

void umapc_data_free(umapc_data *data);

/* Kernel value between row a of `da` and row b of `db` (lower = closer). */
float umapc_kernel(const umapc_data *da, int a, const umapc_data *db, int b);

/* Final distance in the user's units for a kernel value. */
double umapc_kernel_to_dist(const umapc_data *data, float kernel_value);

#endif
