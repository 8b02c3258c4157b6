#!/usr/bin/python3
"""Run umap-learn (the Python reference UMAP) on a k-NN graph and initial
layout given by R, so that its layout can be compared with umapc's and uwot's
on exactly the same input.  Used by bench/umap_learn.R (run_umap_learn());
umap-learn itself is NOT part of this repository: put its source (release
0.5.7) on PYTHONPATH and use Debian's numba, pynndescent, scikit-learn, scipy,
numpy and tqdm (python3-* packages).

Usage:
    PYTHONPATH=/work/ext/umap-learn /usr/bin/python3 bench/umap_learn.py \
        IN_DIR OUT_FILE SEED [N_EPOCHS]

IN_DIR holds files written by R, every matrix as raw little-endian binary in
R's own column-major order (writeBin(as.vector(m), con, endian = "little")):
    params.csv  two columns "name,value" with rows n, k, p, n_neighbors,
                min_dist, n_epochs (0 = umap-learn's default: 500 epochs for
                n <= 10,000, else 200); p = 0 when there is no file X
    knn_idx     n x k int32, 0-based; column 1 of row i is i itself
    knn_dist    n x k float64, column 1 is 0
    init        n x 2 float64 initial layout
    X           optional n x p float64 data.  With a precomputed k-NN
                umap-learn uses X only for its number of rows (and hashes it
                after the fit), so without the file an n x 1 zero matrix is
                passed instead.
SEED is an integer (random_state: deterministic, single-threaded layout, as
umap-learn forces n_jobs = 1 when a seed is set) or "none" (no seed: numba's
parallel layout on all threads, not reproducible).  N_EPOCHS, if given,
overrides params.csv.

Writes the embedding (n x 2 float64, little-endian, column-major) to OUT_FILE
and prints "name=value" lines: warmup_seconds (numba JIT compilation on a
small problem, excluded from the other figures), fit_seconds (UMAP.fit():
fuzzy graph from the given k-NN, edge pruning, layout) and layout_seconds
(umap-learn's simplicial_set_embedding() alone: edge pruning, rescaling the
init to [0, 10] per column, SGD epochs).

Notes on umap-learn 0.5.7 (umap/umap_.py):
  * precomputed_knn = (idx, dist, None) is used as given, no new search, as
    long as it has as many rows as X and at least n_neighbors columns.  For
    n < 4096 it is NOT pruned to n_neighbors columns (the pruning branch is
    skipped), so this script keeps the first n_neighbors columns itself.
  * Every init array is rescaled to [0, 10] per column before the SGD (and
    jittered if it has duplicate rows).
"""
import sys
import time
import warnings

import numpy as np


def read_params(path):
    params = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("name"):
                continue
            name, value = line.split(",", 1)
            params[name.strip().strip('"')] = float(value)
    return params


def read_matrix(path, dtype, nrow, ncol):
    a = np.fromfile(path, dtype=np.dtype(dtype).newbyteorder("<"))
    if a.size != nrow * ncol:
        sys.exit("%s: %d values, expected %d x %d" % (path, a.size, nrow, ncol))
    return np.ascontiguousarray(a.reshape((nrow, ncol), order="F"))


def fit(umap, X, idx, dist, init, seed, n_neighbors, min_dist, n_epochs):
    """Fit and return (embedding, fit seconds, layout seconds)."""
    timing = {}

    class TimedUMAP(umap.UMAP):
        # times umap-learn's layout step, simplicial_set_embedding()
        def _fit_embed_data(self, *args, **kwargs):
            t0 = time.perf_counter()
            out = super()._fit_embed_data(*args, **kwargs)
            timing["layout"] = time.perf_counter() - t0
            return out

    model = TimedUMAP(
        n_neighbors=n_neighbors,
        n_components=2,
        metric="euclidean",
        min_dist=min_dist,
        n_epochs=n_epochs,
        init=init,
        random_state=seed,
        n_jobs=1 if seed is not None else -1,
        precomputed_knn=(idx, dist, None),
        verbose=False,
    )
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        # "precomputed_knn[2] is not an NNDescent object" and
        # "n_jobs overridden to 1 by setting random_state": both expected.
        warnings.simplefilter("ignore", UserWarning)
        model.fit(X)
    return model.embedding_, time.perf_counter() - t0, timing["layout"]


def brute_knn(X, k):
    d2 = ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)
    idx = np.argsort(d2, axis=1, kind="stable")[:, :k]
    # make each row's first neighbour itself even with duplicate points
    idx[:, 0] = np.arange(X.shape[0])
    dist = np.sqrt(np.take_along_axis(d2, idx, axis=1))
    dist[:, 0] = 0.0
    # C-contiguous int64 / float64 like the real input: numba compiles one
    # version per array layout, and the warm-up must hit the same one
    return (np.ascontiguousarray(idx, dtype=np.int64),
            np.ascontiguousarray(dist, dtype=np.float64))


def main(argv):
    if len(argv) not in (4, 5):
        sys.exit(__doc__)
    in_dir, out_file, seed_arg = argv[1], argv[2], argv[3]
    seed = None if seed_arg.lower() in ("none", "na", "") else int(seed_arg)

    p = read_params(in_dir + "/params.csv")
    n, k, nx = int(p["n"]), int(p["k"]), int(p.get("p", 0))
    n_neighbors = int(p.get("n_neighbors", k))
    min_dist = float(p.get("min_dist", 0.1))
    n_epochs = int(argv[4]) if len(argv) == 5 else int(p.get("n_epochs", 0))
    n_epochs = n_epochs if n_epochs > 0 else None
    if n_neighbors > k:
        sys.exit("n_neighbors = %d but the k-NN has only k = %d" % (n_neighbors, k))

    idx = read_matrix(in_dir + "/knn_idx", "i4", n, k)[:, :n_neighbors]
    dist = read_matrix(in_dir + "/knn_dist", "f8", n, k)[:, :n_neighbors]
    idx = np.ascontiguousarray(idx, dtype=np.int64)
    dist = np.ascontiguousarray(dist)
    if not np.array_equal(idx[:, 0], np.arange(n)):
        sys.exit("knn_idx: column 1 of row i must be i (0-based)")
    init = read_matrix(in_dir + "/init", "f8", n, 2)
    X = read_matrix(in_dir + "/X", "f8", n, nx) if nx > 0 else np.zeros((n, 1))

    import umap  # slow (numba); after the checks above
    version = getattr(umap, "__version__", "?")

    # numba compiles most of umap-learn's kernels on their first call in each
    # process (only a few are cache=True); compile them on a small problem of
    # the same types and settings so the timings below are the work alone.
    t0 = time.perf_counter()
    rs = np.random.RandomState(0)
    wn = min(300, n)
    wX = rs.normal(size=(wn, 3))
    widx, wdist = brute_knn(wX, n_neighbors)
    fit(umap, np.zeros((wn, 1)), widx, wdist, rs.uniform(size=(wn, 2)),
        seed, n_neighbors, min_dist, 5)
    warmup = time.perf_counter() - t0

    emb, fit_s, layout_s = fit(umap, X, idx, dist, init, seed,
                               n_neighbors, min_dist, n_epochs)
    np.asarray(emb, dtype="<f8").reshape(-1, order="F").tofile(out_file)

    print("umap_learn_version=%s" % version)
    print("warmup_seconds=%.4f" % warmup)
    print("fit_seconds=%.4f" % fit_s)
    print("layout_seconds=%.4f" % layout_s)


if __name__ == "__main__":
    main(sys.argv)
