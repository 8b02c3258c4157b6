/* Core tests (no R): layout epochs (threads, kernels, phases), transform. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "abfit.h"
#include "data.h"
#include "graph.h"
#include "kernels.h"
#include "knn.h"
#include "layout.h"
#include "layout_int.h"
#include "rng.h"
#include "transform.h"
#include "testutil.h"

/* ---------------------------------------------------------------------- */
/* graph of a data set (exact k-NN + smooth + union)                      */
/* ---------------------------------------------------------------------- */

static int build_graph(const double *X, int n, int d, int k, umapc_csr *g,
                       umapc_data *keep) {
  umapc_data D;
  int *idx = (int *)malloc((size_t)n * k * sizeof(int));
  double *dist = (double *)malloc((size_t)n * k * sizeof(double));
  const umapc_graph_params gp = {1.0, 1.0, 0};
  int st = umapc_data_from_dense(X, n, d, UMAPC_METRIC_EUCLIDEAN, 1, &D);
  if (st == UMAPC_OK) st = umapc_knn_exact(&D, NULL, k, 2, NULL, NULL, idx, dist);
  if (st == UMAPC_OK)
    st = umapc_fuzzy_graph(idx, dist, n, k, n, &gp, 1, NULL, NULL, g);
  if (keep != NULL && st == UMAPC_OK)
    *keep = D;
  else
    umapc_data_free(&D);
  free(idx);
  free(dist);
  return st;
}

static void init_params(umapc_layout_params *par, int n_epochs, int stream) {
  memset(par, 0, sizeof(*par));
  par->dim = 2;
  par->n_epochs = n_epochs;
  CHECK(umapc_find_ab(1.0, 0.1, &par->a, &par->b) == UMAPC_OK);
  par->gamma = 1.0;
  par->alpha = 1.0;
  par->negative_sample_rate = 5.0;
  par->seed = 20240601;
  par->stream = stream;
}

/* ---------------------------------------------------------------------- */
/* layout                                                                  */
/* ---------------------------------------------------------------------- */

