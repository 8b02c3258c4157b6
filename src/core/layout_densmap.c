/*
 * The layout's side of densMAP (see umapc_layout_densmap() in layout.h):
 * the state of a fit with the term on, and at the start of each densMAP
 * epoch the layout's log radii, their statistics (summed chunk by chunk in
 * chunk order) and the per-vertex factors of the term's gradient.
 */
#include "fp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fmath.h"
#include "layout_int.h"

/* densMAP's state for a fit on schedule s (see dens_state). Returns
 * UMAPC_OK with ds->lambda = 0 when the term never applies. */
int umapc_dens_setup(const schedule *s, const umapc_densmap_params *dp,
                     int n_chunks, int n_thr, dens_state *ds) {
  const int n = s->n;
  double cnt = 0.0, sum = 0.0, ss = 0.0, mean, sd;
  int i;
  memset(ds, 0, sizeof(*ds));
  if (!(dp->lambda > 0.0) || !(dp->frac > 0.0) || dp->rad_orig == NULL)
    return UMAPC_OK;
  ds->R = (double *)malloc((size_t)n * sizeof(double) + 1);
  ds->ok = (uint8_t *)malloc((size_t)n + 1);
  ds->re = (double *)malloc((size_t)n * sizeof(double) + 1);
  ds->phi = (double *)malloc((size_t)n * sizeof(double) + 1);
  ds->part = (double *)malloc((size_t)n_chunks * 4 * sizeof(double) + 1);
  ds->pv = (float *)malloc((size_t)n * 2 * sizeof(float) + 1);
  for (i = 0; i < n; i++)
    if (s->p[i + 1] - s->p[i] > ds->max_deg) ds->max_deg = s->p[i + 1] - s->p[i];
  ds->buf = (float *)malloc((size_t)n_thr * 2 * ds->max_deg * sizeof(float) + 1);
  if (!ds->R || !ds->ok || !ds->re || !ds->phi || !ds->part || !ds->pv ||
      !ds->buf)
    return UMAPC_ERR_NOMEM;
  for (i = 0; i < n; i++) {
    const double r = dp->rad_orig[i];
    ds->ok[i] = s->p[i + 1] > s->p[i] && isfinite(r);
    if (ds->ok[i]) {
      cnt += 1.0;
      sum += r;
    }
  }
  if (cnt < 2.0) return UMAPC_OK; /* lambda stays 0 */
  mean = sum / cnt;
  for (i = 0; i < n; i++)
    if (ds->ok[i]) ss += (dp->rad_orig[i] - mean) * (dp->rad_orig[i] - mean);
  sd = sqrt(ss / cnt); /* numpy's std: the population's */
  if (!(sd > 0.0)) return UMAPC_OK;
  for (i = 0; i < n; i++)
    ds->R[i] = ds->ok[i] ? (dp->rad_orig[i] - mean) / sd : 0.0;
  ds->lambda = dp->lambda;
  ds->frac = dp->frac;
  ds->var_shift = dp->var_shift;
  ds->mu_tot = s->wsum;
  ds->wmax = s->wmax;
  return UMAPC_OK;
}

void umapc_dens_free(dens_state *ds) {
  free(ds->R);
  free(ds->ok);
  free(ds->re);
  free(ds->phi);
  free(ds->part);
  free(ds->pv);
  free(ds->buf);
}

/* Whether epoch `epoch` of n_epochs uses the densMAP term (umap-learn's
 * test). */
int umapc_dens_active(const dens_state *ds, int epoch, int n_epochs) {
  return ds != NULL && ds->lambda > 0.0 &&
         (double)(epoch + 1) / (double)n_epochs > 1.0 - ds->frac;
}

/* The layout's log radii of chunk k's vertices at positions y, and the
 * chunk's partial sums (on `thread`, for its buffer). */
void umapc_dens_radii(const schedule *s, const layout_kernels *kern,
                      dens_state *ds, int k, int thread, const float *y,
                      int dim, float a, float b) {
  const int i0 = k * s->chunk;
  const int i1 = i0 + s->chunk < s->n ? i0 + s->chunk : s->n;
  double *part = ds->part + 4 * (size_t)k;
  float *phi = ds->buf + (size_t)thread * 2 * ds->max_deg;
  float *d2 = phi + ds->max_deg;
  int i;
  part[0] = part[1] = part[2] = part[3] = 0.0;
  for (i = i0; i < i1; i++) {
    const float *yi = y + (size_t)i * dim;
    const int m = s->p[i + 1] - s->p[i];
    double sp = 0.0, sr = 0.0;
    int t;
    ds->re[i] = 0.0;
    ds->phi[i] = 0.0;
    if (!ds->ok[i]) continue;
    if (dim == 2 && kern->radii2d != NULL)
      kern->radii2d(s->j + s->p[i], m, yi[0], yi[1], y, a, b, phi, d2);
    else
      umapc_edge_phi(s->j + s->p[i], m, yi, y, dim, a, b, phi, d2);
    for (t = 0; t < m; t++) {
      sp += phi[t];
      sr += (double)phi[t] * d2[t];
    }
    if (sp > 0.0) {
      const double re = umapc_log(1e-8 + sr / sp);
      ds->re[i] = re;
      ds->phi[i] = 2.0 * sp;
      part[0] += 1.0;
      part[1] += re;
      part[2] += re * re;
      part[3] += re * ds->R[i];
    }
  }
}

/* The epoch's statistics from the chunks' partial sums, in chunk order (every
 * thread gets the same bits): *de's constant, and the mean, the std and the
 * covariance of the layout's radii with R. Returns 0 when the term is void
 * this epoch (fewer than two vertices, or no spread). */
int umapc_dens_stats(const dens_state *ds, int n_chunks, double *mean,
                     double *std, double *cov, float *c) {
  double cnt = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, var;
  int k;
  for (k = 0; k < n_chunks; k++) {
    const double *part = ds->part + 4 * (size_t)k;
    cnt += part[0];
    s1 += part[1];
    s2 += part[2];
    s3 += part[3];
  }
  if (cnt < 2.0) return 0;
  *mean = s1 / cnt;
  var = s2 / cnt - *mean * *mean;
  if (var < 0.0) var = 0.0;
  *std = sqrt(var + ds->var_shift);
  if (!(*std > 0.0) || !(ds->wmax > 0.0)) return 0;
  *cov = s3 / (cnt - 1.0);
  *c = (float)(ds->lambda * ds->mu_tot / (ds->wmax * *std * cnt));
  return 1;
}

/* The per-vertex factors of dens_epoch for chunk k. */
void umapc_dens_weights(const schedule *s, dens_state *ds, int k, double mean,
                        double std, double cov) {
  const int i0 = k * s->chunk;
  const int i1 = i0 + s->chunk < s->n ? i0 + s->chunk : s->n;
  int i;
  for (i = i0; i < i1; i++) {
    if (ds->phi[i] > 0.0) {
      const double w = ds->R[i] - cov * (ds->re[i] - mean) / (std * std);
      const double aw = w / ds->phi[i];
      ds->pv[2 * (size_t)i] = (float)(aw * umapc_exp(-ds->re[i]));
      ds->pv[2 * (size_t)i + 1] = (float)aw;
    } else {
      ds->pv[2 * (size_t)i] = ds->pv[2 * (size_t)i + 1] = 0.0f;
    }
  }
}
