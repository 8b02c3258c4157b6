/*
 * Distance kernels over zero-padded float rows of length ld (a multiple of
 * UMAPC_LANES). Each keeps UMAPC_LANES independent partial sums, which the
 * compiler maps onto SIMD registers without reassociating floating point,
 * then adds the lanes in a fixed order: the result is a pure function of the
 * two rows.
 */
#ifndef UMAPC_KERNELS_H
#define UMAPC_KERNELS_H

#include "data.h"

static inline float umapc_lane_sum(const float *acc) {
  /* pairwise, fixed order */
  float s8[8];
  int l;
  for (l = 0; l < 8; l++) s8[l] = acc[l] + acc[l + 8];
  for (l = 0; l < 4; l++) s8[l] += s8[l + 4];
  return (s8[0] + s8[2]) + (s8[1] + s8[3]);
}

static inline float umapc_sqdist(const float *x, const float *y, int ld) {
  float acc[UMAPC_LANES] = {0};
  int k, l;
  for (k = 0; k < ld; k += UMAPC_LANES)
    for (l = 0; l < UMAPC_LANES; l++) {
      const float t = x[k + l] - y[k + l];
      acc[l] += t * t;
    }
  return umapc_lane_sum(acc);
}

static inline float umapc_dot(const float *x, const float *y, int ld) {
  float acc[UMAPC_LANES] = {0};
  int k, l;
  for (k = 0; k < ld; k += UMAPC_LANES)
    for (l = 0; l < UMAPC_LANES; l++) acc[l] += x[k + l] * y[k + l];
  return umapc_lane_sum(acc);
}

static inline float umapc_l1dist(const float *x, const float *y, int ld) {
  float acc[UMAPC_LANES] = {0};
  int k, l;
  for (k = 0; k < ld; k += UMAPC_LANES)
    for (l = 0; l < UMAPC_LANES; l++) {
      const float t = x[k + l] - y[k + l];
      acc[l] += t < 0.0f ? -t : t;
    }
  return umapc_lane_sum(acc);
}

static inline float umapc_hamming(const float *x, const float *y, int ld) {
  float acc[UMAPC_LANES] = {0};
  int k, l;
  for (k = 0; k < ld; k += UMAPC_LANES)
    for (l = 0; l < UMAPC_LANES; l++)
      acc[l] += (x[k + l] != y[k + l]) ? 1.0f : 0.0f;
  return umapc_lane_sum(acc);
}

#endif
