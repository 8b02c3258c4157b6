/*
 * The same bits everywhere: runs the whole pipeline of the core on
 * synthetic data it makes itself, and prints one SHA-256 of every output
 * bit. `make portable` (portable.sh) builds it with several compilers,
 * optimisation levels and instruction sets, for x86-64 and arm64, and
 * checks that every build prints the golden hash in portable.golden.
 *
 * Pipeline, as umap() runs it: for each metric, exact and NN-descent k-NN,
 * exact and graph-search queries of new rows; k-NN from precomputed
 * distances and from a sparse matrix; smooth k-NN distances, memberships
 * and the fuzzy union; a and b; spectral and PCA initial layouts in 2 and 3
 * dimensions; the layout in 2 and 3 dimensions; new rows placed in the 2-d
 * layout. Everything runs with 1 and then 2 threads, which must agree.
 *
 * Usage: portable [auto|avx2|portable] [label]. "portable" forces the
 * portable kernels, "avx2" the AVX2 ones where the processor also has
 * AVX-512 (the default is the best the processor has). Prints
 * "<label> kernels=<avx512|avx2|portable> sha256=<64 hex digits>", exit
 * status 0;
 * 1 when the 1- and 2-thread runs differ or a stage fails.
 *
 * The data come from the core's counter RNG (integer arithmetic only: no
 * C library maths anywhere in this file).
 */
#include "fp.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abfit.h"
#include "densmap.h"
#include "graph.h"
#include "kernels.h"
#include "knn.h"
#include "layout.h"
#include "rng.h"
#include "spectral.h"
#include "transform.h"

/* ------------------------------------------------------------------------ */
/* SHA-256 (FIPS 180-4) */

typedef struct {
  uint32_t h[8];
  uint64_t len;
  unsigned char buf[64];
  int fill;
} sha256;

static const uint32_t K256[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu,
    0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u, 0xd807aa98u, 0x12835b01u,
    0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u,
    0xc19bf174u, 0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu,
    0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau, 0x983e5152u,
    0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u,
    0x06ca6351u, 0x14292967u, 0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu,
    0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
    0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u,
    0xd6990624u, 0xf40e3585u, 0x106aa070u, 0x19a4c116u, 0x1e376c08u,
    0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu,
    0x682e6ff3u, 0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u,
    0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u};

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha_block(sha256 *s, const unsigned char *p) {
  uint32_t w[64], a, b, c, d, e, f, g, h;
  int t;
  for (t = 0; t < 16; t++)
    w[t] = (uint32_t)p[4 * t] << 24 | (uint32_t)p[4 * t + 1] << 16 |
           (uint32_t)p[4 * t + 2] << 8 | (uint32_t)p[4 * t + 3];
  for (t = 16; t < 64; t++) {
    const uint32_t s0 = ROTR(w[t - 15], 7) ^ ROTR(w[t - 15], 18) ^ (w[t - 15] >> 3);
    const uint32_t s1 = ROTR(w[t - 2], 17) ^ ROTR(w[t - 2], 19) ^ (w[t - 2] >> 10);
    w[t] = w[t - 16] + s0 + w[t - 7] + s1;
  }
  a = s->h[0]; b = s->h[1]; c = s->h[2]; d = s->h[3];
  e = s->h[4]; f = s->h[5]; g = s->h[6]; h = s->h[7];
  for (t = 0; t < 64; t++) {
    const uint32_t t1 = h + (ROTR(e, 6) ^ ROTR(e, 11) ^ ROTR(e, 25)) +
                        ((e & f) ^ (~e & g)) + K256[t] + w[t];
    const uint32_t t2 = (ROTR(a, 2) ^ ROTR(a, 13) ^ ROTR(a, 22)) +
                        ((a & b) ^ (a & c) ^ (b & c));
    h = g; g = f; f = e; e = d + t1;
    d = c; c = b; b = a; a = t1 + t2;
  }
  s->h[0] += a; s->h[1] += b; s->h[2] += c; s->h[3] += d;
  s->h[4] += e; s->h[5] += f; s->h[6] += g; s->h[7] += h;
}

