/*
 * Thick-restart Lanczos with full re-orthogonalisation, and a cyclic Jacobi
 * solver for the small projected problem. See eigen.h.
 *
 * Layout: the Krylov basis V is column-major, n x (m + 1), column j at
 * V + j * n. After a cycle of m steps
 *     A V_m = V_m T_m + beta_m v_{m+1} e_m^T,
 * T_m is diagonal with one "arrow" row/column after a restart (Wu & Simon),
 * tridiagonal elsewhere. Every dot product sums fixed chunks of
 * UMAPC_SUM_CHUNK rows in order (the same numbers umapc_det_dot gives) and
 * every vector update is done per row in a fixed order, so nothing depends
 * on the number of threads.
 */
#include "fp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eigen.h"
#include "parallel.h"
#include "rng.h"

#define ROW_BLOCK 256          /* rows per block in basis updates */

void umapc_eigen_opts_default(umapc_eigen_opts *opts) {
  memset(opts, 0, sizeof(*opts));
  opts->n_threads = 1;
  opts->v0 = NULL;
  opts->defl = NULL;
}

/* ---------------------------------------------------------------------- */
/* Dense symmetric eigenproblem: cyclic Jacobi                             */
/* ---------------------------------------------------------------------- */

int umapc_jacobi_eigen(double *a, int m, double *evals, double *vecs) {
  int p, q, k, sweep;
  int *ord;
  double *tmp;
  if (m <= 0) return UMAPC_OK;
  for (p = 0; p < m * m; p++)
    if (!isfinite(a[p])) return UMAPC_ERR_NUMERIC;
  for (p = 0; p < m; p++)
    for (q = 0; q < m; q++) vecs[p * m + q] = (p == q) ? 1.0 : 0.0;
  for (sweep = 0; sweep < 100; sweep++) {
    double off = 0.0, diag = 0.0;
    for (p = 0; p < m; p++) {
      diag += a[p * m + p] * a[p * m + p];
      for (q = p + 1; q < m; q++) off += a[p * m + q] * a[p * m + q];
    }
    if (off == 0.0 || off <= 1e-32 * diag) break;
    for (p = 0; p < m - 1; p++) {
      for (q = p + 1; q < m; q++) {
        const double apq = a[p * m + q];
        double theta, t, c, s;
        if (apq == 0.0) continue;
        /* skip rotations that cannot change the diagonal any more */
        if (sweep > 3 && fabs(apq) <= 1e-18 * (fabs(a[p * m + p]) +
                                                fabs(a[q * m + q]))) {
          a[p * m + q] = a[q * m + p] = 0.0;
          continue;
        }
        theta = (a[q * m + q] - a[p * m + p]) / (2.0 * apq);
        if (fabs(theta) > 1e150) {
          t = 0.5 / theta;
        } else {
          t = 1.0 / (fabs(theta) + sqrt(theta * theta + 1.0));
          if (theta < 0.0) t = -t;
        }
        c = 1.0 / sqrt(t * t + 1.0);
        s = t * c;
        /* A <- A P (columns p, q) */
        for (k = 0; k < m; k++) {
          const double akp = a[k * m + p], akq = a[k * m + q];
          a[k * m + p] = c * akp - s * akq;
          a[k * m + q] = s * akp + c * akq;
        }
        /* A <- P^T A (rows p, q) */
        for (k = 0; k < m; k++) {
          const double apk = a[p * m + k], aqk = a[q * m + k];
          a[p * m + k] = c * apk - s * aqk;
          a[q * m + k] = s * apk + c * aqk;
        }
        a[p * m + q] = a[q * m + p] = 0.0;
        for (k = 0; k < m; k++) {
          const double vkp = vecs[k * m + p], vkq = vecs[k * m + q];
          vecs[k * m + p] = c * vkp - s * vkq;
          vecs[k * m + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  /* stable descending sort (insertion sort on indices; m is small) */
  ord = (int *)malloc((size_t)m * sizeof(int));
  tmp = (double *)malloc((size_t)m * (size_t)m * sizeof(double));
  if (ord == NULL || tmp == NULL) {
    free(ord);
    free(tmp);
    return UMAPC_ERR_NOMEM;
  }
  for (p = 0; p < m; p++) {
    const double v = a[p * m + p];
    k = p;
    while (k > 0 && a[ord[k - 1] * m + ord[k - 1]] < v) {
      ord[k] = ord[k - 1];
      k--;
    }
    ord[k] = p;
  }
  for (p = 0; p < m; p++) evals[p] = a[ord[p] * m + ord[p]];
  memcpy(tmp, vecs, (size_t)m * (size_t)m * sizeof(double));
  for (k = 0; k < m; k++)
    for (p = 0; p < m; p++) vecs[k * m + p] = tmp[k * m + ord[p]];
  free(ord);
  free(tmp);
  for (p = 0; p < m; p++)
    if (!isfinite(evals[p])) return UMAPC_ERR_NUMERIC;
  return UMAPC_OK;
}

/* ---------------------------------------------------------------------- */
/* Deterministic block kernels                                             */
/* ---------------------------------------------------------------------- */

typedef struct {
  size_t n;
  int nt;
  size_t n_chunks;
  double *partial; /* n_chunks * max_cols */
  double *rowbuf;  /* nt * ROW_BLOCK * max_cols */
} workspace;

/* One fused pass over the fixed row chunks of w:
 *   if h_in != NULL:  w -= B h_in   (per row, in column order)
 *   if dots:          h_out[i] = <B_i, w> for i < nb
 *   always:           h_out[nb] = <w, w>  (after the update)
 * for the nb columns B_i = B + i * n. The chunk sums are added in chunk
 * order, each chunk summed row by row: the numbers umapc_det_dot gives,
 * whatever the number of threads. h_out needs nb + 1 entries. */
static void sweep(workspace *ws, const double *B, int nb, const double *h_in,
                  int dots, double *w, double *h_out) {
  const size_t n = ws->n, nc = ws->n_chunks, stride = (size_t)nb + 1;
  long c;
  int i;
#ifdef _OPENMP
#pragma omp parallel for num_threads(ws->nt) schedule(static) if (n >= UMAPC_PAR_VEC_MIN && ws->nt > 1)
#endif
  for (c = 0; c < (long)nc; c++) {
    const size_t lo = (size_t)c * UMAPC_SUM_CHUNK;
    const size_t hi = lo + UMAPC_SUM_CHUNK < n ? lo + UMAPC_SUM_CHUNK : n;
    double *part = ws->partial + (size_t)c * stride;
    size_t sb, t;
    int ii;
    for (ii = 0; ii <= nb; ii++) part[ii] = 0.0;
    for (sb = lo; sb < hi; sb += ROW_BLOCK) {
      const size_t se = sb + ROW_BLOCK < hi ? sb + ROW_BLOCK : hi;
      double s;
      if (h_in != NULL) {
        for (ii = 0; ii < nb; ii++) {
          const double *b = B + (size_t)ii * n;
          const double f = h_in[ii];
          for (t = sb; t < se; t++) w[t] -= b[t] * f;
        }
      }
      if (dots) {
        for (ii = 0; ii < nb; ii++) {
          const double *b = B + (size_t)ii * n;
          s = part[ii];
          for (t = sb; t < se; t++) s += b[t] * w[t];
          part[ii] = s;
        }
      }
      s = part[nb];
      for (t = sb; t < se; t++) s += w[t] * w[t];
      part[nb] = s;
    }
  }
  for (i = 0; i <= nb; i++) {
    double tot = 0.0;
    size_t cc;
    if (i < nb && !dots) {
      h_out[i] = 0.0;
      continue;
    }
    for (cc = 0; cc < nc; cc++) tot += ws->partial[cc * stride + (size_t)i];
    h_out[i] = tot;
  }
}

/* out_i = sum_l V_l Y[l * ldy + i] for i < nk, l < nl, per row in l order.
 * out may overlap V's first nk columns (done through a row buffer). */
static void basis_combine(workspace *ws, const double *V, int nl,
                          const double *Y, int ldy, int nk, double *out) {
  const size_t n = ws->n;
  const long nblk = (long)((n + ROW_BLOCK - 1) / ROW_BLOCK);
  long bk;
#ifdef _OPENMP
#pragma omp parallel for num_threads(ws->nt) schedule(static) if (n >= UMAPC_PAR_VEC_MIN && ws->nt > 1)
#endif
  for (bk = 0; bk < nblk; bk++) {
    const size_t lo = (size_t)bk * ROW_BLOCK;
    const size_t hi = lo + ROW_BLOCK < n ? lo + ROW_BLOCK : n;
    const size_t len = hi - lo;
    int tid = 0, i, l;
    double *buf;
    size_t t;
#ifdef _OPENMP
    tid = umapc_thread_num();
#endif
    buf = ws->rowbuf + (size_t)tid * ROW_BLOCK * (size_t)nk;
    for (t = 0; t < (size_t)nk * ROW_BLOCK; t++) buf[t] = 0.0;
    for (l = 0; l < nl; l++) {
      const double *v = V + (size_t)l * n + lo;
      for (i = 0; i < nk; i++) {
        const double y = Y[(size_t)l * (size_t)ldy + (size_t)i];
        double *bb = buf + (size_t)i * ROW_BLOCK;
        for (t = 0; t < len; t++) bb[t] += v[t] * y;
      }
    }
    for (i = 0; i < nk; i++)
      memcpy(out + (size_t)i * n + lo, buf + (size_t)i * ROW_BLOCK,
             len * sizeof(double));
  }
}

static void scale_vec(workspace *ws, double *w, double s) {
  const long n = (long)ws->n;
  long t;
#ifdef _OPENMP
#pragma omp parallel for num_threads(ws->nt) schedule(static) if (n >= UMAPC_PAR_VEC_MIN && ws->nt > 1)
#endif
  for (t = 0; t < n; t++) w[t] *= s;
}

static void random_vec(workspace *ws, uint64_t key, uint64_t ctr, double *w) {
  const long n = (long)ws->n;
  long t;
#ifdef _OPENMP
#pragma omp parallel for num_threads(ws->nt) schedule(static) if (n >= UMAPC_PAR_VEC_MIN && ws->nt > 1)
#endif
  for (t = 0; t < n; t++)
    w[t] = 2.0 * umapc_rng_unif(umapc_rng_u64(key, (uint64_t)t, ctr)) - 1.0;
}

static double vnorm(workspace *ws, double *w) {
  double h;
  sweep(ws, NULL, 0, NULL, 0, w, &h);
  return sqrt(h);
}

/* Classical Gram-Schmidt of w against the first nb columns of B, with a
 * second pass when the first one cancelled more than 99% of w. (DGKS uses
 * 1/sqrt 2; after one pass the components left along B are of the order
 * eps |w_in| / |w_out| <= 100 eps, harmless here, and the third sweep over
 * the basis is saved on most Lanczos steps.)
 * On return hsum[0..nb-1] holds the total coefficients removed, *norm0 the
 * norm of w on entry and the function value is the norm of w on exit.
 * h1, h2, hsum need nb + 1 entries. */
static double orthogonalise(workspace *ws, const double *B, int nb, double *w,
                            double *h1, double *h2, double *hsum,
                            double *norm0) {
  int i;
  double n0, n1;
  sweep(ws, B, nb, NULL, 1, w, h1);
  n0 = sqrt(h1[nb]);
  if (norm0 != NULL) *norm0 = n0;
  if (nb == 0) return n0;
  sweep(ws, B, nb, h1, 1, w, h2); /* w -= B h1, then the dots again */
  n1 = sqrt(h2[nb]);
  for (i = 0; i < nb; i++) hsum[i] = h1[i];
  if (n1 > 0.01 * n0) return n1;
  sweep(ws, B, nb, h2, 0, w, h1); /* w -= B h2 */
  for (i = 0; i < nb; i++) hsum[i] += h2[i];
  return sqrt(h1[nb]);
}

/* A fresh unit vector orthogonal to the first nb columns of B, drawn from
 * the counter RNG; returns 0 when none could be found (space exhausted). */
static int fresh_vector(workspace *ws, const umapc_eigen_opts *o, uint64_t *t,
                        const double *B, int nb, double *w, double *h1,
                        double *h2, double *hsum) {
  int tries;
  for (tries = 0; tries < 3; tries++) {
    double before, after;
    random_vec(ws, o->key, o->ctr + (*t)++, w);
    after = orthogonalise(ws, B, nb, w, h1, h2, hsum, &before);
    if (nb > 0 && after < 0.5 * before) /* one more round for safety */
      after = orthogonalise(ws, B, nb, w, h1, h2, hsum, NULL);
    if (isfinite(after) && after > 1e-8 * before) {
      scale_vec(ws, w, 1.0 / after);
      return 1;
    }
  }
  return 0;
}

/* ---------------------------------------------------------------------- */
/* Thick-restart Lanczos                                                   */
/* ---------------------------------------------------------------------- */

int umapc_eigsh_largest(int n, int nev, umapc_matvec_fn matvec, void *ctx,
                        const umapc_eigen_opts *opts,
                        const umapc_interrupt *intr, double *evals,
                        double *evecs, umapc_eigen_info *info) {
  umapc_eigen_opts o;
  workspace ws;
  int avail, m, nd, maxr, status = UMAPC_OK, k = 0, mm = 0, restarts = 0;
  int nconv = 0, exhausted = 0, i, j, team;
  long nmv = 0;
  double tol, matvec_cost, anorm = 0.0, betam = 0.0, maxres = 0.0;
  double *B = NULL, *V, *T = NULL, *Tc = NULL, *Y = NULL, *theta = NULL;
  double *h1 = NULL, *h2 = NULL, *hsum = NULL;
  uint64_t rtick = 0;
  size_t nn, ncols;
  umapc_pace own, *pace; /* the team's size, step by step */

  if (info != NULL) memset(info, 0, sizeof(*info));
  if (opts != NULL) o = *opts;
  else umapc_eigen_opts_default(&o);
  if (n < 1 || nev < 1 || matvec == NULL || evals == NULL || evecs == NULL ||
      o.ndefl < 0 || (o.ndefl > 0 && o.defl == NULL))
    return UMAPC_INVALID();
  nd = o.ndefl;
  avail = n - nd;
  if (nev > avail) return UMAPC_INVALID();
  m = o.ncv > 0 ? o.ncv : (2 * nev + 1 > 20 ? 2 * nev + 1 : 20);
  if (m < nev + 1) m = nev + 1;
  if (m > avail) m = avail;
  tol = o.tol > 0.0 ? o.tol : 1e-6;
  matvec_cost = o.matvec_cost > 0.0 ? o.matvec_cost : 1.0;
  maxr = o.max_restarts > 0 ? o.max_restarts : 1000;
  nn = (size_t)n;
  ncols = (size_t)nd + (size_t)m + 1;

  ws.n = nn;
  ws.nt = team = umapc_clamp_threads(o.n_threads);
  pace = o.pace;
  if (pace == NULL) {
    pace = &own;
    umapc_pace_init(pace, ws.nt);
  }
  ws.n_chunks = (nn + UMAPC_SUM_CHUNK - 1) / UMAPC_SUM_CHUNK;
  ws.partial = (double *)malloc(ws.n_chunks * (ncols + 1) * sizeof(double));
  ws.rowbuf = (double *)malloc((size_t)ws.nt * ROW_BLOCK * (size_t)(m + 1) *
                               sizeof(double));
  /* B = [deflation vectors | Krylov basis V (m + 1 columns)] */
  B = (double *)malloc(nn * ncols * sizeof(double));
  T = (double *)calloc((size_t)m * (size_t)m, sizeof(double));
  Tc = (double *)malloc((size_t)m * (size_t)m * sizeof(double));
  Y = (double *)malloc((size_t)m * (size_t)m * sizeof(double));
  theta = (double *)malloc((size_t)m * sizeof(double));
  h1 = (double *)malloc((ncols + 1) * sizeof(double));
  h2 = (double *)malloc((ncols + 1) * sizeof(double));
  hsum = (double *)malloc((ncols + 1) * sizeof(double));
  if (ws.partial == NULL || ws.rowbuf == NULL || B == NULL || T == NULL ||
      Tc == NULL || Y == NULL || theta == NULL || h1 == NULL || h2 == NULL ||
      hsum == NULL) {
    status = UMAPC_ERR_NOMEM;
    goto done;
  }
  if (nd > 0) memcpy(B, o.defl, nn * (size_t)nd * sizeof(double));
  V = B + nn * (size_t)nd;

  /* start vector */
  {
    int ok = 0;
    if (o.v0 != NULL) {
      double nrm, nrm0;
      memcpy(V, o.v0, nn * sizeof(double));
      nrm = orthogonalise(&ws, B, nd, V, h1, h2, hsum, &nrm0);
      if (isfinite(nrm) && nrm > 1e-8 * nrm0) {
        scale_vec(&ws, V, 1.0 / nrm);
        ok = 1;
      }
    }
    if (!ok && !fresh_vector(&ws, &o, &rtick, B, nd, V, h1, h2, hsum)) {
      status = UMAPC_ERR_NUMERIC;
      goto done;
    }
  }

  for (;;) {
    mm = m;
    exhausted = 0;
    for (j = k; j < m; j++) {
      double *vj = V + (size_t)j * nn, *w = V + (size_t)(j + 1) * nn;
      double alpha, beta, wn0;
      /* a step's work in multiply-adds: the matvec, then two sweeps over
       * the basis so far (orthogonalise) */
      const double work = (double)n * (matvec_cost + 2.0 * (nd + j + 2));
      ws.nt = umapc_pace_begin(pace, NULL);
      if (ws.nt > team) ws.nt = team;
      matvec(ctx, ws.nt, vj, w);
      nmv++;
      if (umapc_interrupted(intr)) {
        status = UMAPC_ERR_INTERRUPTED;
        goto done;
      }
      beta = orthogonalise(&ws, B, nd + j + 1, w, h1, h2, hsum, &wn0);
      if (!isfinite(wn0) || !isfinite(beta)) {
        status = UMAPC_ERR_NUMERIC;
        goto done;
      }
      alpha = hsum[nd + j];
      T[(size_t)j * m + j] = alpha;
      if (fabs(alpha) > anorm) anorm = fabs(alpha);
      if (wn0 > anorm) anorm = wn0;
      if (!(beta > 1e-10 * anorm)) {
        /* invariant subspace: continue with a fresh orthogonal vector */
        beta = 0.0;
        if (j + 1 >= avail ||
            !fresh_vector(&ws, &o, &rtick, B, nd + j + 1, w, h1, h2, hsum)) {
          mm = j + 1;
          exhausted = 1;
          betam = 0.0;
          break;
        }
      } else {
        scale_vec(&ws, w, 1.0 / beta);
      }
      umapc_pace_end(pace, work);
      if (j + 1 < m) {
        T[(size_t)j * m + j + 1] = T[(size_t)(j + 1) * m + j] = beta;
      } else {
        betam = beta;
      }
    }
    if (mm == avail && !exhausted) {
      /* the basis spans the whole (deflated) space: exact up to rounding */
      exhausted = 1;
      betam = 0.0;
    }

    ws.nt = umapc_pace_best(pace); /* for the work between steps */
    if (ws.nt > team) ws.nt = team;

    /* Rayleigh-Ritz on T */
    for (i = 0; i < mm; i++)
      for (j = 0; j < mm; j++) Tc[(size_t)i * mm + j] = T[(size_t)i * m + j];
    status = umapc_jacobi_eigen(Tc, mm, theta, Y);
    if (status != UMAPC_OK) goto done;
    if (fabs(theta[0]) > anorm) anorm = fabs(theta[0]);
    if (fabs(theta[mm - 1]) > anorm) anorm = fabs(theta[mm - 1]);
    nconv = 0;
    maxres = 0.0;
    for (i = 0; i < nev; i++) {
      const double r = fabs(betam * Y[(size_t)(mm - 1) * mm + i]);
      if (r <= tol * anorm) nconv++;
      if (r > maxres) maxres = r;
    }
    if (nconv == nev || exhausted || restarts >= maxr) break;
    if (umapc_interrupted(intr)) {
      status = UMAPC_ERR_INTERRUPTED;
      goto done;
    }

    /* thick restart: keep kk Ritz vectors, the residual becomes v_kk */
    {
      int kk = nev + (mm - nev) / 2;
      if (kk > mm - 1) kk = mm - 1;
      basis_combine(&ws, V, mm, Y, mm, kk, V);
      memcpy(V + (size_t)kk * nn, V + (size_t)mm * nn, nn * sizeof(double));
      memset(T, 0, (size_t)m * (size_t)m * sizeof(double));
      for (i = 0; i < kk; i++) {
        const double s = betam * Y[(size_t)(mm - 1) * mm + i];
        T[(size_t)i * m + i] = theta[i];
        T[(size_t)i * m + kk] = T[(size_t)kk * m + i] = s;
      }
      k = kk;
      restarts++;
    }
  }

  /* the wanted Ritz vectors */
  basis_combine(&ws, V, mm, Y, mm, nev, evecs);
  for (i = 0; i < nev; i++) {
    double *e = evecs + (size_t)i * nn;
    double nrm = vnorm(&ws, e), big = -1.0;
    size_t t, arg = 0;
    if (!isfinite(nrm) || nrm <= 0.0) {
      status = UMAPC_ERR_NUMERIC;
      goto done;
    }
    for (t = 0; t < nn; t++)
      if (fabs(e[t]) > big) {
        big = fabs(e[t]);
        arg = t;
      }
    scale_vec(&ws, e, (e[arg] < 0.0 ? -1.0 : 1.0) / nrm);
    evals[i] = theta[i];
  }
  if (info != NULL) {
    info->converged = (nconv == nev || exhausted) ? 1 : 0;
    info->n_converged = exhausted ? nev : nconv;
    info->max_resid = exhausted ? 0.0 : maxres;
  }

done:
  free(ws.partial);
  free(ws.rowbuf);
  free(B);
  free(T);
  free(Tc);
  free(Y);
  free(theta);
  free(h1);
  free(h2);
  free(hsum);
  if (info != NULL) {
    info->n_restarts = restarts;
    info->n_matvec = nmv;
  }
  return status;
}