static void test_layout(void) {
  /* more than 256 vertices so that two threads really share the epoch */
  enum { N = 600, D = 5, K = 10, DIM = 2 };
  double *X = two_blobs(N, D, 1);
  double *e0 = (double *)malloc(N * DIM * sizeof(double));
  double *e1 = (double *)malloc(N * DIM * sizeof(double));
  double *e2 = (double *)malloc(N * DIM * sizeof(double));
  double *e3 = (double *)malloc(N * DIM * sizeof(double));
  const uint64_t key = umapc_rng_key(3, UMAPC_STREAM_INIT);
  umapc_layout_params par;
  umapc_csr g = {0, NULL, NULL, NULL};
  double wmax = 0.0;
  int i, moved = 0, left;
  umapc_interrupt intr;

  CHECK(build_graph(X, N, D, K, &g, NULL) == UMAPC_OK);
  for (i = 0; i < g.p[N]; i++)
    if (g.w[i] > wmax) wmax = g.w[i];
  for (i = 0; i < N * DIM; i++) e0[i] = 20.0 * urand(key, (uint64_t)i, 0) - 10.0;
  umapc_rescale_init(e0, N, DIM);
  for (i = 0; i < N * DIM; i++) CHECK(e0[i] >= 0.0 && e0[i] <= 10.0);

  init_params(&par, 5, UMAPC_STREAM_LAYOUT);
  memcpy(e1, e0, N * DIM * sizeof(double));
  memcpy(e2, e0, N * DIM * sizeof(double));
  memcpy(e3, e0, N * DIM * sizeof(double));
  CHECK(umapc_layout(&g, wmax / 5, &par, 1, NULL, NULL, e1) == UMAPC_OK);
  CHECK(umapc_layout(&g, wmax / 5, &par, 2, NULL, NULL, e2) == UMAPC_OK);
  CHECK(umapc_layout(&g, wmax / 5, &par, 1, NULL, NULL, e3) == UMAPC_OK);
  CHECK(all_finite(e1, N * DIM));
  for (i = 0; i < N * DIM; i++) moved += e1[i] != e0[i];
  CHECK(moved > N); /* most coordinates moved */
  CHECK(memcmp(e1, e2, N * DIM * sizeof(double)) == 0); /* 1 vs 2 threads */
  CHECK(memcmp(e1, e3, N * DIM * sizeof(double)) == 0); /* twice */
  /* 3 and 4 threads (more threads than the three chunks of vertices) */
  memcpy(e3, e0, N * DIM * sizeof(double));
  CHECK(umapc_layout(&g, wmax / 5, &par, 3, NULL, NULL, e3) == UMAPC_OK);
  CHECK(memcmp(e1, e3, N * DIM * sizeof(double)) == 0);
  memcpy(e3, e0, N * DIM * sizeof(double));
  CHECK(umapc_layout(&g, wmax / 5, &par, 4, NULL, NULL, e3) == UMAPC_OK);
  CHECK(memcmp(e1, e3, N * DIM * sizeof(double)) == 0);

  /* an even number of epochs takes the other buffer path */
  par.n_epochs = 4;
  memcpy(e1, e0, N * DIM * sizeof(double));
  memcpy(e2, e0, N * DIM * sizeof(double));
  CHECK(umapc_layout(&g, 0.0, &par, 1, NULL, NULL, e1) == UMAPC_OK);
  CHECK(umapc_layout(&g, 0.0, &par, 2, NULL, NULL, e2) == UMAPC_OK);
  CHECK(all_finite(e1, N * DIM));
  CHECK(memcmp(e1, e2, N * DIM * sizeof(double)) == 0);
  CHECK(memcmp(e1, e0, N * DIM * sizeof(double)) != 0);

  /* another seed gives another layout */
  par.seed += 1;
  memcpy(e2, e0, N * DIM * sizeof(double));
  CHECK(umapc_layout(&g, 0.0, &par, 1, NULL, NULL, e2) == UMAPC_OK);
  CHECK(memcmp(e1, e2, N * DIM * sizeof(double)) != 0);

  /* zero epochs: the input unchanged */
  par.n_epochs = 0;
  memcpy(e1, e0, N * DIM * sizeof(double));
  CHECK(umapc_layout(&g, 0.0, &par, 2, NULL, NULL, e1) == UMAPC_OK);
  CHECK(memcmp(e1, e0, N * DIM * sizeof(double)) == 0);

  /* no negative sampling is fine */
  par.n_epochs = 3;
  par.negative_sample_rate = 0.0;
  memcpy(e1, e0, N * DIM * sizeof(double));
  CHECK(umapc_layout(&g, 0.0, &par, 2, NULL, NULL, e1) == UMAPC_OK);
  CHECK(all_finite(e1, N * DIM));

  /* all points at the same place: finite */
  par.negative_sample_rate = 5.0;
  for (i = 0; i < N * DIM; i++) e1[i] = 5.0;
  CHECK(umapc_layout(&g, 0.0, &par, 2, NULL, NULL, e1) == UMAPC_OK);
  CHECK(all_finite(e1, N * DIM));

  /* the eight-lane kernels against plain scalar code: the same schedule,
   * the same negative samples, the same arithmetic, so the same bits */
  {
    double *es = (double *)malloc(N * DIM * sizeof(double));
    int old;
    par.n_epochs = 3;
    par.negative_sample_rate = 5.0;
    memcpy(e1, e0, N * DIM * sizeof(double));
    memcpy(e2, e0, N * DIM * sizeof(double));
    memcpy(es, e0, N * DIM * sizeof(double));
    CHECK(umapc_layout(&g, wmax / 10, &par, 2, NULL, NULL, e1) == UMAPC_OK);
    old = umapc_layout_set_kernels(1);
    CHECK(umapc_layout(&g, wmax / 10, &par, 2, NULL, NULL, e2) == UMAPC_OK);
    umapc_layout_set_kernels(2);
    CHECK(umapc_layout(&g, wmax / 10, &par, 2, NULL, NULL, es) == UMAPC_OK);
    umapc_layout_set_kernels(old);
    CHECK(memcmp(es, e0, N * DIM * sizeof(double)) != 0);
    /* every kernel gives the same bits (no FMA anywhere: fp.h) */
    CHECK(memcmp(e1, es, N * DIM * sizeof(double)) == 0);
    CHECK(memcmp(e2, es, N * DIM * sizeof(double)) == 0);
    /* each vector kernel set this processor has, by name: AVX-512 (the
     * 2-d update on sixteen lanes), AVX2 and portable (eight) */
    {
      const int prev = umapc_kernels_in_use();
      int kset;
      for (kset = UMAPC_KERNELS_PORTABLE; kset <= UMAPC_KERNELS_AVX512;
           kset++) {
        if (umapc_kernels_select(kset) != kset) continue; /* not here */
        memcpy(e2, e0, N * DIM * sizeof(double));
        CHECK(umapc_layout(&g, wmax / 10, &par, 2, NULL, NULL, e2) ==
              UMAPC_OK);
        CHECK(memcmp(e2, es, N * DIM * sizeof(double)) == 0);
      }
      umapc_kernels_select(prev);
    }
    /* a fractional negative sample rate and an odd number of epochs */
    par.negative_sample_rate = 2.5;
    memcpy(e2, e0, N * DIM * sizeof(double));
    memcpy(es, e0, N * DIM * sizeof(double));
    old = umapc_layout_set_kernels(1);
    CHECK(umapc_layout(&g, 0.0, &par, 1, NULL, NULL, e2) == UMAPC_OK);
    umapc_layout_set_kernels(2);
    CHECK(umapc_layout(&g, 0.0, &par, 2, NULL, NULL, es) == UMAPC_OK);
    umapc_layout_set_kernels(old);
    CHECK(memcmp(e2, es, N * DIM * sizeof(double)) == 0);
    par.negative_sample_rate = 5.0;
    free(es);
  }

  /* three dimensions (the general-dimension code): 1 vs 3 threads */
  {
    double *f1 = (double *)malloc(N * 3 * sizeof(double));
    double *f3 = (double *)malloc(N * 3 * sizeof(double));
    for (i = 0; i < N * 3; i++) f1[i] = f3[i] = 10.0 * urand(key, (uint64_t)i, 7);
    par.dim = 3;
    par.n_epochs = 4;
    CHECK(umapc_layout(&g, 0.0, &par, 1, NULL, NULL, f1) == UMAPC_OK);
    CHECK(umapc_layout(&g, 0.0, &par, 3, NULL, NULL, f3) == UMAPC_OK);
    CHECK(all_finite(f1, N * 3));
    CHECK(memcmp(f1, f3, N * 3 * sizeof(double)) == 0);
    par.dim = DIM;
    free(f1);
    free(f3);
  }

  /* an interrupt stops it cleanly (ASan checks for leaks); it is polled
   * between blocks of at most 50 epochs */
  par.n_epochs = 500;
  left = 3;
  intr.check = stop_on_call;
  intr.ctx = &left;
  memcpy(e1, e0, N * DIM * sizeof(double));
  CHECK(umapc_layout(&g, 0.0, &par, 2, &intr, NULL, e1) == UMAPC_ERR_INTERRUPTED);
  CHECK(left == 0);

  umapc_csr_free(&g);
  free(X);
  free(e0);
  free(e1);
  free(e2);
  free(e3);
}

