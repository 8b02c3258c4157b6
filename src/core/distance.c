/*
 * The distance kernels over the compact copies of data.c: umapc_kernel()
 * (the dense kernels of kernels.h, or the sparse ones here, which give the
 * dense ones' values bit for bit) and umapc_kernel_to_dist(), from a
 * kernel value to the user's units (see data.h).
 */
#include "fp.h"

#include <math.h>

#include "data.h"
#include "kernels.h"

/* Kernels on sparse copies. Column j goes to lane j % UMAPC_LANES and the
 * columns are visited in ascending order, as in the dense kernels; columns
 * where both rows are zero add an exact zero there, so leaving them out
 * changes nothing. */

#define LANE(j) ((j) & (UMAPC_LANES - 1))

/* visit the union of the two rows' columns: j, x, y (0 where absent) */
#define UNION_MERGE(BODY)                                     \
  while (p < na || q < nb) {                                  \
    int j;                                                    \
    float x, y;                                               \
    if (q >= nb || (p < na && ja[p] < jb[q])) {               \
      j = ja[p];                                              \
      x = va[p++];                                            \
      y = 0.0f;                                               \
    } else if (p >= na || jb[q] < ja[p]) {                    \
      j = jb[q];                                              \
      x = 0.0f;                                               \
      y = vb[q++];                                            \
    } else {                                                  \
      j = ja[p];                                              \
      x = va[p++];                                            \
      y = vb[q++];                                            \
    }                                                         \
    BODY                                                      \
  }

static float fabs_f(float t) { return t < 0.0f ? -t : t; }

static float sparse_kernel(const umapc_data *da, int a, const umapc_data *db,
                           int b) {
  const int *ja = da->sj + da->sp[a], *jb = db->sj + db->sp[b];
  const float *va = da->sx + da->sp[a], *vb = db->sx + db->sp[b];
  const int na = da->sp[a + 1] - da->sp[a], nb = db->sp[b + 1] - db->sp[b];
  float acc[UMAPC_LANES] = {0};
  int p = 0, q = 0;
  switch (da->metric) {
    case UMAPC_METRIC_COSINE:
    case UMAPC_METRIC_HELLINGER:
    case UMAPC_METRIC_JACCARD:
    case UMAPC_METRIC_DICE: {
      float v;
      while (p < na && q < nb) {
        if (ja[p] < jb[q]) {
          p++;
        } else if (jb[q] < ja[p]) {
          q++;
        } else {
          acc[LANE(ja[p])] += va[p] * vb[q];
          p++;
          q++;
        }
      }
      v = umapc_lane_sum(acc);
      if (da->metric == UMAPC_METRIC_JACCARD)
        return umapc_jaccard_from(v, da->cnt[a] + db->cnt[b]);
      if (da->metric == UMAPC_METRIC_DICE)
        return umapc_dice_from(v, da->cnt[a] + db->cnt[b]);
      if (da->zero[a] || db->zero[b])
        return (da->zero[a] && db->zero[b]) ? 0.0f : 1.0f;
      v = 1.0f - v;
      return v > 0.0f ? v : 0.0f;
    }
    case UMAPC_METRIC_MANHATTAN:
      UNION_MERGE(acc[LANE(j)] += fabs_f(x - y);)
      return umapc_lane_sum(acc);
    case UMAPC_METRIC_HAMMING:
      UNION_MERGE(acc[LANE(j)] += (x != y) ? 1.0f : 0.0f;)
      return umapc_lane_sum(acc) / (float)da->d;
    case UMAPC_METRIC_CHEBYSHEV: {
      float m = 0.0f;
      UNION_MERGE({
        const float t = fabs_f(x - y);
        (void)j;
        if (t > m) m = t;
      })
      return m;
    }
    case UMAPC_METRIC_CANBERRA:
      UNION_MERGE({
        const float den = fabs_f(x) + fabs_f(y);
        acc[LANE(j)] += den > 0.0f ? fabs_f(x - y) / den : 0.0f;
      })
      return umapc_lane_sum(acc);
    case UMAPC_METRIC_BRAYCURTIS: {
      float den[UMAPC_LANES] = {0}, sn, sd;
      UNION_MERGE({
        acc[LANE(j)] += fabs_f(x - y);
        den[LANE(j)] += fabs_f(x + y);
      })
      sn = umapc_lane_sum(acc);
      sd = umapc_lane_sum(den);
      return sd > 0.0f ? sn / sd : 0.0f;
    }
    case UMAPC_METRIC_MINKOWSKI: {
      double dacc[UMAPC_LANES] = {0};
      const int pi = da->p_int;
      const double pp = da->p;
      UNION_MERGE({
        const double t = (double)x - (double)y;
        const double at = t < 0.0 ? -t : t;
        if (pi > 0)
          dacc[LANE(j)] += umapc_ipow(at, pi);
        else if (at != 0.0)
          dacc[LANE(j)] += umapc_pow(at, pp);
      })
      return (float)umapc_lane_sum_d(dacc);
    }
    default:
      return 0.0f;
  }
}

