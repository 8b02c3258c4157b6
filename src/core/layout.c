/*
 * Deterministic SGD layout (the scheme is described in layout.h): the entry
 * points, the setup of a run (chunks, phases, buffers), and the epoch
 * driver, which runs blocks of epochs on a thread team, phase by phase,
 * with the per-vertex kernels of layout_kernels.c, the schedule of
 * layout_schedule.c and densMAP's state of layout_densmap.c.
 */
#include "fp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "layout_int.h"
#include "parallel.h"
#include "rng.h"
#include "team.h"

void umapc_rescale_init(double *emb, int n, int dim) {
  int c, i;
  for (c = 0; c < dim; c++) {
    double lo = INFINITY, hi = -INFINITY, range;
    for (i = 0; i < n; i++) {
      const double v = emb[(size_t)i * dim + c];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    range = hi - lo;
    for (i = 0; i < n; i++) {
      double *v = emb + (size_t)i * dim + c;
      *v = range > 0.0 ? 10.0 * (*v - lo) / range : 5.0;
    }
  }
}

/*
 * Vertices per chunk: 256, or fewer (a multiple of 8, at least 16) for
 * fewer than 65,536 vertices, so that smaller graphs also get many phases.
 * Phases per epoch (see layout.h): a power of two, up to 16 with at least
 * 16 chunks in each from 16,384 vertices (so that threads share a phase's
 * work evenly and bigger layouts pay few barriers: with 64 phases 20,000
 * rows took 1.04 s instead of 0.62 s on 2 threads), and below that up to
 * 64 with at least 4 chunks in each: more phases come closer to
 * umap-learn's one vertex at a time, which an S-curve's global shape needs
 * (5,000 points: distance correlation 0.718 with 16 phases, 0.724 with 64,
 * umap-learn 0.728; 10 seeds, bench/README), and these small layouts take
 * two seconds at most (10,000 rows, 500 epochs: 2.1 s instead of 1.35 s on
 * 2 threads). Both depend on the number of vertices only. A transform
 * moves only new points, which read none of each other, so it needs one
 * phase.
 */
static int chunk_size(int n) {
  int c = n / 256 / 8 * 8;
  return c < 16 ? 16 : c > VERTEX_CHUNK ? VERTEX_CHUNK : c;
}

#define UMAPC_MANY_PHASES_ROWS 16384

static int phases_for(int n, int n_chunks, int head_only) {
  const int small = n < UMAPC_MANY_PHASES_ROWS;
  const int most = small ? 64 : 16, per_phase = small ? 4 : 16;
  int p = 1;
  if (head_only) return 1;
  while (p < most && 2 * p * per_phase <= n_chunks) p *= 2;
  return p;
}

/* chunks per claim in the step that hands over the moves */
#define UMAPC_TAKE_CHUNKS 8

/* Everything the team shares while it runs a block of epochs. */
typedef struct {
  epoch_args e;      /* the epoch-independent fields */
  const umapc_layout_params *par;
  int n_phases, n_chunks;
  float *cur, *nxt;  /* the two position buffers at the block's start */
  dens_state *dens;  /* densMAP (fits), else NULL */
  umapc_team team;
} epoch_block;

/*
 * Epochs e0 .. e1 - 1, on the calling thread (one of the team). Each phase
 * is a step: its chunks are claimed one at a time, then the team waits for
 * the phase to finish. Then, in a second step, the phase's new positions
 * become the shared ones, and for a fit every vertex takes the moves the
 * phase left for it (umapc_take_moves()). Every thread keeps the same view of
 * which buffer is which.
 */
static void block_epochs(epoch_block *bl, int e0, int e1, int thread) {
  const int n = bl->e.s->n, dim = bl->e.dim, n_phases = bl->n_phases;
  const int n_chunks = bl->n_chunks;
  float *cur = bl->cur, *nxt = bl->nxt;
  int epoch, sense = 0;
  epoch_args e = bl->e;
  dens_epoch de;
  for (epoch = e0; epoch < e1; epoch++) {
    int phase;
    e.epoch = epoch;
    e.alpha = (float)(bl->par->alpha * (1.0 - (double)epoch / bl->par->n_epochs));
    e.cur = cur;
    if (!e.head_only) e.others = cur;
    e.nxt = nxt;
    e.de = NULL;
    if (umapc_dens_active(bl->dens, epoch, bl->par->n_epochs)) {
      /* the layout's radii at the epoch's start, then the term's factors */
      double mean = 0.0, std = 0.0, cov = 0.0;
      int k;
      while ((k = umapc_team_claim(&bl->team)) < n_chunks)
        umapc_dens_radii(e.s, e.kern, bl->dens, k, thread, cur, dim, e.a, e.b);
      umapc_team_barrier(&bl->team, &sense);
      if (umapc_dens_stats(bl->dens, n_chunks, &mean, &std, &cov, &de.c)) {
        while ((k = umapc_team_claim(&bl->team)) < n_chunks)
          umapc_dens_weights(e.s, bl->dens, k, mean, std, cov);
        umapc_team_barrier(&bl->team, &sense);
        de.pv = bl->dens->pv;
        de.r = e.s->r;
        e.de = &de;
      }
    }
    for (phase = 0; phase < n_phases; phase++) {
      const int in_phase = (n_chunks - phase + n_phases - 1) / n_phases;
      int k;
      while ((k = umapc_team_claim(&bl->team)) < in_phase)
        umapc_chunk_epoch(&e, phase + k * n_phases, thread);
      umapc_team_barrier(&bl->team, &sense);
      if (!e.head_only) {
        /* a few microseconds per chunk: claimed UMAPC_TAKE_CHUNKS at a
         * time, or the threads would spend as long passing the claim
         * counter's cache line between them */
        while ((k = umapc_team_claim(&bl->team)) * UMAPC_TAKE_CHUNKS <
               n_chunks) {
          const int k1 = (k + 1) * UMAPC_TAKE_CHUNKS < n_chunks
                             ? (k + 1) * UMAPC_TAKE_CHUNKS
                             : n_chunks;
          for (k *= UMAPC_TAKE_CHUNKS; k < k1; k++)
            e.kern->take(e.s, k, phase, epoch, dim, e.slots, nxt, cur);
        }
        umapc_team_barrier(&bl->team, &sense);
      } else if (n_phases > 1) {
        /* the phase's vertices become visible to the next phases */
        while ((k = umapc_team_claim(&bl->team)) < in_phase) {
          const int i0 = (phase + k * n_phases) * bl->e.s->chunk;
          const int i1 = i0 + bl->e.s->chunk < n ? i0 + bl->e.s->chunk : n;
          memcpy(cur + (size_t)i0 * dim, nxt + (size_t)i0 * dim,
                 (size_t)(i1 - i0) * dim * sizeof(float));
        }
        umapc_team_barrier(&bl->team, &sense);
      }
    }
    if (n_phases == 1 && e.head_only) { /* the new positions are the next
                                           epoch's start */
      float *tmp = cur;
      cur = nxt;
      nxt = tmp;
    }
  }
}

static int run_epochs(const schedule *s, const umapc_layout_params *par,
                      dens_state *dens,
                      int head_only, int n_phases, float *cur, float *nxt,
                      float *scratch, due_list *dues, float *slots,
                      const float *tail, int n_tail,
                      const uint64_t *row_keys, int n_threads,
                      const umapc_interrupt *intr,
                      const umapc_progress *prog) {
  const int n = s->n, dim = par->dim, n_epochs = par->n_epochs;
  const int n_chunks = (n + s->chunk - 1) / s->chunk;
  const long report_every = n_epochs >= 10 ? n_epochs / 10 : 1;
  const layout_kernels kern = umapc_layout_pick_kernels();
  /* epochs per parallel region: about 2^24 edges and vertices of work
   * (tens of milliseconds), so that interrupts are polled often */
  const double work = (double)s->p[n] + n;
  const int block = work * 50 <= 16777216.0 ? 50
                    : work >= 16777216.0    ? 1
                                            : (int)(16777216.0 / work);
  float *const first = cur;
  epoch_block bl;
  int e0, e1, team;
  umapc_pace pace;
  epoch_args *e = &bl.e;
  e->s = s;
  e->kern = &kern;
  e->row_keys = row_keys;
  e->key = umapc_rng_key(par->seed, (uint64_t)par->stream);
  e->dim = dim;
  e->head_only = head_only;
  e->a = (float)par->a;
  e->b = (float)par->b;
  e->gamma = (float)par->gamma;
  e->slots = slots;
  e->others = head_only ? tail : NULL;
  e->n_others = (uint32_t)(head_only ? n_tail : n);
  e->scratch = scratch;
  e->dues = dues;
  e->de = NULL;
  bl.par = par;
  bl.dens = dens;
  bl.n_phases = n_phases;
  bl.n_chunks = n_chunks;
  n_threads = umapc_clamp_threads(n_threads);
  /* at least UMAPC_PAR_LAYOUT_CHUNKS chunks per thread in each phase:
   * small graphs run on fewer threads (a thread would wait more than it
   * works) */
  team = n_chunks / n_phases / UMAPC_PAR_LAYOUT_CHUNKS;
  if (team > n_threads) team = n_threads;
  if (team < 1) team = 1;
  umapc_pace_init(&pace, team);
  for (e0 = 0; e0 < n_epochs; e0 = e1) {
    int threads = team, timed = 0;
    e1 = e0 + block < n_epochs ? e0 + block : n_epochs;
    /*
     * When other programs keep the processors busy, a team loses time at
     * every barrier waiting for a descheduled member, and one thread can be
     * faster. Results do not depend on the team's size, so it is chosen by
     * measurement (umapc_pace, team.h): blocks that measure (a probe of the
     * other size, the team's first) are short.
     */
    if (team > 1 && e0 < 2) {
      /* epochs 0 and 1 sample next to nothing (no edge at epoch 0, only the
       * heaviest at 1): run untimed, so that the measurements compare
       * epochs of full work (a probe at epoch 1 made one thread look faster
       * and sent ten epochs to one thread on a quiet machine, 70,000 rows) */
      e1 = n_epochs < 2 ? n_epochs : 2;
    } else if (team > 1) {
      int brief;
      threads = umapc_pace_begin(&pace, &brief);
      timed = 1;
      if (brief) {
        const int len = block / 8 > 0 ? block / 8 : 1;
        e1 = e0 + len < n_epochs ? e0 + len : n_epochs;
      }
    }
    bl.cur = cur;
    bl.nxt = nxt;
    umapc_team_init(&bl.team, threads);
#ifdef _OPENMP
    if (threads > 1) {
#pragma omp parallel num_threads(threads)
      block_epochs(&bl, e0, e1, omp_get_thread_num());
    } else
#endif
      block_epochs(&bl, e0, e1, 0);
    if (timed) umapc_pace_end(&pace, (double)(e1 - e0));
    if (n_phases == 1 && head_only && (e1 - e0) % 2 == 1) {
      /* as block_epochs() left them */
      float *tmp = cur;
      cur = nxt;
      nxt = tmp;
    }
    if (e1 / report_every != e0 / report_every || e1 == n_epochs)
      umapc_report(prog, "optimize", e1, n_epochs);
    if (umapc_interrupted(intr)) return UMAPC_ERR_INTERRUPTED;
  }
  /* the caller reads the first buffer: for a transform with one phase the
   * positions alternate between the two, otherwise they never leave it */
  if (cur != first) memcpy(first, cur, (size_t)n * dim * sizeof(float));
  return UMAPC_OK;
}

static int optimise(const umapc_csr *g, const int *perm, double min_weight,
                    int per_row, const umapc_layout_params *par,
                    const umapc_densmap_params *dp, const double *tail,
                    int n_tail, const uint64_t *row_keys, int n_threads, const umapc_interrupt *intr,
                    const umapc_progress *prog, double *emb) {
  const int n = g->n, dim = par->dim;
  schedule s;
  float *a = NULL, *b = NULL, *ft = NULL, *scratch = NULL, *slots = NULL;
  due_list *dues = NULL;
  dens_state ds;
  const int n_thr = umapc_clamp_threads(n_threads);
  const int chunk = chunk_size(n);
  const int n_phases = phases_for(n, (n + chunk - 1) / chunk, tail != NULL);
  int status, i, ch;
  size_t t, max_edges = 0;
  memset(&ds, 0, sizeof(ds));
  if (par->n_epochs <= 0) return UMAPC_OK;
  status = umapc_schedule_build(g, perm, min_weight, per_row, par->n_epochs,
                                par->negative_sample_rate, &s);
  if (status != UMAPC_OK) return status;
  s.chunk = chunk;
  if (tail == NULL) { /* a fit: both ends of every edge move */
    status = umapc_schedule_link(&s, n_phases);
    if (status == UMAPC_OK)
      slots = (float *)calloc((size_t)s.n_slots * dim + 1, sizeof(float));
    if (status != UMAPC_OK || slots == NULL) {
      status = UMAPC_ERR_NOMEM;
      goto done;
    }
    if (dp != NULL) {
      status = umapc_dens_setup(&s, dp, (n + chunk - 1) / chunk, n_thr, &ds);
      if (status != UMAPC_OK) goto done;
    }
  }
  a = (float *)malloc((size_t)n * dim * sizeof(float) + 1);
  b = (float *)malloc((size_t)n * dim * sizeof(float) + 1);
  if (tail != NULL) ft = (float *)malloc((size_t)n_tail * dim * sizeof(float) + 1);
  scratch = (float *)malloc((size_t)n_thr * scratch_stride(dim) * sizeof(float));
  dues = (due_list *)calloc((size_t)n_thr, sizeof(due_list));
  if (a == NULL || b == NULL || scratch == NULL || dues == NULL ||
      (tail != NULL && ft == NULL)) {
    status = UMAPC_ERR_NOMEM;
    goto done;
  }
  /* each thread's due list holds at most one chunk's kept edges */
  for (ch = 0; ch < n; ch += s.chunk) {
    const int end = ch + s.chunk < n ? ch + s.chunk : n;
    const size_t m = (size_t)(s.p[end] - s.p[ch]);
    if (m > max_edges) max_edges = m;
  }
  for (i = 0; i < n_thr; i++) {
    if (umapc_due_alloc(dues + i, max_edges) != UMAPC_OK) {
      status = UMAPC_ERR_NOMEM;
      goto done;
    }
  }
  for (t = 0; t < (size_t)n * dim; t++) a[t] = (float)emb[t];
  if (tail != NULL)
    for (t = 0; t < (size_t)n_tail * dim; t++) ft[t] = (float)tail[t];
  status = run_epochs(&s, par, ds.lambda > 0.0 ? &ds : NULL, tail != NULL,
                      n_phases, a, b, scratch, dues,
                      slots, ft, n_tail, row_keys, n_threads,
                      intr, prog);
  if (status == UMAPC_OK) {
    /* run_epochs() leaves the result in a */
    for (i = 0; i < n; i++) {
      int c;
      for (c = 0; c < dim; c++)
        emb[(size_t)i * dim + c] = (double)a[(size_t)i * dim + c];
    }
  }
done:
  free(a);
  free(b);
  free(ft);
  free(scratch);
  free(slots);
  if (dues != NULL)
    for (i = 0; i < n_thr; i++) umapc_due_free(dues + i);
  free(dues);
  umapc_dens_free(&ds);
  umapc_schedule_free(&s);
  return status;
}

/* A fit, on the vertices in breadth-first order of the graph when there
 * are many (layout_order.c), the result put back in the input's order. */
static int optimise_fit(const umapc_csr *g, double min_weight,
                        const umapc_layout_params *par,
                        const umapc_densmap_params *dp, int n_threads,
                        const umapc_interrupt *intr,
                        const umapc_progress *prog, double *emb) {
  const int n = g->n, dim = par->dim;
  umapc_densmap_params dpo;
  int *perm = NULL, status, i, c;
  double *eo = NULL, *rad = NULL;
  memset(&dpo, 0, sizeof(dpo));
  if (par->n_epochs <= 0 || !umapc_layout_reorders(n))
    return optimise(g, NULL, min_weight, 0, par, dp, NULL, 0, NULL, n_threads,
                    intr, prog, emb);
  status = umapc_layout_order(g, &perm);
  if (status != UMAPC_OK) return status;
  eo = (double *)malloc((size_t)n * dim * sizeof(double) + 1);
  if (dp != NULL) rad = (double *)malloc((size_t)n * sizeof(double) + 1);
  if (eo == NULL || (dp != NULL && rad == NULL)) {
    status = UMAPC_ERR_NOMEM;
    goto done;
  }
  for (i = 0; i < n; i++)
    for (c = 0; c < dim; c++)
      eo[(size_t)i * dim + c] = emb[(size_t)perm[i] * dim + c];
  if (dp != NULL) {
    dpo = *dp;
    for (i = 0; i < n; i++) rad[i] = dp->rad_orig[perm[i]];
    dpo.rad_orig = rad;
  }
  status = optimise(g, perm, min_weight, 0, par, dp != NULL ? &dpo : NULL,
                    NULL, 0, NULL, n_threads, intr, prog, eo);
  if (status == UMAPC_OK)
    for (i = 0; i < n; i++)
      for (c = 0; c < dim; c++)
        emb[(size_t)perm[i] * dim + c] = eo[(size_t)i * dim + c];
done:
  free(eo);
  free(rad);
  free(perm);
  return status;
}

int umapc_layout(const umapc_csr *g, double min_weight,
                 const umapc_layout_params *par, int n_threads,
                 const umapc_interrupt *intr, const umapc_progress *prog,
                 double *emb) {
  return optimise_fit(g, min_weight, par, NULL, n_threads, intr, prog, emb);
}

int umapc_layout_densmap(const umapc_csr *g, double min_weight,
                         const umapc_layout_params *par,
                         const umapc_densmap_params *dens, int n_threads,
                         const umapc_interrupt *intr,
                         const umapc_progress *prog, double *emb) {
  return optimise_fit(g, min_weight, par, dens, n_threads, intr, prog, emb);
}

int umapc_layout_transform(const umapc_csr *g, const double *tail, int n_tail,
                           const uint64_t *row_keys,
                           const umapc_layout_params *par, int n_threads,
                           const umapc_interrupt *intr,
                           const umapc_progress *prog, double *head) {
  return optimise(g, NULL, 0.0, 1, par, NULL, tail, n_tail, row_keys,
                  n_threads, intr, prog, head);
}
