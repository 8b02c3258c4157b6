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
 *   chebyshev   centred and scaled as euclidean; kernel = max |x - y|,
 *               final = . * scale
 *   minkowski   centred and scaled as euclidean; kernel = sum |x - y|^p
 *               (metric_p), accumulated in double, final =
 *               kernel^(1/p) * scale
 *   canberra    whole matrix scaled by a power of two (the distance is
 *               scale free); kernel = sum |x - y| / (|x| + |y|), terms with
 *               a zero denominator count 0
 *   braycurtis  scaled as canberra; kernel = sum |x - y| / sum |x + y|
 *               (0 when the denominator is 0)
 *   hellinger   non-negative rows replaced by sqrt(x / sum(x)); kernel =
 *               1 - dot, final = sqrt(.)
 *   jaccard     0/1 rows, `cnt` = ones per row; with t = dot (exact: whole
 *   dice        numbers), u = cnt_a + cnt_b: jaccard = (u - 2t) / (u - t),
 *               dice = (u - 2t) / u (0 when the denominator is 0)
 *
 * A zero row under cosine/correlation/hellinger has distance 0 to another
 * zero row and 1 to anything else (as in umap-learn/pynndescent).
 *
 * Every kernel sums in UMAPC_LANES lanes combined in a fixed order, uses no
 * fused multiply-add and no libm function except sqrt (and pow for
 * minkowski with a non-integer p), so its value is a pure function of the
 * two rows on every platform.
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
  UMAPC_METRIC_HAMMING = 5,
  UMAPC_METRIC_CHEBYSHEV = 6,
  UMAPC_METRIC_MINKOWSKI = 7,
  UMAPC_METRIC_CANBERRA = 8,
  UMAPC_METRIC_BRAYCURTIS = 9,
  UMAPC_METRIC_HELLINGER = 10,
  UMAPC_METRIC_JACCARD = 11,
  UMAPC_METRIC_DICE = 12
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

/* Largest metric_p accepted for minkowski. */
#define UMAPC_MINKOWSKI_PMAX 64.0

typedef struct {
  int n;               /* rows */
  int d;               /* features */
  int ld;              /* floats per stored row: d rounded up to UMAPC_LANES */
  int metric;          /* umapc_metric */
  float *x;            /* n * ld floats, row-major, zero padded (owned);
                          NULL for a sparse copy */
  int *sp;             /* sparse copy: row i's entries are [sp[i], sp[i+1]) */
  int *sj;             /*   their columns, ascending */
  float *sx;           /*   their values (never 0) */
  unsigned char *zero; /* cosine/correlation/hellinger: 1 where the row is
                          all zero */
  float *cnt;          /* jaccard/dice: number of ones in each row */
  double scale;        /* user distance = final(kernel) * scale */
  double *center;      /* centred metrics: the column means removed (d) */
  double p;            /* minkowski: the exponent (set by the caller after
                          building the copy; umapc_data_like copies it) */
  int p_int;           /* minkowski: p when p is a whole number, else 0 */
} umapc_data;

/* Set minkowski's exponent (1 <= p <= UMAPC_MINKOWSKI_PMAX). */
int umapc_data_set_p(umapc_data *data, double p);

/* Build the copy from a column-major n x d double matrix (R's layout). */
int umapc_data_from_dense(const double *X, int n, int d, int metric,
                          int n_threads, umapc_data *out);

/*
 * Build the copy from a column-compressed sparse matrix (dgCMatrix slots:
 * p has d + 1 entries, i are 0-based row indices, x the values).
 *
 * For the metrics umapc_sparse_metric() accepts, the copy stays sparse (x is
 * NULL; rows in sp/sj/sx): the same preprocessing applied to the non-zeros
 * only, and kernels that visit the non-zero columns of the two rows while
 * keeping each column in the lane and order the dense kernels give it, so a
 * sparse copy gives bit for bit the dense copy's kernel values. Manhattan,
 * chebyshev and minkowski are then not centred (centring would fill the
 * rows) but scaled by a power of two like canberra, so their values are
 * close to, not identical with, the dense path's. Euclidean and correlation
 * (which centres every row) get the dense copy.
 */
int umapc_data_from_csc(const int *p, const int *i, const double *x, int n,
                        int d, int metric, int n_threads, umapc_data *out);

/*
 * Express new rows (e.g. predict()'s newdata) in the frame of `ref`: same
 * centring, scale and row preprocessing, so kernel values between a row of
 * `out` and a row of `ref` are comparable. X is column-major n x ref->d.
 * The copy is sparse when ref's is.
 */
int umapc_data_like(const umapc_data *ref, const double *X, int n,
                    int n_threads, umapc_data *out);

/*
 * umapc_data_from_dense()'s copy as parts that can be stored and given back
 * to umapc_data_from_rows() (a fitted model keeps its training rows so),
 * built without the padded copy: `rows` (n * d floats, the caller's)
 * receives the rows, row-major, without the padding; `parts` the other
 * fields (scale, center, zero, cnt), with x NULL; free it with
 * umapc_data_free().
 */
int umapc_data_rows_from_dense(const double *X, int n, int d, int metric,
                               int n_threads, float *rows, umapc_data *parts);

/*
 * The dense copy whose parts these are: `rows` as umapc_data_rows_from_dense()
 * wrote them, and the copy's metric, scale, center (d values; required by
 * the centred metrics, else NULL), zero (n flags; required by cosine,
 * correlation and hellinger, else NULL) and cnt (n counts; required by
 * jaccard and dice, else NULL). Bit for bit the copy they came from, so
 * searches among its rows give the same results; minkowski's exponent is
 * set afterwards with umapc_data_set_p(), as for a new copy.
 */
int umapc_data_from_rows(const float *rows, int n, int d, int metric,
                         double scale, const double *center,
                         const unsigned char *zero, const float *cnt,
                         umapc_data *out);

void umapc_data_free(umapc_data *data);

/* 1 when from_csc keeps the metric's copy sparse. */
int umapc_sparse_metric(int metric);

/* Kernel value between row a of `da` and row b of `db` (lower = closer);
 * both dense or both sparse. */
float umapc_kernel(const umapc_data *da, int a, const umapc_data *db, int b);

/* Final distance in the user's units for a kernel value. */
double umapc_kernel_to_dist(const umapc_data *data, float kernel_value);

#endif