/* A ring of n vertices: vertex sig[i] linked to sig[i +- 1..deg / 2]
 * (sig NULL: the identity), weight 1 / distance along the ring; tails in
 * ascending order within rows. */
static void ring_graph(int n, int deg, const int *sig, umapc_csr *g) {
  int i, t, a, b;
  g->n = n;
  g->p = (int *)malloc(((size_t)n + 1) * sizeof(int));
  g->j = (int *)malloc((size_t)n * deg * sizeof(int));
  g->w = (double *)malloc((size_t)n * deg * sizeof(double));
  for (i = 0; i <= n; i++) g->p[i] = i * deg;
  for (i = 0; i < n; i++) {
    const int r = sig != NULL ? sig[i] : i;
    int *row = g->j + (size_t)r * deg;
    double *wr = g->w + (size_t)r * deg;
    for (t = 0; t < deg; t++) {
      const int off = t / 2 + 1;
      const int v = t % 2 ? (i + off) % n : (i - off + n) % n;
      row[t] = sig != NULL ? sig[v] : v;
      wr[t] = 1.0 / (double)off;
    }
    for (a = 1; a < deg; a++)
      for (b = a; b > 0 && row[b - 1] > row[b]; b--) {
        const int tj = row[b];
        const double tw = wr[b];
        row[b] = row[b - 1];
        wr[b] = wr[b - 1];
        row[b - 1] = tj;
        wr[b - 1] = tw;
      }
  }
}

