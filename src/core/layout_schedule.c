/*
 * The layout's edge schedule (types in layout_int.h): the kept edges and
 * their sampling rates, the lists of moves each vertex receives from its
 * neighbours (fits), the due lists that a chunk of vertices works from in
 * one epoch, and the hand-over of the moves after each phase.
 */
#include "fp.h"

#include <stdlib.h>
#include <string.h>

#include "layout_int.h"

void umapc_schedule_free(schedule *s) {
  free(s->p);
  free(s->j);
  free(s->r);
  free(s->in_pe);
  free(s->in_off);
  free(s->in_r);
  free(s->out);
}

/* Keep the edges of g with weight >= min_weight; relative weights are
 * w / max_w, with max_w over the whole graph (per_row = 0) or per row (then
 * edges below max_w / n_epochs of their row are dropped too). perm (NULL:
 * none): build the schedule of g renumbered, vertex i of the schedule being
 * vertex perm[i] of g, each row's tails in ascending order of their new
 * numbers (layout_order.c). */
int umapc_schedule_build(const umapc_csr *g, const int *perm,
                         double min_weight, int per_row, int n_epochs,
                         double neg_rate, schedule *s) {
  const int n = g->n;
  int i, c = 0, max_deg = 0, *inv = NULL, *rj = NULL;
  int status = UMAPC_ERR_NOMEM;
  double gmax = 0.0, *rw = NULL;
  memset(s, 0, sizeof(*s));
  s->n = n;
  s->neg_rate = neg_rate;
  s->whole_rate = neg_rate >= 0.0 && neg_rate < (double)(1 << 20) &&
                          neg_rate == (double)(int)neg_rate
                      ? (int)neg_rate
                      : -1;
  for (i = 0; i < g->p[n]; i++)
    if (g->w[i] > gmax) gmax = g->w[i];
  s->p = (int *)malloc(((size_t)n + 1) * sizeof(int));
  s->j = (int *)malloc((size_t)g->p[n] * sizeof(int) + 1);
  s->r = (float *)malloc((size_t)g->p[n] * sizeof(float) + 1);
  if (!s->p || !s->j || !s->r) goto nomem;
  if (perm != NULL) {
    /* one row at a time, renumbered and sorted */
    for (i = 0; i < n; i++)
      if (g->p[i + 1] - g->p[i] > max_deg) max_deg = g->p[i + 1] - g->p[i];
    inv = (int *)malloc(((size_t)n + 1) * sizeof(int));
    rj = (int *)malloc(((size_t)max_deg + 1) * sizeof(int));
    rw = (double *)malloc(((size_t)max_deg + 1) * sizeof(double));
    if (inv == NULL || rj == NULL || rw == NULL) goto nomem;
    for (i = 0; i < n; i++) inv[perm[i]] = i;
  }
  s->wsum = 0.0;
  for (i = 0; i < n; i++) {
    const int row = perm != NULL ? perm[i] : i;
    const int t0 = g->p[row], m = g->p[row + 1] - t0;
    const int *gj = g->j + t0;
    const double *gw = g->w + t0;
    double rmax = 0.0;
    int t;
    if (perm != NULL) {
      for (t = 0; t < m; t++) {
        rj[t] = inv[gj[t]];
        rw[t] = gw[t];
      }
      if (umapc_sort_tails(rj, rw, m) != UMAPC_OK) goto nomem;
      gj = rj;
      gw = rw;
    }
    s->p[i] = c;
    if (per_row) {
      for (t = 0; t < m; t++)
        if (gw[t] > rmax) rmax = gw[t];
    } else {
      rmax = gmax;
    }
    for (t = 0; t < m; t++) {
      const double w = gw[t];
      if (!(w > 0.0) || w < min_weight) continue;
      s->wsum += w;
      /* per-row pruning for transforms: weak edges of the row never sampled */
      if (per_row && n_epochs > 0 && w < rmax / n_epochs) continue;
      s->j[c] = gj[t];
      s->r[c] = (float)(w / rmax);
      c++;
    }
  }
  s->p[n] = c;
  s->wmax = gmax;
  status = UMAPC_OK;
nomem:
  free(inv);
  free(rj);
  free(rw);
  if (status != UMAPC_OK) umapc_schedule_free(s);
  return status;
}

