/* Counter-based normal deviates (see rng.h). */
#include "fp.h"

#include <math.h>

#include "fmath.h"
#include "rng.h"

double umapc_rng_normal(uint64_t key, uint64_t c0, uint64_t c1) {
  /* two independent uniforms from the same counters, second word salted */
  const double u1 = 1.0 - umapc_rng_unif(umapc_rng_u64(key, c0, 2 * c1));
  const double u2 = umapc_rng_unif(umapc_rng_u64(key, c0, 2 * c1 + 1));
  return sqrt(-2.0 * umapc_log(u1)) * umapc_cos_2pi(u2);
}