/* A large random graph: enough chunks of vertices for several phases per
 * epoch. Threads and kernels must not change a bit. */
static void test_layout_phases(void) {
  enum { N = 20000, DEG = 6 };
  const uint64_t key = umapc_rng_key(11, UMAPC_STREAM_INIT);
  umapc_csr g;
  umapc_layout_params par;
  double *e0 = (double *)malloc(N * 2 * sizeof(double));
  double *e1 = (double *)malloc(N * 2 * sizeof(double));
  double *e2 = (double *)malloc(N * 2 * sizeof(double));
  int i, t, old;
  /* vertex i linked to i +- 1..3 (mod N): symmetric, weights in (0, 1] */
  ring_graph(N, DEG, NULL, &g);
  for (i = 0; i < N * 2; i++) e0[i] = 10.0 * urand(key, (uint64_t)i, 3);
  init_params(&par, 6, UMAPC_STREAM_LAYOUT);
  memcpy(e1, e0, N * 2 * sizeof(double));
  CHECK(umapc_layout(&g, 0.0, &par, 1, NULL, NULL, e1) == UMAPC_OK);
  CHECK(all_finite(e1, N * 2));
  CHECK(memcmp(e1, e0, N * 2 * sizeof(double)) != 0);
  for (t = 2; t <= 4; t++) {
    memcpy(e2, e0, N * 2 * sizeof(double));
    CHECK(umapc_layout(&g, 0.0, &par, t, NULL, NULL, e2) == UMAPC_OK);
    CHECK(memcmp(e1, e2, N * 2 * sizeof(double)) == 0);
  }
  memcpy(e1, e0, N * 2 * sizeof(double));
  memcpy(e2, e0, N * 2 * sizeof(double));
  old = umapc_layout_set_kernels(1);
  CHECK(umapc_layout(&g, 0.0, &par, 2, NULL, NULL, e1) == UMAPC_OK);
  umapc_layout_set_kernels(2);
  CHECK(umapc_layout(&g, 0.0, &par, 2, NULL, NULL, e2) == UMAPC_OK);
  umapc_layout_set_kernels(old);
  CHECK(memcmp(e1, e2, N * 2 * sizeof(double)) == 0);
  umapc_csr_free(&g);
  free(e0);
  free(e1);
  free(e2);
}

/*
 * The phases of an epoch share one set of slots for the moves that one end
 * of an edge leaves for the other: each kept edge with a kept reverse has a
 * slot in [0, n_slots), distinct from the other slots its phase uses, and
 * n_slots is the largest phase's count of moves (a sixteenth of them all
 * with 16 even phases).
 */
static void test_schedule_slots(void) {
  enum { N = 20480, DEG = 6, CHUNK = 64, PHASES = 16 };
  umapc_csr g;
  schedule s;
  unsigned char *used;
  int i, t, ph, most = 0;
  ring_graph(N, DEG, NULL, &g);
  CHECK(umapc_schedule_build(&g, NULL, 0.0, 0, 200, 5.0, &s) == UMAPC_OK);
  s.chunk = CHUNK;
  CHECK(umapc_schedule_link(&s, PHASES) == UMAPC_OK);
  CHECK(s.n_in == s.p[N]); /* every edge of the ring has its reverse */
  for (ph = 0; ph < PHASES; ph++) {
    const int len = s.in_pe[(ph + 1) * s.n_chunks] - s.in_pe[ph * s.n_chunks];
    if (len > most) most = len;
  }
  CHECK(s.n_slots == most && s.n_slots == s.n_in / PHASES);
  used = (unsigned char *)calloc((size_t)PHASES * s.n_slots, 1);
  for (i = 0; i < N; i++) {
    const int phase = (i / CHUNK) & (PHASES - 1);
    for (t = s.p[i]; t < s.p[i + 1]; t++) {
      const int u = s.out[t];
      CHECK(u >= 0 && u < s.n_slots);
      if (u >= 0 && u < s.n_slots) {
        CHECK(!used[(size_t)phase * s.n_slots + u]);
        used[(size_t)phase * s.n_slots + u] = 1;
        /* the receiver's list entry is the sender's edge */
        CHECK(s.in_r[s.in_pe[phase * s.n_chunks] + u] == s.r[t]);
        CHECK(s.in_off[s.in_pe[phase * s.n_chunks] + u] == s.j[t] % CHUNK);
      }
    }
  }
  free(used);
  umapc_schedule_free(&s);
  umapc_csr_free(&g);
}