/* The reverse (j, i) of edge t = (i, j), or -1 if it was not kept, for
 * the edges taken in order (rows, then their edges): one cursor per row,
 * pos (which starts at s->p), moves forward through j's ascending tails;
 * a row out of order falls back to a scan of the row. */
static int reverse_edge(const schedule *s, int *pos, int i, int t) {
  const int j = s->j[t];
  int *qp = pos + j, u;
  while (*qp < s->p[j + 1] && s->j[*qp] < i) (*qp)++;
  if (*qp < s->p[j + 1] && s->j[*qp] == i) return *qp;
  for (u = s->p[j]; u < s->p[j + 1]; u++)
    if (s->j[u] == i) return u;
  return -1;
}

/*
 * Both ends of an edge move (see layout.h): list the moves each vertex j
 * receives, one per kept edge (j, i) whose reverse (i, j) is kept too: i
 * leaves the move in the slot of (i, j) when it samples that edge. The
 * lists are sorted by the phase of i, then by j, then in j's edge order (a
 * stable counting sort), so that the step after each phase reads one
 * contiguous run of them. Rows list their tails in ascending order
 * (graph.h), so one cursor per row finds every reverse edge in a single
 * pass (reverse_edge()). n_phases is a power of two (<= 256).
 */
int umapc_schedule_link(schedule *s, int n_phases) {
  const int n = s->n, m = s->p[n], chunk = s->chunk;
  const int n_chunks = (n + chunk - 1) / chunk;
  const size_t n_pc = (size_t)n_phases * n_chunks;
  int *pos = (int *)malloc(((size_t)n + 1) * sizeof(int));
  int i, n_in, first[256];
  size_t q;
  s->n_phases = n_phases;
  s->n_chunks = n_chunks;
  s->in_pe = (int *)calloc(n_pc + 1, sizeof(int));
  s->in_off = (uint8_t *)malloc((size_t)m + 1);
  s->in_r = (float *)malloc((size_t)m * sizeof(float) + 1);
  s->out = (int *)malloc((size_t)m * sizeof(int) + 1);
  if (pos == NULL || s->in_pe == NULL || s->in_off == NULL ||
      s->in_r == NULL || s->out == NULL) {
    free(pos);
    return UMAPC_ERR_NOMEM;
  }
  /* a counting sort of the moves by (sender's phase, receiver's chunk);
   * stable, so by receiver, then in its edge order, within each. The
   * reverse edges are found twice (to count, then to fill) rather than
   * stored: the transient array would be the largest of the layout's setup
   * (95 MB at a million vertices) */
  memcpy(pos, s->p, (size_t)n * sizeof(int));
  for (i = 0; i < n; i++) {
    int t;
    for (t = s->p[i]; t < s->p[i + 1]; t++)
      if (reverse_edge(s, pos, i, t) >= 0)
        s->in_pe[(size_t)((s->j[t] / chunk) & (n_phases - 1)) * n_chunks +
                 i / chunk + 1]++;
  }
  for (q = 0; q < n_pc; q++) s->in_pe[q + 1] += s->in_pe[q];
  n_in = s->in_pe[n_pc];
  s->n_in = n_in;
  for (q = 0; q < (size_t)m; q++) s->out[q] = -1; /* nobody reads it */
  /* a phase's moves are all taken before the next phase sends any, so the
   * phases share one set of slots (a sixteenth of one per move with 16
   * phases: 180 MB less at a million vertices, and the slots of a phase
   * stay in cache): out[] counts from the phase's first move, first[] */
  s->n_slots = 0;
  for (q = 0; q < (size_t)n_phases; q++) {
    first[q] = s->in_pe[q * n_chunks];
    if (s->in_pe[(q + 1) * n_chunks] - first[q] > s->n_slots)
      s->n_slots = s->in_pe[(q + 1) * n_chunks] - first[q];
  }
  memcpy(pos, s->p, (size_t)n * sizeof(int));
  for (i = 0; i < n; i++) {
    int t;
    for (t = s->p[i]; t < s->p[i + 1]; t++) {
      const int rev = reverse_edge(s, pos, i, t);
      if (rev >= 0) {
        const int phase = (s->j[t] / chunk) & (n_phases - 1);
        const size_t cell = (size_t)phase * n_chunks + i / chunk;
        const int u = s->in_pe[cell]++;
        s->out[rev] = u - first[phase];
        s->in_off[u] = (uint8_t)(i % chunk);
        s->in_r[u] = s->r[rev];
      }
    }
  }
  /* the cursors went one cell forward: shift them back */
  for (q = n_pc; q > 0; q--) s->in_pe[q] = s->in_pe[q - 1];
  s->in_pe[0] = 0;
  free(pos);
  return UMAPC_OK;
}

