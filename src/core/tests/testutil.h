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
#endif
