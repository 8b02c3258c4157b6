/*
 * exp, log, pow and cos(2 pi u) of umapc's own, in plain IEEE-754 double
 * arithmetic (additions, multiplications, divisions and exact bit
 * manipulations, no fused multiply-add): they return the same bits on every
 * machine and with every compiler, which the C library's exp(), log() and
 * pow() do not (each platform's libm rounds its last bit its own way).
 * Accuracy: exp, log and cos within 2 units in the last place of the C
 * library's (checked in tests/test_fmath.c). Special values
 * follow C99: exp(NaN) = NaN, exp(-inf) = 0, log(0) = -inf, log(x < 0) =
 * NaN, log(inf) = inf.
 */
#ifndef UMAPC_FMATH_H
#define UMAPC_FMATH_H

double umapc_exp(double x);

/* y[i] = umapc_exp(x[i]) for i < n, the same bits, faster (several at a
 * time where the processor allows); x and y may be the same array. */
void umapc_exp_n(const double *x, double *y, int n);
double umapc_log(double x);

/* log2(x) = log(x) / log(2); exact for powers of two. */
double umapc_log2(double x);

/* x^y for x >= 0, as exp(y log x) (x = 0: 0 for y > 0, 1 for y = 0, inf
 * for y < 0; NaN for x < 0). The error grows with |y log x| (relative
 * error about |y log x| units in the last place): the layout uses it only
 * where its own single-precision power is out of range. */
double umapc_pow(double x, double y);

/* cos(2 pi u) for u in [0, 1) (Box-Muller); the angle is reduced exactly by
 * working on u. */
double umapc_cos_2pi(double u);

#endif
