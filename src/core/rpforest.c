/*
 * Random-projection trees (rpforest.h): each node splits its rows by the
 * hyperplane equidistant from two of them drawn at random (pynndescent's
 * euclidean split), rows within NND_EPS of the plane going to a random
 * side; degenerate splits (duplicates) fall back to random sides.
 */
#include "fp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "rng.h"
#include "rpforest.h"

/* Margins within this of the hyperplane go to a random side (pynndescent). */
#define NND_EPS 1e-8f
/* Stack of the iterative tree build: descending into the smaller child
 * first bounds the depth by log2(n) + 1 <= 33. */
#define NND_STACK 72

typedef struct {
  int lo, hi;
  uint64_t id;
} nnd_node;

/* Build tree `tree` over all rows into t (perm + leaves); side/h scratch. */
void umapc_rp_build_tree(const float *rows, int n, int ld, uint64_t key,
                         int tree, int leaf_size, umapc_rp_tree *t,
                         unsigned char *side, float *h) {
  int *perm = t->perm;
  nnd_node stack[NND_STACK];
  int sp = 0, nl = 0, i;
  for (i = 0; i < n; i++) perm[i] = i;
  stack[sp].lo = 0;
  stack[sp].hi = n;
  stack[sp].id = 1;
  sp++;
  while (sp > 0) {
    nnd_node nd = stack[--sp];
    const int lo = nd.lo, hi = nd.hi, m = hi - lo;
    int a, b, j, nleft, l, r;
    uint64_t bits, idl, idr;
    const float *xa, *xb;
    float off;
    if (m <= leaf_size) {
      t->leaves[2 * nl] = lo;
      t->leaves[2 * nl + 1] = hi;
      nl++;
      continue;
    }
    /* two distinct random rows of the node define the hyperplane */
    bits = umapc_rng_u64(key, UMAPC_KNN_CTR(UMAPC_KNN_TAG_PIVOT, tree), nd.id);
    a = (int)umapc_rng_below(bits, (uint32_t)m);
    b = (int)umapc_rng_below(bits << 32, (uint32_t)(m - 1));
    if (b >= a) b++;
    xa = rows + (size_t)perm[lo + a] * ld;
    xb = rows + (size_t)perm[lo + b] * ld;
    for (j = 0; j < ld; j++) h[j] = xa[j] - xb[j];
    off = -0.5f * (umapc_dot(h, xa, ld) + umapc_dot(h, xb, ld));
    nleft = 0;
    for (j = lo; j < hi; j++) {
      const float mg = umapc_dot(h, rows + (size_t)perm[j] * ld, ld) + off;
      unsigned char s;
      if (mg > NND_EPS)
        s = 0;
      else if (mg < -NND_EPS)
        s = 1;
      else
        s = (unsigned char)(umapc_rng_u64(key, UMAPC_KNN_CTR(UMAPC_KNN_TAG_SIDE, tree),
                                          nd.id ^ umapc_mix64((uint64_t)perm[j])) >>
                            63);
      side[j] = s;
      nleft += (s == 0);
    }
    if (nleft == 0 || nleft == m) {
      /* degenerate split (e.g. duplicates): random sides */
      nleft = 0;
      for (j = lo; j < hi; j++) {
        side[j] = (unsigned char)(umapc_rng_u64(
                                      key, UMAPC_KNN_CTR(UMAPC_KNN_TAG_SIDE, tree),
                                      ~nd.id ^ umapc_mix64((uint64_t)perm[j])) >>
                                  63);
        nleft += (side[j] == 0);
      }
      if (nleft == 0 || nleft == m) {
        nleft = 0;
        for (j = lo; j < hi; j++) {
          side[j] = (unsigned char)(j - lo >= m / 2);
          nleft += (side[j] == 0);
        }
      }
    }
    /* partition perm[lo, hi) by side: left = side 0 */
    l = lo;
    r = hi - 1;
    while (l <= r) {
      if (side[l] == 0) {
        l++;
      } else {
        int tp = perm[l];
        unsigned char ts = side[l];
        perm[l] = perm[r];
        perm[r] = tp;
        side[l] = side[r];
        side[r] = ts;
        r--;
      }
    }
    idl = umapc_mix64(nd.id * 2u);
    idr = umapc_mix64(nd.id * 2u + 1u);
    /* push the larger child first so the smaller is processed next */
    if (nleft >= m - nleft) {
      stack[sp].lo = lo; stack[sp].hi = lo + nleft; stack[sp].id = idl; sp++;
      stack[sp].lo = lo + nleft; stack[sp].hi = hi; stack[sp].id = idr; sp++;
    } else {
      stack[sp].lo = lo + nleft; stack[sp].hi = hi; stack[sp].id = idr; sp++;
      stack[sp].lo = lo; stack[sp].hi = lo + nleft; stack[sp].id = idl; sp++;
    }
  }
  t->n_leaves = nl;
}

/*
 * Rows the trees split. A tree level reads every row once, so with wide
 * rows the forest is bound by memory bandwidth (Fashion-MNIST: 18 trees x
 * ~12 levels x 220 MB). Above UMAPC_RP_PROJ_MIN features the trees therefore
 * split a very sparse random projection of the rows to UMAPC_RP_PROJ_DIM
 * dimensions (Li, Hastie & Church 2006: entries +-1 with probability
 * 1/sqrt(d)), which preserves distances well enough for a random partition
 * and is 12x smaller for 784 features. Leaves are still joined with the
 * exact kernel. Returns NULL when out of memory.
 */