/*
 * An edge's attraction reaches both of its ends, as in umap-learn: when
 * vertex i samples edge (i, j), i moves by the step and j by its opposite.
 * On a graph of disjoint pairs, without negative samples, every pair's
 * midpoint therefore stays where it was while the pair draws together,
 * even with the two ends in different phases of an epoch (a vertex that
 * moved only itself, by twice the step, would shift the midpoint: the
 * second end reads the first's new position).
 */
static void test_layout_both_ends(void) {
  enum { N = 16384 }; /* 64 chunks of 256: four phases */
  const uint64_t key = umapc_rng_key(5, UMAPC_STREAM_INIT);
  umapc_csr g;
  umapc_layout_params par;
  double *e0 = (double *)malloc(N * 2 * sizeof(double));
  double *e1 = (double *)malloc(N * 2 * sizeof(double));
  double worst = 0.0, closer = 0.0;
  int i, nt;
  /* i paired with i ^ 256: the neighbouring chunk, another phase */
  g.n = N;
  g.p = (int *)malloc((N + 1) * sizeof(int));
  g.j = (int *)malloc(N * sizeof(int));
  g.w = (double *)malloc(N * sizeof(double));
  for (i = 0; i <= N; i++) g.p[i] = i;
  for (i = 0; i < N; i++) {
    g.j[i] = i ^ 256;
    g.w[i] = 1.0;
  }
  for (i = 0; i < N * 2; i++) e0[i] = 10.0 * urand(key, (uint64_t)i, 4);
  init_params(&par, 20, UMAPC_STREAM_LAYOUT);
  par.negative_sample_rate = 0.0;
  for (nt = 1; nt <= 2; nt++) {
    memcpy(e1, e0, N * 2 * sizeof(double));
    CHECK(umapc_layout(&g, 0.0, &par, nt, NULL, NULL, e1) == UMAPC_OK);
    for (i = 0; i < N; i++) {
      const int j = i ^ 256;
      int c;
      double d0 = 0.0, d1 = 0.0;
      for (c = 0; c < 2; c++) {
        const double m0 = 0.5 * (e0[2 * i + c] + e0[2 * j + c]);
        const double m1 = 0.5 * (e1[2 * i + c] + e1[2 * j + c]);
        if (fabs(m1 - m0) > worst) worst = fabs(m1 - m0);
        d0 += (e0[2 * i + c] - e0[2 * j + c]) * (e0[2 * i + c] - e0[2 * j + c]);
        d1 += (e1[2 * i + c] - e1[2 * j + c]) * (e1[2 * i + c] - e1[2 * j + c]);
      }
      closer += d1 < d0;
    }
  }
  /* float positions near 10: a few roundings of 1e-6 each */
  CHECK(worst < 1e-4);
  CHECK(closer == 2 * N); /* and every pair drew together */
  umapc_csr_free(&g);
  free(e0);
  free(e1);
}

/*
 * Large fits run on the vertices in breadth-first order of the graph
 * (layout_order.c); here from 0 vertices up. On a ring whose vertices are
 * scattered (vertex s(i) = 7919 i mod N linked to s(i +- 1..3)), results
 * must still not depend on the threads, plain or with densMAP, and must
 * differ from the run in the input's order (the order is used); the
 * midpoints of disjoint pairs must stay put (each result goes back to its
 * own vertex).
 */
