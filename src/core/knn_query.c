/*
 * Approximate neighbours of new rows by searching the reference rows' k-NN
 * graph (best-first search with a slack of (1 + epsilon) on the current
 * k-th distance, as in pynndescent's query). Each query row is searched on
 * its own, starting from a fixed set of reference rows, the landmarks (one
 * in each connected part of the search graph, so that a query can reach
 * its own cluster when the graph falls apart into separate clusters, which
 * random starts alone miss; and evenly spaced rows, about sqrt(n) in all),
 * and from rows drawn with the row's own key, so a
 * row's neighbours do not depend on the other rows of the batch nor on the
 * number of threads.
 */
#include "fp.h"

#include <stdlib.h>
#include <string.h>

#include "heap.h"
#include "knn.h"
#include "parallel.h"
#include "rng.h"

#define QUERY_EPSILON 0.1f
#define QUERY_STARTS 48

/* The landmarks of the search graph (CSR gp/gj over n rows), in *out
 * (malloc'd; count in *m): the first row of each connected part, at most
 * LANDMARK_PARTS of them in row order, then rows floor(j * n / s) for
 * j < s = ceil(sqrt(n)) not already taken. They depend on the graph only. */
#define LANDMARK_PARTS 4096
static int find_root(int *parent, int v) {
  while (parent[v] != v) {
    parent[v] = parent[parent[v]];
    v = parent[v];
  }
  return v;
}

static int landmarks(const int *gp, const int *gj, int n, int **out, int *m) {
  int *parent = (int *)malloc((size_t)n * sizeof(int) + 1);
  int *land, i, t, s = 1, cnt = 0, parts = 0;
  unsigned char *taken = (unsigned char *)calloc((size_t)n + 1, 1);
  while ((double)s * s < (double)n) s++;
  land = (int *)malloc(((size_t)s + LANDMARK_PARTS) * sizeof(int));
  if (parent == NULL || taken == NULL || land == NULL) {
    free(parent);
    free(taken);
    free(land);
    return UMAPC_ERR_NOMEM;
  }
  for (i = 0; i < n; i++) parent[i] = i;
  for (i = 0; i < n; i++)
    for (t = gp[i]; t < gp[i + 1]; t++) {
      const int a = find_root(parent, i), b = find_root(parent, gj[t]);
      if (a != b) parent[a < b ? b : a] = a < b ? a : b; /* root: lowest row */
    }
  for (i = 0; i < n && parts < LANDMARK_PARTS; i++)
    if (find_root(parent, i) == i) { /* the first row of its part */
      land[cnt++] = i;
      taken[i] = 1;
      parts++;
    }
  for (t = 0; t < s && t < n; t++) {
    const int r = (int)(((int64_t)t * n) / s);
    if (!taken[r]) {
      land[cnt++] = r;
      taken[r] = 1;
    }
  }
  free(parent);
  free(taken);
  *out = land;
  *m = cnt;
  return UMAPC_OK;
}

/* The search graph: each reference row's neighbours plus the rows that list
 * it (reverse edges), as CSR. */
static int search_graph(const int *gidx, int n, int K, int **pp, int **pj) {
  int *p = (int *)calloc((size_t)n + 1, sizeof(int)), *j, *fill, i, t;
  if (p == NULL) return UMAPC_ERR_NOMEM;
  for (i = 0; i < n; i++)
    for (t = 0; t < K; t++) {
      const int v = gidx[(size_t)i * K + t];
      if (v < 0 || v >= n || v == i) continue;
      p[i + 1]++;
      p[v + 1]++;
    }
  for (i = 0; i < n; i++) p[i + 1] += p[i];
  j = (int *)malloc((size_t)p[n] * sizeof(int) + 1);
  fill = (int *)malloc((size_t)n * sizeof(int) + 1);
  if (j == NULL || fill == NULL) {
    free(p);
    free(j);
    free(fill);
    return UMAPC_ERR_NOMEM;
  }
  memcpy(fill, p, (size_t)n * sizeof(int));
  for (i = 0; i < n; i++)
    for (t = 0; t < K; t++) {
      const int v = gidx[(size_t)i * K + t];
      if (v < 0 || v >= n || v == i) continue;
      j[fill[i]++] = v;
      j[fill[v]++] = i;
    }
  free(fill);
  *pp = p;
  *pj = j;
  return UMAPC_OK;
}

/* A start of query row q's search: reference row r, unless already
 * visited, joins the candidate queue and the k best. */
static inline void start_at(const umapc_data *query, int q,
                            const umapc_data *ref, int r, unsigned *stamp,
                            unsigned cur, float *cqd, int *cqi, int *nc,
                            float *hd, int *hi, int k, int *filled) {
  float d;
  if (stamp[r] == cur) return;
  stamp[r] = cur;
  d = umapc_kernel(query, q, ref, r);
  umapc_heap_queue_push(cqd, cqi, nc, d, r);
  if (umapc_heap_push(hd, hi, k, d, r) && *filled < k) (*filled)++;
}