void umapc_due_free(due_list *d) {
  free(d->t);
  free(d->w);
  free(d->j);
  free(d->n_neg);
  free(d->ekey);
  free(d->start);
}

int umapc_due_alloc(due_list *d, size_t max_edges) {
  d->t = (int *)malloc(max_edges * sizeof(int) + 1);
  d->w = (int *)malloc(max_edges * sizeof(int) + 1);
  d->j = (int *)malloc(max_edges * sizeof(int) + 1);
  d->n_neg = (int *)malloc(max_edges * sizeof(int) + 1);
  d->ekey = (uint32_t *)malloc(max_edges * sizeof(uint32_t) + 1);
  d->start = (int *)malloc((VERTEX_CHUNK + 1) * sizeof(int));
  return d->t && d->w && d->j && d->n_neg && d->ekey && d->start ? UMAPC_OK
                                                         : UMAPC_ERR_NOMEM;
}

/*
 * Given the m due edges d->t of vertices i0 .. i1 - 1 (in edge order), fill
 * in the rest of the list, the edges' keys for negative sampling before
 * their hash (negative_edge_prekey(): the caller hashes them, umapc_hash32()
 * of each, eight at a time in layout_vec.h). Vertex i draws from its own key
 * per epoch: (seed, stream, vertex, epoch) for a fit, the caller's per-row
 * key for a transform.
 */
void umapc_due_finish(const schedule *s, int i0, int i1, int epoch,
                      uint64_t key, const uint64_t *row_keys, due_list *d,
                      int m) {
  /* the schedule's arrays in locals: stores to the list's int arrays could
   * otherwise alias s's int fields, and the loop would reload them */
  const int *const p = s->p, *const sj = s->j, *const out = s->out;
  const float *const r = s->r;
  const int *const dt = d->t;
  int *const dj = d->j, *const dw = d->w;
  uint32_t *const ek = d->ekey;
  int i, u = 0;
  for (i = i0; i < i1; i++) {
    const int t0 = p[i], t1 = p[i + 1];
    d->start[i - i0] = u;
    if (u < m && dt[u] < t1) {
      const uint64_t vkey = umapc_rng_u64(
          key, row_keys != NULL ? row_keys[i] : (uint64_t)i, (uint64_t)epoch);
      for (; u < m && dt[u] < t1; u++) {
        const int t = dt[u];
        dj[u] = sj[t];
        if (out != NULL) dw[u] = out[t];
        ek[u] = negative_edge_prekey(vkey, t - t0);
      }
    }
  }
  d->start[i1 - i0] = m;
  if (s->whole_rate >= 0) { /* the usual case: the same for every edge */
    const int q = s->whole_rate;
    for (u = 0; u < m; u++) d->n_neg[u] = q;
  } else {
    for (u = 0; u < m; u++)
      d->n_neg[u] = negatives_for(samples_by(epoch, r[dt[u]]), s->neg_rate,
                                  s->whole_rate);
  }
}

/* The due ones among n entries of relative weights r at this epoch: their
 * indices, base + their position, in order, to list; returns how many (the
 * scalar version of layout_vec.h's _pack_due(): no branch on whether an
 * entry is due, which no predictor can guess). */
static int pack_due(const float *r, int n, int base, int epoch, int *list) {
  int q, m = 0;
  for (q = 0; q < n; q++) {
    list[m] = base + q;
    m += due_at(epoch, r[q]);
  }
  return m;
}

/* The due edges of vertices i0 .. i1 - 1 at this epoch (the scalar version
 * of layout_vec.h's), then umapc_due_finish() and the keys' hash. */