static void test_layout_reorder(void) {
  enum { N = 20000, DEG = 6 };
  const uint64_t key = umapc_rng_key(13, UMAPC_STREAM_INIT);
  umapc_csr g;
  umapc_layout_params par;
  umapc_densmap_params dp;
  double *e0 = (double *)malloc(N * 2 * sizeof(double));
  double *e1 = (double *)malloc(N * 2 * sizeof(double));
  double *e2 = (double *)malloc(N * 2 * sizeof(double));
  double *rad = (double *)malloc(N * sizeof(double));
  int *sig = (int *)malloc(N * sizeof(int));
  int i, t, old;
  for (i = 0; i < N; i++) sig[i] = (int)(((long long)i * 7919) % N);
  ring_graph(N, DEG, sig, &g);
  for (i = 0; i < N * 2; i++) e0[i] = 10.0 * urand(key, (uint64_t)i, 3);
  for (i = 0; i < N; i++) rad[i] = urand(key, (uint64_t)i, 5);
  init_params(&par, 8, UMAPC_STREAM_LAYOUT);
  memcpy(e1, e0, N * 2 * sizeof(double));
  CHECK(umapc_layout(&g, 0.0, &par, 2, NULL, NULL, e1) == UMAPC_OK);
  old = umapc_layout_set_reorder_min(0);
  memcpy(e2, e0, N * 2 * sizeof(double));
  CHECK(umapc_layout(&g, 0.0, &par, 1, NULL, NULL, e2) == UMAPC_OK);
  CHECK(all_finite(e2, N * 2));
  CHECK(memcmp(e1, e2, N * 2 * sizeof(double)) != 0);
  for (t = 2; t <= 3; t++) {
    memcpy(e1, e0, N * 2 * sizeof(double));
    CHECK(umapc_layout(&g, 0.0, &par, t, NULL, NULL, e1) == UMAPC_OK);
    CHECK(memcmp(e1, e2, N * 2 * sizeof(double)) == 0);
  }
  dp.lambda = 2.0;
  dp.frac = 0.5;
  dp.var_shift = 0.1;
  dp.rad_orig = rad;
  memcpy(e1, e0, N * 2 * sizeof(double));
  memcpy(e2, e0, N * 2 * sizeof(double));
  CHECK(umapc_layout_densmap(&g, 0.0, &par, &dp, 1, NULL, NULL, e1) ==
        UMAPC_OK);
  CHECK(umapc_layout_densmap(&g, 0.0, &par, &dp, 2, NULL, NULL, e2) ==
        UMAPC_OK);
  CHECK(all_finite(e1, N * 2));
  CHECK(memcmp(e1, e2, N * 2 * sizeof(double)) == 0);
  test_layout_both_ends();
  umapc_layout_set_reorder_min(old);
  umapc_csr_free(&g);
  free(e0);
  free(e1);
  free(e2);
  free(rad);
  free(sig);
}

/* ---------------------------------------------------------------------- */
/* transform                                                               */
/* ---------------------------------------------------------------------- */

