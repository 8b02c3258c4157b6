/* umapc_knn_dist: neighbours from a dist vector against brute force. */
#include <math.h>
#include <stdlib.h>

#include "knn.h"
#include "testutil.h"

int main(void) {
  enum { N = 60, D = 3, K = 7 };
  double x[N][D], *dv = malloc(sizeof(double) * N * (N - 1) / 2);
  int idx[N * K], i, j, t, pos = 0;
  double dist[N * K];
  unsigned s = 12345u;
  for (i = 0; i < N; i++)
    for (j = 0; j < D; j++) {
      s = s * 1103515245u + 12345u;
      x[i][j] = (double)(s >> 8 & 0xffff) / 65536.0;
    }
  x[10][0] = x[3][0]; /* a duplicate row: tie at distance 0 */
  x[10][1] = x[3][1];
  x[10][2] = x[3][2];
  for (i = 0; i < N; i++) /* R's layout: by columns of the lower triangle */
    for (j = i + 1; j < N; j++) {
      double acc = 0.0;
      for (t = 0; t < D; t++) acc += (x[i][t] - x[j][t]) * (x[i][t] - x[j][t]);
      dv[pos++] = sqrt(acc);
    }
  CHECK(umapc_knn_dist(dv, N, K, 2, NULL, idx, dist) == UMAPC_OK);
  for (i = 0; i < N; i++) {
    CHECK(idx[i * K] == i && dist[i * K] == 0.0);
    for (t = 1; t < K; t++) {
      /* the t-th neighbour: exactly t - 1 others closer or tied-and-lower */
      int better = 0, c = idx[i * K + t];
      double dc = dist[i * K + t];
      CHECK(c != i);
      if (t > 1) CHECK(dist[i * K + t - 1] <= dc);
      for (j = 0; j < N; j++) {
        double acc = 0.0, dj;
        if (j == i) continue;
        for (int u = 0; u < D; u++) acc += (x[i][u] - x[j][u]) * (x[i][u] - x[j][u]);
        dj = sqrt(acc);
        if (dj < dc || (dj == dc && j < c)) better++;
      }
      CHECK(better == t - 1);
    }
  }
  CHECK(idx[3 * K + 1] == 10 && dist[3 * K + 1] == 0.0);
  CHECK(idx[10 * K + 1] == 3);
  /* thread-count independence and k = 1 */
  {
    int idx1[N * K];
    double dist1[N * K];
    CHECK(umapc_knn_dist(dv, N, K, 1, NULL, idx1, dist1) == UMAPC_OK);
    for (i = 0; i < N * K; i++) CHECK(idx1[i] == idx[i] && dist1[i] == dist[i]);
    CHECK(umapc_knn_dist(dv, N, 1, 2, NULL, idx1, dist1) == UMAPC_OK);
    CHECK(idx1[5] == 5);
    CHECK(umapc_knn_dist(dv, N, N + 1, 2, NULL, idx1, dist1) == UMAPC_ERR_INVALID);
  }
  free(dv);
  TEST_DONE();
}
