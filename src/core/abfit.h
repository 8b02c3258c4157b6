/* Fitting the output-space curve parameters a and b. */
#ifndef UMAPC_ABFIT_H
#define UMAPC_ABFIT_H

/*
 * Least-squares fit of 1 / (1 + a x^(2b)) to the target
 * f(x) = 1 for x < min_dist, exp(-(x - min_dist) / spread) otherwise,
 * on 300 points evenly spaced over [0, 3 * spread], by Levenberg-Marquardt
 * from (a, b) = (1, 1). Returns UMAPC_OK or UMAPC_ERR_NUMERIC.
 */
int umapc_find_ab(double spread, double min_dist, double *a, double *b);

#endif