static void test_transform(void) {
  enum { N = 300, M = 12, D = 4, K = 8, DIM = 2 };
  double *X = two_blobs(N, D, 2), *Y = two_blobs(M, D, 3);
  double *emb = (double *)malloc(N * DIM * sizeof(double));
  double *all = (double *)malloc(M * DIM * sizeof(double));
  double *all2 = (double *)malloc(M * DIM * sizeof(double));
  double one[DIM];
  int *idx = (int *)malloc(M * K * sizeof(int));
  double *dist = (double *)malloc(M * K * sizeof(double));
  uint64_t keys[M];
  umapc_csr g = {0, NULL, NULL, NULL};
  umapc_data ref, q;
  umapc_layout_params par;
  const uint64_t key = umapc_rng_key(9, UMAPC_STREAM_INIT);
  int i, same = 1, left;
  umapc_interrupt intr;

  CHECK(build_graph(X, N, D, K, &g, &ref) == UMAPC_OK);
  for (i = 0; i < N * DIM; i++) emb[i] = 10.0 * urand(key, (uint64_t)i, 1);
  init_params(&par, 10, UMAPC_STREAM_LAYOUT);
  CHECK(umapc_layout(&g, 0.0, &par, 2, NULL, NULL, emb) == UMAPC_OK);

  CHECK(umapc_data_like(&ref, Y, M, 1, &q) == UMAPC_OK);
  CHECK(umapc_knn_exact(&ref, &q, K, 2, NULL, NULL, idx, dist) == UMAPC_OK);
  for (i = 0; i < M; i++) keys[i] = umapc_mix64((uint64_t)i * 1234567u + 1);

  init_params(&par, 15, UMAPC_STREAM_TRANSFORM);
  par.alpha = 0.25;
  CHECK(umapc_transform(idx, dist, M, K, emb, N, keys, 1.0, &par, 1, NULL,
                        NULL, all) == UMAPC_OK);
  CHECK(all_finite(all, M * DIM));
  CHECK(umapc_transform(idx, dist, M, K, emb, N, keys, 1.0, &par, 2, NULL,
                        NULL, all2) == UMAPC_OK);
  CHECK(memcmp(all, all2, M * DIM * sizeof(double)) == 0);
  /* each row alone gives exactly its row of the batch */
  for (i = 0; i < M; i++) {
    CHECK(umapc_transform(idx + i * K, dist + i * K, 1, K, emb, N, keys + i,
                          1.0, &par, 1, NULL, NULL, one) == UMAPC_OK);
    if (memcmp(one, all + i * DIM, sizeof(one)) != 0) same = 0;
  }
  CHECK(same);
  /* reversed batch order: same rows, same bits */
  {
    int *ridx = (int *)malloc(M * K * sizeof(int));
    double *rdist = (double *)malloc(M * K * sizeof(double));
    uint64_t rkeys[M];
    for (i = 0; i < M; i++) {
      memcpy(ridx + i * K, idx + (M - 1 - i) * K, K * sizeof(int));
      memcpy(rdist + i * K, dist + (M - 1 - i) * K, K * sizeof(double));
      rkeys[i] = keys[M - 1 - i];
    }
    CHECK(umapc_transform(ridx, rdist, M, K, emb, N, rkeys, 1.0, &par, 2, NULL,
                          NULL, all2) == UMAPC_OK);
    same = 1;
    for (i = 0; i < M; i++)
      if (memcmp(all2 + i * DIM, all + (M - 1 - i) * DIM, DIM * sizeof(double)))
        same = 0;
    CHECK(same);
    free(ridx);
    free(rdist);
  }
  /* zero epochs: the weighted mean of the neighbours, inside their hull */
  par.n_epochs = 0;
  CHECK(umapc_transform(idx, dist, M, K, emb, N, keys, 1.0, &par, 1, NULL,
                        NULL, all2) == UMAPC_OK);
  CHECK(all_finite(all2, M * DIM));
  for (i = 0; i < M; i++) {
    int c, t;
    for (c = 0; c < DIM; c++) {
      double lo = INFINITY, hi = -INFINITY;
      for (t = 0; t < K; t++) {
        const double v = emb[idx[i * K + t] * DIM + c];
        lo = fmin(lo, v);
        hi = fmax(hi, v);
      }
      CHECK(all2[i * DIM + c] >= lo - 1e-12 && all2[i * DIM + c] <= hi + 1e-12);
    }
  }
  /* bad indices are refused */
  {
    int bad[K];
    memcpy(bad, idx, sizeof(bad));
    bad[3] = N;
    CHECK(umapc_transform(bad, dist, 1, K, emb, N, keys, 1.0, &par, 1, NULL,
                          NULL, one) == UMAPC_ERR_INVALID);
    bad[3] = -1;
    CHECK(umapc_transform(bad, dist, 1, K, emb, N, keys, 1.0, &par, 1, NULL,
                          NULL, one) == UMAPC_ERR_INVALID);
  }
  /* interrupted: clean return (polled every 50 epochs at the most) */
  par.n_epochs = 300;
  left = 2;
  intr.check = stop_on_call;
  intr.ctx = &left;
  CHECK(umapc_transform(idx, dist, M, K, emb, N, keys, 1.0, &par, 1, &intr,
                        NULL, all2) == UMAPC_ERR_INTERRUPTED);

  umapc_data_free(&q);
  umapc_data_free(&ref);
  umapc_csr_free(&g);
  free(X);
  free(Y);
  free(emb);
  free(all);
  free(all2);
  free(idx);
  free(dist);
}

int main(void) {
  test_layout();
  test_layout_phases();
  test_schedule_slots();
  test_layout_both_ends();
  test_layout_reorder();
  test_transform();
  TEST_DONE();
}
