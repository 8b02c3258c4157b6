/* Minimal assertion helpers for the core tests (no framework needed). */
#ifndef UMAPC_TESTUTIL_H
#define UMAPC_TESTUTIL_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int umapc_test_failures = 0;
static int umapc_test_checks = 0;

#define CHECK(cond)                                                     \
  do {                                                                  \
    umapc_test_checks++;                                                \
    if (!(cond)) {                                                      \
      umapc_test_failures++;                                            \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__,  \
              #cond);                                                   \
    }                                                                   \
  } while (0)

/* xorshift64 for varied test values: *state holds the seed (non-zero),
 * then the state. test_unif() is uniform in [0, 1). */
static inline uint64_t test_u64(uint64_t *state) {
  uint64_t x = *state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return *state = x;
}

static inline double test_unif(uint64_t *state) {
  return (double)(test_u64(state) >> 11) / 9007199254740992.0;
}

#define TEST_DONE()                                                     \
  do {                                                                  \
    fprintf(stderr, "%s: %d checks, %d failed\n", __FILE__,             \
            umapc_test_checks, umapc_test_failures);                    \
    return umapc_test_failures ? 1 : 0;                                 \
  } while (0)

/* Helpers shared by the test files (static inline: a file that does not
 * use one gets no warning). */
#include <math.h>
#include "rng.h"

static inline double urand(uint64_t key, uint64_t a, uint64_t b) {
  return umapc_rng_unif(umapc_rng_u64(key, a, b));
}

/* Column-major n x d: two gaussian blobs (sd 1) centred at -5 and +5. */
static inline double *two_blobs(int n, int d, uint64_t seed) {
  const uint64_t key = umapc_rng_key(seed, 77);
  double *X = (double *)malloc((size_t)n * d * sizeof(double));
  int i, j;
  for (i = 0; i < n; i++)
    for (j = 0; j < d; j++)
      X[(size_t)j * n + i] = (i % 2 ? 5.0 : -5.0) +
                             umapc_rng_normal(key, (uint64_t)i, (uint64_t)j);
  return X;
}

/* Interrupt callback that asks to stop on its `*ctx`-th call. */
static inline int stop_on_call(void *ctx) {
  int *left = (int *)ctx;
  return --(*left) <= 0;
}

static inline int all_finite(const double *x, size_t n) {
  size_t t;
  for (t = 0; t < n; t++)
    if (!isfinite(x[t])) return 0;
  return 1;
}
#endif