static float *nnd_project(const umapc_data *X, uint64_t key, int T) {
  const int n = X->n, d = X->d, ld = X->ld;
  const double pr = 1.0 / sqrt((double)d);
  int *start = (int *)malloc((UMAPC_RP_PROJ_DIM + 1) * sizeof(int));
  int *col = NULL, nnz = 0, o, j, i;
  float *out = NULL;
  (void)T; /* the threads, for OpenMP builds */
  if (start == NULL) return NULL;
  /* count, then fill: column j of output o kept with probability pr; the
   * sign is stored in the high bit of the column index */
  for (o = 0; o < UMAPC_RP_PROJ_DIM; o++)
    for (j = 0; j < d; j++)
      nnz += umapc_rng_unif(umapc_rng_u64(key, UMAPC_KNN_CTR(UMAPC_KNN_TAG_PROJ, o), (uint64_t)j)) < pr;
  col = (int *)malloc((size_t)(nnz > 0 ? nnz : 1) * sizeof(int));
  out = (float *)malloc((size_t)n * UMAPC_RP_PROJ_DIM * sizeof(float));
  if (col == NULL || out == NULL) {
    free(start);
    free(col);
    free(out);
    return NULL;
  }
  nnz = 0;
  for (o = 0; o < UMAPC_RP_PROJ_DIM; o++) {
    start[o] = nnz;
    for (j = 0; j < d; j++) {
      const uint64_t u = umapc_rng_u64(key, UMAPC_KNN_CTR(UMAPC_KNN_TAG_PROJ, o), (uint64_t)j);
      if (umapc_rng_unif(u) < pr) col[nnz++] = (int)(u & 1u) ? -(j + 1) : (j + 1);
    }
  }
  start[UMAPC_RP_PROJ_DIM] = nnz;
  if (X->x == NULL) {
    /* sparse rows: the projection's entries by column, so that each row's
     * non-zeros (ascending columns) add to every output in the dense
     * order; the zeros the dense sums add change nothing */
    int *cs = (int *)calloc((size_t)d + 1, sizeof(int));
    int *co = (int *)malloc((size_t)(nnz > 0 ? nnz : 1) * sizeof(int));
    int *cf = (int *)malloc(((size_t)d + 1) * sizeof(int));
    if (cs == NULL || co == NULL || cf == NULL) {
      free(cs);
      free(co);
      free(cf);
      free(start);
      free(col);
      free(out);
      return NULL;
    }
    for (j = 0; j < nnz; j++) cs[(col[j] > 0 ? col[j] : -col[j])]++;
    for (j = 0; j < d; j++) cs[j + 1] += cs[j];
    memcpy(cf, cs, ((size_t)d + 1) * sizeof(int));
    for (o = 0; o < UMAPC_RP_PROJ_DIM; o++) {
      int t;
      for (t = start[o]; t < start[o + 1]; t++) {
        const int c = (col[t] > 0 ? col[t] : -col[t]) - 1;
        co[cf[c]++] = col[t] > 0 ? o + 1 : -(o + 1);
      }
    }
#ifdef _OPENMP
#pragma omp parallel for num_threads(T) schedule(static)
#endif
    for (i = 0; i < n; i++) {
      float *y = out + (size_t)i * UMAPC_RP_PROJ_DIM;
      int t, u;
      for (t = 0; t < UMAPC_RP_PROJ_DIM; t++) y[t] = 0.0f;
      for (t = X->sp[i]; t < X->sp[i + 1]; t++) {
        const int c = X->sj[t];
        const float v = X->sx[t];
        for (u = cs[c]; u < cs[c + 1]; u++) {
          if (co[u] > 0)
            y[co[u] - 1] += v;
          else
            y[-co[u] - 1] += -v;
        }
      }
    }
    free(cs);
    free(co);
    free(cf);
    free(start);
    free(col);
    return out;
  }
#ifdef _OPENMP
#pragma omp parallel for num_threads(T) schedule(static)
#endif
  for (i = 0; i < n; i++) {
    const float *x = X->x + (size_t)i * ld;
    float *y = out + (size_t)i * UMAPC_RP_PROJ_DIM;
    int oo, t;
    for (oo = 0; oo < UMAPC_RP_PROJ_DIM; oo++) {
      float acc = 0.0f;
      for (t = start[oo]; t < start[oo + 1]; t++)
        acc += col[t] > 0 ? x[col[t] - 1] : -x[-col[t] - 1];
      y[oo] = acc;
    }
  }
  free(start);
  free(col);
  return out;
}

/* The rows of a sparse copy as dense zero-padded float rows, for the trees
 * of data with at most UMAPC_RP_PROJ_MIN columns. NULL when out of memory. */
static float *nnd_dense_rows(const umapc_data *X) {
  float *out = (float *)calloc((size_t)X->n * (size_t)X->ld, sizeof(float));
  int i, t;
  if (out == NULL) return NULL;
  for (i = 0; i < X->n; i++)
    for (t = X->sp[i]; t < X->sp[i + 1]; t++)
      out[(size_t)i * X->ld + X->sj[t]] = X->sx[t];
  return out;
}


int umapc_rp_rows(const umapc_data *X, uint64_t key, int n_threads,
                  const float **rows, int *ld, float **owned) {
  *owned = NULL;
  if (X->d > UMAPC_RP_PROJ_MIN) {
    *owned = nnd_project(X, key, n_threads);
    *ld = UMAPC_RP_PROJ_DIM;
  } else if (X->x == NULL) {
    *owned = nnd_dense_rows(X);
    *ld = X->ld;
  } else {
    *rows = X->x;
    *ld = X->ld;
    return UMAPC_OK;
  }
  *rows = *owned;
  return *owned == NULL ? UMAPC_ERR_NOMEM : UMAPC_OK;
}
