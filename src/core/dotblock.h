/*
 * Blocks of dot products between rows of two zero-padded float matrices:
 * out[a * ldo + b] = <x_a, y_b> for a < na, b < nb. Every value has the
 * bits umapc_dot() (kernels.h) gives for that pair: 16 lanes summed in row
 * order, folded in a fixed order, no FMA, whatever the block shape, the
 * threads or the instruction set. On x86-64 with GCC or clang an AVX2
 * version (2 x 2 pairs at a time) runs when umapc_kernels_select() chose
 * AVX2.
 */
#ifndef UMAPC_DOTBLOCK_H
#define UMAPC_DOTBLOCK_H

typedef void (*umapc_dot_block_fn)(const float *x, int na, const float *y,
                                   int nb, int ld, float *out, int ldo);

/* The implementation for the kernels in use. Call it from one thread
 * (e.g. before a parallel region) and use the returned function anywhere. */
umapc_dot_block_fn umapc_dot_block_select(void);

#endif