void umapc_collect_due(const schedule *s, int i0, int i1, int epoch,
                       uint64_t key, const uint64_t *row_keys, due_list *d) {
  const int t0 = s->p[i0];
  const int m = pack_due(s->r + t0, s->p[i1] - t0, t0, epoch, d->t);
  int u;
  umapc_due_finish(s, i0, i1, epoch, key, row_keys, d, m);
  for (u = 0; u < m; u++) d->ekey[u] = umapc_hash32(d->ekey[u]);
}

/*
 * The moves a vertex receives from its neighbours (fits only). When vertex
 * i samples edge (i, j), i moves towards j, and j must move towards i by the
 * opposite step, as in umap-learn; but j belongs to another thread's work.
 * So i writes that step into the slot of its edge (i, j) (one slot per edge,
 * one writer per slot). When i's phase ends, every vertex j adds the slots
 * written for it in that phase, in the order umapc_schedule_link() fixed; the
 * graph is symmetric, so (j, i) has the weight of (i, j) and j can tell from
 * its own list which slots were written this epoch. Vertices of later
 * phases thus read j's position with the moves of earlier phases in it, as
 * they would in umap-learn's sequential loop; only vertices of the same
 * phase see each other as they were at the phase's start.
 */

/* The hand-over's second half (umapc_take_moves_by()): add the m listed
 * moves (indices into the schedule's move lists, in order) to the positions
 * y of their receivers, the chunk's; the phase's slots start at move
 * `first`. */
static void add_listed_moves(const schedule *s, const int *list, int m,
                             int first, int dim, const float *slots,
                             float *y) {
  int q;
  if (dim == 2) {
    for (q = 0; q < m; q++) {
      const int v = list[q];
      float *yj = y + 2 * (size_t)s->in_off[v];
      yj[0] += slots[2 * (size_t)(v - first)];
      yj[1] += slots[2 * (size_t)(v - first) + 1];
    }
  } else {
    for (q = 0; q < m; q++) {
      const int v = list[q];
      float *yj = y + (size_t)s->in_off[v] * dim;
      int c;
      for (c = 0; c < dim; c++) yj[c] += slots[(size_t)(v - first) * dim + c];
    }
  }
}

/*
 * After phase `phase` of an epoch (fits), for the vertices of chunk k:
 * those of the phase take their new positions from nxt, and every vertex
 * adds to its position in cur the moves that the phase's vertices left for
 * it, in umapc_schedule_link()'s order (one contiguous run of the lists per
 * phase and chunk).
 */
void umapc_take_moves_by(const schedule *s, int k, int phase, int epoch,
                         int dim, const float *slots, const float *nxt,
                         float *cur, umapc_due_pack pack) {
  const int j0 = k * s->chunk;
  const int j1 = j0 + s->chunk < s->n ? j0 + s->chunk : s->n;
  const size_t cell = (size_t)phase * s->n_chunks + k;
  const int u0 = s->in_pe[cell], u1 = s->in_pe[cell + 1];
  /* the phase's moves are in the slots from its first one (out[]) */
  const int first = s->in_pe[(size_t)phase * s->n_chunks];
  float *y = cur + (size_t)j0 * dim;
  int list[256], u;
  if ((k & (s->n_phases - 1)) == phase)
    memcpy(y, nxt + (size_t)j0 * dim, (size_t)(j1 - j0) * dim * sizeof(float));
  if (epoch == 0) return; /* nothing is due at epoch 0 */
  /* about a third of the moves are due in an epoch (the mean relative
   * weight), which no branch predictor can guess: the due ones of each
   * block of 256 are listed first without a branch, then added one by one,
   * in order (a quarter of the layout's time went to mispredicted branches
   * when every move was tested as it was added) */
  for (u = u0; u < u1; u += 256) {
    const int e = u1 - u < 256 ? u1 - u : 256;
    add_listed_moves(s, list, pack(s->in_r + u, e, u, epoch, list), first,
                     dim, slots, y);
  }
}

void umapc_take_moves(const schedule *s, int k, int phase, int epoch,
                      int dim, const float *slots, const float *nxt,
                      float *cur) {
  umapc_take_moves_by(s, k, phase, epoch, dim, slots, nxt, cur, pack_due);
}