#undef UNION_MERGE
#undef LANE

float umapc_kernel(const umapc_data *da, int a, const umapc_data *db, int b) {
  const float *x, *y;
  if (da->x == NULL) return sparse_kernel(da, a, db, b);
  x = da->x + (size_t)a * da->ld;
  y = db->x + (size_t)b * db->ld;
  switch (da->metric) {
    case UMAPC_METRIC_EUCLIDEAN:
      return umapc_sqdist(x, y, da->ld);
    case UMAPC_METRIC_MANHATTAN:
      return umapc_l1dist(x, y, da->ld);
    case UMAPC_METRIC_HAMMING:
      return umapc_hamming(x, y, da->ld) / (float)da->d;
    case UMAPC_METRIC_CHEBYSHEV:
      return umapc_chebyshev(x, y, da->ld);
    case UMAPC_METRIC_MINKOWSKI:
      return umapc_minkowski(x, y, da->ld, da->p_int, da->p);
    case UMAPC_METRIC_CANBERRA:
      return umapc_canberra(x, y, da->ld);
    case UMAPC_METRIC_BRAYCURTIS:
      return umapc_braycurtis(x, y, da->ld);
    case UMAPC_METRIC_JACCARD:
      return umapc_jaccard_from(umapc_dot(x, y, da->ld), da->cnt[a] + db->cnt[b]);
    case UMAPC_METRIC_DICE:
      return umapc_dice_from(umapc_dot(x, y, da->ld), da->cnt[a] + db->cnt[b]);
    default: { /* cosine, correlation, hellinger */
      const int za = da->zero[a], zb = db->zero[b];
      float v;
      if (za || zb) return (za && zb) ? 0.0f : 1.0f;
      v = 1.0f - umapc_dot(x, y, da->ld);
      return v > 0.0f ? v : 0.0f;
    }
  }
}

/*
 * y^(1/p) for y >= 0 and a whole p >= 1, with +, *, / and exact scalings
 * only: y = m * 2^(p*q) with m in [0.5, 2^p), then Newton's iteration for
 * r^p = m from r = 2 (above the root, so the iterates decrease) until they
 * stop decreasing. Deterministic, within an ulp or two of the true root.
 */
static double root_int(double y, int p) {
  int e, q, it;
  double m, r;
  if (!(y > 0.0)) return 0.0;
  if (p == 1) return y;
  if (p == 2) return sqrt(y);
  if (p == 4) return sqrt(sqrt(y));
  if (!isfinite(y)) return y;
  m = frexp(y, &e);
  q = e >= 0 ? e / p : -((-e + p - 1) / p);
  m = ldexp(m, e - q * p);
  r = 2.0;
  for (it = 0; it < 1000; it++) {
    const double rp1 = umapc_ipow(r, p - 1);
    const double nr = r - (rp1 * r - m) / ((double)p * rp1);
    if (!(nr < r)) break;
    r = nr;
  }
  return ldexp(r, q);
}

double umapc_kernel_to_dist(const umapc_data *data, float k) {
  switch (data->metric) {
    case UMAPC_METRIC_EUCLIDEAN:
      return sqrt((double)k) * data->scale;
    case UMAPC_METRIC_MANHATTAN:
    case UMAPC_METRIC_CHEBYSHEV:
      return (double)k * data->scale;
    case UMAPC_METRIC_MINKOWSKI:
      return (data->p_int > 0 ? root_int((double)k, data->p_int)
                              : umapc_pow((double)k, 1.0 / data->p)) *
             data->scale;
    case UMAPC_METRIC_HELLINGER:
      return sqrt((double)k);
    default:
      return (double)k;
  }
}