static void sha_init(sha256 *s) {
  static const uint32_t h0[8] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u,
                                 0xa54ff53au, 0x510e527fu, 0x9b05688cu,
                                 0x1f83d9abu, 0x5be0cd19u};
  memcpy(s->h, h0, sizeof(h0));
  s->len = 0;
  s->fill = 0;
}

static void sha_bytes(sha256 *s, const unsigned char *p, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) {
    s->buf[s->fill++] = p[i];
    if (s->fill == 64) {
      sha_block(s, s->buf);
      s->fill = 0;
    }
  }
  s->len += n;
}

static void sha_hex(sha256 *s, char *hex) {
  const uint64_t bits = s->len * 8;
  unsigned char pad = 0x80, len[8];
  int i;
  sha_bytes(s, &pad, 1);
  pad = 0;
  while (s->fill != 56) sha_bytes(s, &pad, 1);
  for (i = 0; i < 8; i++) len[i] = (unsigned char)(bits >> (56 - 8 * i));
  sha_bytes(s, len, 8);
  for (i = 0; i < 32; i++)
    sprintf(hex + 2 * i, "%02x", (unsigned)(s->h[i / 4] >> (24 - 8 * (i % 4))) & 0xffu);
  hex[64] = '\0';
}

/* values as little-endian bytes, so the hash is the same on any byte
 * order */
static void put_u64(sha256 *s, uint64_t v) {
  unsigned char b[8];
  int i;
  for (i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
  sha_bytes(s, b, 8);
}

static void put_doubles(sha256 *s, const double *x, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) {
    uint64_t u;
    memcpy(&u, x + i, sizeof(u));
    put_u64(s, u);
  }
}

static void put_ints(sha256 *s, const int *x, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) put_u64(s, (uint64_t)(uint32_t)x[i]);
}

/* ------------------------------------------------------------------------ */
/* data */

enum { N = 1200, N_NEW = 60, D = 40, K = 15, N_CLUSTERS = 8 };
#define SEED 42u
#define N_EPOCHS 200
#define N_EPOCHS_NEW 50

/* a roughly normal deviate: the sum of four uniforms, centred (integer
 * arithmetic and exact conversions only) */
static double pseudo_normal(uint64_t key, uint64_t a, uint64_t b) {
  double s = 0.0;
  int t;
  for (t = 0; t < 4; t++)
    s += umapc_rng_unif(umapc_rng_u64(key, a, 4 * b + (uint64_t)t));
  return s - 2.0;
}

/* n rows (column-major n x D) around N_CLUSTERS centres, cluster r % 8;
 * `salt` picks another draw (new rows) */
static void make_data(double *X, int n, uint64_t salt) {
  const uint64_t key = umapc_rng_key(7, 99);
  int i, j;
  for (i = 0; i < n; i++) {
    const int c = i % N_CLUSTERS;
    for (j = 0; j < D; j++) {
      const double centre =
          10.0 * umapc_rng_unif(umapc_rng_u64(key, 1000000 + (uint64_t)c, (uint64_t)j)) - 5.0;
      const double spread = 0.5 + 0.125 * (double)(j % 5);
      X[(size_t)j * n + i] =
          centre + spread * pseudo_normal(key, salt + (uint64_t)i, (uint64_t)j);
    }
  }
}

/* the same rows with every value rounded towards zero to a multiple of 2
 * (hamming needs repeated values) */
static void quantise(const double *X, double *Q, size_t len) {
  size_t t;
  for (t = 0; t < len; t++) Q[t] = (double)(2 * (int)(X[t] / 2.0));
}

/* ------------------------------------------------------------------------ */
/* the pipeline */

static int failed = 0;