int umapc_knn_query(const umapc_data *ref, const umapc_data *query,
                    const int *gidx, int K, int k, const uint64_t *row_keys,
                    uint64_t seed, int n_threads, const umapc_interrupt *intr,
                    int *idx, double *dist) {
  const int nr = ref->n, nq = query->n;
  const uint64_t key = umapc_rng_key(seed, UMAPC_STREAM_KNN);
  const int chunk = 256;
  int *gp = NULL, *gj = NULL, *land = NULL, n_land = 0, status, q0;
  umapc_scratch blocks;
  if (k < 1 || k > nr || query->d != ref->d || K < 1) return UMAPC_INVALID();
  status = search_graph(gidx, nr, K, &gp, &gj);
  if (status != UMAPC_OK) return status;
  status = landmarks(gp, gj, nr, &land, &n_land);
  if (status != UMAPC_OK) {
    free(gp);
    free(gj);
    return status;
  }
  n_threads = umapc_clamp_threads(n_threads);
  /* each thread's block (zeroed): its stamp counter, the stamps of visited
   * rows (nr), the candidate min-queue (nr distances, nr indices) and the
   * k best (k distances, k indices); all 4-byte values */
  if (!umapc_scratch_alloc(&blocks, n_threads,
                           (1 + 3 * (size_t)nr + 2 * (size_t)k) * 4, 1)) {
    free(gp);
    free(gj);
    free(land);
    return UMAPC_ERR_NOMEM;
  }

  for (q0 = 0; q0 < nq && status == UMAPC_OK; q0 += chunk * 8) {
    const int q1 = q0 + chunk * 8 < nq ? q0 + chunk * 8 : nq;
    int q;
#ifdef _OPENMP
#pragma omp parallel num_threads(n_threads) if (q1 - q0 > UMAPC_PAR_SEARCH_MIN)
#endif
    {
      unsigned *cur = (unsigned *)umapc_scratch_get(&blocks);
      unsigned *stamp = cur + 1;
      float *cqd = (float *)(stamp + nr);
      int *cqi = (int *)(cqd + nr);
      float *hd = (float *)(cqi + nr);
      int *hi = (int *)(hd + k);
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 16)
#endif
      for (q = q0; q < q1; q++) {
        const uint64_t rk = umapc_rng_key(row_keys[q], key);
        int nc = 0, s, t, filled = 0;
        if (++*cur == 0) { /* stamps wrapped: clear */
          memset(stamp, 0, (size_t)nr * sizeof(unsigned));
          *cur = 1;
        }
        umapc_heap_init(hd, hi, k);
        /* starts: the landmarks, rows drawn with the row's key, and on tiny
         * data every row until k are found */
        for (s = 0; s < n_land; s++)
          start_at(query, q, ref, land[s], stamp, *cur, cqd, cqi, &nc, hd, hi, k,
                   &filled);
        for (s = 0; s < QUERY_STARTS || filled < k; s++) {
          if (s > QUERY_STARTS + 8 * nr) break; /* cannot happen: safety */
          start_at(query, q, ref,
                   (int)umapc_rng_below(umapc_rng_u64(rk, (uint64_t)s, 0),
                                        (uint32_t)nr),
                   stamp, *cur, cqd, cqi, &nc, hd, hi, k, &filled);
        }
        for (s = 0; filled < k && s < nr; s++)
          start_at(query, q, ref, s, stamp, *cur, cqd, cqi, &nc, hd, hi, k,
                   &filled);
        while (nc > 0) {
          float cd, bound;
          int ci;
          umapc_heap_queue_pop(cqd, cqi, &nc, &cd, &ci);
          bound = hd[0] * (1.0f + QUERY_EPSILON);
          if (cd > bound) break;
          for (t = gp[ci]; t < gp[ci + 1]; t++) {
            const int r = gj[t];
            float d;
            if (stamp[r] == *cur) continue;
            stamp[r] = *cur;
            d = umapc_kernel(query, q, ref, r);
            if (d < hd[0] * (1.0f + QUERY_EPSILON) || filled < k) {
              umapc_heap_queue_push(cqd, cqi, &nc, d, r);
              if (umapc_heap_push(hd, hi, k, d, r) && filled < k) filled++;
            }
          }
        }
        umapc_heap_sort(hd, hi, k);
        for (t = 0; t < k; t++) {
          idx[(size_t)q * k + t] = hi[t];
          dist[(size_t)q * k + t] = umapc_kernel_to_dist(ref, hd[t]);
        }
      }
    }
    if (umapc_interrupted(intr)) status = UMAPC_ERR_INTERRUPTED;
  }
  umapc_scratch_free(&blocks);
  free(gp);
  free(gj);
  free(land);
  return status;
}
