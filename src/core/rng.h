/*
 * Counter-based random numbers.
 *
 * Every random number umapc uses is a pure function of
 * (seed, stream, counter0, counter1): no generator state is carried from one
 * draw to the next, so results do not depend on the order in which threads
 * run, and no stage's consumption can shift another stage's numbers.
 *
 * The mixing function is the SplitMix64 finaliser (a bijection on 64-bit
 * words with full avalanche), applied to a key/counter combination.
 */
#ifndef UMAPC_RNG_H
#define UMAPC_RNG_H

#include <stdint.h>

/* One stream per pipeline stage. Never renumber: it changes every result. */
enum {
  UMAPC_STREAM_KNN = 1,       /* random-projection trees, NN-descent */
  UMAPC_STREAM_INIT = 2,      /* random init, spectral start vector, jitter */
  UMAPC_STREAM_LAYOUT = 3,    /* negative sampling in the layout */
  UMAPC_STREAM_TRANSFORM = 4, /* negative sampling in predict() */
  UMAPC_STREAM_PCA = 5        /* start vector of the PCA before the k-NN */
};

static inline uint64_t umapc_mix64(uint64_t z) {
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/* The key for one stream of one seed. */
static inline uint64_t umapc_rng_key(uint64_t seed, uint64_t stream) {
  return umapc_mix64(umapc_mix64(seed) ^ (stream * 0xD1B54A32D192ED03ULL));
}

/* 64 random bits for counters (c0, c1) of a stream key. */
static inline uint64_t umapc_rng_u64(uint64_t key, uint64_t c0, uint64_t c1) {
  return umapc_mix64(umapc_mix64(key ^ (c0 * 0x9E3779B97F4A7C15ULL)) +
                     c1 * 0xC2B2AE3D27D4EB4FULL);
}

/* Uniform integer in [0, n) (Lemire's multiply-shift; n < 2^32). */
static inline uint32_t umapc_rng_below(uint64_t bits, uint32_t n) {
  return (uint32_t)(((bits >> 32) * (uint64_t)n) >> 32);
}

/*
 * A 32-bit mixer (a bijection with good avalanche: xorshift-multiply rounds
 * with the "lowbias32" constants). The layout draws its negative samples
 * with it, because eight 32-bit lanes fit one vector register.
 */
static inline uint32_t umapc_hash32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

/* Uniform double in [0, 1) with 53 random bits. */
static inline double umapc_rng_unif(uint64_t bits) {
  return (double)(bits >> 11) * (1.0 / 9007199254740992.0);
}

/* Standard normal for counters (c0, c1), by Box-Muller on two derived draws. */
double umapc_rng_normal(uint64_t key, uint64_t c0, uint64_t c1);

#endif