#define RUN(expr)                                                       \
  do {                                                                  \
    const int st_ = (expr);                                             \
    if (st_ != UMAPC_OK) {                                              \
      fprintf(stderr, "portable: %s failed (status %d)\n", #expr, st_); \
      failed = 1;                                                       \
    }                                                                   \
  } while (0)

static void row_keys(const double *X, int n, uint64_t *keys) {
  int i, j;
  for (i = 0; i < n; i++) {
    uint64_t h = 0x243F6A8885A308D3ULL;
    for (j = 0; j < D; j++) {
      uint64_t u;
      memcpy(&u, X + (size_t)j * n + i, sizeof(u));
      h = umapc_mix64(h ^ u);
    }
    keys[i] = h;
  }
}

static void layout_params(umapc_layout_params *par, int dim, double a,
                          double b, int n_epochs, double alpha, int stream) {
  memset(par, 0, sizeof(*par));
  par->dim = dim;
  par->n_epochs = n_epochs;
  par->a = a;
  par->b = b;
  par->gamma = 1.0;
  par->alpha = alpha;
  par->negative_sample_rate = 5.0;
  par->seed = SEED;
  par->stream = stream;
}

/* One run of everything with `nt` threads, hashed into s. */
static void pipeline(int nt, const double *X, const double *Xq,
                     const double *Xnew, const double *Xnew_q, sha256 *s) {
  /* every metric: its code, minkowski's exponent, the data it reads (0: X,
   * 1: X quantised to even integers, 2: |X| for hellinger) and how many of
   * its columns (a fractional p costs a umapc_pow() per term, slow under
   * the arm64 emulator: 4 columns) */
  static const struct {
    int metric;
    double p;
    int data, d;
  } metrics[] = {
      {UMAPC_METRIC_EUCLIDEAN, 2.0, 0, D},  {UMAPC_METRIC_COSINE, 2.0, 0, D},
      {UMAPC_METRIC_MANHATTAN, 2.0, 0, D},  {UMAPC_METRIC_CORRELATION, 2.0, 0, D},
      {UMAPC_METRIC_HAMMING, 2.0, 1, D},    {UMAPC_METRIC_CHEBYSHEV, 2.0, 0, D},
      {UMAPC_METRIC_MINKOWSKI, 3.0, 0, D},  {UMAPC_METRIC_MINKOWSKI, 2.5, 0, 4},
      {UMAPC_METRIC_CANBERRA, 2.0, 0, D},   {UMAPC_METRIC_BRAYCURTIS, 2.0, 0, D},
      {UMAPC_METRIC_HELLINGER, 2.0, 2, D},  {UMAPC_METRIC_JACCARD, 2.0, 1, D},
      {UMAPC_METRIC_DICE, 2.0, 1, D}};
  const int n_metrics = (int)(sizeof(metrics) / sizeof(metrics[0]));
  double *Xa = malloc((size_t)N * D * sizeof(double));
  double *Xnew_a = malloc((size_t)N_NEW * D * sizeof(double));
  double *rad = malloc(N * sizeof(double));
  umapc_densmap_params dens;
  int *idx = malloc((size_t)N * K * sizeof(int));
  int *nnd_idx = malloc((size_t)N * K * sizeof(int));
  int *qidx = malloc((size_t)N_NEW * K * sizeof(int));
  double *dist = malloc((size_t)N * K * sizeof(double));
  double *nnd_dist = malloc((size_t)N * K * sizeof(double));
  double *qdist = malloc((size_t)N_NEW * K * sizeof(double));
  double *dv = malloc((size_t)N * (N - 1) / 2 * sizeof(double));
  double *rho = malloc(N * sizeof(double)), *sigma = malloc(N * sizeof(double));
  double *w = malloc((size_t)N * K * sizeof(double));
  double *emb2 = malloc((size_t)N * 2 * sizeof(double));
  double *emb3 = malloc((size_t)N * 3 * sizeof(double));
  double *pca = malloc((size_t)N * 3 * sizeof(double));
  double *newemb = malloc((size_t)N_NEW * 2 * sizeof(double));
  int *eu_idx = malloc((size_t)N * K * sizeof(int));
  int *eu_qidx = malloc((size_t)N_NEW * K * sizeof(int));
  double *eu_dist = malloc((size_t)N * K * sizeof(double));
  double *eu_qdist = malloc((size_t)N_NEW * K * sizeof(double));
  uint64_t keys[N_NEW];
  umapc_csr g;
  umapc_layout_params par;
  double a = 0.0, b = 0.0, wmax = 0.0, min_weight;
  int m, i, j, fb = 0;

  for (i = 0; i < N * D; i++) Xa[i] = X[i] < 0.0 ? -X[i] : X[i];
  for (i = 0; i < N_NEW * D; i++) Xnew_a[i] = Xnew[i] < 0.0 ? -Xnew[i] : Xnew[i];
  row_keys(Xnew, N_NEW, keys);
  for (m = 0; m < n_metrics; m++) {
    const int metric = metrics[m].metric;
    const int kind = metrics[m].data;
    const double *Xm = kind == 1 ? Xq : kind == 2 ? Xa : X;
    const double *Xn = kind == 1 ? Xnew_q : kind == 2 ? Xnew_a : Xnew;
    umapc_data ref, qd;
    umapc_nnd_params np;
    RUN(umapc_data_from_dense(Xm, N, metrics[m].d, metric, nt, &ref));
    if (metric == UMAPC_METRIC_MINKOWSKI)
      RUN(umapc_data_set_p(&ref, metrics[m].p));
    RUN(umapc_data_like(&ref, Xn, N_NEW, nt, &qd));
    RUN(umapc_knn_exact(&ref, NULL, K, nt, NULL, NULL, idx, dist));
    put_ints(s, idx, (size_t)N * K);
    put_doubles(s, dist, (size_t)N * K);
    umapc_nnd_defaults(N, K, &np);
    np.leaf_size = 30; /* several trees levels even for this small n */
    RUN(umapc_knn_nndescent(&ref, K, &np, SEED, nt, NULL, NULL, nnd_idx,
                            nnd_dist));
    put_ints(s, nnd_idx, (size_t)N * K);
    put_doubles(s, nnd_dist, (size_t)N * K);
    RUN(umapc_knn_exact(&ref, &qd, K, nt, NULL, NULL, qidx, qdist));
    put_ints(s, qidx, (size_t)N_NEW * K);
    put_doubles(s, qdist, (size_t)N_NEW * K);
    if (metric == UMAPC_METRIC_EUCLIDEAN) {
      memcpy(eu_idx, nnd_idx, (size_t)N * K * sizeof(int));
      memcpy(eu_dist, nnd_dist, (size_t)N * K * sizeof(double));
    }
    RUN(umapc_knn_query(&ref, &qd, nnd_idx, K, K, keys, SEED, nt, NULL, qidx,
                        qdist));
    put_ints(s, qidx, (size_t)N_NEW * K);
    put_doubles(s, qdist, (size_t)N_NEW * K);
    if (metric == UMAPC_METRIC_EUCLIDEAN) {
      memcpy(eu_qidx, qidx, (size_t)N_NEW * K * sizeof(int));
      memcpy(eu_qdist, qdist, (size_t)N_NEW * K * sizeof(double));
    }
    umapc_data_free(&ref);
    umapc_data_free(&qd);
  }

  /* a sparse matrix: X with the values below 0 dropped (CSC) */
  {
    int *p = malloc((D + 1) * sizeof(int)), *ri = malloc((size_t)N * D * sizeof(int)), nz = 0;
    double *xv = malloc((size_t)N * D * sizeof(double));
    umapc_data sp;
    for (j = 0; j < D; j++) {
      p[j] = nz;
      for (i = 0; i < N; i++)
        if (X[(size_t)j * N + i] > 0.0) {
          ri[nz] = i;
          xv[nz++] = X[(size_t)j * N + i];
        }
    }
    p[D] = nz;
    RUN(umapc_data_from_csc(p, ri, xv, N, D, UMAPC_METRIC_EUCLIDEAN, nt, &sp));
    RUN(umapc_knn_exact(&sp, NULL, K, nt, NULL, NULL, idx, dist));
    put_ints(s, idx, (size_t)N * K);
    put_doubles(s, dist, (size_t)N * K);
    umapc_data_free(&sp);
    free(p);
    free(ri);
    free(xv);
  }

  /* precomputed distances (R's dist layout): manhattan, in double */
  {
    size_t t = 0;
    for (i = 0; i < N - 1; i++)
      for (j = i + 1; j < N; j++) {
        double sum = 0.0;
        int f;
        for (f = 0; f < D; f++) {
          const double v = X[(size_t)f * N + i] - X[(size_t)f * N + j];
          sum += v < 0.0 ? -v : v;
        }
        dv[t++] = sum;
      }
    RUN(umapc_knn_dist(dv, N, K, nt, NULL, idx, dist));
    put_ints(s, idx, (size_t)N * K);
    put_doubles(s, dist, (size_t)N * K);
  }

  /* the fuzzy graph on the euclidean NN-descent neighbours */
  RUN(umapc_smooth_knn(eu_dist, N, K, 1.0, nt, rho, sigma));
  put_doubles(s, rho, N);
  put_doubles(s, sigma, N);
  umapc_memberships(eu_idx, eu_dist, N, K, rho, sigma, 0, nt, w);
  put_doubles(s, w, (size_t)N * K);
  RUN(umapc_fuzzy_union(eu_idx, w, N, K, 1.0, nt, &g));
  put_ints(s, g.p, (size_t)N + 1);
  put_ints(s, g.j, (size_t)g.p[N]);
  put_doubles(s, g.w, (size_t)g.p[N]);
  for (i = 0; i < g.p[N]; i++)
    if (g.w[i] > wmax) wmax = g.w[i];
  min_weight = wmax / N_EPOCHS;

  /* a and b, for two min_dist */
  RUN(umapc_find_ab(1.0, 0.5, &a, &b));
  put_doubles(s, &a, 1);
  put_doubles(s, &b, 1);
  RUN(umapc_find_ab(1.0, 0.1, &a, &b));
  put_doubles(s, &a, 1);
  put_doubles(s, &b, 1);

  /* initial layouts */
  RUN(umapc_pca_init(X, N, D, 3, SEED, nt, NULL, pca));
  put_doubles(s, pca, (size_t)N * 3);
  RUN(umapc_spectral_init(&g, min_weight, 3, SEED, nt, NULL, emb3, &fb));
  put_doubles(s, emb3, (size_t)N * 3);
  put_ints(s, &fb, 1);
  RUN(umapc_spectral_init(&g, min_weight, 2, SEED, nt, NULL, emb2, &fb));
  put_doubles(s, emb2, (size_t)N * 2);
  put_ints(s, &fb, 1);

  /* layouts in 2 and 3 dimensions (scaled to [0, 10] first, as umap()) */
  layout_params(&par, 3, a, b, N_EPOCHS, 1.0, UMAPC_STREAM_LAYOUT);
  umapc_rescale_init(emb3, N, 3);
  RUN(umapc_layout(&g, min_weight, &par, nt, NULL, NULL, emb3));
  put_doubles(s, emb3, (size_t)N * 3);
  layout_params(&par, 2, a, b, N_EPOCHS, 1.0, UMAPC_STREAM_LAYOUT);
  umapc_rescale_init(emb2, N, 2);
  RUN(umapc_layout(&g, min_weight, &par, nt, NULL, NULL, emb2));
  put_doubles(s, emb2, (size_t)N * 2);

  /* densMAP from the same initial layout: the local radii, then the layout
   * with the density term in its last 30% of epochs */
  RUN(umapc_local_radii(&g, min_weight, eu_idx, eu_dist, K, 1, rad));
  put_doubles(s, rad, N);
  dens.lambda = 2.0;
  dens.frac = 0.3;
  dens.var_shift = 0.1;
  dens.rad_orig = rad;
  RUN(umapc_spectral_init(&g, min_weight, 2, SEED, nt, NULL, emb3, &fb));
  layout_params(&par, 2, a, b, N_EPOCHS, 1.0, UMAPC_STREAM_LAYOUT);
  umapc_rescale_init(emb3, N, 2);
  RUN(umapc_layout_densmap(&g, min_weight, &par, &dens, nt, NULL, NULL, emb3));
  put_doubles(s, emb3, (size_t)N * 2);

  /* new rows into the 2-d layout, from their graph-search neighbours */
  layout_params(&par, 2, a, b, N_EPOCHS_NEW, 0.25, UMAPC_STREAM_TRANSFORM);
  RUN(umapc_transform(eu_qidx, eu_qdist, N_NEW, K, emb2, N, keys, 1.0, &par,
                      nt, NULL, NULL, newemb));
  put_doubles(s, newemb, (size_t)N_NEW * 2);

  umapc_csr_free(&g);
  free(idx); free(nnd_idx); free(qidx); free(dist); free(nnd_dist);
  free(qdist); free(dv); free(rho); free(sigma); free(w); free(emb2);
  free(emb3); free(pca); free(newemb); free(eu_idx); free(eu_qidx);
  free(eu_dist); free(eu_qdist); free(Xa); free(Xnew_a); free(rad);
}

int main(int argc, char **argv) {
  const char *label = argc > 2 ? argv[2] : "portable";
  double *X = malloc((size_t)N * D * sizeof(double));
  double *Xq = malloc((size_t)N * D * sizeof(double));
  double *Xnew = malloc((size_t)N_NEW * D * sizeof(double));
  double *Xnew_q = malloc((size_t)N_NEW * D * sizeof(double));
  char hex[2][65];
  int nt;
  {
    /* the hash itself, on FIPS 180-4's example "abc" */
    sha256 t;
    sha_init(&t);
    sha_bytes(&t, (const unsigned char *)"abc", 3);
    sha_hex(&t, hex[0]);
    if (strcmp(hex[0], "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") != 0) {
      fprintf(stderr, "portable: SHA-256 self-test failed\n");
      return 1;
    }
  }
  if (argc > 1 && strcmp(argv[1], "portable") == 0)
    umapc_kernels_select(UMAPC_KERNELS_PORTABLE);
  else if (argc > 1 && strcmp(argv[1], "avx2") == 0)
    umapc_kernels_select(UMAPC_KERNELS_AVX2);
  else if (argc > 1 && strcmp(argv[1], "auto") != 0) {
    fprintf(stderr, "usage: portable [auto|avx2|portable] [label]\n");
    return 2;
  }
  make_data(X, N, 0);
  make_data(Xnew, N_NEW, 1u << 30);
  quantise(X, Xq, (size_t)N * D);
  quantise(Xnew, Xnew_q, (size_t)N_NEW * D);
  for (nt = 1; nt <= 2; nt++) {
    sha256 s;
    sha_init(&s);
    pipeline(nt, X, Xq, Xnew, Xnew_q, &s);
    sha_hex(&s, hex[nt - 1]);
  }
  free(X);
  free(Xq);
  free(Xnew);
  free(Xnew_q);
  if (strcmp(hex[0], hex[1]) != 0) {
    fprintf(stderr, "portable: 1 thread %s, 2 threads %s\n", hex[0], hex[1]);
    failed = 1;
  }
  printf("%-22s kernels=%-8s sha256=%s\n", label,
         umapc_kernels_in_use() == UMAPC_KERNELS_AVX512 ? "avx512"
         : umapc_kernels_in_use() == UMAPC_KERNELS_AVX2 ? "avx2"
                                                        : "portable",
         hex[0]);
  return failed;
}
