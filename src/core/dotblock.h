/*
 * Blocks of dot products between rows of two zero-padded float matrices:
 * out[a * ldo + b] = <x_a, y_b> for a < na, b < nb. The inner loops keep
 * several independent accumulators per pair and add them in a fixed order,
 * so each result depends only on the two rows (not on the block shapes or
 * threads). On x86-64 with GCC or clang an AVX2/FMA version is chosen at
 * run time when the processor has it; results are then identical on that
 * machine for any thread count, and statistically equal across machines.
 */
#ifndef UMAPC_DOTBLOCK_H
#define UMAPC_DOTBLOCK_H

typedef void (*umapc_dot_block_fn)(const float *x, int na, const float *y,
                                   int nb, int ld, float *out, int ldo);

/* The best implementation for this processor. Call it from one thread
 * (e.g. before a parallel region) and use the returned function anywhere. */
umapc_dot_block_fn umapc_dot_block_select(void);

#endif
