/*
 * Floating-point rules of the core: included first by every core source
 * file, before any other header, so that everything compiled after it
 * (including the inline functions of system headers) follows them.
 *
 * umapc promises the same bits on every IEEE-754 machine for the same
 * input, parameters and seed (DESIGN.md, "Same bits everywhere"). The one
 * thing source code cannot otherwise control is contraction: a compiler may
 * fuse a * b + c into one fused multiply-add (one rounding instead of two),
 * and does so where it likes (GCC in its default GNU mode on any target
 * with FMA instructions: every arm64 machine, and x86-64 functions compiled
 * for AVX2/FMA; clang within expressions). So contraction is turned off
 * here, for GCC and clang alike, without relying on compiler flags (R CMD
 * check refuses -f flags in Makevars):
 *
 *   clang  the C99 pragma STDC FP_CONTRACT OFF (honoured under clang's
 *          default -ffp-contract=on);
 *   GCC    which ignores the C99 pragma, the equivalent per-function
 *          option fp-contract=off, applied to every function defined after
 *          this point.
 *
 * The other rules are kept by the code itself: no fused multiply-add
 * anywhere (the vector kernels multiply, then add), reductions in a fixed
 * order that does not depend on vector width or threads, exp/log/pow from
 * fmath.h rather than the C library, no long double, no BLAS or LAPACK.
 * Builds with -ffast-math (or -ffp-contract=fast under clang) break the
 * promise; fp.h cannot undo those.
 */
#ifndef UMAPC_FP_H
#define UMAPC_FP_H

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#endif
