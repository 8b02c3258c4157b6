/*
 * A symmetric eigensolver for the largest (algebraic) eigenpairs of an
 * operator known only through its matrix-vector product: thick-restart
 * Lanczos (Wu & Simon) with full re-orthogonalisation (classical
 * Gram-Schmidt applied twice). The small projected problem is solved by a
 * cyclic Jacobi method (umapc_jacobi_eigen). No LAPACK, no R.
 *
 * Determinism: every dot product is a fixed-chunk sum (the chunks of
 * umapc_det_dot, added in order) and every vector update is row-parallel
 * with a per-row order that does not depend on the partition, so the result
 * is bit-identical for any n_threads, provided the matvec callback is too.
 */
#ifndef UMAPC_EIGEN_H
#define UMAPC_EIGEN_H

#include "core.h"
#include "team.h"

/* y = A x for the symmetric n x n operator A; x and y never alias. Called
 * from the thread that entered the solver; it may open its own parallel
 * regions, of n_threads threads at most (the solver chooses how many by
 * measurement: see umapc_pace in team.h). */
typedef void (*umapc_matvec_fn)(void *ctx, int n_threads, const double *x,
                                double *y);

typedef struct {
  int ncv;          /* Krylov dimension; <= 0: max(2 * nev + 1, 20) */
  double tol;       /* Ritz residual tolerance, relative to the largest
                       |Ritz value|; <= 0: 1e-6 */
  int max_restarts; /* <= 0: 1000 */
  int n_threads;    /* OpenMP threads for vector work and the matvec, at
                       most */
  double matvec_cost; /* the matvec's work in passes over an n-vector (a
                         pass: one multiply-add per entry), for weighing
                         the steps when the team's size is chosen; <= 0:
                         1 */
  uint64_t key;     /* counter-RNG key for the start and fresh vectors */
  uint64_t ctr;     /* counter base: random vector t uses counters
                       (row, ctr + t) */
  const double *v0; /* optional start vector (length n), else random */
  umapc_pace *pace; /* how many of n_threads to use, measured step by step
                       (team.h); callers that solve several problems in a
                       row pass one, so that what was learnt carries over;
                       NULL: the solver's own */
  int ndefl;        /* number of vectors to deflate (may be 0) */
  const double *defl; /* n x ndefl column-major, orthonormal columns: the
                         search is restricted to their orthogonal
                         complement, i.e. the solver works on P A P with
                         P = I - defl defl^T restricted to range(P) */
} umapc_eigen_opts;

typedef struct {
  int converged;    /* 1 if all nev pairs met the tolerance */
  int n_converged;  /* number of wanted pairs that met it */
  int n_restarts;
  long n_matvec;
  double max_resid; /* largest Ritz residual norm among the wanted pairs */
} umapc_eigen_info;

/* Fill opts with the defaults (all fields zero / NULL, n_threads 1). */
void umapc_eigen_opts_default(umapc_eigen_opts *opts);

/*
 * The nev largest eigenvalues (descending, into evals[nev]) and unit
 * eigenvectors (evecs: n x nev column-major, column i for evals[i]) of A
 * restricted to the orthogonal complement of opts->defl. Sign convention:
 * every returned vector has its entry of largest magnitude positive (the
 * first such entry on ties). Requires 1 <= nev <= n - ndefl.
 *
 * When the restart cap is reached before convergence, the best Ritz pairs
 * are returned with UMAPC_OK and info->converged = 0. Returns
 * UMAPC_ERR_INVALID, UMAPC_ERR_NOMEM, UMAPC_ERR_INTERRUPTED (intr polled
 * after every matvec, from the calling thread) or UMAPC_ERR_NUMERIC (a
 * non-finite value appeared); all memory is freed on every path. info may be
 * NULL.
 */
int umapc_eigsh_largest(int n, int nev, umapc_matvec_fn matvec, void *ctx,
                        const umapc_eigen_opts *opts,
                        const umapc_interrupt *intr, double *evals,
                        double *evecs, umapc_eigen_info *info);

/*
 * Dense symmetric eigen-decomposition by cyclic Jacobi rotations.
 * a: m x m row-major symmetric, destroyed. On return evals[m] are sorted in
 * descending order (stable on ties) and vecs (m x m row-major) holds the
 * matching unit eigenvectors in its columns: vecs[r * m + i] is entry r of
 * eigenvector i. Returns UMAPC_OK, UMAPC_ERR_NOMEM or UMAPC_ERR_NUMERIC.
 */
int umapc_jacobi_eigen(double *a, int m, double *evals, double *vecs);

#endif
